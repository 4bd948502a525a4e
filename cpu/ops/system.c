/* System instructions: CLI/STI, descriptor tables, LDT/TR, LAR/LSL/VERR/
 * VERW/ARPL, MSW and control/debug registers, MSRs, TSC, CPUID, SYSENTER/
 * SYSEXIT and the rex86 BIOS trap. (WAIT and ESC live in cpu/fpu/.) */
#include "bios/bios.h"
#include "cpu/cpu_priv.h"
#include "cpu/protect.h"
#include "devices/chipset/lapic.h"

static void need_cpl0(struct cpu *c)
{
    if (!cpu_real(c) && (c->cpl != 0 || cpu_is_v86(c)))
        cpu_exception(c, EXC_GP, 0);
}

void op_cli(struct cpu *c, const struct insn *i)
{
    if (cpu_real(c) || (!cpu_is_v86(c) && c->cpl <= cpu_iopl(c)) || (cpu_is_v86(c) && cpu_iopl(c) == 3)) {
        c->eflags &= ~F_IF;
        return;
    }
    /* VME in V86 mode, PVI at CPL 3: CLI clears VIF (SDM 3A §20.4). */
    if ((cpu_is_v86(c) && (c->cr[4] & 1)) || (!cpu_is_v86(c) && c->cpl == 3 && (c->cr[4] & 2))) {
        c->eflags &= ~F_VIF;
        return;
    }
    cpu_exception(c, EXC_GP, 0);
}

void op_sti(struct cpu *c, const struct insn *i)
{
    if (cpu_real(c) || (!cpu_is_v86(c) && c->cpl <= cpu_iopl(c)) || (cpu_is_v86(c) && cpu_iopl(c) == 3)) {
        if (!(c->eflags & F_IF))
            c->inhibit_irq = 1; /* the instruction after STI runs first */
        c->eflags |= F_IF;
        return;
    }
    if ((cpu_is_v86(c) && (c->cr[4] & 1)) || (!cpu_is_v86(c) && c->cpl == 3 && (c->cr[4] & 2))) {
        if (c->eflags & F_VIP)
            cpu_exception(c, EXC_GP, 0);
        c->eflags |= F_VIF;
        return;
    }
    cpu_exception(c, EXC_GP, 0);
}

void op_sldt_str(struct cpu *c, const struct insn *i)
{
    uint16_t v = i->reg == 0 ? c->ldtr.sel : c->tr.sel;
    if (i->mod == 3)
        reg_write(c, i->rm, v, insn_osize(i));
    else
        rm_write(c, i, v, 2);
}

void op_lldt(struct cpu *c, const struct insn *i)
{
    need_cpl0(c);
    uint16_t sel = (uint16_t)rm_read(c, i, 2);
    if ((sel & ~3) == 0) {
        c->ldtr.sel = sel;
        c->ldtr.flags = 0;
        c->ldtr.base = 0;
        c->ldtr.limit = 0;
        return;
    }
    struct desc d;
    if ((sel & 4) || !desc_read(c, sel, &d) || (d.type & 0x1F) != 0x2)
        cpu_exception(c, EXC_GP, sel & ~3);
    if (!(d.flags & SEGF_P))
        cpu_exception(c, EXC_NP, sel & ~3);
    c->ldtr.sel = sel;
    c->ldtr.base = d.base;
    c->ldtr.limit = d.limit;
    c->ldtr.flags = d.flags;
}

void op_ltr(struct cpu *c, const struct insn *i)
{
    need_cpl0(c);
    uint16_t sel = (uint16_t)rm_read(c, i, 2);
    struct desc d;
    if ((sel & ~3) == 0)
        cpu_exception(c, EXC_GP, 0);
    if ((sel & 4) || !desc_read(c, sel, &d) || ((d.type & 0x1F) != 0x1 && (d.type & 0x1F) != 0x9))
        cpu_exception(c, EXC_GP, sel & ~3);
    if (!(d.flags & SEGF_P))
        cpu_exception(c, EXC_NP, sel & ~3);
    d.hi |= 0x200;
    lin_write(c, d.addr + 4, d.hi, 4);
    c->tr.sel = sel;
    c->tr.base = d.base;
    c->tr.limit = d.limit;
    c->tr.flags = (uint16_t)(d.flags | 0x2);
}

/* Is the descriptor visible at the current CPL for LAR/LSL/VERR/VERW? */
static bool desc_visible(struct cpu *c, uint16_t sel, const struct desc *d)
{
    bool conforming_code = (d->type & 0x1C) == 0x1C;
    return conforming_code || (d->dpl >= c->cpl && d->dpl >= (sel & 3));
}

void op_verr_verw(struct cpu *c, const struct insn *i)
{
    uint16_t sel = (uint16_t)rm_read(c, i, 2);
    struct desc d;
    bool ok = false;
    if ((sel & ~3) && desc_read(c, sel, &d) && (d.type & 0x10) && desc_visible(c, sel, &d)) {
        if (i->reg == 4)
            ok = !(d.type & 0x8) || (d.type & 0x2); /* data, or readable code */
        else
            ok = !(d.type & 0x8) && (d.type & 0x2); /* writable data */
    }
    cpu_flags_commit(c);
    c->eflags = (c->eflags & ~F_ZF) | (ok ? F_ZF : 0);
}

void op_lar_lsl(struct cpu *c, const struct insn *i)
{
    uint16_t sel = (uint16_t)rm_read(c, i, 2);
    struct desc d;
    bool ok = false;
    if ((sel & ~3) && desc_read(c, sel, &d) && desc_visible(c, sel, &d)) {
        if (d.type & 0x10) {
            ok = true;
        } else {
            int t = d.type & 0xF;
            /* LSL: TSS and LDT; LAR also gates. */
            ok = t == 1 || t == 2 || t == 3 || t == 9 || t == 0xB;
            if (i->op == 0x102)
                ok = ok || t == 4 || t == 5 || t == 0xC;
        }
    }
    cpu_flags_commit(c);
    c->eflags = (c->eflags & ~F_ZF) | (ok ? F_ZF : 0);
    if (!ok)
        return;
    int size = insn_osize(i);
    if (i->op == 0x102)
        reg_write(c, i->reg, d.hi & (size == 4 ? 0x00F0FF00u : 0xFF00u), size);
    else
        reg_write(c, i->reg, d.limit, size);
}

void op_arpl(struct cpu *c, const struct insn *i)
{
    uint16_t dst = (uint16_t)rm_read(c, i, 2);
    uint16_t src = CPU_R16(c, i->reg);
    cpu_flags_commit(c);
    if ((dst & 3) < (src & 3)) {
        rm_write(c, i, (dst & ~3u) | (src & 3u), 2);
        c->eflags |= F_ZF;
    } else {
        c->eflags &= ~F_ZF;
    }
}

void op_sgdt_sidt(struct cpu *c, const struct insn *i)
{
    struct dtr *t = i->reg == 0 ? &c->gdtr : &c->idtr;
    uint32_t off = insn_ea(c, i);
    uint32_t base = t->base;
    /* A 16-bit store writes 24 bits of base; the 286 writes FF in the top. */
    if (!i->os32)
        base = (base & 0xFFFFFF) | (c->model == CPU_286 ? 0xFF000000u : 0);
    cpu_write(c, i->ea_seg, off, t->limit, 2);
    cpu_write(c, i->ea_seg, (off + 2) & (i->as32 ? 0xFFFFFFFFu : 0xFFFFu), base, 4);
}

void op_lgdt_lidt(struct cpu *c, const struct insn *i)
{
    need_cpl0(c);
    uint32_t off = insn_ea(c, i);
    uint16_t limit = cpu_read16(c, i->ea_seg, off);
    uint32_t base = cpu_read32(c, i->ea_seg, (off + 2) & (i->as32 ? 0xFFFFFFFFu : 0xFFFFu));
    if (!i->os32)
        base &= 0xFFFFFF;
    struct dtr *t = i->reg == 2 ? &c->gdtr : &c->idtr;
    t->limit = limit;
    t->base = base;
}

void op_smsw(struct cpu *c, const struct insn *i)
{
    uint32_t v = c->cr[0];
    if (i->mod == 3)
        reg_write(c, i->rm, i->os32 ? v : (v & 0xFFFF), insn_osize(i));
    else
        rm_write(c, i, v & 0xFFFF, 2);
}

static void cr0_write(struct cpu *c, uint32_t v)
{
    uint32_t old = c->cr[0];
    if ((v & CR0_PG) && !(v & CR0_PE))
        cpu_exception(c, EXC_GP, 0);
    if (c->model == CPU_286)
        v = (v & 0xF) | 0xFFF0;
    else
        v |= CR0_ET;
    c->cr[0] = v;
    if ((old ^ v) & (CR0_PG | CR0_WP | CR0_PE))
        cpu_tlb_flush(c);
    if ((old ^ v) & CR0_PE) {
        if (!(v & CR0_PE))
            c->cpl = 0;
        cpu_update_hflags(c);
    }
}

void op_lmsw(struct cpu *c, const struct insn *i)
{
    need_cpl0(c);
    uint32_t v = rm_read(c, i, 2) & 0xF;
    /* LMSW can set PE but never clear it. */
    v |= c->cr[0] & CR0_PE;
    cr0_write(c, (c->cr[0] & ~0xFu) | v);
}

void op_invlpg(struct cpu *c, const struct insn *i)
{
    need_cpl0(c);
    uint32_t off = insn_ea(c, i);
    cpu_tlb_flush_page(c, c->seg[i->ea_seg].base + off);
}

void op_clts(struct cpu *c, const struct insn *i)
{
    need_cpl0(c);
    c->cr[0] &= ~CR0_TS;
}

void op_invd(struct cpu *c, const struct insn *i)
{
    need_cpl0(c);
}

void op_mov_cr(struct cpu *c, const struct insn *i)
{
    need_cpl0(c);
    int n = i->reg;
    if (n == 1 || n > 4 || (n == 4 && c->model < CPU_PENTIUM))
        cpu_ud(c);
    if (i->op == 0x120) {
        c->regs.r32[i->rm] = c->cr[n];
        return;
    }
    uint32_t v = c->regs.r32[i->rm];
    switch (n) {
    case 0: cr0_write(c, v); break;
    case 2: c->cr[2] = v; break;
    case 3:
        c->cr[3] = v;
        cpu_tlb_flush_nonglobal(c);
        break;
    case 4:
        /* VME PVI TSD DE PSE PAE MCE PGE PCE (OSFXSR on the P6) */
        if (v & ~0x3FFu)
            cpu_exception(c, EXC_GP, 0);
        c->cr[4] = v;
        cpu_tlb_flush(c);
        break;
    }
}

void op_mov_dr(struct cpu *c, const struct insn *i)
{
    need_cpl0(c);
    int n = i->reg;
    if (n == 4 || n == 5) {
        if (c->cr[4] & 0x8) /* CR4.DE makes DR4/DR5 undefined */
            cpu_ud(c);
        n += 2;
    }
    if (i->op == 0x121) {
        c->regs.r32[i->rm] = c->dr[n];
        return;
    }
    uint32_t v = c->regs.r32[i->rm];
    if (n == 6)
        v = (v & 0xF00F) | 0xFFFF0FF0u;
    else if (n == 7)
        v = (v & ~0xD000u) | 0x400;
    c->dr[n] = v;
}

/* MSRs: the ones the models have (SDM 4); others raise #GP. */
static bool msr_known(struct cpu *c, uint32_t idx)
{
    if (c->model < CPU_PENTIUM)
        return false;
    switch (idx) {
    case 0x00:
    case 0x01:
    case 0x10:
    case 0x11:
    case 0x12:
    case 0x13:
    case 0x1B: return true;
    default: break;
    }
    if (c->model < CPU_PENTIUM2)
        return false;
    return idx == 0x17 || idx == 0x2A || idx == 0x8B || idx == 0xC1 || idx == 0xC2 || idx == 0xFE ||
           (idx >= 0x174 && idx <= 0x17B) || idx == 0x186 || idx == 0x187 || (idx >= 0x1D9 && idx <= 0x1DE) ||
           (idx >= 0x200 && idx <= 0x20F) || idx == 0x250 || idx == 0x258 || idx == 0x259 ||
           (idx >= 0x268 && idx <= 0x26F) || idx == 0x2FF || (idx >= 0x400 && idx <= 0x413);
}

static uint64_t *msr_slot(struct cpu *c, uint32_t idx, bool create)
{
    for (int k = 0; k < CPU_MSR_COUNT; k++)
        if (c->msr_index[k] == idx && (c->msr_value[k] || idx))
            return &c->msr_value[k];
    if (!create)
        return NULL;
    for (int k = 0; k < CPU_MSR_COUNT; k++) {
        if (c->msr_index[k] == 0 && c->msr_value[k] == 0) {
            c->msr_index[k] = idx;
            return &c->msr_value[k];
        }
    }
    return NULL;
}

uint64_t cpu_tsc(struct cpu *c)
{
    /* The TSC counts virtual nanoseconds (a 1 GHz part), plus any offset
     * software wrote to MSR 0x10. */
    return clock_now(c->m) + c->tsc;
}

void op_rdmsr(struct cpu *c, const struct insn *i)
{
    need_cpl0(c);
    uint32_t idx = c->ECX;
    if (!msr_known(c, idx))
        cpu_exception(c, EXC_GP, 0);
    uint64_t v;
    if (idx == 0x10) {
        v = cpu_tsc(c);
    } else if (idx == 0xFE) {
        v = 0x508; /* 8 variable MTRRs, fixed ranges, write-combining */
    } else if (idx == 0x1B && c->m->lapic) {
        v = lapic_get_base_msr(c->m->lapic);
    } else if (idx == 0x1B) {
        uint64_t *s = msr_slot(c, idx, false);
        v = s ? *s : 0xFEE00900ull; /* BSP, APIC at its default address */
    } else {
        uint64_t *s = msr_slot(c, idx, false);
        v = s ? *s : 0;
    }
    c->EAX = (uint32_t)v;
    c->EDX = (uint32_t)(v >> 32);
}

void op_wrmsr(struct cpu *c, const struct insn *i)
{
    need_cpl0(c);
    uint32_t idx = c->ECX;
    if (!msr_known(c, idx) || idx == 0xFE)
        cpu_exception(c, EXC_GP, 0);
    uint64_t v = (uint64_t)c->EDX << 32 | c->EAX;
    if (idx == 0x10) {
        c->tsc = v - clock_now(c->m);
        return;
    }
    if (idx == 0x1B && c->m->lapic) {
        lapic_set_base_msr(c->m->lapic, v);
        return;
    }
    uint64_t *s = msr_slot(c, idx, true);
    if (s)
        *s = v;
}

void op_rdtsc(struct cpu *c, const struct insn *i)
{
    if ((c->cr[4] & 0x4) && c->cpl != 0 && !cpu_real(c))
        cpu_exception(c, EXC_GP, 0);
    uint64_t v = cpu_tsc(c);
    c->EAX = (uint32_t)v;
    c->EDX = (uint32_t)(v >> 32);
}

void op_rdpmc(struct cpu *c, const struct insn *i)
{
    if (!(c->cr[4] & 0x100) && c->cpl != 0 && !cpu_real(c))
        cpu_exception(c, EXC_GP, 0);
    if (c->ECX > 1)
        cpu_exception(c, EXC_GP, 0);
    c->EAX = 0;
    c->EDX = 0;
}

/* CPUID feature bits: only what rex86 implements is advertised. */
uint32_t cpu_feature_edx(const struct cpu *c)
{
    uint32_t f = 0;
    if (c->model >= CPU_486)
        f |= (1u << 0) | (1u << 1); /* FPU (cpu/fpu), VME */
    if (c->model >= CPU_PENTIUM)
        f |= (1u << 2) | (1u << 3) | (1u << 4) | (1u << 5) | (1u << 8); /* DE PSE TSC MSR CX8 */
    /* APIC: the board has one, and IA32_APIC_BASE has not switched it off
     * (SDM 3A §10.4.3: the flag follows the global enable). */
    if (c->m && c->m->lapic && lapic_hw_enabled(c->m->lapic))
        f |= 1u << 9;
    if (c->model >= CPU_PENTIUM2)
        f |= (1u << 6) | (1u << 11) | (1u << 12) | (1u << 13) | (1u << 15); /* PAE SEP MTRR PGE CMOV */
    if (c->model >= CPU_PENTIUM2)
        f |= (1u << 23) | (1u << 24); /* MMX FXSR (cpu/fpu/mmx.c) */
    return f;
}

void op_cpuid(struct cpu *c, const struct insn *i)
{
    uint32_t leaf = c->EAX;
    uint32_t family = c->model >= CPU_PENTIUM2 ? 0x0652 : c->model == CPU_PENTIUM ? 0x0543 : 0x0480;
    switch (leaf) {
    case 0:
        c->EAX = c->model >= CPU_PENTIUM2 ? 2 : 1;
        c->EBX = 0x756E6547; /* "GenuineIntel" */
        c->EDX = 0x49656E69;
        c->ECX = 0x6C65746E;
        break;
    case 1:
        c->EAX = family;
        c->EBX = 0;
        c->ECX = 0;
        c->EDX = cpu_feature_edx(c);
        break;
    case 2:
        if (c->model >= CPU_PENTIUM2) {
            /* 32 KB L1 split, 512 KB L2, 4K/4M TLBs */
            c->EAX = 0x03020101;
            c->EBX = 0;
            c->ECX = 0;
            c->EDX = 0x0C040843;
            break;
        }
        /* fall through */
    default: c->EAX = c->EBX = c->ECX = c->EDX = 0; break;
    }
}

void op_sysenter(struct cpu *c, const struct insn *i)
{
    uint64_t *cs = msr_slot(c, 0x174, false);
    uint64_t *esp = msr_slot(c, 0x175, false);
    uint64_t *eip = msr_slot(c, 0x176, false);
    uint16_t sel = cs ? (uint16_t)*cs : 0;
    if (cpu_real(c) || (sel & ~3) == 0)
        cpu_exception(c, EXC_GP, 0);
    c->eflags &= ~(F_VM | F_IF | F_RF);
    struct desc flat = {0};
    flat.base = 0;
    flat.limit = 0xFFFFFFFF;
    flat.flags = SEGF_P | SEGF_S | SEGF_CODE | 0xB | SEGF_DB | SEGF_G;
    seg_load_desc(c, S_CS, sel & 0xFFFC, &flat);
    flat.flags = SEGF_P | SEGF_S | 0x3 | SEGF_DB | SEGF_G;
    c->cpl = 0;
    seg_load_desc(c, S_SS, (sel + 8) & 0xFFFC, &flat);
    cpu_update_hflags(c);
    c->ESP = esp ? (uint32_t)*esp : 0;
    c->eip = eip ? (uint32_t)*eip : 0;
}

void op_sysexit(struct cpu *c, const struct insn *i)
{
    uint64_t *cs = msr_slot(c, 0x174, false);
    uint16_t sel = cs ? (uint16_t)*cs : 0;
    if (cpu_real(c) || cpu_is_v86(c) || c->cpl != 0 || (sel & ~3) == 0)
        cpu_exception(c, EXC_GP, 0);
    struct desc flat = {0};
    flat.limit = 0xFFFFFFFF;
    flat.flags = SEGF_P | SEGF_S | SEGF_CODE | 0xB | SEGF_DB | SEGF_G | (3 << 5);
    c->cpl = 3;
    seg_load_desc(c, S_CS, (uint16_t)((sel + 16) | 3), &flat);
    flat.flags = SEGF_P | SEGF_S | 0x3 | SEGF_DB | SEGF_G | (3 << 5);
    seg_load_desc(c, S_SS, (uint16_t)((sel + 24) | 3), &flat);
    cpu_update_hflags(c);
    c->ESP = c->ECX;
    c->eip = c->EDX;
}

/* 0F 37 ib: the entry from rex86's BIOS ROM stubs into its C services.
 * Anywhere else it is an invalid opcode. */
void op_bios_trap(struct cpu *c, const struct insn *i)
{
    uint32_t lin = c->seg[S_CS].base + c->insn_eip;
    if (c->m->cfg.bare || c->m->cfg.bios_file || lin < 0xF0000 || lin > 0xFFFFF)
        cpu_ud(c);
    cpu_flags_commit(c);
    bios_trap(c->m, (uint8_t)i->imm);
}
