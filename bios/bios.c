/* The BIOS core: bios_init (ROM, drives, registration), the rex86trap
 * dispatcher, and the guest memory/flags/port helpers the services share. */
#include <stdlib.h>
#include <string.h>

#include "bios/bios_priv.h"
#include "bios/video.h"

/* --- guest memory ------------------------------------------------------- */

/* Linear to physical through the guest's 2-level page tables; the BIOS may
 * run in V86 mode under a paging monitor (EMM386, Windows) whose mappings
 * the caller's buffers live in. Sets accessed/dirty like the CPU would. */
static bool bios_lin2phys(struct machine *m, uint32_t lin, bool write, uint32_t *pa)
{
    struct cpu *c = &m->cpu;
    if (!(c->cr[0] & CR0_PG) || (c->cr[4] & 0x20u) /* PAE: not walked */) {
        *pa = lin;
        return true;
    }
    uint32_t pde_pa = (c->cr[3] & ~0xFFFu) + (lin >> 22) * 4;
    uint32_t pde;
    mem_read_block(m, pde_pa, &pde, 4);
    if (!(pde & 1))
        return false;
    if ((pde & 0x80) && (c->cr[4] & 0x10u)) {
        uint32_t upd = pde | 0x20 | (write ? 0x40 : 0);
        if (upd != pde)
            mem_write_block(m, pde_pa, &upd, 4);
        *pa = (pde & 0xFFC00000u) | (lin & 0x3FFFFFu);
        return true;
    }
    if (!(pde & 0x20)) {
        pde |= 0x20;
        mem_write_block(m, pde_pa, &pde, 4);
    }
    uint32_t pte_pa = (pde & ~0xFFFu) + ((lin >> 12) & 0x3FF) * 4;
    uint32_t pte;
    mem_read_block(m, pte_pa, &pte, 4);
    if (!(pte & 1))
        return false;
    uint32_t upd = pte | 0x20 | (write ? 0x40 : 0);
    if (upd != pte)
        mem_write_block(m, pte_pa, &upd, 4);
    *pa = (pte & ~0xFFFu) | (lin & 0xFFFu);
    return true;
}

void bios_read(struct machine *m, uint32_t lin, void *dst, uint32_t len)
{
    uint8_t *d = dst;
    while (len) {
        uint32_t n = 0x1000 - (lin & 0xFFF);
        if (n > len)
            n = len;
        uint32_t pa;
        if (bios_lin2phys(m, lin, false, &pa))
            mem_read_block(m, pa, d, n);
        else
            memset(d, 0xFF, n);
        d += n;
        lin += n;
        len -= n;
    }
}

void bios_write(struct machine *m, uint32_t lin, const void *src, uint32_t len)
{
    const uint8_t *s = src;
    while (len) {
        uint32_t n = 0x1000 - (lin & 0xFFF);
        if (n > len)
            n = len;
        uint32_t pa;
        if (bios_lin2phys(m, lin, true, &pa))
            mem_write_block(m, pa, s, n);
        s += n;
        lin += n;
        len -= n;
    }
}

uint8_t bios_rd8(struct machine *m, uint32_t lin)
{
    uint8_t v;
    bios_read(m, lin, &v, 1);
    return v;
}

uint16_t bios_rd16(struct machine *m, uint32_t lin)
{
    uint8_t b[2];
    bios_read(m, lin, b, 2);
    return (uint16_t)(b[0] | b[1] << 8);
}

uint32_t bios_rd32(struct machine *m, uint32_t lin)
{
    uint8_t b[4];
    bios_read(m, lin, b, 4);
    return b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24;
}

void bios_wr8(struct machine *m, uint32_t lin, uint8_t v)
{
    bios_write(m, lin, &v, 1);
}

void bios_wr16(struct machine *m, uint32_t lin, uint16_t v)
{
    uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    bios_write(m, lin, b, 2);
}

void bios_wr32(struct machine *m, uint32_t lin, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    bios_write(m, lin, b, 4);
}

/* --- caller's flags and stack ------------------------------------------ */

static uint32_t stack_lin(struct machine *m, uint32_t delta)
{
    struct cpu *c = &m->cpu;
    uint32_t sp = (c->seg[S_SS].flags & SEGF_DB) ? c->ESP : R_SP(c);
    if (!(c->seg[S_SS].flags & SEGF_DB))
        sp = (sp + delta) & 0xFFFF;
    else
        sp += delta;
    return c->seg[S_SS].base + sp;
}

/* Every service stub is entered by INT (or PUSHF + CALL FAR) and leaves by
 * IRET, so results in CF/ZF are written into the FLAGS word of that frame. */
void bios_set_caller_flags(struct machine *m, uint32_t mask, uint32_t value)
{
    uint32_t lin = stack_lin(m, 4);
    uint16_t f = bios_rd16(m, lin);
    f = (uint16_t)((f & ~mask) | (value & mask));
    bios_wr16(m, lin, f);
}

void bios_ret(struct machine *m, uint8_t status)
{
    R_AH(&m->cpu) = status;
    bios_set_cf(m, status != 0);
}

void bios_push16(struct machine *m, uint16_t v)
{
    struct cpu *c = &m->cpu;
    R_SP(c) = (uint16_t)(R_SP(c) - 2);
    bios_wr16(m, c->seg[S_SS].base + R_SP(c), v);
}

/* --- ports -------------------------------------------------------------- */

uint8_t bios_inb(struct machine *m, uint16_t port)
{
    return (uint8_t)bus_io_read(m, port, 1);
}
void bios_outb(struct machine *m, uint16_t port, uint8_t v)
{
    bus_io_write(m, port, v, 1);
}

uint8_t bios_cmos_read(struct machine *m, uint8_t reg)
{
    bios_outb(m, 0x70, reg & 0x7F);
    return bios_inb(m, 0x71);
}

void bios_cmos_write(struct machine *m, uint8_t reg, uint8_t v)
{
    bios_outb(m, 0x70, reg & 0x7F);
    bios_outb(m, 0x71, v);
}

/* --- dispatch ----------------------------------------------------------- */

static void service_unknown(struct machine *m)
{
    /* An unknown function: AH=86h "not supported" with CF=1 is what the
     * AT BIOS answers for INT 15h; it is a harmless answer elsewhere too. */
    bios_ret(m, 0x86);
}

void bios_trap(struct machine *m, uint8_t num)
{
    struct bios *b = m->bios;
    if (!b)
        return;
    b->wait = b->wait_hlt = b->signal = false;
    switch (num) {
    case BT_POST: bios_post(m); break;
    case BT_OPTROM: bios_optrom(m); break;
    case BT_POST_END: break;
    case 0x08: bios_int08(m); break;
    case 0x09: bios_int09(m); break;
    case 0x0E: bios_wr8(m, BDA(0x3E), bios_rd8(m, BDA(0x3E)) | 0x80); break;
    case 0x10: bios_int10(m); break;
    case 0x11: bios_int11(m); break;
    case 0x12: bios_int12(m); break;
    case 0x13: bios_int13(m, false); break;
    case BT_FLOPPY: bios_int13(m, true); break;
    case 0x14: bios_int14(m); break;
    case 0x15: bios_int15(m); break;
    case 0x16: bios_int16(m); break;
    case 0x17: bios_int17(m); break;
    case 0x18: bios_int18(m); break;
    case 0x19: bios_int19(m); break;
    case 0x1A: bios_int1a(m); break;
    case 0x70: bios_int70(m); break;
    default: service_unknown(m); break;
    }
    /* Tell the stub what to do next through the live ZF/CF (the caller's
     * flags come back from the IRET frame): ZF=1 done; ZF=0 wait (CF=1 with
     * HLT) and repeat, or for hardware stubs take the alternate path. A V86
     * monitor would have to emulate HLT, so V86 callers spin instead. */
    bool not_done = b->wait || b->signal;
    bool hlt = b->wait && b->wait_hlt && !cpu_v86(&m->cpu);
    cpu_set_eflags(&m->cpu, (not_done ? 0 : F_ZF) | (hlt ? F_CF : 0), F_ZF | F_CF);
}

/* --- lifecycle ---------------------------------------------------------- */

static void bios_reset_hook(void *opaque)
{
    struct bios *b = opaque;
    b->optrom_next = 0xC0000;
    b->kbd_e1_skip = 0;
    b->cd_booted = false;
    bios_disk_table(b);
}

static void bios_free_hook(void *opaque)
{
    struct bios *b = opaque;
    bios_disk_free(b);
    if (b->m && b->m->bios == b)
        b->m->bios = NULL;
    free(b->rom);
    free(b);
}

int bios_flush_drives(struct machine *m)
{
    struct bios *b = m->bios;
    int rc = 0;
    if (!b)
        return 0;
    for (int k = 0; k < 2; k++) {
        if (b->fd_img[k] && image_flush(b->fd_img[k]) < 0)
            rc = -1;
        if (b->hd_img[k] && image_flush(b->hd_img[k]) < 0)
            rc = -1;
    }
    return rc;
}

static int bios_state_fn(struct state *s, void *opaque);

int bios_init(struct machine *m)
{
    struct bios *b = calloc(1, sizeof(*b));
    uint8_t *rom = calloc(1, BIOS_ROM_SIZE);
    if (!b || !rom) {
        free(b);
        free(rom);
        return machine_error(m, "out of memory for the BIOS");
    }
    b->m = m;
    b->rom = rom;
    b->optrom_next = 0xC0000;
    m->bios = b;
    if (bios_disk_attach(m) < 0) {
        bios_free_hook(b);
        return -1;
    }
    bios_rom_build(m);
    mem_map_host(m, BIOS_ROM_BASE, BIOS_ROM_SIZE, rom, false);
    /* The chipset also decodes the BIOS at the top of the address space,
     * where a 286/386 fetches its first instruction after reset.
     * With A20 masked (as after reset) that fetch lands 1 MB lower, so the
     * alias is decoded there too, like chipsets that decode the top 2 MB. */
    if (m->mem.addr_mask == 0xFFFFFFFFu) {
        mem_map_host(m, 0xFFFF0000u, BIOS_ROM_SIZE, rom, false);
        mem_map_host(m, 0xFFEF0000u, BIOS_ROM_SIZE, rom, false);
    } else if (m->mem.addr_mask == 0xFFFFFFu) {
        mem_map_host(m, 0xFF0000u, BIOS_ROM_SIZE, rom, false);
        mem_map_host(m, 0xEF0000u, BIOS_ROM_SIZE, rom, false);
    }
    if (machine_register_device(m, "bios", b, bios_reset_hook, bios_free_hook) < 0) {
        bios_free_hook(b);
        return -1;
    }
    machine_device_state(m, b, 1, bios_state_fn);
    return 0;
}

/* The state stream's section (devices/board/state.h): the ROM image, the
 * drive table INT 13h serves (El Torito adds to it at boot) and the state
 * of a service waiting to be repeated. Images are named by their slot. */
static int bios_state_fn(struct state *s, void *opaque)
{
    struct bios *b = opaque;
    struct disk_image *slots[5] = {b->fd_img[0], b->fd_img[1], b->hd_img[0], b->hd_img[1], b->cd_img};
    state_bytes(s, b->rom, BIOS_ROM_SIZE);
    STATE_INDEX(s, b->ndisks, BIOS_MAX_DISKS + 1);
    STATE(s, b->nfloppies);
    STATE(s, b->nhdds);
    for (int k = 0; k < b->ndisks && !state_failed(s); k++) {
        struct bios_disk *d = &b->disks[k];
        int8_t slot = -1;
        for (int i = 0; i < 5; i++)
            if (d->img && d->img == slots[i])
                slot = (int8_t)i;
        STATE(s, slot);
        if (state_loading(s)) {
            if (slot >= 5 || (slot >= 0 && !slots[slot]))
                return state_fail(s, "BIOS drive %d uses an image this machine does not have", k);
            d->img = slot >= 0 ? slots[slot] : NULL;
        }
        STATE_ENUM(s, d->kind);
        STATE(s, d->offset);
        STATE(s, d->sectors);
        STATE(s, d->sector_size);
        STATE(s, d->lgeom.cylinders);
        STATE(s, d->lgeom.heads);
        STATE(s, d->lgeom.sectors);
        STATE_ENUM(s, d->ftype);
        STATE(s, d->emulated);
        STATE(s, d->dl);
    }
    STATE(s, b->cd_booted);
    STATE(s, b->cd_media);
    STATE(s, b->cd_boot_rba);
    STATE(s, b->cd_load_seg);
    STATE(s, b->cd_load_count);
    STATE(s, b->cd_emul_dl);
    STATE_ARRAY(s, b->ivt);
    STATE(s, b->optrom_next);
    STATE(s, b->rom_optrom_scan);
    STATE(s, b->kbd_e1_skip);
    STATE(s, b->wait);
    STATE(s, b->wait_hlt);
    STATE(s, b->signal);
    return 0;
}
