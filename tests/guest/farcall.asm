; tests/guest/farcall.asm: near and far CALL/RET/JMP in every form -- direct,
; through a register, through memory, RET/RETF with a stack adjustment --
; including a call into code copied to RAM and an aliased code segment.
%define TEST_NAME "farcall"
%include "rom.inc"

RAM_SEG equ 0x3000

main:
    ; Direct far call into this ROM through another CS that maps the same
    ; bytes: F100:x is F000:x+1000.
    xor ax, ax
    call ROM_SEG + 0x100:far_probe - 0x1000
    CHECK ax, ROM_SEG + 0x100, "far call cs"
    CHECK bx, far_probe.here - 0x1000, "far call ip"
    CHECK dx, 0x5A5A, "far call body ran"

    ; RETF imm drops the arguments.
    mov cx, sp
    push word 1
    push word 2
    call ROM_SEG:far_sum
    CHECK ax, 3, "retf 4 result"
    mov dx, sp
    CHECK dx, cx, "retf 4 sp"

    ; Near RET imm.
    mov cx, sp
    push word 40
    push word 2
    call near_sum
    CHECK ax, 42, "ret 4 result"
    mov dx, sp
    CHECK dx, cx, "ret 4 sp"

    ; Near call through a register and through memory.
    mov bx, near_seven
    xor ax, ax
    call bx
    CHECK ax, 7, "call reg"
    mov word [0x0600], near_seven
    xor ax, ax
    call [0x0600]
    CHECK ax, 7, "call mem"

    ; Copy a routine to 3000:0100 and call it far through a memory pointer.
    push ds
    push cs
    pop ds
    mov ax, RAM_SEG
    mov es, ax
    mov si, ram_routine
    mov di, 0x100
    mov cx, ram_routine_len
    rep movsb
    pop ds
    mov word [0x0604], 0x100
    mov word [0x0606], RAM_SEG
    mov ax, 0x1000
    call far [0x0604]
    CHECK ax, 0x1000 + RAM_SEG, "call far mem"
    CHECK bx, 0x100 + ram_routine.here - ram_routine, "call far mem ip"

    ; Far JMP direct, through memory, and back.
    jmp ROM_SEG + 0x100:far_jumped - 0x1000
back_from_jump:
    CHECK dx, ROM_SEG + 0x100, "jmp far direct cs"
    mov word [0x0608], .jumped_mem
    mov word [0x060A], ROM_SEG
    jmp far [0x0608]
.back_from_mem:

    ; A near JMP through a register with a computed target.
    mov bx, .table_target
    jmp bx
    FAILED "jmp reg fell through"
.table_target:

    ; Deep recursion: factorial(8) through near calls.
    mov ax, 8
    call factorial
    CHECK ax, 40320, "recursive call"

    xor ax, ax
    mov es, ax
    FINISH

.jumped_mem:
    mov ax, cs
    CHECK ax, ROM_SEG, "jmp far mem cs"
    jmp .back_from_mem

near_seven:
    mov ax, 7
    ret

near_sum:                           ; (a, b) -> a + b, callee pops
    push bp
    mov bp, sp
    mov ax, [bp + 4]
    add ax, [bp + 6]
    pop bp
    ret 4

far_sum:
    push bp
    mov bp, sp
    mov ax, [bp + 6]
    add ax, [bp + 8]
    pop bp
    retf 4

factorial:                          ; AX = AX!
    cmp ax, 1
    jbe .done
    push ax
    dec ax
    call factorial
    pop bx
    mul bx
.done:
    ret

; Position-independent: runs at any CS:IP.
ram_routine:
    call .here
.here:
    pop bx                          ; IP of .here
    mov cx, cs
    add ax, cx
    retf
ram_routine_len equ $ - ram_routine

    times 0x1100 - ($ - $$) db 0x90
; At F000:1100 = F100:0100: reachable through both code segments.
far_probe:
    mov ax, cs
    mov dx, 0x5A5A
    call .here
.here:
    pop bx
    retf

; Lands here with CS = F100 (the jmp in main); reports CS and returns to F000.
far_jumped:
    mov dx, cs
    jmp ROM_SEG:back_from_jump

    ROM_END
