/* The CPU's section of a machine state stream (devices/board/state.h). */
#ifndef REX86_CPU_STATE_H
#define REX86_CPU_STATE_H

#include "devices/board/state.h"

struct cpu;

#define CPU_STATE_VERSION 1
/* Describes every architectural field of the CPU, x87/MMX included; on load
 * the lazy flags come back materialised and the caller drops the caches. */
int cpu_state(struct state *s, struct cpu *c);

#endif
