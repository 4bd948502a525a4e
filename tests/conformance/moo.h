/* Reader for SingleStepTests MOO files (gzip-compressed chunked CPU test
 * vectors, see ../shared/sst/MOO-FORMAT.md): loads and validates a whole file
 * into memory, then hands out its tests. */
#ifndef REX86_MOO_H
#define REX86_MOO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Register order of REGS/RMSK chunks. */
enum {
    MOO_AX,
    MOO_BX,
    MOO_CX,
    MOO_DX,
    MOO_CS,
    MOO_SS,
    MOO_DS,
    MOO_ES,
    MOO_SP,
    MOO_BP,
    MOO_SI,
    MOO_DI,
    MOO_IP,
    MOO_FLAGS,
    MOO_NREGS
};
#define MOO_ALL_REGS ((uint16_t)((1u << MOO_NREGS) - 1))

extern const char *const moo_reg_names[MOO_NREGS];

struct moo_state {
    uint16_t regs_present; /* bit n: regs[n] is valid */
    uint16_t regs[MOO_NREGS];
    uint16_t rmsk_present; /* per-test masks of defined bits (FINA only) */
    uint16_t rmsk[MOO_NREGS];
    const uint8_t *ram; /* ram_count packed entries: u32 address, u8 value */
    uint32_t ram_count;
};

static inline uint32_t moo_ram_addr(const struct moo_state *s, uint32_t n)
{
    const uint8_t *e = s->ram + 5u * n;
    return (uint32_t)e[0] | (uint32_t)e[1] << 8 | (uint32_t)e[2] << 16 | (uint32_t)e[3] << 24;
}

static inline uint8_t moo_ram_value(const struct moo_state *s, uint32_t n)
{
    return s->ram[5u * n + 4];
}

struct moo_test {
    uint32_t index;
    const char *name; /* not NUL-terminated: name_len bytes */
    uint32_t name_len;
    const uint8_t *bytes;
    uint32_t byte_count;
    struct moo_state init, fina;
    bool has_excp; /* EXCP chunk: the instruction raised an exception */
    uint8_t excp_vector;
    uint32_t excp_flags_addr; /* where the pushed flags word lies */
};

struct moo_file {
    uint8_t *data; /* the whole decompressed file; tests point into it */
    size_t len;
    uint8_t major, minor;
    char cpu[5]; /* header CPU id, e.g. "8086", "C286" */
    bool has_meta;
    uint32_t meta_opcode;
    char mnemonic[9];
    uint16_t rmsk_present; /* file-wide RMSK */
    uint16_t rmsk[MOO_NREGS];
    struct moo_test *tests;
    uint32_t test_count;
};

/* Decompressed files larger than this are refused as corrupt. */
#define MOO_MAX_SIZE (512u << 20)

/* Load and validate a whole file (gzip or plain). Returns 0, or -1 with a
 * one-sentence reason in err (the caller adds the path). */
int moo_load(struct moo_file *f, const char *path, char *err, size_t errlen);
void moo_free(struct moo_file *f);

#endif
