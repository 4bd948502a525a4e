/* The PIIX3 IDE controller: two ATA channels (0x1F0/0x3F6 on IRQ 14,
 * 0x170/0x376 on IRQ 15) with hard disks and an ATAPI CD-ROM, PIO and
 * bus-master DMA, and its PCI function 8086:7010 at 00:01.1. */
#ifndef REX86_IDE_H
#define REX86_IDE_H

#include <stdbool.h>

struct machine;
struct disk_image;

/* Opens m->cfg.hda/hdb (primary master/slave) and m->cfg.cdrom (secondary
 * master) and owns those images; registers the ports, the PCI function
 * (when m->pci exists) and the reset/free hooks; stores it in m->ide.
 * Returns 0 or -1 with machine_error() set (an image that cannot be used). */
int ide_init(struct machine *m);

/* The image behind drive `unit` (0 primary master, 1 primary slave,
 * 2 secondary master, 3 secondary slave), or NULL. The IDE keeps owning
 * it: the BIOS's INT 13h borrows these so every image has one owner. */
struct disk_image *ide_drive_image(struct machine *m, int unit);

/* Media change on an ATAPI drive: takes ownership of img (NULL ejects).
 * The drive reports UNIT ATTENTION (medium may have changed) next. Returns
 * 0, or -1 when the unit is not a CD-ROM or the medium is locked. */
int ide_cd_change(struct machine *m, int unit, struct disk_image *img);

/* Flush every written image to the host. Returns 0 or -1. */
int ide_flush(struct machine *m);

#endif
