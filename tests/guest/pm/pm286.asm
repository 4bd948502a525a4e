; tests/guest/pm/pm286.asm: 16-bit protected mode the 286 way, runnable on
; the 286 itself. LMSW sets PE (SMSW reads FFF1: the 286's unused bits are
; ones); a 286 GDT and IDT loaded with 24-bit bases; segment loads; a limit
; violation delivered as #GP(0) through a 286 interrupt gate; LAR; LTR and a
; JMP to a 286 TSS and back; and the 286's only way out of protected mode, a
; shutdown (triple fault) that resets the CPU with RAM kept. The results are
; stored in RAM and checked in real mode after the reset.
%define TEST_NAME "pm286"
%include "rom.inc"
cpu 286

MARKER          equ 0x0600
MAGIC           equ 0x286A
RES             equ 0x0610            ; results, checked after the reset
GDT             equ 0x1000
IDT             equ 0x1800
S_CODE          equ 0x08
S_DATA          equ 0x10
S_SMALL         equ 0x18              ; base 20000, limit FF
S_TSSMAIN       equ 0x20
S_TSSA          equ 0x28
TSSMAIN         equ 0x6000
TSSA            equ 0x6100

main:
    cmp word [MARKER], MAGIC
    je second_run
    jmp first_run                   ; (no near Jcc on the 286)
second_run:
    mov word [MARKER], 0
    CHECK [RES + 0], 0xFFF1, "smsw after lmsw"
    CHECK [RES + 2], 13, "limit violation: #GP"
    CHECK [RES + 4], 0, "limit violation: error code"
    CHECK [RES + 6], pm16.lim, "limit violation: ip"
    CHECK [RES + 8], 0x9B00, "lar of the code segment"
    CHECK [RES + 10], 0x1234, "286 task: ax from its TSS"
    CHECK [RES + 12], S_TSSA, "286 task: str"
    CHECK [RES + 14], 0x5678, "back in the main task: bx restored"
    CHECK [RES + 16], 0x0081, "jmp back: TSS A no longer busy"
    CHECK [RES + 18], 0xAA55, "reached the shutdown"
    mov ax, cs
    CHECK ax, ROM_SEG, "real mode after the reset"
    FINISH

first_run:
    ; GDT in RAM (the CPU writes accessed and busy bits).
    mov si, gdt_tmpl
    mov di, GDT
    mov cx, gdt_tmpl_end - gdt_tmpl
.copy:
    mov al, [cs:si]
    mov [di], al
    inc si
    inc di
    loop .copy
    ; IDT: vector 13 only, a 286 interrupt gate.
    mov word [IDT + 13 * 8], gp_handler
    mov word [IDT + 13 * 8 + 2], S_CODE
    mov word [IDT + 13 * 8 + 4], 0x8600
    mov word [IDT + 13 * 8 + 6], 0
    ; TSS A: IP, FLAGS, AX, SP, ES CS SS DS.
    mov word [TSSA + 0x0E], task_a
    mov word [TSSA + 0x10], 2
    mov word [TSSA + 0x12], 0x1234
    mov word [TSSA + 0x1A], 0x6F00
    mov word [TSSA + 0x22], S_DATA
    mov word [TSSA + 0x24], S_CODE
    mov word [TSSA + 0x26], S_DATA
    mov word [TSSA + 0x28], S_DATA
    lgdt [cs:gdtr]
    lidt [cs:idtr]
    mov ax, 1
    lmsw ax
    jmp S_CODE:pm16

pm16:
    mov ax, S_DATA
    mov ds, ax
    mov ss, ax
    mov sp, STACK_TOP
    smsw [RES + 0]
    mov ax, S_SMALL
    mov es, ax
    mov ax, [es:0xFE]               ; fine
.lim:
    mov ax, [es:0xFF]               ; crosses the limit: #GP(0)
    mov ax, S_CODE
    lar bx, ax
    mov [RES + 8], bx
    mov ax, S_TSSMAIN
    ltr ax
    mov bx, 0x5678
    jmp S_TSSA:0
.back:
    mov [RES + 14], bx
    mov al, [GDT + S_TSSA + 5]
    mov ah, 0
    mov [RES + 16], ax
    ; Shutdown: no IDT, then a fault.
    mov word [RES + 18], 0xAA55
    mov word [MARKER], MAGIC
    lidt [cs:no_idt]
    int 3
.hang:
    jmp .hang

; #GP: record the vector, error code and IP, skip the 4-byte MOV.
gp_handler:
    push bp
    mov bp, sp
    mov word [RES + 2], 13
    mov ax, [bp + 2]
    mov [RES + 4], ax
    mov ax, [bp + 4]
    mov [RES + 6], ax
    add word [bp + 4], 4
    pop bp
    add sp, 2
    iret

task_a:
    mov [RES + 10], ax
    str ax
    mov [RES + 12], ax
    mov bx, 0xDEAD
    jmp S_TSSMAIN:0

gdtr:
    dw 0x2F
    dw GDT, 0
idtr:
    dw 14 * 8 - 1
    dw IDT, 0
no_idt:
    dw 0, 0, 0
gdt_tmpl:
    dw 0, 0, 0, 0
    dw 0xFFFF, 0x0000, 0x9A0F, 0    ; code: base F0000
    dw 0xFFFF, 0x0000, 0x9200, 0    ; data: base 0
    dw 0x00FF, 0x0000, 0x9202, 0    ; small: base 20000, limit FF
    dw 0x002B, TSSMAIN, 0x8100, 0   ; main TSS (286)
    dw 0x002B, TSSA, 0x8100, 0      ; TSS A (286)
gdt_tmpl_end:

    ROM_END
