/* INT 19h bootstrap in the configured boot order (a/b floppy, c hard disk,
 * d CD via El Torito) and INT 18h, where booting ends when nothing boots. */
#include <ctype.h>
#include <string.h>

#include "bios/bios_priv.h"
#include "bios/kboot.h"

static bool load_sector0(struct machine *m, uint8_t dl, bool need_signature)
{
    struct bios_disk *d = bios_disk_find(m, dl);
    uint8_t s[512];
    if (!d || d->kind == BDK_CD || image_read_bytes(d->img, d->offset, 512, s) < 0)
        return false;
    if (need_signature && (s[510] != 0x55 || s[511] != 0xAA))
        return false;
    bool blank = true;
    for (int k = 0; k < 512 && blank; k++)
        blank = s[k] == s[0];
    if (blank) /* an unformatted or zeroed disk */
        return false;
    bios_write(m, 0x7C00, s, 512);
    return true;
}

void bios_int19(struct machine *m)
{
    struct bios *b = m->bios;
    struct cpu *c = &m->cpu;
    /* -kernel: POST has set up the hardware; enter the kernel directly. */
    if (kboot_start(m))
        return;
    bios_disk_table(b);
    b->cd_booted = false;
    uint16_t eq = (uint16_t)(bios_rd16(m, BDA(0x10)) & ~0x00C1u);
    if (b->nfloppies)
        eq |= (uint16_t)(0x0001 | ((b->nfloppies - 1) << 6));
    bios_wr16(m, BDA(0x10), eq);
    bios_wr8(m, BDA(0x75), (uint8_t)b->nhdds);

    const char *order = m->cfg.boot_order[0] ? m->cfg.boot_order : "acd";
    uint16_t seg = 0, off = 0x7C00;
    uint8_t dl = 0;
    bool ok = false;
    for (size_t k = 0; k < sizeof(m->cfg.boot_order) && order[k] && !ok; k++) {
        switch (tolower((unsigned char)order[k])) {
        case 'a':
            ok = load_sector0(m, 0x00, false);
            dl = 0x00;
            break;
        case 'b':
            ok = load_sector0(m, 0x01, false);
            dl = 0x01;
            break;
        case 'c':
            ok = load_sector0(m, 0x80, true);
            dl = 0x80;
            break;
        case 'd': ok = bios_cd_boot(m, &seg, &off, &dl) == 0; break;
        default: break;
        }
    }
    if (!ok) {
        b->signal = true; /* the stub goes on to INT 18h */
        return;
    }
    /* The conventional hand-over: DL = boot drive, SS:SP below the boot
     * sector, DS = ES = 0; the stub's RETF enters seg:off. */
    cpu_load_seg_real(c, S_SS, 0);
    c->ESP = 0x7C00;
    cpu_load_seg_real(c, S_DS, 0);
    cpu_load_seg_real(c, S_ES, 0);
    c->EDX = dl;
    bios_push16(m, seg);
    bios_push16(m, off);
}

void bios_int18(struct machine *m)
{
    /* The stub has printed its message and halts the CPU. */
    (void)m;
}
