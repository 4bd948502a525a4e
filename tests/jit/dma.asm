; tests/jit/dma.asm: code written by a device. Hot code in RAM is
; overwritten by a floppy READ DATA through 8237 channel 2 (ISA DMA), run
; again: it must be the sector's code, at the start of the sector and at its
; last bytes. Run with -fda jit_fd.img (tests/jit/disks.asm, FLOPPY).
%define TEST_NAME "dma"
%include "rom.inc"
%include "pm.inc"
%include "jit.inc"

CODE            equ 0x20000           ; one sector, DMA page 2, offset 0
TAIL            equ CODE + 0x1FA      ; the sector's last snippet
FD_SIG          equ 0xF1000000
FD_SIG2         equ 0xF2000000
FDC_MSR         equ 0x3F4
FDC_DATA        equ 0x3F5

main:
    jmp pm_enter

bits 32
pm_main:
    JIT_INIT
    call fdc_init
    PUT_MOVRET CODE, 0x11111111
    PUT_MOVRET TAIL, 0x22222222

    mov ebp, 0
.round:
    ; Hot before the transfer.
    mov esi, 0
.warm:
    CALLF CODE
    CALLF TAIL
    inc esi
    cmp esi, HOT
    jb .warm
    ; Sector 1 + (round & 7) into CODE.
    mov ebx, ebp
    and ebx, 7
    inc ebx
    call fdc_read
    mov edx, ebx
    add edx, FD_SIG - 1
    mov esi, 0
.after:
    CALLF CODE
    CHK eax, edx, "dma: the sector's code at its start"
    CALLF TAIL
    lea ecx, [edx - FD_SIG + FD_SIG2]
    CHK eax, ecx, "dma: the sector's code at its end"
    inc esi
    cmp esi, 4
    jb .after
    ; Back to our own code, written by the CPU.
    PUT_MOVRET CODE, 0x11111111
    PUT_MOVRET TAIL, 0x22222222
    CALLF CODE
    CHK eax, 0x11111111, "dma: rewritten by the CPU again"
    inc ebp
    cmp ebp, 16
    jb .round
    PM_FINISH

; fdc_init: the second 8237's channel 4 in cascade and unmasked (channels
; 0-3 reach the bus through it; no BIOS ran), the FDC reset, the post-reset
; SENSE INTERRUPTs, 500 kb/s, SPECIFY.
fdc_init:
    mov al, 0xC0                      ; channel 4: cascade
    out 0xD6, al
    xor al, al                        ; unmask channel 4
    out 0xD4, al
    mov dx, 0x3F2
    xor al, al
    out dx, al
    mov al, 0x1C                      ; motor A, DMA and IRQ on, drive 0
    out dx, al
    mov ecx, 4
.sense:
    mov al, 0x08
    call fdc_out
    call fdc_in
    call fdc_in
    loop .sense
    mov dx, 0x3F7
    xor al, al
    out dx, al
    mov al, 0x03
    call fdc_out
    mov al, 0xDF
    call fdc_out
    mov al, 0x02
    call fdc_out
    ret

; fdc_read: sector BL of cylinder 0, head 0 into CODE by DMA channel 2.
fdc_read:
    pushad
    mov al, 0x06                      ; mask channel 2
    out 0x0A, al
    out 0x0C, al                      ; flip-flop
    mov al, 0x46                      ; single, increment, write to memory, ch 2
    out 0x0B, al
    mov al, CODE & 0xFF
    out 0x04, al
    mov al, (CODE >> 8) & 0xFF
    out 0x04, al
    mov al, CODE >> 16
    out 0x81, al
    out 0x0C, al
    mov al, 0xFF                      ; 512 bytes
    out 0x05, al
    mov al, 0x01
    out 0x05, al
    mov al, 0x02                      ; unmask channel 2
    out 0x0A, al
    mov al, 0x46                      ; READ DATA, MFM
    call fdc_out
    xor al, al                        ; head 0, drive 0
    call fdc_out
    call fdc_out                      ; C
    call fdc_out                      ; H
    mov al, bl                        ; R
    call fdc_out
    mov al, 2                         ; N: 512 bytes
    call fdc_out
    mov al, 18                        ; EOT
    call fdc_out
    mov al, 0x1B                      ; GPL
    call fdc_out
    mov al, 0xFF                      ; DTL
    call fdc_out
    call fdc_in                       ; ST0
    mov ah, al
    and ah, 0xC0
    jz .st0_ok
    PM_FAIL "dma: READ DATA ended abnormally"
.st0_ok:
    mov ecx, 6
.res:
    call fdc_in
    loop .res
    popad
    ret

; fdc_out: AL to the data register once it asks for a byte.
fdc_out:
    push eax
    push ecx
    push edx
    mov ah, al
    mov dx, FDC_MSR
    mov ecx, 1000000
.wait:
    in al, dx
    and al, 0xC0
    cmp al, 0x80
    je .go
    loop .wait
    PM_FAIL "dma: the FDC never asked for a command byte"
.go:
    mov dx, FDC_DATA
    mov al, ah
    out dx, al
    pop edx
    pop ecx
    pop eax
    ret

; fdc_in: AL from the data register once it has a result byte.
fdc_in:
    push ecx
    push edx
    mov dx, FDC_MSR
    mov ecx, 10000000
.wait:
    in al, dx
    and al, 0xC0
    cmp al, 0xC0
    je .go
    loop .wait
    PM_FAIL "dma: the FDC never gave a result byte"
.go:
    mov dx, FDC_DATA
    in al, dx
    pop edx
    pop ecx
    ret

ROM_END
