/* The translator: decodes a block with the one decoder, decides per
 * instruction whether to inline it (moves, ALU, INC/DEC, LEA, PUSH/POP,
 * near branches, MOVZX/MOVSX, SETcc, CMOVcc through flat segments) or call
 * the interpreter's own op_* handler, runs a backward flag-liveness pass so
 * inlined ALU operations record lazy flags only when somebody may read them,
 * and emits the block through translator/emit.h. Every inlined memory access
 * falls back on a TLB miss to the instruction's handler, so faults, MMIO and
 * writes into translated code take exactly the interpreter's path. */
#include "translator/translate.h"

#include <stddef.h>

#include "translator/emit.h"
#if EMIT_HAVE_BACKEND

#include "cpu/cpu_priv.h"
#include "cpu/fpu/fpu_jit.h"
#include "translator/emit.h"

#define OFF(f) offsetof(struct cpu, f)

enum plan {
    P_HELPER,
    P_MOV,
    P_MOVI,
    P_ALU,
    P_TEST,
    P_INCDEC,
    P_LEA,
    P_PUSH,
    P_POP,
    P_JCC,
    P_JMP,
    P_CALL,
    P_RET,
    P_MOVX,
    P_SETCC,
    P_CMOV,
    P_IMUL,
    P_NOP,
    P_SHIFT,
    P_JMPI,
    P_CALLI,
    P_PUSHM,
    P_NOT,
    P_NEG,
    P_MOVA,
    P_LEAVE,
    P_SHV,
    P_FPU,
    P_LOOP,
    P_SEGLD,
    P_PUSHS,
    P_POPS,
};

/* Flag classes for liveness: CF on its own (INC/DEC keep it), the rest. */
#define FL_CF  1u
#define FL_OTH 2u
#define FL_ALL 3u

/* The translator's name for "the arithmetic flags are all in eflags"
 * (lf.op is LF_NONE at run time), next to the lf_op kinds. */
#define K_EFLAGS 0x100

/* Runtime helpers the generated code calls. */
static uint32_t jit_cond(struct cpu *c, uint32_t cc)
{
    return cpu_cond(c, (int)cc);
}

static uint32_t jit_flags_commit(struct cpu *c, uint32_t unused)
{
    (void)unused;
    cpu_flags_commit(c);
    return 0;
}

static uint32_t jit_fold_cf(struct cpu *c, uint32_t unused)
{
    (void)unused;
    bool cf = cpu_get_cf(c);
    c->eflags = (c->eflags & ~F_CF) | (cf ? F_CF : 0);
    return 0;
}

static bool seg_small(uint32_t hf, int seg);

/* The data segment a segment load writes, or -1 (SS, or not a load). */
static int loads_data_seg(const struct insn *i)
{
    switch (i->op) {
    case 0x8E: return i->reg == S_SS || i->reg == S_CS ? -1 : i->reg;
    case 0x07:
    case 0xC4: return S_ES;
    case 0x1F:
    case 0xC5: return S_DS;
    case 0x1A1:
    case 0x1B4: return S_FS;
    case 0x1A9:
    case 0x1B5: return S_GS;
    default: return -1;
    }
}

/* Instructions after which the block must end although they are not
 * branches: the interrupt shadow of MOV SS and POP SS, REP string
 * instructions that resume themselves, loads of the segments the block's
 * flat bits describe, port I/O (a device may raise an interrupt), and the
 * system instructions that change the mode, paging or descriptor tables.
 * In real mode a load keeps the segment's limit, so a small segment stays
 * small and its loads need not end the block. */
static bool ends_block(const struct insn *i, uint32_t hf)
{
    if (i->info->attr & A_BRANCH)
        return true;
    if ((i->info->attr & A_STRING) && i->rep)
        return true;
    int ds = loads_data_seg(i);
    if ((hf & HF_REAL) && ds >= 0 && seg_small(hf, ds))
        return false;
    switch (i->op) {
    case 0x8E:
    case 0x17:
    case 0x07:
    case 0x1F:
    case 0xC4:
    case 0xC5:
    case 0x1B2:
    case 0x1A1:
    case 0x1A9:
    case 0x1B4:
    case 0x1B5:
    case 0xE4:
    case 0xE5:
    case 0xE6:
    case 0xE7:
    case 0xEC:
    case 0xED:
    case 0xEE:
    case 0xEF:
    case 0x1AA: return true;
    default: break;
    }
    return (i->op >= 0x100 && i->op <= 0x10F) || (i->op >= 0x120 && i->op <= 0x127) ||
           (i->op >= 0x130 && i->op <= 0x137);
}

static bool seg_flat(uint32_t hf, int seg)
{
    switch (seg) {
    case S_ES: return (hf & HF_FLAT_ES) != 0;
    case S_SS: return (hf & HF_FLAT_SS) != 0;
    case S_DS: return (hf & HF_FLAT_DS) != 0;
    default: return false;
    }
}

static bool seg_wide(uint32_t hf, int seg)
{
    switch (seg) {
    case S_ES: return (hf & HF_WIDE_ES) != 0;
    case S_DS: return (hf & HF_WIDE_DS) != 0;
    case S_FS: return (hf & HF_WIDE_FS) != 0;
    case S_GS: return (hf & HF_WIDE_GS) != 0;
    default: return false;
    }
}

static bool seg_small(uint32_t hf, int seg)
{
    return seg >= S_ES && seg <= S_GS && (hf & (HF_SMALL_ES << seg)) != 0;
}

/* A memory operand in this segment can be reached inline. */
static bool seg_inline(uint32_t hf, int seg)
{
    return seg_flat(hf, seg) || seg_wide(hf, seg) || seg_small(hf, seg);
}

/* What an inlined handler needs: a ModRM operand in a register or a flat or
 * wide segment (NEED_RM), a flat 32-bit stack and 32-bit operands
 * (NEED_STACK), a CS with a 4 GiB limit (NEED_CS), 32-bit operands
 * (NEED_OS32). */
#define NEED_RM    1u
#define NEED_STACK 2u
#define NEED_CS    4u
#define NEED_OS32  8u

static const struct {
    op_fn fn;
    uint8_t plan; /* enum plan */
    uint8_t need;
} inline_ops[] = {
    {op_mov, P_MOV, NEED_RM},
    {op_mov_r_imm, P_MOVI, 0},
    {op_mov_rm_imm, P_MOVI, NEED_RM},
    {op_alu_imm, P_ALU, NEED_RM},
    {op_test_imm, P_TEST, NEED_RM},
    {op_inc_r, P_INCDEC, 0},
    {op_dec_r, P_INCDEC, 0},
    {op_inc_rm, P_INCDEC, NEED_RM},
    {op_dec_rm, P_INCDEC, NEED_RM},
    {op_lea, P_LEA, 0},
    {op_push_r, P_PUSH, NEED_STACK},
    {op_push_imm, P_PUSH, NEED_STACK},
    {op_pop_r, P_POP, NEED_STACK},
    {op_jcc, P_JCC, NEED_CS},
    {op_jmp_rel, P_JMP, NEED_CS},
    {op_call_rel, P_CALL, NEED_STACK | NEED_CS},
    {op_ret, P_RET, NEED_STACK | NEED_CS},
    {op_not, P_NOT, NEED_RM},
    {op_neg, P_NEG, NEED_RM},
    {op_push_rm, P_PUSHM, NEED_STACK | NEED_RM},
    {op_jmp_rm, P_JMPI, NEED_OS32 | NEED_CS | NEED_RM},
    {op_call_rm, P_CALLI, NEED_STACK | NEED_CS | NEED_RM},
    {op_movzx, P_MOVX, NEED_RM},
    {op_movsx, P_MOVX, NEED_RM},
    {op_setcc, P_SETCC, NEED_RM},
    {op_cmov, P_CMOV, NEED_RM},
    {op_imul2, P_IMUL, NEED_RM},
    {op_imul3, P_IMUL, NEED_RM},
    {op_leave, P_LEAVE, NEED_STACK},
};

/* Handlers that cannot fault, touch only registers and flags, and read
 * neither EIP nor the time: the block calls them without storing the
 * instruction's state, counting or checking for an exit. */
static bool pure_helper(const struct insn *i, op_fn fn)
{
    if (fn == op_flagop)
        return i->op != 0xFA && i->op != 0xFB; /* CLC STC CMC CLD STD */
    if (fn == op_sahf || fn == op_lahf || fn == op_cbw || fn == op_cwd || fn == op_xchg_ax || fn == op_nop ||
        fn == op_bswap)
        return true;
    if (fn == op_shift || fn == op_shld_shrd || fn == op_mul || fn == op_imul1 || fn == op_bsf_bsr ||
        fn == op_xchg)
        return i->mod == 3 && !i->lock;
    return false;
}

/* x87 instructions the block may call op_esc for directly once it has
 * checked that nothing makes them fault: no #NM (CR0.EM/TS), no pending
 * unmasked exception (#MF, FERR#), a memory operand that hits the TLB.
 * Returns the memory operand's size (negative for a store), 0 for a
 * register form, or 99 when the form is not one of these (control
 * instructions, the rarer encodings and those that are #UD). */
#define FPU_NO 99
static int fpu_form(const struct insn *i, enum cpu_model model)
{
    int esc = i->op & 7, reg = i->reg, m = i->modrm;
    if (i->mod != 3) {
        static const int8_t arith[8] = {4, 0, 4, 0, 8, 0, 2, 0}; /* D8 DA DC DE: every reg */
        if (arith[esc])
            return arith[esc];
        static const int8_t ldst[8][8] = {
            [1] = {4, 0, -4, -4, 0, 0, 0, 0},    /* D9: FLD FST FSTP m32fp */
            [3] = {4, 0, -4, -4, 0, 10, 0, -10}, /* DB: FILD FIST FISTP m32int, FLD FSTP m80 */
            [5] = {8, 0, -8, -8, 0, 0, 0, 0},    /* DD: FLD FST FSTP m64fp */
            [7] = {2, 0, -2, -2, 0, 8, 0, -8},   /* DF: FILD FIST FISTP m16int, FILD FISTP m64int */
        };
        return ldst[esc][reg] ? ldst[esc][reg] : FPU_NO;
    }
    bool p6 = model >= CPU_PENTIUM2;
    switch (esc) {
    case 0:
    case 4: return 0;
    case 1:
        return (m <= 0xCF || m == 0xE0 || m == 0xE1 || m == 0xE4 || m == 0xE5 || (m >= 0xE8 && m <= 0xEE) ||
                m >= 0xF0)
                   ? 0
                   : FPU_NO;
    case 2: return m == 0xE9 ? 0 : FPU_NO;                                    /* FUCOMPP */
    case 3: return p6 && m >= 0xE8 && m <= 0xF7 ? 0 : FPU_NO;                 /* FUCOMI FCOMI */
    case 5: return m <= 0xC7 || (m >= 0xD0 && m <= 0xEF) ? 0 : FPU_NO;        /* FFREE FST FSTP FUCOM(P) */
    case 6: return m <= 0xCF || m == 0xD9 || m >= 0xE0 ? 0 : FPU_NO;          /* arith-and-pop, FCOMPP */
    default: return m == 0xE0 || (p6 && m >= 0xE8 && m <= 0xF7) ? 0 : FPU_NO; /* FNSTSW AX, FUCOMIP FCOMIP */
    }
}

/* A 16-bit near branch (Jcc, JMP, CALL, RET, LOOP) wraps its target at
 * 64 KB: within a small CS's limit whatever it is. */
static bool small_cs_ok(const struct insn *i, op_fn fn, uint32_t hf)
{
    return (hf & HF_SMALL_CS) && !i->os32 &&
           (fn == op_jcc || fn == op_jmp_rel || fn == op_call_rel || fn == op_ret || fn == op_loop ||
            fn == op_jcxz);
}

/* The stack an inlined PUSH/POP/CALL/RET needs: the flat 32-bit one with
 * 32-bit operands, or a small 16-bit one (real mode; SP wraps at 64 KB)
 * with either size, but not for LEAVE or an indirect CALL. */
static bool stack16(uint32_t hf)
{
    return (hf & HF_SMALL_SS) != 0;
}

static bool stack_ok(const struct insn *i, op_fn fn, uint32_t hf)
{
    if ((hf & HF_FLAT_SS) && i->os32)
        return true;
    return stack16(hf) && fn != op_leave && fn != op_call_rm;
}

static enum plan plan_of(const struct insn *i, op_fn fn, uint32_t hf)
{
    if (fn != i->info->fn)
        return P_HELPER; /* replaced by op_ud */
    bool rm_ok = i->mod == 3 || seg_inline(hf, i->ea_seg);
    /* The forms with something more to decide. */
    if (fn == op_alu) /* the accumulator forms have no ModRM */
        return ((i->op & 7) >= 4 || rm_ok) ? P_ALU : P_HELPER;
    if (fn == op_test)
        return (i->op >= 0xA8 || rm_ok) ? P_TEST : P_HELPER;
    if (fn == op_alu_imm && i->op == 0x82)
        return P_HELPER;
    if (fn == op_nop)
        return P_NOP; /* PAUSE (F3 90) too: op_nop does nothing for it either */
    if (fn == op_shift) {
        /* SHL/SHR/SAR by a constant that shifts (not 0, not the width). */
        int count = i->op >= 0xD0 ? 1 : (int)(i->imm & 0x1F);
        bool by_cl = i->op == 0xD2 || i->op == 0xD3;
        bool shift = i->reg == 4 || i->reg == 5 || i->reg == 7;
        if (shift && !by_cl && rm_ok && count >= 1 && count < 8 * insn_bsize(i))
            return P_SHIFT;
        /* Rotates, and shifts by CL: inline when nobody reads their flags. */
        if (rm_ok && (i->reg <= 1 || (shift && by_cl)))
            return P_SHV;
        return P_HELPER;
    }
    /* Real mode: a segment load is its selector and base (cpu_load_seg_real);
     * a small data segment stays small. SS has its shadow: a handler. */
    if (hf & HF_REAL) {
        int ds = loads_data_seg(i);
        if (fn == op_mov_sreg_rm && ds >= 0 && seg_small(hf, ds) && rm_ok)
            return P_SEGLD;
        if (fn == op_pop_sreg && ds >= 0 && seg_small(hf, ds) && !i->os32 && stack16(hf))
            return P_POPS;
        if (fn == op_push_sreg && !i->os32 && stack16(hf))
            return P_PUSHS;
    }
    if (fn == op_loop || fn == op_jcxz)
        return (fn == op_jcxz || i->op == 0xE2) && ((hf & HF_CS_FLAT) || small_cs_ok(i, fn, hf)) ? P_LOOP
                                                                                                 : P_HELPER;
    if (fn == op_mov_moffs)
        return seg_inline(hf, i->ea_seg) ? P_MOVA : P_HELPER;
    for (size_t k = 0; k < sizeof(inline_ops) / sizeof(inline_ops[0]); k++) {
        if (inline_ops[k].fn != fn)
            continue;
        uint8_t need = inline_ops[k].need;
        bool cs_ok = (hf & HF_CS_FLAT) || small_cs_ok(i, fn, hf);
        if (((need & NEED_RM) && !rm_ok) || ((need & NEED_STACK) && !stack_ok(i, fn, hf)) ||
            ((need & NEED_CS) && !cs_ok) || ((need & NEED_OS32) && !i->os32))
            return P_HELPER;
        return (enum plan)inline_ops[k].plan;
    }
    return P_HELPER;
}

struct tr {
    struct emit e;
    struct cpu *c;
    struct tb *tb;
    uint32_t hf;
    int synced; /* instructions of the block already counted */
    int kind;   /* enum lf_op of the last inlined flag producer, LF_NONE if unknown */
    int ksize;
    bool hostf;       /* the host flags are that producer's */
    bool remat;       /* its flags can be recomputed from lf.a/lf.b/lf.res */
    bool cr0_checked; /* CR0.EM/TS tested clear since the last handler call */
    const struct jit_ibtc *ibtc;
    bool ended;
};

/* A TLB lookup compares: the host flags are no longer the guest's. */
static void tr_tlb(struct tr *t, bool write, int size, const struct emit_stub *s)
{
    emit_tlb(&t->e, write, size, s);
    t->hostf = false;
}

/* A = the linear address of the ModRM memory operand -- the effective
 * address, plus the segment base for a wide or small segment (flat ones have
 * 0) -- and then a host pointer to it after a TLB lookup. An access that
 * would end past a small segment's 64 KB, or misses the TLB, takes stub s. */
static void tr_mem(struct tr *t, const struct insn *i, bool write, int size, const struct emit_stub *s)
{
    emit_ea(&t->e, i);
    bool small = seg_small(t->hf, i->ea_seg);
    if (small && (size > 1 || i->as32))
        emit_a_above_stub(&t->e, 0x10000u - (uint32_t)size, s);
    if (small || seg_wide(t->hf, i->ea_seg))
        emit_a_add_field(&t->e,
                         OFF(seg) + (size_t)i->ea_seg * sizeof(struct seg) + offsetof(struct seg, base));
    tr_tlb(t, write, size, s);
}

static struct emit_stub stub_for(struct tr *t, int k, const struct insn *i, op_fn fn, uint32_t eip,
                                 uint32_t next)
{
    struct emit_stub s = {0};
    s.insn = i;
    s.fn = fn;
    s.eip = eip;
    s.next = next;
    s.pending = k - t->synced;
    return s;
}

/* Host flags that say what guest condition cc says; returns the host
 * condition to test. May use T0. */
static int cond(struct tr *t, int cc)
{
    bool uses_cf = (cc >> 1) == 1 || (cc >> 1) == 3;
    bool incdec = t->kind == LF_INC || t->kind == LF_DEC;
    if (t->hostf && t->kind != LF_NONE && t->kind != K_EFLAGS && !(incdec && uses_cf))
        return cc;
    if (t->kind == K_EFLAGS) {
        /* One flag, or CF and ZF together (BE/A): a test of eflags. The
         * OF conditions are left to cpu_cond. */
        static const uint32_t mask[8] = {0, F_CF, F_ZF, F_CF | F_ZF, F_SF, F_PF, 0, 0};
        if (mask[cc >> 1]) {
            emit_test_field(&t->e, OFF(eflags), mask[cc >> 1], 4);
            return (cc & 1) ? CC_E : CC_NE;
        }
    }
    /* ZF, SF and PF alone come from the result of any kind. */
    bool zsp = (cc >> 1) == 2 || (cc >> 1) == 4 || (cc >> 1) == 5;
    if ((t->kind == LF_INC || t->kind == LF_DEC) && zsp) {
        emit_flags_test(&t->e, OFF(lf.res), t->ksize);
        return cc;
    }
    switch (t->remat ? t->kind : LF_NONE) {
    case LF_SUB: emit_flags_sub(&t->e, OFF(lf.a), OFF(lf.b), t->ksize); return cc;
    case LF_ADD: emit_flags_add(&t->e, OFF(lf.a), OFF(lf.b), t->ksize); return cc;
    case LF_LOGIC: emit_flags_test(&t->e, OFF(lf.res), t->ksize); return cc;
    default: break;
    }
    struct emit *e = &t->e;
    size_t join = 0;
    if (t->kind == LF_NONE) {
        /* Set by an earlier block (or a handler), known only at run time:
         * ZF, SF and PF come from a 32-bit result of any lazy kind, and
         * any condition from a 32-bit SUB/CMP whose result is a - b (not
         * an SBB that borrowed). Anything else goes to cpu_cond. (lf.size
         * follows lf.op: one word names both.) */
        _Static_assert(offsetof(struct lazy_flags, size) == offsetof(struct lazy_flags, op) + 1, "lf layout");
        _Static_assert(LF_ADD == 1 && LF_RES == 6, "lf_op: the kinds with a result are 1..6");
        size_t slow[2];
        if (zsp) {
            emit_ld(e, T0, OFF(lf.op), 2);
            emit_alu_imm(e, 5, T0, LF_ADD | 4u << 8, 4); /* sub */
            emit_alu_imm(e, 7, T0, LF_RES - LF_ADD, 4);  /* cmp */
            slow[0] = emit_jcc_fwd(e, 0x7);              /* ja: no result, or not 32-bit */
            slow[1] = 0;
            emit_flags_test(e, OFF(lf.res), 4);
        } else {
            emit_cmp_field(e, OFF(lf.op), LF_SUB | 4u << 8, 2);
            slow[0] = emit_jcc_fwd(e, CC_NE);
            emit_ld(e, T0, OFF(lf.a), 4);
            emit_alu_field(e, 5, T0, OFF(lf.b), 4);   /* sub */
            emit_alu_field(e, 7, T0, OFF(lf.res), 4); /* cmp */
            slow[1] = emit_jcc_fwd(e, CC_NE);
            emit_flags_sub(e, OFF(lf.a), OFF(lf.b), 4);
        }
        emit_setcc(e, T0, cc);
        join = emit_jmp_fwd(e);
        emit_bind(e, slow[0]);
        if (slow[1])
            emit_bind(e, slow[1]);
    }
    emit_call_ret(e, T0, jit_cond, (uint32_t)cc);
    if (join)
        emit_bind(e, join);
    emit_flags_nz(e, T0);
    return CC_NE;
}

/* Before INC/DEC: the current CF into eflags (LF_INC/LF_DEC take it there). */
static void fold_cf(struct tr *t)
{
    switch (t->kind) {
    case K_EFLAGS:
    case LF_INC:
    case LF_DEC: return;
    case LF_LOGIC: emit_and_field_imm(&t->e, OFF(eflags), ~F_CF); return;
    case LF_ADD:
    case LF_SUB:
        if (!t->hostf && !t->remat)
            break;
        if (!t->hostf) {
            if (t->kind == LF_ADD)
                emit_flags_add(&t->e, OFF(lf.a), OFF(lf.b), t->ksize);
            else
                emit_flags_sub(&t->e, OFF(lf.a), OFF(lf.b), t->ksize);
        }
        emit_cf_to_field(&t->e, OFF(eflags));
        return;
    default: break;
    }
    emit_call_ret(&t->e, T0, jit_fold_cf, 0);
}

static void lf_result(struct tr *t, int lfop, int size)
{
    emit_st(&t->e, OFF(lf.res), T0, 4);
    emit_st_imm(&t->e, OFF(lf.op), (uint32_t)lfop | (uint32_t)size << 8, 2);
}

/* Leave the block for guest address `target` after instruction k. */
static void exit_to(struct tr *t, int k, uint32_t target)
{
    struct tb *tb = t->tb;
    if (((tb->cs_base + target) & ~0xFFFu) == (tb->lin_pc & ~0xFFFu) && t->e.nexits < TB_MAX_EXITS) {
        emit_count(&t->e, k + 1 - t->synced);
        int slot = emit_exit_chain(&t->e, target);
        tb->jmp_eip[slot] = target;
    } else if (t->hf & (HF_CS_FLAT | HF_SMALL_CS)) {
        /* Another page: no patched jump (its mapping may change), but the
         * indirect-branch table, which checks the page's translation. */
        emit_imm(&t->e, T0, target);
        emit_exit_lookup(&t->e, k + 1 - t->synced, tb->cs_base, tb->hflags, t->ibtc, false);
    } else {
        emit_st_imm(&t->e, OFF(eip), target, 4);
        emit_count(&t->e, k + 1 - t->synced);
        emit_exit(&t->e);
    }
}

/* Load the ModRM operand (register or flat memory) into tmp. */
static void rm_load(struct tr *t, const struct insn *i, int tmp, int size, bool sign,
                    const struct emit_stub *s)
{
    if (i->mod == 3) {
        emit_gr_ld(&t->e, tmp, i->rm, size, sign);
        return;
    }
    tr_mem(t, i, false, size, s);
    if (sign)
        emit_ldps(&t->e, tmp, size);
    else
        emit_ldp(&t->e, tmp, size);
}

/* The ModRM destination of a read-modify-write into tmp (a memory one
 * looked up for writing), and the result back. */
static void rmw_load(struct tr *t, const struct insn *i, int tmp, int size, const struct emit_stub *s)
{
    if (i->mod == 3) {
        emit_gr_ld(&t->e, tmp, i->rm, size, false);
        return;
    }
    tr_mem(t, i, true, size, s);
    emit_ldp(&t->e, tmp, size);
}

static void rmw_store(struct tr *t, const struct insn *i, int tmp, int size)
{
    if (i->mod == 3)
        emit_gr_st(&t->e, i->rm, tmp, size);
    else
        emit_stp(&t->e, tmp, size);
}

/* A 32-bit pop from the flat stack whose top is register `top` (ESP, or
 * EBP for LEAVE) into register dst; ESP ends above it. */
static void gen_pop(struct tr *t, int top, int dst, const struct emit_stub *s)
{
    emit_a_gr(&t->e, top, 0);
    tr_tlb(t, false, 4, s);
    emit_ldp(&t->e, T0, 4);
    emit_a_add(&t->e, 4);
    emit_gr_st_a(&t->e, R_ESP, 4);
    emit_gr_st(&t->e, dst, T0, 4);
}

#define SS_BASE (OFF(seg) + (size_t)S_SS * sizeof(struct seg) + offsetof(struct seg, base))

/* A 16-bit stack (a small SS): push T0's low `size` bytes at SS:SP-size,
 * SP wrapping at 64 KB. A push that would end past the limit (SP was 1) or
 * misses the TLB takes the slow path, before anything changed. */
static void gen_push16(struct tr *t, int size, const struct emit_stub *s)
{
    struct emit *e = &t->e;
    emit_a_gr(e, R_ESP, -size);
    emit_a_wrap16(e);
    emit_a_above_stub(e, 0x10000u - (uint32_t)size, s);
    emit_tmp_a(e, T1); /* the new SP */
    emit_a_add_field(e, SS_BASE);
    tr_tlb(t, true, size, s);
    emit_stp(e, T0, size);
    emit_gr_st(e, R_ESP, T1, 2);
}

/* T0 = `size` bytes popped from the 16-bit stack; SP += size + extra,
 * wrapping at 64 KB. */
static void gen_pop16(struct tr *t, int size, int extra, const struct emit_stub *s)
{
    struct emit *e = &t->e;
    emit_a_gr(e, R_ESP, 0);
    emit_a_wrap16(e);
    emit_a_above_stub(e, 0x10000u - (uint32_t)size, s);
    emit_a_add_field(e, SS_BASE);
    tr_tlb(t, false, size, s);
    emit_ldp(e, T0, size);
    emit_a_gr(e, R_ESP, size + extra);
    emit_a_wrap16(e);
    emit_gr_st_a(e, R_ESP, 2);
}

/* A real-mode segment load of the selector in T0 (16 bits): selector, base
 * = selector * 16, read/write access; the limit stays (cpu_load_seg_real).
 * Clobbers T0 and the host flags. */
static void gen_seg_load_real(struct tr *t, int seg)
{
    struct emit *e = &t->e;
    size_t sb = OFF(seg) + (size_t)seg * sizeof(struct seg);
    emit_st(e, sb + offsetof(struct seg, sel), T0, 2);
    emit_shift_imm(e, T0, 4, 4, 4); /* shl 4 */
    emit_st(e, sb + offsetof(struct seg, base), T0, 4);
    emit_st_imm(e, sb + offsetof(struct seg, access), SEGA_READ | SEGA_WRITE, 1);
}

/* The segment register PUSH sreg names. */
static int pushed_seg(const struct insn *i)
{
    return i->op == 0x1A0 ? S_FS : i->op == 0x1A8 ? S_GS : (i->op >> 3) & 3;
}

static uint32_t mask_of(int size)
{
    return size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
}

static void gen_alu(struct tr *t, const struct insn *i, bool store, const struct emit_stub *s)
{
    struct emit *e = &t->e;
    int size = insn_bsize(i);
    int aop, form; /* form: 0 rm,reg  1 reg,rm  2 acc,imm  3 rm,imm */
    if (i->info->fn == op_alu) {
        aop = (i->op >> 3) & 7;
        form = (i->op & 7) < 2 ? 0 : (i->op & 7) < 4 ? 1 : 2;
    } else {
        aop = i->reg;
        form = 3;
    }
    bool carry = aop == 2 || aop == 3; /* ADC, SBB */
    if (carry)
        fold_cf(t); /* the carry in, into eflags before anything is loaded */
    bool dst_mem = (form == 0 || form == 3) && i->mod != 3;
    int lfop = (aop == 0 || aop == 2) ? LF_ADD : (aop == 3 || aop == 5 || aop == 7) ? LF_SUB : LF_LOGIC;
    /* 32-bit between registers or with an immediate: straight on the host
     * registers that hold them (a CMP only when its result need not be
     * recorded). */
    bool src_imm = form >= 2;
    bool src_reg = (form == 0 || form == 1) && i->mod == 3;
    if (size == 4 && !dst_mem && (src_imm || src_reg) && !(aop == 7 && store)) {
        int n = form == 2 ? R_EAX : form == 1 ? i->reg : i->rm;
        int m = form == 1 ? i->rm : i->reg;
        if (store && lfop != LF_LOGIC) {
            emit_st_gr(e, OFF(lf.a), n);
            if (src_imm)
                emit_st_imm(e, OFF(lf.b), i->imm, 4);
            else
                emit_st_gr(e, OFF(lf.b), m);
        }
        if (carry)
            emit_cf_from_field(e, OFF(eflags));
        if (src_imm)
            emit_gr_alu_imm(e, aop, n, i->imm);
        else
            emit_gr_alu(e, aop, n, m);
        if (store) {
            emit_st_gr(e, OFF(lf.res), n);
            emit_st_imm(e, OFF(lf.op), (uint32_t)lfop | 4u << 8, 2);
        }
        t->kind = lfop;
        t->ksize = size;
        t->remat = !carry;
        t->hostf = true;
        return;
    }
    if (dst_mem) {
        tr_mem(t, i, aop != 7, size, s);
        emit_ldp(e, T0, size);
    } else {
        int n = form == 2 ? R_EAX : form == 1 ? i->reg : i->rm;
        emit_gr_ld(e, T0, n, size, false);
    }
    if (form >= 2)
        emit_imm(e, T1, i->imm & mask_of(size));
    else if (form == 1)
        rm_load(t, i, T1, size, false, s);
    else
        emit_gr_ld(e, T1, i->reg, size, false);
    if (carry)
        emit_cf_from_field(e, OFF(eflags));
    if (store && lfop != LF_LOGIC) {
        emit_st(e, OFF(lf.a), T0, 4);
        emit_st(e, OFF(lf.b), T1, 4);
    }
    emit_alu(e, aop == 7 ? 5 : aop, T0, T1, size);
    if (store)
        lf_result(t, lfop, size);
    if (aop != 7) {
        if (dst_mem)
            emit_stp(e, T0, size);
        else
            emit_gr_st(e, form == 2 ? R_EAX : form == 1 ? i->reg : i->rm, T0, size);
    }
    t->kind = lfop;
    t->ksize = size;
    /* ADC/SBB flags are not a+b or a-b of the recorded operands. */
    t->remat = !carry;
    /* After a slow path the host flags are the stub's, not the operation's. */
    t->hostf = !(dst_mem || (form == 1 && i->mod != 3));
}

static void gen_test(struct tr *t, const struct insn *i, bool store, const struct emit_stub *s)
{
    struct emit *e = &t->e;
    int size = insn_bsize(i);
    if (i->op == 0xA8 || i->op == 0xA9) {
        emit_gr_ld(e, T0, R_EAX, size, false);
        emit_imm(e, T1, i->imm & mask_of(size));
    } else {
        rm_load(t, i, T0, size, false, s);
        if (i->op == 0x84 || i->op == 0x85)
            emit_gr_ld(e, T1, i->reg, size, false);
        else
            emit_imm(e, T1, i->imm & mask_of(size));
    }
    emit_alu(e, 4, T0, T1, size);
    if (store)
        lf_result(t, LF_LOGIC, size);
    t->kind = LF_LOGIC;
    t->ksize = size;
    t->remat = true;
    t->hostf = (i->op == 0xA8 || i->op == 0xA9) || i->mod == 3;
}

static void gen_incdec(struct tr *t, const struct insn *i, bool store, const struct emit_stub *s)
{
    struct emit *e = &t->e;
    bool reg_form = i->op < 0x50;
    bool dec = reg_form ? i->op >= 0x48 : i->reg == 1;
    int size = reg_form ? insn_osize(i) : insn_bsize(i);
    fold_cf(t);
    bool mem = !reg_form && i->mod != 3;
    int n = reg_form ? (i->op & 7) : i->rm;
    if (mem) {
        tr_mem(t, i, true, size, s);
        emit_ldp(e, T0, size);
    } else {
        emit_gr_ld(e, T0, n, size, false);
    }
    if (store) {
        emit_st(e, OFF(lf.a), T0, 4);
        emit_st_imm(e, OFF(lf.b), 1, 4);
    }
    emit_incdec(e, T0, dec, size);
    if (store)
        lf_result(t, dec ? LF_DEC : LF_INC, size);
    if (mem)
        emit_stp(e, T0, size);
    else
        emit_gr_st(e, n, T0, size);
    t->kind = dec ? LF_DEC : LF_INC;
    t->ksize = size;
    t->hostf = !mem;
}

/* Liveness: reads and writes of the flag classes by a planned instruction. */
static void plan_flags(enum plan p, const struct insn *i, uint32_t *reads, uint32_t *writes)
{
    *reads = 0;
    *writes = 0;
    switch (p) {
    case P_HELPER:
    case P_JCC:
    case P_SETCC:
    case P_CMOV: *reads = FL_ALL; break;
    case P_ALU:
        *writes = FL_ALL;
        /* ADC and SBB read the carry. */
        if ((i->info->fn == op_alu && ((i->op >> 3) & 7) / 2 == 1) ||
            (i->info->fn == op_alu_imm && i->reg / 2 == 1))
            *reads = FL_CF;
        break;
    case P_TEST:
    case P_SHIFT:
    case P_NEG:
    case P_IMUL: *writes = FL_ALL; break;
    case P_SHV:
        /* A count of 0 leaves every flag; a rotate keeps SF ZF AF PF. */
        *reads = FL_ALL;
        *writes = FL_ALL;
        break;
    case P_FPU: *reads = FL_ALL; break; /* its slow path may fault */
    case P_INCDEC:
        *reads = FL_CF;
        *writes = FL_OTH;
        break;
    default: break;
    }
    bool mem = false;
    switch (p) {
    case P_PUSH:
    case P_POP:
    case P_CALL:
    case P_RET:
    case P_PUSHM:
    case P_LEAVE:
    case P_MOVA:
    case P_PUSHS:
    case P_POPS:
    case P_CALLI: mem = true; break;
    case P_SEGLD: mem = i->mod != 3; break;
    case P_JMPI: mem = i->mod != 3; break;
    case P_MOV:
    case P_ALU:
    case P_TEST:
    case P_MOVX:
    case P_SETCC:
    case P_SHIFT:
    case P_IMUL:
    case P_NOT:
    case P_NEG:
    case P_CMOV:
    case P_SHV:
        mem = i->mod != 3 && !(p == P_ALU && (i->op & 7) >= 4 && i->info->fn == op_alu) &&
              !(p == P_TEST && i->op >= 0xA8);
        break;
    case P_MOVI: mem = i->op >= 0xC6 && i->mod != 3; break;
    case P_INCDEC: mem = i->op >= 0x50 && i->mod != 3; break;
    default: break;
    }
    /* A fault delivers the flags of the instruction's start. */
    if (mem)
        *reads = FL_ALL;
}

/* --jit-stats: count a handler call, by opcode (and ModRM reg for a group). */
static void prof_helper(struct emit *e, const struct insn *i, struct jit_prof *prof)
{
    if (!prof)
        return;
    int row = i->op * 8 + ((i->info->attr & A_GROUP) ? i->reg : 0);
    prof->mnem[row] = i->info->mnem;
    prof->group[row] = (i->info->attr & A_GROUP) != 0;
    emit_inc64(e, &prof->helper[row]);
}

/* An instruction run by its interpreter handler. */
static void gen_helper(struct tr *t, int k, const struct insn *i, op_fn fn, uint32_t eip, uint32_t next,
                       const struct jit_ibtc *ibtc, struct jit_prof *prof)
{
    struct emit *e = &t->e;
    struct tb *tb = t->tb;
    bool pure = pure_helper(i, fn);
    if (!pure) {
        emit_gr_flush(e); /* the handler reads the registers */
        emit_insn_state(e, eip, next);
        if (k > t->synced)
            emit_count(e, k - t->synced);
        t->synced = k;
    }
    prof_helper(e, i, prof);
    emit_call_op(e, fn, i);
    if (!pure)
        t->cr0_checked = false;
    /* SAHF, CLC, STC, CMC leave the arithmetic flags in eflags. */
    bool to_eflags = fn == op_sahf || (fn == op_flagop && i->op != 0xFC && i->op != 0xFD);
    if (!(fn == op_flagop && (i->op == 0xFC || i->op == 0xFD)))
        t->kind = to_eflags ? K_EFLAGS : LF_NONE;
    if (pure)
        return;
    if ((fn == op_jmp_rm || fn == op_call_rm) && (t->hf & (HF_CS_FLAT | HF_SMALL_CS))) {
        /* A near indirect branch: straight on into the target. */
        emit_ld(e, T0, OFF(eip), 4);
        emit_exit_lookup(e, 1, tb->cs_base, tb->hflags, ibtc, true);
        t->synced = k + 1;
        t->ended = true;
    } else if ((i->info->attr & A_STRING) && i->rep && fn != op_ud) {
        /* A REP string instruction leaves EIP on itself while work is left
         * (it resumes in chunks): leave then. Done, it goes on to the next
         * instruction like any other exit, chained. */
        emit_exit_if_set8(e, OFF(jit_exit), 1);
        emit_cmp_field(e, OFF(eip), next, 4);
        emit_gr_load_all(e); /* once, for both exits */
        size_t more = emit_jcc_fwd(e, CC_NE);
        exit_to(t, k, next);
        emit_bind(e, more);
        emit_count(e, 1);
        emit_exit(e);
        t->synced = k + 1;
        t->ended = true;
    } else if (ends_block(i, t->hf) || fn == op_ud) {
        emit_count(e, 1);
        t->synced = k + 1;
        emit_exit(e);
        t->ended = true;
    } else {
        emit_exit_if_set8(e, OFF(jit_exit), 1);
    }
}

int translate_block(struct cpu *c, struct tb *tb, const uint8_t *guest, uint8_t *out, size_t cap,
                    const struct jit_ibtc *ibtc, struct jit_prof *prof)
{
    bool def32 = (tb->hflags & HF_CS32) != 0;
    uint32_t page_left = 0x1000u - (tb->lin_pc & 0xFFF);
    uint32_t off = 0;
    int n = 0;
    uint32_t eips[TB_MAX_INSNS + 1];
    enum plan plans[TB_MAX_INSNS];
    op_fn fns[TB_MAX_INSNS];
    /* Decode. */
    while (n < TB_MAX_INSNS && off < page_left) {
        struct insn *i = &tb->insns[n];
        int avail = page_left - off < 16 ? (int)(page_left - off) : 16;
        int len = decode_insn(i, guest + off, avail, def32, c->model);
        if (len <= 0)
            break; /* crosses the page or too long: the interpreter decides */
        uint16_t attr = i->info->attr;
        op_fn fn = i->info->fn;
        /* The checks exec_one makes, decided now: the block runs in real
         * mode or in protected mode outside V86, as its key says. */
        if (((attr & A_MEM) && i->mod == 3) || ((attr & A_PM) && (tb->hflags & HF_REAL)) ||
            (i->lock && c->model >= CPU_386 && (!(attr & A_LOCK) || i->mod == 3)))
            fn = op_ud;
        fns[n] = fn;
        plans[n] = plan_of(i, fn, tb->hflags);
        if (fn == op_esc && fpu_present(c) && fpu_form(i, c->model) != FPU_NO &&
            (i->mod == 3 || seg_inline(tb->hflags, i->ea_seg)))
            plans[n] = P_FPU;
        eips[n] = tb->eip + off;
        off += (uint32_t)len;
        n++;
        enum plan p = plans[n - 1];
        if (ends_block(i, tb->hflags) || fn == op_ud || p == P_JCC || p == P_JMP || p == P_CALL ||
            p == P_RET || p == P_JMPI || p == P_CALLI || p == P_LOOP)
            break;
    }
    if (n == 0)
        return -1;
    eips[n] = tb->eip + off;
    /* Flag liveness, backwards: flags are live at the block's end. */
    bool store[TB_MAX_INSNS];
    uint32_t live_after[TB_MAX_INSNS];
    uint32_t live = FL_ALL;
    for (int k = n - 1; k >= 0; k--) {
        uint32_t r, w;
        plan_flags(plans[k], &tb->insns[k], &r, &w);
        store[k] = (live & w) != 0;
        live_after[k] = live;
        live = (live & ~w) | r;
    }

    struct tr t = {0};
    t.c = c;
    t.tb = tb;
    t.hf = tb->hflags;
    t.ibtc = ibtc;
    t.kind = LF_NONE;
    emit_init(&t.e, out, cap, tb);
    /* Generated code runs at the block's CPL, whose TLB is tlb_cur then. */
    t.e.tlb_off = OFF(tlb) + (((tb->hflags >> HF_CPL_SHIFT) & 3) == 3 ? sizeof(c->tlb[0]) : 0);
    emit_prologue(&t.e);
    struct emit *e = &t.e;
    if (prof)
        emit_inc64(e, &prof->entries);
    for (int k = 0; k < n && !t.ended; k++) {
        const struct insn *i = &tb->insns[k];
        op_fn fn = fns[k];
        uint32_t eip = eips[k];
        uint32_t next = eips[k + 1];
        if (!def32)
            next &= 0xFFFF;
        uint32_t target = next + i->imm;
        if (!i->os32)
            target &= 0xFFFF;
        struct emit_stub s = stub_for(&t, k, i, fn, eip, next);
        bool keep_hostf = false;
        switch (plans[k]) {
        case P_HELPER: gen_helper(&t, k, i, fn, eip, next, ibtc, prof); break;
        case P_FPU: {
            /* Straight into op_esc when nothing can make it fault; else the
             * slow path runs it with the full bookkeeping. */
            int form = fpu_form(i, c->model);
            if (!t.cr0_checked) {
                /* Only a handler call that is not the x87's changes CR0. */
                emit_test_field(e, OFF(cr[0]), CR0_EM | CR0_TS, 4);
                emit_jcc_stub(e, CC_NE, &s);
                t.cr0_checked = true;
            }
            emit_test_field(e, OFF(fpu.sw), FSW_ES, 1); /* ES: bit 7, the low byte */
            emit_jcc_stub(e, CC_NE, &s);
            if (i->mod != 3) {
                tr_mem(&t, i, form < 0, form < 0 ? -form : form, &s);
            }
            emit_st_imm(e, OFF(insn_eip), eip, 4); /* the x87's FIP */
            prof_helper(e, i, prof);
            /* The form's own handler: op_esc without the checks just made. */
            op_fn direct = fpu_jit_handler(i, c->model);
            emit_call_op(e, direct ? direct : fn, i);
            /* FERR# may have raised IRQ 13: then leave, after it. */
            emit_test_field(e, OFF(jit_exit), 0xFF, 1);
            size_t stay = emit_jcc_fwd(e, CC_E);
            emit_st_imm(e, OFF(eip), next, 4);
            emit_count(e, k + 1 - t.synced);
            emit_exit(e);
            emit_bind(e, stay);
            /* FCOMI and friends leave the flags in eflags; the others keep
             * them (the lazy state is in memory, where the call left it). */
            bool fcomi = i->mod == 3 && (i->op == 0xDB || i->op == 0xDF) && i->modrm >= 0xE8;
            t.kind = fcomi ? K_EFLAGS : LF_NONE;
            break;
        }
        case P_MOVA: {
            int size = insn_bsize(i);
            tr_mem(&t, i, (i->op & 2) != 0, size, &s);
            if (i->op & 2) {
                emit_gr_ld(e, T0, R_EAX, size, false);
                emit_stp(e, T0, size);
            } else {
                emit_ldp(e, T0, size);
                emit_gr_st(e, R_EAX, T0, size);
            }
            break;
        }
        case P_LEAVE: gen_pop(&t, R_EBP, R_EBP, &s); break; /* ESP = EBP, POP EBP */
        case P_SHV: {
            int ccount = i->op >= 0xD0 ? 1 : (int)(i->imm & 0x1F);
            bool by_cl = i->op == 0xD2 || i->op == 0xD3;
            if (store[k] && i->reg <= 1 && !by_cl && ccount && !(live_after[k] & FL_OTH)) {
                /* A rotate by a constant whose CF alone is read (ROL then
                 * ADC): the host rotate's CF into eflags, where the flags
                 * now are; OF and the SF ZF AF PF it keeps are dead. */
                int size = insn_bsize(i);
                rmw_load(&t, i, T0, size, &s);
                emit_shift_imm(e, T0, i->reg, ccount, size);
                emit_cf_to_field(e, OFF(eflags));
                rmw_store(&t, i, T0, size);
                emit_st_imm(e, OFF(lf.op), LF_NONE, 2);
                t.kind = K_EFLAGS;
                break;
            }
            if (store[k] && i->reg <= 1 && !by_cl && ccount && ccount < 8 * insn_bsize(i)) {
                /* A rotate by a constant whose flags are read: it keeps SF
                 * ZF AF PF, so all the flags go to eflags first, then CF
                 * and OF from the result. */
                int size = insn_bsize(i);
                if (t.kind != K_EFLAGS)
                    emit_call_ret(e, T0, jit_flags_commit, 0);
                rmw_load(&t, i, T0, size, &s);
                emit_shift_imm(e, T0, i->reg, ccount, size);
                emit_rot_flags(e, OFF(eflags), T0, i->reg, size);
                rmw_store(&t, i, T0, size);
                t.kind = K_EFLAGS;
                break;
            }
            if (store[k]) {
                gen_helper(&t, k, i, fn, eip, next, ibtc, prof);
                break;
            }
            /* Nobody reads the flags: just the operation. */
            int size = insn_bsize(i);
            rmw_load(&t, i, T0, size, &s);
            if (i->op == 0xD2 || i->op == 0xD3) {
                emit_gr_ld(e, T1, R_ECX, 1, false);
                emit_shift_var(e, T0, i->reg, T1, size);
            } else {
                int count = i->op >= 0xD0 ? 1 : (int)(i->imm & 0x1F);
                if (count)
                    emit_shift_imm(e, T0, i->reg, count, size);
            }
            rmw_store(&t, i, T0, size);
            t.kind = LF_NONE;
            break;
        }
        case P_MOV: {
            int size = insn_bsize(i);
            if (i->mod == 3) {
                int src = (i->op & 2) ? i->rm : i->reg, dst = (i->op & 2) ? i->reg : i->rm;
                emit_gr_ld(e, T0, src, size, false);
                emit_gr_st(e, dst, T0, size);
                keep_hostf = true;
            } else if (i->op & 2) {
                tr_mem(&t, i, false, size, &s);
                emit_ldp(e, T0, size);
                emit_gr_st(e, i->reg, T0, size);
            } else {
                tr_mem(&t, i, true, size, &s);
                emit_gr_ld(e, T0, i->reg, size, false);
                emit_stp(e, T0, size);
            }
            break;
        }
        case P_MOVI:
            if (i->op < 0xB8) {
                emit_gr_st_imm(e, i->op & 7, i->imm & 0xFF, 1);
                keep_hostf = true;
            } else if (i->op < 0xC0) {
                emit_gr_st_imm(e, i->op & 7, i->imm, insn_osize(i));
                keep_hostf = true;
            } else if (i->mod == 3) {
                int size = insn_bsize(i);
                emit_gr_st_imm(e, i->rm, i->imm & mask_of(size), size);
                keep_hostf = true;
            } else {
                int size = insn_bsize(i);
                tr_mem(&t, i, true, size, &s);
                emit_imm(e, T0, i->imm & mask_of(size));
                emit_stp(e, T0, size);
            }
            break;
        case P_ALU:
            gen_alu(&t, i, store[k], &s);
            keep_hostf = true;
            break;
        case P_TEST:
            gen_test(&t, i, store[k], &s);
            keep_hostf = true;
            break;
        case P_INCDEC:
            gen_incdec(&t, i, store[k], &s);
            keep_hostf = true;
            break;
        case P_LEA:
            emit_ea(e, i); /* no segment: an address only */
            emit_gr_st_a(e, i->reg, insn_osize(i));
            keep_hostf = true;
            break;
        case P_PUSH:
            if (stack16(t.hf) && !((t.hf & HF_FLAT_SS) && i->os32)) {
                if (fn == op_push_r)
                    emit_gr_ld(e, T0, i->op & 7, 4, false);
                else
                    emit_imm(e, T0, i->imm);
                gen_push16(&t, insn_osize(i), &s);
                break;
            }
            emit_a_gr(e, R_ESP, -4);
            tr_tlb(&t, true, 4, &s);
            if (fn == op_push_r)
                emit_gr_ld(e, T0, i->op & 7, 4, false);
            else
                emit_imm(e, T0, i->imm);
            emit_stp(e, T0, 4);
            emit_gr_st_a(e, R_ESP, 4);
            break;
        case P_POP:
            if (stack16(t.hf) && !((t.hf & HF_FLAT_SS) && i->os32)) {
                gen_pop16(&t, insn_osize(i), 0, &s);
                emit_gr_st(e, i->op & 7, T0, insn_osize(i));
                break;
            }
            gen_pop(&t, R_ESP, i->op & 7, &s);
            break;
        case P_JCC: {
            int hc = cond(&t, i->op & 0xF);
            emit_gr_load_all(e); /* once, for both exits */
            size_t taken = emit_jcc_fwd(e, hc);
            exit_to(&t, k, next);
            emit_bind(e, taken);
            exit_to(&t, k, target);
            t.ended = true;
            break;
        }
        case P_JMP:
            exit_to(&t, k, target);
            t.ended = true;
            break;
        case P_LOOP: {
            /* LOOP: (E)CX - 1 without touching the flags, taken while not
             * 0; JCXZ/JECXZ: taken when (E)CX is 0. */
            int csize = i->as32 ? 4 : 2;
            emit_gr_ld(e, T0, R_ECX, csize, false);
            if (fn == op_loop) {
                emit_alu_imm(e, 5, T0, 1, csize);
                emit_gr_st(e, R_ECX, T0, csize);
            } else {
                emit_flags_nz(e, T0);
            }
            t.hostf = false;
            emit_gr_load_all(e); /* once, for both exits */
            size_t taken = emit_jcc_fwd(e, fn == op_loop ? CC_NE : CC_E);
            exit_to(&t, k, next);
            emit_bind(e, taken);
            exit_to(&t, k, target);
            t.ended = true;
            break;
        }
        case P_CALL:
            if (stack16(t.hf) && !((t.hf & HF_FLAT_SS) && i->os32)) {
                emit_imm(e, T0, next);
                gen_push16(&t, 2, &s);
            } else {
                emit_a_gr(e, R_ESP, -4);
                tr_tlb(&t, true, 4, &s);
                emit_imm(e, T0, next);
                emit_stp(e, T0, 4);
                emit_gr_st_a(e, R_ESP, 4);
            }
            emit_insn_end(e);
            exit_to(&t, k, target);
            t.ended = true;
            break;
        case P_RET:
            s.t0_eip = true; /* the slow path's EIP, for the lookup */
            if (stack16(t.hf) && !((t.hf & HF_FLAT_SS) && i->os32)) {
                gen_pop16(&t, 2, i->op == 0xC2 ? (int)(i->imm & 0xFFFF) : 0, &s);
            } else {
                emit_a_gr(e, R_ESP, 0);
                tr_tlb(&t, false, 4, &s);
                emit_ldp(e, T0, 4);
                emit_a_add(e, 4 + (i->op == 0xC2 ? (int32_t)(i->imm & 0xFFFF) : 0));
                emit_gr_st_a(e, R_ESP, 4);
            }
            emit_insn_end(e);
            emit_exit_lookup(e, k + 1 - t.synced, tb->cs_base, tb->hflags, ibtc, false);
            t.ended = true;
            break;
        case P_SEGLD:
            rm_load(&t, i, T0, 2, false, &s);
            gen_seg_load_real(&t, i->reg);
            break;
        case P_PUSHS:
            emit_ld(e, T0, OFF(seg) + (size_t)pushed_seg(i) * sizeof(struct seg) + offsetof(struct seg, sel),
                    2);
            gen_push16(&t, 2, &s);
            break;
        case P_POPS:
            gen_pop16(&t, 2, 0, &s);
            gen_seg_load_real(&t, loads_data_seg(i));
            break;
        case P_MOVX: {
            int ssize = (i->op & 1) ? 2 : 1;
            bool sign = i->op >= 0x1BE;
            rm_load(&t, i, T0, ssize, sign, &s);
            emit_gr_st(e, i->reg, T0, insn_osize(i));
            keep_hostf = i->mod == 3;
            break;
        }
        case P_SETCC: {
            int hc = cond(&t, i->op & 0xF);
            emit_setcc(e, T0, hc);
            if (i->mod == 3) {
                emit_gr_st(e, i->rm, T0, 1);
            } else {
                tr_mem(&t, i, true, 1, &s);
                emit_stp(e, T0, 1);
            }
            break;
        }
        case P_NOP: keep_hostf = true; break;
        case P_NOT:
        case P_NEG: {
            /* NEG is SUB from 0 (LF_SUB with a = 0), as op_neg records it;
             * NOT leaves the flags alone. */
            int size = insn_bsize(i);
            bool mem = i->mod != 3;
            rmw_load(&t, i, T1, size, &s);
            if (plans[k] == P_NOT) {
                emit_imm(e, T0, mask_of(size));
                emit_alu(e, 6, T0, T1, size); /* xor: the host flags change, the guest's do not */
                t.hostf = false;
            } else {
                emit_imm(e, T0, 0);
                if (store[k]) {
                    emit_st(e, OFF(lf.a), T0, 4);
                    emit_st(e, OFF(lf.b), T1, 4);
                }
                emit_alu(e, 5, T0, T1, size);
                if (store[k])
                    lf_result(&t, LF_SUB, size);
                t.kind = LF_SUB;
                t.ksize = size;
                t.remat = true;
                keep_hostf = !mem;
                t.hostf = !mem;
            }
            rmw_store(&t, i, T0, size);
            break;
        }
        case P_PUSHM:
            if (stack16(t.hf) && !((t.hf & HF_FLAT_SS) && i->os32)) {
                rm_load(&t, i, T0, insn_osize(i), false, &s);
                gen_push16(&t, insn_osize(i), &s);
                break;
            }
            rm_load(&t, i, T0, 4, false, &s);
            emit_a_gr(e, R_ESP, -4);
            tr_tlb(&t, true, 4, &s);
            emit_stp(e, T0, 4);
            emit_gr_st_a(e, R_ESP, 4);
            break;
        case P_JMPI:
        case P_CALLI:
            /* Near indirect: the target, (the return address pushed), then
             * straight on through the indirect-branch table. */
            s.t0_eip = true; /* the slow path's EIP, for the lookup */
            rm_load(&t, i, T0, 4, false, &s);
            if (plans[k] == P_CALLI) {
                emit_a_gr(e, R_ESP, -4);
                tr_tlb(&t, true, 4, &s);
                emit_imm(e, T1, next);
                emit_stp(e, T1, 4);
                emit_gr_st_a(e, R_ESP, 4);
            }
            emit_st(e, OFF(eip), T0, 4);
            emit_insn_end(e);
            emit_exit_lookup(e, k + 1 - t.synced, tb->cs_base, tb->hflags, ibtc, false);
            t.ended = true;
            break;
        case P_SHIFT: {
            int size = insn_bsize(i), kind = i->reg;
            int count = i->op >= 0xD0 ? 1 : (int)(i->imm & 0x1F);
            rmw_load(&t, i, T0, size, &s);
            emit_shift_imm(e, T0, kind, count, size);
            if (store[k]) {
                /* As shift_do leaves them: CF, OF and AF in eflags, the
                 * rest from the result (LF_RES). */
                emit_shift_flags(e, OFF(eflags), T0, kind, count, size, c->model >= CPU_286);
                emit_st(e, OFF(lf.res), T0, 4);
                emit_st_imm(e, OFF(lf.op), (uint32_t)LF_RES | (uint32_t)size << 8, 2);
            }
            rmw_store(&t, i, T0, size);
            t.kind = LF_NONE;
            break;
        }
        case P_IMUL: {
            /* As mul_flags leaves them: SF/ZF/PF of the low half (LF_RES),
             * CF = OF = overflow, AF clear. */
            int size = insn_osize(i);
            if (fn == op_imul2) {
                rm_load(&t, i, T1, size, false, &s);
                emit_gr_ld(e, T0, i->reg, size, false);
            } else {
                rm_load(&t, i, T0, size, false, &s);
                emit_imm(e, T1, i->imm & mask_of(size));
            }
            emit_imul(e, T0, T1, size);
            if (store[k]) {
                emit_cf_of_to_field(e, OFF(eflags));
                emit_st(e, OFF(lf.res), T0, 4);
                emit_st_imm(e, OFF(lf.op), (uint32_t)LF_RES | (uint32_t)size << 8, 2);
            }
            emit_gr_st(e, i->reg, T0, size);
            t.kind = LF_NONE;
            break;
        }
        case P_CMOV: {
            int size = insn_osize(i);
            rm_load(&t, i, T1, size, false, &s);
            int hc = cond(&t, i->op & 0xF);
            emit_gr_ld(e, T0, i->reg, size, false);
            emit_cmov(e, hc, T0, T1);
            emit_gr_st(e, i->reg, T0, size);
            break;
        }
        }
        if (!t.ended)
            emit_insn_end(e);
        if (!keep_hostf)
            t.hostf = false;
        if (e->overflow)
            return -1;
    }
    if (!t.ended) {
        uint32_t next = eips[n];
        if (!def32)
            next &= 0xFFFF;
        exit_to(&t, n - 1, next);
    }
    if (!emit_finish(e))
        return -1;
    tb->size = (uint16_t)off;
    tb->icount = (uint16_t)n;
    tb->code_size = e->pos;
    tb->entry_chain = e->entry_chain;
    tb->nexits = e->nexits;
    for (int k = 0; k < e->nexits; k++) {
        tb->jmp_off[k] = e->exits[k].jmp;
        tb->jmp_unlink[k] = e->exits[k].unlink;
    }
    return 0;
}
#endif
