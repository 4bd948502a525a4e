; tests/guest/int.asm: software interrupts through an IVT the test sets up --
; INT n, INT3, INTO, nested INT, IRET restoring FLAGS, a handler returning a
; status in the saved CF as the BIOS does, and IF/TF cleared on entry.
%define TEST_NAME "int"
%include "rom.inc"

main:
    SET_IVT 0x80, int80
    SET_IVT 0x81, int81
    SET_IVT 0x82, int82
    SET_IVT 3, int3_handler
    SET_IVT 4, into_handler

    ; INT 80h: the handler sees IF clear, returns a value in AX, and IRET
    ; brings back IF=1 and the caller's arithmetic flags.
    mov ax, 0x1234
    sti                             ; both PICs are masked: no IRQ can come
    stc
    int 0x80
.after80:
    CHECKF FL_IF | FL_CF, FL_IF | FL_CF, "iret restores flags"
    cli
    CHECK ax, 0x1235, "int80 result"
    CHECK bx, FL_IF, "int80 saw IF on the stack"
    CHECK cx, 0, "int80 ran with IF clear"
    CHECK dx, .after80, "int80 return ip"
    CHECK si, ROM_SEG, "int80 return cs"

    ; A handler that sets CF in the saved FLAGS to report an error.
    clc
    mov ax, 1
    int 0x81
    CHECKF FL_CF, FL_CF, "int81 sets carry"
    clc
    xor ax, ax
    int 0x81
    CHECKF FL_CF, 0, "int81 clears carry"

    ; Nested: INT 82h calls INT 80h inside.
    mov ax, 10
    int 0x82
    CHECK ax, 0x10B, "nested int"

    ; INT3 in both encodings.
    xor di, di
    int3
    CHECK di, 1, "int3 (CC)"
    int 3
    CHECK di, 2, "int 3 (CD 03)"

    ; INTO only with OF set.
    xor di, di
    mov al, 0x7F
    add al, 1                       ; OF = 1
    into
    CHECK di, 1, "into taken"
    mov al, 1
    add al, 1                       ; OF = 0
    into
    CHECK di, 1, "into not taken"

    ; Single-step: the trap comes after each instruction that starts with
    ; TF set, and the handler (entered with TF clear) stops it after three.
    SET_IVT 1, step_handler
    xor di, di
    xor cx, cx
    pushf
    pop ax
    or ax, FL_TF
    push ax
    popf                            ; TF was clear when POPF began: no trap
    nop                             ; trap 1
    nop                             ; trap 2
    nop                             ; trap 3: the handler clears TF
    nop
    nop
    CHECK di, 3, "single-step traps"
    CHECK cx, 0, "single-step handler ran with TF clear"
    CHECKF FL_TF, 0, "single-step TF off"

    ; PUSHF/POPF round trip of the arithmetic flags and DF.
    SETF FL_CF | FL_ZF | FL_DF | FL_OF
    pushf
    pop ax
    and ax, FL_ARITH | FL_DF
    CHECK ax, FL_CF | FL_ZF | FL_DF | FL_OF, "pushf/popf"
    cld

    ; The IVT itself: entry 0x80 reads back as written.
    push ds
    xor ax, ax
    mov ds, ax
    mov ax, [0x80 * 4]
    mov bx, [0x80 * 4 + 2]
    pop ds
    CHECK ax, int80, "ivt offset"
    CHECK bx, ROM_SEG, "ivt segment"
    FINISH

int80:
    pushf
    pop cx
    and cx, FL_IF | FL_TF           ; must be 0
    mov bp, sp
    mov dx, [bp]                    ; return IP
    mov si, [bp + 2]                ; return CS
    mov bx, [bp + 4]                ; the caller's FLAGS
    and bx, FL_IF
    inc ax
    iret

int81:                              ; CF out = (AX != 0)
    push bp
    mov bp, sp
    and word [bp + 6], ~FL_CF
    test ax, ax
    jz .ok
    or word [bp + 6], FL_CF
.ok:
    pop bp
    iret

int82:
    push bx
    push cx
    push dx
    push si
    int 0x80                        ; AX + 1
    add ax, 0x100
    pop si
    pop dx
    pop cx
    pop bx
    iret

int3_handler:
    inc di
    iret

into_handler:
    inc di
    iret

step_handler:
    push bp
    push ax
    pushf
    pop ax
    and ax, FL_TF
    or cx, ax
    inc di
    cmp di, 3
    jb .more
    mov bp, sp
    and word [bp + 8], ~FL_TF
.more:
    pop ax
    pop bp
    iret

    ROM_END
