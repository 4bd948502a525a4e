; tests/guest/alu.asm: integer arithmetic, logic, shifts, multiply/divide,
; BCD adjust and the 186/386 additions, each result and its defined flags
; checked in the guest.
%define TEST_NAME "alu"
%include "rom.inc"

; Flags that every ALU op defines except AF for logic ops.
FL_NOAF equ FL_CF | FL_PF | FL_ZF | FL_SF | FL_OF

main:
    ; --- add / adc
    mov ax, 0x7FFF
    add ax, 1
    CHECK ax, 0x8000, "add 7fff+1"
    CHECKF FL_ARITH, FL_OF | FL_SF | FL_AF | FL_PF, "add 7fff+1 flags"
    mov ax, 0xFFFF
    add ax, 1
    CHECK ax, 0, "add ffff+1"
    CHECKF FL_ARITH, FL_CF | FL_PF | FL_AF | FL_ZF, "add ffff+1 flags"
    stc
    mov ax, 0x1234
    adc ax, 0x4321
    CHECK ax, 0x5556, "adc"
    CHECKF FL_ARITH, FL_PF, "adc flags"
    mov ax, 0x007F
    add al, 1
    CHECK ax, 0x0080, "add8"
    CHECKF FL_ARITH, FL_OF | FL_SF | FL_AF, "add8 flags"

    ; --- sub / sbb / cmp / neg
    xor ax, ax
    sub ax, 1
    CHECK ax, 0xFFFF, "sub 0-1"
    CHECKF FL_ARITH, FL_CF | FL_PF | FL_AF | FL_SF, "sub 0-1 flags"
    mov ax, 0x8000
    sub ax, 1
    CHECK ax, 0x7FFF, "sub 8000-1"
    CHECKF FL_ARITH, FL_OF | FL_AF | FL_PF, "sub 8000-1 flags"
    stc
    mov ax, 5
    sbb ax, 3
    CHECK ax, 1, "sbb"
    CHECKF FL_ARITH, 0, "sbb flags"
    mov ax, 3
    cmp ax, 5
    CHECK ax, 3, "cmp keeps ax"
    CHECKF FL_ARITH, FL_CF | FL_AF | FL_SF, "cmp 3,5 flags"
    mov ax, 5
    neg ax
    CHECK ax, 0xFFFB, "neg 5"
    CHECKF FL_ARITH, FL_CF | FL_AF | FL_SF, "neg 5 flags"
    xor ax, ax
    neg ax
    CHECKF FL_ARITH, FL_ZF | FL_PF, "neg 0 flags"
    mov ax, 0x8000
    neg ax
    CHECK ax, 0x8000, "neg 8000"
    CHECKF FL_ARITH, FL_OF | FL_SF | FL_PF | FL_CF, "neg 8000 flags"

    ; --- logic (AF undefined)
    mov ax, 0xF0F0
    and ax, 0x0FF0
    CHECK ax, 0x00F0, "and"
    CHECKF FL_NOAF, FL_PF, "and flags"
    mov ax, 0x8000
    or ax, 1
    CHECK ax, 0x8001, "or"
    CHECKF FL_NOAF, FL_SF, "or flags"
    mov ax, 0x1234
    xor ax, ax
    CHECKF FL_NOAF, FL_ZF | FL_PF, "xor flags"
    mov ax, 0x8080
    test ax, 0x8000
    CHECK ax, 0x8080, "test keeps ax"
    CHECKF FL_NOAF, FL_SF | FL_PF, "test flags"
    mov ax, 0x00FF
    not ax
    CHECK ax, 0xFF00, "not"

    ; --- inc / dec keep CF
    SETF FL_CF
    mov ax, 0xFFFF
    inc ax
    CHECK ax, 0, "inc ffff"
    CHECKF FL_ARITH, FL_CF | FL_ZF | FL_AF | FL_PF, "inc ffff flags"
    SETF 0
    mov ax, 0x8000
    dec ax
    CHECK ax, 0x7FFF, "dec 8000"
    CHECKF FL_ARITH, FL_OF | FL_AF | FL_PF, "dec 8000 flags"

    ; --- multiply and divide (only CF/OF are defined for MUL/IMUL)
    mov ax, 0x1234
    mov bx, 0x0100
    mul bx
    CHECK ax, 0x3400, "mul16 lo"
    CHECK dx, 0x0012, "mul16 hi"
    CHECKF FL_CF | FL_OF, FL_CF | FL_OF, "mul16 flags"
    mov al, 0x10
    mov bl, 0x0F
    mul bl
    CHECK ax, 0x00F0, "mul8"
    CHECKF FL_CF | FL_OF, 0, "mul8 flags"
    mov ax, -2
    mov bx, 3
    imul bx
    CHECK ax, 0xFFFA, "imul16 lo"
    CHECK dx, 0xFFFF, "imul16 hi"
    CHECKF FL_CF | FL_OF, 0, "imul16 flags"
    mov al, 0x40
    mov bl, 2
    imul bl
    CHECK ax, 0x0080, "imul8"
    CHECKF FL_CF | FL_OF, FL_CF | FL_OF, "imul8 flags"
    mov bx, 6
    imul ax, bx, 7
    CHECK ax, 42, "imul3"
    mov dx, 1
    mov ax, 5
    mov bx, 0x10
    div bx
    CHECK ax, 0x1000, "div16 quotient"
    CHECK dx, 5, "div16 remainder"
    mov dx, 0xFFFF
    mov ax, -7
    mov bx, 2
    idiv bx
    CHECK ax, -3, "idiv16 quotient"
    CHECK dx, -1, "idiv16 remainder"
    mov ax, 0x0107
    mov bl, 0x10
    div bl
    CHECK ax, 0x0710, "div8"
    mov ax, -100
    mov bl, 7
    idiv bl
    CHECK ax, 0xFEF2, "idiv8"              ; q = -14 (F2), r = -2 (FE)

    ; --- shifts and rotates by 1
    mov ax, 0x8001
    shl ax, 1
    CHECK ax, 0x0002, "shl"
    CHECKF FL_NOAF, FL_CF | FL_OF, "shl flags"
    mov ax, 0x8001
    shr ax, 1
    CHECK ax, 0x4000, "shr"
    CHECKF FL_NOAF, FL_CF | FL_OF | FL_PF, "shr flags"
    mov ax, 0x8001
    sar ax, 1
    CHECK ax, 0xC000, "sar"
    CHECKF FL_NOAF, FL_CF | FL_SF | FL_PF, "sar flags"
    mov ax, 0x8001
    rol ax, 1
    CHECK ax, 0x0003, "rol"
    CHECKF FL_CF | FL_OF, FL_CF | FL_OF, "rol flags"
    mov ax, 0x0001
    ror ax, 1
    CHECK ax, 0x8000, "ror"
    CHECKF FL_CF | FL_OF, FL_CF | FL_OF, "ror flags"
    stc
    mov ax, 0x8000
    rcl ax, 1
    CHECK ax, 0x0001, "rcl"
    CHECKF FL_CF | FL_OF, FL_CF | FL_OF, "rcl flags"
    clc
    mov ax, 0x0001
    rcr ax, 1
    CHECK ax, 0x0000, "rcr"
    CHECKF FL_CF | FL_OF, FL_CF, "rcr flags"
    ; by CL
    mov ax, 0x1234
    mov cl, 4
    shl ax, cl
    CHECK ax, 0x2340, "shl cl"
    CHECKF FL_CF, FL_CF, "shl cl carry"
    mov ax, 0x1234
    ror ax, cl
    CHECK ax, 0x4123, "ror cl"
    mov ax, 0xF000
    sar ax, cl
    CHECK ax, 0xFF00, "sar cl"
    stc
    mov al, 0x81
    rcr al, cl
    CHECK ax, 0xFF38, "rcr8 cl"             ; 1 1000 0001 rotated right 4 in 9 bits
    mov ax, 0x1234
    shl ax, 4                               ; 186 immediate count
    CHECK ax, 0x2340, "shl imm"

    ; --- BCD adjust
    mov al, 0x19
    add al, 0x28
    daa
    CHECK ax, 0x2347, "daa"                 ; AH still 0x23 from above
    CHECKF FL_CF, 0, "daa carry"
    mov al, 0x47
    sub al, 0x28
    das
    CHECK ax, 0x2319, "das"
    mov ax, 0x0009
    add al, 5
    aaa
    CHECK ax, 0x0104, "aaa"
    CHECKF FL_CF | FL_AF, FL_CF | FL_AF, "aaa flags"
    mov ax, 0x0102
    sub al, 5
    aas
    CHECK ax, 0x0007, "aas"
    CHECKF FL_CF | FL_AF, FL_CF | FL_AF, "aas flags"
    mov ax, 0x003F
    aam
    CHECK ax, 0x0603, "aam"
    aad
    CHECK ax, 0x003F, "aad"

    ; --- conversions, lea, xlat, lahf/sahf
    mov al, 0x80
    cbw
    CHECK ax, 0xFF80, "cbw"
    mov ax, 0x8000
    cwd
    CHECK dx, 0xFFFF, "cwd"
    mov bx, 0x0100
    mov si, 0x0020
    lea ax, [bx + si + 0x10]
    CHECK ax, 0x0130, "lea"
    push ds
    push cs
    pop ds
    mov bx, xlat_table
    mov al, 3
    xlatb
    pop ds
    CHECK ax, 0x0133, "xlat"
    SETF FL_CF | FL_ZF
    lahf
    mov al, ah
    and ax, 0x00D5
    CHECK ax, 0x0041, "lahf"
    mov ah, FL_SF
    sahf
    CHECKF FL_SF | FL_ZF | FL_CF, FL_SF, "sahf"

    ; --- loops and conditional jumps
    mov cx, 5
    xor ax, ax
.loop1:
    inc ax
    loop .loop1
    CHECK ax, 5, "loop count"
    CHECK cx, 0, "loop cx"
    mov cx, 10
    xor ax, ax
.loop2:
    inc ax
    cmp ax, 3
    loopne .loop2
    CHECK ax, 3, "loopne stops on equal"
    CHECK cx, 7, "loopne cx"
    xor cx, cx
    jcxz .cx_zero
    FAILED "jcxz not taken"
.cx_zero:
    mov ax, -1
    cmp ax, 1
    jl .signed_ok
    FAILED "jl"
.signed_ok:
    ja .unsigned_ok
    FAILED "ja"
.unsigned_ok:

    ; --- stack: push/pop, pusha/popa, enter/leave
    mov ax, 0x1111
    mov bx, 0x2222
    push ax
    push bx
    pop ax
    pop bx
    CHECK ax, 0x2222, "pop order ax"
    CHECK bx, 0x1111, "pop order bx"
    mov ax, 1
    mov cx, 2
    mov dx, 3
    mov bx, 4
    mov bp, 6
    mov si, 7
    mov di, 8
    mov [ss:0x600], sp
    pusha
    xor ax, ax
    xor cx, cx
    xor dx, dx
    xor bx, bx
    xor bp, bp
    xor si, si
    xor di, di
    popa
    CHECK ax, 1, "popa ax"
    CHECK cx, 2, "popa cx"
    CHECK dx, 3, "popa dx"
    CHECK bx, 4, "popa bx"
    CHECK bp, 6, "popa bp"
    CHECK si, 7, "popa si"
    CHECK di, 8, "popa di"
    mov ax, sp
    CHECK ax, [ss:0x600], "popa sp"
    mov bp, 0x1234
    enter 4, 0
    mov ax, sp
    mov bx, [ss:0x600]
    sub bx, 6
    CHECK ax, bx, "enter sp"
    mov ax, [bp]
    CHECK ax, 0x1234, "enter saved bp"
    leave
    CHECK bp, 0x1234, "leave bp"
    mov ax, sp
    CHECK ax, [ss:0x600], "leave sp"

    ; --- 386 forms under the operand-size prefix
    mov eax, 0x7FFFFFFF
    add eax, 1
    CHECK32 eax, 0x80000000, "add32"
    CHECKF FL_OF | FL_SF | FL_CF, FL_OF | FL_SF, "add32 flags"
    mov bl, 0x80
    movsx ax, bl
    CHECK ax, 0xFF80, "movsx"
    mov bx, 0xBEEF
    movzx eax, bx
    CHECK32 eax, 0x0000BEEF, "movzx"
    mov ax, 0x1234
    mov bx, 0xABCD
    shld ax, bx, 4
    CHECK ax, 0x234A, "shld"
    mov bx, 0x0110
    bsf ax, bx
    CHECK ax, 4, "bsf"
    bsr ax, bx
    CHECK ax, 8, "bsr"
    mov ax, 0x0008
    bt ax, 3
    CHECKF FL_CF, FL_CF, "bt"
    bts ax, 0
    CHECK ax, 0x0009, "bts"
    stc
    setc al
    CHECK ax, 0x0001, "setc"
    mov eax, 0x00010000
    mov ebx, 0x00030000
    mul ebx
    CHECK32 edx, 3, "mul32 hi"
    CHECK32 eax, 0, "mul32 lo"

    FINISH

xlat_table: db 0x30, 0x31, 0x32, 0x33, 0x34

    ROM_END
