/* Differential testing: printing a sequence for a failure report -- its
 * disassembly (capstone), its initial state and x87 images. */
#include <inttypes.h>
#include <string.h>

#include <capstone/capstone.h>

#include "diff_cmp.h"

void diff_disassemble(FILE *f, const struct gen_seq *s, uint32_t from, uint32_t to)
{
    csh h;
    if (cs_open(CS_ARCH_X86, CS_MODE_32, &h) != CS_ERR_OK) {
        fprintf(f, "  (capstone unavailable)\n");
        return;
    }
    const uint8_t *p = s->dc.code + from;
    size_t len = to > from ? to - from : 0;
    uint64_t addr = DIFF_CODE + from;
    while (len) {
        cs_insn *insn;
        size_t n = cs_disasm(h, p, len, addr, 1, &insn);
        if (n == 0) {
            fprintf(f, "  %08" PRIx64 ":  %02x                      (bad)\n", addr, p[0]);
            p++;
            len--;
            addr++;
            continue;
        }
        char hex[64] = "";
        for (size_t k = 0; k < insn->size && k < 15; k++)
            snprintf(hex + 2 * k, sizeof(hex) - 2 * k, "%02x", insn->bytes[k]);
        fprintf(f, "  %08" PRIx64 ":  %-24s %s %s\n", addr, hex, insn->mnemonic, insn->op_str);
        p += insn->size;
        len -= insn->size;
        addr += insn->size;
        cs_free(insn, n);
    }
    cs_close(&h);
}

void diff_print_fx(FILE *f, const char *what, const uint8_t *fx, const uint8_t *regs)
{
    uint16_t cw, sw;
    memcpy(&cw, fx, 2);
    memcpy(&sw, fx + 2, 2);
    uint32_t fl;
    memcpy(&fl, regs + (CTL_OUT_EFLAGS - CTL_OUT_REGS), 4);
    fprintf(f, "%s: fcw=%04x fsw=%04x ftw=%02x eflags=%08x\n", what, cw, sw, fx[4], fl);
    for (int k = 0; k < 8; k++) {
        uint64_t sig;
        uint16_t se;
        memcpy(&sig, fx + 32 + 16 * k, 8);
        memcpy(&se, fx + 40 + 16 * k, 2);
        fprintf(f, "  st%d=%04x:%016" PRIx64 "%s", k, se, sig, k % 2 ? "\n" : "");
    }
}

void diff_print_init(FILE *f, const struct gen_seq *s)
{
    static const char *const rn[8] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};
    const uint8_t *d = s->dc.data;
    fprintf(f, "initial state:\n ");
    for (int r = 0; r < 8; r++) {
        uint32_t v;
        memcpy(&v, d + CTL_INIT_REGS + 4 * r, 4);
        fprintf(f, " %s=%08x", rn[r], v);
    }
    uint32_t fl;
    memcpy(&fl, d + CTL_INIT_EFLAGS, 4);
    fprintf(f, " eflags=%08x\n", fl);
    if (s->cls != GEN_INT)
        diff_print_fx(f, " ", d + CTL_INIT_FX, d + CTL_INIT_REGS);
}
