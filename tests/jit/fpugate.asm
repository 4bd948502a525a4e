; tests/jit/fpugate.asm: translated code calls the x87 handler directly only
; when the instruction cannot fault; otherwise it takes the full path. Hot
; loops of x87 instructions (register and memory forms) run with CR0.TS set
; (#NM before the first one, SDM 3A §2.5), with an unmasked exception
; pending and CR0.NE set (#MF at the next waiting instruction, SDM 1
; §8.6), with CR0.NE clear (FERR# on IRQ 13: the waiting instruction
; freezes until the IRQ 13 handler has run, SDM 1 §D.2.1.3), and with a
; memory operand on a page that is not present (#PF);
; each handler fixes the cause and the instruction runs again. Counts and
; results must be those of the interpreter, and the stack where it was: a
; PUSH just before each faulting instruction (translated inline, without
; the bookkeeping of a handler call) must be the ESP the fault restores.
%define TEST_NAME "fpugate"
%include "rom.inc"
%include "pm.inc"
%include "jit.inc"

NM_N            equ 0xB000            ; #NM count
MF_N            equ 0xB004            ; #MF count
PF_N            equ 0xB008            ; #PF count
RESULT          equ 0xB010            ; an FST destination
ONE             equ 0xB020            ; 1.0 as m32fp
CW_ZE           equ 0xB024            ; control word with ZE unmasked
CW_DEF          equ 0xB028            ; 0x037F
FERR_N          equ 0xB00C            ; IRQ 13 count
TICKS           equ 0xB02C            ; IRQ 0 count
IRQ13_EIP       equ 0xB030            ; where IRQ 13 came in
MARK            equ 0xB034            ; set by the instruction after the FDIV
IRQ13_MARK      equ 0xB038            ; MARK as IRQ 13 found it
FAR_VAR         equ 0x400000          ; m32fp at 4M, mapped by the #PF handler

main:
    jmp pm_enter

bits 32
pm_main:
    JIT_INIT
    IDT_GATE 7, nm_handler, ACC_INTGATE
    IDT_GATE 14, pf_handler, ACC_INTGATE
    IDT_GATE 16, mf_handler, ACC_INTGATE
    IDT_GATE 0x20, irq0, ACC_INTGATE
    IDT_GATE 0x2D, irq13, ACC_INTGATE
    call jit_pic_init
    mov dword [ONE], 0x3F800000
    mov word [CW_ZE], 0x037B
    mov word [CW_DEF], 0x037F
    mov eax, cr0
    or eax, 0x20                      ; CR0.NE: #MF, not FERR#
    and eax, ~0x4                     ; no EM
    mov cr0, eax
    fninit

    ; ---- #NM: CR0.TS set before every round; the first x87 instruction
    ; faults once, the handler clears TS.
    mov dword [NM_N], 0
    mov edi, 0
.nm_round:
    mov eax, cr0
    or eax, 0x8                       ; CR0.TS
    mov cr0, eax
    mov ebp, esp
    push dword 0x1234
    fld1                              ; #NM here
    fadd st0, st0
    fadd dword [ONE]
    fstp dword [RESULT]
    pop eax
    CHK eax, 0x1234, "nm: the word pushed before the fault"
    mov ecx, esp
    CHK ecx, ebp, "nm: ESP"
    inc edi
    cmp edi, HOT
    jb .nm_round
    CHK [NM_N], HOT, "nm: one #NM a round"
    CHK [RESULT], 0x40400000, "nm: 1 + 1 + 1 = 3.0"

    ; ---- #MF: 1/0 with ZE unmasked leaves ES set; the next waiting x87
    ; instruction (register form, then memory form) faults first.
    mov dword [MF_N], 0
    mov edi, 0
.mf_round:
    fninit
    fldcw [CW_ZE]
    fldz
    fld1
    fdiv st0, st1                     ; ZE, unmasked: ST(0) stays 1.0
    mov ebp, esp
    push dword 0x1234
    fadd st0, st0                     ; #MF here
    pop eax
    fdiv st0, st1                     ; ZE again
    push dword 0x5678
    fadd dword [ONE]                  ; #MF here
    fstp dword [RESULT]
    fstp st0
    pop ebx
    CHK eax, 0x1234, "mf: the word pushed before the first fault"
    CHK ebx, 0x5678, "mf: the word pushed before the second fault"
    mov ecx, esp
    CHK ecx, ebp, "mf: ESP"
    inc edi
    cmp edi, HOT
    jb .mf_round
    fldcw [CW_DEF]
    CHK [MF_N], 2 * HOT, "mf: two #MF a round"
    CHK [RESULT], 0x40400000, "mf: 1 + 1 + 1 = 3.0"

    ; ---- FERR#: CR0.NE clear, IRQ 13 masked while 1/0 raises ZE; the next
    ; waiting instruction freezes (run again and again) until IRQ 0 unmasks
    ; IRQ 13, whose handler clears the error; then it runs, once.
    mov eax, cr0
    and eax, ~0x20
    mov cr0, eax
    mov dword [FERR_N], 0
    mov edi, 0
.ferr_round:
    cli
    mov al, 0xFA                      ; master: IRQ 0 and the cascade
    out 0x21, al
    mov al, 0xFF                      ; slave: IRQ 13 masked
    out 0xA1, al
    fninit
    fldcw [CW_ZE]
    fldz
    fld1
    fdiv st0, st1                     ; ZE, unmasked: FERR#
    mov dword [TICKS], 0
    mov al, 0x30                      ; PIT channel 0, mode 0, count 200
    out 0x43, al
    mov al, 200
    out 0x40, al
    xor al, al
    out 0x40, al
    sti
    nop
    fadd st0, st0                     ; frozen until IRQ 13 is taken
    cli
    fstp dword [RESULT]
    fstp st0
    inc edi
    cmp edi, HOT
    jb .ferr_round
    mov al, 0xFF
    out 0x21, al
    out 0xA1, al
    fldcw [CW_DEF]
    CHK [FERR_N], HOT, "ferr: one IRQ 13 a round"
    CHK [RESULT], 0x40000000, "ferr: the frozen fadd ran once: 2.0"

    ; ---- FERR# with IRQ 13 open and IF set: taken right after the x87
    ; instruction that raised it, as the interpreter takes it.
    mov al, 0xFB                      ; master: the cascade
    out 0x21, al
    mov al, 0xDF                      ; slave: IRQ 13
    out 0xA1, al
    mov dword [FERR_N], 0
    mov edi, 0
.ferr2_round:
    fninit
    fldcw [CW_ZE]
    fldz
    fld1
    mov dword [IRQ13_EIP], 0
    mov dword [MARK], 0
    mov dword [IRQ13_MARK], -1
    sti
    nop
    fdiv st0, st1                     ; ZE, unmasked: FERR#, IRQ 13
.after_fdiv:
    mov dword [MARK], 1
    fadd st0, st0
    nop
    cli
    CHK [IRQ13_EIP], .after_fdiv, "ferr: IRQ 13 right after the fdiv"
    CHK [IRQ13_MARK], 0, "ferr: IRQ 13 before the next instruction"
    fstp st0
    fstp st0
    inc edi
    cmp edi, HOT
    jb .ferr2_round
    CHK [FERR_N], HOT, "ferr: one IRQ 13 a round (open)"
    mov eax, cr0
    or eax, 0x20
    mov cr0, eax

    ; ---- #PF: an x87 load from a page the handler maps, unmapped again
    ; before every round.
    PAGING_TABLES
    PAGING_ON
    mov dword [PF_N], 0
    mov edi, 0
.pf_round:
    mov dword [PT_A], 0               ; 4M not present
    mov eax, FAR_VAR
    invlpg [eax]
    fld1
    mov ebp, esp
    push dword 0x1234
    fadd dword [FAR_VAR]              ; #PF here
    fstp dword [RESULT]
    pop eax
    CHK eax, 0x1234, "pf: the word pushed before the fault"
    mov ecx, esp
    CHK ecx, ebp, "pf: ESP"
    inc edi
    cmp edi, HOT
    jb .pf_round
    PAGING_OFF
    CHK [PF_N], HOT, "pf: one #PF a round"
    CHK [RESULT], 0x40400000, "pf: 1 + 2 = 3.0"
    PM_FINISH

nm_handler:
    clts
    inc dword [NM_N]
    iretd

mf_handler:
    fnclex
    inc dword [MF_N]
    iretd

irq0:
    push eax
    inc dword [TICKS]
    mov al, 0xDF                      ; slave: IRQ 13 unmasked
    out 0xA1, al
    mov al, 0x20
    out 0x20, al
    pop eax
    iretd

; The PC/AT coprocessor error handler: port F0h clears the latch, FNCLEX
; the error.
irq13:
    push eax
    mov eax, [esp + 4]
    mov [IRQ13_EIP], eax
    mov eax, [MARK]
    mov [IRQ13_MARK], eax
    xor al, al
    out 0xF0, al
    fnclex
    inc dword [FERR_N]
    mov al, 0x20
    out 0xA0, al
    out 0x20, al
    pop eax
    iretd

; Map 4M to the frame at 0x300000, which holds 2.0 at FAR_VAR's offset.
pf_handler:
    push eax
    mov dword [0x300000], 0x40000000
    mov dword [PT_A], 0x300000 | 7
    inc dword [PF_N]
    pop eax
    add esp, 4                        ; the error code
    iretd

ROM_END
