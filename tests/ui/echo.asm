; A 1.44 MB floppy whose boot sector echoes keys: it waits in INT 16h AH=00,
; where rex86's BIOS halts the CPU until an interrupt, so the machine is idle
; between keys (unlike DOS, whose prompt polls). tests/ui/idle_input_test.py
; measures how soon a key typed at it is on the screen.
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
    jne .echo
    mov si, prompt
    call puts
    jmp .key
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
