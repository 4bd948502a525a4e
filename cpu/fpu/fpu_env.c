/* x87 control state: reset and FNINIT, the register stack and tags,
 * exception reporting (#MF, FERR#/IRQ 13 with the port F0h latch), WAIT,
 * and FLDENV/FSTENV/FRSTOR/FSAVE in their four formats. */
#include "cpu/fpu/fpu_ops.h"
#include "devices/chipset/pic.h"

bool fpu_present(const struct cpu *c)
{
    return c->model >= CPU_486;
}

static void ferr_set(struct cpu *c, bool on)
{
    struct fpu *f = &c->fpu;
    if (f->ferr == on)
        return;
    f->ferr = on;
    if (!on)
        f->ignne = false;
    if (c->m && c->m->pic)
        pic_set_irq(c->m, 13, on);
}

void fpu_init_state(struct cpu *c)
{
    struct fpu *f = &c->fpu;
    f->cw = 0x037F;
    f->sw = 0;
    f->tw = 0xFFFF;
    f->fop = 0;
    f->fip = f->fdp = 0;
    f->fcs = f->fds = 0;
    ferr_set(c, false);
}

void fpu_reset(struct cpu *c)
{
    /* SDM 3A table 9-1: after RESET the P6 x87 has CW 0040h, all tags
     * valid... its BIOS runs FNINIT anyway; registers read +0. */
    memset(&c->fpu, 0, sizeof(c->fpu));
    fpu_init_state(c);
    c->fpu.cw = 0x0040;
    c->fpu.tw = 0x5555;
}

void fpu_update_es(struct cpu *c)
{
    struct fpu *f = &c->fpu;
    if (f->sw & ~f->cw & FSW_EXC) {
        f->sw |= FSW_ES | FSW_B;
        /* With CR0.NE clear the error goes out on FERR#, which the PC wires
         * to IRQ 13 (SDM 1 §D.2.1). */
        if (!(c->cr[0] & CR0_NE))
            ferr_set(c, true);
    } else {
        f->sw &= ~(FSW_ES | FSW_B);
        ferr_set(c, false);
    }
}

bool fpu_commit_slow(struct cpu *c, uint16_t flags, bool up, bool mem_dest)
{
    struct fpu *f = &c->fpu;
    uint16_t unmasked = flags & ~f->cw & FSW_EXC;
    if (unmasked & (FSW_IE | FSW_DE | FSW_ZE)) {
        /* Pre-computation exceptions: nothing is computed, so no PE, UE,
         * OE or round-up either (SDM 1 §4.9.2). */
        f->sw = (uint16_t)((f->sw & ~FSW_C1) | (flags & (FSW_IE | FSW_DE | FSW_ZE)));
        fpu_update_es(c);
        return false;
    }
    f->sw = (uint16_t)((f->sw & ~FSW_C1) | flags | (up ? FSW_C1 : 0));
    if (flags)
        fpu_update_es(c);
    if (mem_dest && (unmasked & (FSW_OE | FSW_UE)))
        return false;
    return true;
}

static bool stack_fault(struct cpu *c, bool overflow)
{
    struct fpu *f = &c->fpu;
    f->sw = (uint16_t)((f->sw & ~FSW_C1) | FSW_IE | FSW_SF | (overflow ? FSW_C1 : 0));
    fpu_update_es(c);
    return (f->cw & FSW_IE) != 0;
}

bool fpu_underflow(struct cpu *c)
{
    return stack_fault(c, false);
}
bool fpu_overflow(struct cpu *c)
{
    return stack_fault(c, true);
}

bool fpu_check_pending(struct cpu *c)
{
    struct fpu *f = &c->fpu;
    if (!(f->sw & FSW_ES))
        return true;
    if (c->cr[0] & CR0_NE)
        cpu_exception(c, EXC_MF, EXC_NO_ERR);
    if (f->ignne)
        return true;
    /* DOS-compatible mode: FERR# stays asserted and the instruction waits
     * for the IRQ 13 handler (SDM 1 §D.2.1.3); retry it after interrupts. */
    ferr_set(c, true);
    c->eip = c->insn_eip;
    c->jit_exit = 1; /* a translated block must not go on past it */
    return false;
}

void op_wait(struct cpu *c, const struct insn *i)
{
    if ((c->cr[0] & (CR0_MP | CR0_TS)) == (CR0_MP | CR0_TS))
        cpu_exception(c, EXC_NM, EXC_NO_ERR);
    if (fpu_present(c))
        fpu_check_pending(c);
}

/* Port F0h: a write clears the IRQ 13 latch and asserts IGNNE# so the
 * frozen instruction can go on (the PC/AT coprocessor error logic). */
static uint32_t ferr_port_read(void *opaque, uint16_t port, int size)
{
    return 0xFF;
}

static void ferr_port_write(void *opaque, uint16_t port, uint32_t v, int size)
{
    struct machine *m = opaque;
    struct fpu *f = &m->cpu.fpu;
    if (m->pic)
        pic_set_irq(m, 13, false);
    if (f->ferr)
        f->ignne = true;
}

int fpu_ports_init(struct machine *m)
{
    return bus_register_io(m, 0xF0, 1, ferr_port_read, ferr_port_write, m, IO_BYTES);
}

void fpu_fldcw(struct cpu *c, uint16_t cw)
{
    c->fpu.cw = (uint16_t)((cw & 0x1F3F) | 0x0040);
    fpu_update_es(c);
}

void fpu_fclex(struct cpu *c)
{
    c->fpu.sw &= (uint16_t) ~(FSW_EXC | FSW_SF | FSW_ES | FSW_B);
    ferr_set(c, false);
}

/* Memory helpers: multi-part operands wrap within the address size. */
uint32_t fpu_ea_add(const struct insn *i, uint32_t ea, uint32_t k)
{
    return i->as32 ? ea + k : (ea + k) & 0xFFFF;
}

uint64_t fpu_read64(struct cpu *c, const struct insn *i, uint32_t ea)
{
    uint64_t lo = cpu_read(c, i->ea_seg, ea, 4);
    return lo | (uint64_t)cpu_read(c, i->ea_seg, fpu_ea_add(i, ea, 4), 4) << 32;
}

void fpu_write64(struct cpu *c, const struct insn *i, uint32_t ea, uint64_t v)
{
    /* Probe the last byte first so a fault leaves memory untouched. */
    cpu_write(c, i->ea_seg, fpu_ea_add(i, ea, 7), (uint32_t)(v >> 56), 1);
    cpu_write(c, i->ea_seg, ea, (uint32_t)v, 4);
    cpu_write(c, i->ea_seg, fpu_ea_add(i, ea, 4), (uint32_t)(v >> 32), 4);
}

struct fx80 fpu_read80(struct cpu *c, const struct insn *i, uint32_t ea)
{
    struct fx80 v;
    v.sig = fpu_read64(c, i, ea);
    v.se = (uint16_t)cpu_read(c, i->ea_seg, fpu_ea_add(i, ea, 8), 2);
    return v;
}

void fpu_write80(struct cpu *c, const struct insn *i, uint32_t ea, struct fx80 v)
{
    cpu_write(c, i->ea_seg, fpu_ea_add(i, ea, 9), v.se >> 8, 1);
    fpu_write64(c, i, ea, v.sig);
    cpu_write(c, i->ea_seg, fpu_ea_add(i, ea, 8), v.se, 2);
}

/* The tag word as FSTENV/FSAVE store it: empty stays empty, the rest is
 * classified from the register contents. */
static uint16_t tag_word(const struct cpu *c)
{
    uint16_t tw = 0;
    for (int p = 0; p < 8; p++) {
        int t = fpu_tag(c, p) == FTAG_EMPTY ? FTAG_EMPTY : fpu_tag_of(c->fpu.st[p]);
        tw |= (uint16_t)(t << (2 * p));
    }
    return tw;
}

static void load_tag_word(struct cpu *c, uint16_t tw)
{
    for (int p = 0; p < 8; p++)
        fpu_set_tag(c, p, ((tw >> (2 * p)) & 3) == FTAG_EMPTY ? FTAG_EMPTY : fpu_tag_of(c->fpu.st[p]));
}

static bool real_format(const struct cpu *c)
{
    return cpu_real(c) || cpu_is_v86(c);
}

/* The environment layouts of SDM 1 §8.1.10 (figures 8-9 to 8-12). Returns
 * its size. */
static uint32_t store_env(struct cpu *c, const struct insn *i, uint32_t ea)
{
    struct fpu *f = &c->fpu;
    int seg = i->ea_seg;
    uint16_t tw = tag_word(c);
    if (i->os32) {
        uint32_t w[7];
        w[0] = 0xFFFF0000u | f->cw;
        w[1] = 0xFFFF0000u | f->sw;
        w[2] = 0xFFFF0000u | tw;
        if (real_format(c)) {
            uint32_t lip = f->fip + ((uint32_t)f->fcs << 4);
            w[3] = 0xFFFF0000u | (lip & 0xFFFF);
            w[4] = ((lip >> 16) << 12) | (f->fop & 0x7FF);
            w[5] = 0xFFFF0000u | (f->fdp & 0xFFFF);
            w[6] = (f->fdp >> 16) << 12;
        } else {
            w[3] = f->fip;
            w[4] = f->fcs | (uint32_t)(f->fop & 0x7FF) << 16;
            w[5] = f->fdp;
            w[6] = 0xFFFF0000u | f->fds;
        }
        cpu_write(c, seg, fpu_ea_add(i, ea, 27), w[6] >> 24, 1);
        for (int k = 0; k < 7; k++)
            cpu_write(c, seg, fpu_ea_add(i, ea, 4 * (uint32_t)k), w[k], 4);
        return 28;
    }
    uint16_t w[7];
    w[0] = f->cw;
    w[1] = f->sw;
    w[2] = tw;
    if (real_format(c)) {
        uint32_t lip = f->fip + ((uint32_t)f->fcs << 4);
        w[3] = (uint16_t)lip;
        w[4] = (uint16_t)(((lip >> 16) & 0xF) << 12 | (f->fop & 0x7FF));
        w[5] = (uint16_t)f->fdp;
        w[6] = (uint16_t)(((f->fdp >> 16) & 0xF) << 12);
    } else {
        w[3] = (uint16_t)f->fip;
        w[4] = f->fcs;
        w[5] = (uint16_t)f->fdp;
        w[6] = f->fds;
    }
    cpu_write(c, seg, fpu_ea_add(i, ea, 13), w[6] >> 8, 1);
    for (int k = 0; k < 7; k++)
        cpu_write(c, seg, fpu_ea_add(i, ea, 2 * (uint32_t)k), w[k], 2);
    return 14;
}

static uint32_t load_env(struct cpu *c, const struct insn *i, uint32_t ea)
{
    struct fpu *f = &c->fpu;
    int seg = i->ea_seg;
    uint32_t w[7];
    uint32_t step = i->os32 ? 4 : 2;
    for (int k = 0; k < 7; k++)
        w[k] = cpu_read(c, seg, fpu_ea_add(i, ea, step * (uint32_t)k), (int)step);
    f->cw = (uint16_t)((w[0] & 0x1F3F) | 0x0040);
    f->sw = (uint16_t)w[1];
    load_tag_word(c, (uint16_t)w[2]);
    if (real_format(c)) {
        uint32_t hi_mask = i->os32 ? 0xFFFF : 0xF;
        uint32_t lip = (w[3] & 0xFFFF) | ((w[4] >> 12) & hi_mask) << 16;
        f->fcs = 0;
        f->fip = lip;
        f->fop = (uint16_t)(w[4] & 0x7FF);
        f->fdp = (w[5] & 0xFFFF) | ((w[6] >> 12) & hi_mask) << 16;
        f->fds = 0;
    } else if (i->os32) {
        f->fip = w[3];
        f->fcs = (uint16_t)w[4];
        f->fop = (uint16_t)((w[4] >> 16) & 0x7FF);
        f->fdp = w[5];
        f->fds = (uint16_t)w[6];
    } else {
        f->fip = w[3];
        f->fcs = (uint16_t)w[4];
        f->fdp = w[5];
        f->fds = (uint16_t)w[6];
    }
    /* Loading flags that the new masks leave unmasked makes them pending. */
    fpu_update_es(c);
    return step == 4 ? 28 : 14;
}

void fpu_fldenv(struct cpu *c, const struct insn *i, uint32_t ea)
{
    load_env(c, i, ea);
}

void fpu_fstenv(struct cpu *c, const struct insn *i, uint32_t ea)
{
    store_env(c, i, ea);
    /* SDM 2 FSTENV: all exceptions are masked afterwards. */
    c->fpu.cw |= FSW_EXC;
    fpu_update_es(c);
}

void fpu_fsave(struct cpu *c, const struct insn *i, uint32_t ea)
{
    uint32_t off = store_env(c, i, ea);
    for (int k = 0; k < 8; k++)
        fpu_write80(c, i, fpu_ea_add(i, ea, off + 10 * (uint32_t)k), fpu_st(c, k));
    fpu_init_state(c);
}

void fpu_frstor(struct cpu *c, const struct insn *i, uint32_t ea)
{
    uint32_t off = i->os32 ? 28 : 14;
    struct fx80 r[8];
    for (int k = 0; k < 8; k++)
        r[k] = fpu_read80(c, i, fpu_ea_add(i, ea, off + 10 * (uint32_t)k));
    /* The registers go in by ST order under the new TOP, before the tags
     * are classified from them. */
    uint16_t sw = (uint16_t)cpu_read(c, i->ea_seg, fpu_ea_add(i, ea, i->os32 ? 4 : 2), 2);
    int top = (sw >> 11) & 7;
    for (int k = 0; k < 8; k++)
        c->fpu.st[(top + k) & 7] = r[k];
    load_env(c, i, ea);
}
