; tests/jit/smc.asm: self-modifying code under the JIT and the interpreter.
; Code copied into RAM is run many times (so it gets translated) while being
; rewritten: by an instruction in the same block just before the patched
; instruction, by the caller between runs (same page, over and over, past the
; point where a page is left to the interpreter), and across a page boundary
; inside one instruction. Every run must see the bytes as they are now. Also
; a REP STOSD longer than one execution chunk in the middle of a block.
%define TEST_NAME "smc"
%include "rom.inc"
%include "pm.inc"

SEL_FLAT        equ SEL_FREE          ; flat 4 GB code, DPL 0
CODE_A          equ 0x20000           ; patches its own next instruction
CODE_B          equ 0x20100           ; rewritten by the caller each run
CODE_C          equ 0x20FFE           ; its immediate straddles 0x21000

main:
    jmp pm_enter

bits 32
pm_main:
    SET_DESC GDT_BASE + SEL_FLAT, 0, 0xFFFFF, ACC_CODE, DF_FLAT
    ; A: mov byte [CODE_A+8], 0x42 ; mov eax, 0x11111111 ; retf
    mov dword [CODE_A + 0], 0x000805C6 | ((CODE_A >> 8) & 0xFF) << 24
    mov dword [CODE_A + 4], 0xB8420000 | ((CODE_A >> 16) & 0xFFFF)
    mov dword [CODE_A + 8], 0x11111111
    mov byte [CODE_A + 12], 0xCB
    ; B: mov eax, imm32 ; retf
    mov byte [CODE_B], 0xB8
    mov byte [CODE_B + 5], 0xCB
    ; C: mov eax, imm32 ; retf, with the immediate across the page boundary
    mov byte [CODE_C], 0xB8
    mov byte [CODE_C + 5], 0xCB

    mov esi, 1
.loop:
    ; A restored, then run: it must see its own patch.
    mov byte [CODE_A + 8], 0x11
    call SEL_FLAT:CODE_A
    CHK eax, 0x11111142, "same-block patch seen"
    ; B rewritten by us, then run.
    mov [CODE_B + 1], esi
    call SEL_FLAT:CODE_B
    CHK eax, esi, "caller's rewrite seen"
    ; C: a dword written across the page boundary.
    mov eax, esi
    imul eax, eax, 0x01010101
    mov [CODE_C + 1], eax
    call SEL_FLAT:CODE_C
    mov ebx, esi
    imul ebx, ebx, 0x01010101
    CHK eax, ebx, "page-crossing rewrite seen"
    inc esi
    cmp esi, 200
    jbe .loop

    ; A REP string instruction longer than one execution chunk, followed by
    ; more code in the same block: it must finish before that code runs.
    mov edi, 0x30000
    mov ecx, 10000
    mov eax, 0x5A5A5A5A
    cld
    rep stosd
    mov ebx, ecx
    mov edx, edi
    CHK ebx, 0, "rep stosd finished"
    CHK edx, 0x30000 + 40000, "rep stosd end address"
    mov eax, [0x30000 + 39996]
    CHK eax, 0x5A5A5A5A, "rep stosd last element"

    PM_FINISH

ROM_END
