; tests/guest/smcreal.asm: self-modifying code in real mode, hot enough to
; be translated (under -accel jit): a routine in RAM whose immediate another
; block rewrites before every call; a routine that rewrites the immediate of
; its own next instruction; a body replaced by REP MOVSB between calls; and a
; far call through a code segment whose base moves under a small routine.
%define TEST_NAME "smcreal"
%include "rom.inc"

CODE_SEG equ 0x2000
PASSES   equ 200

; The routines, assembled here and copied to CODE_SEG:0 at run time.
rt_imm:                             ; AX = the immediate the caller wrote
    mov ax, 0
    retf
rt_imm_end:
rt_self:                            ; AL = BL: the store reaches the next insn
    mov [cs:rt_self_next - rt_self + SELF_AT + 1], bl
rt_self_next:
    mov al, 0
    retf
rt_self_end:
rt_body_a:                          ; AX = 0x1111
    mov ax, 0x1111
    retf
rt_body_b:                          ; AX = 0x2222 (the same length)
    mov ax, 0x2222
    retf
rt_body_end:

IMM_AT   equ 0x0000
SELF_AT  equ 0x0100
BODY_AT  equ 0x0200

; COPY_TO dst, src, len: copy ROM bytes to CODE_SEG:dst with REP MOVSB.
%macro COPY_TO 3
    push ds
    push es
    mov ax, ROM_SEG
    mov ds, ax
    mov ax, CODE_SEG
    mov es, ax
    mov si, %2
    mov di, %1
    mov cx, %3
    rep movsb
    pop es
    pop ds
%endmacro

main:
    COPY_TO IMM_AT, rt_imm, rt_imm_end - rt_imm
    COPY_TO SELF_AT, rt_self, rt_self_end - rt_self

    ; 1. Another block writes the immediate, then calls the routine.
    mov cx, PASSES
.imm:
    push ds
    mov ax, CODE_SEG
    mov ds, ax
    mov [IMM_AT + 1], cx
    pop ds
    call CODE_SEG:IMM_AT
    cmp ax, cx
    jne .imm_bad
    loop .imm
    jmp .imm_ok
.imm_bad:
    FAILED "a rewritten immediate was not seen"
.imm_ok:

    ; 2. The routine writes its own next instruction's immediate.
    mov cx, PASSES
.self:
    mov bl, cl
    call CODE_SEG:SELF_AT
    cmp al, cl
    jne .self_bad
    loop .self
    jmp .self_ok
.self_bad:
    FAILED "a store into the next instruction was not seen"
.self_ok:

    ; 3. REP MOVSB replaces the body between calls, alternately.
    mov bp, PASSES
.body:
    test bp, 1
    jnz .use_b
    COPY_TO BODY_AT, rt_body_a, rt_body_b - rt_body_a
    call CODE_SEG:BODY_AT
    CHECK ax, 0x1111, "body a after rep movsb"
    jmp .body_next
.use_b:
    COPY_TO BODY_AT, rt_body_b, rt_body_end - rt_body_b
    call CODE_SEG:BODY_AT
    CHECK ax, 0x2222, "body b after rep movsb"
.body_next:
    dec bp
    jnz .body

    ; 4. The same linear code through two CS values: CODE_SEG:BODY_AT and
    ; (CODE_SEG+0x10):(BODY_AT-0x100) are one address; a rewrite through one
    ; is seen through the other.
    COPY_TO BODY_AT, rt_body_a, rt_body_b - rt_body_a
    call CODE_SEG + 0x10:BODY_AT - 0x100
    CHECK ax, 0x1111, "alias before"
    COPY_TO BODY_AT, rt_body_b, rt_body_end - rt_body_b
    call CODE_SEG + 0x10:BODY_AT - 0x100
    CHECK ax, 0x2222, "alias after"

    FINISH

    ROM_END
