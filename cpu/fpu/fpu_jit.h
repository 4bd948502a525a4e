/* The x87's entry for translated code: the handler of one instruction's
 * form, for a caller that has already checked what op_esc checks first. */
#ifndef REX86_FPU_JIT_H
#define REX86_FPU_JIT_H

#include "cpu/decode.h"

/* For an x87 instruction (op_esc's), the handler that runs it given that
 * the FPU is present (model), CR0.EM and CR0.TS are clear and no unmasked
 * exception is pending (FSW.ES clear): it does everything else op_esc
 * does, the FIP/FCS/FOP/FDP/FDS bookkeeping, the operation, its faults
 * (#PF, #UD, ...) raised the same way. NULL when there is none (op_esc
 * must be called then). The caller stores c->insn_eip first, as for
 * op_esc. */
op_fn fpu_jit_handler(const struct insn *i, enum cpu_model model);

#endif
