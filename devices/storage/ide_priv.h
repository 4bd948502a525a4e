/* Inside the IDE controller: drive, channel and controller state shared by
 * ide.c (ATA task file, PIO, bus-master DMA, the PIIX3 IDE function) and
 * atapi.c (the packet interface and the SCSI/MMC commands of the CD-ROM). */
#ifndef REX86_IDE_PRIV_H
#define REX86_IDE_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/board/machine.h"
#include "devices/chipset/pci.h"
#include "devices/storage/ide.h"
#include "devices/storage/image/image.h"

/* Status register (ATA/ATAPI-6 §7.15.6). */
#define ST_ERR  0x01
#define ST_DRQ  0x08
#define ST_DSC  0x10 /* "seek complete"; drivers of the day test it */
#define ST_DF   0x20
#define ST_DRDY 0x40
#define ST_BSY  0x80
/* Error register. */
#define ER_ABRT 0x04
#define ER_IDNF 0x10
#define ER_UNC  0x40
/* Device control register. */
#define DC_NIEN 0x02
#define DC_SRST 0x04
#define DC_HOB  0x80

/* The sector count register read as the ATAPI interrupt reason. */
#define IR_COD 0x01
#define IR_IO  0x02

#define IDE_BUF_SIZE (128 * 1024)
#define IDE_MAX_MULT 16

enum ide_xfer {
    XFER_NONE,
    XFER_PIO_IN,   /* ATA data to the host, block by block */
    XFER_PIO_OUT,  /* ATA data from the host */
    XFER_PACKET,   /* waiting for the 12-byte command packet */
    XFER_ATAPI_IN, /* packet data to the host in byte-count-limited chunks */
    XFER_DMA,      /* waiting for the bus master to move the data */
};

struct ide_drive {
    bool present, atapi;
    struct disk_image *img;      /* owned; NULL for an empty CD drive */
    struct disk_image *parked;   /* owned: an ejected CD, reloaded by closing the tray */
    struct disk_geometry geom;   /* default translation (IDENTIFY words 1/3/6) */
    uint32_t cur_heads, cur_spt; /* after INITIALIZE DEVICE PARAMETERS */
    uint8_t mult;                /* READ/WRITE MULTIPLE block size, 0 = disabled */
    uint8_t status, error;
    uint8_t xfer_mode; /* SET FEATURES 03h value */
    bool write_cache;

    /* The transfer in progress. */
    enum ide_xfer xfer;
    uint32_t pos, end; /* bytes of buf the host has moved / may move */
    uint64_t lba;      /* next sector of a multi-block ATA transfer */
    uint32_t left;     /* sectors still to move after this block */
    bool lba48_cmd;
    bool multi_cmd; /* READ/WRITE MULTIPLE: blocks of mult sectors */
    /* DMA (ATA READ/WRITE DMA, ATAPI with the DMA feature): bytes to move
     * and where from/to: the image at img_off, or buf. */
    bool dma_to_mem, dma_from_img;
    uint64_t dma_img_off;
    uint32_t dma_len;

    /* ATAPI. */
    uint8_t packet[12];
    uint32_t byte_limit;  /* byte count limit of the PACKET command */
    uint32_t atapi_total; /* bytes of the reply */
    uint32_t atapi_sent;  /* bytes offered so far, the current chunk included */
    bool atapi_from_img;  /* reply is image data starting at atapi_img_off */
    uint64_t atapi_img_off;
    bool atapi_dma;
    uint8_t sense_key, asc, ascq;
    bool unit_attention; /* medium changed since the host last looked */
    bool locked;         /* PREVENT ALLOW MEDIUM REMOVAL */

    uint8_t buf[IDE_BUF_SIZE];
};

struct ide_channel {
    struct ide *ide;
    int index;
    uint16_t base, ctl;
    int irq;
    struct ide_drive drv[2];
    int cur; /* DEV bit of the device register */
    /* The command block registers; writes reach both devices (ATA-6 §7.1),
     * so they are kept once per channel; *_hob is the previous write. */
    uint8_t feature, nsector, sector, lcyl, hcyl;
    uint8_t hob_feature, hob_nsector, hob_sector, hob_lcyl, hob_hcyl;
    uint8_t select; /* device/head register */
    uint8_t devctl;
    bool intrq; /* the selected device's pending interrupt */
    bool irq_line;
    /* Bus master IDE (PIIX3 §2.6): command, status, PRD table pointer. */
    uint8_t bm_cmd, bm_status;
    uint32_t bm_prd;
};

struct ide {
    struct machine *m;
    struct ide_channel ch[2];
    struct pci_dev *pci;
    uint16_t bm_base; /* where the bus-master ports are mapped, 0 = not */
    int bm_io_slot;   /* bus handler slot, reused when BAR4 moves */
};

static inline struct ide_drive *ide_cur(struct ide_channel *c)
{
    return &c->drv[c->cur];
}

/* ide.c services for atapi.c. */
void ide_raise(struct ide_channel *c);
void ide_abort(struct ide_channel *c);
/* Start a device-to-memory DMA of dma_len bytes (ide_drive fields set). */
void ide_dma_begin(struct ide_channel *c);

/* atapi.c */
void atapi_identify(struct ide_channel *c, struct ide_drive *d);
void atapi_packet_cmd(struct ide_channel *c);  /* command 0xA0 */
void atapi_packet_done(struct ide_channel *c); /* the 12 bytes arrived */
void atapi_data_next(struct ide_channel *c);   /* a chunk was read */
void atapi_dma_done(struct ide_channel *c, bool ok);
void atapi_signature(struct ide_channel *c);
void atapi_reset(struct ide_drive *d);
/* Both: ATA strings are stored with the bytes of each word swapped. */
void ide_put_string(uint16_t *words, int first, int count, const char *s);

#endif
