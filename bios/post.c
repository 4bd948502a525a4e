/* POST: the shutdown-resume check, memory sizing, IVT/BDA/EBDA, PIC, PIT,
 * RTC and keyboard controller set up through their ports, drives, video,
 * and the option ROM scan. */
#include <string.h>

#include "bios/bios_priv.h"
#include "bios/video.h"

#define EBDA_SEG  0x9FC0u
#define STACK_TOP 0x7C00u

/* CMOS 0Fh says why the CPU was reset: a 286 leaving protected mode asks to
 * resume through the pointer at 40:67 instead of a full POST. */
static int shutdown_resume(struct machine *m)
{
    uint8_t why = bios_cmos_read(m, 0x0F);
    bios_cmos_write(m, 0x0F, 0);
    struct cpu *c = &m->cpu;
    switch (why) {
    case 0x05: /* EOI, then JMP FAR [40:67] */
        bios_outb(m, 0x20, 0x20);
        bios_outb(m, 0xA0, 0x20);
        return 1;
    case 0x0A: return 1;
    case 0x0B:
    case 0x0C: {
        uint16_t sp = bios_rd16(m, BDA(0x67)), ss = bios_rd16(m, BDA(0x69));
        cpu_load_seg_real(c, S_SS, ss);
        R_SP(c) = sp;
        return why == 0x0B ? 2 : 3;
    }
    default: return 0;
    }
}

static void pic_init(struct machine *m)
{
    /* ICW1 edge/cascade/ICW4, ICW2 vector base, ICW3 wiring, ICW4 8086. */
    bios_outb(m, 0x20, 0x11);
    bios_outb(m, 0x21, 0x08);
    bios_outb(m, 0x21, 0x04);
    bios_outb(m, 0x21, 0x01);
    bios_outb(m, 0xA0, 0x11);
    bios_outb(m, 0xA1, 0x70);
    bios_outb(m, 0xA1, 0x02);
    bios_outb(m, 0xA1, 0x01);
    /* Timer, keyboard, cascade and floppy on the master; RTC on the slave
     * (it only interrupts once INT 15h/86h enables the periodic rate). */
    bios_outb(m, 0x21, 0xB8);
    bios_outb(m, 0xA1, 0xFE);
}

static void pit_init(struct machine *m)
{
    bios_outb(m, 0x43, 0x36); /* channel 0, lo/hi, mode 3: 18.2 Hz */
    bios_outb(m, 0x40, 0x00);
    bios_outb(m, 0x40, 0x00);
    bios_outb(m, 0x43, 0x54); /* channel 1, lo, mode 2: DRAM refresh */
    bios_outb(m, 0x41, 18);
}

static void kbc_init(struct machine *m)
{
    /* Drain anything pending, then command byte: translate to set 1, system
     * flag, keyboard IRQ on; mouse clock off until a driver asks. */
    for (int k = 0; k < 16 && (bios_inb(m, 0x64) & 1); k++)
        bios_inb(m, 0x60);
    bios_outb(m, 0x64, 0x60);
    bios_outb(m, 0x60, 0x65);
    bios_outb(m, 0x64, 0xAE);
    for (int k = 0; k < 16 && (bios_inb(m, 0x64) & 1); k++)
        bios_inb(m, 0x60);
}

static void cmos_memory(struct machine *m, uint32_t base_kb, uint32_t ext_kb, uint32_t above16_64k)
{
    uint16_t ext = ext_kb > 0xFFFF ? 0xFFFF : (uint16_t)ext_kb;
    bios_cmos_write(m, 0x15, (uint8_t)base_kb);
    bios_cmos_write(m, 0x16, (uint8_t)(base_kb >> 8));
    bios_cmos_write(m, 0x17, (uint8_t)ext);
    bios_cmos_write(m, 0x18, (uint8_t)(ext >> 8));
    bios_cmos_write(m, 0x30, (uint8_t)ext);
    bios_cmos_write(m, 0x31, (uint8_t)(ext >> 8));
    uint16_t hi = above16_64k > 0xFFFF ? 0xFFFF : (uint16_t)above16_64k;
    bios_cmos_write(m, 0x34, (uint8_t)hi);
    bios_cmos_write(m, 0x35, (uint8_t)(hi >> 8));
}

static void cmos_checksum(struct machine *m)
{
    uint16_t sum = 0;
    for (uint8_t r = 0x10; r <= 0x2D; r++)
        sum = (uint16_t)(sum + bios_cmos_read(m, r));
    bios_cmos_write(m, 0x2E, (uint8_t)(sum >> 8));
    bios_cmos_write(m, 0x2F, (uint8_t)sum);
}

/* A UART answers in its scratch register; an empty port reads back 0xFF. */
static bool uart_present(struct machine *m, uint16_t base)
{
    bios_outb(m, base + 7, 0x5A);
    if (bios_inb(m, base + 7) != 0x5A)
        return false;
    bios_outb(m, base + 7, 0xA5);
    return bios_inb(m, base + 7) == 0xA5;
}

static bool lpt_present(struct machine *m, uint16_t base)
{
    bios_outb(m, base, 0xAA);
    return bios_inb(m, base) == 0xAA;
}

static void ivt_init(struct machine *m)
{
    struct bios *b = m->bios;
    for (int v = 0; v < 256; v++) {
        uint16_t off = b->ivt[v];
        bios_wr16(m, (uint32_t)v * 4, off);
        bios_wr16(m, (uint32_t)v * 4 + 2, off ? BIOS_SEG : 0);
    }
}

static void bda_init(struct machine *m)
{
    struct bios *b = m->bios;
    uint32_t ram = m->mem.ram_size;
    uint32_t base_kb = ram >= 0xA0000 ? 640 : ram / 1024;
    bool ebda = base_kb == 640;
    uint32_t ext_kb = ram > 0x100000 ? (ram - 0x100000) / 1024 : 0;
    uint32_t above16 = ram > 0x1000000 ? (ram - 0x1000000) / 65536 : 0;

    /* Clear the BDA (40:00-40:FF) and the rest of the low scratch area. */
    uint8_t zero[0x100];
    memset(zero, 0, sizeof(zero));
    bios_write(m, 0x400, zero, sizeof(zero));

    uint16_t com[4] = {0x3F8, 0x2F8, 0x3E8, 0x2E8}, lpt[3] = {0x378, 0x278, 0x3BC};
    int ncom = 0, nlpt = 0;
    for (int k = 0; k < 4; k++)
        if (uart_present(m, com[k])) {
            bios_wr16(m, BDA(0x00 + 2 * ncom), com[k]);
            bios_wr8(m, BDA(0x7C + ncom), 1); /* timeout */
            ncom++;
        }
    for (int k = 0; k < 3; k++)
        if (lpt_present(m, lpt[k])) {
            bios_wr16(m, BDA(0x08 + 2 * nlpt), lpt[k]);
            bios_wr8(m, BDA(0x78 + nlpt), 0x14);
            nlpt++;
        }
    if (ebda)
        bios_wr16(m, BDA(0x0E), EBDA_SEG);

    /* Equipment: FPU (x87 is always there), 80x25 colour, floppies,
     * serial and parallel counts. */
    uint16_t equip = 0x0002 | 0x0020;
    if (b->nfloppies) {
        equip |= 0x0001;
        equip |= (uint16_t)((b->nfloppies - 1) << 6);
    }
    equip |= (uint16_t)(ncom << 9);
    equip |= (uint16_t)(nlpt << 14);
    bios_wr16(m, BDA(0x10), equip);
    bios_wr16(m, BDA(0x13), (uint16_t)(ebda ? base_kb - 1 : base_kb));

    /* Keyboard: empty ring buffer at 40:1E-40:3D, 101-key keyboard. */
    bios_wr16(m, BDA(0x1A), 0x1E);
    bios_wr16(m, BDA(0x1C), 0x1E);
    bios_wr16(m, BDA(0x80), 0x1E);
    bios_wr16(m, BDA(0x82), 0x3E);
    bios_wr8(m, BDA(0x96), 0x10);
    bios_wr8(m, BDA(0x75), (uint8_t)b->nhdds);

    if (ebda) {
        uint8_t ez[1024];
        memset(ez, 0, sizeof(ez));
        ez[0] = 1; /* size in KB */
        bios_write(m, EBDA_SEG * 16u, ez, sizeof(ez));
    }
    cmos_memory(m, ebda ? base_kb - 1 : base_kb, ext_kb, above16);
    uint8_t eq = (uint8_t)(equip & 0xFF);
    bios_cmos_write(m, 0x14, eq);
}

void bios_post(struct machine *m)
{
    struct cpu *c = &m->cpu;
    int resume = shutdown_resume(m);
    R_AL(c) = (uint8_t)resume;
    if (resume)
        return;

    cpu_load_seg_real(c, S_SS, 0);
    c->ESP = STACK_TOP;
    cpu_load_seg_real(c, S_DS, 0);
    cpu_load_seg_real(c, S_ES, 0);

    ivt_init(m);
    pic_init(m);
    bios_apic_post(m);
    pit_init(m);
    bda_init(m);
    bios_time_post(m);
    kbc_init(m);
    bios_kbd_post(m);
    bios_disk_post(m);
    cmos_checksum(m);
    bios_video_init(m);
    m->bios->optrom_next = 0xC0000;
    R_AL(c) = 0;
}

/* Option ROMs at C0000-EFFFF: 55 AA, length in 512-byte blocks, a zero
 * checksum; each gets a FAR CALL to offset 3 (here: pushed return address
 * plus target, and the stub's RETF). */
void bios_optrom(struct machine *m)
{
    struct bios *b = m->bios;
    while (b->optrom_next < 0xF0000) {
        uint32_t at = b->optrom_next;
        uint8_t hdr[3];
        mem_read_block(m, at, hdr, 3);
        if (hdr[0] != 0x55 || hdr[1] != 0xAA || hdr[2] == 0) {
            b->optrom_next = at + 0x800;
            continue;
        }
        uint32_t len = hdr[2] * 512u;
        b->optrom_next = at + ((len + 0x7FF) & ~0x7FFu);
        if (at + len > 0xF0000)
            continue;
        uint8_t sum = 0, buf[512];
        for (uint32_t off = 0; off < len; off += 512) {
            mem_read_block(m, at + off, buf, 512);
            for (int k = 0; k < 512; k++)
                sum = (uint8_t)(sum + buf[k]);
        }
        if (sum != 0)
            continue;
        bios_push16(m, BIOS_SEG);
        bios_push16(m, b->rom_optrom_scan);
        bios_push16(m, (uint16_t)(at >> 4));
        bios_push16(m, 3);
        b->signal = true;
        return;
    }
}
