; tests/jit/irq.asm: the PIT's IRQ 0 must reach code that never leaves a
; loop on its own: `jmp $` in ROM and in RAM (the handler moves the return
; EIP past it), a tight loop that only reads the tick count, `loop $`, a
; loop of self-chaining RAM blocks, `jmp $` in a 16-bit code segment,
; HLT, and long REP MOVSD / STOSB that ticks interrupt and that resume. Virtual time advances with retired instructions, so every run is the
; same; the checks hold whatever instruction the tick lands on.
%define TEST_NAME "irq"
%include "rom.inc"
%include "pm.inc"
%include "jit.inc"

TICKS           equ 0xB000            ; IRQ 0 count
ESCAPE          equ 0xB004            ; where the next tick resumes (0: return)
HIT_EIP         equ 0xB008            ; the EIP the escaping tick interrupted
SPIN            equ 0x20000           ; RAM: jmp $ ; retf
CHAIN           equ 0x20010           ; RAM: a loop over three blocks
SPIN16          equ 0xC000            ; RAM, 16-bit code: jmp $ ; o32 retf
REP_ROUND       equ 0xB00C
REP_SRC         equ 0x1000000
REP_DST         equ 0x2000000
REP_DWORDS      equ 0x400000              ; 1024 chunks of 4096 iterations

; ESCAPE_TO target: the next tick resumes at target.
%macro ESCAPE_TO 1
    mov dword [ESCAPE], %1
%endmacro

main:
    jmp pm_enter

bits 32
pm_main:
    JIT_INIT
    call jit_pic_init
    IDT_GATE 0x20, irq0, ACC_INTGATE
    mov dword [TICKS], 0
    mov dword [ESCAPE], 0
    mov dword [REP_ROUND], 0
    mov word [SPIN], 0xFEEB           ; jmp $
    mov byte [SPIN + 2], 0xCB         ; retf
    mov word [SPIN16], 0xFEEB
    mov word [SPIN16 + 2], 0xCB66     ; o32 retf
    ; CHAIN: inc ecx ; jmp short +0 ; inc ecx ; jmp short CHAIN
    mov dword [CHAIN], 0x4100EB41
    mov word [CHAIN + 4], 0xFAEB
    mov ax, 1000                      ; ~840 us: ~84000 instructions at 100M/s
    call jit_pit
    mov al, 0xFE                      ; IRQ 0 only
    out 0x21, al

    mov esi, 0
.rounds:
    ; ---- jmp $ in ROM code.
    mov dword [HIT_EIP], 0
    ESCAPE_TO .rom_out
    sti
.rom_spin:
    jmp .rom_spin
.rom_out:
    cli
    CHK [HIT_EIP], .rom_spin, "jmp $ in ROM: the tick interrupted it"

    ; ---- jmp $ in RAM, called far; the tick resumes at its RETF.
    mov dword [HIT_EIP], 0
    ESCAPE_TO SPIN + 2
    sti
    CALLF SPIN
    cli
    CHK [HIT_EIP], SPIN, "jmp $ in RAM: the tick interrupted it"

    ; ---- a tight loop that only polls the count.
    mov eax, [TICKS]
    add eax, 3
    xor ecx, ecx
    sti
.poll:
    inc ecx
    cmp [TICKS], eax
    jb .poll
    cli
    CHK [TICKS], eax, "tight loop: three ticks came"

    ; ---- loop $ with a count long enough for ticks to come.
    mov ebx, [TICKS]
    mov ecx, 400000
    sti
    loop $
    cli
    CHK ecx, 0, "loop $: ran out"
    mov eax, [TICKS]
    cmp eax, ebx
    ja .loop_ok
    PM_FAIL "loop $: no tick during 400000 iterations"
.loop_ok:

    ; ---- RAM blocks chained into a loop; the tick resumes at SPIN's RETF.
    mov dword [HIT_EIP], 0
    ESCAPE_TO SPIN + 2
    xor ecx, ecx
    sti
    CALLF CHAIN
    cli
    mov eax, [HIT_EIP]
    sub eax, CHAIN
    cmp eax, 6
    jb .chain_ok
    PM_FAIL "chained blocks: the tick was not inside them"
.chain_ok:

    ; ---- jmp $ in 16-bit code.
    mov dword [HIT_EIP], 0
    ESCAPE_TO SPIN16 + 2
    sti
    call SEL_FLAT16:SPIN16
    cli
    CHK [HIT_EIP], SPIN16, "jmp $ in 16-bit code: the tick interrupted it"

    ; ---- HLT wakes on the tick.
    mov ebx, [TICKS]
    sti
    hlt
    cli
    mov eax, [TICKS]
    sub eax, ebx
    CHK eax, 1, "hlt: woken by one tick"

    inc esi
    cmp esi, 8
    jb .rounds

    ; ---- long REP MOVSD / REP STOSB (16 MB) with ticks every ~170
    ; instructions: each resumes where the tick left it.
    mov edi, REP_SRC
    mov ecx, REP_DWORDS
    xor eax, eax
.fill:
    stosd
    inc eax
    loop .fill
    mov ax, 2
    call jit_pit
    ; Let the new rate settle first: a CPU slice that was running when the
    ; PIT was reprogrammed still ends at the old deadline (the clock does
    ; not cut it short for the earlier event).
    mov ecx, 200000
    sti
    loop $
.rep_rounds:
    mov ebx, [TICKS]
    mov esi, REP_SRC
    mov edi, REP_DST
    mov ecx, REP_DWORDS
    sti
    rep movsd
    cli
    CHK ecx, 0, "rep movsd under ticks: ecx"
    CHK esi, REP_SRC + REP_DWORDS * 4, "rep movsd under ticks: esi"
    CHK edi, REP_DST + REP_DWORDS * 4, "rep movsd under ticks: edi"
    mov eax, [TICKS]
    cmp eax, ebx
    ja .rep_ticked
    PM_FAIL "rep movsd: no tick during 4M iterations"
.rep_ticked:
    mov esi, REP_SRC
    mov edi, REP_DST
    mov ecx, REP_DWORDS
    repe cmpsd
    CHK ecx, 0, "rep movsd under ticks: the copy is whole"
    mov edi, REP_DST
    mov ecx, REP_DWORDS * 4
    mov al, 0xA5
    sti
    rep stosb
    cli
    CHK edi, REP_DST + REP_DWORDS * 4, "rep stosb under ticks: edi"
    CHK [REP_DST + REP_DWORDS * 4 - 4], 0xA5A5A5A5, "rep stosb under ticks: the last bytes"
    CHK [REP_DST], 0xA5A5A5A5, "rep stosb under ticks: the first bytes"
    inc dword [REP_ROUND]
    cmp dword [REP_ROUND], 2
    jb .rep_rounds
    call jit_pit_stop

    call jit_pit_stop
    mov al, 0xFF
    out 0x21, al
    PM_FINISH

; IRQ 0: count; when ESCAPE is set, resume there instead (same CS) and
; note the EIP the tick interrupted. The frame is 32-bit even for 16-bit
; code (a 32-bit gate).
irq0:
    push eax
    push ds
    mov ax, SEL_DATA
    mov ds, ax
    inc dword [TICKS]
    mov eax, [ESCAPE]
    test eax, eax
    jz .eoi
    xchg eax, [esp + 8]               ; the return EIP
    mov [HIT_EIP], eax
    mov dword [ESCAPE], 0
.eoi:
    mov al, 0x20
    out 0x20, al
    pop ds
    pop eax
    iretd

ROM_END
