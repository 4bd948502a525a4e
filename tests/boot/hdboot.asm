; Hard disk boot sector for boot.hdd: checks INT 13h EDD (41h/42h/43h),
; CHS reads through the BIOS geometry (08h/02h) and the INT 15h E820 map,
; then says HDD-BOOT-OK on the screen.
bits 16
org 0x7c00
start:
    cli
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov sp, 0x7c00
    sti
    mov [drive], dl
    mov ah, 0x41
    mov bx, 0x55aa
    int 0x13
    jc fail
    cmp bx, 0xaa55
    jne fail
    mov ah, 0x08
    mov dl, [drive]
    int 0x13
    jc fail
    mov ax, 0x0201              ; CHS 0/0/2 = LBA 1
    mov cx, 0x0002
    xor dh, dh
    mov dl, [drive]
    mov bx, 0x8000
    int 0x13
    jc fail
    cmp word [0x8000], 'HD'
    jne fail
    mov si, dap                 ; LBA 2 through EDD
    mov ah, 0x42
    mov dl, [drive]
    int 0x13
    jc fail
    cmp word [0x8200], 'X2'
    jne fail
    mov word [0x8200], 'W3'     ; write it to LBA 3, read back by CHS
    mov word [dap + 8], 3
    mov si, dap
    mov ax, 0x4300
    mov dl, [drive]
    int 0x13
    jc fail
    mov ax, 0x0201
    mov cx, 0x0004
    xor dh, dh
    mov dl, [drive]
    mov bx, 0x8400
    int 0x13
    jc fail
    cmp word [0x8400], 'W3'
    jne fail
    mov eax, 0xe820
    xor ebx, ebx
    mov ecx, 20
    mov edx, 0x534d4150
    mov di, 0x9000
    int 0x15
    jc fail
    cmp eax, 0x534d4150
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
        dw 0x8200, 0
        dq 2
drive:  db 0
okmsg:  db 'HDD-BOOT-OK', 13, 10, 0
failmsg: db 'HDD-BOOT-FAIL', 13, 10, 0
    times 510 - ($ - $$) db 0
    dw 0xaa55
