; tests/guest/spin.asm: prints a marker, then loops forever with interrupts
; disabled, so only --exit-on or --timeout can end the run.
%define TEST_NAME "spin"
%include "rom.inc"

main:
    PRINTLN "spin: marker 7d1c, looping forever"
    xor ax, ax
.forever:
    inc ax
    jmp .forever

    ROM_END
