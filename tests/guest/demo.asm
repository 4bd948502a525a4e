; tests/guest/demo.asm: the README's first guest -- prints a banner and an
; ASCII Mandelbrot set over COM1, computed in 16-bit fixed point (4.12),
; then exits through port 0xF4.
%define TEST_NAME "demo"
%include "rom.inc"

COLS    equ 72
ROWS    equ 24
ITERS   equ 30
FIX     equ 4096                    ; 1.0 in 4.12 fixed point
X0      equ -2 * FIX - FIX / 4      ; left edge -2.25
DX_STEP equ (3 * FIX) / COLS        ; 3.0 wide
Y0      equ -FIX - FIX / 8          ; top edge -1.125
DY_STEP equ (9 * FIX / 4) / ROWS    ; 2.25 high

main:
    PRINTLN ""
    PRINTLN "rex86: a real-mode guest is running on the emulated PC."
    PRINTLN "The Mandelbrot set, in 16-bit fixed point on the guest CPU:"
    mov word [0x700], Y0            ; ci
    mov cx, ROWS
.row:
    push cx
    mov word [0x702], X0            ; cr
    mov cx, COLS
.col:
    push cx
    call mandel_point               ; AL = iterations
    xor ah, ah
    mov bx, ax
    mov cl, 2
    shr bx, cl                      ; 0..7: shades of escaping
    cmp al, ITERS
    jb .shade
    mov bx, 8                       ; never escaped: in the set
.shade:
    mov al, [cs:shades + bx]
    call lib_putc
    add word [0x702], DX_STEP
    pop cx
    loop .col
    PRINTLN ""
    add word [0x700], DY_STEP
    pop cx
    loop .row
    PRINTLN "rex86 demo finished."
    EXIT EXIT_PASS

; Iterates z = z^2 + c for c = ([0x702], [0x700]); AL = iteration count.
mandel_point:
    xor si, si                      ; zr
    xor di, di                      ; zi
    xor bp, bp                      ; n
.iter:
    ; Escape when |zr| or |zi| >= 2, before squaring can overflow.
    mov ax, si
    cwd
    xor ax, dx
    sub ax, dx
    cmp ax, 2 * FIX
    jae .out
    mov ax, di
    cwd
    xor ax, dx
    sub ax, dx
    cmp ax, 2 * FIX
    jae .out
    mov ax, si
    imul si                         ; zr^2 in 8.24
    call fix_shift
    mov bx, ax                      ; zr2
    mov ax, di
    imul di
    call fix_shift
    mov cx, ax                      ; zi2
    add ax, bx
    cmp ax, 4 * FIX                 ; |z|^2 > 4 (unsigned: both are >= 0)
    ja .out
    mov ax, si
    imul di                         ; zr*zi
    call fix_shift
    shl ax, 1
    add ax, [0x700]
    mov di, ax                      ; zi = 2 zr zi + ci
    mov ax, bx
    sub ax, cx
    add ax, [0x702]
    mov si, ax                      ; zr = zr2 - zi2 + cr
    inc bp
    cmp bp, ITERS
    jb .iter
.out:
    mov ax, bp
    ret

; DX:AX (8.24) >> 12 -> AX (4.12)
fix_shift:
    push cx
    mov cl, 12
    shr ax, cl
    mov cl, 4
    shl dx, cl
    or ax, dx
    pop cx
    ret

shades: db " .:-=+*%@"

    ROM_END
