/* Integer arithmetic: the eight ALU operations in all their forms, INC/DEC,
 * TEST/NOT/NEG, MUL/IMUL/DIV/IDIV, BCD adjusts, sign extension and the
 * flag-only instructions. */
#include "cpu/cpu_priv.h"

/* Operation 0-7 (ADD OR ADC SBB AND SUB XOR CMP) on a and b, recording
 * flags; returns the result. */
static inline __attribute__((always_inline)) uint32_t alu_do(struct cpu *c, int op, uint32_t a, uint32_t b,
                                                             int size)
{
    uint32_t m = size_mask(size), r, cf;
    a &= m;
    b &= m;
    switch (op) {
    case 0:
        r = (a + b) & m;
        lf_set(c, LF_ADD, a, b, r, size);
        return r;
    case 1:
        r = a | b;
        lf_set(c, LF_LOGIC, a, b, r, size);
        return r;
    case 2:
        cf = cpu_get_cf(c);
        r = (a + b + cf) & m;
        lf_set(c, LF_ADD, a, b, r, size);
        return r;
    case 3:
        cf = cpu_get_cf(c);
        r = (a - b - cf) & m;
        lf_set(c, LF_SUB, a, b, r, size);
        return r;
    case 4:
        r = a & b;
        lf_set(c, LF_LOGIC, a, b, r, size);
        return r;
    case 6:
        r = a ^ b;
        lf_set(c, LF_LOGIC, a, b, r, size);
        return r;
    default: /* 5 SUB, 7 CMP */
        r = (a - b) & m;
        lf_set(c, LF_SUB, a, b, r, size);
        return r;
    }
}

/* op_alu for one operand size: the register accessors and the masks fold
 * to constants. */
static inline __attribute__((always_inline)) void alu_sized(struct cpu *c, const struct insn *i, int size)
{
    int op = (i->op >> 3) & 7;
    switch (i->op & 7) {
    case 0:
    case 1: { /* Eb,Gb / Ev,Gv */
        uint32_t b = reg_read(c, i->reg, size);
        if (i->mod == 3) {
            uint32_t r = alu_do(c, op, reg_read(c, i->rm, size), b, size);
            if (op != 7)
                reg_write(c, i->rm, r, size);
        } else {
            uint32_t off = insn_ea(c, i);
            uint32_t r = alu_do(c, op, cpu_read(c, i->ea_seg, off, size), b, size);
            if (op != 7)
                cpu_write(c, i->ea_seg, off, r, size);
        }
        break;
    }
    case 2:
    case 3: { /* Gb,Eb / Gv,Ev */
        uint32_t r = alu_do(c, op, reg_read(c, i->reg, size), rm_read(c, i, size), size);
        if (op != 7)
            reg_write(c, i->reg, r, size);
        break;
    }
    default: { /* AL,Ib / eAX,Iv */
        uint32_t r = alu_do(c, op, reg_read(c, R_EAX, size), i->imm, size);
        if (op != 7)
            reg_write(c, R_EAX, r, size);
        break;
    }
    }
}

void op_alu(struct cpu *c, const struct insn *i)
{
    switch (insn_bsize(i)) {
    case 1: alu_sized(c, i, 1); break;
    case 2: alu_sized(c, i, 2); break;
    default: alu_sized(c, i, 4); break;
    }
}

void op_alu_imm(struct cpu *c, const struct insn *i)
{
    int size = insn_bsize(i);
    int op = i->reg;
    if (i->mod == 3) {
        uint32_t r = alu_do(c, op, reg_read(c, i->rm, size), i->imm, size);
        if (op != 7)
            reg_write(c, i->rm, r, size);
    } else {
        uint32_t off = insn_ea(c, i);
        uint32_t r = alu_do(c, op, cpu_read(c, i->ea_seg, off, size), i->imm, size);
        if (op != 7)
            cpu_write(c, i->ea_seg, off, r, size);
    }
}

void op_test(struct cpu *c, const struct insn *i)
{
    int size = insn_bsize(i);
    uint32_t a, b;
    if (i->op >= 0xA8) {
        a = reg_read(c, R_EAX, size);
        b = i->imm;
    } else {
        a = rm_read(c, i, size);
        b = reg_read(c, i->reg, size);
    }
    alu_do(c, 4, a, b, size);
}

void op_test_imm(struct cpu *c, const struct insn *i)
{
    int size = insn_bsize(i);
    alu_do(c, 4, rm_read(c, i, size), i->imm, size);
}

void op_not(struct cpu *c, const struct insn *i)
{
    int size = insn_bsize(i);
    if (i->mod == 3) {
        reg_write(c, i->rm, ~reg_read(c, i->rm, size), size);
    } else {
        uint32_t off = insn_ea(c, i);
        cpu_write(c, i->ea_seg, off, ~cpu_read(c, i->ea_seg, off, size), size);
    }
}

void op_neg(struct cpu *c, const struct insn *i)
{
    int size = insn_bsize(i);
    if (i->mod == 3) {
        reg_write(c, i->rm, alu_do(c, 5, 0, reg_read(c, i->rm, size), size), size);
    } else {
        uint32_t off = insn_ea(c, i);
        cpu_write(c, i->ea_seg, off, alu_do(c, 5, 0, cpu_read(c, i->ea_seg, off, size), size), size);
    }
}

/* INC and DEC keep CF: fold the current CF into eflags first. */
static uint32_t incdec(struct cpu *c, uint32_t v, int size, bool dec)
{
    bool cf = cpu_get_cf(c);
    c->eflags = (c->eflags & ~F_CF) | (cf ? F_CF : 0);
    uint32_t r = (dec ? v - 1 : v + 1) & size_mask(size);
    lf_set(c, dec ? LF_DEC : LF_INC, v, 1, r, size);
    return r;
}

void op_inc_r(struct cpu *c, const struct insn *i)
{
    int size = insn_osize(i), n = i->op & 7;
    reg_write(c, n, incdec(c, reg_read(c, n, size), size, false), size);
}

void op_dec_r(struct cpu *c, const struct insn *i)
{
    int size = insn_osize(i), n = i->op & 7;
    reg_write(c, n, incdec(c, reg_read(c, n, size), size, true), size);
}

static void incdec_rm(struct cpu *c, const struct insn *i, bool dec)
{
    int size = insn_bsize(i);
    if (i->mod == 3) {
        reg_write(c, i->rm, incdec(c, reg_read(c, i->rm, size), size, dec), size);
    } else {
        uint32_t off = insn_ea(c, i);
        cpu_write(c, i->ea_seg, off, incdec(c, cpu_read(c, i->ea_seg, off, size), size, dec), size);
    }
}

void op_inc_rm(struct cpu *c, const struct insn *i)
{
    incdec_rm(c, i, false);
}
void op_dec_rm(struct cpu *c, const struct insn *i)
{
    incdec_rm(c, i, true);
}

/* Flags after a multiply: CF = OF = upper half significant. SF/ZF/PF are
 * undefined; we leave them as the low result sets them, as later chips do. */
static void mul_flags(struct cpu *c, uint32_t lo, bool overflow, int size)
{
    uint32_t f = szp_flags(lo, size);
    if (overflow)
        f |= F_CF | F_OF;
    cpu_set_arith(c, f);
}

void op_mul(struct cpu *c, const struct insn *i)
{
    int size = insn_bsize(i);
    uint32_t src = rm_read(c, i, size);
    if (size == 1) {
        uint32_t r = (uint32_t)CPU_R8(c, 0) * src;
        CPU_R16(c, R_EAX) = (uint16_t)r;
        mul_flags(c, r & 0xFF, (r >> 8) != 0, 1);
        if (c->model < CPU_286) /* the 8086 leaves ZF from the high half */
            c->eflags = (c->eflags & ~F_ZF) | ((r >> 8) == 0 ? F_ZF : 0);
    } else if (size == 2) {
        uint32_t r = (uint32_t)CPU_R16(c, R_EAX) * src;
        CPU_R16(c, R_EAX) = (uint16_t)r;
        CPU_R16(c, R_EDX) = (uint16_t)(r >> 16);
        mul_flags(c, r & 0xFFFF, (r >> 16) != 0, 2);
        if (c->model < CPU_286)
            c->eflags = (c->eflags & ~F_ZF) | ((r >> 16) == 0 ? F_ZF : 0);
    } else {
        uint64_t r = (uint64_t)c->EAX * src;
        c->EAX = (uint32_t)r;
        c->EDX = (uint32_t)(r >> 32);
        mul_flags(c, (uint32_t)r, (r >> 32) != 0, 4);
    }
}

void op_imul1(struct cpu *c, const struct insn *i)
{
    int size = insn_bsize(i);
    uint32_t src = rm_read(c, i, size);
    bool neg = c->model < CPU_286 && i->rep; /* 8086: REP negates the product */
    if (size == 1) {
        int32_t r = (int32_t)(int8_t)CPU_R8(c, 0) * (int8_t)src;
        if (neg)
            r = -r;
        CPU_R16(c, R_EAX) = (uint16_t)r;
        mul_flags(c, (uint32_t)r & 0xFF, r != (int8_t)r, 1);
        if (c->model < CPU_286)
            c->eflags = (c->eflags & ~F_ZF) | (((uint32_t)r >> 8 & 0xFF) == 0 ? F_ZF : 0);
    } else if (size == 2) {
        int32_t r = (int32_t)(int16_t)CPU_R16(c, R_EAX) * (int16_t)src;
        if (neg)
            r = -r;
        CPU_R16(c, R_EAX) = (uint16_t)r;
        CPU_R16(c, R_EDX) = (uint16_t)((uint32_t)r >> 16);
        mul_flags(c, (uint32_t)r & 0xFFFF, r != (int16_t)r, 2);
        if (c->model < CPU_286)
            c->eflags = (c->eflags & ~F_ZF) | (((uint32_t)r >> 16) == 0 ? F_ZF : 0);
    } else {
        int64_t r = (int64_t)(int32_t)c->EAX * (int32_t)src;
        c->EAX = (uint32_t)r;
        c->EDX = (uint32_t)((uint64_t)r >> 32);
        mul_flags(c, (uint32_t)r, r != (int32_t)r, 4);
    }
}

static uint32_t imul_trunc(struct cpu *c, uint32_t a, uint32_t b, int size)
{
    if (size == 2) {
        int32_t r = (int32_t)(int16_t)a * (int16_t)b;
        mul_flags(c, (uint32_t)r & 0xFFFF, r != (int16_t)r, 2);
        return (uint32_t)r & 0xFFFF;
    }
    int64_t r = (int64_t)(int32_t)a * (int32_t)b;
    mul_flags(c, (uint32_t)r, r != (int32_t)r, 4);
    return (uint32_t)r;
}

void op_imul3(struct cpu *c, const struct insn *i)
{
    int size = insn_osize(i);
    reg_write(c, i->reg, imul_trunc(c, rm_read(c, i, size), i->imm, size), size);
}

void op_imul2(struct cpu *c, const struct insn *i)
{
    int size = insn_osize(i);
    reg_write(c, i->reg, imul_trunc(c, reg_read(c, i->reg, size), rm_read(c, i, size), size), size);
}

void op_div(struct cpu *c, const struct insn *i)
{
    int size = insn_bsize(i);
    uint32_t d = rm_read(c, i, size);
    if (d == 0)
        cpu_exception(c, EXC_DE, EXC_NO_ERR);
    if (size == 1) {
        uint32_t n = CPU_R16(c, R_EAX);
        uint32_t q = n / d;
        if (q > 0xFF)
            cpu_exception(c, EXC_DE, EXC_NO_ERR);
        CPU_R8(c, 0) = (uint8_t)q;
        CPU_R8(c, 4) = (uint8_t)(n % d);
    } else if (size == 2) {
        uint32_t n = (uint32_t)CPU_R16(c, R_EDX) << 16 | CPU_R16(c, R_EAX);
        uint32_t q = n / d;
        if (q > 0xFFFF)
            cpu_exception(c, EXC_DE, EXC_NO_ERR);
        CPU_R16(c, R_EAX) = (uint16_t)q;
        CPU_R16(c, R_EDX) = (uint16_t)(n % d);
    } else {
        uint64_t n = (uint64_t)c->EDX << 32 | c->EAX;
        uint64_t q = n / d;
        if (q > 0xFFFFFFFFull)
            cpu_exception(c, EXC_DE, EXC_NO_ERR);
        c->EAX = (uint32_t)q;
        c->EDX = (uint32_t)(n % d);
    }
}

void op_idiv(struct cpu *c, const struct insn *i)
{
    int size = insn_bsize(i);
    uint32_t d = rm_read(c, i, size);
    if ((d & size_mask(size)) == 0)
        cpu_exception(c, EXC_DE, EXC_NO_ERR);
    /* The 8086 rejects the most negative quotient too (it negates a positive
     * quotient, which cannot reach -128/-32768); a REP prefix negates. */
    bool i8086 = c->model < CPU_286;
    bool neg = i8086 && i->rep;
    if (size == 1) {
        int32_t n = (int16_t)CPU_R16(c, R_EAX);
        int32_t q = n / (int8_t)d, r = n % (int8_t)d;
        if (neg)
            q = -q;
        if (q > 127 || q < (i8086 ? -127 : -128)) {
            /* The 286 and 386 miss some overflows: they divide as if bit 14
             * of the dividend were flipped whenever that gives a quotient of
             * exactly -128 (measured on a 286 by the conformance vectors,
             * and on a 386 by SingleStepTests/80386 issue 3). */
            int32_t n2 = (int16_t)(CPU_R16(c, R_EAX) ^ 0x4000);
            if (i8086 || c->model > CPU_386 || n2 / (int8_t)d != -128)
                cpu_exception(c, EXC_DE, EXC_NO_ERR);
            q = -128;
            r = n2 % (int8_t)d;
        }
        CPU_R8(c, 0) = (uint8_t)q;
        CPU_R8(c, 4) = (uint8_t)r;
    } else if (size == 2) {
        int32_t n = (int32_t)((uint32_t)CPU_R16(c, R_EDX) << 16 | CPU_R16(c, R_EAX));
        int64_t q = (int64_t)n / (int16_t)d, r = (int64_t)n % (int16_t)d;
        if (neg)
            q = -q;
        if (q > 32767 || q < (i8086 ? -32767 : -32768))
            cpu_exception(c, EXC_DE, EXC_NO_ERR);
        CPU_R16(c, R_EAX) = (uint16_t)q;
        CPU_R16(c, R_EDX) = (uint16_t)r;
    } else {
        int64_t n = (int64_t)((uint64_t)c->EDX << 32 | c->EAX);
        int32_t dv = (int32_t)d;
        if (n == INT64_MIN && dv == -1)
            cpu_exception(c, EXC_DE, EXC_NO_ERR);
        int64_t q = n / dv, r = n % dv;
        if (q > INT32_MAX || q < INT32_MIN)
            cpu_exception(c, EXC_DE, EXC_NO_ERR);
        c->EAX = (uint32_t)q;
        c->EDX = (uint32_t)r;
    }
}

/* BCD adjusts, SDM 2A DAA/DAS/AAA/AAS/AAM/AAD. */
void op_daa(struct cpu *c, const struct insn *i)
{
    uint32_t f = cpu_get_eflags(c);
    uint8_t al = CPU_R8(c, 0), old = al;
    bool cf = f & F_CF, af = f & F_AF;
    uint32_t nf = 0;
    if ((al & 0xF) > 9 || af) {
        al = (uint8_t)(al + 6);
        nf |= F_AF;
    }
    /* The 8086 compares against 0x9F when AF was set (as measured on the
     * chip by the conformance vectors). */
    if (old > (c->model < CPU_286 && af ? 0x9F : 0x99) || cf) {
        al = (uint8_t)(al + 0x60);
        nf |= F_CF;
    }
    CPU_R8(c, 0) = al;
    nf |= szp_flags(al, 1);
    /* OF is undefined: the chips leave it as the signed overflow of the adds. */
    if (!(old & 0x80) && (al & 0x80))
        nf |= F_OF;
    cpu_set_arith(c, nf);
}

void op_das(struct cpu *c, const struct insn *i)
{
    uint32_t f = cpu_get_eflags(c);
    uint8_t al = CPU_R8(c, 0), old = al;
    bool cf = f & F_CF, af = f & F_AF;
    uint32_t nf = 0;
    if ((al & 0xF) > 9 || af) {
        /* Unlike DAA, the borrow of this step survives into CF. */
        if (al < 6 && c->model >= CPU_286)
            nf |= F_CF;
        al = (uint8_t)(al - 6);
        nf |= F_AF;
    }
    if (old > (c->model < CPU_286 && af ? 0x9F : 0x99) || cf) {
        al = (uint8_t)(al - 0x60);
        nf |= F_CF;
    }
    CPU_R8(c, 0) = al;
    nf |= szp_flags(al, 1);
    if ((old & 0x80) && !(al & 0x80))
        nf |= F_OF;
    cpu_set_arith(c, nf);
}

void op_aaa(struct cpu *c, const struct insn *i)
{
    uint32_t f = cpu_get_eflags(c);
    uint32_t nf = f & (F_OF | F_SF | F_ZF | F_PF);
    if ((CPU_R8(c, 0) & 0xF) > 9 || (f & F_AF)) {
        if (c->model < CPU_286) {
            CPU_R8(c, 0) = (uint8_t)(CPU_R8(c, 0) + 6);
            CPU_R8(c, 4)++;
        } else {
            CPU_R16(c, R_EAX) = (uint16_t)(CPU_R16(c, R_EAX) + 0x106);
        }
        nf |= F_AF | F_CF;
    }
    CPU_R8(c, 0) &= 0xF;
    cpu_set_arith(c, nf);
}

void op_aas(struct cpu *c, const struct insn *i)
{
    uint32_t f = cpu_get_eflags(c);
    uint32_t nf = f & (F_OF | F_SF | F_ZF | F_PF);
    if ((CPU_R8(c, 0) & 0xF) > 9 || (f & F_AF)) {
        if (c->model < CPU_286) {
            CPU_R8(c, 0) = (uint8_t)(CPU_R8(c, 0) - 6);
            CPU_R8(c, 4)--;
        } else {
            CPU_R16(c, R_EAX) = (uint16_t)(CPU_R16(c, R_EAX) - 6);
            CPU_R8(c, 4)--;
        }
        nf |= F_AF | F_CF;
    }
    CPU_R8(c, 0) &= 0xF;
    cpu_set_arith(c, nf);
}

void op_aam(struct cpu *c, const struct insn *i)
{
    uint8_t base = (uint8_t)i->imm;
    if (base == 0) {
        /* The 8086 sets the flags of a zero result before faulting. */
        if (c->model < CPU_286)
            lf_set(c, LF_LOGIC, 0, 0, 0, 1);
        /* The 286 leaves SF and ZF clear and PF set (both vectors agree). */
        else if (c->model == CPU_286)
            cpu_set_arith(c, (cpu_get_eflags(c) & (F_CF | F_AF | F_OF)) | F_PF);
        cpu_exception(c, EXC_DE, EXC_NO_ERR);
    }
    uint8_t al = CPU_R8(c, 0);
    CPU_R8(c, 4) = al / base;
    CPU_R8(c, 0) = al % base;
    lf_set(c, LF_LOGIC, 0, 0, CPU_R8(c, 0), 1);
}

void op_aad(struct cpu *c, const struct insn *i)
{
    uint8_t base = (uint8_t)i->imm;
    uint8_t al = CPU_R8(c, 0);
    uint8_t prod = (uint8_t)(CPU_R8(c, 4) * base);
    /* The undefined flags come out as those of the final byte add. */
    uint8_t r = alu_do(c, 0, al, prod, 1);
    CPU_R16(c, R_EAX) = r;
}

void op_salc(struct cpu *c, const struct insn *i)
{
    CPU_R8(c, 0) = cpu_get_cf(c) ? 0xFF : 0;
}

void op_cbw(struct cpu *c, const struct insn *i)
{
    if (i->os32)
        c->EAX = (uint32_t)(int32_t)(int16_t)CPU_R16(c, R_EAX);
    else
        CPU_R16(c, R_EAX) = (uint16_t)(int16_t)(int8_t)CPU_R8(c, 0);
}

void op_cwd(struct cpu *c, const struct insn *i)
{
    if (i->os32)
        c->EDX = (c->EAX & 0x80000000u) ? 0xFFFFFFFFu : 0;
    else
        CPU_R16(c, R_EDX) = (CPU_R16(c, R_EAX) & 0x8000) ? 0xFFFF : 0;
}

void op_flagop(struct cpu *c, const struct insn *i)
{
    switch (i->op) {
    case 0xF5: cpu_set_eflags(c, cpu_get_cf(c) ? 0 : F_CF, F_CF); break;
    case 0xF8: cpu_set_eflags(c, 0, F_CF); break;
    case 0xF9: cpu_set_eflags(c, F_CF, F_CF); break;
    case 0xFC: c->eflags &= ~F_DF; break;
    case 0xFD: c->eflags |= F_DF; break;
    }
}

void op_lahf(struct cpu *c, const struct insn *i)
{
    CPU_R8(c, 4) = (uint8_t)((cpu_get_eflags(c) & 0xD5) | 0x02);
}

void op_sahf(struct cpu *c, const struct insn *i)
{
    /* SF ZF AF PF CF from AH: of the old flags only OF is worked out. */
    uint32_t of = cpu_get_of(c) ? F_OF : 0;
    cpu_set_arith(c, (CPU_R8(c, 4) & (F_SF | F_ZF | F_AF | F_PF | F_CF)) | of);
}
