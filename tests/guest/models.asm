; tests/guest/models.asm: the CPU model switch as real-mode code sees it.
; Each probe runs one instruction that a later chip added, with #UD armed
; (ARM_FAULT in rom.inc): when it faults, the probe's bit is set. The mask of probes that raised
; #UD, and the FLAGS bits 12-15 that POPF of 0xF000 leaves, must be what the
; manuals give for the model the ROM was assembled for (EXPECT_UD and
; EXPECT_FLAGS, set per model in tests/guest/CMakeLists.txt). For the 286
; and later: the 8086 runs 0F as POP CS and has no #UD; the conformance
; vectors cover it.
%define TEST_NAME "models"
%include "rom.inc"

%ifndef EXPECT_UD
%error "define EXPECT_UD (the #UD mask) for the model"
%endif
%ifndef EXPECT_FLAGS
%error "define EXPECT_FLAGS (FLAGS & 0xF000 after POPF of 0xF000)"
%endif

UD_MASK  equ 0x0614                 ; the probes that raised #UD
SCRATCH  equ 0x0620                 ; 8 bytes for the memory operands

; PROBE_UD bit, bytes...: run one instruction (given as bytes, so nasm's
; choice of prefixes cannot change it) with #UD armed; set the bit when it
; raised #UD (lib disarms the vector when it takes it).
%macro PROBE_UD 2+
    ARM_FAULT 6, %%resume
    db %2
%%resume:
    cmp byte [LIB_EXPECT], 6
    mov byte [LIB_EXPECT], 0xFF
    je %%ran
    or word [UD_MASK], 1 << (%1)
%%ran:
%endmacro

main:
    mov word [UD_MASK], 0

    ; 386: MOVZX AX, BL; BT AX, BX; PUSH FS (popped again when it ran).
    PROBE_UD 0, 0x0F, 0xB6, 0xC3
    PROBE_UD 1, 0x0F, 0xA3, 0xD8
    mov bp, sp
    PROBE_UD 2, 0x0F, 0xA0
    mov sp, bp
    ; 486: BSWAP, CMPXCHG BL,CL, XADD BL,CL, INVD, INVLPG [SCRATCH].
    PROBE_UD 3, 0x0F, 0xC8
    PROBE_UD 4, 0x0F, 0xB0, 0xCB
    PROBE_UD 5, 0x0F, 0xC0, 0xCB
    PROBE_UD 6, 0x0F, 0x08
    PROBE_UD 7, 0x0F, 0x01, 0x3E, SCRATCH & 0xFF, SCRATCH >> 8
    ; Pentium: RDTSC, RDMSR of the TSC (ECX = 0x10: the upper half of ECX
    ; is still 0 from reset, nothing before here writes it), CMPXCHG8B.
    PROBE_UD 8, 0x0F, 0x31
    mov cx, 0x10
    PROBE_UD 9, 0x0F, 0x32
    PROBE_UD 10, 0x0F, 0xC7, 0x0E, SCRATCH & 0xFF, SCRATCH >> 8
    ; Pentium II (P6 family, MMX): CMOVZ AX,BX, RDPMC of counter 0, EMMS.
    PROBE_UD 11, 0x0F, 0x44, 0xC3
    xor cx, cx
    PROBE_UD 12, 0x0F, 0x33
    PROBE_UD 13, 0x0F, 0x77
    ; CPUID (the 486 model is a late 486, which has it) last: it writes
    ; the upper halves of EAX-EDX.
    xor ax, ax
    PROBE_UD 14, 0x0F, 0xA2
    ; UD2 is #UD on every model.
    PROBE_UD 15, 0x0F, 0x0B
    CHECK word [UD_MASK], EXPECT_UD, "#UD mask"

    ; FLAGS 12-15 in real mode: clear on the 286, IOPL and NT writable on
    ; the 386 and later (bit 15 always clear).
    mov ax, 0xF000
    push ax
    popf
    pushf
    pop ax
    and ax, 0xF000
    CHECK ax, EXPECT_FLAGS, "flags 12-15 after popf 0xF000"
    xor ax, ax
    push ax
    popf

    FINISH

    ROM_END
