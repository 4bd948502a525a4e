/* Differential testing: comparing the native and the rex86 end state of one
 * sequence, with the undefined flags and x87 fields masked. */
#ifndef REX86_DIFF_CMP_H
#define REX86_DIFF_CMP_H

#include <stdbool.h>
#include <stdio.h>

#include "gen.h"
#include "layout.h"

/* True when they agree; with `f`, every difference is printed to it. */
bool diff_compare(const struct gen_seq *s, const struct diff_result *nat, const struct diff_result *emu,
                  FILE *f);
/* The same between two rex86 engines: `names` label the two sides, and
 * with `exact` the transcendentals too must agree to the bit. */
bool diff_compare_ex(const struct gen_seq *s, const struct diff_result *nat, const struct diff_result *emu,
                     FILE *f, const char *const names[2], bool exact);

/* Failure reports (report.c): the code in [from, to), the initial state,
 * and an FXSAVE image with the EFLAGS from the output registers. */
void diff_disassemble(FILE *f, const struct gen_seq *s, uint32_t from, uint32_t to);
void diff_print_init(FILE *f, const struct gen_seq *s);
void diff_print_fx(FILE *f, const char *what, const uint8_t *fx, const uint8_t *regs);

#endif
