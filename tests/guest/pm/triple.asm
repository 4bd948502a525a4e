; tests/guest/pm/triple.asm: double and triple faults. A #GP whose gate is
; not present raises #NP during its delivery, which becomes #DF with error
; code 0 (two contributory faults, SDM 3A §6.15 table 6-5); a #PF whose
; handler's stack is not mapped becomes #DF too; then, with no usable IDT
; at all, a fault escalates to a triple fault and the machine resets: the
; ROM starts again in real mode with RAM kept, where a marker left before
; the shutdown says which run this is.
%define TEST_NAME "triple"
%include "rom.inc"
%include "pm.inc"

MARKER          equ 0x0600            ; survives the reset (RAM is kept)
MAGIC           equ 0x7E1F

main:
    cmp word [MARKER], MAGIC
    je after_reset
    jmp pm_enter

; The second run: real mode again, caches reset.
after_reset:
    mov word [MARKER], 0
    PRINTLN "triple: the machine reset after the triple fault"
    mov eax, cr0
    and eax, 0x80000001
    CHECK32 eax, 0, "PE and PG clear after reset"
    mov ax, [MARKER + 2]
    CHECK ax, 0x0D08, "#DF checks ran before the shutdown"
    mov ax, cs
    CHECK ax, ROM_SEG, "cs after reset"
    FINISH

bits 32
pm_main:
    ; ---- #GP with a not-present #GP gate: #NP in delivery -> #DF(0).
    and byte [IDT_BASE + 13 * 8 + 5], 0x7F
    TRY .df1
    xor eax, eax
    mov ds, ax
    mov eax, [0]
.df1:
    CAUGHT 8, 0, "#NP while delivering #GP: #DF(0)"
    or byte [IDT_BASE + 13 * 8 + 5], 0x80
    ; A single fault with a good gate is still itself.
    TRY .gp
    xor eax, eax
    mov es, ax
    mov eax, [es:0]
.gp:
    CAUGHT 13, 0, "#GP alone is not a #DF"
    ; ---- #PF whose delivery faults on the stack (paging on, the stack
    ; page not present): #PF then #PF -> #DF. The #DF handler is a task
    ; gate so it gets a good stack of its own.
    ; (Identity map of 0-4M, with page 7000 -- the ring 0 stack -- absent.)
    mov edi, 0x10000
    xor eax, eax
    mov ecx, 0x2000 / 4
    rep stosd
    mov dword [0x10000], 0x11000 | 3
    mov edi, 0x11000
    mov eax, 3
    mov ecx, 1024
.pt:
    stosd
    add eax, 0x1000
    loop .pt
    ; The #DF task.
    mov edi, 0x6000
    xor eax, eax
    mov ecx, 0x68 / 4
    rep stosd
    mov dword [0x6000 + 0x1C], 0x10000
    mov dword [0x6000 + 0x20], df_task
    mov dword [0x6000 + 0x24], 2
    mov dword [0x6000 + 0x38], 0x5F00
    mov dword [0x6000 + 0x4C], SEL_CODE32
    mov eax, SEL_DATA
    mov [0x6000 + 0x48], eax
    mov [0x6000 + 0x50], eax
    mov [0x6000 + 0x54], eax
    SET_DESC GDT_BASE + 0x40, 0x6000, 0x67, ACC_TSS32, 0
    SET_GATE IDT_BASE + 8 * 8, 0x40, 0, ACC_TASKGATE, 0
    mov eax, 0x10000
    mov cr3, eax
    mov eax, cr0
    or eax, 0x80000000
    mov cr0, eax
    mov dword [0x11000 + 7 * 4], 0  ; the stack page goes away
    mov eax, cr3                    ; (no INVLPG on the 386)
    mov cr3, eax
    mov esp, 0x7800
    mov eax, [0x500000]             ; #PF (no PDE), delivery #PF -> #DF task
.after_pf:
    ; (the #DF task never comes back)

; #DF as a task: the error code is on its stack; record, then go on to the
; triple fault.
df_task:
    pop eax
    mov [0x9F00], eax
    mov eax, cr2
    mov [0x9F04], eax
    mov eax, cr0
    and eax, 0x7FFFFFFF
    mov cr0, eax
    mov esp, STACK_TOP
    CHK [0x9F00], 0, "#PF during #PF delivery: #DF(0)"
    CHK [0x9F04], 0x7800 - 4, "the second #PF's cr2 is the stack"
    cmp word [LIB_FAILS], 0         ; the reset would forget failures
    jne .give_up
    ; ---- Triple fault: no IDT at all.
    mov word [MARKER + 2], 0x0D08
    mov word [MARKER], MAGIC
    lidt [cs:.no_idt]
    xor eax, eax
    mov ds, ax
    mov eax, [0]                    ; #GP -> #GP(IDT) -> #DF -> shutdown
    PM_FAIL "no triple fault"
.give_up:
    PM_FINISH
.no_idt:
    dw 0
    dd 0

    ROM_END
