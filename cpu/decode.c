/* The decoder: prefixes, opcode, ModRM/SIB, displacement and immediates,
 * with the table built from cpu/opcodes.def. */
#include "cpu/decode.h"

#include <string.h>

static const struct opinfo op_table[0x200] = {
#define OP(code, mnem, fn, fmt, model, attr) [code] = {mnem, fn, fmt, model, attr},
#define GRP(code, reg, mnem, fn, fmt, model, attr)
#include "cpu/opcodes.def"
#undef OP
#undef GRP
};

static const struct opinfo grp_table[0x200][8] = {
#define OP(code, mnem, fn, fmt, model, attr)
#define GRP(code, reg, mnem, fn, fmt, model, attr) [code][reg] = {mnem, fn, fmt, model, attr | A_GROUP},
#include "cpu/opcodes.def"
#undef OP
#undef GRP
};

static const struct opinfo op_invalid = {"(bad)", op_ud, FMT_NONE, CPU_8086, 0};
/* 8086: 0F is POP CS. */
static const struct opinfo op_pop_cs = {"pop", op_pop_sreg, FMT_NONE, CPU_8086, 0};

void op_group(struct cpu *c, const struct insn *i)
{
    /* The decoder always resolves groups; reaching here means a bad table. */
    op_ud(c, i);
}

bool decode_has_group(int code)
{
    return code >= 0 && code < 0x200 && op_table[code].fn == op_group;
}

const struct opinfo *decode_lookup(int code, int reg, enum cpu_model model)
{
    if (code < 0 || code >= 0x200)
        return NULL;
    const struct opinfo *oi = &op_table[code];
    if (oi->fn == op_group)
        oi = &grp_table[code][reg & 7];
    if (!oi->fn || oi->model > model)
        return NULL;
    return oi;
}

/* 16-bit addressing: base and index for each rm value. */
static const uint8_t ea16_base[8] = {R_EBX, R_EBX, R_EBP, R_EBP, NO_REG, NO_REG, R_EBP, R_EBX};
static const uint8_t ea16_index[8] = {R_ESI, R_EDI, R_ESI, R_EDI, R_ESI, R_EDI, NO_REG, NO_REG};

/* Out of bytes: 0 asks the caller for more, unless the instruction is already
 * known to pass the length limit. The 286+ never fetch a 16th byte (SDM Vol 3A
 * §6.15: longer than 15 bytes is #GP), so that is -1 even if avail ends at 15. */
#define NEED(n)                                                                                              \
    do {                                                                                                     \
        if (pos + (n) > avail)                                                                               \
            return pos + (n) > len_limit ? -1 : 0;                                                           \
    } while (0)

static inline uint32_t rd16(const uint8_t *p)
{
    return p[0] | (uint32_t)p[1] << 8;
}
static inline uint32_t rd32(const uint8_t *p)
{
    return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int decode_insn(struct insn *i, const uint8_t *buf, int avail, bool def32, enum cpu_model model)
{
    int pos = 0;
    i->os32 = def32;
    i->as32 = def32;
    i->lock = false;
    i->rep = 0;
    i->seg = S_NONE;
    i->base = i->index = NO_REG;
    i->scale = 0;
    i->disp = 0;
    i->imm = i->imm2 = 0;
    i->modrm = i->mod = i->reg = i->rm = 0;
    bool has386 = model >= CPU_386;
    /* The 286 faults on instructions over 10 bytes, the 386 and later over 15
     * (SDM 2A §2.3.11); the 8086 has no limit. */
    int max_len = model == CPU_286 ? 10 : DECODE_MAX_LEN;
    int len_limit = model >= CPU_286 ? max_len : DECODE_MAX_LEN + 1;

    uint8_t b;
    for (;;) {
        NEED(1);
        if (pos >= max_len && model >= CPU_286)
            return -1;
        b = buf[pos];
        switch (b) {
        case 0x26: i->seg = S_ES; break;
        case 0x2E: i->seg = S_CS; break;
        case 0x36: i->seg = S_SS; break;
        case 0x3E: i->seg = S_DS; break;
        case 0x64:
        case 0x65:
            if (!has386)
                goto opcode;
            i->seg = b == 0x64 ? S_FS : S_GS;
            break;
        case 0x66:
            if (!has386)
                goto opcode;
            i->os32 = !def32;
            break;
        case 0x67:
            if (!has386)
                goto opcode;
            i->as32 = !def32;
            break;
        case 0xF0: i->lock = true; break;
        case 0xF1:
            /* Before the 386, F1 is a second LOCK prefix. */
            if (has386)
                goto opcode;
            i->lock = true;
            break;
        case 0xF2:
        case 0xF3: i->rep = b; break;
        default: goto opcode;
        }
        pos++;
        if (pos > DECODE_MAX_LEN && model < CPU_286) {
            /* The 8086 has no length limit; a run of prefixes that long is
             * treated as its own instruction so the buffer stays bounded. */
            i->op = 0x90;
            i->info = &op_table[0x90];
            i->len = (uint8_t)pos;
            return pos;
        }
    }

opcode:;
    int code = buf[pos++];
    const struct opinfo *oi;
    if (model == CPU_8086) {
        if (code >= 0x60 && code <= 0x6F)
            code += 0x10; /* the 8086 decodes 6x as 7x */
        else if (code == 0xC0 || code == 0xC1 || code == 0xC8 || code == 0xC9)
            code += 2; /* C0/C1 alias RET, C8/C9 alias RETF */
    }
    if (code == 0x0F) {
        if (model < CPU_286) {
            oi = &op_pop_cs;
            goto have_info;
        }
        NEED(1);
        code = 0x100 | buf[pos++];
    }
    oi = &op_table[code];
    if (oi->fn == op_group) {
        NEED(1);
        int reg = (buf[pos] >> 3) & 7;
        if (code == 0xFF && reg == 7 && model <= CPU_286)
            reg = 6; /* FF /7 is PUSH on the 8086 and 286 */
        oi = &grp_table[code][reg];
        if (!oi->fn) {
            /* Undefined rows of C6/C7 and 8F behave as row 0 on the 8086;
             * the 286 and later raise #UD (both as the conformance vectors
             * measured on the chips). */
            if (model < CPU_286 && (code == 0xC6 || code == 0xC7 || code == 0x8F))
                oi = &grp_table[code][0];
        }
    }
    if (!oi->fn || oi->model > model)
        oi = &op_invalid;
    if ((code == 0x8C || code == 0x8E) && has386) {
        /* Sreg encodings 6 and 7 are reserved (SDM Vol 2 Appendix B, the sreg
         * field encoding) and #UD, so they decode as invalid, not as MOV. */
        NEED(1);
        if (((buf[pos] >> 3) & 7) > S_GS)
            oi = &op_invalid;
    }
have_info:
    i->op = (uint16_t)code;
    i->info = oi;

    switch (oi->fmt) {
    case FMT_M:
    case FMT_M_B:
    case FMT_M_BS:
    case FMT_M_V: {
        NEED(1);
        uint8_t m = buf[pos++];
        i->modrm = m;
        i->mod = m >> 6;
        i->reg = (m >> 3) & 7;
        i->rm = m & 7;
        if (i->mod == 3 || (oi->attr & A_REG))
            break;
        if (!i->as32) {
            if (i->mod == 0 && i->rm == 6) {
                NEED(2);
                i->disp = (int32_t)rd16(buf + pos);
                pos += 2;
            } else {
                i->base = ea16_base[i->rm];
                i->index = ea16_index[i->rm];
                if (i->mod == 1) {
                    NEED(1);
                    i->disp = (int8_t)buf[pos++];
                } else if (i->mod == 2) {
                    NEED(2);
                    i->disp = (int32_t)rd16(buf + pos);
                    pos += 2;
                }
            }
        } else {
            uint8_t rm = i->rm;
            if (rm == 4) {
                NEED(1);
                uint8_t sib = buf[pos++];
                i->scale = sib >> 6;
                uint8_t idx = (sib >> 3) & 7;
                i->index = idx == 4 ? NO_REG : idx;
                uint8_t base = sib & 7;
                if (base == 5 && i->mod == 0) {
                    NEED(4);
                    i->disp = (int32_t)rd32(buf + pos);
                    pos += 4;
                } else {
                    i->base = base;
                }
            } else if (rm == 5 && i->mod == 0) {
                NEED(4);
                i->disp = (int32_t)rd32(buf + pos);
                pos += 4;
            } else {
                i->base = rm;
            }
            if (i->mod == 1) {
                NEED(1);
                i->disp = (int8_t)buf[pos++];
            } else if (i->mod == 2) {
                NEED(4);
                i->disp = (int32_t)rd32(buf + pos);
                pos += 4;
            }
        }
        break;
    }
    default: break;
    }

    switch (oi->fmt) {
    case FMT_M_B:
    case FMT_B:
        NEED(1);
        i->imm = buf[pos++];
        break;
    case FMT_M_BS:
    case FMT_BS:
    case FMT_JB:
        NEED(1);
        i->imm = (uint32_t)(int32_t)(int8_t)buf[pos++];
        break;
    case FMT_W:
        NEED(2);
        i->imm = rd16(buf + pos);
        pos += 2;
        break;
    case FMT_M_V:
    case FMT_V:
        if (i->os32) {
            NEED(4);
            i->imm = rd32(buf + pos);
            pos += 4;
        } else {
            NEED(2);
            i->imm = rd16(buf + pos);
            pos += 2;
        }
        break;
    case FMT_JV:
        if (i->os32) {
            NEED(4);
            i->imm = rd32(buf + pos);
            pos += 4;
        } else {
            NEED(2);
            i->imm = (uint32_t)(int32_t)(int16_t)rd16(buf + pos);
            pos += 2;
        }
        break;
    case FMT_A:
        if (i->as32) {
            NEED(4);
            i->disp = (int32_t)rd32(buf + pos);
            pos += 4;
        } else {
            NEED(2);
            i->disp = (int32_t)rd16(buf + pos);
            pos += 2;
        }
        break;
    case FMT_P:
        if (i->os32) {
            NEED(6);
            i->imm = rd32(buf + pos);
            i->imm2 = rd16(buf + pos + 4);
            pos += 6;
        } else {
            NEED(4);
            i->imm = rd16(buf + pos);
            i->imm2 = rd16(buf + pos + 2);
            pos += 4;
        }
        break;
    case FMT_WB:
        NEED(3);
        i->imm = rd16(buf + pos);
        i->imm2 = buf[pos + 2];
        pos += 3;
        break;
    default: break;
    }

    if (model >= CPU_286 && pos > max_len)
        return -1;
    if ((oi->attr & A_MODREG) && i->mod != 3)
        i->info = &op_invalid;
    /* Default segment: SS for BP/ESP/EBP-based addressing. */
    uint8_t dseg = (i->base == R_EBP || i->base == R_ESP) ? S_SS : S_DS;
    i->ea_seg = i->seg != S_NONE ? i->seg : dseg;
    i->len = (uint8_t)pos;
    return pos;
}
