; tests/guest/pm/pm_tasks.asm: hardware task switches and the I/O bitmap.
; JMP to a TSS (registers from the new TSS, old state saved in the old one,
; busy bits moved, no NT, CR0.TS set) and JMP back; CALL to a TSS (NT set,
; back link, both busy) and IRET with NT back (busy cleared, the task resumes
; after its IRET next time); CALL to a busy TSS is #GP(sel); CALL through a
; task gate in the GDT, INT n through a task gate in the IDT, and a #GP
; delivered through a task gate with its error code on the new task's stack;
; a 16-bit (286) TSS entered by CALL and left by a 16-bit IRET; the TSS I/O
; permission bitmap at CPL 3 with IOPL 0 (a permitted port works, a denied
; port and a word straddling into a denied port are #GP(0), IOPL 3 ignores
; the bitmap) and CLI at IOPL 0 is #GP(0).
%define TEST_NAME "pm_tasks"
%include "rom.inc"
%include "pm.inc"

SEL_TSSA        equ 0x40
SEL_TSSB        equ 0x48
SEL_TSSC        equ 0x50
SEL_TSSD        equ 0x58
SEL_TSSE        equ 0x60
SEL_TSSF        equ 0x68              ; 16-bit TSS
SEL_TGATE       equ 0x70              ; task gate to TSS C
TSSA_BASE       equ 0x6000
TSSB_BASE       equ 0x6080
TSSC_BASE       equ 0x6100
TSSD_BASE       equ 0x6180
TSSE_BASE       equ 0x6200
TSSF_BASE       equ 0x6280
TOUT            equ 0xA000            ; what the tasks saw

; MKTSS base, eip, esp, eax: a 32-bit ring 0 TSS with flat segments.
%macro MKTSS 4
    mov edi, %1
    mov eax, %2
    mov ebx, %3
    mov edx, %4
    call make_tss32
%endmacro

main:
    jmp pm_enter

bits 32
pm_main:
    MKTSS TSSA_BASE, task_a, 0x6C00, 0x1111AAAA
    MKTSS TSSB_BASE, task_b, 0x6D00, 0
    MKTSS TSSC_BASE, task_c, 0x6E00, 0
    MKTSS TSSD_BASE, task_d, 0x6F00, 0
    MKTSS TSSE_BASE, task_e, 0x6F80, 0
    SET_DESC GDT_BASE + SEL_TSSA, TSSA_BASE, 0x67, ACC_TSS32, 0
    SET_DESC GDT_BASE + SEL_TSSB, TSSB_BASE, 0x67, ACC_TSS32, 0
    SET_DESC GDT_BASE + SEL_TSSC, TSSC_BASE, 0x67, ACC_TSS32, 0
    SET_DESC GDT_BASE + SEL_TSSD, TSSD_BASE, 0x67, ACC_TSS32, 0
    SET_DESC GDT_BASE + SEL_TSSE, TSSE_BASE, 0x67, ACC_TSS32, 0
    SET_DESC GDT_BASE + SEL_TSSF, TSSF_BASE, 0x2B, ACC_TSS16, 0
    SET_GATE GDT_BASE + SEL_TGATE, SEL_TSSC, 0, ACC_TASKGATE, 0
    ; The 286 TSS: IP, FLAGS, AX, SP, ES CS SS DS.
    mov edi, TSSF_BASE
    xor eax, eax
    mov ecx, 0x2C / 4
    rep stosd
    mov word [TSSF_BASE + 0x0E], task_f
    mov word [TSSF_BASE + 0x10], 2
    mov word [TSSF_BASE + 0x12], 0x1616
    mov word [TSSF_BASE + 0x1A], 0x6F40
    mov word [TSSF_BASE + 0x22], SEL_DATA
    mov word [TSSF_BASE + 0x24], SEL_CODE16
    mov word [TSSF_BASE + 0x26], SEL_DATA
    mov word [TSSF_BASE + 0x28], SEL_DATA
    mov dword [TSS0_BASE], 0xFFFF   ; the main task's link: untouched by JMP

    ; ---- JMP to task A and back.
    clts
    mov ebx, 0x5555
    mov esi, 0x7777
    jmp SEL_TSSA:0
.after_a:
    CHK ebx, 0x5555, "jmp back: ebx restored from TSS0"
    CHK esi, 0x7777, "jmp back: esi restored from TSS0"
    CHK [TOUT + 0x00], 0x1111AAAA, "task A: eax from its TSS"
    CHK [TOUT + 0x04], SEL_TSSA, "task A: str"
    CHK [TOUT + 0x08], 0x89, "task A: old TSS no longer busy"
    CHK [TOUT + 0x0C], 0x8B, "task A: its TSS busy"
    CHK [TOUT + 0x10], 0, "task A: NT clear after jmp"
    CHK [TOUT + 0x14], 8, "task A: CR0.TS set"
    CHK [TOUT + 0x18], 0x6C00, "task A: esp from its TSS"
    CHK [TOUT + 0x1C], 0xFFFF, "jmp leaves the back link alone"
    CHK [TOUT + 0x20], pm_main.after_a, "TSS0 saved eip"
    CHK [TOUT + 0x24], 0x5555, "TSS0 saved ebx"
    CHK [TSSA_BASE + 0x34], 0x9999, "task A's ebx saved in its TSS"
    movzx eax, byte [GDT_BASE + SEL_TSSA + 5]
    CHK eax, 0x89, "task A not busy after the jmp back"
    movzx eax, byte [GDT_BASE + SEL_TSS0 + 5]
    CHK eax, 0x8B, "TSS0 busy again"
    str ax
    movzx eax, ax
    CHK eax, SEL_TSS0, "str back in the main task"

    ; ---- CALL task B, IRET back; twice (the second resumes after IRET).
    call SEL_TSSB:0
    CHK [TOUT + 0x40], 1, "task B: NT set by call"
    CHK [TOUT + 0x44], SEL_TSS0, "task B: back link"
    CHK [TOUT + 0x48], 0x8B, "task B: caller still busy"
    CHK [TOUT + 0x4C], 0x8B, "task B: its TSS busy"
    CHK [TOUT + 0x50], 1, "task B: first entry"
    pushfd
    pop eax
    and eax, 0x4000
    CHK eax, 0, "NT clear back in the caller"
    movzx eax, byte [GDT_BASE + SEL_TSSB + 5]
    CHK eax, 0x89, "iret clears the busy bit"
    call SEL_TSSB:0
    CHK [TOUT + 0x50], 2, "task B resumed after its iret"
    ; ---- CALL to a busy TSS: #GP(sel).
    TRY .busy
    call SEL_TSS0:0
.busy:
    CAUGHT 13, SEL_TSS0, "call to a busy tss"
    ; ---- Through a task gate in the GDT.
    call SEL_TGATE:0
    CHK [TOUT + 0x60], SEL_TSS0, "task gate: back link"
    CHK [TOUT + 0x64], SEL_TSSC, "task gate: str"
    ; ---- INT n through a task gate in the IDT.
    SET_GATE IDT_BASE + 0x50 * 8, SEL_TSSD, 0, ACC_TASKGATE, 0
    int 0x50
    CHK [TOUT + 0x70], SEL_TSS0, "int task gate: back link"
    CHK [TOUT + 0x74], 1, "int task gate: NT"
    ; ---- #GP through a task gate: the error code on the new stack.
    SET_GATE IDT_BASE + 13 * 8, SEL_TSSE, 0, ACC_TASKGATE, 0
    mov ax, 0x800
    mov es, ax                      ; #GP(0x800); task E skips it
    CHK [TOUT + 0x80], 0x800, "#GP through a task gate: error code"
    CHK [TOUT + 0x84], 0x6F80 - 4, "#GP through a task gate: esp"
    CHK [TOUT + 0x88], 1, "#GP through a task gate: ran once"
    IDT_GATE 13, pm_stubs + 13 * 12, ACC_INTGATE
    mov ax, SEL_DATA
    mov es, ax
    ; ---- The 16-bit TSS.
    call SEL_TSSF:0
    CHK [TOUT + 0x90], 0x1616, "286 task: ax from its TSS"
    CHK [TOUT + 0x94], 0x4000, "286 task: NT"
    CHK [TOUT + 0x98], SEL_TSS0, "286 task: back link"
    CHK [TOUT + 0x9C], 0x83, "286 task: busy 286 TSS"
    CHK [TOUT + 0xA0], 0x6F40, "286 task: sp"
    movzx eax, byte [GDT_BASE + SEL_TSSF + 5]
    CHK eax, 0x81, "286 task: not busy after iret"
    movzx eax, word [TSSF_BASE + 0x0E]
    CHK eax, task_f.again, "286 task: ip saved in its TSS"
    clts

    ; ---- The I/O bitmap at CPL 3, IOPL 0: port 80h allowed, 81h denied.
    and byte [TSS0_BASE + TSS0_IOMAP + 0x80 / 8], ~1
    TRY .io1
    TO_RING3 ring3_io
.io1:
    CAUGHT 13, 0, "denied port at cpl 3"
    CHK [PM_EXC_EIP], ring3_io.denied, "the denied out"
    CHK [R3_OUT], 0x5A, "allowed port: in reads what out wrote"
    TRY .io2
    TO_RING3 ring3_io_word
.io2:
    CAUGHT 13, 0, "word access into a denied port"
    TRY .io3
    TO_RING3 ring3_cli
.io3:
    CAUGHT 13, 0, "cli at cpl 3 with iopl 0"
    ; IOPL 3: the bitmap does not matter.
    pushfd
    or dword [esp], 0x3000
    popfd
    TRY .io4
    TO_RING3 ring3_io_iopl
.io4:
    CAUGHT 0x31, -1, "iopl 3: denied port allowed"
    CHK [R3_OUT + 4], 0xA5, "iopl 3: in/out worked"
    PM_FINISH

; make_tss32: EDI base, EAX eip, EBX esp, EDX eax.
make_tss32:
    push eax
    push edi
    xor eax, eax
    mov ecx, 0x68 / 4
    rep stosd
    pop edi
    pop eax
    mov [edi + 0x20], eax
    mov dword [edi + 0x24], 2
    mov [edi + 0x28], edx
    mov [edi + 0x38], ebx
    mov eax, SEL_DATA
    mov [edi + 0x48], eax
    mov [edi + 0x50], eax
    mov [edi + 0x54], eax
    mov [edi + 0x58], eax
    mov [edi + 0x5C], eax
    mov dword [edi + 0x4C], SEL_CODE32
    mov word [edi + 0x66], 0x68
    ret

task_a:
    mov [TOUT + 0x00], eax
    str ax
    movzx eax, ax
    mov [TOUT + 0x04], eax
    movzx eax, byte [GDT_BASE + SEL_TSS0 + 5]
    mov [TOUT + 0x08], eax
    movzx eax, byte [GDT_BASE + SEL_TSSA + 5]
    mov [TOUT + 0x0C], eax
    pushfd
    pop eax
    shr eax, 14 - 0
    and eax, 1
    mov [TOUT + 0x10], eax
    mov eax, cr0
    and eax, 8
    mov [TOUT + 0x14], eax
    mov [TOUT + 0x18], esp
    mov eax, [TSS0_BASE]
    mov [TOUT + 0x1C], eax
    mov eax, [TSS0_BASE + 0x20]
    mov [TOUT + 0x20], eax
    mov eax, [TSS0_BASE + 0x34]
    mov [TOUT + 0x24], eax
    mov ebx, 0x9999
    jmp SEL_TSS0:0

task_b:
    mov dword [TOUT + 0x50], 0
.again:
    inc dword [TOUT + 0x50]
    pushfd
    pop eax
    shr eax, 14
    and eax, 1
    mov [TOUT + 0x40], eax
    movzx eax, word [TSSB_BASE]
    mov [TOUT + 0x44], eax
    movzx eax, byte [GDT_BASE + SEL_TSS0 + 5]
    mov [TOUT + 0x48], eax
    movzx eax, byte [GDT_BASE + SEL_TSSB + 5]
    mov [TOUT + 0x4C], eax
    iretd
    jmp .again

task_c:
    movzx eax, word [TSSC_BASE]
    mov [TOUT + 0x60], eax
    str ax
    movzx eax, ax
    mov [TOUT + 0x64], eax
    iretd

task_d:
    movzx eax, word [TSSD_BASE]
    mov [TOUT + 0x70], eax
    pushfd
    pop eax
    shr eax, 14
    and eax, 1
    mov [TOUT + 0x74], eax
    iretd

task_e:
    mov dword [TOUT + 0x88], 0
.again:
    mov [TOUT + 0x84], esp
    pop eax
    mov [TOUT + 0x80], eax
    inc dword [TOUT + 0x88]
    add dword [TSS0_BASE + 0x20], 2 ; step over the faulting mov es, ax
    iretd
    jmp .again

bits 16
task_f:
    mov [TOUT + 0x90], ax
    pushf
    pop ax
    and ax, 0x4000
    mov [TOUT + 0x94], ax
    mov ax, [TSSF_BASE]
    mov [TOUT + 0x98], ax
    mov al, [GDT_BASE + SEL_TSSF + 5]
    mov [TOUT + 0x9C], al
    mov [TOUT + 0xA0], sp
    iret
.again:
    jmp .again
bits 32

ring3_io:
    mov al, 0x5A
    out 0x80, al
    xor eax, eax
    in al, 0x80
    mov [ss:R3_OUT], eax
.denied:
    out 0x81, al
    int 0x31

ring3_io_word:
    in ax, 0x80
    int 0x31

ring3_cli:
    cli
    int 0x31

ring3_io_iopl:
    mov al, 0xA5
    out 0x81, al
    out 0x80, al
    xor eax, eax
    in al, 0x80
    mov [ss:R3_OUT + 4], eax
    int 0x31

    ROM_END
