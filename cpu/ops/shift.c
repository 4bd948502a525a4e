/* Shifts and rotates (group 2, SHLD/SHRD), with the count rules of each
 * model: the 8086 uses the whole count, later chips mask it to 5 bits. */
#include "cpu/cpu_priv.h"

/* Shift or rotate v (size bytes) by count; returns the result and sets the
 * flags. `op` is the ModRM reg field. count is never 0 here. */
static uint32_t shift_do(struct cpu *c, int op, uint32_t v, unsigned count, int size)
{
    unsigned bits = 8u * (unsigned)size;
    uint32_t m = size_mask(size), msb = 1u << (bits - 1);
    /* Rotates keep SF, ZF, PF and AF; the shifts set all of them, so only
     * the rotates need the current flags worked out. */
    uint32_t f = op < 4 ? cpu_get_eflags(c) & F_ARITH : 0;
    uint32_t r;
    bool cf;
    v &= m;
    switch (op) {
    case 0: { /* ROL */
        unsigned n = count % bits;
        r = n ? ((v << n) | (v >> (bits - n))) & m : v;
        cf = r & 1;
        f = (f & ~(F_CF | F_OF)) | (cf ? F_CF : 0) | ((!!(r & msb) != cf) ? F_OF : 0);
        cpu_set_arith(c, f);
        return r;
    }
    case 1: { /* ROR */
        unsigned n = count % bits;
        r = n ? ((v >> n) | (v << (bits - n))) & m : v;
        cf = (r & msb) != 0;
        f = (f & ~(F_CF | F_OF)) | (cf ? F_CF : 0) | ((!!(r & msb) != !!(r & (msb >> 1))) ? F_OF : 0);
        cpu_set_arith(c, f);
        return r;
    }
    case 2: { /* RCL: a rotate of size+1 bits through CF */
        unsigned n = count % (bits + 1);
        uint64_t x = (uint64_t)v | ((uint64_t)((f & F_CF) ? 1 : 0) << bits);
        if (n)
            x = ((x << n) | (x >> (bits + 1 - n))) & ((2ull << bits) - 1);
        r = (uint32_t)x & m;
        cf = (x >> bits) & 1;
        f = (f & ~(F_CF | F_OF)) | (cf ? F_CF : 0) | ((!!(r & msb) != cf) ? F_OF : 0);
        cpu_set_arith(c, f);
        return r;
    }
    case 3: { /* RCR */
        unsigned n = count % (bits + 1);
        uint64_t x = (uint64_t)v | ((uint64_t)((f & F_CF) ? 1 : 0) << bits);
        if (n)
            x = ((x >> n) | (x << (bits + 1 - n))) & ((2ull << bits) - 1);
        r = (uint32_t)x & m;
        cf = (x >> bits) & 1;
        f = (f & ~(F_CF | F_OF)) | (cf ? F_CF : 0) | ((!!(r & msb) != !!(r & (msb >> 1))) ? F_OF : 0);
        cpu_set_arith(c, f);
        return r;
    }
    case 6:
        if (c->model < CPU_286) {
            /* 8086 SETMO: the destination becomes all ones. */
            r = m;
            cpu_set_arith(c, szp_flags(r, size));
            return r;
        }
        /* SAL on later chips */
        __attribute__((fallthrough));
    case 4: /* SHL */
        if (count < bits) {
            r = (v << count) & m;
            cf = (v >> (bits - count)) & 1;
        } else {
            r = 0;
            cf = count == bits ? (v & 1) : 0;
        }
        f = szp_flags(r, size) | (cf ? F_CF : 0) | ((!!(r & msb) != cf) ? F_OF : 0);
        /* AF is undefined; the 286 and later leave it set after a shift. */
        if (c->model >= CPU_286)
            f |= F_AF;
        c->eflags = (c->eflags & ~F_ARITH) | f;
        lf_set(c, LF_RES, v, count, r, size);
        return r;
    case 5: /* SHR */
        if (count < bits) {
            r = v >> count;
            cf = (v >> (count - 1)) & 1;
        } else {
            r = 0;
            cf = count == bits ? (v >> (bits - 1)) & 1 : 0;
        }
        /* OF is the top bit before the last one-bit step: set only when a
         * single shift moved a 1 out of the sign position. */
        f = szp_flags(r, size) | (cf ? F_CF : 0) | ((count == 1 && (v & msb)) ? F_OF : 0);
        if (c->model >= CPU_286)
            f |= F_AF;
        c->eflags = (c->eflags & ~F_ARITH) | f;
        lf_set(c, LF_RES, v, count, r, size);
        return r;
    default: { /* 7 SAR */
        int32_t sv = (v & msb) ? (int32_t)(v | ~m) : (int32_t)v;
        if (count < bits) {
            r = (uint32_t)(sv >> count) & m;
            cf = (sv >> (count - 1)) & 1;
        } else {
            r = sv < 0 ? m : 0;
            cf = sv < 0;
        }
        f = szp_flags(r, size) | (cf ? F_CF : 0);
        if (c->model >= CPU_286)
            f |= F_AF;
        c->eflags = (c->eflags & ~F_ARITH) | f;
        lf_set(c, LF_RES, v, count, r, size);
        return r;
    }
    }
}

void op_shift(struct cpu *c, const struct insn *i)
{
    int size = insn_bsize(i);
    unsigned count;
    if (i->op == 0xD0 || i->op == 0xD1)
        count = 1;
    else if (i->op == 0xD2 || i->op == 0xD3)
        count = CPU_R8(c, 1);
    else
        count = i->imm & 0xFF;
    if (c->model >= CPU_186)
        count &= 0x1F;
    if (count == 0) {
        /* No shift: the operand is still read (it can fault). */
        rm_read(c, i, size);
        return;
    }
    if (i->mod == 3) {
        reg_write(c, i->rm, shift_do(c, i->reg, reg_read(c, i->rm, size), count, size), size);
    } else {
        uint32_t off = insn_ea(c, i);
        uint32_t v = cpu_read(c, i->ea_seg, off, size);
        cpu_write(c, i->ea_seg, off, shift_do(c, i->reg, v, count, size), size);
    }
}

void op_shld_shrd(struct cpu *c, const struct insn *i)
{
    int size = insn_osize(i);
    unsigned bits = 8u * (unsigned)size;
    unsigned count = ((i->op & 1) ? CPU_R8(c, 1) : i->imm) & 0x1F;
    bool left = i->op < 0x1A8;
    uint32_t off = 0;
    uint32_t v;
    if (i->mod == 3) {
        v = reg_read(c, i->rm, size);
    } else {
        off = insn_ea(c, i);
        v = cpu_read(c, i->ea_seg, off, size);
    }
    if (count == 0)
        return;
    uint32_t src = reg_read(c, i->reg, size);
    uint32_t m = size_mask(size), msb = 1u << (bits - 1);
    uint64_t r;
    bool cf;
    if (size == 4) {
        if (left) {
            r = ((uint64_t)v << 32 | src) << count >> 32;
            cf = (v >> (32 - count)) & 1;
        } else {
            r = ((uint64_t)src << 32 | v) >> count;
            cf = (v >> (count - 1)) & 1;
        }
    } else {
        /* 16-bit: the operands form a 32-bit (48 with the repeat) pattern;
         * counts above 16 give undefined results, we use the repeat. */
        uint64_t x = left ? ((uint64_t)v << 32 | (uint64_t)src << 16 | v)
                          : ((uint64_t)v << 32 | (uint64_t)src << 16 | v);
        if (left) {
            r = (x << count) >> 32;
            cf = ((x << (count - 1)) >> 47) & 1;
        } else {
            uint64_t y = (uint64_t)v | (uint64_t)src << 16 | (uint64_t)v << 32;
            r = y >> count;
            cf = (y >> (count - 1)) & 1;
        }
    }
    uint32_t res = (uint32_t)r & m;
    uint32_t f = szp_flags(res, size) | (cf ? F_CF : 0) | (((res ^ v) & msb) ? F_OF : 0);
    c->eflags = (c->eflags & ~F_ARITH) | f;
    lf_set(c, LF_RES, v, count, res, size);
    if (i->mod == 3)
        reg_write(c, i->rm, res, size);
    else
        cpu_write(c, i->ea_seg, off, res, size);
}
