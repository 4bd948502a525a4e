/* Differential testing: comparing the native and the rex86 end state of one
 * sequence, with the undefined flags and x87 fields masked. */
#ifndef REX86_DIFF_CMP_H
#define REX86_DIFF_CMP_H

#include <stdbool.h>
#include <stdio.h>

#include "gen.h"

/* True when they agree; with `f`, every difference is printed to it. */
bool diff_compare(const struct gen_seq *s, const struct diff_result *nat, const struct diff_result *emu,
                  FILE *f);

#endif
