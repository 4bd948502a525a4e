; tests/jit/a20.asm: A20 through port 92h with code at an address above 1 MB
; whose alias (bit 20 clear) holds other code. With A20 off a call to 130000
; runs 030000; on, it runs 130000; a write through the alias lands below
; 1 MB and is seen by the code there. Hot loops of toggles, with paging off
; and on (A20 applies after translation). Last, code that turns A20 off
; and on itself: the next instruction comes from the other copy.
%define TEST_NAME "a20"
%include "rom.inc"
%include "pm.inc"
%include "jit.inc"

LOW             equ 0x030000
HIGH            equ 0x130000
TOGGLE          equ 0x130100          ; out 92h, al ; mov eax, X ; retf

; A20 0|1 (AL and flags clobbered)
%macro A20 1
    in al, 0x92
%if %1
    or al, 2
%else
    and al, ~2
%endif
    out 0x92, al
%endmacro

main:
    jmp pm_enter

bits 32
pm_main:
    JIT_INIT
    PAGING_TABLES
    A20 1
    PUT_MOVRET LOW, 0x10101010
    PUT_MOVRET HIGH, 0x20202020
    ; TOGGLE: the high copy and its low alias differ after the OUT.
    mov word [TOGGLE], 0x92E6
    PUT_MOVRET TOGGLE + 2, 0x2222AAAA
    mov word [TOGGLE - 0x100000], 0x92E6
    PUT_MOVRET TOGGLE + 2 - 0x100000, 0x1111BBBB

    call a20_loop
    PAGING_ON
    call a20_loop
    PAGING_OFF

    ; ---- code at 130100 that turns A20 off: the instruction after the
    ; OUT comes from 030102.
    mov esi, 0
.self:
    A20 1
    in al, 0x92
    and al, ~2
    CALLF TOGGLE
    CHK eax, 0x1111BBBB, "A20 turned off by the code itself: the alias runs next"
    in al, 0x92
    or al, 2
    CALLF TOGGLE                      ; runs 030100 (A20 off): on again
    CHK eax, 0x2222AAAA, "A20 turned on by the code itself: 130102 runs next"
    inc esi
    cmp esi, HOT
    jb .self

    A20 1
    PM_FINISH

; The toggles, paging on or off.
a20_loop:
    mov esi, 0
.loop:
    A20 1
    CALLF HIGH
    CHK eax, 0x20202020, "A20 on: code above 1 MB"
    A20 0
    CALLF HIGH
    CHK eax, 0x10101010, "A20 off: its alias below 1 MB"
    mov [HIGH + 1], esi               ; lands at LOW + 1
    CALLF LOW
    CHK eax, esi, "A20 off: written through the alias"
    A20 1
    CALLF HIGH
    CHK eax, 0x20202020, "A20 on again: the code above 1 MB unchanged"
    CALLF LOW
    CHK eax, esi, "A20 on: the code below 1 MB as written"
    mov dword [LOW + 1], 0x10101010
    inc esi
    cmp esi, HOT
    jb .loop
    ret

ROM_END
