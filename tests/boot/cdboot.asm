; El Torito no-emulation boot program for boot.cdrom.noemu: loaded at
; 07C0:0000, reads the CD's volume descriptor through INT 13h 42h with
; 2048-byte sectors, checks the 4B01h status packet, says CD-NOEMU-OK.
bits 16
org 0
    jmp 0x07c0:start
start:
    mov ax, cs
    mov ds, ax
    mov es, ax
    mov [drive], dl
    mov ah, 0x41
    mov bx, 0x55aa
    int 0x13
    jc fail
    cmp bx, 0xaa55
    jne fail
    mov si, dap
    mov ah, 0x42
    mov dl, [drive]
    int 0x13
    jc fail
    cmp word [0x801], 'CD'
    jne fail
    cmp word [0x803], '00'
    jne fail
    mov si, spec
    mov ax, 0x4b01
    mov dl, [drive]
    int 0x13
    jc fail
    mov al, [spec + 2]
    cmp al, [drive]
    jne fail
    mov si, okmsg
    call print
    jmp halt
fail:
    mov si, failmsg
    call print
halt:
    cli
    hlt
    jmp halt
print:
    lodsb
    or al, al
    jz .done
    mov ah, 0x0e
    mov bx, 7
    int 0x10
    jmp print
.done:
    ret
dap:    db 0x10, 0
        dw 1
        dw 0x0800, 0x07c0
        dq 16
drive:  db 0
okmsg:  db 'CD-NOEMU-OK', 13, 10, 0
failmsg: db 'CD-NOEMU-FAIL', 13, 10, 0
spec:   times 0x13 db 0
