/* The two cascaded 8237A DMA controllers of the PC/AT: channels 0-3 (8-bit,
 * ports 0x00-0x0F), channels 4-7 (16-bit, ports 0xC0-0xDF; 4 is the cascade)
 * and the page registers at 0x81-0x8F (0x80 is the POST port, not ours). */
#ifndef REX86_DMA_H
#define REX86_DMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct machine;
struct dma;

/* How a device moves data through a channel.
 *
 * A device that has data (or room) calls dma_run() for its channel, the way
 * it would assert DREQ. dma_run calls `xfer` with chunks of a bounce buffer:
 *   - to_memory (the channel is programmed for a "write" transfer, or for a
 *     verify): the device fills buf[0..len) with the bytes it sends;
 *   - !to_memory ("read" transfer): buf holds len bytes from memory for the
 *     device to consume.
 * xfer returns how many bytes it took or gave (0..len); fewer than len means
 * the device dropped DREQ, and dma_run stops there. Memory is touched with
 * mem_read_block/mem_write_block (so writes invalidate translated code).
 * Bytes come in channel order: with address decrement the first byte of
 * buf goes to the highest address.
 *
 * On 16-bit channels (5-7) counts are words and len is always even; a device
 * must move whole words (an odd return is rounded down).
 *
 * Single, demand and block mode all run until the device stops, `max_bytes`
 * is moved or the terminal count is reached; they only differ in how a
 * real bus is shared, which costs nothing here. At terminal count the
 * status TC bit is set and the channel either reloads its base registers
 * (auto-init) or masks itself, as the 8237A does.
 *
 * Returns the number of bytes moved (>= 0), or DMA_ERR_MASKED when the
 * channel (or, for 0-3, the cascade channel 4) is masked, its controller is
 * disabled, or it is in cascade mode. *tc, if not NULL, is set when this
 * call reached terminal count. max_bytes < 0 means no limit. */
typedef int (*dma_xfer_fn)(void *opaque, uint8_t *buf, int len, bool to_memory);

#define DMA_ERR_MASKED (-1)

int dma_init(struct machine *m);
/* Master clear of both controllers: all channels masked, registers zero,
 * page registers zero. */
void dma_reset(struct dma *d);
void dma_free(struct dma *d);

int dma_run(struct machine *m, int channel, dma_xfer_fn xfer, void *opaque, int max_bytes, bool *tc);

/* For devices deciding whether to ask: the channel is unmasked, its
 * controller enabled, and the transfer type (DMA_WRITE = device to memory,
 * DMA_READ = memory to device, DMA_VERIFY) and bytes left before terminal
 * count. Returns false for a bad or unusable channel. */
enum dma_dir { DMA_VERIFY = 0, DMA_WRITE = 1, DMA_READ = 2 };
bool dma_channel_ready(struct machine *m, int channel);
enum dma_dir dma_channel_dir(struct machine *m, int channel);
uint32_t dma_bytes_left(struct machine *m, int channel);
bool dma_channel_autoinit(struct machine *m, int channel);

#endif
