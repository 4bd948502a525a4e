; A 1.44 MB floppy whose boot sector echoes keys: it waits in INT 16h AH=00,
; where rex86's BIOS halts the CPU until an interrupt, so the machine is idle
; between keys (unlike DOS, whose prompt polls). tests/ui/idle_input_test.py
; measures how soon a key typed at it is on the screen; tests/ui/audio_test.py
; has it sound the PC speaker: '!' starts a 1 kHz tone, '.' stops it.
bits 16
org 0x7C00
start:
    cli
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, 0x7C00
    sti
    mov si, banner
    call puts
.key:
    xor ax, ax
    int 0x16                    ; waits, halted, for a key
    cmp al, 13
    jne .tone
    mov si, prompt
    call puts
    jmp .key
.tone:                          ; '!' starts a 1 kHz tone, '.' stops it
    cmp al, '!'
    jne .quiet
    mov al, 0xB6                ; PIT channel 2, lo/hi, square wave
    out 0x43, al
    mov ax, 1193                ; 1193182 Hz / 1193: 1 kHz
    out 0x42, al
    mov al, ah
    out 0x42, al
    in al, 0x61
    or al, 3                    ; gate and speaker on
    out 0x61, al
    mov al, '!'
    jmp .echo
.quiet:
    cmp al, '.'
    jne .echo
    in al, 0x61
    and al, 0xFC
    out 0x61, al
    mov al, '.'
.echo:
    mov ah, 0x0E
    mov bx, 7
    int 0x10
    jmp .key

puts:
    lodsb
    test al, al
    jz .done
    mov ah, 0x0E
    mov bx, 7
    int 0x10
    jmp puts
.done:
    ret

banner db "rex86 echo: each key waits in INT 16h", 13, 10
prompt db 13, 10, "> ", 0

    times 510 - ($ - $$) db 0
    dw 0xAA55
    times 1474560 - ($ - $$) db 0
