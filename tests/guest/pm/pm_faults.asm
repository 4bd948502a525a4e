; tests/guest/pm/pm_faults.asm: segment checks and each fault's vector and
; error code. #GP(0) for a null DS, writes to code and read-only data, reads
; of execute-only code, data limits (byte and 4K granular, expand-down with
; B=0 and B=1, including the wrap of a 32-bit expand-down segment); #SS(0)
; for expand-up and expand-down stacks, 16-bit (SP) and 32-bit (ESP);
; #GP(sel)/#NP(sel)/#SS(sel) for bad and not-present segment loads; #TS for
; bad ring 0 stacks in the TSS on a call-gate transfer (null SS, wrong RPL,
; a code segment) and #SS(sel) for a not-present one, caught by a handler in
; conforming code; #UD (UD2, LOCK on a register, CR1); the results and ZF of
; LAR/LSL/VERR/VERW/ARPL at CPL 0 and CPL 3.
%define TEST_NAME "pm_faults"
%include "rom.inc"
%include "pm.inc"

SEL_XONLY       equ 0x40              ; execute-only code
SEL_RODATA      equ 0x48              ; read-only data, limit FFF
SEL_NPDATA      equ 0x50              ; data, not present
SEL_LIM         equ 0x58              ; data at 20000, limit FFF
SEL_ED16        equ 0x60              ; expand-down, B=0, limit FFF, base 20000
SEL_ED32        equ 0x68              ; expand-down, B=1, limit FFF, base 20000
SEL_GATE        equ 0x70              ; call gate (LAR yes, LSL no)
SEL_CONF        equ 0x78              ; conforming code, DPL 0
SEL_EDSTK16     equ 0x80 | 3          ; expand-down stack, B=0, valid 8000-FFFF
SEL_EDSTK32     equ 0x88 | 3          ; expand-down stack, B=1, valid 8800-FFFFFFFF
SEL_SMALLSTK    equ 0x90              ; expand-up stack, limit 7BFF
SEL_NPSTACK     equ 0x98              ; writable data, not present
SEL_GATE3       equ 0xA0 | 3          ; call gate from ring 3 to ring 0
SEL_G4K         equ 0xA8              ; data, limit 0 with G=1: 0..FFF
DATA_BASE       equ 0x20000

main:
    jmp pm_enter

bits 32
pm_main:
    SET_DESC GDT_BASE + SEL_XONLY, 0xF0000, 0xFFFF, 0x98, DF_32
    SET_DESC GDT_BASE + SEL_RODATA, DATA_BASE, 0xFFF, 0x90, 0
    SET_DESC GDT_BASE + SEL_NPDATA, DATA_BASE, 0xFFF, 0x12, 0
    SET_DESC GDT_BASE + SEL_LIM, DATA_BASE, 0xFFF, 0x92, 0
    SET_DESC GDT_BASE + SEL_ED16, DATA_BASE, 0xFFF, 0x96, 0
    SET_DESC GDT_BASE + SEL_ED32, DATA_BASE, 0xFFF, 0x96, DF_32
    SET_GATE GDT_BASE + SEL_GATE, SEL_CODE32, pm_main, ACC_CALLGATE, 0
    SET_DESC GDT_BASE + SEL_CONF, 0xF0000, 0xFFFF, 0x9E, DF_32
    SET_DESC GDT_BASE + (SEL_EDSTK16 & ~7), 0, 0x7FFF, 0xF6, 0
    SET_DESC GDT_BASE + (SEL_EDSTK32 & ~7), 0, 0x87FF, 0xF6, DF_32
    SET_DESC GDT_BASE + SEL_SMALLSTK, 0, 0x7BFF, 0x92, DF_32
    SET_DESC GDT_BASE + SEL_NPSTACK, 0, 0xFFFFF, 0x12, DF_FLAT
    SET_GATE GDT_BASE + (SEL_GATE3 & ~7), SEL_CODE32, gate3_entry, ACC_CALLGATE | ACC_DPL3, 0
    SET_DESC GDT_BASE + SEL_G4K, DATA_BASE, 0, 0x92, DF_G

    ; ---- #GP(0) for a null DS (loading it is fine).
    TRY .null_ds
    xor eax, eax
    mov ds, ax
    mov eax, [0]
.null_ds:
    CAUGHT 13, 0, "use of a null ds"
    CHK [PM_EXC_EIP], pm_main.null_ds - 5, "#GP eip: the faulting mov"
    TRY .null_ss
    xor eax, eax
    mov ss, ax
.null_ss:
    CAUGHT 13, 0, "null ss at cpl 0"

    ; ---- Types: writes to code and read-only data, reads of exec-only.
    TRY .wcode
    mov [cs:0x100], eax
.wcode:
    CAUGHT 13, 0, "write through cs"
    mov ax, SEL_RODATA
    mov es, ax
    mov eax, [es:0x10]              ; a read is fine
    TRY .wro
    mov [es:0x10], eax
.wro:
    CAUGHT 13, 0, "write to read-only data"
    mov ax, SEL_XONLY
    TRY .xonly
    mov es, ax
.xonly:
    CAUGHT 13, SEL_XONLY, "execute-only code into es"
    TRY .xonly_cs
    jmp SEL_XONLY:xonly_code
.xonly_cs:
    CAUGHT 13, 0, "read through an execute-only cs"
    CHK [PM_EXC_CS], SEL_XONLY, "the fault came from the execute-only segment"

    ; ---- Limits.
    mov ax, SEL_LIM
    mov es, ax
    mov dword [DATA_BASE + 0xFFC], 0x600DF00D
    CHK [es:0xFFC], 0x600DF00D, "last dword inside the limit"
    TRY .lim1
    mov eax, [es:0xFFD]
.lim1:
    CAUGHT 13, 0, "dword crossing the limit"
    TRY .lim2
    mov ax, SEL_LIM
    mov es, ax
    mov al, [es:0x1000]
.lim2:
    CAUGHT 13, 0, "byte past the limit"
    TRY .lim3
    mov ax, SEL_LIM
    mov es, ax
    mov eax, [es:0xFFFFFFFF]
.lim3:
    CAUGHT 13, 0, "offset wrapping past 4G"
    mov ax, SEL_G4K
    mov es, ax
    CHK [es:0xFFC], 0x600DF00D, "G=1 limit 0 covers FFF"
    TRY .lim4
    mov ax, [es:0xFFF]
.lim4:
    CAUGHT 13, 0, "G=1 limit 0 ends at FFF"
    ; Expand-down with B=0: valid 1000-FFFF.
    mov ax, SEL_ED16
    mov es, ax
    mov dword [DATA_BASE + 0x1000], 0x11112222
    mov word [DATA_BASE + 0xFFFE], 0x3333
    CHK [es:0x1000], 0x11112222, "expand-down B=0: first valid offset"
    movzx eax, word [es:0xFFFE]
    CHK eax, 0x3333, "expand-down B=0: top word"
    TRY .ed1
    mov al, [es:0xFFF]
.ed1:
    CAUGHT 13, 0, "expand-down B=0: at the limit"
    TRY .ed2
    mov ax, SEL_ED16
    mov es, ax
    mov eax, [es:0xFFFE]
.ed2:
    CAUGHT 13, 0, "expand-down B=0: past FFFF"
    TRY .ed3
    mov ax, SEL_ED16
    mov es, ax
    mov al, [es:0x10000]
.ed3:
    CAUGHT 13, 0, "expand-down B=0: offset 10000"
    ; Expand-down with B=1: valid 1000-FFFFFFFF; the linear address wraps.
    mov ax, SEL_ED32
    mov es, ax
    mov dword [DATA_BASE - 0x1000 + 0x10], 0x44445555
    CHK [es:0xFFFFF010], 0x44445555, "expand-down B=1: wrapping offset"
    CHK [es:0x10000], [DATA_BASE + 0x10000], "expand-down B=1: offset 10000"
    TRY .ed4
    mov eax, [es:0xFFC]
.ed4:
    CAUGHT 13, 0, "expand-down B=1: below the limit"
    TRY .ed5
    mov ax, SEL_ED32
    mov es, ax
    mov eax, [es:0xFFFFFFFE]
.ed5:
    CAUGHT 13, 0, "expand-down B=1: past FFFFFFFF"
    mov ax, SEL_DATA
    mov es, ax

    ; ---- Expand-up stack with a limit, at CPL 0: #SS(0).
    mov ax, SEL_SMALLSTK
    TRY .ss1
    mov ss, ax
    mov ebp, 0x7BFC
    mov eax, [ebp]                  ; fine
    mov eax, [ebp + 2]
.ss1:
    CAUGHT 12, 0, "expand-up stack limit"
    ; The same through an SS override and ESP.
    mov ax, SEL_SMALLSTK
    TRY .ss2
    mov ss, ax
    mov ebx, 0x7C00
    mov al, [ss:ebx]
.ss2:
    CAUGHT 12, 0, "ss override past the limit"

    ; ---- Expand-down stacks at CPL 3, 16-bit SP and 32-bit ESP.
    TRY .ss3
    TO_RING3 ring3_edstack16
.ss3:
    CAUGHT 12, 0, "expand-down B=0 stack overflow"
    CHK [PM_EXC_EIP], ring3_edstack16.second, "#SS eip"
    CHK [R3_OUT], 0x8000, "sp after the push that fit"
    CHK [PM_EXC_FRAME + 12], 0x8000, "#SS frame: ring 3 esp"
    CHK [PM_EXC_FRAME + 16], SEL_EDSTK16, "#SS frame: ring 3 ss"
    TRY .ss4
    TO_RING3 ring3_edstack32
.ss4:
    CAUGHT 12, 0, "expand-down B=1 stack overflow"
    CHK [R3_OUT + 4], 0x8800, "esp after the push that fit"
    CHK [PM_EXC_FRAME + 12], 0x8800, "#SS frame: ring 3 esp (32-bit)"

    ; ---- Segment loads: #GP(sel) past the GDT limit, #NP(sel), #SS(sel).
    TRY .gdtlim
    mov ax, 0x800
    mov ds, ax
.gdtlim:
    CAUGHT 13, 0x800, "selector past the gdt limit"
    TRY .np
    mov ax, SEL_NPDATA
    mov ds, ax
.np:
    CAUGHT 11, SEL_NPDATA, "not-present data segment"
    TRY .npss
    mov ax, SEL_NPSTACK
    mov ss, ax
.npss:
    CAUGHT 12, SEL_NPSTACK, "not-present stack segment"
    TRY .gate_ds
    mov ax, SEL_GATE
    mov ds, ax
.gate_ds:
    CAUGHT 13, SEL_GATE, "a gate into ds"
    TRY .ro_ss
    mov ax, SEL_RODATA
    mov ss, ax
.ro_ss:
    CAUGHT 13, SEL_RODATA, "read-only data into ss"
    SET_DESC GDT_BASE + SEL_NPDATA, 0xF0000, 0xFFFF, 0x1A, DF_32
    TRY .np_code
    call SEL_NPDATA:pm_main
.np_code:
    CAUGHT 11, SEL_NPDATA, "far call to not-present code"
    TRY .cs_lim
    jmp SEL_CODE32:0x10000
.cs_lim:
    CAUGHT 13, 0, "far jmp past the cs limit"

    ; ---- #TS/#SS from a bad ring 0 stack in the TSS (call gate from ring
    ; 3). The handler is conforming code, so it runs at CPL 3 without the
    ; broken stack; it repairs the TSS and leaves through INT 31h.
    IDT_GATE 10, conf_fault, ACC_INTGATE
    mov word [IDT_BASE + 10 * 8 + 2], SEL_CONF
    IDT_GATE 12, conf_fault_ss, ACC_INTGATE
    mov word [IDT_BASE + 12 * 8 + 2], SEL_CONF
    mov dword [TSS0_BASE + 8], 0
    TRY .ts1
    TO_RING3 ring3_gate
.ts1:
    CAUGHT 0x31, -1, "#TS test 1 back"
    CHK [R3_OUT + 0x20], 10, "null ss0: #TS"
    CHK [R3_OUT + 0x24], 0, "null ss0: error code"
    CHK [R3_OUT + 0x28], ring3_gate.call, "#TS eip: the call"
    mov dword [TSS0_BASE + 8], SEL_DATA | 1
    TRY .ts2
    TO_RING3 ring3_gate
.ts2:
    CAUGHT 0x31, -1, "#TS test 2 back"
    CHK [R3_OUT + 0x20], 10, "ss0 with rpl 1: #TS"
    CHK [R3_OUT + 0x24], SEL_DATA, "ss0 with rpl 1: error code"
    mov dword [TSS0_BASE + 8], SEL_CODE32
    TRY .ts3
    TO_RING3 ring3_gate
.ts3:
    CAUGHT 0x31, -1, "#TS test 3 back"
    CHK [R3_OUT + 0x20], 10, "code segment as ss0: #TS"
    CHK [R3_OUT + 0x24], SEL_CODE32, "code segment as ss0: error code"
    mov dword [TSS0_BASE + 8], SEL_NPSTACK
    TRY .ts4
    TO_RING3 ring3_gate
.ts4:
    CAUGHT 0x31, -1, "#SS test back"
    CHK [R3_OUT + 0x20], 12, "not-present ss0: #SS"
    CHK [R3_OUT + 0x24], SEL_NPSTACK, "not-present ss0: error code"
    ; With a good stack the gate works.
    TRY .ts5
    TO_RING3 ring3_gate
.ts5:
    CAUGHT 0x31, -1, "good ss0 back"
    CHK [R3_OUT + 0x20], 0x1234, "good ss0: the gate ran"
    IDT_GATE 10, pm_stubs + 10 * 12, ACC_INTGATE
    IDT_GATE 12, pm_stubs + 12 * 12, ACC_INTGATE

    ; ---- #UD.
    TRY .ud1
    ud2
.ud1:
    CAUGHT 6, -1, "ud2"
    CHK [PM_EXC_EIP], pm_main.ud1 - 2, "#UD eip"
    TRY .ud2
    db 0xF0, 0x01, 0xD8             ; lock add eax, ebx
.ud2:
    CAUGHT 6, -1, "lock with a register destination"
    TRY .ud3
    mov cr1, eax
.ud3:
    CAUGHT 6, -1, "mov to cr1"
    TRY .ud4
    db 0xF0, 0x90                   ; lock nop
.ud4:
    CAUGHT 6, -1, "lock nop"
    TRY .ud5
    lock add [0x9F00], eax         ; legal
.ud5:
    CAUGHT -1, -1, "lock add to memory is legal"

    ; ---- LAR / LSL / VERR / VERW / ARPL at CPL 0.
    mov eax, 0xFFFFFFFF
    mov bx, SEL_CODE32
    lar eax, bx
    call zf
    CHK ecx, 1, "lar code: ZF"
    CHK eax, 0x00409B00, "lar code: rights"
    mov bx, SEL_TSS0
    lar eax, bx
    CHK eax, 0x00008B00, "lar busy tss"
    mov bx, SEL_GATE
    lar ax, bx
    call zf
    CHK ecx, 1, "lar call gate: ZF"
    mov eax, 0x12345678
    lsl eax, bx
    call zf
    CHK ecx, 0, "lsl call gate: ZF"
    CHK eax, 0x12345678, "lsl call gate leaves the register"
    mov bx, SEL_DATA
    lsl eax, bx
    CHK eax, 0xFFFFFFFF, "lsl flat 4K data"
    mov bx, SEL_TSS0
    lsl eax, bx
    CHK eax, TSS0_LIMIT, "lsl tss"
    xor ebx, ebx
    lsl eax, bx
    call zf
    CHK ecx, 0, "lsl null: ZF"
    mov bx, 0x7F8
    lar eax, bx                     ; an empty descriptor (type 0)
    call zf
    CHK ecx, 0, "lar of an empty descriptor: ZF"
    mov bx, 0x800
    lar eax, bx
    call zf
    CHK ecx, 0, "lar past the gdt limit: ZF"
    mov ax, SEL_XONLY
    verr ax
    call zf
    CHK ecx, 0, "verr execute-only"
    mov ax, SEL_CODE32
    verr ax
    call zf
    CHK ecx, 1, "verr readable code"
    verw ax
    call zf
    CHK ecx, 0, "verw code"
    mov ax, SEL_RODATA
    verw ax
    call zf
    CHK ecx, 0, "verw read-only data"
    verr ax
    call zf
    CHK ecx, 1, "verr read-only data"
    mov ax, SEL_DATA
    verw ax
    call zf
    CHK ecx, 1, "verw data"
    mov ax, SEL_NPDATA              ; (not-present code now)
    verr ax
    call zf
    CHK ecx, 1, "verr ignores P"
    mov ax, SEL_GATE
    verr ax
    call zf
    CHK ecx, 0, "verr gate"
    ; ARPL
    mov ax, 0x1231
    mov bx, 0x0003
    arpl ax, bx
    call zf
    CHK ecx, 1, "arpl raises: ZF"
    movzx eax, ax
    CHK eax, 0x1233, "arpl raises the rpl"
    mov bx, 0x0002
    arpl ax, bx
    call zf
    CHK ecx, 0, "arpl leaves: ZF"
    movzx eax, ax
    CHK eax, 0x1233, "arpl leaves the rpl"
    mov word [0x9F10], 0x4440
    mov bx, 2
    arpl [0x9F10], bx
    movzx eax, word [0x9F10]
    CHK eax, 0x4442, "arpl to memory"

    ; ---- The same at CPL 3: DPL 0 descriptors are invisible, conforming
    ; code is not.
    TRY .r3lar
    TO_RING3 ring3_lar
.r3lar:
    CAUGHT 0x31, -1, "ring 3 lar back"
    CHK [R3_OUT + 0x40], 0, "cpl 3: lar of dpl 0 code"
    CHK [R3_OUT + 0x44], 1, "cpl 3: lar of dpl 3 code"
    CHK [R3_OUT + 0x48], 1, "cpl 3: lsl of conforming dpl 0 code"
    CHK [R3_OUT + 0x4C], 0, "cpl 3: verw of dpl 0 data"
    CHK [R3_OUT + 0x50], 1, "cpl 3: verw of dpl 3 data"
    CHK [R3_OUT + 0x54], 0, "cpl 3: verr with rpl 3 of dpl 0"
    CHK [R3_OUT + 0x58], 0xFFFF, "cpl 3: lsl of conforming code"
    PM_FINISH

; ZF into ECX (flags kept).
zf:
    pushfd
    pop ecx
    push ecx
    popfd
    shr ecx, 6
    and ecx, 1
    ret

xonly_code:
    mov eax, [cs:0]                 ; execute-only: #GP(0)
    jmp SEL_CODE32:pm_main

; ---------------------------------------------------------------- ring 3
ring3_edstack16:
    mov bx, SEL_DATA3 | 3
    mov fs, bx
    mov ax, SEL_EDSTK16
    mov ss, ax
    mov esp, 0x8004
    push eax
    mov [fs:R3_OUT], esp
.second:
    push eax
    int 0x31

ring3_edstack32:
    mov bx, SEL_DATA3 | 3
    mov fs, bx
    mov ax, SEL_EDSTK32
    mov ss, ax
    mov esp, 0x8804
    push eax
    mov [fs:R3_OUT + 4], esp
    push eax
    int 0x31

ring3_gate:
    mov ax, SEL_DATA3 | 3
    mov ds, ax
.call:
    call SEL_GATE3:0
    mov dword [R3_OUT + 0x20], 0x1234
    int 0x31

ring3_lar:
    mov ax, SEL_DATA3 | 3
    mov ds, ax
    mov bx, SEL_CODE32
    lar eax, bx
    call zf
    mov [R3_OUT + 0x40], ecx
    mov bx, SEL_CODE3 | 3
    lar eax, bx
    call zf
    mov [R3_OUT + 0x44], ecx
    mov bx, SEL_CONF
    lsl eax, bx
    call zf
    mov [R3_OUT + 0x48], ecx
    mov [R3_OUT + 0x58], eax
    mov bx, SEL_DATA
    verw bx
    call zf
    mov [R3_OUT + 0x4C], ecx
    mov bx, SEL_DATA3 | 3
    verw bx
    call zf
    mov [R3_OUT + 0x50], ecx
    mov bx, SEL_DATA | 3
    verr bx
    call zf
    mov [R3_OUT + 0x54], ecx
    int 0x31

; #TS / #SS at CPL 3 in conforming code: vector, error code and EIP to
; R3_OUT, repair the TSS, leave through INT 31h.
conf_fault:
    mov dword [ss:R3_OUT + 0x20], 10
    jmp conf_common
conf_fault_ss:
    mov dword [ss:R3_OUT + 0x20], 12
conf_common:
    pop eax
    mov [ss:R3_OUT + 0x24], eax
    pop eax
    mov [ss:R3_OUT + 0x28], eax
    mov dword [ss:TSS0_BASE + 8], SEL_DATA
    int 0x31

; ---------------------------------------------------------------- ring 0
gate3_entry:
    retf

    ROM_END
