; tests/guest/divfault.asm: #DE through the IVT -- divide by zero, quotient
; overflow for DIV and IDIV at every width, AAM 0 -- with the saved CS:IP
; pointing at the faulting instruction (prefixes included, 286 and later)
; and the registers left as they were before it.
%define TEST_NAME "divfault"
%include "rom.inc"

main:
    ; DIV r16 by zero; AX and DX keep their values.
    mov ax, 0x1234
    mov dx, 0x5678
    xor bx, bx
    EXPECT_FAULT 0, at_div16, div bx
    CHECK ax, 0x1234, "div16 keeps ax"
    CHECK dx, 0x5678, "div16 keeps dx"

    ; DIV r8 by zero.
    mov ax, 0x00FF
    xor bl, bl
    EXPECT_FAULT 0, at_div8, div bl
    CHECK ax, 0x00FF, "div8 keeps ax"

    ; Quotient too large for DIV: 0x100000 / 0x10 = 0x10000.
    mov dx, 0x0010
    xor ax, ax
    mov bx, 0x0010
    EXPECT_FAULT 0, at_divovf, div bx

    ; IDIV overflow: -32768 / -1.
    mov dx, 0xFFFF
    mov ax, 0x8000
    mov bx, 0xFFFF
    EXPECT_FAULT 0, at_idiv16, idiv bx

    ; IDIV r8 overflow: -32768 / 127 = -258.
    mov ax, 0x8000
    mov bl, 0x7F
    EXPECT_FAULT 0, at_idiv8, idiv bl

    ; A memory operand with a segment override: the saved IP points at the
    ; prefix, the start of the instruction.
    push es
    mov ax, 0x4000
    mov es, ax
    mov word [es:0x20], 0
    mov bx, 0x20
    mov ax, 7
    xor dx, dx
    EXPECT_FAULT 0, at_divmem, div word [es:bx]
    pop es
    CHECK ax, 7, "div mem keeps ax"

    ; AAM 0 divides by zero too.
    mov ax, 0x0042
    EXPECT_FAULT 0, at_aam, aam 0
    CHECK ax, 0x0042, "aam 0 keeps ax"

    ; 32-bit DIV by zero under the operand-size prefix.
    mov eax, 0x12345678
    xor ebx, ebx
    xor edx, edx
    EXPECT_FAULT 0, at_div32, div ebx
    CHECK32 eax, 0x12345678, "div32 keeps eax"

    ; And a division that must not fault.
    mov dx, 0
    mov ax, 100
    mov bx, 7
    div bx
    CHECK ax, 14, "div ok quotient"
    CHECK dx, 2, "div ok remainder"

    CHECK word [LIB_FAULTS], 8, "fault count"
    FINISH

    ROM_END
