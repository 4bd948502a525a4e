/* The VGA register file: misc output, sequencer, CRTC, graphics and attribute
 * controllers, DAC and status ports; lifecycle and raster timing. */
#include <stdio.h>
#include <stdlib.h>

#include "devices/board/machine.h"
#include "devices/video/vga_internal.h"

struct vga *vga_of(struct machine *m)
{
    return m ? m->vga : NULL;
}

uint64_t vga_change_count(struct machine *m)
{
    struct vga *v = vga_of(m);
    return v ? v->changes : 0;
}

/* CRTC registers 0-7 are write-protected by bit 7 of register 0x11, all but
 * the line compare bit 8 (bit 4 of the overflow register). */
static void crtc_write(struct vga *v, uint8_t val)
{
    uint8_t i = v->r.crtc_index & 0x3F;
    if (i <= 7 && (v->r.crtc[0x11] & 0x80)) {
        if (i == 7)
            v->r.crtc[7] = (uint8_t)((v->r.crtc[7] & ~0x10) | (val & 0x10));
        return;
    }
    v->r.crtc[i] = val;
}

static bool crtc_port_active(const struct vga *v, uint16_t port)
{
    bool color = v->r.misc & 1;
    return (port >= 0x3D0) == color;
}

static void attr_write(struct vga *v, uint8_t val)
{
    if (!v->r.attr_flipflop) {
        v->r.attr_index = val & 0x3F;
    } else {
        uint8_t i = v->r.attr_index & 0x1F;
        if (i < 0x15)
            v->r.attr[i] = i < 0x10 ? (val & 0x3F) : val;
    }
    v->r.attr_flipflop = !v->r.attr_flipflop;
}

static void dac_write_data(struct vga *v, uint8_t val)
{
    if (!(v->r.dispi[DISPI_ENABLE] & DISPI_8BIT_DAC))
        val &= 0x3F;
    v->r.dac_latch[v->r.dac_sub++] = val;
    if (v->r.dac_sub == 3) {
        memcpy(v->r.dac[v->r.dac_write_index], v->r.dac_latch, 3);
        v->r.dac_write_index++;
        v->r.dac_sub = 0;
    }
}

static uint8_t dac_read_data(struct vga *v)
{
    uint8_t val = v->r.dac[v->r.dac_read_index][v->r.dac_sub++];
    if (v->r.dac_sub == 3) {
        v->r.dac_read_index++;
        v->r.dac_sub = 0;
    }
    return val;
}

static uint8_t input_status1(struct vga *v)
{
    bool vretrace, blank;
    uint64_t frame;
    vga_timing(v, &vretrace, &blank, &frame);
    /* Reading input status 1 resets the attribute index/data flip-flop. */
    v->r.attr_flipflop = false;
    return (uint8_t)((blank ? 0x01 : 0) | (vretrace ? 0x08 : 0));
}

static uint32_t vga_io_read(void *opaque, uint16_t port, int size)
{
    struct vga *v = opaque;
    (void)size;
    if ((port >= 0x3B0 && port <= 0x3BF) || (port >= 0x3D0 && port <= 0x3DF)) {
        if (!crtc_port_active(v, port))
            return 0xFF;
        port = (uint16_t)(0x3D0 | (port & 0x0F)); /* fold mono onto colour */
    }
    switch (port) {
    case 0x3C0: return v->r.attr_index;
    case 0x3C1: return v->r.attr[v->r.attr_index & 0x1F];
    case 0x3C2: return 0x00; /* input status 0: no retrace interrupt, switch sense 0 */
    case 0x3C3: return 0x01; /* video subsystem enable */
    case 0x3C4: return v->r.seq_index;
    case 0x3C5: return v->r.seq[v->r.seq_index & 7];
    case 0x3C6: return v->r.dac_pel_mask;
    case 0x3C7: return v->r.dac_state;
    case 0x3C8: return v->r.dac_write_index;
    case 0x3C9: return dac_read_data(v);
    case 0x3CA: return v->r.feature;
    case 0x3CC: return v->r.misc;
    case 0x3CE: return v->r.gc_index;
    case 0x3CF: return v->r.gc[v->r.gc_index & 15];
    case 0x3D4: return v->r.crtc_index;
    case 0x3D5: return v->r.crtc[v->r.crtc_index & 0x3F];
    case 0x3DA: return input_status1(v);
    default: return 0xFF;
    }
}

static void vga_io_write(void *opaque, uint16_t port, uint32_t value, int size)
{
    struct vga *v = opaque;
    uint8_t val = (uint8_t)value;
    (void)size;
    if ((port >= 0x3B0 && port <= 0x3BF) || (port >= 0x3D0 && port <= 0x3DF)) {
        if (!crtc_port_active(v, port))
            return;
        port = (uint16_t)(0x3D0 | (port & 0x0F));
    }
    vga_touch(v);
    switch (port) {
    case 0x3C0: attr_write(v, val); break;
    case 0x3C2: v->r.misc = val; break;
    case 0x3C4: v->r.seq_index = val; break;
    case 0x3C5: v->r.seq[v->r.seq_index & 7] = val; break;
    case 0x3C6: v->r.dac_pel_mask = val; break;
    case 0x3C7:
        v->r.dac_read_index = val;
        v->r.dac_sub = 0;
        v->r.dac_state = 3;
        break;
    case 0x3C8:
        v->r.dac_write_index = val;
        v->r.dac_sub = 0;
        v->r.dac_state = 0;
        break;
    case 0x3C9: dac_write_data(v, val); break;
    case 0x3CE: v->r.gc_index = val; break;
    case 0x3CF: v->r.gc[v->r.gc_index & 15] = val; break;
    case 0x3D4: v->r.crtc_index = val; break;
    case 0x3D5: crtc_write(v, val); break;
    case 0x3DA: v->r.feature = val; break;
    default: break;
    }
}

/* Raster timing from the CRTC and the dot clock, on virtual time so a guest
 * polling 0x3DA sees the same sequence on every run. Registers that make no
 * sense (a BIOS not yet run) fall back to 640x400 at 70 Hz. */
void vga_timing(struct vga *v, bool *vretrace, bool *blank, uint64_t *frame)
{
    const uint8_t *c = v->r.crtc;
    uint64_t dot_hz = (v->r.misc & 0x0C) == 0x04 ? 28322000u : 25175000u;
    unsigned char_dots = (v->r.seq[1] & 1) ? 8 : 9;
    if (v->r.seq[1] & 0x08)
        char_dots *= 2;
    unsigned htotal = c[0] + 5u;
    unsigned hde = c[1] + 1u;
    unsigned vtotal = c[6] + ((c[7] & 0x01u) << 8) + ((c[7] & 0x20u) << 4) + 2u;
    unsigned vde = c[0x12] + ((c[7] & 0x02u) << 7) + ((c[7] & 0x40u) << 3) + 1u;
    unsigned vrs = c[0x10] + ((c[7] & 0x04u) << 6) + ((c[7] & 0x80u) << 2);
    unsigned vrlen = ((c[0x11] & 0x0Fu) - (vrs & 0x0Fu)) & 0x0Fu;
    if (htotal < 10 || vtotal < 10 || vde > vtotal) {
        htotal = 100, hde = 80, char_dots = 8;
        vtotal = 449, vde = 400, vrs = 412, vrlen = 2;
    }
    if (vrlen == 0)
        vrlen = 16;
    uint64_t line_ps = (uint64_t)htotal * char_dots * 1000000000000ull / dot_hz;
    uint64_t frame_ps = line_ps * vtotal;
    uint64_t t = clock_now(v->m) * 1000ull;
    uint64_t in_frame = t % frame_ps;
    unsigned line = (unsigned)(in_frame / line_ps);
    uint64_t in_line = in_frame % line_ps;
    bool hblank = in_line >= line_ps * hde / htotal;
    *vretrace = line >= vrs && line < vrs + vrlen;
    *blank = hblank || line >= vde;
    *frame = t / frame_ps;
}

static void vga_reset_regs(struct vga *v)
{
    memset(&v->r, 0, sizeof v->r);
    v->r.dac_pel_mask = 0xFF;
    v->r.gc[8] = 0xFF;
    v->r.seq[2] = 0x0F;
    v->r.attr_index = 0x20;
    vbe_reset(v);
    vga_touch(v);
}

static void vga_reset_hook(void *opaque)
{
    vga_reset_regs(opaque);
}

static void vga_free_hook(void *opaque)
{
    struct vga *v = opaque;
    vga_free(v->m);
}

/* A VGA BIOS image from the user (-vgabios) goes where the card's ROM is;
 * the system BIOS finds it by its 55 AA signature. */
static int load_vgabios(struct vga *v, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return machine_error(v->m, "cannot open the VGA BIOS %s", path);
    size_t n = fread(v->rom, 1, VGA_ROM_SIZE, f);
    bool too_big = fgetc(f) != EOF;
    fclose(f);
    if (n < 3 || too_big || v->rom[0] != 0x55 || v->rom[1] != 0xAA)
        return machine_error(v->m, "%s is not a VGA BIOS image of at most %u KB", path, VGA_ROM_SIZE >> 10);
    mem_map_host(v->m, VGA_ROM_BASE, (uint32_t)((n + 0xFFF) & ~(size_t)0xFFF), v->rom, false);
    v->rom_external = true;
    return 0;
}

static int vga_state_fn(struct state *s, void *opaque);

int vga_init(struct machine *m)
{
    struct vga *v = calloc(1, sizeof *v);
    if (!v)
        return machine_error(m, "vga: out of memory");
    v->m = m;
    v->vram = calloc(1, VGA_VRAM_SIZE);
    v->rom = calloc(1, VGA_ROM_SIZE);
    if (!v->vram || !v->rom) {
        free(v->vram);
        free(v->rom);
        free(v);
        return machine_error(m, "vga: cannot allocate %u MB of video memory", VGA_VRAM_SIZE >> 20);
    }
    m->vga = v;
    vga_reset_regs(v);
    if (bus_register_io(m, 0x3B0, 0x30, vga_io_read, vga_io_write, v, IO_BYTES) < 0 ||
        vga_mem_register(v) < 0 || vbe_register(v) < 0) {
        vga_free(m);
        return machine_error(m, "vga: the I/O or MMIO bus is full");
    }
    if (machine_register_device(m, "vga", v, vga_reset_hook, vga_free_hook) < 0) {
        vga_free(m);
        return -1;
    }
    machine_device_state(m, v, 1, vga_state_fn);
    if (m->cfg.vgabios_file && load_vgabios(v, m->cfg.vgabios_file) < 0)
        return -1;
    return 0;
}

void vga_reset(struct machine *m)
{
    struct vga *v = vga_of(m);
    if (v)
        vga_reset_regs(v);
}

void vga_free(struct machine *m)
{
    struct vga *v = vga_of(m);
    if (!v)
        return;
    free(v->vram);
    free(v->rom);
    free(v->fb);
    free(v);
    m->vga = NULL;
}

uint8_t *vga_rom(struct machine *m)
{
    struct vga *v = vga_of(m);
    return v && !v->rom_external ? v->rom : NULL;
}

/* The state stream's section (devices/board/state.h): registers, DAC,
 * latches, the Bochs VBE registers, video memory and the option ROM. */
static int vga_state_fn(struct state *s, void *opaque)
{
    struct vga *v = opaque;
    struct vga_regs *r = &v->r;
    STATE(s, r->misc);
    STATE(s, r->feature);
    STATE(s, r->seq_index);
    STATE_ARRAY(s, r->seq);
    STATE(s, r->crtc_index);
    STATE_ARRAY(s, r->crtc);
    STATE(s, r->gc_index);
    STATE_ARRAY(s, r->gc);
    STATE(s, r->attr_index);
    STATE_ARRAY(s, r->attr);
    STATE(s, r->attr_flipflop);
    STATE(s, r->dac_write_index);
    STATE(s, r->dac_read_index);
    STATE(s, r->dac_sub);
    STATE(s, r->dac_state);
    STATE(s, r->dac_pel_mask);
    STATE_ARRAY(s, r->dac_latch);
    state_bytes(s, r->dac, sizeof(r->dac));
    STATE(s, r->latch);
    STATE(s, r->dispi_index);
    STATE_ARRAY(s, r->dispi);
    state_pages(s, v->vram, VGA_VRAM_SIZE);
    state_bytes(s, v->rom, VGA_ROM_SIZE);
    if (state_loading(s)) {
        if (r->dac_sub > 2)
            r->dac_sub = 0;
        vga_touch(v);
    }
    return 0;
}
