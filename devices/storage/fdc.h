/* The floppy disk controller: an Intel 82077AA at 0x3F0-0x3F5/0x3F7 on
 * IRQ 6 and DMA channel 2, with up to two drives whose media are the
 * -fda/-fdb images (160 KB to 2.88 MB, geometry from the size). */
#ifndef REX86_FDC_H
#define REX86_FDC_H

#include <stdbool.h>

struct machine;
struct disk_image;

/* Opens m->cfg.fda/fdb and owns them; registers ports, the reset/free
 * hooks and stores the controller in m->fdc. Returns 0 or -1 with
 * machine_error() set (an image that cannot be used). */
int fdc_init(struct machine *m);

/* The medium in drive 0/1 (NULL = empty). The FDC keeps owning it; the
 * BIOS's INT 13h borrows it so every image has a single owner. */
struct disk_image *fdc_drive_image(struct machine *m, int drive);

/* Change the medium (takes ownership of img; NULL ejects): the disk change
 * line goes active until the next step with a diskette in. */
int fdc_change_disk(struct machine *m, int drive, struct disk_image *img);

/* Flush written images to the host. Returns 0 or -1. */
int fdc_flush(struct machine *m);

#endif
