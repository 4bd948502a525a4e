; tests/jit/smc2.asm: more self-modifying code, in hot loops. A REP MOVSB
; that copies new instructions over the ones right after it in the same
; block; a block across a page boundary rewritten on its second page (and on
; its first) by the caller; code that stores through another linear alias
; of its own page into its next instruction; byte stores into the middle of
; an instruction's immediate just before it runs.
%define TEST_NAME "smc2"
%include "rom.inc"
%include "pm.inc"
%include "jit.inc"

REPC            equ 0x40000           ; rep movsb over its own next instructions
PATCH           equ 0x40800           ; what it copies: mov eax, imm32 ; retf
CROSS           equ 0x40FF6           ; mov ebx, imm32 ; inc ecx ; nop x4 | 41000: mov eax, imm32 ; retf
BYTES           equ 0x42000           ; byte stores into the next immediate
LIN_A           equ 0x400000          ; two linear views of frame F
LIN_B           equ 0x401000
F_ALIAS         equ 0x230000

main:
    jmp pm_enter

bits 32
pm_main:
    JIT_INIT

    ; ---- REP MOVSB over the next instructions of its own block.
    ; REPC: mov esi, PATCH ; mov edi, REPC+19 ; mov ecx, 6 ; cld ; rep movsb ;
    ;       nop ; REPC+19: mov eax, 0x11111111 ; retf
    mov edi, REPC
    mov byte [edi], 0xBE
    mov dword [edi + 1], PATCH
    mov byte [edi + 5], 0xBF
    mov dword [edi + 6], REPC + 19
    mov byte [edi + 10], 0xB9
    mov dword [edi + 11], 6
    mov byte [edi + 15], 0xFC
    mov word [edi + 16], 0xA4F3
    mov byte [edi + 18], 0x90
    PUT_MOVRET REPC + 19, 0x11111111
    mov byte [PATCH], 0xB8
    mov byte [PATCH + 5], 0xCB
    mov ebp, 1                        ; (the code sets ESI, EDI, ECX)
.repc:
    mov [PATCH + 1], ebp
    CALLF REPC
    CHK eax, ebp, "rep movsb over its own block: the copied code runs"
    CHK [REPC + 20], ebp, "rep movsb over its own block: the bytes"
    CHK ecx, 0, "rep movsb over its own block: ecx"
    inc ebp
    cmp ebp, HOT * 2
    jb .repc

    ; ---- a block across 40FFF/41000, rewritten on either page.
    mov edi, CROSS
    mov byte [edi], 0xBB              ; mov ebx, imm32
    mov dword [edi + 1], 0
    mov byte [edi + 5], 0x41          ; inc ecx
    mov dword [edi + 6], 0x90909090   ; nops up to 41000
    PUT_MOVRET 0x41000, 0
    mov esi, 1
.cross:
    xor ecx, ecx
    mov [0x41001], esi                ; the second page
    lea eax, [esi + 0x1000]
    mov [CROSS + 1], eax              ; the first page
    CALLF CROSS
    CHK eax, esi, "cross-page block: the second page's new code"
    lea edx, [esi + 0x1000]
    CHK ebx, edx, "cross-page block: the first page's new code"
    CHK ecx, 1, "cross-page block: ran once"
    ; Only the second page this time.
    inc esi
    mov [0x41001], esi
    CALLF CROSS
    CHK eax, esi, "cross-page block: only the second page rewritten"
    inc esi
    cmp esi, HOT * 2
    jb .cross

    ; ---- byte stores into the next instruction's immediate.
    ; BYTES: mov [BYTES+13], dl ; mov [BYTES+15], dh ; mov eax, imm32 (its
    ; bytes 0 and 2 at BYTES+13 and +15) ; retf
    mov edi, BYTES
    mov word [edi], 0x1588            ; mov [BYTES + 13], dl
    mov dword [edi + 2], BYTES + 13
    mov word [edi + 6], 0x3588        ; mov [BYTES + 15], dh
    mov dword [edi + 8], BYTES + 15
    PUT_MOVRET BYTES + 12, 0x44332211
    mov esi, 0
.bytes:
    mov edx, esi
    imul edx, edx, 0x0101
    and edx, 0xFFFF
    CALLF BYTES
    ; eax: byte 0 = dl, byte 2 = dh, bytes 1 and 3 as they were
    mov ebx, edx
    and ebx, 0xFF
    mov ecx, edx
    and ecx, 0xFF00
    shl ecx, 8
    or ebx, ecx
    or ebx, 0x44002200
    CHK eax, ebx, "byte stores into the next immediate"
    inc esi
    cmp esi, HOT * 2
    jb .bytes

    ; ---- through a second linear view of its own page.
    PAGING_TABLES
    MAP PT_A, LIN_A, F_ALIAS
    MAP PT_A, LIN_B, F_ALIAS
    PAGING_ON
    ; LIN_A: mov [LIN_B + 7], edx (89 15 disp32) ; mov eax, imm32 ; retf
    mov word [LIN_A], 0x1589
    mov dword [LIN_A + 2], LIN_B + 7
    PUT_MOVRET LIN_A + 6, 0
    mov esi, 1
.alias:
    mov edx, esi
    imul edx, edx, 0x9E3779B9
    CALLF LIN_A
    CHK eax, edx, "store through an alias into the next instruction"
    inc esi
    cmp esi, HOT * 2
    jb .alias
    PAGING_OFF

    PM_FINISH

ROM_END
