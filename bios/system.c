/* INT 15h system services: memory maps (E820, E801, 88h), block move,
 * configuration table, waits, A20, APM, and the OS hooks (4Fh, 90h/91h). */
#include <string.h>

#include "bios/bios_priv.h"

#define SMAP 0x534D4150u

/* The memory map: low RAM, the EBDA, the ROM area, extended RAM and the
 * BIOS alias under 4 GB. The MP and ACPI tables live inside the reserved
 * ROM area (bios/mptable.c, bios/acpi.c), so no ACPI ranges of their own. */
int bios_e820_map(struct machine *m, struct e820 *e)
{
    uint32_t ram = m->mem.ram_size;
    int n = 0;
    uint32_t low = ram >= 0xA0000 ? 0x9FC00 : ram;
    e[n++] = (struct e820){0, low, 1};
    if (ram >= 0xA0000)
        e[n++] = (struct e820){0x9FC00, 0x400, 2};
    e[n++] = (struct e820){0xF0000, 0x10000, 2};
    if (ram > 0x100000)
        e[n++] = (struct e820){0x100000, ram - 0x100000, 1};
    if (m->mem.addr_mask == 0xFFFFFFFFu)
        e[n++] = (struct e820){0xFFFF0000u, 0x10000, 2};
    return n;
}

static void int15_e820(struct machine *m)
{
    struct cpu *c = &m->cpu;
    struct e820 e[8];
    int n = bios_e820_map(m, e);
    uint32_t idx = c->EBX;
    if (c->EDX != SMAP || idx >= (uint32_t)n || (c->ECX & 0xFFFF) < 20) {
        bios_ret(m, 0x86);
        return;
    }
    uint8_t rec[24];
    memset(rec, 0, sizeof(rec));
    for (int j = 0; j < 8; j++) {
        rec[j] = (uint8_t)(e[idx].base >> (8 * j));
        rec[8 + j] = (uint8_t)(e[idx].len >> (8 * j));
    }
    for (int j = 0; j < 4; j++)
        rec[16 + j] = (uint8_t)(e[idx].type >> (8 * j));
    rec[20] = 1; /* ACPI 3.0 extended attributes: enabled */
    uint32_t size = (c->ECX & 0xFFFF) >= 24 ? 24 : 20;
    bios_write(m, bios_lin(m, S_ES, R_DI(c)), rec, size);
    c->EAX = SMAP;
    c->ECX = size;
    c->EBX = idx + 1 < (uint32_t)n ? idx + 1 : 0;
    bios_set_cf(m, false);
}

/* AH=87h: copy CX words between the descriptors at ES:SI+10h and +18h
 * (24-bit bases, plus the 386 high byte). A20 is on for the copy. */
static void int15_move(struct machine *m)
{
    struct cpu *c = &m->cpu;
    uint32_t gdt = bios_lin(m, S_ES, R_SI(c));
    uint8_t d[16];
    bios_read(m, gdt + 0x10, d, 16);
    uint32_t src = d[2] | d[3] << 8 | d[4] << 16 | (uint32_t)d[7] << 24;
    uint32_t dst = d[10] | d[11] << 8 | d[12] << 16 | (uint32_t)d[15] << 24;
    uint32_t len = (uint32_t)R_CX(c) * 2;
    if (R_CX(c) > 0x8000) {
        bios_ret(m, 0x01);
        return;
    }
    bool a20 = mem_get_a20(m);
    if (!a20)
        mem_set_a20(m, true);
    uint8_t buf[4096];
    while (len) {
        uint32_t n = len > sizeof(buf) ? sizeof(buf) : len;
        mem_read_block(m, src, buf, n);
        mem_write_block(m, dst, buf, n);
        src += n;
        dst += n;
        len -= n;
    }
    if (!a20)
        mem_set_a20(m, false);
    bios_ret(m, 0);
    bios_set_zf(m, true);
}

/* A20 through the fast gate (port 92h) when the chipset has it. */
static void a20_set(struct machine *m, bool on)
{
    uint8_t p = bios_inb(m, 0x92);
    if (p != 0xFF)
        bios_outb(m, 0x92, (uint8_t)(((p & ~0x03u)) | (on ? 0x02 : 0)));
    mem_set_a20(m, on);
}

/* AH=86h: wait CX:DX microseconds on the RTC periodic interrupt (INT 70h
 * counts down 40:9C and sets bit 7 of 40:A0). */
static void int15_wait(struct machine *m)
{
    struct cpu *c = &m->cpu;
    struct bios *b = m->bios;
    uint8_t flag = bios_rd8(m, BDA(0xA0));
    if (flag & 0x80) { /* our wait has run out */
        bios_wr8(m, BDA(0xA0), 0);
        bios_ret(m, 0);
        return;
    }
    if (flag & 0x01) {
        /* A wait is running: ours (keep waiting) or an 83h one (busy). */
        if (bios_rd16(m, BDA(0x98)) == 0xA0 && bios_rd16(m, BDA(0x9A)) == 0x40) {
            b->wait = b->wait_hlt = true;
            return;
        }
        bios_ret(m, 0x83);
        return;
    }
    uint32_t us = (uint32_t)R_CX(c) << 16 | R_DX(c);
    if (us < 976) { /* less than one RTC period: done */
        bios_ret(m, 0);
        return;
    }
    bios_wr16(m, BDA(0x98), 0xA0);
    bios_wr16(m, BDA(0x9A), 0x40);
    bios_wr32(m, BDA(0x9C), us);
    bios_wr8(m, BDA(0xA0), 0x01);
    bios_outb(m, 0xA1, bios_inb(m, 0xA1) & 0xFE);
    bios_cmos_write(m, 0x0B, bios_cmos_read(m, 0x0B) | 0x40);
    b->wait = b->wait_hlt = true;
}

/* AH=83h: set (AL=0) or cancel (AL=1) an event wait that sets bit 7 of
 * the byte at ES:BX after CX:DX microseconds. */
static void int15_event(struct machine *m)
{
    struct cpu *c = &m->cpu;
    if (R_AL(c) == 1) {
        bios_wr8(m, BDA(0xA0), 0);
        bios_cmos_write(m, 0x0B, bios_cmos_read(m, 0x0B) & ~0x40);
        bios_set_cf(m, false);
        return;
    }
    if (bios_rd8(m, BDA(0xA0)) & 0x01) {
        bios_ret(m, 0x80);
        return;
    }
    bios_wr16(m, BDA(0x98), R_BX(c));
    bios_wr16(m, BDA(0x9A), m->cpu.seg[S_ES].sel);
    bios_wr32(m, BDA(0x9C), (uint32_t)R_CX(c) << 16 | R_DX(c));
    bios_wr8(m, BDA(0xA0), 0x01);
    bios_outb(m, 0xA1, bios_inb(m, 0xA1) & 0xFE);
    bios_cmos_write(m, 0x0B, bios_cmos_read(m, 0x0B) | 0x40);
    bios_set_cf(m, false);
}

/* APM 1.2, real-mode interface only (no protected-mode entry points). */
static void int15_apm(struct machine *m)
{
    struct cpu *c = &m->cpu;
    switch (R_AL(c)) {
    case 0x00:
        if (R_BX(c) != 0) {
            bios_ret(m, 0x09);
            return;
        }
        R_AX(c) = 0x0102;
        R_BX(c) = 0x504D; /* "PM" */
        R_CX(c) = 0x0000;
        bios_set_cf(m, false);
        return;
    case 0x01: /* real-mode connect */
    case 0x04: /* disconnect */
    case 0x05: /* CPU idle */
    case 0x06: /* CPU busy */
    case 0x08: /* enable/disable power management */
    case 0x0D:
    case 0x0F: bios_ret(m, 0); return;
    case 0x02:
    case 0x03: bios_ret(m, 0x86); return; /* no protected-mode interface */
    case 0x07:
        if (R_CX(c) == 0x0003 && (R_BX(c) == 0x0001 || R_BX(c) == 0x00FF)) {
            machine_request_stop(m, STOP_POWEROFF);
            bios_ret(m, 0);
            return;
        }
        bios_ret(m, R_CX(c) <= 0x0002 ? 0 : 0x0A);
        return;
    case 0x0A:
        R_BX(c) = 0x01FF; /* on line, battery status unknown */
        R_CX(c) = 0x0080; /* no system battery */
        R_DX(c) = 0xFFFF;
        bios_ret(m, 0);
        return;
    case 0x0E:
        R_AX(c) = R_CX(c) < 0x0102 ? R_CX(c) : 0x0102;
        bios_set_cf(m, false);
        return;
    default: bios_ret(m, 0x86); return;
    }
}

void bios_int15(struct machine *m)
{
    struct cpu *c = &m->cpu;
    uint32_t ram = m->mem.ram_size;
    switch (R_AH(c)) {
    case 0x24:
        switch (R_AL(c)) {
        case 0x00:
            a20_set(m, false);
            bios_ret(m, 0);
            return;
        case 0x01:
            a20_set(m, true);
            bios_ret(m, 0);
            return;
        case 0x02:
            R_AL(c) = mem_get_a20(m) ? 1 : 0;
            bios_ret(m, 0);
            return;
        case 0x03:
            R_BX(c) = 0x0003;
            bios_ret(m, 0);
            return;
        default: bios_ret(m, 0x86); return;
        }
    case 0x4F: bios_set_cf(m, true); return; /* keep the key */
    case 0x53: int15_apm(m); return;
    case 0x83: int15_event(m); return;
    case 0x85: bios_ret(m, 0); return; /* SysReq */
    case 0x86: int15_wait(m); return;
    case 0x87: int15_move(m); return;
    case 0x88: {
        uint32_t kb = ram > 0x100000 ? (ram - 0x100000) / 1024 : 0;
        R_AX(c) = (uint16_t)(kb > 0xFFFF ? 0xFFFF : kb);
        bios_set_cf(m, false);
        return;
    }
    case 0x90:
    case 0x91: bios_ret(m, 0); return; /* device busy / interrupt complete */
    case 0xC0:
        cpu_load_seg_real(c, S_ES, BIOS_SEG);
        R_BX(c) = ROM_CONFIG;
        bios_ret(m, 0);
        return;
    case 0xC1:
        if (!bios_rd16(m, BDA(0x0E))) {
            bios_ret(m, 0x86);
            return;
        }
        cpu_load_seg_real(c, S_ES, bios_rd16(m, BDA(0x0E)));
        bios_set_cf(m, false);
        return;
    case 0xE8:
        if (R_AL(c) == 0x20) {
            int15_e820(m);
            return;
        }
        if (R_AL(c) == 0x01) {
            uint32_t ext = ram > 0x100000 ? (ram - 0x100000) / 1024 : 0;
            uint32_t lo = ext > 0x3C00 ? 0x3C00 : ext;
            uint32_t hi = ram > 0x1000000 ? (ram - 0x1000000) / 65536 : 0;
            R_AX(c) = R_CX(c) = (uint16_t)lo;
            R_BX(c) = R_DX(c) = (uint16_t)(hi > 0xFFFF ? 0xFFFF : hi);
            bios_set_cf(m, false);
            return;
        }
        bios_ret(m, 0x86);
        return;
    default: bios_ret(m, 0x86); return;
    }
}
