; tests/jit/repfault.asm: REP string instructions that meet a not-present
; page part way. The #PF handler sees ECX/ESI/EDI showing the progress so
; far and EIP at the instruction (prefixes included), maps the page and
; returns; the instruction resumes and completes with the right end state
; and data, and the instruction after it in the same block runs once. Hot
; loops over MOVSD forward, MOVSB backward from a not-present source, MOVSW
; with 16-bit addresses (67h: CX/SI/DI), STOSD and MOVSD with 16-bit
; operands (66h).
%define TEST_NAME "repfault"
%include "rom.inc"
%include "pm.inc"
%include "jit.inc"

SRC             equ 0x300000          ; identity-mapped source pattern
DST             equ 0x310000          ; identity-mapped destination
LIN             equ 0x404000          ; 404000-407FFF: mapped on demand
FRAMES          equ 0x230000          ; LIN + k -> FRAMES + k
LOW             equ 0xC000            ; C000-DFFF: 16-bit addressable
PF_LOG          equ 0xB000            ; count, ecx, esi, edi, err, cr2, eip
LOG_N           equ PF_LOG + 0
LOG_ECX         equ PF_LOG + 4
LOG_ESI         equ PF_LOG + 8
LOG_EDI         equ PF_LOG + 12
LOG_ERR         equ PF_LOG + 16
LOG_CR2         equ PF_LOG + 20
LOG_EIP         equ PF_LOG + 24

; UNMAP linear: PTE cleared, TLB entry dropped.
%macro UNMAP 1
%if (%1) < 0x400000
    mov dword [PT_LOW + ((%1) >> 12) * 4], 0
%else
    mov dword [PT_A + (((%1) >> 12) & 0x3FF) * 4], 0
%endif
    invlpg [%1]
%endmacro

; EXPECT_PF ecx, esi, edi, err, cr2, eip_label, "what"
%macro EXPECT_PF 7
    CHK [LOG_N], 1, {%7, ": one #PF"}
    CHK [LOG_ECX], %1, {%7, ": ecx at the #PF"}
    CHK [LOG_ESI], %2, {%7, ": esi at the #PF"}
    CHK [LOG_EDI], %3, {%7, ": edi at the #PF"}
    CHK [LOG_ERR], %4, {%7, ": error code"}
    CHK [LOG_CR2], %5, {%7, ": cr2"}
    CHK [LOG_EIP], %6, {%7, ": eip of the instruction"}
%endmacro

main:
    jmp pm_enter

bits 32
pm_main:
    JIT_INIT
    PAGING_TABLES
    ; Source pattern: dword k = k * 0x01010101 + 0x10203040.
    mov edi, SRC
    mov ecx, 0x2000
    xor eax, eax
.fill:
    mov ebx, eax
    imul ebx, ebx, 0x01010101
    add ebx, 0x10203040
    mov [edi + eax * 4], ebx
    inc eax
    loop .fill
    ; The frames behind LIN hold the pattern too (for the backward copy).
    mov esi, SRC
    mov edi, FRAMES
    mov ecx, 0x4000 / 4
    rep movsd
    IDT_GATE 14, pf_map, ACC_INTGATE
    PAGING_ON

    mov ebp, 0
.hot:
    ; ---- MOVSD forward, the destination's second page not present.
    UNMAP LIN
    UNMAP LIN + 0x1000
    MAP PT_A, LIN, FRAMES
    invlpg [LIN]
    mov dword [LOG_N], 0
    cld
    mov esi, SRC
    mov edi, LIN + 0x800
    mov ecx, 0x400
    xor edx, edx
.movsd:
    rep movsd
    inc edx
    CHK edx, 1, "movsd: the next instruction ran once"
    EXPECT_PF 0x200, SRC + 0x800, LIN + 0x1000, 2, LIN + 0x1000, pm_main.movsd, "movsd"
    CHK ecx, 0, "movsd: ecx at the end"
    CHK esi, SRC + 0x1000, "movsd: esi at the end"
    CHK edi, LIN + 0x1800, "movsd: edi at the end"
    CHK [FRAMES + 0xFFC], [SRC + 0x7FC], "movsd: last dword before the page"
    CHK [FRAMES + 0x1000], [SRC + 0x800], "movsd: first dword after it"
    CHK [FRAMES + 0x17FC], [SRC + 0xFFC], "movsd: last dword"

    ; ---- MOVSB backward, the source's lower page not present.
    UNMAP LIN + 0x2000
    MAP PT_A, LIN + 0x3000, FRAMES + 0x3000
    invlpg [LIN + 0x3000]
    mov dword [LOG_N], 0
    mov edi, DST
    xor eax, eax
    mov ecx, 0x400
    rep stosd
    std
    mov esi, LIN + 0x30FF             ; 30FF down to 2F00
    mov edi, DST + 0x1FF
    mov ecx, 0x200
    xor edx, edx
.movsb:
    rep movsb
    inc edx
    cld
    CHK edx, 1, "movsb down: the next instruction ran once"
    EXPECT_PF 0x100, LIN + 0x2FFF, DST + 0xFF, 0, LIN + 0x2FFF, pm_main.movsb, "movsb down"
    CHK ecx, 0, "movsb down: ecx at the end"
    CHK esi, LIN + 0x2EFF, "movsb down: esi at the end"
    CHK edi, DST - 1, "movsb down: edi at the end"
    CHK [DST + 0x1FC], [FRAMES + 0x30FC], "movsb down: the first bytes"
    CHK [DST + 0x100], [FRAMES + 0x3000], "movsb down: the last bytes before the page"
    CHK [DST + 0x0FC], [FRAMES + 0x2FFC], "movsb down: the first bytes after it"
    CHK [DST], [FRAMES + 0x2F00], "movsb down: the last bytes"

    ; ---- MOVSW with 16-bit addresses: CX/SI/DI, the destination's second
    ; page (D000) not present.
    UNMAP LOW + 0x1000
    mov dword [LOG_N], 0
    mov esi, 0xABCD0000 | (SRC & 0xFFFF) ; high halves must stay
    mov edi, 0x12340000 | (LOW + 0xF00)
    mov ecx, 0x56780100
    xor edx, edx
    push ds
    mov ax, SEL_DATA
    mov ds, ax
    ; DS:SI must reach SRC: use a data segment based at SRC & ~0xFFFF.
    SET_DESC GDT_BASE + SEL_FREE + 16, SRC & 0xFFFF0000, 0xFFFF, ACC_DATA, 0
    mov ax, SEL_FREE + 16
    mov ds, ax
.movsw:
    a16 rep movsw
    inc edx
    pop ds
    CHK edx, 1, "movsw a16: the next instruction ran once"
    EXPECT_PF 0x56780080, 0xABCD0000 | ((SRC & 0xFFFF) + 0x100), 0x12340000 | (LOW + 0x1000), 2, LOW + 0x1000, pm_main.movsw, "movsw a16"
    CHK ecx, 0x56780000, "movsw a16: ecx at the end (high half kept)"
    CHK esi, 0xABCD0000 | ((SRC & 0xFFFF) + 0x200), "movsw a16: esi at the end"
    CHK edi, 0x12340000 | (LOW + 0x1100), "movsw a16: edi at the end"
    CHK [LOW + 0xFFC], [SRC + 0xFC], "movsw a16: before the page"
    CHK [LOW + 0x10FC], [SRC + 0x1FC], "movsw a16: the last dword"

    ; ---- STOSD across a not-present page, mid-block.
    UNMAP LIN + 0x1000
    mov dword [LOG_N], 0
    mov edi, LIN + 0xFF0
    mov ecx, 8
    mov eax, ebp
    mov esi, 0x5555
    xor edx, edx
.stosd:
    rep stosd
    inc edx
    CHK edx, 1, "stosd: the next instruction ran once"
    EXPECT_PF 4, 0x5555, LIN + 0x1000, 2, LIN + 0x1000, pm_main.stosd, "stosd"
    CHK ecx, 0, "stosd: ecx at the end"
    CHK edi, LIN + 0x1010, "stosd: edi at the end"
    CHK [FRAMES + 0xFF0], ebp, "stosd: first dword"
    CHK [FRAMES + 0x100C], ebp, "stosd: last dword"

    ; ---- MOVSD with 16-bit operands (66h: MOVSW with 32-bit addresses).
    UNMAP LIN + 0x1000
    mov dword [LOG_N], 0
    mov esi, SRC + 0x2000
    mov edi, LIN + 0xFFA
    mov ecx, 5
    xor edx, edx
.o16:
    rep movsw
    inc edx
    CHK edx, 1, "o16 movsw: the next instruction ran once"
    EXPECT_PF 2, SRC + 0x2006, LIN + 0x1000, 2, LIN + 0x1000, pm_main.o16, "o16 movsw"
    CHK esi, SRC + 0x200A, "o16 movsw: esi at the end"
    CHK edi, LIN + 0x1004, "o16 movsw: edi at the end"
    CHK [FRAMES + 0x1000], [SRC + 0x2006], "o16 movsw: the first dword after the page"

    inc ebp
    cmp ebp, HOT
    jb .hot

    PAGING_OFF
    PM_FINISH

; #PF: log the state (DS may be anything) and map the page: LIN pages to FRAMES, low pages to themselves.
pf_map:
    push eax
    push ebx
    push ds
    mov ax, SEL_DATA
    mov ds, ax
    inc dword [LOG_N]
    mov [LOG_ECX], ecx
    mov [LOG_ESI], esi
    mov [LOG_EDI], edi
    mov eax, [esp + 12]
    mov [LOG_ERR], eax
    mov eax, [esp + 16]
    mov [LOG_EIP], eax
    mov eax, cr2
    mov [LOG_CR2], eax
    and eax, ~0xFFF
    cmp eax, 0x400000
    jb .low
    mov ebx, eax
    sub ebx, LIN
    add ebx, FRAMES | 7
    shr eax, 12
    and eax, 0x3FF
    mov [PT_A + eax * 4], ebx
    jmp .done
.low:
    mov ebx, eax
    or ebx, 7
    shr eax, 12
    mov [PT_LOW + eax * 4], ebx
.done:
    mov eax, cr2
    invlpg [eax]
    pop ds
    pop ebx
    pop eax
    add esp, 4
    iretd

ROM_END
