; tests/guest/pm/pm_basic.asm: entering and leaving protected mode. CR0.PE
; through MOV CR0 and SMSW/LMSW (LMSW sets MP but never clears PE); LGDT/
; SGDT/LIDT/SIDT round trips (a 16-bit LGDT takes 24 bits of base); LTR/STR;
; LLDT/SLDT and a data segment from the LDT (TI=1, accessed bit set, its
; base used), #GP for an LDT selector with a null LDTR; 16-bit and 32-bit code
; segments (the D bit picks the default operand size, far CALL/RETF between
; them); and back to real mode, where segment loads are base = sel * 16 again.
%define TEST_NAME "pm_basic"
%include "rom.inc"
%include "pm.inc"

SEL_LDT         equ SEL_FREE          ; the LDT's descriptor in the GDT
SEL_LDATA       equ 0x0C | 0          ; LDT entry 1, RPL 0
LDATA_BASE      equ 0x12340
SCRATCH         equ 0xA000

main:
    smsw ax
    and ax, 1
    CHECK ax, 0, "no PE in real mode"
    jmp pm_enter

bits 32
pm_main:
    smsw eax
    and eax, 0x1F
    CHK eax, 0x11, "smsw: PE and ET"
    mov eax, cr0
    and eax, 0x80000001
    CHK eax, 1, "cr0: PE without PG"

    ; SGDT/SIDT give back what LGDT/LIDT loaded.
    sgdt [SCRATCH]
    movzx eax, word [SCRATCH]
    CHK eax, GDT_LIMIT, "sgdt limit"
    CHK [SCRATCH + 2], GDT_BASE, "sgdt base"
    sidt [SCRATCH]
    movzx eax, word [SCRATCH]
    CHK eax, 0x7FF, "sidt limit"
    CHK [SCRATCH + 2], IDT_BASE, "sidt base"
    ; LIDT of a new table, SIDT, and back.
    mov word [SCRATCH + 8], 0x1234
    mov dword [SCRATCH + 10], 0x00567800
    lidt [SCRATCH + 8]
    sidt [SCRATCH + 16]
    lidt [cs:pm_idtr]
    movzx eax, word [SCRATCH + 16]
    CHK eax, 0x1234, "lidt/sidt limit"
    CHK [SCRATCH + 18], 0x00567800, "lidt/sidt base"

    ; STR / SLDT.
    xor eax, eax
    dec eax
    str ax
    CHK eax, 0xFFFF0000 | SEL_TSS0, "str ax"
    str ecx                          ; a register destination: zero-extended
    CHK ecx, SEL_TSS0, "str ecx"
    sldt ax
    CHK eax, 0xFFFF0000, "sldt: no LDT yet"
    ; The TSS is busy once loaded.
    movzx eax, byte [GDT_BASE + SEL_TSS0 + 5]
    CHK eax, 0x8B, "ltr marks the TSS busy"

    ; An LDT selector with no LDT: #GP(sel).
    TRY .no_ldt
    mov ax, SEL_LDATA
    mov fs, ax
.no_ldt:
    CAUGHT 13, SEL_LDATA & ~3, "ldt selector without ldt"

    ; LLDT, then a data segment from it.
    SET_DESC GDT_BASE + SEL_LDT, LDT_BASE, 0xFF, ACC_LDT, 0
    SET_DESC LDT_BASE + 8, LDATA_BASE, 0xFFF, ACC_DATA, 0
    mov dword [LDATA_BASE + 0x10], 0xCAFEF00D
    mov ax, SEL_LDT
    lldt ax
    sldt bx
    movzx ebx, bx
    CHK ebx, SEL_LDT, "sldt after lldt"
    mov ax, SEL_LDATA
    mov fs, ax
    CHK [fs:0x10], 0xCAFEF00D, "ldt data segment base"
    movzx eax, byte [LDT_BASE + 8 + 5]
    CHK eax, ACC_DATA | 1, "accessed bit set by the load"
    ; Past its limit (0xFFF): #GP(0).
    TRY .ldt_limit
    mov eax, [fs:0xFFE]
.ldt_limit:
    CAUGHT 13, 0, "ldt segment limit"
    mov ax, SEL_DATA
    mov fs, ax
    ; LLDT with a selector that is not an LDT: #GP(sel).
    TRY .bad_lldt
    mov ax, SEL_DATA
    lldt ax
.bad_lldt:
    CAUGHT 13, SEL_DATA, "lldt of a data segment"
    ; LLDT 0 makes the LDT null again.
    xor ax, ax
    lldt ax
    sldt ax
    movzx eax, ax
    CHK eax, 0, "lldt 0"

    ; 16-bit code segment: DEC AX is a 16-bit DEC there; o32 far call and
    ; return between the two sizes.
    xor eax, eax
    call SEL_CODE16:code16
    CHK eax, 0x0000FFFF, "16-bit segment default operand size"
    CHK ebx, 0x2222, "16-bit segment ran"
    jmp SEL_CODE16:code16_jmp
.back32:
    CHK ecx, 0x0000FFFF, "jmp to 16-bit segment and back"

    ; LMSW sets MP but cannot clear PE.
    mov ax, 2
    lmsw ax
    mov eax, cr0
    and eax, 3
    CHK eax, 3, "lmsw sets MP, PE stays"
    xor eax, eax
    lmsw ax
    mov eax, cr0
    and eax, 3
    CHK eax, 1, "lmsw 0 clears MP, PE stays"

    ; Back to real mode through a 16-bit segment with 64 KB limits.
    jmp SEL_CODE16:to_real

bits 16
code16:
    dec ax                          ; 16-bit in a D=0 segment
    mov ebx, 0x2222
    ; A 16-bit LGDT loads 24 bits of base: FF001000 is GDT_BASE.
    mov word [ss:SCRATCH + 0x40], GDT_LIMIT
    mov dword [ss:SCRATCH + 0x42], 0xFF000000 | GDT_BASE
    lgdt [ss:SCRATCH + 0x40]
    o32 retf

code16_jmp:
    xor ecx, ecx
    dec cx
    jmp dword SEL_CODE32:pm_main.back32

to_real:
    ; Is the GDT still at GDT_BASE after the 16-bit LGDT?
    o32 sgdt [ss:SCRATCH + 0x50]
    mov ax, SEL_DATA16
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov ss, ax
    mov esp, STACK_TOP
    mov eax, cr0
    and al, ~1
    mov cr0, eax
    jmp ROM_SEG:real_again
real_again:
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov sp, STACK_TOP
    smsw ax
    and ax, 1
    CHECK ax, 0, "PE clear again"
    mov eax, [SCRATCH + 0x52]
    CHECK32 eax, GDT_BASE, "16-bit lgdt takes 24 bits of base"
    ; Real-mode segment arithmetic again: 0x40:0 is linear 0x400.
    mov word [0x400], 0x5A5A
    mov ax, 0x40
    mov ds, ax
    mov ax, [0]
    CHECK ax, 0x5A5A, "real mode base = sel * 16"
    xor ax, ax
    mov ds, ax
    FINISH

    ROM_END
