; tests/guest/vgatext.asm: writes a line straight into the colour text
; buffer at B800:0000 and loops, so --exit-on must find it on the screen
; (nothing is printed on a port) and --dump-screen must show it.
%define TEST_NAME "vgatext"
%include "rom.inc"

main:
    mov ax, 0xB800
    mov es, ax
    mov di, 160 * 2                 ; row 2, column 0
    mov si, text
    mov ah, 0x07                    ; light grey on black
.copy:
    mov al, [cs:si]
    inc si
    test al, al
    jz .spin
    stosw
    jmp .copy
.spin:
    jmp .spin

text: db "vgatext: screen marker 52e8", 0

    ROM_END
