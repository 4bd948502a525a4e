; tests/bench/realmode.asm: the real-mode interpreter benchmark -- a 16-bit
; loop of mixed ALU, memory, string and call/ret work, run a fixed number of
; times; prints a checksum and exits through port 0xF4. rex86 --stats gives
; the instruction count and time (tests/bench/realmode.sh does the rest).
%define TEST_NAME "bench-realmode"
%include "rom.inc"

%ifndef OUTER
%define OUTER 2000                  ; x 1000 inner iterations, ~21 instructions each
%endif
INNER     equ 1000
DATA_SEG  equ 0x2000
; The checksum for the default OUTER (checked in the guest so the benchmark
; also catches a wrong result); another OUTER brings its own.
%ifndef EXPECTED
%define EXPECTED 0x4659
%endif

main:
    PRINTLN "bench-realmode: start"
    mov ax, DATA_SEG
    mov ds, ax
    mov es, ax
    xor di, di                      ; clear the work area
    xor ax, ax
    mov cx, 0x1400 / 2
    rep stosw
    xor ax, ax
    mov dx, 0x1234
    mov bp, OUTER
.outer:
    mov cx, INNER
.inner:
    ; ALU
    add ax, dx
    xor ax, 0x5A5A
    rol ax, 1
    adc dx, ax
    sub dx, cx
    ; memory: read-modify-write two tables
    mov bx, cx
    and bx, 0x00FE
    add [bx + 0x1000], ax
    mov di, [bx + 0x1100]
    xor di, dx
    mov [bx + 0x1100], di
    ; call/ret
    call mix
    ; string: every 8th iteration, copy 16 words
    test cl, 7
    jnz .next
    push cx
    mov si, 0x1000
    mov di, 0x1200
    mov cx, 16
    rep movsw
    pop cx
.next:
    loop .inner
    dec bp
    jnz .outer

    ; checksum = ax ^ dx ^ the sum of the three tables
    xor ax, dx
    mov si, 0x1000
    mov cx, 0x300 / 2
.sum:
    add ax, [si]
    inc si
    inc si
    loop .sum
    xor bx, bx
    mov ds, bx
    PRINT "bench-realmode: checksum "
    call lib_hex16
    PRINTLN ""
%if OUTER == 2000
    CHECK ax, EXPECTED, "bench-realmode checksum"
%endif
    FINISH

mix:
    add dx, ax
    ror dx, 3
    ret

    ROM_END
