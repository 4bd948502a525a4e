; tests/guest/string.asm: MOVS/STOS/LODS/CMPS/SCAS with REP, REPE and REPNE,
; both directions, segment overrides, CX=0, and 32-bit counts under the
; address-size prefix.
%define TEST_NAME "string"
%include "rom.inc"

SRC_SEG equ 0x1000
DST_SEG equ 0x2000

main:
    ; Fill 1000:0000.. with the bytes 0, 1, 2, ... 255 (STOSB, forward).
    mov ax, SRC_SEG
    mov es, ax
    xor di, di
    xor al, al
    mov cx, 256
.fill:
    stosb
    inc al
    loop .fill
    CHECK di, 256, "stosb di"

    ; REP MOVSW 128 words 1000:0000 -> 2000:0010.
    mov ax, SRC_SEG
    mov ds, ax
    mov ax, DST_SEG
    mov es, ax
    xor si, si
    mov di, 0x10
    mov cx, 128
    rep movsw
    CHECK cx, 0, "rep movsw cx"
    CHECK si, 256, "rep movsw si"
    CHECK di, 0x110, "rep movsw di"
    mov ax, [es:0x10 + 0x7E]
    CHECK ax, 0x7F7E, "rep movsw data"

    ; REPE CMPSB over equal data stops at the end with ZF=1.
    xor si, si
    mov di, 0x10
    mov cx, 256
    repe cmpsb
    CHECK cx, 0, "repe cmpsb equal cx"
    CHECKF FL_ZF, FL_ZF, "repe cmpsb equal zf"
    ; ... and at the first difference with ZF=0.
    mov byte [es:0x10 + 100], 0xEE
    xor si, si
    mov di, 0x10
    mov cx, 256
    repe cmpsb
    CHECK si, 101, "repe cmpsb stops"
    CHECK cx, 155, "repe cmpsb cx"
    CHECKF FL_ZF | FL_CF, FL_CF, "repe cmpsb flags"    ; 100 - 0xEE borrows

    ; REPNE SCASB finds a byte.
    mov di, 0x10
    mov cx, 256
    mov al, 0x42
    repne scasb
    CHECK di, 0x10 + 0x43, "repne scasb di"
    CHECKF FL_ZF, FL_ZF, "repne scasb found"
    mov di, 0x10
    mov cx, 16
    mov al, 0xFF
    repne scasb
    CHECK cx, 0, "repne scasb miss cx"
    CHECKF FL_ZF, 0, "repne scasb miss zf"

    ; REP with CX=0 does nothing.
    xor cx, cx
    mov si, 5
    mov di, 7
    rep movsb
    CHECK si, 5, "rep cx=0 si"
    CHECK di, 7, "rep cx=0 di"

    ; Backwards: STD, REP STOSW fills downwards.
    std
    mov di, 0x20E
    mov cx, 8
    mov ax, 0xA55A
    rep stosw
    cld
    CHECK di, 0x1FE, "std stosw di"
    mov ax, [es:0x200]
    CHECK ax, 0xA55A, "std stosw first"
    mov ax, [es:0x20E]
    CHECK ax, 0xA55A, "std stosw last"
    mov ax, [es:0x210]
    CHECK ax, 0, "std stosw bound"

    ; LODSB with a segment override (ES: instead of DS:) and backwards LODSW.
    mov si, 0x10 + 5
    xor ax, ax
    es lodsb
    CHECK ax, 5, "es lodsb"
    CHECK si, 0x16, "es lodsb si"
    std
    mov si, 0x20
    lodsw
    cld
    CHECK ax, 0x2120, "std lodsw"
    CHECK si, 0x1E, "std lodsw si"

    ; MOVSB with a CS: source override copies from this ROM.
    mov si, message
    mov di, 0x300
    mov cx, message_len
    rep cs movsb
    mov ax, [es:0x300]
    CHECK ax, 'ok', "cs movsb"

    ; REP MOVSB overlapping forward copy propagates the first byte.
    mov ax, DST_SEG
    mov ds, ax
    mov byte [0x400], 0x77
    mov si, 0x400
    mov di, 0x401
    mov cx, 15
    rep movsb
    mov ax, [0x40E]
    CHECK ax, 0x7777, "overlap movsb"

    ; 32-bit: REP STOSD with ECX under the address-size prefix.
    mov edi, 0x500
    mov ecx, 4
    mov eax, 0x11223344
    a32 rep stosd
    CHECK32 ecx, 0, "a32 rep stosd ecx"
    CHECK32 edi, 0x510, "a32 rep stosd edi"
    mov eax, [es:0x50C]
    CHECK32 eax, 0x11223344, "a32 rep stosd data"

    xor ax, ax
    mov ds, ax
    mov es, ax
    FINISH

message: db "ok"
message_len equ $ - message

    ROM_END
