; tests/jit/shadow.asm: the interrupt shadow (SDM 3A §6.8.3). After MOV SS
; and POP SS no interrupt and no single-step trap comes until the next
; instruction is doneChecked
; with TF single-stepping (the #DB EIPs skip the shadowed boundaries), with
; a PIT firing every ~170 instructions over a hot loop of MOV SS / POP SS
; (no IRQ may land on a shadowed boundary). STI's shadow: tests/jit/sti.asm.
%define TEST_NAME "shadow"
%include "rom.inc"
%include "pm.inc"
%include "jit.inc"

DB_N            equ 0xB000            ; #DB count
DB_LOG          equ 0xB010            ; their EIPs
DB_STOP         equ 0xB004            ; the EIP at which #DB clears TF
TICKS           equ 0xB100
BAD             equ 0xB104            ; IRQs on a shadowed boundary
LAST_EIP        equ 0xB108

main:
    jmp pm_enter

bits 32
pm_main:
    JIT_INIT
    call jit_pic_init
    IDT_GATE 1, db_handler, ACC_INTGATE
    IDT_GATE 0x20, irq0, ACC_INTGATE

    ; ---- TF: the traps skip the boundaries after MOV SS and POP SS.
    mov edi, 0
.tf_round:
    mov dword [DB_N], 0
    mov dword [DB_STOP], .t9
    mov ax, ss
    mov ebx, esp
    pushfd
    or dword [esp], FL_TF
    popfd
.t1:
    nop
.t2:
    mov ss, ax                        ; no trap after this one
.t3:
    mov esp, ebx
.t4:
    nop
.t5:
    push ss
.t6:
    pop ss                            ; nor after this one
.t7:
    nop
.t8:
    mov ss, ax                        ; shadowing a jump
    jmp short .t9
    nop
.t9:
    CHK [DB_N], 6, "tf: six single-step traps"
    CHK [DB_LOG + 0], .t2, "tf: trap after nop"
    CHK [DB_LOG + 4], .t4, "tf: none after mov ss, one after the next instruction"
    CHK [DB_LOG + 8], .t5, "tf: trap after nop"
    CHK [DB_LOG + 12], .t6, "tf: trap after push ss"
    CHK [DB_LOG + 16], .t8, "tf: none after pop ss, one after the next instruction"
    CHK [DB_LOG + 20], .t9, "tf: none after mov ss, one after the jump"
    pushfd
    pop eax
    and eax, FL_TF
    CHK eax, 0, "tf: cleared"
    inc edi
    cmp edi, HOT
    jb .tf_round

    ; ---- a fast PIT over a hot loop of MOV SS / POP SS.
    mov dword [TICKS], 0
    mov dword [BAD], 0
    mov ax, 2                         ; ~1.7 us
    call jit_pit
    mov al, 0xFE
    out 0x21, al
    mov ax, ss
    mov ecx, 40000
    sti
.ss_loop:
    mov ebx, esp
    mov ss, ax
.s1:
    mov esp, ebx
    push ss
    pop ss
.s2:
    nop
    dec ecx
    jnz .ss_loop
    cli
    call jit_pit_stop
    CHK [BAD], 0, "mov ss / pop ss: no IRQ on a shadowed boundary"
    cmp dword [TICKS], 100
    jae .ticks_ok
    PM_FAIL "mov ss / pop ss: the PIT did not fire"
.ticks_ok:

    mov al, 0xFF
    out 0x21, al
    PM_FINISH

; #DB: log the EIP; clear TF at DB_STOP.
db_handler:
    push eax
    push ebx
    mov eax, [esp + 8]
    mov ebx, [DB_N]
    cmp ebx, 16
    jae .full
    mov [DB_LOG + ebx * 4], eax
.full:
    inc dword [DB_N]
    cmp eax, [DB_STOP]
    jne .out
    and dword [esp + 16], ~FL_TF
.out:
    pop ebx
    pop eax
    iretd

; IRQ 0: count, note the EIP, and count the ones on a shadowed boundary.
irq0:
    push eax
    mov eax, [esp + 4]
    mov [LAST_EIP], eax
    inc dword [TICKS]
    cmp eax, pm_main.s1
    je .bad
    cmp eax, pm_main.s2
    jne .eoi
.bad:
    inc dword [BAD]
.eoi:
    mov al, 0x20
    out 0x20, al
    pop eax
    iretd

ROM_END
