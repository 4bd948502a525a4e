; tests/guest/pm/paging.asm: paging. An identity map of the first 4 MB in
; 4K pages, a non-identity 4K mapping and a 4M PSE page onto the same frame;
; A set by a read and D by a write (PDE and PTE); WP off and on for CPL 0
; writes to a read-only page; U/S and R/W at CPL 3; #PF with CR2 and the P,
; W/R and U/S error-code bits; GDT/IDT/TSS on supervisor pages still work for
; a ring 3 task (implicit accesses are supervisor accesses); INVLPG and a CR3
; reload make a changed PTE visible; a REP MOVSD that faults on a not-present
; page halfway, with ECX/ESI/EDI showing its progress in the #PF handler,
; resumes and completes once the handler maps the page; PAE with 4K and 2M
; pages and global pages across a CR3 load (Pentium II). On the 386 (NO_PSE
; NO_PAE NO_INVLPG) CR3 reloads stand in for INVLPG.
%define TEST_NAME "paging"
%include "rom.inc"
%include "pm.inc"

PD              equ 0x10000
PT0             equ 0x11000           ; 0-4M identity
PT1             equ 0x12000           ; 4M-8M: test mappings
PDPT            equ 0x14000           ; PAE
PAE_PD          equ 0x15000
PAE_PT0         equ 0x16000           ; 0-2M identity
PAE_PT1         equ 0x17000           ; 2M-4M: test mappings
FRAME           equ 0x20000
SRC             equ 0x30000
PF_OUT          equ 0xA000

; INVAL addr: INVLPG, or a CR3 reload on the 386, which has no INVLPG.
%macro INVAL 1
%ifdef NO_INVLPG
    push eax
    mov eax, cr3
    mov cr3, eax
    pop eax
%else
    invlpg %1
%endif
%endmacro

main:
    jmp pm_enter

bits 32
pm_main:
    ; Page tables: 0-4M identity, user, writable; GDT..ring 0 stacks
    ; (1000-7FFF) supervisor only.
    mov edi, PD
    xor eax, eax
    mov ecx, 0x3000 / 4
    rep stosd
    mov edi, PT0
    mov eax, 7
    mov ecx, 1024
.pt0:
    stosd
    add eax, 0x1000
    loop .pt0
    mov ecx, 1
.super:
    and byte [PT0 + ecx * 4], ~4
    inc ecx
    cmp ecx, 8
    jb .super
    mov dword [PD + 0], PT0 | 7
    mov dword [PD + 4], PT1 | 7
    mov dword [PT1 + 0], FRAME | 7  ; 400000 -> 20000
    mov dword [FRAME + 0x10], 0x13572468
    mov eax, PD
    mov cr3, eax
    mov eax, cr0
    or eax, 0x80000000
    mov cr0, eax
    CHK [FRAME + 0x10], 0x13572468, "identity map"

    ; ---- A then D on a 4K page.
    CHK [PT1], FRAME | 7, "pte: A and D clear before use"
    CHK [0x400010], 0x13572468, "non-identity read"
    CHK [PT1], FRAME | 0x27, "pte: a read sets A only"
    mov eax, [PD + 4]
    and eax, 0x60
    CHK eax, 0x20, "pde: A set, D untouched"
    mov dword [0x400014], 0x2468ACE0
    CHK [PT1], FRAME | 0x67, "pte: a write sets D"
    CHK [FRAME + 0x14], 0x2468ACE0, "non-identity write reaches the frame"

    ; ---- A 4M page (PSE) on frame 0.
%ifndef NO_PSE
    mov eax, cr4
    or eax, 0x10
    mov cr4, eax
    mov dword [PD + 8], 0x87        ; 800000 -> 0, 4M, user, writable
    CHK [0x800000 + FRAME + 0x10], 0x13572468, "4M page read"
    CHK [PD + 8], 0xA7, "4M pde: A"
    mov dword [0x800000 + FRAME + 0x18], 0x5A5A5A5A
    CHK [PD + 8], 0xE7, "4M pde: D"
    CHK [FRAME + 0x18], 0x5A5A5A5A, "4M page write"
%endif

    ; ---- WP: a read-only page written at CPL 0.
    mov dword [PT1 + 4], (FRAME + 0x1000) | 5 ; 401000: user, read-only
    mov dword [0x401000], 0x77      ; WP=0: allowed
    CHK [FRAME + 0x1000], 0x77, "wp=0: cpl 0 writes a read-only page"
    mov eax, cr0
    or eax, CR0_WP_BIT
    mov cr0, eax
    TRY .wp
    mov dword [0x401000], 0x88
.wp:
    CAUGHT 14, 3, "wp=1: #PF(P|W)"
    CHK [PM_EXC_CR2], 0x401000, "wp=1: cr2"
    CHK [PM_EXC_EIP], pm_main.wp - 10, "wp=1: eip of the write"
    CHK [FRAME + 0x1000], 0x77, "wp=1: nothing written"
    CHK [0x401000], 0x77, "wp=1: reads still work"

    ; ---- CPL 3: U/S and R/W.
    mov dword [PT1 + 8], (FRAME + 0x2000) | 3 ; 402000: supervisor
    mov dword [PT1 + 12], 0                   ; 403000: not present
    TRY .u1
    TO_RING3 ring3_ok
.u1:
    CAUGHT 0x31, -1, "ring 3 with supervisor GDT/IDT/TSS pages"
    CHK [R3_OUT], 0x13572468, "ring 3 reads a user page"
    TRY .u2
    TO_RING3 ring3_read_super
.u2:
    CAUGHT 14, 5, "cpl 3 read of a supervisor page: #PF(P|U)"
    CHK [PM_EXC_CR2], 0x402004, "cr2 of the user read"
    TRY .u3
    TO_RING3 ring3_write_ro
.u3:
    CAUGHT 14, 7, "cpl 3 write to a read-only page: #PF(P|W|U)"
    TRY .u4
    TO_RING3 ring3_read_np
.u4:
    CAUGHT 14, 4, "cpl 3 read of a not-present page: #PF(U)"
    CHK [PM_EXC_CR2], 0x403ABC, "cr2 of the not-present read"
    TRY .n1
    mov dword [0x403000], 1
.n1:
    CAUGHT 14, 2, "cpl 0 write to a not-present page: #PF(W)"
    TRY .n2
    mov eax, [0x403FFE]             ; crosses into 404000: first page faults
.n2:
    CAUGHT 14, 0, "cpl 0 read of a not-present page: #PF(0)"
    CHK [PM_EXC_CR2], 0x403FFE, "cr2 of a split read"

    ; ---- INVLPG and CR3 reload.
    mov dword [FRAME + 0x3000], 0xAAAA
    mov dword [FRAME + 0x4000], 0xBBBB
    mov dword [PT1 + 16], (FRAME + 0x3000) | 3
    CHK [0x404000], 0xAAAA, "pte 404000 -> frame A"
    mov dword [PT1 + 16], (FRAME + 0x4000) | 3
    INVAL [0x404000]
    CHK [0x404000], 0xBBBB, "invlpg: the new frame"
    mov dword [PT1 + 16], (FRAME + 0x3000) | 3
    mov eax, cr3
    mov cr3, eax
    CHK [0x404000], 0xAAAA, "cr3 reload: the new frame"
    mov dword [PT1 + 16], 0
    INVAL [0x404000]
    TRY .inv_np
    mov eax, [0x404000]
.inv_np:
    CAUGHT 14, 0, "invlpg of a now not-present page"

    ; ---- REP MOVSD across a not-present page; the handler maps it.
    mov edi, SRC
    xor eax, eax
    mov ecx, 0x800
.fill:
    stosd
    inc eax
    loop .fill
    mov dword [PT1 + 20], (FRAME + 0x5000) | 3 ; 405000
    mov dword [PT1 + 24], 0                    ; 406000: not present yet
    mov dword [PF_OUT + 0x20], 0
    IDT_GATE 14, pf_map, ACC_INTGATE
    mov esi, SRC
    mov edi, 0x405000
    mov ecx, 0x800
.movs:
    rep movsd
    IDT_GATE 14, pm_stubs + 14 * 12, ACC_INTGATE
    CHK ecx, 0, "rep movsd: done"
    CHK esi, SRC + 0x2000, "rep movsd: esi at the end"
    CHK edi, 0x407000, "rep movsd: edi at the end"
    CHK [PF_OUT + 0x20], 1, "rep movsd: one #PF"
    CHK [PF_OUT + 0x00], 0x400, "rep movsd #PF: ecx shows the progress"
    CHK [PF_OUT + 0x04], SRC + 0x1000, "rep movsd #PF: esi"
    CHK [PF_OUT + 0x08], 0x406000, "rep movsd #PF: edi"
    CHK [PF_OUT + 0x0C], 2, "rep movsd #PF: error code"
    CHK [PF_OUT + 0x10], 0x406000, "rep movsd #PF: cr2"
    CHK [PF_OUT + 0x14], pm_main.movs, "rep movsd #PF: eip of the instruction"
    CHK [FRAME + 0x5FFC], 0x3FF, "rep movsd: last dword before the fault"
    CHK [FRAME + 0x6000], 0x400, "rep movsd: first dword after it"
    CHK [FRAME + 0x6FFC], 0x7FF, "rep movsd: last dword"

%ifndef NO_PSE
    ; ---- Global pages (CR4.PGE): a CR3 load walks a non-global page again
    ; but keeps a global translation (SDM 3A 4.10.4.1, as the P6 does);
    ; INVLPG and clearing CR4.PGE drop it.
    mov eax, cr4
    or eax, 0x80
    mov cr4, eax
    mov dword [PT1 + 28], (FRAME + 0x3000) | 0x103 ; 407000: global, frame A
    mov dword [PT1 + 32], (FRAME + 0x3000) | 3     ; 408000: frame A
    CHK [0x407000], 0xAAAA, "global pte 407000 -> frame A"
    CHK [0x408000], 0xAAAA, "pte 408000 -> frame A"
    mov dword [PT1 + 28], (FRAME + 0x4000) | 0x103
    mov dword [PT1 + 32], (FRAME + 0x4000) | 3
    mov eax, cr3
    mov cr3, eax
    CHK [0x408000], 0xBBBB, "pge: a cr3 load drops a non-global page"
    CHK [0x407000], 0xAAAA, "pge: a cr3 load keeps a global page"
    invlpg [0x407000]
    CHK [0x407000], 0xBBBB, "pge: invlpg drops a global page"
    mov dword [PT1 + 28], (FRAME + 0x3000) | 0x103
    mov eax, cr3
    mov cr3, eax
    CHK [0x407000], 0xBBBB, "pge: kept again over a cr3 load"
    mov eax, cr4
    and eax, ~0x80
    mov cr4, eax
    CHK [0x407000], 0xAAAA, "pge: clearing CR4.PGE drops global pages"
    mov dword [PT1 + 28], 0
    mov dword [PT1 + 32], 0
    mov eax, cr3
    mov cr3, eax
%endif

%ifndef NO_PAE
    ; ---- PAE: paging off, 3-level tables, paging on.
    mov eax, cr0
    and eax, 0x7FFFFFFF
    mov cr0, eax
    mov edi, PDPT
    xor eax, eax
    mov ecx, 0x4000 / 4
    rep stosd
    mov dword [PDPT], PAE_PD | 1
    mov dword [PAE_PD + 0], PAE_PT0 | 7
    mov dword [PAE_PD + 8], PAE_PT1 | 7
    mov dword [PAE_PD + 24], 0x87   ; 600000: 2M page on frame 0
    mov edi, PAE_PT0
    mov eax, 7
    mov ecx, 512
.pae_pt:
    mov [edi], eax
    add edi, 8
    add eax, 0x1000
    loop .pae_pt
    mov dword [PAE_PT1], FRAME | 7  ; 200000 -> 20000
    mov eax, cr4
    or eax, 0x20
    mov cr4, eax
    mov eax, PDPT
    mov cr3, eax
    mov eax, cr0
    or eax, 0x80000000
    mov cr0, eax
    CHK [0x200010], 0x13572468, "pae: 4K page read"
    CHK [PAE_PT1], FRAME | 0x27, "pae: pte A"
    CHK [PAE_PT1 + 4], 0, "pae: pte high half"
    CHK [0x600000 + FRAME + 0x10], 0x13572468, "pae: 2M page read"
    mov dword [0x600000 + FRAME + 0x1C], 0xC0FFEE
    CHK [PAE_PD + 24], 0xE7, "pae: 2M pde A and D"
    CHK [FRAME + 0x1C], 0xC0FFEE, "pae: 2M page write"
    TRY .pae_np
    mov eax, [0x201000]
.pae_np:
    CAUGHT 14, 0, "pae: not-present pte"
    CHK [PM_EXC_CR2], 0x201000, "pae: cr2"
    TRY .pae_np2
    mov eax, [0x40000000]           ; PDPT entry 1 not present
.pae_np2:
    CAUGHT 14, 0, "pae: not-present pdpte"
    mov eax, cr0
    and eax, 0x7FFFFFFF
    mov cr0, eax
%endif
    PM_FINISH

CR0_WP_BIT equ 0x10000

; #PF that maps 406000 and lets the instruction go on.
pf_map:
    mov [PF_OUT + 0x00], ecx
    mov [PF_OUT + 0x04], esi
    mov [PF_OUT + 0x08], edi
    push eax
    mov eax, [esp + 4]
    mov [PF_OUT + 0x0C], eax
    mov eax, cr2
    mov [PF_OUT + 0x10], eax
    mov eax, [esp + 8]
    mov [PF_OUT + 0x14], eax
    inc dword [PF_OUT + 0x20]
    mov dword [PT1 + 24], (FRAME + 0x6000) | 3
    INVAL [0x406000]
    pop eax
    add esp, 4
    iretd

ring3_ok:
    mov eax, [ss:0x400010]
    mov [ss:R3_OUT], eax
    int 0x31
ring3_read_super:
    mov eax, [ss:0x402004]
    int 0x31
ring3_write_ro:
    mov [ss:0x401000], eax
    int 0x31
ring3_read_np:
    mov eax, [ss:0x403ABC]
    int 0x31

    ROM_END
