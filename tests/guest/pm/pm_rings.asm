; tests/guest/pm/pm_rings.asm: privilege transitions. IRET to ring 3 nulls
; the data segments ring 3 may not use; CALL from ring 3 through a 32-bit and
; a 16-bit call gate to ring 0 copies the parameters onto the ring 0 stack
; taken from the TSS, and RETF n back to ring 3 (outer-level return) restores
; SS:ESP past the parameters and nulls DS/ES that held ring 0 selectors; INT
; from ring 3 through an interrupt gate (IF cleared) and a trap gate (IF
; kept), the frame with the ring 3 SS:ESP, IRET back; INT to a DPL 0 gate
; from ring 3 is #GP(vector*8+2); conforming code runs at the caller's CPL
; with no stack switch, directly and through a gate; a far JMP/CALL to
; non-conforming ring 0 code and a DS load of ring 0 data from ring 3 are
; #GP(selector).
%define TEST_NAME "pm_rings"
%include "rom.inc"
%include "pm.inc"

SEL_GATE32      equ 0x40 | 3          ; call gate, DPL 3, 3 dword parameters
SEL_GATE16      equ 0x48 | 3          ; 16-bit call gate, 2 word parameters
SEL_CONF        equ 0x50              ; conforming code, DPL 0, base F0000
SEL_GATECONF    equ 0x58 | 3          ; call gate to conforming code
SEL_CONF3       equ SEL_CONF | 3
R0_OUT          equ 0xA000            ; what the ring 0 handlers saw

main:
    jmp pm_enter

bits 32
pm_main:
    SET_GATE GDT_BASE + (SEL_GATE32 & ~7), SEL_CODE32, gate32_entry, ACC_CALLGATE | ACC_DPL3, 3
    SET_GATE GDT_BASE + (SEL_GATE16 & ~7), SEL_CODE16, gate16_entry, 0x84 | ACC_DPL3, 2
    SET_DESC GDT_BASE + SEL_CONF, 0xF0000, 0xFFFF, 0x9E, DF_32
    SET_GATE GDT_BASE + (SEL_GATECONF & ~7), SEL_CONF, conf_fn, ACC_CALLGATE | ACC_DPL3, 0
    IDT_GATE 0x40, int_gate_entry, ACC_INTGATE | ACC_DPL3
    IDT_GATE 0x41, int_gate_entry, ACC_TRAPGATE | ACC_DPL3
    IDT_GATE 0x42, int_gate_entry, ACC_INTGATE ; DPL 0

    ; ---- IRET to ring 3: DS/ES (DPL 0) become null, FS/GS (DPL 3) stay.
    mov ax, SEL_DATA3 | 3
    mov fs, ax
    mov gs, ax
    sti                             ; the PICs are masked
    TRY .r3a_done
    TO_RING3 ring3_a
.r3a_done:
    cli
    CAUGHT 0x31, -1, "ring 3 left through int 31h"
    CHK [R3_OUT + 0], 3, "cpl 3 after iret"
    CHK [R3_OUT + 4], 0, "iret to ring 3 nulls ds"
    CHK [R3_OUT + 8], 0, "iret to ring 3 nulls es"
    CHK [R3_OUT + 12], SEL_DATA3 | 3, "iret to ring 3 keeps fs"
    CHK [R3_OUT + 16], SEL_DATA3 | 3, "ss at ring 3"
    CHK [R3_OUT + 20], STACK3_TOP, "esp at ring 3"
    ; the 32-bit call gate
    CHK [R0_OUT + 0], 0, "gate32: cpl 0"
    CHK [R0_OUT + 4], STACK0_TOP - 28, "gate32: esp from the tss"
    CHK [R0_OUT + 8], SEL_DATA, "gate32: ss from the tss"
    CHK [R0_OUT + 12], ring3_a.ret32, "gate32: return eip"
    CHK [R0_OUT + 16], SEL_CODE3 | 3, "gate32: return cs"
    CHK [R0_OUT + 20], 0x11, "gate32: parameter 1"
    CHK [R0_OUT + 24], 0x22, "gate32: parameter 2"
    CHK [R0_OUT + 28], 0x33, "gate32: parameter 3"
    CHK [R0_OUT + 32], STACK3_TOP - 12, "gate32: outer esp"
    CHK [R0_OUT + 36], SEL_DATA3 | 3, "gate32: outer ss"
    CHK [R3_OUT + 24], STACK3_TOP, "retf 12: outer esp past the parameters"
    CHK [R3_OUT + 28], 0, "retf to ring 3 nulls ds"
    CHK [R3_OUT + 32], 0, "retf to ring 3 nulls es"
    CHK [R3_OUT + 36], SEL_DATA3 | 3, "retf to ring 3 keeps gs"
    CHK [R3_OUT + 40], 0xABCD, "gate32: result in eax"
    ; the 16-bit call gate
    CHK [R0_OUT + 40], STACK0_TOP - 12, "gate16: sp from the tss"
    CHK [R0_OUT + 44], ring3_a.ret16, "gate16: return ip"
    CHK [R0_OUT + 48], SEL_CODE3 | 3, "gate16: return cs"
    CHK [R0_OUT + 52], 0x1111, "gate16: parameter 1"
    CHK [R0_OUT + 56], 0x2222, "gate16: parameter 2"
    CHK [R0_OUT + 60], (STACK3_TOP - 4) & 0xFFFF, "gate16: outer sp"
    CHK [R0_OUT + 64], SEL_DATA3 | 3, "gate16: outer ss"
    CHK [R3_OUT + 44], STACK3_TOP, "16-bit retf 4: outer esp"
    ; INT through the interrupt and the trap gate
    CHK [R0_OUT + 0x80], ring3_a.ret40, "int 40h: return eip"
    CHK [R0_OUT + 0x84], SEL_CODE3 | 3, "int 40h: return cs"
    CHK [R0_OUT + 0x88], FL_IF, "int 40h: saved IF"
    CHK [R0_OUT + 0x8C], STACK3_TOP, "int 40h: outer esp"
    CHK [R0_OUT + 0x90], SEL_DATA3 | 3, "int 40h: outer ss"
    CHK [R0_OUT + 0x94], 0, "int 40h: interrupt gate clears IF"
    CHK [R0_OUT + 0x98], STACK0_TOP - 20, "int 40h: esp from the tss"
    CHK [R0_OUT + 0xA0], ring3_a.ret41, "int 41h: return eip"
    CHK [R0_OUT + 0xB4], FL_IF, "int 41h: trap gate keeps IF"
    CHK [R3_OUT + 48], FL_IF, "IF back at ring 3 after iret"
    CHK [R3_OUT + 52], 0x4141, "int 41h result"

    ; ---- INT to a DPL 0 gate from ring 3: #GP(42h*8+2).
    TRY .r3b_done
    TO_RING3 ring3_b
.r3b_done:
    CAUGHT 13, 0x42 * 8 + 2, "int to a dpl 0 gate"
    CHK [PM_EXC_EIP], ring3_b.int42, "#GP eip is the int"
    ; ---- Conforming code from ring 3.
    TRY .r3c_done
    TO_RING3 ring3_c
.r3c_done:
    CAUGHT 0x31, -1, "conforming: back"
    CHK [R3_OUT + 0x60], SEL_CONF | 3, "conforming: cs rpl stays 3"
    CHK [R3_OUT + 0x64], STACK3_TOP - 8, "conforming: no stack switch"
    CHK [R3_OUT + 0x68], SEL_CONF | 3, "conforming through a gate: cs"
    CHK [R3_OUT + 0x6C], STACK3_TOP - 8, "conforming through a gate: no stack switch"
    CHK [R3_OUT + 0x70], SEL_CONF | 3, "ds may hold conforming code at cpl 3"
    ; ---- Ring 3 far JMP/CALL to non-conforming ring 0 code: #GP(sel).
    TRY .r3d_done
    TO_RING3 ring3_d
.r3d_done:
    CAUGHT 13, SEL_CODE32, "ring 3 jmp to ring 0 code"
    TRY .r3e_done
    TO_RING3 ring3_e
.r3e_done:
    CAUGHT 13, SEL_CODE32, "ring 3 call to ring 0 code"
    TRY .r3f_done
    TO_RING3 ring3_f
.r3f_done:
    CAUGHT 13, SEL_DATA, "ring 3 load of a ring 0 data segment"
    ; RPL 3 in a ring 0 data selector: #GP too, even at CPL 0.
    TRY .rpl_done
    mov ax, SEL_DATA | 3
    mov es, ax
.rpl_done:
    CAUGHT 13, SEL_DATA, "rpl 3 selector for dpl 0 data"
    ; Ring 0 SS from a ring 3 data segment: #GP.
    TRY .ss_done
    mov ax, SEL_DATA3 | 3
    mov ss, ax
.ss_done:
    CAUGHT 13, SEL_DATA3, "ss dpl must equal cpl"
    PM_FINISH

; ---------------------------------------------------------------- ring 3
ring3_a:
    mov ax, cs
    and eax, 3
    mov [ss:R3_OUT + 0], eax
    xor eax, eax
    mov ax, ds
    mov [ss:R3_OUT + 4], eax
    mov ax, es
    mov [ss:R3_OUT + 8], eax
    mov ax, fs
    mov [ss:R3_OUT + 12], eax
    mov ax, ss
    mov [ss:R3_OUT + 16], eax
    mov [ss:R3_OUT + 20], esp
    ; 32-bit call gate with three parameters.
    push dword 0x33
    push dword 0x22
    push dword 0x11
    call SEL_GATE32:0xDEAD          ; the offset is ignored
.ret32:
    mov [ss:R3_OUT + 24], esp
    mov [ss:R3_OUT + 40], eax
    xor eax, eax
    mov ax, ds
    mov [ss:R3_OUT + 28], eax
    mov ax, es
    mov [ss:R3_OUT + 32], eax
    mov ax, gs
    mov [ss:R3_OUT + 36], eax
    ; 16-bit call gate with two word parameters.
    push word 0x2222
    push word 0x1111
    call SEL_GATE16:0
.ret16:
    mov [ss:R3_OUT + 44], esp
    ; INT through an interrupt gate and a trap gate.
    int 0x40
.ret40:
    int 0x41
.ret41:
    mov [ss:R3_OUT + 52], eax
    pushfd
    pop eax
    and eax, FL_IF
    mov [ss:R3_OUT + 48], eax
    int 0x31

ring3_b:
.int42:
    int 0x42
    int 0x31

ring3_c:
    push dword 0x5555
    push dword 0x6666
    call SEL_CONF3:conf_fn
    mov [ss:R3_OUT + 0x60], eax
    mov [ss:R3_OUT + 0x64], ebx
    call SEL_GATECONF:0
    mov [ss:R3_OUT + 0x68], eax
    mov [ss:R3_OUT + 0x6C], ebx
    mov ax, SEL_CONF | 3
    mov ds, ax
    xor eax, eax
    mov ax, ds
    mov [ss:R3_OUT + 0x70], eax
    int 0x31

ring3_d:
    jmp SEL_CODE32:pm_main
ring3_e:
    call SEL_CODE32:pm_main
ring3_f:
    mov ax, SEL_DATA | 3
    mov ds, ax
    int 0x31

; Conforming code: reports CS and ESP (the caller's stack, below its
; return address).
conf_fn:
    xor eax, eax
    mov ax, cs
    lea ebx, [esp + 8]
    retf

; ---------------------------------------------------------------- ring 0
gate32_entry:
    mov ax, cs
    and eax, 3
    mov [ss:R0_OUT + 0], eax
    mov [ss:R0_OUT + 4], esp
    xor eax, eax
    mov ax, ss
    mov [ss:R0_OUT + 8], eax
    xor ecx, ecx
.copy:
    mov eax, [esp + ecx * 4]
    mov [ss:R0_OUT + 12 + ecx * 4], eax
    inc ecx
    cmp ecx, 7
    jb .copy
    ; Ring 0 data in DS and ES: the return to ring 3 must null them.
    mov ax, SEL_DATA
    mov ds, ax
    mov es, ax
    mov eax, 0xABCD
    retf 12

bits 16
gate16_entry:
    mov [ss:R0_OUT + 40], esp
    xor ecx, ecx
    mov bp, sp
.copy:
    movzx eax, word [bp]
    mov [ss:R0_OUT + 44], eax
    movzx eax, word [bp + 2]
    mov [ss:R0_OUT + 48], eax
    movzx eax, word [bp + 4]
    mov [ss:R0_OUT + 52], eax
    movzx eax, word [bp + 6]
    mov [ss:R0_OUT + 56], eax
    movzx eax, word [bp + 8]
    mov [ss:R0_OUT + 60], eax
    movzx eax, word [bp + 10]
    mov [ss:R0_OUT + 64], eax
    retf 4

bits 32
; INT 40h/41h: the frame, IF, ESP; then IRET. The slot is 0x80 + 0x20 * (vector - 40h).
int_gate_entry:
    push ebx
    mov ebx, [esp + 4]
    sub ebx, ring3_a.ret40
    shl ebx, 4                      ; ret40 -> 0, ret41 -> 0x20 (int 40h is 2 bytes)
    mov eax, [esp + 4]
    mov [ss:R0_OUT + 0x80 + ebx], eax
    mov eax, [esp + 8]
    mov [ss:R0_OUT + 0x84 + ebx], eax
    mov eax, [esp + 12]
    and eax, FL_IF
    mov [ss:R0_OUT + 0x88 + ebx], eax
    mov eax, [esp + 16]
    mov [ss:R0_OUT + 0x8C + ebx], eax
    mov eax, [esp + 20]
    mov [ss:R0_OUT + 0x90 + ebx], eax
    pushfd
    pop eax
    and eax, FL_IF
    mov [ss:R0_OUT + 0x94 + ebx], eax
    lea eax, [esp + 4]
    mov [ss:R0_OUT + 0x98 + ebx], eax
    mov eax, 0x4141
    pop ebx
    iretd

    ROM_END
