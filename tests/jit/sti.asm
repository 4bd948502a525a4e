; tests/jit/sti.asm: STI's interrupt shadow (SDM 3A §6.8.3, STI in Vol 2B)
; with IRQ 0 pending while IF=0: `sti ; cli` takes no interrupt, `sti ; nop
; ; cli` takes it after the NOP, before the CLI; in a hot loop, from ROM and
; from RAM code.
%define TEST_NAME "sti"
%include "rom.inc"
%include "pm.inc"
%include "jit.inc"

TICKS           equ 0xB100
LAST_EIP        equ 0xB108
RAM_STI         equ 0x20000           ; sti ; nop ; cli ; retf

main:
    jmp pm_enter

bits 32
pm_main:
    JIT_INIT
    call jit_pic_init
    IDT_GATE 0x20, irq0, ACC_INTGATE
    mov al, 0xFE
    out 0x21, al
    mov dword [RAM_STI], 0xCBFA90FB
    ; ---- STI with an IRQ pending while IF=0.
    mov edi, 0
.sti_round:
    call pend_irq0
    mov dword [TICKS], 0
    mov dword [LAST_EIP], 0
    sti
    cli                               ; the shadow covers nothing but this
    CHK [TICKS], 0, "sti ; cli: no IRQ taken"
    sti
    nop
.after_nop:
    cli
    CHK [TICKS], 1, "sti ; nop ; cli: one IRQ"
    CHK [LAST_EIP], .after_nop, "sti ; nop ; cli: taken after the nop"
    inc edi
    cmp edi, HOT
    jb .sti_round
    ; The same from RAM.
    mov edi, 0
.ram_round:
    call pend_irq0
    mov dword [TICKS], 0
    mov dword [LAST_EIP], 0
    CALLF RAM_STI
    CHK [TICKS], 1, "ram: sti ; nop ; cli: one IRQ"
    CHK [LAST_EIP], RAM_STI + 2, "ram: sti ; nop ; cli: taken after the nop"
    inc edi
    cmp edi, HOT
    jb .ram_round
    mov al, 0xFF
    out 0x21, al
    PM_FINISH

; pend_irq0: with IF=0, IRQ 0 pending in the PIC (the PIT in mode 0, one
; edge at terminal count, the IRR polled).
pend_irq0:
    push eax
    push ebx
    mov al, 0x30
    out 0x43, al
    mov al, 10
    out 0x40, al
    xor al, al
    out 0x40, al
    mov ebx, 0
.wait_irr:
    inc ebx
    cmp ebx, 1000000
    ja .no_irr
    mov al, 0x0A                      ; OCW3: read IRR
    out 0x20, al
    in al, 0x20
    test al, 1
    jz .wait_irr
    pop ebx
    pop eax
    ret
.no_irr:
    PM_FAIL "IRQ 0 never became pending"
    pop ebx
    pop eax
    ret

; IRQ 0: count and note the EIP it interrupted.
irq0:
    push eax
    mov eax, [esp + 4]
    mov [LAST_EIP], eax
    inc dword [TICKS]
    mov al, 0x20
    out 0x20, al
    pop eax
    iretd

ROM_END
