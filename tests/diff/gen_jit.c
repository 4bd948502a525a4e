/* Differential testing: groups only the interpreter-against-JIT run uses
 * (gen_sequence_ex with GEN_F_JIT), as the native runner cannot host them:
 * 16-bit addressing (67h) through FS, which the guest bases on the scratch
 * buffer (or leaves flat, when a segment load made it so: then the low 4 KB
 * of guest RAM), 16-bit-address string instructions over the low 64 KB,
 * segment register loads and stores, self-modifying code (stores into the
 * immediate or the opcode of the next instruction, or into an earlier
 * instruction's immediate, seen by the loop's next pass), faults in the
 * last pass, and indirect branches. */
#include "gen_priv.h"
#include "guest.h"

/* The 16-bit address registers of ModRM rm 0-7: base, index (-1: none). */
static const int a16_base[8] = {EBX, EBX, EBP, EBP, ESI, EDI, EBP, EBX};
static const int a16_index[8] = {ESI, EDI, ESI, EDI, -1, -1, -1, -1};

static void mov_r16(struct gen *g, int r, uint32_t v)
{
    b1(g, 0x66);
    b1(g, 0xB8 + (uint32_t)r);
    b2(g, v);
}

/* FS: [a16 form] for an operand of `size` bytes: sets the address
 * registers' low halves (their high halves stay whatever they are, which
 * 16-bit addressing must ignore), then the prefixes; returns the ModRM's
 * mod and rm bits and the displacement to emit after it. */
struct a16 {
    uint32_t modrm; /* mod << 6 | rm */
    int dsize;      /* 0, 1 or 2 */
    uint32_t disp;
};

static struct a16 a16_operand(struct gen *g, int size)
{
    struct a16 a;
    uint32_t target = 0x10 + rn(g, 0xFE0 - 0x10 - (uint32_t)size);
    uint32_t rm = rn(g, 8), mod = rn(g, 3);
    if (mod == 0 && rm == 6)
        mod = chance(g, 50) ? 1 : 2;
    a.dsize = mod == 0 ? 0 : (int)mod;
    a.disp = mod == 1 ? (uint32_t)(int32_t)(int8_t)rn(g, 256) : mod == 2 ? rn(g, 65536) : 0;
    if (chance(g, 8)) { /* [disp16] */
        mod = 0;
        rm = 6;
        a.dsize = 2;
        a.disp = target;
    } else {
        int base = a16_base[rm], index = a16_index[rm];
        uint32_t iv = rn(g, 65536);
        if (index >= 0)
            mov_r16(g, index, iv);
        else
            iv = 0;
        mov_r16(g, base, (target - a.disp - iv) & 0xFFFF);
    }
    a.modrm = mod << 6 | rm;
    return a;
}

static void a16_emit(struct gen *g, uint32_t regf, const struct a16 *a)
{
    b1(g, a->modrm | (regf & 7) << 3);
    if (a->dsize == 1)
        b1(g, a->disp);
    else if (a->dsize == 2)
        b2(g, a->disp);
}

static int pick_size(struct gen *g)
{
    uint32_t r = rn(g, 3);
    return r == 0 ? 1 : r == 1 ? 2 : 4;
}

/* A register that is not ESP, for a 16/32-bit destination. */
static int dst16(struct gen *g)
{
    int r;
    do
        r = (int)rn(g, 8);
    while (r == ESP);
    return r;
}

static void g_a16_mem(struct gen *g)
{
    int size = pick_size(g);
    uint32_t wbit = size != 1;
    uint32_t op = rn(g, 8);
    uint32_t kind = rn(g, 6);
    if (kind <= 1 && (op == 2 || op == 3))
        need_flags(g, FL_CF);
    struct a16 a = a16_operand(g, kind == 5 ? 2 : size);
    b1(g, 0x64); /* FS */
    if (size == 2 && kind != 5)
        b1(g, 0x66);
    b1(g, 0x67);
    switch (kind) {
    case 0: /* op r/m, reg */
        b1(g, op * 8 + wbit);
        a16_emit(g, rn(g, 8), &a);
        flags(g, FL_ALL, op == 1 || op == 4 || op == 6 ? FL_AF : 0);
        break;
    case 1: /* op reg, r/m */
        b1(g, op * 8 + 2 + wbit);
        a16_emit(g, op == 7 ? rn(g, 8) : (uint32_t)(size == 1 ? (int)rn(g, 8) : dst16(g)), &a);
        flags(g, FL_ALL, op == 1 || op == 4 || op == 6 ? FL_AF : 0);
        break;
    case 2: /* mov r/m, reg */
        b1(g, 0x88 + wbit);
        a16_emit(g, rn(g, 8), &a);
        break;
    case 3: /* mov reg, r/m */
        b1(g, 0x8A + wbit);
        a16_emit(g, (uint32_t)(size == 1 ? (int)rn(g, 8) : dst16(g)), &a);
        break;
    case 4: /* inc/dec r/m */
        b1(g, size == 1 ? 0xFE : 0xFF);
        a16_emit(g, rn(g, 2), &a);
        flags(g, FL_ALL & ~FL_CF, 0);
        break;
    default: /* movzx/movsx r32, r/m16 */
        b1(g, 0x0F);
        b1(g, chance(g, 50) ? 0xB7 : 0xBF);
        a16_emit(g, (uint32_t)dst16(g), &a);
        break;
    }
}

/* REP MOVS/STOS/LODS/CMPS/SCAS with 16-bit addresses: CX, SI, DI (their
 * high halves stay), DS:SI and ES:DI in the low 64 KB of the flat segments. */
static void g_a16_string(struct gen *g)
{
    static const uint8_t ops[5] = {0xA4, 0xA6, 0xAA, 0xAC, 0xAE};
    int k = (int)rn(g, 5);
    int size = pick_size(g);
    bool cmp = ops[k] == 0xA6 || ops[k] == 0xAE;
    if (chance(g, 30))
        b1(g, chance(g, 50) ? 0xFC : 0xFD);
    mov_r16(g, ESI, 0x100 + rn(g, 0xFD00));
    mov_r16(g, EDI, 0x100 + rn(g, 0xFD00));
    uint32_t rep = rn(g, 3), count = 1;
    if (rep) {
        count = rn(g, 13);
        mov_r16(g, ECX, count);
    }
    if (size == 2)
        b1(g, 0x66);
    b1(g, 0x67);
    if (rep)
        b1(g, cmp && rep == 2 ? 0xF2 : 0xF3);
    b1(g, ops[k] + (size != 1));
    if (cmp && count)
        flags(g, FL_ALL, 0);
}

/* Segment loads and stores: FS/GS between the flat and the scratch
 * segment, DS/ES/SS reloaded with the flat one; PUSH/POP of segment
 * registers in pairs (the stack depth is unchanged). */
static void g_sreg(struct gen *g)
{
    uint32_t sel = chance(g, 50) ? SEL_UDATA : SEL_USCR;
    int r = dst16(g);
    switch (rn(g, 6)) {
    case 0: /* mov r16, sel ; mov fs|gs, r16 */
        mov_r16(g, r, sel);
        b1(g, 0x8E);
        b1(g, 0xC0 | (chance(g, 50) ? 4u : 5u) << 3 | (uint32_t)r);
        break;
    case 1: /* mov r16, flat ; mov ds|es|ss, r16 */
        mov_r16(g, r, SEL_UDATA);
        b1(g, 0x8E);
        b1(g, 0xC0 | (uint32_t)(rn(g, 3) == 0 ? 0 : rn(g, 2) ? 2 : 3) << 3 | (uint32_t)r);
        break;
    case 2: /* mov r16, sreg */
        b1(g, 0x66);
        b1(g, 0x8C);
        b1(g, 0xC0 | rn(g, 6) << 3 | (uint32_t)r);
        break;
    case 3: /* push fs|gs ; pop fs|gs */
        b1(g, 0x0F);
        b1(g, chance(g, 50) ? 0xA0 : 0xA8);
        b1(g, 0x0F);
        b1(g, chance(g, 50) ? 0xA1 : 0xA9);
        break;
    case 4: /* push ds|es|ss ; pop ds|es */
        b1(g, (uint32_t[]){0x1E, 0x06, 0x16}[rn(g, 3)]);
        b1(g, chance(g, 50) ? 0x1F : 0x07);
        break;
    default: /* 16-bit push and pop of a segment register */
        b1(g, 0x66);
        b1(g, chance(g, 50) ? 0x1E : 0x06);
        b1(g, 0x66);
        b1(g, chance(g, 50) ? 0x1F : 0x07);
        break;
    }
}

/* mov dword [code address], imm32 or reg; mov byte [code address], imm8. */
static void store_code32(struct gen *g, uint32_t addr)
{
    if (chance(g, 50)) {
        b1(g, 0xC7);
        b1(g, 0x05);
        b4(g, addr);
        b4(g, gen_rval(g));
    } else {
        b1(g, 0x89);
        b1(g, 0x05 | rn(g, 8) << 3);
        b4(g, addr);
    }
}

/* Self-modifying code. The stores go through the slow path of a code page;
 * the interpreter sees the new bytes at once, and so must the JIT, within
 * the running block too. */
static void g_smc(struct gen *g)
{
    int r = dst16(g);
    switch (rn(g, 3)) {
    case 0: { /* the next instruction's immediate: mov r, imm32 */
        bool imm = chance(g, 50);
        uint32_t next = g->len + (imm ? 10u : 6u);
        uint32_t addr = DIFF_CODE + next + 1;
        if (imm) {
            b1(g, 0xC7);
            b1(g, 0x05);
            b4(g, addr);
            b4(g, gen_rval(g));
        } else {
            b1(g, 0x89);
            b1(g, 0x05 | rn(g, 8) << 3);
            b4(g, addr);
        }
        if (g->nsmc < GEN_SMC_SLOTS)
            g->smc[g->nsmc++] = g->len + 1;
        mov_r32(g, r, gen_rval(g));
        break;
    }
    case 1: { /* the next instruction's opcode: one ALU op for another */
        static const uint8_t alu[6] = {0x01, 0x09, 0x21, 0x29, 0x31, 0x39};
        uint32_t addr = DIFF_CODE + g->len + 7;
        b1(g, 0xC6);
        b1(g, 0x05);
        b4(g, addr);
        b1(g, alu[rn(g, 6)]);
        b1(g, alu[rn(g, 6)]);
        b1(g, 0xC0 | rn(g, 8) << 3 | (uint32_t)r);
        flags(g, FL_ALL, FL_AF);
        break;
    }
    default: /* an earlier immediate: the next pass runs the new value */
        if (g->nsmc == 0) {
            mov_r32(g, r, gen_rval(g));
            break;
        }
        store_code32(g, DIFF_CODE + g->smc[rn(g, (uint32_t)g->nsmc)]);
        break;
    }
}

/* A fault in the loop's last pass only, when the blocks are hot: a 16-bit
 * address through FS that is past the scratch segment's limit (#GP) when
 * the iteration counter says this is the last pass. The state at the fault
 * must be the instruction's own, whatever the JIT keeps in host registers.
 * (With FS flat by then, it reads the low 64 KB instead.) */
static void g_late_fault(struct gen *g)
{
    int r = (int)rn(g, 2) ? EBX : ESI; /* a 16-bit base register */
    uint32_t rr = (uint32_t)r;
    b1(g, 0x8B); /* mov r, [loop counter] */
    b1(g, 0x05 | rr << 3);
    b4(g, DIFF_CTL + GEN_CTL_LOOP);
    b1(g, 0x83); /* cmp r, 2 */
    b1(g, 0xF8 | rr);
    b1(g, 2);
    b1(g, 0x1B); /* sbb r, r: -1 in the last pass (counter 1), else 0 */
    b1(g, 0xC0 | rr << 3 | rr);
    b1(g, 0x81); /* and r, 0x1000 */
    b1(g, 0xE0 | rr);
    b4(g, 0x1000);
    b1(g, 0x66); /* add r16, target */
    b1(g, 0x81);
    b1(g, 0xC0 | rr);
    b2(g, 0x100 + rn(g, 0xE00));
    flags(g, FL_ALL, 0);
    b1(g, 0x64); /* mov|add reg, fs:[bx|si] */
    b1(g, 0x67);
    b1(g, chance(g, 50) ? 0x8B : 0x03);
    b1(g, (uint32_t)dst16(g) << 3 | (r == EBX ? 7u : 4u));
    flags(g, FL_ALL, 0);
}

/* INT3s nobody runs between an indirect branch and its target. */
static void gap(struct gen *g, uint32_t n)
{
    for (uint32_t k = 0; k < n; k++)
        b1(g, 0xCC);
}

/* Indirect branches to a target just ahead (JMP reg, PUSH+RET, CALL reg,
 * JMP [mem]), and one whose target alternates between two spots with the
 * loop's pass, so a cached target must be checked each time. */
static void g_indirect(struct gen *g)
{
    int r = dst16(g);
    uint32_t rr = (uint32_t)r, n = rn(g, 6);
    switch (rn(g, 5)) {
    case 0: /* mov r, T ; jmp r */
        mov_r32(g, r, DIFF_CODE + g->len + 7 + n);
        b1(g, 0xFF);
        b1(g, 0xE0 | rr);
        gap(g, n);
        break;
    case 1: /* push T ; ret */
        b1(g, 0x68);
        b4(g, DIFF_CODE + g->len + 4 + 1 + n);
        b1(g, 0xC3);
        gap(g, n);
        break;
    case 2: /* mov r, T ; call r ; ... T: lea esp, [esp+4] */
        mov_r32(g, r, DIFF_CODE + g->len + 7 + n);
        b1(g, 0xFF);
        b1(g, 0xD0 | rr);
        gap(g, n);
        b4(g, 0x0424648D);
        break;
    case 3: { /* mov dword [S], T ; jmp [S] */
        uint32_t slot = DIFF_SCRATCH + 64 + 4 * rn(g, (DIFF_SCRATCH_SIZE - 128) / 4);
        b1(g, 0xC7);
        b1(g, 0x05);
        b4(g, slot);
        b4(g, DIFF_CODE + g->len + 4 + 6 + n);
        b1(g, 0xFF);
        b1(g, 0x25);
        b4(g, slot);
        gap(g, n);
        break;
    }
    default: /* mov r, [passes] ; and r, 1 ; add r, T0 ; jmp r ; T0: nop ; T1: */
        b1(g, 0x8B);
        b1(g, 0x05 | rr << 3);
        b4(g, DIFF_CTL + GEN_CTL_LOOP);
        b1(g, 0x83);
        b1(g, 0xE0 | rr);
        b1(g, 1);
        b1(g, 0x81);
        b1(g, 0xC0 | rr);
        b4(g, DIFF_CODE + g->len + 4 + 2);
        b1(g, 0xFF);
        b1(g, 0xE0 | rr);
        b1(g, 0x90);
        flags(g, FL_ALL, 0);
        break;
    }
}

void gen_jit_extra(struct gen *g)
{
    if (chance(g, 3)) {
        g_late_fault(g);
        return;
    }
    if (chance(g, 15)) {
        g_indirect(g);
        return;
    }
    uint32_t r = rn(g, 12);
    if (r < 6)
        g_a16_mem(g);
    else if (r < 8)
        g_a16_string(g);
    else if (r < 10)
        g_sreg(g);
    else
        g_smc(g);
}
