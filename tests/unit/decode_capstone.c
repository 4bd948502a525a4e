/* Decoder cross-check against capstone: random prefixes, ModRM, SIB, displacement and immediates
 * for every Pentium II opcode row, 16- and 32-bit mode; lengths and mnemonics must match.
 * Usage: decode_capstone [seed [cases-per-row]], or REX86_SEED / REX86_CASES in the environment. */
#include <capstone/capstone.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/decode.h"

#define MODEL        CPU_PENTIUM2
#define BUF_LEN      32
#define MAX_PREFIXES 4 /* keeps every generated instruction within 15 bytes */

static uint64_t rng_state;

/* splitmix64: small, and the same sequence on every host. */
static uint32_t rng(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return (uint32_t)((z ^ (z >> 31)) >> 16);
}

struct stats {
    long cases, fpu_len_only, truncations, limit_checks;
    long undoc_skipped; /* A_UNDOC rows capstone does not know */
    long exceptions[8]; /* indexed by enum exc */
    long failures;
};
static struct stats st;

static void print_bytes(const uint8_t *b, int n)
{
    for (int k = 0; k < n; k++)
        printf("%02X%s", b[k], k + 1 < n ? " " : "");
}

static int mode_bits(bool def32)
{
    return def32 ? 32 : 16;
}

static void fail(const char *what, const uint8_t *buf, bool def32, const char *ours, int our_len,
                 const char *theirs, int their_len)
{
    st.failures++;
    printf("MISMATCH (%s) mode %d bytes [", what, mode_bits(def32));
    print_bytes(buf, 15);
    printf("]: rex86 \"%s\" len %d, capstone \"%s\" len %d\n", ours, our_len, theirs, their_len);
}

/* Capstone's spelling for one of our table rows. The table uses one mnemonic
 * per opcode; capstone names condition codes and, for some instructions, the
 * operand or address size in the mnemonic. Everything else must match as is. */
static const char *const cc_name[16] = {"o", "no", "b", "ae", "e", "ne", "be", "a",
                                        "s", "ns", "p", "np", "l", "ge", "le", "g"};

static const char *expected_mnem(const struct insn *in, char *tmp, size_t n)
{
    const char *m = in->info->mnem;
    int cc = in->op & 0xF;
    bool os32 = in->os32;
    if (!strcmp(m, "jcc")) {
        snprintf(tmp, n, "j%s", cc_name[cc]);
        return tmp;
    }
    if (!strcmp(m, "setcc")) {
        snprintf(tmp, n, "set%s", cc_name[cc]);
        return tmp;
    }
    if (!strcmp(m, "cmov")) {
        snprintf(tmp, n, "cmov%s", cc_name[cc]);
        return tmp;
    }
    /* String ops: the word/dword row takes its size suffix from 66. */
    static const char *const strings[] = {"movs", "cmps", "stos", "lods", "scas", "ins", "outs"};
    for (size_t k = 0; k < sizeof strings / sizeof strings[0]; k++) {
        if (!strcmp(m, strings[k])) {
            snprintf(tmp, n, "%s%c", m, os32 ? 'd' : 'w');
            return tmp;
        }
    }
    if (!strcmp(m, "cbw"))
        return os32 ? "cwde" : "cbw";
    if (!strcmp(m, "cwd"))
        return os32 ? "cdq" : "cwd";
    if (!strcmp(m, "pushf") || !strcmp(m, "popf") || !strcmp(m, "iret")) {
        snprintf(tmp, n, "%s%s", m, os32 ? "d" : "");
        return tmp;
    }
    if (!strcmp(m, "pusha") || !strcmp(m, "popa")) {
        snprintf(tmp, n, "%s%c", m, os32 ? 'l' : 'w');
        return tmp;
    }
    if (!strcmp(m, "jcxz")) /* the count register follows the address size */
        return in->as32 ? "jecxz" : "jcxz";
    if (!strcmp(m, "lret"))
        return "retf";
    return m;
}

/* Capstone's mnemonic without the prefixes it folds into it ("rep movsb",
 * "lock inc"): we check the prefixes through the length instead. */
static const char *strip_prefixes(const char *m)
{
    static const char *const words[] = {"lock ",  "rep ", "repe ",    "repz ",     "repne ",
                                        "repnz ", "bnd ", "notrack ", "xacquire ", "xrelease "};
    for (bool again = true; again;) {
        again = false;
        for (size_t k = 0; k < sizeof words / sizeof words[0]; k++) {
            size_t l = strlen(words[k]);
            if (!strncmp(m, words[k], l)) {
                m += l;
                again = true;
            }
        }
    }
    return m;
}

/* Where capstone 4 itself is wrong, or has nothing to compare with. Each
 * entry says why, with the manual. */
enum exc {
    /* SDM Vol 2A, CBW/CWDE/CDQE and CWD/CDQ/CQO: 98 and 99 with a 16-bit
     * operand size are CBW and CWD. Capstone 4 in 16-bit mode prints 98 as
     * "cwde" and 99 as "cdq" whatever the operand size; the length agrees. */
    EXC_CBW16,
    /* SDM Vol 2A §2.1.1: prefixes may come in any order. For the instructions
     * that carry the size only in their name (string ops, cbw/cwd,
     * pushf/popf/iret, pusha/popa, jcxz), capstone 4 honours 66 (67 for jcxz)
     * only when it is the last prefix byte: "66 2E 98" prints as "cwde". We
     * accept capstone's name only if it is exactly what that rule gives. */
    EXC_PREFIX_ORDER,
    /* SDM Vol 2B, NOP: 0F 1F /0 is "NOP r/m16" / "NOP r/m32", so the register
     * form (mod = 11) is a valid two-byte-opcode NOP. Capstone 4 rejects
     * 0F 1F with mod = 11. */
    EXC_NOP_REG,
    /* SDM Vol 2A Appendix A.4 (x87 opcode maps, Tables ): the
     * encodings left blank are reserved. Capstone 4 rejects some of them, so
     * there is no length to compare; the x87 rows are checked for length only
     * and the meaning of these is op_esc's business. Only encodings that are
     * blank in those maps (x87_reserved) are let through. */
    EXC_X87_RESERVED,
    /* SDM 2 Appendix A.2.5 and table A-3: a 66 prefix before an MMX opcode
     * (0F 60-7F, 0F D0-FF) selects the SSE2 instruction (0F 6F is MOVDQA),
     * which the Pentium II lacks: rex86 decodes the MMX row and its handler
     * raises #UD. Capstone prints the SSE2 name; the length must agree. */
    EXC_MMX_SSE2,
    EXC_COUNT
};
static const char *const exc_name[EXC_COUNT] = {
    "cbw/cwd in 16-bit mode", "66/67 not the last prefix", "0F 1F NOP with mod=11",
    "reserved x87 encodings capstone rejects", "66 before MMX opcodes (SSE2 forms)"};

/* The blanks of the Intel x87 maps: ModRM C0-FF per escape (bit n = C0 + n),
 * and the reserved reg values of the memory forms. */
static const uint64_t x87_reserved_reg3[8] = {
    [1] = 0xFEull << 16 | 0xFFull << 24 | 0x0Cull << 32 | 0xC0ull << 32 | 0x80ull << 40, /* D9 */
    [2] = 0xFFull << 32 | 0x01ull << 40 | 0xFCull << 40 | 0xFFFFull << 48,               /* DA */
    [3] = 0xF3ull << 32 | 0xFFull << 56,                                                 /* DB */
    [4] = 0xFFFFull << 16,                                                               /* DC */
    [5] = 0xFFull << 8 | 0xFFFFull << 48,                                                /* DD */
    [6] = 0xFFull << 16 | 0xFDull << 24,                                                 /* DE */
    [7] = 0xFFFFFFFFull | 0xFEull << 32 | 0xFFull << 56,                                 /* DF */
};
static const uint8_t x87_reserved_mem[8] = {[1] = 1u << 1, [3] = 1u << 4 | 1u << 6, [5] = 1u << 5};

static bool x87_reserved(const struct insn *in)
{
    int esc = in->op - 0xD8;
    if (in->mod == 3)
        return x87_reserved_reg3[esc] >> (in->modrm - 0xC0) & 1;
    return x87_reserved_mem[esc] >> in->reg & 1;
}

static bool size_in_name(const char *m)
{
    static const char *const names[] = {"movs", "cmps",  "stos", "lods", "scas",  "ins",  "outs", "cbw",
                                        "cwd",  "pushf", "popf", "iret", "pusha", "popa", "jcxz"};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
        if (!strcmp(m, names[k]))
            return true;
    return false;
}

/* last_pfx: the prefix byte right before the opcode, or 0. */
static int capstone_exception(const struct insn *in, bool def32, bool cs_ok, const char *theirs,
                              uint8_t last_pfx)
{
    if (cs_ok && !def32 && !in->os32 && (in->op == 0x98 || in->op == 0x99) &&
        !strcmp(theirs, in->op == 0x98 ? "cwde" : "cdq"))
        return EXC_CBW16;
    if (cs_ok && size_in_name(in->info->mnem)) {
        struct insn alt = *in;
        char tmp[32];
        alt.os32 = last_pfx == 0x66 ? !def32 : def32;
        alt.as32 = last_pfx == 0x67 ? !def32 : def32;
        if (!strcmp(expected_mnem(&alt, tmp, sizeof tmp), theirs))
            return EXC_PREFIX_ORDER;
    }
    if (!cs_ok && in->op == 0x11F && in->mod == 3)
        return EXC_NOP_REG;
    if (cs_ok && in->os32 != def32 &&
        ((in->op >= 0x160 && in->op <= 0x17F) || (in->op >= 0x1D0 && in->op <= 0x1FF)))
        return EXC_MMX_SSE2;
    if (!cs_ok && (in->info->attr & A_FPU) && x87_reserved(in))
        return EXC_X87_RESERVED;
    return -1;
}

static bool has_modrm(int fmt)
{
    return fmt == FMT_M || fmt == FMT_M_B || fmt == FMT_M_BS || fmt == FMT_M_V;
}

/* A decoded length L < 16 must need every one of its bytes. */
static void check_truncation(const uint8_t *buf, int len, bool def32)
{
    struct insn t;
    for (int avail = 0; avail < len; avail++) {
        st.truncations++;
        int r = decode_insn(&t, buf, avail, def32, MODEL);
        if (r != 0) {
            st.failures++;
            printf("TRUNCATION mode %d bytes [", mode_bits(def32));
            print_bytes(buf, len);
            printf("] with %d of %d bytes: decode_insn returned %d, want 0\n", avail, len, r);
            return;
        }
    }
}

/* SDM Vol 3A §6.15 (#GP), Vol 2A §2.1.1: an instruction longer than 15
 * bytes raises #GP. Padding a valid instruction with segment overrides to 15
 * bytes must decode; to 16 bytes it must give -1, also when the buffer ends
 * at byte 15, because the CPU never fetches a 16th byte. */
static void check_limit(const uint8_t *buf, int len, bool def32)
{
    uint8_t big[BUF_LEN + 16];
    struct insn t;
    for (int total = 15; total <= 16; total++) {
        int pad = total - len;
        memset(big, 0x3E, (size_t)pad);
        memcpy(big + pad, buf, BUF_LEN);
        int want = total == 15 ? 15 : -1;
        int avails[2] = {15, BUF_LEN + pad};
        for (int k = 0; k < 2; k++) {
            st.limit_checks++;
            int r = decode_insn(&t, big, avails[k], def32, MODEL);
            if (r != want) {
                st.failures++;
                printf("LENGTH LIMIT mode %d bytes [", mode_bits(def32));
                print_bytes(big, total);
                printf("] avail %d: decode_insn returned %d, want %d\n", avails[k], r, want);
            }
        }
    }
}

/* One random encoding of (code, reg) and the comparison. reg < 0: any. */
static void run_case(csh cs, bool def32, int code, int reg, const struct opinfo *oi)
{
    uint8_t buf[BUF_LEN];
    int p = 0;
    bool lock = false;
    static const uint8_t seg_prefix[] = {0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65};
    int npfx = (int)(rng() % (MAX_PREFIXES + 1));
    for (int k = 0; k < npfx; k++) {
        int kind = (int)(rng() % 5);
        if (kind == 0)
            buf[p++] = seg_prefix[rng() % sizeof seg_prefix];
        else if (kind == 1)
            buf[p++] = 0x66;
        else if (kind == 2)
            buf[p++] = 0x67;
        else if (kind == 3 && (oi->attr & A_LOCK)) {
            buf[p++] = 0xF0; /* legal only with a memory destination: forced below */
            lock = true;
        } else if (kind == 4 && (oi->attr & A_STRING))
            buf[p++] = rng() & 1 ? 0xF3 : 0xF2;
        else
            buf[p++] = seg_prefix[rng() % sizeof seg_prefix];
    }
    uint8_t last_pfx = p ? buf[p - 1] : 0;
    if (code >= 0x100)
        buf[p++] = 0x0F;
    buf[p++] = (uint8_t)code;
    int tail = p;
    while (p < BUF_LEN)
        buf[p++] = (uint8_t)rng();
    if (has_modrm(oi->fmt)) {
        uint8_t m = buf[tail];
        if (reg >= 0)
            m = (uint8_t)((m & ~0x38) | reg << 3);
        /* Register forms of memory-only rows are #UD at execution, and
         * capstone reads those ModRM values as other instructions. */
        if ((lock || (oi->attr & A_MEM)) && (m >> 6) == 3)
            m = (uint8_t)((m & 0x3F) | (rng() % 3) << 6);
        buf[tail] = m;
    }

    st.cases++;
    struct insn in;
    int len = decode_insn(&in, buf, BUF_LEN, def32, MODEL);
    cs_insn *ci = NULL;
    size_t got = cs_disasm(cs, buf, BUF_LEN, 0x1000, 1, &ci);
    bool cs_ok = got == 1;
    int cs_len = cs_ok ? ci->size : 0;
    const char *theirs = cs_ok ? strip_prefixes(ci->mnemonic) : "(invalid)";
    const char *ours = len > 0 ? in.info->mnem : "(error)";

    if (len <= 0) {
        fail("rex86 decode failed", buf, def32, ours, len, theirs, cs_len);
    } else if (in.info != oi) {
        /* The decoder turned the row down (reserved encodings): capstone must
         * agree. Any other row would be a decoder bug. */
        if (in.info->fn != op_ud || cs_ok)
            fail(in.info->fn == op_ud ? "rex86 says invalid" : "rex86 picked another row", buf, def32, ours,
                 len, theirs, cs_len);
    } else {
        char tmp[32];
        const char *want = expected_mnem(&in, tmp, sizeof tmp);
        bool fpu = (in.info->attr & A_FPU) != 0;
        bool same = cs_ok && cs_len == len && (fpu || !strcmp(want, theirs));
        if (!same) {
            int e = capstone_exception(&in, def32, cs_ok, theirs, last_pfx);
            if (e >= 0 && (!cs_ok || cs_len == len)) {
                st.exceptions[e]++;
            } else if (!cs_ok && (in.info->attr & A_UNDOC)) {
                st.undoc_skipped++;
            } else {
                fail(cs_ok ? (cs_len != len ? "length" : "mnemonic") : "capstone says invalid", buf, def32,
                     want, len, theirs, cs_len);
            }
        } else if (fpu) {
            st.fpu_len_only++;
        }
        check_truncation(buf, len, def32);
        check_limit(buf, len, def32);
    }
    if (ci)
        cs_free(ci, got);
}

/* 16 prefixes and more must be -1 on every model with the 15-byte limit. */
static void check_prefix_runs(void)
{
    static const uint8_t pfx[] = {0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65, 0x66, 0x67, 0xF0, 0xF2, 0xF3};
    for (int model = CPU_386; model <= CPU_PENTIUM2; model++) {
        for (int def32 = 0; def32 <= 1; def32++) {
            for (int n = 0; n < 64; n++) {
                uint8_t buf[BUF_LEN];
                int npfx = 16 + (int)(rng() % 4);
                for (int k = 0; k < BUF_LEN; k++)
                    buf[k] = k < npfx ? pfx[rng() % sizeof pfx] : 0x90;
                struct insn t;
                int avails[2] = {16, BUF_LEN};
                for (int k = 0; k < 2; k++) {
                    st.limit_checks++;
                    int r = decode_insn(&t, buf, avails[k], def32, (enum cpu_model)model);
                    if (r != -1) {
                        st.failures++;
                        printf("PREFIX RUN model %d mode %d, %d prefixes [", model, mode_bits(def32), npfx);
                        print_bytes(buf, npfx + 1);
                        printf("] avail %d: decode_insn returned %d, want -1\n", avails[k], r);
                    }
                }
            }
        }
    }
}

static unsigned long long arg_or_env(int argc, char **argv, int idx, const char *env, unsigned long long dflt)
{
    const char *s = argc > idx ? argv[idx] : getenv(env);
    return s && *s ? strtoull(s, NULL, 0) : dflt;
}

int main(int argc, char **argv)
{
    uint64_t seed = arg_or_env(argc, argv, 1, "REX86_SEED", 0x5EED86);
    long per_op = (long)arg_or_env(argc, argv, 2, "REX86_CASES", 300);
    rng_state = seed;
    int cs_major, cs_minor;
    cs_version(&cs_major, &cs_minor);
    printf("decode-capstone: seed 0x%" PRIx64 ", %ld cases per opcode row per mode, capstone %d.%d\n", seed,
           per_op, cs_major, cs_minor);

    long rows = 0, skipped_rows = 0;
    for (int def32 = 0; def32 <= 1; def32++) {
        csh cs;
        if (cs_open(CS_ARCH_X86, def32 ? CS_MODE_32 : CS_MODE_16, &cs) != CS_ERR_OK) {
            printf("cs_open failed\n");
            return 1;
        }
        for (int code = 0; code < 0x200; code++) {
            bool grp = decode_has_group(code);
            for (int reg = grp ? 0 : -1; reg < (grp ? 8 : 0); reg++) {
                const struct opinfo *oi = decode_lookup(code, reg < 0 ? 0 : reg, MODEL);
                if (!oi)
                    continue;
                if (!strcmp(oi->mnem, "rex86trap")) { /* ours alone: the BIOS trap */
                    skipped_rows++;
                    continue;
                }
                rows++;
                for (long n = 0; n < per_op; n++)
                    run_case(cs, def32, code, reg, oi);
            }
        }
        cs_close(&cs);
    }
    check_prefix_runs();

    printf("decode-capstone: %ld rows, %ld cases (%ld x87 length-only), %ld truncation and %ld "
           "length-limit checks, %ld row(s) skipped (rex86trap)\n",
           rows, st.cases, st.fpu_len_only, st.truncations, st.limit_checks, skipped_rows);
    for (int e = 0; e < EXC_COUNT; e++)
        if (st.exceptions[e])
            printf("  capstone exception \"%s\": %ld cases\n", exc_name[e], st.exceptions[e]);
    if (st.undoc_skipped)
        printf("  undocumented forms capstone rejects: %ld cases\n", st.undoc_skipped);
    if (st.failures) {
        printf("decode-capstone: FAILED, %ld mismatch(es)\n", st.failures);
        return 1;
    }
    printf("decode-capstone: OK\n");
    return 0;
}
