; tests/guest/repwrap.asm (386 and later): REP MOVS and REP STOS with
; 16-bit addresses where the offsets wrap at 64 KB, cross pages, overlap,
; run past a chunk of the interpreter (4096 elements), and fault on a word
; at offset FFFF after the elements before it. SI, DI, CX and a checksum of
; the destination segment after each must be those of the element-by-element
; loop (the 386 and later copy whole runs at once, cpu/ops/string.c).
%define TEST_NAME "repwrap"
%include "rom.inc"
SRC_SEG equ 0x1000
DST_SEG equ 0x3000

; SHOW si, di, cx, sum, "what": the registers after the instruction and a
; rotate-and-add checksum of ES's 64 KB.
%macro SHOW 5
    %strcat %%si %5, " si"
    %strcat %%di %5, " di"
    %strcat %%cx %5, " cx"
    %strcat %%data %5, " data"
    CHECK si, %1, %%si
    CHECK di, %2, %%di
    CHECK cx, %3, %%cx
    push ax
    push ds
    push bx
    push cx
    push si
    mov ax, es
    mov ds, ax
    xor si, si
    xor bx, bx
    mov cx, 0x8000
%%sum:
    add bx, [si]
    rol bx, 1
    inc si
    inc si
    loop %%sum
    xor ax, ax
    mov ds, ax
    CHECK bx, %4, %%data
    pop si
    pop cx
    pop bx
    pop ds
    pop ax
%endmacro

main:
    ; fill 1000:0000-FFFF with a pattern
    mov ax, SRC_SEG
    mov es, ax
    xor di, di
    mov cx, 0x8000
    mov ax, 0x0102
.f: stosw
    add ax, 0x0303
    loop .f
    mov ax, DST_SEG
    mov es, ax
    mov ax, SRC_SEG
    mov ds, ax
    cld

    mov si, 0xFFF0
    mov di, 0xFFF8
    mov cx, 0x20
    rep movsb
    SHOW 0x0010, 0x0018, 0x0000, 0x29F1, "rep movsb across the wrap"
    mov si, 0xFFF0
    mov di, 0x0010
    mov cx, 0x20
    rep movsw
    SHOW 0x0030, 0x0050, 0x0000, 0x7A62, "rep movsw, source across the wrap"
    mov si, 0x0100
    mov di, 0xFFFE
    mov cx, 4
    rep movsw
    SHOW 0x0108, 0x0006, 0x0000, 0xFE9B, "rep movsw, destination at fffe"
    mov di, 0xFFF0
    mov cx, 0x20
    mov ax, 0x1234
    rep stosw
    SHOW 0x0108, 0x0030, 0x0000, 0x575F, "rep stosw across the wrap"
    mov di, 0xFFFF
    mov cx, 3
    mov al, 0x99
    rep stosb
    SHOW 0x0108, 0x0002, 0x0000, 0x30FC, "rep stosb at ffff"
    mov si, 0xFFF8
    xor di, di
    mov cx, 4
    rep movsd
    SHOW 0x0008, 0x0010, 0x0000, 0xDEE5, "rep movsd across the wrap"
    mov si, 0x0FF8
    mov di, 0x1FF0
    mov cx, 0x20
    rep movsw
    SHOW 0x1038, 0x2030, 0x0000, 0x17CC, "rep movsw across pages"
    mov si, 0x0
    mov di, 0x0
    mov cx, 0x9000
    rep movsw
    SHOW 0x2000, 0x2000, 0x0000, 0x2C44, "rep movsw 9000h words"
    mov di, 0x100
    mov cx, 0x6000
    mov ax, 0x5AA5
    rep stosw
    SHOW 0x2000, 0xC100, 0x0000, 0x7B7E, "rep stosw 6000h words"
    ; overlapping, DS = ES
    push ds
    mov ax, es
    mov ds, ax
    mov si, 0x100
    mov di, 0x101
    mov cx, 0x80
    rep movsb
    mov si, 0x200
    mov di, 0x202
    mov cx, 0x80
    rep movsw
    pop ds
    SHOW 0x0300, 0x0302, 0x0000, 0x88A4, "overlapping rep movsb/movsw"
    ; 32-bit bulk still
    mov esi, 0x10
    mov edi, 0x20
    mov ecx, 0x30
    a32 rep movsb
    SHOW 0x0040, 0x0050, 0x0000, 0x01D7, "a32 rep movsb"
    ; backwards (element loop) across the wrap
    std
    mov si, 0x0008
    mov di, 0x0004
    mov cx, 0x10
    rep movsw
    cld
    SHOW 0xFFE8, 0xFFE4, 0x0000, 0xFC3C, "std rep movsw across the wrap"
    ; a word at offset FFFF faults (#GP) after the elements before it
    push ds
    xor ax, ax
    mov ds, ax
    ARM_FAULT 13, after_gp
    pop ds
    mov si, 0xFFF1
    mov di, 0x0
    mov cx, 0x10
    rep movsw
    FAILED "no fault"
after_gp:
    mov ax, SRC_SEG
    mov ds, ax
    SHOW 0xFFFF, 0x000E, 0x0009, 0x8BDD, "rep movsw: #GP at ffff"
    push ds
    xor ax, ax
    mov ds, ax
    ARM_FAULT 13, after_gp2
    pop ds
    mov di, 0xFFF3
    mov cx, 0x10
    mov ax, 0x7777
    rep stosw
    FAILED "no fault 2"
after_gp2:
    mov ax, SRC_SEG
    mov ds, ax
    SHOW 0xFFFF, 0xFFFF, 0x000A, 0x89FE, "rep stosw: #GP at ffff"
    ; Unreal mode (4 GB limits kept back in real mode) with segment bases
    ; off a page boundary: neither the limit nor the page ends a run where
    ; a 16-bit offset wraps; the run must stop there itself.
    SEG_VIA_PM LIB_SEL_FLAT, ds, es
    mov ax, SRC_SEG + 8
    mov ds, ax
    mov ax, DST_SEG + 8
    mov es, ax
    mov si, 0xFFF0
    xor di, di
    mov cx, 0x20
    rep movsb
    SHOW 0x0010, 0x0020, 0x0000, 0x53CB, "unreal rep movsb across the wrap"
    mov si, 0x0100
    mov di, 0xFFF8
    mov cx, 0x10
    rep movsw
    SHOW 0x0120, 0x0018, 0x0000, 0x5294, "unreal rep movsw across the wrap"
    mov di, 0xFFF4
    mov cx, 0x10
    mov ax, 0x4321
    rep stosw
    SHOW 0x0120, 0x0014, 0x0000, 0x7B36, "unreal rep stosw across the wrap"
    ; Back to 64 KB limits.
    mov eax, cr0
    or al, 1
    mov cr0, eax
    mov bx, 16
    mov ds, bx
    mov es, bx
    and al, 0xFE
    mov cr0, eax
    xor ax, ax
    mov ds, ax
    mov es, ax
    FINISH

    ROM_END
