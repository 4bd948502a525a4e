; tests/guest/wrap.asm: real-mode addressing at the edges, 386 and later.
; 16-bit effective addresses wrap within the segment; a stack push wraps SP
; from 0 to FFFE; an access that runs past the 64 KB limit raises #GP (#SS
; through SS) with CS:IP at the instruction, and so does an instruction
; that runs past CS's limit; a 32-bit offset above the limit faults too.
; A20 through port 92h decides whether FFFF:xxxx reaches above 1 MB or
; wraps to the bottom, and "unreal mode" (a 4 GB limit loaded in protected
; mode and kept in the descriptor cache back in real mode) lets 32-bit
; offsets reach all of memory.
%define TEST_NAME "wrap"
%include "rom.inc"

SCRATCH  equ 0x0620
DATA_SEG equ 0x2000

main:
    ; 16-bit effective addresses wrap at 64 KB: FFFF+2 is offset 1, and
    ; FFF0+20h is offset 10h.
    mov byte [1], 0x5A
    mov byte [0x10], 0xA5
    mov bx, 0xFFFF
    mov si, 2
    movzx ax, byte [bx + si]
    CHECK ax, 0x5A, "[bx+si] wraps to offset 1"
    mov bx, 0xFFF0
    movzx ax, byte [bx + 0x20]
    CHECK ax, 0xA5, "[bx+20h] wraps to offset 10h"

    ; The last byte of a segment is in reach; a word there is not.
    push ds
    mov ax, DATA_SEG
    mov ds, ax
    mov byte [0xFFFF], 0x77
    movzx ax, byte [0xFFFF]
    pop ds
    CHECK ax, 0x77, "byte at ffff"
    mov bx, 0xFFFF
    EXPECT_FAULT 13, at_word_ffff, mov ax, [bx]
    EXPECT_FAULT 13, at_dword_fffd, mov eax, [0xFFFD]
    ; BP addresses SS: #SS.
    mov bp, 0xFFFF
    EXPECT_FAULT 12, at_bp_ffff, mov [bp], ax
    ; A 32-bit offset past the limit.
    mov ebx, 0x10000
    EXPECT_FAULT 13, at_ebx_64k, mov al, [ebx]
    xor ebx, ebx

    ; PUSH with SP = 0 writes at FFFE of the stack segment; POP comes back
    ; to 0.
    mov [SCRATCH], sp
    mov [SCRATCH + 2], ss
    mov ax, DATA_SEG
    mov ss, ax
    xor sp, sp
    mov ax, 0x1234
    push ax
    mov cx, sp
    pop dx
    mov bx, sp
    mov ss, [SCRATCH + 2]
    mov sp, [SCRATCH]
    CHECK cx, 0xFFFE, "sp after push at 0"
    CHECK bx, 0, "sp after pop"
    CHECK dx, 0x1234, "popped value"
    push ds
    mov ax, DATA_SEG
    mov ds, ax
    mov ax, [0xFFFE]
    pop ds
    CHECK ax, 0x1234, "pushed word at ffff:fffe"

    ; An instruction that runs past CS's limit: MOV AX, imm16 at
    ; 2000:FFFE has its last byte at offset 10000h. #GP, CS:IP at it.
    push es
    mov ax, DATA_SEG
    mov es, ax
    mov word [es:0xFFFE], 0x34B8    ; B8 34 (12 would be at 10000h)
    pop es
    ARM_FAULT 13, .cs_resume
    jmp DATA_SEG:0xFFFE
.cs_resume:
    CHECK word [LIB_FAULT_V], 13, "vector of code past cs limit"
    CHECK word [LIB_FAULT_IP], 0xFFFE, "fault ip of code past cs limit"
    CHECK word [LIB_FAULT_CS], DATA_SEG, "fault cs of code past cs limit"

    ; A20 (port 92h bit 1): FFFF:0610 is 100600h when it is on, and wraps
    ; to 000600h when it is off.
    in al, 0x92
    or al, 2
    out 0x92, al
    push es
    mov ax, 0xFFFF
    mov es, ax
    mov word [SCRATCH], 0x1111
    mov word [es:SCRATCH + 0x10], 0x2222
    mov ax, [SCRATCH]
    CHECK ax, 0x1111, "a20 on: ffff:0630 is above 1 MB"
    CHECK word [es:SCRATCH + 0x10], 0x2222, "a20 on: ffff:0630 reads back"
    in al, 0x92
    and al, ~2
    out 0x92, al
    mov word [es:SCRATCH + 0x10], 0x3333
    mov ax, [SCRATCH]
    CHECK ax, 0x3333, "a20 off: ffff:0630 wraps to 0620h"
    in al, 0x92
    or al, 2
    out 0x92, al
    mov ax, [es:SCRATCH + 0x10]
    CHECK ax, 0x2222, "a20 on again: 100620h kept its value"
    pop es

    ; Unreal mode: load DS with a 4 GB limit in protected mode and come
    ; back; DS = 0 keeps the limit, so [ebx] reaches 1 MB and beyond.
    SEG_VIA_PM LIB_SEL_FLAT, ds
    xor bx, bx
    mov ds, bx
    mov ebx, 0x100000 + SCRATCH
    mov dword [ebx], 0xCAFEF00D
    mov ecx, [ebx]
    CHECK32 ecx, 0xCAFEF00D, "unreal: [ebx] above 1 MB"
    push es
    mov ax, 0xFFFF
    mov es, ax
    mov ax, [es:SCRATCH + 0x10]
    pop es
    CHECK ax, 0xF00D, "unreal: the same bytes through ffff:0630"
    mov ebx, 0x200000
    mov byte [ebx], 0x42
    movzx ax, byte [ebx]
    CHECK ax, 0x42, "unreal: [ebx] at 2 MB"
    ; Back to a 64 KB DS: the same offset faults again.
    SEG_VIA_PM LIB_SEL_64K, ds
    xor bx, bx
    mov ds, bx
    mov ebx, 0x10000
    EXPECT_FAULT 13, at_ebx_64k_again, mov al, [ebx]
    xor ebx, ebx

    FINISH

    ROM_END
