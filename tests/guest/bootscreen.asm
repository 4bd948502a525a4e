; tests/guest/bootscreen.asm: a 1.44 MB floppy whose boot sector writes a
; line straight into the colour text buffer at B800:0000 and spins with
; interrupts off, so only the text screen holds the marker: --exit-on must
; find it there and --dump-screen must show it. Booted by rex86's BIOS.
bits 16
org 0x7C00

boot:
    cli
    xor ax, ax
    mov ds, ax
    mov ax, 0xB800
    mov es, ax
    mov di, 160 * 2                 ; row 2, column 0
    mov si, text
    mov ah, 0x07                    ; light grey on black
.copy:
    lodsb
    test al, al
    jz .spin
    stosw
    jmp .copy
.spin:
    jmp .spin

text: db "bootscreen: screen marker 52e8", 0

    times 510 - ($ - $$) db 0
    dw 0xAA55
    times 1474560 - ($ - $$) db 0
