; tests/jit/ide.asm: code written by the IDE controller. Hot code in RAM is
; overwritten by a PIO READ SECTORS through `rep insw` (the CPU writes, but
; from an I/O port), and by a READ DMA through the PIIX3 bus master (a
; two-sector PRD transfer across a page boundary), then run: it must be the
; sectors' code. Run with -hda jit_hd.img (tests/jit/disks.asm).
%define TEST_NAME "ide"
%include "rom.inc"
%include "pm.inc"
%include "jit.inc"

CODE            equ 0x20000           ; PIO target: one sector
DCODE           equ 0x20F00           ; DMA target: two sectors over 21000
PRD             equ 0x8000
HD_SIG          equ 0xD1000000
HD_SIG2         equ 0xD2000000
BM              equ 0xC000            ; bus-master registers (BAR4)
PCI_IDE         equ 0x80000000 | (1 << 11) | (1 << 8) ; bus 0, device 1, function 1

main:
    jmp pm_enter

bits 32
pm_main:
    JIT_INIT
    ; The PIIX3 IDE function: BAR4 at BM, I/O and bus mastering on.
    mov dx, 0xCF8
    mov eax, PCI_IDE | 0x20
    out dx, eax
    mov dx, 0xCFC
    mov eax, BM
    out dx, eax
    mov dx, 0xCF8
    mov eax, PCI_IDE | 0x04
    out dx, eax
    mov dx, 0xCFC
    mov ax, 5
    out dx, ax

    mov ebp, 0
.round:
    ; ---- PIO.
    PUT_MOVRET CODE, 0x11111111
    PUT_MOVRET CODE + 0x1FA, 0x22222222
    call warm_pio
    mov ebx, ebp
    and ebx, 7                        ; LBA
    mov ecx, 1
    call ide_cmd_pio
    mov edi, CODE
    mov ecx, 256
    mov dx, 0x1F0
    cld
    rep insw
    mov dx, 0x1F7
    in al, dx
    lea edx, [ebx + HD_SIG]
    CALLF CODE
    CHK eax, edx, "pio: the sector's code at its start"
    lea edx, [ebx + HD_SIG2]
    CALLF CODE + 0x1FA
    CHK eax, edx, "pio: the sector's code at its end"

    ; ---- bus-master DMA: sectors LBA and LBA+1 into DCODE, which holds
    ; hot code at both ends and across 21000.
    PUT_MOVRET DCODE, 0x33333333
    PUT_MOVRET DCODE + 0x1FA, 0x44444444
    PUT_MOVRET DCODE + 0x200, 0x55555555
    PUT_MOVRET DCODE + 0x3FA, 0x66666666
    call warm_dma
    mov dword [PRD], DCODE
    mov dword [PRD + 4], 0x80000000 | 1024
    mov dx, BM
    xor al, al
    out dx, al                        ; stop
    mov dx, BM + 2
    mov al, 0x06                      ; clear the interrupt and error bits
    out dx, al
    mov dx, BM + 4
    mov eax, PRD
    out dx, eax
    mov ecx, 2
    call ide_select
    mov dx, 0x1F7
    mov al, 0xC8                      ; READ DMA
    out dx, al
    mov dx, BM
    mov al, 0x09                      ; start, towards memory
    out dx, al
    mov ecx, 1000000
    mov dx, BM + 2
.bm_wait:
    in al, dx
    test al, 4                        ; the drive's interrupt
    jnz .bm_done
    loop .bm_wait
    PM_FAIL "dma: the transfer never ended"
.bm_done:
    test al, 2
    jz .bm_ok
    PM_FAIL "dma: bus-master error"
.bm_ok:
    mov dx, BM
    xor al, al
    out dx, al
    mov dx, 0x1F7
    in al, dx
    lea edx, [ebx + HD_SIG]
    CALLF DCODE
    CHK eax, edx, "bus master: first sector, start"
    lea edx, [ebx + HD_SIG2]
    CALLF DCODE + 0x1FA
    CHK eax, edx, "bus master: first sector, end"
    lea edx, [ebx + HD_SIG + 1]
    CALLF DCODE + 0x200
    CHK eax, edx, "bus master: second sector (across the page), start"
    lea edx, [ebx + HD_SIG2 + 1]
    CALLF DCODE + 0x3FA
    CHK eax, edx, "bus master: second sector, end"

    inc ebp
    cmp ebp, 16
    jb .round
    PM_FINISH

warm_pio:
    push esi
    mov esi, 0
.l:
    CALLF CODE
    CALLF CODE + 0x1FA
    inc esi
    cmp esi, HOT
    jb .l
    pop esi
    ret

warm_dma:
    push esi
    mov esi, 0
.l:
    CALLF DCODE
    CALLF DCODE + 0x1FA
    CALLF DCODE + 0x200
    CALLF DCODE + 0x3FA
    inc esi
    cmp esi, HOT
    jb .l
    pop esi
    ret

; ide_select: master, LBA EBX, ECX sectors (the task file; no command).
ide_select:
    push eax
    push edx
    call ide_wait_ready
    mov dx, 0x1F6
    mov al, 0xE0
    out dx, al
    mov dx, 0x1F2
    mov al, cl
    out dx, al
    inc dx
    mov al, bl
    out dx, al
    inc dx
    xor al, al
    out dx, al
    inc dx
    out dx, al
    pop edx
    pop eax
    ret

; ide_cmd_pio: READ SECTORS of ECX sectors at LBA EBX; returns once DRQ.
ide_cmd_pio:
    push eax
    push ecx
    push edx
    call ide_select
    mov dx, 0x1F7
    mov al, 0x20
    out dx, al
    mov ecx, 1000000
.wait:
    in al, dx
    and al, 0x89                      ; BSY, DRQ, ERR
    cmp al, 0x08
    je .ok
    loop .wait
    PM_FAIL "pio: no data from the drive"
.ok:
    pop edx
    pop ecx
    pop eax
    ret

ide_wait_ready:
    push eax
    push ecx
    push edx
    mov dx, 0x1F7
    mov ecx, 1000000
.wait:
    in al, dx
    test al, 0x80
    jz .ok
    loop .wait
    PM_FAIL "ide: the drive stays busy"
.ok:
    pop edx
    pop ecx
    pop eax
    ret

ROM_END
