/* The ROM image at F000:0000-FFFF: the reset vector, POST and boot stubs,
 * one small stub per interrupt (rex86trap + IRET), the IBM fixed entry
 * points, and the tables old software reads from the ROM. */
#include <string.h>

#include "bios/bios_priv.h"

struct rom_asm {
    uint8_t *rom;
    uint16_t pc;
};

static void b1(struct rom_asm *a, uint8_t v)
{
    a->rom[a->pc++] = v;
}

static void bn(struct rom_asm *a, const uint8_t *v, int n)
{
    for (int k = 0; k < n; k++)
        b1(a, v[k]);
}
#define EMIT(a, ...) bn(a, (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}))

static void w1(struct rom_asm *a, uint16_t v)
{
    b1(a, (uint8_t)v);
    b1(a, (uint8_t)(v >> 8));
}

static void trap(struct rom_asm *a, uint8_t n)
{
    EMIT(a, 0x0F, 0x37, n);
}

/* A short conditional/unconditional jump to a later label: returns the
 * displacement byte's position for fwd_here(). */
static uint16_t fwd(struct rom_asm *a, uint8_t opcode)
{
    b1(a, opcode);
    b1(a, 0);
    return (uint16_t)(a->pc - 1);
}

static void fwd_here(struct rom_asm *a, uint16_t at)
{
    a->rom[at] = (uint8_t)(a->pc - (at + 1));
}

static void jmp_back(struct rom_asm *a, uint8_t opcode, uint16_t target)
{
    b1(a, opcode);
    b1(a, (uint8_t)(target - (a->pc + 1)));
}

static void jmp_near_at(uint8_t *rom, uint16_t at, uint16_t target)
{
    rom[at] = 0xE9;
    uint16_t rel = (uint16_t)(target - (at + 3));
    rom[at + 1] = (uint8_t)rel;
    rom[at + 2] = (uint8_t)(rel >> 8);
}

/* A service stub: trap; if the service asks to wait, STI, HLT (when the
 * trap set CF) and trap again; else IRET with the patched FLAGS image. */
static uint16_t emit_service(struct rom_asm *a, uint8_t num)
{
    uint16_t top = a->pc;
    trap(a, num);
    uint16_t done = fwd(a, 0x74); /* jz done */
    b1(a, 0xFB);                  /* sti */
    EMIT(a, 0x73, 0x01);          /* jnc +1 */
    b1(a, 0xF4);                  /* hlt */
    jmp_back(a, 0xEB, top);
    fwd_here(a, done);
    b1(a, 0xCF); /* iret */
    return top;
}

/* Writes a 16-bit handler address into a place at a fixed IBM offset: the
 * code itself lives elsewhere, the fixed spot holds a JMP NEAR. */
static void fixed_entry(uint8_t *rom, uint16_t fixed, uint16_t target)
{
    if (fixed != target)
        jmp_near_at(rom, fixed, target);
}

void bios_rom_build(struct machine *m)
{
    struct bios *b = m->bios;
    uint8_t *rom = b->rom;
    struct rom_asm as = {rom, 0x0100}, *a = &as;
    memset(rom, 0, BIOS_ROM_SIZE);
    memcpy(rom, "rex86 BIOS", 10);

    /* POST: reset lands here. The POST trap answers in AL whether this is
     * a shutdown-resume (CMOS 0Fh) rather than a cold start. */
    uint16_t post = a->pc;
    EMIT(a, 0xFA, 0xFC); /* cli; cld */
    trap(a, BT_POST);
    EMIT(a, 0x3C, 0x01);
    uint16_t j_far = fwd(a, 0x74);
    EMIT(a, 0x3C, 0x02);
    uint16_t j_iret = fwd(a, 0x74);
    EMIT(a, 0x3C, 0x03);
    uint16_t j_retf = fwd(a, 0x74);
    /* Option ROMs: the trap pushes a return to `scan` and the ROM's init
     * entry, so RETF calls it; ZF=1 means no more ROMs. */
    uint16_t scan = a->pc;
    trap(a, BT_OPTROM);
    EMIT(a, 0x74, 0x01, 0xCB); /* jz +1; retf */
    b->rom_optrom_scan = scan;
    trap(a, BT_POST_END);
    EMIT(a, 0xFB, 0xCD, 0x19); /* sti; int 19h */
    uint16_t halt = a->pc;
    EMIT(a, 0xFA, 0xF4); /* cli; hlt */
    jmp_back(a, 0xEB, halt);
    fwd_here(a, j_far);
    EMIT(a, 0x31, 0xC0, 0x8E, 0xD8, 0xFF, 0x2E, 0x67, 0x04); /* xor ax,ax; mov ds,ax; jmp far [467h] */
    fwd_here(a, j_iret);
    b1(a, 0xCF);
    fwd_here(a, j_retf);
    b1(a, 0xCB);

    /* INT 19h: the trap loads the boot sector, sets SS:SP and pushes the
     * entry point; ZF=0 means nothing booted: INT 18h. */
    uint16_t int19 = a->pc;
    trap(a, 0x19);
    EMIT(a, 0x75, 0x01, 0xCB); /* jnz +1; retf */
    EMIT(a, 0xCD, 0x18);
    jmp_back(a, 0xEB, halt);

    /* INT 18h: say so on the screen, then stop. */
    uint16_t int18 = a->pc;
    EMIT(a, 0xFB, 0x0E, 0x1F, 0xBE); /* sti; push cs; pop ds; mov si, msg */
    uint16_t msg_ref = a->pc;
    w1(a, 0);
    uint16_t lp = a->pc;
    EMIT(a, 0xAC, 0x08, 0xC0); /* lodsb; or al,al */
    uint16_t j_done = fwd(a, 0x74);
    EMIT(a, 0xB4, 0x0E, 0xBB, 0x07, 0x00, 0xCD, 0x10); /* mov ah,0Eh; mov bx,7; int 10h */
    jmp_back(a, 0xEB, lp);
    fwd_here(a, j_done);
    trap(a, 0x18);
    jmp_back(a, 0xEB, halt);
    uint16_t msg = a->pc;
    static const char nb[] = "\r\nNo bootable device.\r\n";
    bn(a, (const uint8_t *)nb, sizeof(nb));
    rom[msg_ref] = (uint8_t)msg;
    rom[msg_ref + 1] = (uint8_t)(msg >> 8);

    /* INT 08h: ticks, then the user hook INT 1Ch, then EOI. */
    uint16_t int08 = a->pc;
    trap(a, 0x08);
    EMIT(a, 0xCD, 0x1C, 0x50, 0xB0, 0x20, 0xFA, 0xE6, 0x20, 0x58, 0xCF);

    /* INT 09h: read the scan code here (a V86 monitor may virtualise port
     * 60h), offer it to INT 15h/4Fh, then translate it in C. */
    uint16_t int09 = a->pc;
    EMIT(a, 0x50, 0xE4, 0x60, 0xB4, 0x4F, 0xF9, 0xCD,
         0x15);                    /* push ax; in al,60h; mov ah,4Fh; stc; int 15h */
    uint16_t j_eoi = fwd(a, 0x73); /* jnc eoi: the hook ate it */
    trap(a, 0x09);
    EMIT(a, 0x74, 0x02, 0xCD, 0x1B); /* jz +2; int 1Bh (Ctrl-Break) */
    fwd_here(a, j_eoi);
    EMIT(a, 0xFA, 0xB0, 0x20, 0xE6, 0x20, 0x58, 0xCF);

    /* INT 70h: RTC; read register C here (acknowledges the RTC). */
    uint16_t int70 = a->pc;
    EMIT(a, 0x50, 0xB0, 0x0C, 0xE6, 0x70, 0xE4, 0x71); /* push ax; mov al,0Ch; out 70h,al; in al,71h */
    trap(a, 0x70);
    EMIT(a, 0x74, 0x02, 0xCD, 0x4A); /* jz +2; int 4Ah (alarm) */
    EMIT(a, 0xFA, 0xB0, 0x20, 0xE6, 0xA0, 0xE6, 0x20, 0x58, 0xCF);

    /* Default IRQ handlers: EOI and return. */
    uint16_t irq_master = a->pc;
    EMIT(a, 0x50, 0xB0, 0x20, 0xE6, 0x20, 0x58, 0xCF);
    uint16_t irq_slave = a->pc;
    EMIT(a, 0x50, 0xB0, 0x20, 0xE6, 0xA0, 0xE6, 0x20, 0x58, 0xCF);
    /* IRQ9 is the AT's old IRQ2 line: EOI the slave, run INT 0Ah. */
    uint16_t int71 = a->pc;
    EMIT(a, 0x50, 0xB0, 0x20, 0xE6, 0xA0, 0x58, 0xCD, 0x0A, 0xCF);
    /* IRQ13: clear the FPU busy latch, EOI, and report as NMI (AT). */
    uint16_t int75 = a->pc;
    EMIT(a, 0x50, 0x30, 0xC0, 0xE6, 0xF0, 0xB0, 0x20, 0xE6, 0xA0, 0xE6, 0x20, 0x58, 0xCD, 0x02, 0xCF);
    /* IRQ6 (floppy): set the "interrupt seen" bit, EOI. */
    uint16_t int0e = a->pc;
    trap(a, 0x0E);
    EMIT(a, 0x50, 0xB0, 0x20, 0xE6, 0x20, 0x58, 0xCF);

    /* Software services. */
    uint16_t s10 = emit_service(a, 0x10);
    uint16_t s11 = emit_service(a, 0x11);
    uint16_t s12 = emit_service(a, 0x12);
    uint16_t s13 = emit_service(a, 0x13);
    uint16_t s40 = emit_service(a, BT_FLOPPY);
    uint16_t s14 = emit_service(a, 0x14);
    uint16_t s15 = emit_service(a, 0x15);
    uint16_t s16 = emit_service(a, 0x16);
    uint16_t s17 = emit_service(a, 0x17);
    uint16_t s1a = emit_service(a, 0x1A);

    /* The IBM fixed entry points. */
    fixed_entry(rom, ROM_POST, post);
    rom[ROM_NMI] = 0xCF;
    fixed_entry(rom, ROM_INT13_HD, s13);
    fixed_entry(rom, ROM_INT19, int19);
    fixed_entry(rom, ROM_INT14, s14);
    fixed_entry(rom, ROM_INT16, s16);
    fixed_entry(rom, ROM_INT09, int09);
    fixed_entry(rom, ROM_INT13_FD, s40);
    fixed_entry(rom, ROM_INT0E, int0e);
    fixed_entry(rom, ROM_INT17, s17);
    fixed_entry(rom, ROM_INT10, s10);
    fixed_entry(rom, ROM_INT12, s12);
    fixed_entry(rom, ROM_INT11, s11);
    fixed_entry(rom, ROM_INT15, s15);
    fixed_entry(rom, ROM_INT1A, s1a);
    fixed_entry(rom, ROM_INT08, int08);
    rom[ROM_IRET] = 0xCF;
    rom[ROM_INT05] = 0xCF; /* print screen: nothing to print on */
    /* The IVT POST installs: every vector not named here gets the dummy
     * IRET; 60h-6Fh and 78h-FFh stay zero for programs that look there. */
    for (int v = 0; v < 0x78; v++)
        b->ivt[v] = ROM_IRET;
    for (int v = 0x60; v < 0x70; v++)
        b->ivt[v] = 0;
    for (int v = 0x08; v < 0x10; v++)
        b->ivt[v] = irq_master;
    for (int v = 0x70; v < 0x78; v++)
        b->ivt[v] = irq_slave;
    b->ivt[0x02] = ROM_NMI;
    b->ivt[0x05] = ROM_INT05;
    b->ivt[0x08] = ROM_INT08;
    b->ivt[0x09] = ROM_INT09;
    b->ivt[0x0E] = ROM_INT0E;
    b->ivt[0x10] = ROM_INT10;
    b->ivt[0x11] = ROM_INT11;
    b->ivt[0x12] = ROM_INT12;
    b->ivt[0x13] = ROM_INT13_HD;
    b->ivt[0x14] = ROM_INT14;
    b->ivt[0x15] = ROM_INT15;
    b->ivt[0x16] = ROM_INT16;
    b->ivt[0x17] = ROM_INT17;
    b->ivt[0x18] = int18;
    b->ivt[0x19] = ROM_INT19;
    b->ivt[0x1A] = ROM_INT1A;
    b->ivt[0x1D] = 0; /* video parameter table: the video BIOS sets it */
    b->ivt[0x1E] = ROM_DPT;
    b->ivt[0x1F] = 0; /* upper 8x8 font: the video BIOS sets it */
    b->ivt[0x40] = ROM_INT13_FD;
    b->ivt[0x41] = b->nhdds > 0 ? ROM_FDPT : 0;
    b->ivt[0x43] = 0;
    b->ivt[0x46] = b->nhdds > 1 ? ROM_FDPT + 16 : 0;
    b->ivt[0x70] = int70;
    b->ivt[0x71] = int71;
    b->ivt[0x75] = int75;

    /* INT 15h C0h configuration table: length, model FCh (AT), submodel,
     * revision, feature bytes (2nd PIC, RTC, INT 15h/4Fh called, EBDA). */
    static const uint8_t config[] = {0x08, 0x00, 0xFC, 0x01, 0x00, 0x74, 0x00, 0x00, 0x00, 0x00};
    memcpy(rom + ROM_CONFIG, config, sizeof(config));

    /* INT 14h divisors for 110 ... 9600 baud. */
    static const uint16_t baud[] = {1047, 768, 384, 192, 96, 48, 24, 12};
    for (int k = 0; k < 8; k++) {
        rom[ROM_BAUD + 2 * k] = (uint8_t)baud[k];
        rom[ROM_BAUD + 2 * k + 1] = (uint8_t)(baud[k] >> 8);
    }

    /* INT 1Eh diskette parameters (1.44M drive values; DOS patches the
     * sectors-per-track byte in its own copy). */
    static const uint8_t dpt[] = {0xDF, 0x02, 0x25, 0x02, 0x12, 0x1B, 0xFF, 0x6C, 0xF6, 0x0F, 0x08};
    memcpy(rom + ROM_DPT, dpt, sizeof(dpt));
    for (int k = 0; k < b->nfloppies; k++)
        if (b->fd_img[k] && b->fd_img[k]->geom.sectors > rom[ROM_DPT + 4])
            rom[ROM_DPT + 4] = (uint8_t)b->fd_img[k]->geom.sectors;

    /* Fixed disk parameter tables for INT 41h/46h. */
    for (int k = 0; k < b->ndisks; k++) {
        struct bios_disk *d = &b->disks[k];
        if (d->kind != BDK_HDD || d->dl < 0x80 || d->dl > 0x81)
            continue;
        uint8_t *t = rom + ROM_FDPT + 16 * (d->dl - 0x80);
        uint16_t cyl = (uint16_t)(d->lgeom.cylinders > 1024 ? 1024 : d->lgeom.cylinders);
        t[0] = (uint8_t)cyl;
        t[1] = (uint8_t)(cyl >> 8);
        t[2] = (uint8_t)d->lgeom.heads;
        t[5] = 0xFF; /* no write precompensation */
        t[6] = 0xFF;
        t[8] = d->lgeom.heads > 8 ? 0x08 : 0x00;
        t[12] = (uint8_t)cyl;
        t[13] = (uint8_t)(cyl >> 8);
        t[14] = (uint8_t)d->lgeom.sectors;
    }

    /* Reset vector, date, model. */
    rom[ROM_RESET] = 0xEA; /* jmp far F000:E05B */
    rom[ROM_RESET + 1] = (uint8_t)ROM_POST;
    rom[ROM_RESET + 2] = (uint8_t)(ROM_POST >> 8);
    rom[ROM_RESET + 3] = 0x00;
    rom[ROM_RESET + 4] = 0xF0;
    memcpy(rom + ROM_DATE, "01/01/25", 8);
    rom[ROM_MODEL] = 0xFC;
    rom[ROM_MODEL + 1] = 0x00;
    /* The MP and ACPI tables in their reserved window, which the stubs above must
     * not have reached. */
    bool window_free = true;
    for (uint32_t k = ROM_TABLES; k < ROM_TABLES_END; k++)
        window_free = window_free && rom[k] == 0;
    if (window_free) {
        uint32_t used = bios_mptable_build(m, rom, ROM_TABLES);
        bios_acpi_build(m, rom, (ROM_TABLES + used + 15) & ~15u);
    }

    /* Whole-ROM checksum of zero, as POSTs of option-ROM style check. */
    uint8_t sum = 0;
    for (uint32_t k = 0; k < BIOS_ROM_SIZE - 1; k++)
        sum = (uint8_t)(sum + rom[k]);
    rom[BIOS_ROM_SIZE - 1] = (uint8_t)-sum;
}
