/* VGA and video BIOS tests on a bare machine: planar write/read modes and
 * latches, chain-4 and mode X addressing, the DAC, retrace timing, text
 * rendering and dumps, INT 10h services, and VBE dispi with the LFB. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bios/video.h"
#include "devices/board/machine.h"
#include "devices/video/vga.h"

#include "check.h"
#define CHECK_EQ(a, b)                                                                                       \
    do {                                                                                                     \
        unsigned long long a_ = (unsigned long long)(a), b_ = (unsigned long long)(b);                       \
        if (a_ != b_) {                                                                                      \
            fprintf(stderr, "%s:%d: %s == 0x%llx, expected 0x%llx\n", __FILE__, __LINE__, #a, a_, b_);       \
            failures++;                                                                                      \
        }                                                                                                    \
    } while (0)

static struct machine *new_machine(void)
{
    struct machine_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.cpu_model = CPU_PENTIUM2;
    cfg.ram_mb = 4;
    cfg.bare = true;
    char err[256];
    struct machine *m = machine_create(&cfg, err, sizeof err);
    if (!m) {
        fprintf(stderr, "machine_create: %s\n", err);
        exit(1);
    }
    if (vga_init(m) < 0) {
        fprintf(stderr, "vga_init: %s\n", m->error);
        exit(1);
    }
    return m;
}

static void outb(struct machine *m, uint16_t port, uint8_t v)
{
    bus_io_write(m, port, v, 1);
}
static uint8_t inb(struct machine *m, uint16_t port)
{
    return (uint8_t)bus_io_read(m, port, 1);
}
static void seq(struct machine *m, uint8_t i, uint8_t v)
{
    outb(m, 0x3C4, i), outb(m, 0x3C5, v);
}
static void gc(struct machine *m, uint8_t i, uint8_t v)
{
    outb(m, 0x3CE, i), outb(m, 0x3CF, v);
}
static void crtc(struct machine *m, uint8_t i, uint8_t v)
{
    outb(m, 0x3D4, i), outb(m, 0x3D5, v);
}
static uint8_t rd(struct machine *m, uint32_t a)
{
    uint8_t v;
    mem_read_block(m, a, &v, 1);
    return v;
}
static void wr(struct machine *m, uint32_t a, uint8_t v)
{
    mem_write_block(m, a, &v, 1);
}

static uint8_t plane_byte(struct machine *m, int plane, uint32_t a)
{
    gc(m, 4, (uint8_t)plane);
    return rd(m, a);
}

/* Planar 16-colour memory: every write mode, both read modes, latches,
 * set/reset, rotate and the logical functions. */
static void test_planar(void)
{
    struct machine *m = new_machine();
    outb(m, 0x3C2, 0xE3);
    seq(m, 2, 0x0F);
    seq(m, 4, 0x06); /* planar, no odd/even */
    gc(m, 6, 0x05);  /* graphics, A0000 64K */
    gc(m, 5, 0x00);
    gc(m, 8, 0xFF);

    /* Write mode 0, set/reset on planes 0 and 2 through bit mask F0. */
    gc(m, 1, 0x0F);
    gc(m, 0, 0x05);
    gc(m, 8, 0xF0);
    rd(m, 0xA0000);
    wr(m, 0xA0000, 0x00);
    CHECK_EQ(plane_byte(m, 0, 0xA0000), 0xF0);
    CHECK_EQ(plane_byte(m, 1, 0xA0000), 0x00);
    CHECK_EQ(plane_byte(m, 2, 0xA0000), 0xF0);
    CHECK_EQ(plane_byte(m, 3, 0xA0000), 0x00);

    /* Read mode 1: colour compare 5 on all planes. */
    gc(m, 5, 0x08);
    gc(m, 2, 0x05);
    gc(m, 7, 0x0F);
    CHECK_EQ(rd(m, 0xA0000), 0xF0);
    gc(m, 2, 0x00);
    CHECK_EQ(rd(m, 0xA0000), 0x0F);
    gc(m, 7, 0x00); /* nothing cared about: all match */
    CHECK_EQ(rd(m, 0xA0000), 0xFF);

    /* Write mode 1 copies the latches to another address. */
    gc(m, 5, 0x01);
    rd(m, 0xA0000);
    wr(m, 0xA0010, 0x12);
    gc(m, 5, 0x00);
    CHECK_EQ(plane_byte(m, 0, 0xA0010), 0xF0);
    CHECK_EQ(plane_byte(m, 2, 0xA0010), 0xF0);
    CHECK_EQ(plane_byte(m, 1, 0xA0010), 0x00);

    /* Write mode 2: colour 0Ah into the last pixel of the byte only. */
    gc(m, 1, 0x00);
    gc(m, 5, 0x02);
    gc(m, 8, 0x01);
    rd(m, 0xA0000);
    wr(m, 0xA0000, 0x0A);
    gc(m, 5, 0x00);
    CHECK_EQ(plane_byte(m, 0, 0xA0000), 0xF0);
    CHECK_EQ(plane_byte(m, 1, 0xA0000), 0x01);
    CHECK_EQ(plane_byte(m, 2, 0xA0000), 0xF0);
    CHECK_EQ(plane_byte(m, 3, 0xA0000), 0x01);

    /* Write mode 3: set/reset colour, bit mask AND rotated data. */
    gc(m, 8, 0xFF);
    gc(m, 0, 0x0C);
    gc(m, 5, 0x03);
    gc(m, 3, 0x04); /* rotate right by 4 */
    rd(m, 0xA0020);
    wr(m, 0xA0020, 0x03); /* rotated: 0x30 */
    gc(m, 5, 0x00);
    gc(m, 3, 0x00);
    CHECK_EQ(plane_byte(m, 0, 0xA0020), 0x00);
    CHECK_EQ(plane_byte(m, 2, 0xA0020), 0x30);
    CHECK_EQ(plane_byte(m, 3, 0xA0020), 0x30);

    /* Write mode 0 with XOR against the latches, map mask plane 1 only. */
    gc(m, 3, 0x18);
    seq(m, 2, 0x02);
    gc(m, 4, 1);
    rd(m, 0xA0000); /* latch plane 1 = 0x01 */
    wr(m, 0xA0000, 0xFF);
    gc(m, 3, 0x00);
    seq(m, 2, 0x0F);
    CHECK_EQ(plane_byte(m, 1, 0xA0000), 0xFE);
    CHECK_EQ(plane_byte(m, 0, 0xA0000), 0xF0);

    /* Rendering: a 640x480x16 CRTC set up by hand. */
    crtc(m, 0x11, 0x00);
    crtc(m, 0x01, 0x4F); /* 80 character clocks */
    crtc(m, 0x07, 0x3E);
    crtc(m, 0x09, 0x40);
    crtc(m, 0x12, 0xDF);
    crtc(m, 0x13, 0x28);
    crtc(m, 0x14, 0x00);
    crtc(m, 0x17, 0xE3);
    inb(m, 0x3DA);
    for (int i = 0; i < 16; i++) {
        outb(m, 0x3C0, (uint8_t)i);
        outb(m, 0x3C0, (uint8_t)i);
    }
    outb(m, 0x3C0, 0x10);
    outb(m, 0x3C0, 0x01);
    outb(m, 0x3C0, 0x12);
    outb(m, 0x3C0, 0x0F);
    outb(m, 0x3C0, 0x20);
    outb(m, 0x3C8, 0x07);
    outb(m, 0x3C9, 63), outb(m, 0x3C9, 0), outb(m, 0x3C9, 0);
    outb(m, 0x3C9, 0), outb(m, 0x3C9, 63), outb(m, 0x3C9, 0);
    uint32_t *px;
    int w, h;
    CHECK(vga_render(m, &px, &w, &h) >= 0);
    CHECK_EQ(w, 640);
    CHECK_EQ(h, 480);
    /* byte 0: planes 0 and 2 = F0, plane 1 = FE, plane 3 = 01: pixels
     * 0-3 colour 7 (red), 4-6 colour 2 (black), 7 colour 8 (green) */
    CHECK_EQ(px[0], 0xFFFF0000);
    CHECK_EQ(px[3], 0xFFFF0000);
    CHECK_EQ(px[4], 0xFF000000);
    CHECK_EQ(px[7], 0xFF00FF00);
    machine_destroy(m);
}

/* Mode 13h through the video BIOS, then mode X by unchaining by hand. */
static void test_mode13_and_x(void)
{
    struct machine *m = new_machine();
    bios_video_init(m);
    m->cpu.EAX = 0x0013;
    bios_int10(m);
    CHECK_EQ(rd(m, 0x449), 0x13);
    CHECK_EQ(inb(m, 0x3CC), 0x63);

    wr(m, 0xA0000 + 10 * 320 + 7, 0x28); /* default palette 28h: bright red */
    uint32_t *px;
    int w, h;
    vga_render(m, &px, &w, &h);
    CHECK_EQ(w, 320);
    CHECK_EQ(h, 200);
    CHECK_EQ(px[10 * 320 + 7], 0xFFFF0000);
    CHECK_EQ(px[10 * 320 + 6], 0xFF000000);
    CHECK_EQ(rd(m, 0xA0000 + 10 * 320 + 7), 0x28);
    /* The right half too: a 256-colour character clock is 4 pixels, and the
     * renderer once cut the line at 40 clocks of 8. */
    wr(m, 0xA0000 + 10 * 320 + 319, 0x28);
    vga_render(m, &px, &w, &h);
    CHECK_EQ(px[10 * 320 + 319], 0xFFFF0000);

    /* INT 10h AH=0Ch/0Dh agree with memory. */
    m->cpu.EAX = 0x0C0F;
    m->cpu.ECX = 100, m->cpu.EDX = 50, m->cpu.EBX = 0;
    bios_int10(m);
    CHECK_EQ(rd(m, 0xA0000 + 50 * 320 + 100), 0x0F);
    m->cpu.EAX = 0x0D00;
    bios_int10(m);
    CHECK_EQ(m->cpu.EAX & 0xFF, 0x0F);

    /* Mode X: chain-4 off, byte addressing; pixel x lives in plane x & 3
     * at offset y * 80 + x / 4. */
    seq(m, 4, 0x06);
    crtc(m, 0x14, 0x00);
    crtc(m, 0x17, 0xE3);
    seq(m, 2, 1 << (13 & 3));
    wr(m, 0xA0000 + 20 * 80 + 13 / 4, 0x20); /* blue */
    seq(m, 2, 0x0F);
    vga_render(m, &px, &w, &h);
    CHECK_EQ(w, 320);
    CHECK_EQ(px[20 * 320 + 13], 0xFF0000FF);
    CHECK_EQ(px[20 * 320 + 12], 0xFF000000);
    /* start address scrolls by whole plane bytes (4 pixels) */
    crtc(m, 0x0C, 0x00);
    crtc(m, 0x0D, 80);
    vga_render(m, &px, &w, &h);
    CHECK_EQ(px[19 * 320 + 13], 0xFF0000FF);
    machine_destroy(m);
}

static void test_dac_and_status(void)
{
    struct machine *m = new_machine();
    outb(m, 0x3C2, 0x67);
    outb(m, 0x3C8, 7);
    outb(m, 0x3C9, 0x3F), outb(m, 0x3C9, 0x55), outb(m, 0x3C9, 0x10);
    CHECK_EQ(inb(m, 0x3C8), 8);
    outb(m, 0x3C7, 7);
    CHECK_EQ(inb(m, 0x3C7), 3);
    CHECK_EQ(inb(m, 0x3C9), 0x3F);
    CHECK_EQ(inb(m, 0x3C9), 0x15); /* 6-bit components */
    CHECK_EQ(inb(m, 0x3C9), 0x10);
    CHECK_EQ(inb(m, 0x3C7), 3);

    /* Attribute flip-flop: reading input status 1 makes the next write an
     * index again. */
    inb(m, 0x3DA);
    outb(m, 0x3C0, 0x01);
    outb(m, 0x3C0, 0x3A);
    outb(m, 0x3C0, 0x02); /* index again */
    inb(m, 0x3DA);
    outb(m, 0x3C0, 0x01);
    CHECK_EQ(inb(m, 0x3C1), 0x3A);
    CHECK_EQ(inb(m, 0x3C0), 0x01);

    /* CRTC ports follow misc output bit 0. */
    outb(m, 0x3D4, 0x13);
    outb(m, 0x3D5, 0x28);
    CHECK_EQ(inb(m, 0x3D5), 0x28);
    CHECK_EQ(inb(m, 0x3B5), 0xFF);
    outb(m, 0x3C2, 0x66);
    outb(m, 0x3B4, 0x13);
    CHECK_EQ(inb(m, 0x3B5), 0x28);
    outb(m, 0x3C2, 0x67);

    /* Vertical retrace comes and goes with virtual time, deterministically. */
    int seen_retrace = 0, seen_active = 0, transitions = 0, last = -1;
    for (int i = 0; i < 4000; i++) {
        m->cpu.icount += 1000; /* 10 us at 100 MIPS */
        int r = (inb(m, 0x3DA) & 0x08) != 0;
        seen_retrace += r;
        seen_active += (inb(m, 0x3DA) & 0x01) == 0;
        if (last >= 0 && r != last)
            transitions++;
        last = r;
    }
    CHECK(seen_retrace > 0);
    CHECK(seen_active > 0);
    CHECK(transitions >= 4 && transitions <= 8); /* ~70 Hz over 40 ms of 10 us steps: 2-3 frames */
    machine_destroy(m);
}

static char screen_text[256];
static size_t screen_len;
static void text_sink(void *opaque, const char *src, const uint8_t *buf, size_t len)
{
    (void)opaque;
    if (strcmp(src, "screen") != 0)
        return;
    for (size_t i = 0; i < len && screen_len + 1 < sizeof screen_text; i++)
        screen_text[screen_len++] = (char)buf[i];
}

static void int10(struct machine *m, uint16_t ax, uint16_t bx, uint16_t cx, uint16_t dx)
{
    m->cpu.EAX = ax, m->cpu.EBX = bx, m->cpu.ECX = cx, m->cpu.EDX = dx;
    bios_int10(m);
}

/* Mode 3 text through INT 10h: teletype, cursor, scrolling, the dump, and
 * the rendered glyph matching the ROM font. */
static void test_text(void)
{
    struct machine *m = new_machine();
    m->text_out = text_sink;
    bios_video_init(m);
    CHECK_EQ(rd(m, 0x449), 3);
    CHECK_EQ(rd(m, 0x44A), 80);
    CHECK_EQ(rd(m, 0x484), 24);
    CHECK_EQ(rd(m, 0x485), 16);
    const char *msg = "Hello, rex86!\r\nSecond line\r\n";
    for (const char *p = msg; *p; p++)
        int10(m, (uint16_t)(0x0E00 | (uint8_t)*p), 0, 0, 0);
    CHECK(strcmp(screen_text, msg) == 0);
    int10(m, 0x0300, 0, 0, 0);
    CHECK_EQ(m->cpu.EDX & 0xFFFF, 0x0200);

    char dump[4096];
    int n = vga_text_dump(m, dump, sizeof dump);
    CHECK(n > 0);
    CHECK(strncmp(dump, "Hello, rex86!\nSecond line\n\n", 27) == 0);

    /* Box drawing and attributes via AH=09h. */
    int10(m, 0x0200, 0, 0, 0x0300);
    int10(m, 0x09C9, 0x001E, 3, 0);
    CHECK_EQ(rd(m, 0xB8000 + 3 * 160), 0xC9);
    CHECK_EQ(rd(m, 0xB8000 + 3 * 160 + 1), 0x1E);
    n = vga_text_dump(m, dump, sizeof dump);
    CHECK(strstr(dump, "\n+++\n") != NULL);

    /* Render: 720x400; the 'H' cell's pixels follow the ROM 8x16 font. */
    uint32_t *px;
    int w, h;
    CHECK_EQ(vga_render(m, &px, &w, &h), 1);
    CHECK_EQ(w, 720);
    CHECK_EQ(h, 400);
    uint8_t font[256 * 16];
    vga_font_build(font, 16);
    int mismatches = 0;
    for (int y = 0; y < 16; y++)
        for (int x = 0; x < 9; x++) {
            int on = x < 8 && (font['H' * 16 + y] & (0x80 >> x));
            uint32_t want = on ? 0xFFAAAAAA : 0xFF000000;
            if (px[y * 720 + x] != want)
                mismatches++;
        }
    CHECK_EQ(mismatches, 0);
    /* unchanged picture, same blink phase: no redraw needed */
    CHECK_EQ(vga_render(m, &px, &w, &h), 0);

    /* Scroll the whole screen up by one line: "Second line" moves to row 0. */
    int10(m, 0x0601, 0x0700, 0x0000, 0x184F);
    n = vga_text_dump(m, dump, sizeof dump);
    CHECK(strncmp(dump, "Second line\n", 12) == 0);

    /* AH=13h write string with attributes, cursor updated. */
    static const uint8_t str[] = {'O', 0x4F, 'K', 0x2F};
    mem_write_block(m, 0x7000, str, sizeof str);
    cpu_load_seg_real(&m->cpu, S_ES, 0x0700);
    m->cpu.EBP = 0;
    int10(m, 0x1303, 0x0000, 2, 0x0A05);
    CHECK_EQ(rd(m, 0xB8000 + 10 * 160 + 10), 'O');
    CHECK_EQ(rd(m, 0xB8000 + 10 * 160 + 11), 0x4F);
    CHECK_EQ(rd(m, 0x450), 7);
    CHECK_EQ(rd(m, 0x451), 10);

    /* AH=0Fh, AH=12h BL=10h, AH=1Ah, AX=1130h. */
    int10(m, 0x0F00, 0, 0, 0);
    CHECK_EQ(m->cpu.EAX & 0xFFFF, 0x5003);
    int10(m, 0x1200, 0x0010, 0, 0);
    CHECK_EQ(m->cpu.EBX & 0xFFFF, 0x0003);
    int10(m, 0x1A00, 0, 0, 0);
    CHECK_EQ(m->cpu.EAX & 0xFF, 0x1A);
    CHECK_EQ(m->cpu.EBX & 0xFF, 0x08);
    m->cpu.EBX = 0x0600;
    int10(m, 0x1130, 0x0600, 0, 0);
    CHECK_EQ(m->cpu.seg[S_ES].sel, 0xC000);
    CHECK_EQ(m->cpu.ECX & 0xFFFF, 16);
    uint8_t g[16];
    mem_read_block(m, 0xC0000 + (m->cpu.EBP & 0xFFFF) + 'A' * 16, g, 16);
    CHECK(memcmp(g, font + 'A' * 16, 16) == 0);

    /* 8x8 font: 50 rows. */
    int10(m, 0x1112, 0, 0, 0);
    CHECK_EQ(rd(m, 0x484), 49);
    CHECK_EQ(rd(m, 0x485), 8);
    machine_destroy(m);
}

/* Planar mode 12h through the BIOS: characters and pixels. */
static void test_mode12(void)
{
    struct machine *m = new_machine();
    bios_video_init(m);
    int10(m, 0x0012, 0, 0, 0);
    int10(m, 0x0C0E, 0, 3, 2); /* yellow pixel at (3,2) */
    int10(m, 0x0D00, 0, 3, 2);
    CHECK_EQ(m->cpu.EAX & 0xFF, 0x0E);
    int10(m, 0x0E41, 0x000F, 0, 0); /* 'A' in white at row 0 */
    int10(m, 0x0200, 0, 0, 0);
    int10(m, 0x0800, 0, 0, 0);
    CHECK_EQ(m->cpu.EAX & 0xFF, 'A');
    CHECK_EQ(vga_text_dump(m, (char[8]){0}, 8), -1);
    uint32_t *px;
    int w, h;
    vga_render(m, &px, &w, &h);
    CHECK_EQ(w, 640);
    CHECK_EQ(h, 480);
    uint8_t font[256 * 16];
    vga_font_build(font, 16);
    int bad = 0;
    for (int y = 0; y < 16; y++)
        for (int x = 0; x < 8; x++)
            bad += (px[y * 640 + x] == 0xFFFFFFFF) != !!(font['A' * 16 + y] & (0x80 >> x));
    CHECK_EQ(bad, 0);
    machine_destroy(m);
}

/* Bochs VBE: the dispi registers directly, then through INT 10h 4Fxx. */
static void test_vbe(void)
{
    struct machine *m = new_machine();
    bus_io_write(m, 0x1CE, 0, 2);
    CHECK_EQ(bus_io_read(m, 0x1CF, 2), 0xB0C5);
    bus_io_write(m, 0x1CE, 4, 2);
    bus_io_write(m, 0x1CF, 0x02, 2); /* GETCAPS */
    bus_io_write(m, 0x1CE, 1, 2);
    CHECK(bus_io_read(m, 0x1CF, 2) >= 1024);
    bus_io_write(m, 0x1CE, 4, 2);
    bus_io_write(m, 0x1CF, 0x00, 2);
    static const uint16_t setup[][2] = {{1, 800}, {2, 600}, {3, 32}, {4, 0x41}};
    for (int i = 0; i < 4; i++) {
        bus_io_write(m, 0x1CE, setup[i][0], 2);
        bus_io_write(m, 0x1CF, setup[i][1], 2);
    }
    uint32_t pix = 0x00123456;
    mem_write_block(m, VGA_LFB_BASE + (5 * 800 + 9) * 4, &pix, 4);
    uint32_t *px;
    int w, h;
    CHECK_EQ(vga_render(m, &px, &w, &h), 1);
    CHECK_EQ(w, 800);
    CHECK_EQ(h, 600);
    CHECK_EQ(px[5 * 800 + 9], 0xFF123456);
    /* The banked window sees the same memory. */
    bus_io_write(m, 0x1CE, 5, 2);
    bus_io_write(m, 0x1CF, 0, 2);
    CHECK_EQ(rd(m, 0xA0000 + (5 * 800 + 9) * 4 + 1), 0x34);
    /* Y offset pans the picture. */
    bus_io_write(m, 0x1CE, 9, 2);
    bus_io_write(m, 0x1CF, 5, 2);
    vga_render(m, &px, &w, &h);
    CHECK_EQ(px[9], 0xFF123456);
    CHECK_EQ(vga_text_dump(m, (char[8]){0}, 8), -1);

    /* INT 10h: controller info, mode info, set mode 0x4111 (640x480x16). */
    bios_video_init(m);
    cpu_load_seg_real(&m->cpu, S_ES, 0x0800);
    m->cpu.EDI = 0;
    int10(m, 0x4F00, 0, 0, 0);
    CHECK_EQ(m->cpu.EAX & 0xFFFF, 0x004F);
    uint8_t info[256];
    mem_read_block(m, 0x8000, info, sizeof info);
    CHECK(memcmp(info, "VESA", 4) == 0);
    uint32_t list = (uint32_t)(info[16] | info[17] << 8) * 16u + (uint32_t)(info[14] | info[15] << 8);
    int found = 0;
    for (int i = 0; i < 64; i++) {
        uint16_t mode;
        mem_read_block(m, list + 2u * (uint32_t)i, &mode, 2);
        if (mode == 0xFFFF)
            break;
        found += mode == 0x111;
    }
    CHECK_EQ(found, 1);
    int10(m, 0x4F01, 0, 0x111, 0);
    CHECK_EQ(m->cpu.EAX & 0xFFFF, 0x004F);
    mem_read_block(m, 0x8000, info, sizeof info);
    CHECK_EQ(info[18] | info[19] << 8, 640);
    CHECK_EQ(info[25], 16);
    uint32_t lfb;
    memcpy(&lfb, info + 40, 4);
    CHECK_EQ(lfb, VGA_LFB_BASE);
    int10(m, 0x4F02, 0x4111, 0, 0);
    CHECK_EQ(m->cpu.EAX & 0xFFFF, 0x004F);
    int10(m, 0x4F03, 0, 0, 0);
    CHECK_EQ(m->cpu.EBX & 0xFFFF, 0x4111);
    uint16_t c16 = 0xF800; /* red */
    mem_write_block(m, VGA_LFB_BASE + 2 * 640 * 2 + 4, &c16, 2);
    vga_render(m, &px, &w, &h);
    CHECK_EQ(w, 640);
    CHECK_EQ(px[2 * 640 + 2], 0xFFFF0000);
    /* logical scan line of 1024 pixels */
    int10(m, 0x4F06, 0x0000, 1024, 0);
    CHECK_EQ(m->cpu.EBX & 0xFFFF, 2048);
    /* back to text */
    int10(m, 0x0003, 0, 0, 0);
    CHECK(vga_text_dump(m, (char[8]){0}, 8) >= 0);
    machine_destroy(m);
}

int main(void)
{
    test_planar();
    test_mode13_and_x();
    test_dac_and_status();
    test_text();
    test_mode12();
    test_vbe();
    if (failures) {
        fprintf(stderr, "vga_test: %d failure(s)\n", failures);
        return 1;
    }
    printf("vga_test: ok\n");
    return 0;
}
