; tests/guest/pm/apic.asm: the local APIC and I/O APIC on a Pentium II.
; CPUID's APIC flag and IA32_APIC_BASE, the version register, the timer in
; periodic and one-shot modes taking interrupts through the IDT and EOI, a
; self IPI, TPR holding an interrupt back, and the PIT's IRQ 0 through I/O
; APIC pin 2 (the 8259s stay masked throughout).
%define TEST_NAME "apic"
%include "rom.inc"
%include "pm.inc"

APIC            equ 0xFEE00000
IOAPIC          equ 0xFEC00000
TICKS           equ 0xA000          ; timer interrupts taken
IPIS            equ 0xA004
PITS            equ 0xA008

main:
    jmp pm_enter

bits 32
pm_main:
    mov eax, 1
    cpuid
    and edx, 1 << 9
    CHK edx, 1 << 9, "cpuid APIC flag"
    mov ecx, 0x1B
    rdmsr
    CHK eax, 0xFEE00900, "IA32_APIC_BASE"
    CHK [APIC + 0x30], 0x00040011, "version"
    CHK [APIC + 0xF0], 0xFF, "SVR at reset"

    IDT_GATE 0x40, timer_isr, ACC_INTGATE
    IDT_GATE 0x41, ipi_isr, ACC_INTGATE
    IDT_GATE 0x42, pit_isr, ACC_INTGATE
    mov dword [TICKS], 0
    mov dword [IPIS], 0
    mov dword [PITS], 0

    mov dword [APIC + 0xF0], 0x1FF  ; software enable, spurious FFh
    CHK [APIC + 0xF0], 0x1FF, "SVR enabled"

    ; ---- periodic timer: divide by 1, 10000 counts (100 us at 100 MHz)
    mov dword [APIC + 0x3E0], 0xB
    mov dword [APIC + 0x320], 0x20040
    mov dword [APIC + 0x380], 10000
    mov eax, [APIC + 0x390]
    cmp eax, 10000
    setbe al
    movzx eax, al
    CHK eax, 1, "current count below initial"
    sti
.wait3:
    hlt
    cmp dword [TICKS], 3
    jb .wait3
    cli
    mov dword [APIC + 0x380], 0     ; stop
    CHK [APIC + 0x110], 0, "ISR clear after EOI"
    CHK [APIC + 0xA0], 0, "PPR 0"

    ; ---- one-shot: exactly one interrupt
    mov dword [TICKS], 0
    mov dword [APIC + 0x320], 0x40
    mov dword [APIC + 0x380], 500
    sti
.wait1:
    hlt
    cmp dword [TICKS], 1
    jb .wait1
    mov ecx, 200000                 ; far longer than 500 counts
.spin:
    loop .spin
    cli
    CHK [TICKS], 1, "one-shot fired once"
    CHK [APIC + 0x390], 0, "one-shot count ends at 0"

    ; ---- self IPI, held back by TPR until it is lowered
    mov dword [APIC + 0x80], 0x50
    sti
    mov dword [APIC + 0x300], 0x40041
    nop
    nop
    CHK [IPIS], 0, "TPR 50h holds vector 41h"
    mov dword [APIC + 0x80], 0
    nop
    cli
    CHK [IPIS], 1, "self IPI taken"

    ; ---- the PIT through I/O APIC pin 2, vector 42h, edge, to APIC 0
    CHK [IOAPIC], 0, "IOAPIC select"
    mov dword [IOAPIC], 1
    CHK [IOAPIC + 0x10], 0x00170011, "IOAPIC version"
    mov dword [IOAPIC], 0x15
    mov dword [IOAPIC + 0x10], 0
    mov dword [IOAPIC], 0x14
    mov dword [IOAPIC + 0x10], 0x42
    mov al, 0x34                    ; channel 0, lo/hi, mode 2
    out 0x43, al
    mov al, 0xA9                    ; 1193: 1 ms
    out 0x40, al
    mov al, 0x04
    out 0x40, al
    sti
.waitpit:
    hlt
    cmp dword [PITS], 2
    jb .waitpit
    cli
    mov dword [IOAPIC], 0x14
    mov dword [IOAPIC + 0x10], 0x10042 ; mask
    CHK [PITS], 2, "PIT interrupts through the I/O APIC"
    PM_FINISH

timer_isr:
    inc dword [TICKS]
    mov dword [APIC + 0xB0], 0
    iretd

ipi_isr:
    inc dword [IPIS]
    mov dword [APIC + 0xB0], 0
    iretd

pit_isr:
    inc dword [PITS]
    mov dword [APIC + 0xB0], 0
    iretd

    ROM_END
