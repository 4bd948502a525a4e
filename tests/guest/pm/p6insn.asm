; tests/guest/pm/p6insn.asm: the later instructions on a Pentium II. CPUID
; (vendor, family 6, the TSC/MSR/CX8/SEP/CMOV feature bits), RDTSC counting
; up, RDMSR/WRMSR of the SYSENTER MSRs and #GP(0) for an MSR that does not
; exist, a SYSEXIT to ring 3 and SYSENTER back (the flat selectors derived
; from SYSENTER_CS, ESP/EIP from the MSRs and ECX/EDX, IF cleared), CMOVcc,
; BSWAP, CMPXCHG, XADD and CMPXCHG8B with both outcomes.
%define TEST_NAME "p6insn"
%include "rom.inc"
%include "pm.inc"

SEL_SYS         equ 0x40              ; +0 code0, +8 data0, +16 code3, +24 data3
ROM_LIN         equ 0xF0000
SYS_OUT         equ 0xA000

main:
    jmp pm_enter

bits 32
pm_main:
    ; ---- CPUID
    xor eax, eax
    cpuid
    CHK ebx, 'Genu', "cpuid vendor ebx"
    CHK edx, 'ineI', "cpuid vendor edx"
    CHK ecx, 'ntel', "cpuid vendor ecx"
    mov esi, eax
    cmp esi, 1
    setae al
    movzx eax, al
    CHK eax, 1, "cpuid max leaf >= 1"
    mov eax, 1
    cpuid
    shr eax, 8
    and eax, 0xF
    CHK eax, 6, "cpuid family"
    and edx, (1 << 4) | (1 << 5) | (1 << 8) | (1 << 11) | (1 << 15)
    CHK edx, (1 << 4) | (1 << 5) | (1 << 8) | (1 << 11) | (1 << 15), "cpuid TSC MSR CX8 SEP CMOV"

    ; ---- RDTSC counts up.
    rdtsc
    mov esi, eax
    mov edi, edx
    mov ecx, 1000
.spin:
    loop .spin
    rdtsc
    sub eax, esi
    sbb edx, edi
    ; the difference must be positive: edx:eax > 0 and not negative
    mov ebx, edx
    shr ebx, 31
    CHK ebx, 0, "rdtsc: not going backwards"
    or eax, edx
    setnz al
    movzx eax, al
    CHK eax, 1, "rdtsc: advanced"

    ; ---- MSRs.
    mov ecx, 0x174
    mov eax, SEL_SYS
    xor edx, edx
    wrmsr
    mov ecx, 0x175
    mov eax, 0x6F00
    wrmsr
    mov ecx, 0x176
    mov eax, ROM_LIN + sysenter_entry
    wrmsr
    mov ecx, 0x174
    rdmsr
    CHK eax, SEL_SYS, "SYSENTER_CS read back"
    CHK edx, 0, "SYSENTER_CS high half"
    mov ecx, 0x175
    rdmsr
    CHK eax, 0x6F00, "SYSENTER_ESP read back"
    mov ecx, 0x176
    rdmsr
    CHK eax, ROM_LIN + sysenter_entry, "SYSENTER_EIP read back"
    TRY .badmsr
    mov ecx, 0x12345
    rdmsr
.badmsr:
    CAUGHT 13, 0, "rdmsr of a missing msr"

    ; ---- SYSEXIT to ring 3, SYSENTER back.
    SET_DESC GDT_BASE + SEL_SYS, 0, 0xFFFFF, ACC_CODE, DF_FLAT
    SET_DESC GDT_BASE + SEL_SYS + 8, 0, 0xFFFFF, ACC_DATA, DF_FLAT
    SET_DESC GDT_BASE + SEL_SYS + 16, 0, 0xFFFFF, ACC_CODE | ACC_DPL3, DF_FLAT
    SET_DESC GDT_BASE + SEL_SYS + 24, 0, 0xFFFFF, ACC_DATA | ACC_DPL3, DF_FLAT
    mov [SYS_OUT + 0x40], esp
    mov ecx, STACK3_TOP - 0x10
    mov edx, ROM_LIN + ring3_sys
    sti
    sysexit
.back:
    mov esp, [SYS_OUT + 0x40]
    CHK [SYS_OUT + 0x00], SEL_SYS + 16 + 3, "sysexit: cs"
    CHK [SYS_OUT + 0x04], SEL_SYS + 24 + 3, "sysexit: ss"
    CHK [SYS_OUT + 0x08], STACK3_TOP - 0x10, "sysexit: esp from ecx"
    CHK [SYS_OUT + 0x0C], SEL_SYS, "sysenter: cs"
    CHK [SYS_OUT + 0x10], SEL_SYS + 8, "sysenter: ss"
    CHK [SYS_OUT + 0x14], 0x6F00, "sysenter: esp from the msr"
    CHK [SYS_OUT + 0x18], 0, "sysenter: IF cleared"
    CHK [SYS_OUT + 0x1C], 0, "sysenter: cpl 0"

    ; ---- CMOVcc
    mov eax, 1
    mov ebx, 2
    cmp eax, eax
    cmovz eax, ebx
    CHK eax, 2, "cmovz taken"
    mov ecx, 3
    cmovnz eax, ecx
    CHK eax, 2, "cmovnz not taken"
    mov dword [SYS_OUT + 0x80], 0x77
    stc
    cmovc ax, [SYS_OUT + 0x80]
    CHK eax, 0x77, "cmovc from memory"
    ; ---- BSWAP
    mov eax, 0x11223344
    bswap eax
    CHK eax, 0x44332211, "bswap"
    ; ---- CMPXCHG
    mov dword [SYS_OUT + 0x84], 5
    mov eax, 5
    mov ebx, 9
    lock cmpxchg [SYS_OUT + 0x84], ebx
    call zf
    CHK ecx, 1, "cmpxchg equal: ZF"
    CHK [SYS_OUT + 0x84], 9, "cmpxchg equal: stored"
    mov eax, 5
    cmpxchg [SYS_OUT + 0x84], ebx
    call zf
    CHK ecx, 0, "cmpxchg unequal: ZF"
    CHK eax, 9, "cmpxchg unequal: eax loaded"
    ; ---- XADD
    mov dword [SYS_OUT + 0x88], 100
    mov eax, 23
    lock xadd [SYS_OUT + 0x88], eax
    CHK eax, 100, "xadd: old value"
    CHK [SYS_OUT + 0x88], 123, "xadd: sum"
    ; ---- CMPXCHG8B
    mov dword [SYS_OUT + 0x90], 0x11111111
    mov dword [SYS_OUT + 0x94], 0x22222222
    mov eax, 0x11111111
    mov edx, 0x22222222
    mov ebx, 0xAAAAAAAA
    mov ecx, 0xBBBBBBBB
    lock cmpxchg8b [SYS_OUT + 0x90]
    pushfd
    CHK [SYS_OUT + 0x90], 0xAAAAAAAA, "cmpxchg8b equal: low"
    CHK [SYS_OUT + 0x94], 0xBBBBBBBB, "cmpxchg8b equal: high"
    popfd
    call zf
    CHK ecx, 1, "cmpxchg8b equal: ZF"
    mov eax, 0
    mov edx, 0
    cmpxchg8b [SYS_OUT + 0x90]
    call zf
    CHK ecx, 0, "cmpxchg8b unequal: ZF"
    CHK eax, 0xAAAAAAAA, "cmpxchg8b unequal: eax"
    CHK edx, 0xBBBBBBBB, "cmpxchg8b unequal: edx"
    PM_FINISH

zf:
    pushfd
    pop ecx
    push ecx
    popfd
    shr ecx, 6
    and ecx, 1
    ret

; Flat ring 3 code (CS base 0): relative jumps only.
ring3_sys:
    mov ax, cs
    movzx eax, ax
    mov [ROM_LIN - ROM_LIN + SYS_OUT + 0x00], eax
    mov ax, ss
    movzx eax, ax
    mov [SYS_OUT + 0x04], eax
    mov [SYS_OUT + 0x08], esp
    sysenter

; Flat ring 0 code (CS base 0).
sysenter_entry:
    mov ax, cs
    movzx eax, ax
    mov [ss:SYS_OUT + 0x0C], eax
    mov ax, ss
    movzx eax, ax
    mov [ss:SYS_OUT + 0x10], eax
    mov [ss:SYS_OUT + 0x14], esp
    pushfd
    pop eax
    and eax, FL_IF
    mov [ss:SYS_OUT + 0x18], eax
    mov ax, cs
    and eax, 3
    mov [ss:SYS_OUT + 0x1C], eax
    mov ax, SEL_DATA
    mov ds, ax
    mov es, ax
    mov ss, ax
    jmp SEL_CODE32:pm_main.back

    ROM_END
