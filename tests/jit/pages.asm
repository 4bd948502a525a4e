; tests/jit/pages.asm: code seen through paging. One physical page mapped at
; two linear addresses: written through one, run through the other (and
; through the identity map), every run sees the bytes as they are now. A
; block that crosses a page boundary, whose second page is remapped to
; another frame (INVLPG, or a CR3 reload) between runs: every run must take
; the second page's bytes from the frame mapped now; then the second page
; becomes not present: #PF on the fetch with CR2 at the page, EIP at the
; instruction that straddles it, and the instructions before it done.
%define TEST_NAME "pages"
%include "rom.inc"
%include "pm.inc"
%include "jit.inc"

F_ALIAS         equ 0x200000          ; mapped at 400000 and 401000
LIN_A1          equ 0x400000
LIN_A2          equ 0x401000
F_CROSS1        equ 0x210000          ; 402000: the block's first page
F_CROSS2A       equ 0x211000          ; 403000, one way
F_CROSS2B       equ 0x212000          ; 403000, the other way
LIN_CROSS       equ 0x402FF6          ; the snippet: 10 bytes, then page 2

main:
    jmp pm_enter

bits 32
pm_main:
    JIT_INIT
    PAGING_TABLES
    MAP PT_A, LIN_A1, F_ALIAS
    MAP PT_A, LIN_A2, F_ALIAS
    MAP PT_A, 0x402000, F_CROSS1
    MAP PT_A, 0x403000, F_CROSS2A
    PAGING_ON

    ; ---- aliases: write through one linear address, run through another.
    PUT_MOVRET LIN_A1, 0
    mov esi, 1
.alias:
    mov [LIN_A2 + 1], esi             ; through the second alias
    CALLF LIN_A1
    CHK eax, esi, "alias: run through 400000 after a write through 401000"
    inc esi
    mov [LIN_A1 + 1], esi             ; through the first alias
    CALLF LIN_A2
    CHK eax, esi, "alias: run through 401000 after a write through 400000"
    inc esi
    mov [F_ALIAS + 1], esi            ; through the identity map
    CALLF LIN_A1
    CHK eax, esi, "alias: run through 400000 after a write to the frame"
    CALLF F_ALIAS
    CHK eax, esi, "alias: run through the identity map"
    inc esi
    cmp esi, 3 * HOT
    jb .alias

    ; ---- a block across 402FFF/403000 whose second page moves.
    ; 402FF6: mov ebx, 0x11111111 ; inc ecx ; mov eax, imm32 (FFC-1000:
    ; three bytes here, the top byte on page 2) ; page 2: add eax, imm32 ;
    ; retf.
    mov edi, LIN_CROSS
    mov byte [edi], 0xBB
    mov dword [edi + 1], 0x11111111
    mov byte [edi + 5], 0x41
    mov byte [edi + 6], 0xB8
    mov byte [edi + 7], 0x33
    mov byte [edi + 8], 0x22
    mov byte [edi + 9], 0x11
    ; page 2, frame A: AA ; 05 01 00 00 00 (add eax, 1) ; CB
    mov dword [F_CROSS2A], 0x000105AA
    mov dword [F_CROSS2A + 4], 0xCB0000
    mov dword [F_CROSS2B], 0x000205BB
    mov dword [F_CROSS2B + 4], 0xCB0000
    mov esi, 0
.cross:
    xor ecx, ecx
    CALLF LIN_CROSS
    CHK eax, 0xAA112234, "cross: second page from frame A"
    CHK ecx, 1, "cross: first page ran"
    MAP PT_A, 0x403000, F_CROSS2B
    invlpg [0x403000]
    CALLF LIN_CROSS
    CHK eax, 0xBB112235, "cross: second page from frame B after INVLPG"
    MAP PT_A, 0x403000, F_CROSS2A
    test esi, 1
    jz .by_invlpg
    mov eax, cr3
    mov cr3, eax
    jmp .remapped
.by_invlpg:
    invlpg [0x403000]
.remapped:
    inc esi
    cmp esi, HOT
    jb .cross
    ; The second page rewritten in its frame (no remap): seen too.
    mov byte [F_CROSS2A], 0xCC
    CALLF LIN_CROSS
    CHK eax, 0xCC112234, "cross: second page rewritten"
    mov byte [F_CROSS2A], 0xAA

    ; ---- the second page not present: #PF on the fetch of the straddling
    ; instruction, with the instructions before it done.
    mov dword [PT_A + 3 * 4], 0
    invlpg [0x403000]
    mov esi, 0
.np:
    mov ebx, 0
    mov ecx, 0
    TRY .np_caught
    CALLF LIN_CROSS
    PM_FAIL "cross: no #PF for a not-present second page"
.np_caught:
    CAUGHT 14, 0, "cross: #PF(0) on the fetch"
    CHK [PM_EXC_CR2], 0x403000, "cross: cr2 is the second page"
    CHK [PM_EXC_EIP], LIN_CROSS + 6, "cross: eip of the straddling instruction"
    CHK [PM_EXC_CS], SEL_FLAT, "cross: cs"
    CHK ebx, 0x11111111, "cross: the first instruction done before the fault"
    CHK ecx, 1, "cross: the second instruction done before the fault"
    inc esi
    cmp esi, 8
    jb .np
    ; Mapped again: runs through.
    MAP PT_A, 0x403000, F_CROSS2B
    invlpg [0x403000]
    CALLF LIN_CROSS
    CHK eax, 0xBB112235, "cross: mapped again"

    PAGING_OFF
    PM_FINISH

ROM_END
