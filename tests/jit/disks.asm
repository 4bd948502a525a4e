; tests/jit/disks.asm: the disk images tests/jit/dma.asm and ide.asm read
; into code pages. Sector k (from 0) holds `mov eax, SIG + k ; retf` at
; offset 0 and `mov eax, SIG2 + k ; retf` at offset 1FAh, its last bytes.
; FLOPPY: a 1.44 MB floppy; else a 64-sector hard disk.
bits 32
%ifdef FLOPPY
SIG     equ 0xF1000000
SIG2    equ 0xF2000000
SECTORS equ 2880
%else
SIG     equ 0xD1000000
SIG2    equ 0xD2000000
SECTORS equ 64
%endif
%assign k 0
%rep 16
sector_ %+ k:
    mov eax, SIG + k
    retf
    times 0x1FA - ($ - sector_ %+ k) db 0x90
    mov eax, SIG2 + k
    retf
%assign k k + 1
%endrep
    times SECTORS * 512 - ($ - $$) db 0
