; tests/guest/pm/v86.asm: virtual-8086 mode under a ring 0 monitor. IRETD
; with VM enters V86 with the segment registers from the stack (real-mode
; segment arithmetic there); at IOPL 0 INT n traps to the monitor as #GP(0)
; with a frame holding EIP/CS/EFLAGS(VM)/ESP/SS and ES/DS/FS/GS, the ring 0
; data segments null on entry; the monitor emulates INT 21h, changes the
; saved DS, and IRETD takes both back into V86; IN/OUT follow the TSS I/O
; bitmap (an allowed port works without a trap, a denied one traps); CLI
; traps at IOPL 0; at IOPL 3 INT n goes through a DPL 3 IDT gate with the V86
; frame and CLI/STI do not trap; with CR4.VME (Pentium II) CLI/STI change VIF
; instead of trapping and the redirection bitmap sends INT 30h to the V86
; IVT while INT 22h still traps.
%define TEST_NAME "v86"
%include "rom.inc"
%include "pm.inc"

MON             equ 0xA000            ; the monitor's log
V86_OUT         equ 0x9100            ; the V86 code's results

; TO_V86 ip, extra eflags
%macro TO_V86 2
    push dword 0x4000               ; gs
    push dword 0x3000               ; fs
    push dword 0x1000               ; ds
    push dword 0x2000               ; es
    push dword 0                    ; ss
    push dword 0x8000               ; esp
    push dword 0x20002 | (%2)       ; eflags with VM
    push dword ROM_SEG              ; cs
    push dword %1                   ; eip
    iretd
%endmacro

main:
    jmp pm_enter

bits 32
pm_main:
    IDT_GATE 13, v86_mon, ACC_INTGATE
    IDT_GATE 0x40, int40_v86, ACC_INTGATE | ACC_DPL3
    and byte [TSS0_BASE + TSS0_IOMAP + 0x80 / 8], ~1 ; port 80h allowed

    ; ---- IOPL 0.
    TRY .back1
    TO_V86 v86_code, 0
.back1:
    CHK [0x10010], 0xBEEF, "v86: ds 1000 is linear 10000"
    CHK [MON + 0x04], 0, "first trap: #GP error code"
    CHK [MON + 0x08], v86_code.int21, "first trap: eip"
    CHK [MON + 0x0C], ROM_SEG, "first trap: cs"
    mov eax, [MON + 0x10]
    and eax, 0x23000
    CHK eax, 0x20000, "first trap: VM set, IOPL 0"
    CHK [MON + 0x14], 0x8000, "first trap: esp"
    CHK [MON + 0x18], 0, "first trap: ss"
    CHK [MON + 0x1C], 0x2000, "first trap: es"
    CHK [MON + 0x20], 0x1000, "first trap: ds"
    CHK [MON + 0x24], 0x3000, "first trap: fs"
    CHK [MON + 0x28], 0x4000, "first trap: gs"
    CHK [MON + 0x2C], 0, "monitor entered with ds null"
    movzx eax, word [V86_OUT]
    CHK eax, 6, "int 21h emulated by the monitor"
    movzx eax, word [V86_OUT + 2]
    CHK eax, 0x1100, "iretd to v86 loads the ds the monitor set"
    movzx eax, byte [V86_OUT + 4]
    CHK eax, 0x3C, "allowed port: in/out without a trap"
    CHK [MON + 0x40], 0x21CD, "trap 1: int 21h"
    CHK [MON + 0x44], 0x81E6, "trap 2: out to a denied port"
    movzx eax, byte [MON + 0x48]
    CHK eax, 0xFA, "trap 3: cli at iopl 0"
    CHK [MON + 0x4C], 0x20CD, "trap 4: int 20h"
    CHK [MON], 4, "four traps"

    ; ---- IOPL 3: INT n through the IDT, CLI/STI allowed.
    mov dword [MON], 0
    TRY .back2
    TO_V86 v86_iopl3, 0x3000
.back2:
    mov eax, [MON + 0x90]
    and eax, 0x23000
    CHK eax, 0x23000, "iopl 3: int 40h frame has VM and IOPL 3"
    CHK [MON + 0x94], 0x1000, "iopl 3: int 40h frame ds"
    CHK [MON + 0x98], 0, "iopl 3: handler ds null"
    CHK [MON + 0x9C], 0x8000 - 0, "iopl 3: int 40h frame esp"
    movzx eax, byte [V86_OUT + 8]
    CHK eax, 1, "iopl 3: cli/sti did not trap"
    CHK [MON], 1, "iopl 3: one trap (int 20h, DPL 0 gate)"
    CHK [MON + 0x04], 0x20 * 8 + 2, "iopl 3: int to a dpl 0 gate: #GP(vector)"

%ifndef NO_VME
    ; ---- VME: VIF and the redirection bitmap (32 bytes below the I/O map).
    mov edi, TSS0_BASE + TSS0_IOMAP
    mov ecx, 32
    mov al, 0xFF
    rep stosb
    and byte [TSS0_BASE + TSS0_IOMAP + 0x30 / 8], ~1 ; INT 30h redirected
    mov word [TSS0_BASE + 0x66], TSS0_IOMAP + 32
    mov word [0x30 * 4], v86_int30
    mov word [0x30 * 4 + 2], ROM_SEG
    mov eax, cr4
    or eax, 1
    mov cr4, eax
    mov dword [MON], 0
    TRY .back3
    TO_V86 v86_vme, 0x80200         ; VIF and IF set
.back3:
    mov eax, cr4
    and eax, ~1
    mov cr4, eax
    CHK [MON], 2, "vme: two traps (int 22h, int 20h)"
    CHK [MON + 0x40], 0x22CD, "vme: int 22h traps (bitmap bit set)"
    mov eax, [MON + 0x100]
    and eax, 0x80200
    CHK eax, 0x200, "vme: cli cleared VIF, not IF"
    mov eax, [MON + 0x104]
    and eax, 0x80000
    CHK eax, 0x80000, "vme: sti set VIF"
    movzx eax, byte [V86_OUT + 0x10]
    CHK eax, 0x30, "vme: int 30h through the v86 ivt"
%endif
    PM_FINISH

; The monitor: #GP from V86 mode (anything else goes to the catcher).
v86_mon:
    test dword [esp + 12], 0x20000
    jz pm_stubs + 13 * 12
    pushad
    xor eax, eax
    mov ax, ds
    mov ebx, [ss:MON]
    inc dword [ss:MON]
    test ebx, ebx
    jnz .not_first
    mov [ss:MON + 0x2C], eax
    xor ecx, ecx
.copy:
    mov eax, [esp + 32 + ecx * 4]
    mov [ss:MON + 4 + ecx * 4], eax
    inc ecx
    cmp ecx, 10
    jb .copy
.not_first:
    cmp ebx, 8
    jae .nolog
    mov eax, [esp + 44]
    mov [ss:MON + 0x100 + ebx * 4], eax
.nolog:
    movzx esi, word [esp + 40]
    shl esi, 4
    add esi, [esp + 36]
    movzx eax, word [ss:esi]
    cmp ebx, 8
    jae .nolog2
    mov [ss:MON + 0x40 + ebx * 4], eax
.nolog2:
    cmp al, 0xCD
    je .int
    cmp al, 0xE6
    je .skip2
    cmp al, 0xFA
    je .skip1
    cmp al, 0xFB
    je .skip1
    mov ax, SEL_DATA
    mov ds, ax
    PM_FAIL "v86 monitor: unexpected #GP"
    PM_FINISH
.int:
    cmp ah, 0x20
    je .leave
    cmp ah, 0x21
    jne .skip2
    inc word [esp + 28]             ; AX + 1
    mov dword [esp + 60], 0x1100    ; the DS IRETD will load
.skip2:
    add dword [esp + 36], 2
    jmp .ret
.skip1:
    add dword [esp + 36], 1
.ret:
    popad
    add esp, 4
    iretd
.leave:
    mov ax, SEL_DATA
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov esp, [PM_RESUME_ESP]
    mov eax, [PM_RESUME]
    mov dword [PM_RESUME], 0
    jmp eax

; INT 40h from V86 at IOPL 3, through a DPL 3 interrupt gate.
int40_v86:
    mov eax, [esp + 8]
    mov [ss:MON + 0x90], eax
    mov eax, [esp + 24]
    mov [ss:MON + 0x94], eax
    xor eax, eax
    mov ax, ds
    mov [ss:MON + 0x98], eax
    mov eax, [esp + 12]
    mov [ss:MON + 0x9C], eax
    iretd

bits 16
v86_code:
    mov word [0x10], 0xBEEF
    mov ax, 5
.int21:
    int 0x21
    mov [ss:V86_OUT], ax
    mov [ss:V86_OUT + 2], ds
    mov al, 0x3C
    out 0x80, al
    mov al, 0
    in al, 0x80
    mov [ss:V86_OUT + 4], al
    out 0x81, al
    cli
    int 0x20

v86_iopl3:
    int 0x40
    cli
    sti
    mov byte [ss:V86_OUT + 8], 1
    int 0x20

v86_vme:
    cli
    int 0x22
    int 0x30
    sti
    int 0x20

v86_int30:
    mov byte [ss:V86_OUT + 0x10], 0x30
    iret

    ROM_END
