; tests/guest/halt.asm: prints a line and halts with interrupts disabled;
; rex86 must say so and exit with status 2.
%define TEST_NAME "halt"
%include "rom.inc"

main:
    PRINTLN "halt: stopping the CPU with IF=0"
    cli
    hlt
    PRINTLN "FAIL: halt: HLT returned"
    EXIT EXIT_FAIL

    ROM_END
