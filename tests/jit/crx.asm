; tests/jit/crx.asm: CR3 and CR0.PG writes change what code sits at a linear
; address. Between calls: two page directories map 400000 to different
; frames, and with paging off 400000 is the physical page. Mid-stream: the
; instruction after a MOV CR3 (or a MOV CR0 that turns paging off or on) is
; fetched through the new translation (both are serializing, SDM 3A §8.3),
; so code whose next bytes differ in the two mappings must run the new
; ones, in a hot loop.
%define TEST_NAME "crx"
%include "rom.inc"
%include "pm.inc"
%include "jit.inc"

LIN_SW          equ 0x400000          ; A / B / physical: three snippets
F_SW_A          equ 0x220000
F_SW_B          equ 0x221000
LIN_CR3         equ 0x401000          ; mov cr3, ebx ; mov eax, X ; retf
F_CR3_A         equ 0x222000
F_CR3_B         equ 0x223000
LIN_CR0         equ 0x402000          ; mov cr0, edx ; mov eax, X ; retf
F_CR0           equ 0x224000          ; its paged view (the physical page is 402000)

; PUT_MOVCR addr, modrm, value: `mov crN, reg` (0F 22 modrm) ; mov eax,
; value ; retf.
%macro PUT_MOVCR 3
    mov word [%1], 0x220F
    mov byte [(%1) + 2], %2
    PUT_MOVRET (%1) + 3, %3
%endmacro

main:
    jmp pm_enter

bits 32
pm_main:
    JIT_INIT
    PAGING_TABLES
    MAP PT_A, LIN_SW, F_SW_A
    MAP PT_B, LIN_SW, F_SW_B
    MAP PT_A, LIN_CR3, F_CR3_A
    MAP PT_B, LIN_CR3, F_CR3_B
    MAP PT_A, LIN_CR0, F_CR0
    MAP PT_B, LIN_CR0, F_CR0
    PUT_MOVRET F_SW_A, 0xAAAA0001
    PUT_MOVRET F_SW_B, 0xBBBB0002
    PUT_MOVRET LIN_SW, 0x99990003    ; the physical page (paging is off)
    PUT_MOVCR F_CR3_A, 0xDB, 0xA1A1A1A1 ; mov cr3, ebx
    PUT_MOVCR F_CR3_B, 0xDB, 0xB2B2B2B2
    PUT_MOVCR F_CR0, 0xC2, 0xF0F0F0F0 ; mov cr0, edx
    PUT_MOVCR LIN_CR0, 0xC2, 0x50505050

    ; ---- between calls.
    mov esi, 0
.between:
    mov eax, PD_A
    mov cr3, eax
    PAGING_ON
    CALLF LIN_SW
    CHK eax, 0xAAAA0001, "cr3 = A: frame A"
    mov eax, PD_B
    mov cr3, eax
    CALLF LIN_SW
    CHK eax, 0xBBBB0002, "cr3 = B: frame B"
    PAGING_OFF
    CALLF LIN_SW
    CHK eax, 0x99990003, "paging off: the physical page"
    PAGING_ON
    CALLF LIN_SW
    CHK eax, 0xBBBB0002, "paging on again, cr3 = B"
    PAGING_OFF
    inc esi
    cmp esi, HOT
    jb .between

    ; ---- MOV CR3 mid-stream: the next instruction comes from the other
    ; directory's frame.
    mov eax, PD_A
    mov cr3, eax
    PAGING_ON
    mov esi, 0
.cr3:
    mov ebx, PD_B                     ; A's code switches to B
    CALLF LIN_CR3
    CHK eax, 0xB2B2B2B2, "mov cr3 A->B: next instruction from B"
    mov eax, cr3
    CHK eax, PD_B, "mov cr3 A->B: cr3"
    mov ebx, PD_A                     ; B's code switches to A
    CALLF LIN_CR3
    CHK eax, 0xA1A1A1A1, "mov cr3 B->A: next instruction from A"
    mov ebx, PD_A                     ; A's code reloads A
    CALLF LIN_CR3
    CHK eax, 0xA1A1A1A1, "mov cr3 A->A"
    inc esi
    cmp esi, HOT
    jb .cr3

    ; ---- MOV CR0 mid-stream: paging off from the paged view, on from the
    ; physical one.
    mov esi, 0
.cr0:
    mov edx, cr0
    and edx, ~CR0_PG
    CALLF LIN_CR0                     ; paged view turns paging off
    CHK eax, 0x50505050, "mov cr0 (PG off): next instruction from the physical page"
    mov eax, cr0
    and eax, CR0_PG
    CHK eax, 0, "mov cr0 (PG off): paging off"
    mov edx, cr0
    or edx, CR0_PG
    CALLF LIN_CR0                     ; physical view turns paging on
    CHK eax, 0xF0F0F0F0, "mov cr0 (PG on): next instruction from the paged view"
    mov eax, cr0
    and eax, CR0_PG
    CHK eax, CR0_PG, "mov cr0 (PG on): paging on"
    inc esi
    cmp esi, HOT
    jb .cr0

    PAGING_OFF
    PM_FINISH

ROM_END
