/* Differential testing: the comparison of one sequence's end state, native
 * against rex86: how it ended, GPRs, EFLAGS, the scratch buffer and the
 * stack, and the FXSAVE image (control, status and tag words, ST0-7). */
#include <inttypes.h>
#include <string.h>

#include "diff_cmp.h"

#define EFL_ARITH 0x8D5u
#define EFL_KEEP  (0x2u | 0x200u | 0x400u) /* reserved 1, IF, DF */

/* The transcendentals are specified to within an ulp or so, not to the
 * bit: the P6, today's hosts and rex86 may round the last bit apart. */
#define TRANS_ULPS 4

static uint32_t rd32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}
static uint16_t rd16(const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, 2);
    return v;
}

static const char *const reg_name[8] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};

/* 80-bit values within `ulps` of each other (same sign and class). */
static bool fx80_near(const uint8_t *a, const uint8_t *b, unsigned ulps)
{
    uint16_t sa = rd16(a + 8), sb = rd16(b + 8);
    if ((sa ^ sb) & 0x8000)
        return false;
    if ((sa & 0x7FFF) == 0x7FFF || (sb & 0x7FFF) == 0x7FFF)
        return !memcmp(a, b, 10);
    uint64_t ma, mb;
    memcpy(&ma, a, 8);
    memcpy(&mb, b, 8);
    unsigned __int128 ka = (unsigned __int128)(sa & 0x7FFF) << 64 | ma;
    unsigned __int128 kb = (unsigned __int128)(sb & 0x7FFF) << 64 | mb;
    /* Across an exponent step the significand restarts at 1.0: measure the
     * distance in the smaller value's ulps. */
    unsigned __int128 d = ka > kb ? ka - kb : kb - ka;
    if ((sa & 0x7FFF) != (sb & 0x7FFF))
        d -= (unsigned __int128)1 << 63;
    return d <= ulps;
}

static void print_mem_diff(FILE *f, const char *const nm[2], uint32_t addr, const uint8_t *a,
                           const uint8_t *b, uint32_t len)
{
    fprintf(f, "  mem %08x %-7s", addr, nm[0]);
    for (uint32_t k = 0; k < len; k++)
        fprintf(f, " %02x", a[k]);
    fprintf(f, "\n  mem %08x %-7s", addr, nm[1]);
    for (uint32_t k = 0; k < len; k++)
        fprintf(f, " %02x", b[k]);
    fprintf(f, "\n");
}

bool diff_compare(const struct gen_seq *s, const struct diff_result *nat, const struct diff_result *emu,
                  FILE *f)
{
    static const char *const names[2] = {"native", "rex86"};
    return diff_compare_ex(s, nat, emu, f, names, false);
}

bool diff_compare_ex(const struct gen_seq *s, const struct diff_result *nat, const struct diff_result *emu,
                     FILE *f, const char *const nm[2], bool exact)
{
    bool ok = true;
    bool fault = nat->vector >= 0 || emu->vector >= 0;
    if (nat->vector != emu->vector || (fault && nat->fault_eip != emu->fault_eip)) {
        ok = false;
        if (f)
            fprintf(f, "  end: %s %s %d at %08x, %s %s %d at %08x\n", nm[0],
                    nat->vector >= 0 ? "fault" : "ran to the end", nat->vector, nat->fault_eip, nm[1],
                    emu->vector >= 0 ? "fault" : "ran to the end", emu->vector, emu->fault_eip);
    }
    if (emu->vector > 255) /* shutdown or ran away: nothing else is meaningful */
        return false;

    const uint8_t *nc = nat->data, *ec = emu->data;
    for (int r = 0; r < 8; r++) {
        uint32_t a = rd32(nc + CTL_OUT_REGS + 4 * r), b = rd32(ec + CTL_OUT_REGS + 4 * r);
        if (a != b) {
            ok = false;
            if (f)
                fprintf(f, "  %s: %s %08x %s %08x\n", reg_name[r], nm[0], a, nm[1], b);
        }
    }
    /* At a fault the undefined-flag tracking (which describes the end of
     * the sequence) does not apply: compare only the non-arithmetic bits. */
    uint32_t fmask = EFL_KEEP | (fault ? 0 : EFL_ARITH & ~s->eflags_undef);
    uint32_t fa = rd32(nc + CTL_OUT_EFLAGS), fb = rd32(ec + CTL_OUT_EFLAGS);
    if ((fa ^ fb) & fmask) {
        ok = false;
        if (f)
            fprintf(f, "  eflags: %s %08x %s %08x, differ in %03x (compared %03x)\n", nm[0], fa, nm[1], fb,
                    (fa ^ fb) & fmask, fmask);
    }

    /* The FNSTENV/FNSAVE slots, scratch and stack, byte by byte; the
     * epilogue's PUSHFD left the flags just below the final ESP, masked like
     * EFLAGS. */
    uint32_t esp = rd32(nc + CTL_OUT_REGS + 4 * 4);
    int runs = 0;
    for (uint32_t o = CTL_ENV_SLOTS; o < DIFF_DATA_SIZE;) {
        uint32_t addr = DIFF_DATA + o;
        uint8_t mask = 0xFF;
        if (!fault && addr >= esp - 4 && addr < esp)
            mask = (uint8_t)(fmask >> (8 * (addr - (esp - 4))));
        for (uint32_t k = 0; k < s->nmasks; k++) {
            const struct gen_mask *gm = &s->mask[k];
            if (addr >= gm->addr && addr < gm->addr + gm->len)
                mask &= (uint8_t)(gm->keep >> (8 * ((addr - gm->addr) & 1)));
        }
        if (!((nc[o] ^ ec[o]) & mask)) {
            o++;
            continue;
        }
        uint32_t end = o + 1;
        while (end < DIFF_DATA_SIZE && end - o < 16 && nc[end] != ec[end])
            end++;
        ok = false;
        if (f && runs++ < 8)
            print_mem_diff(f, nm, addr, nc + o, ec + o, end - o);
        o = end;
    }
    if (fault)
        return ok;

    const uint8_t *nx = nc + CTL_OUT_FX, *ex = ec + CTL_OUT_FX;
    uint16_t cwa = rd16(nx), cwb = rd16(ex);
    if (cwa != cwb) {
        ok = false;
        if (f)
            fprintf(f, "  fcw: %s %04x %s %04x\n", nm[0], cwa, nm[1], cwb);
    }
    uint16_t swmask = (uint16_t)~s->fsw_undef;
    if (s->cls == GEN_TRANS && !exact)
        swmask &= (uint16_t)~0x0200u; /* C1: which way the last bit rounded */
    uint16_t swa = rd16(nx + 2), swb = rd16(ex + 2);
    if ((swa ^ swb) & swmask) {
        ok = false;
        if (f)
            fprintf(f, "  fsw: %s %04x %s %04x, differ in %04x (compared %04x)\n", nm[0], swa, nm[1], swb,
                    (swa ^ swb) & swmask, swmask);
    }
    if (nx[4] != ex[4]) {
        ok = false;
        if (f)
            fprintf(f, "  ftw: %s %02x %s %02x\n", nm[0], nx[4], nm[1], ex[4]);
    }
    for (int k = 0; k < 8; k++) {
        const uint8_t *a = nx + 32 + 16 * k, *b = ex + 32 + 16 * k;
        bool same = s->cls == GEN_TRANS && !exact ? fx80_near(a, b, TRANS_ULPS) : !memcmp(a, b, 10);
        if (!same) {
            ok = false;
            if (f) {
                uint64_t ma, mb;
                memcpy(&ma, a, 8);
                memcpy(&mb, b, 8);
                fprintf(f, "  st%d: %s %04x:%016" PRIx64 " %s %04x:%016" PRIx64 "\n", k, nm[0], rd16(a + 8),
                        ma, nm[1], rd16(b + 8), mb);
            }
        }
    }
    return ok;
}
