/*
 * RISC-V F and D arithmetic.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef TARGET_RISCV_FPU_H
#define TARGET_RISCV_FPU_H

#include "target/riscv/cpu.h"
#include "target/riscv/decode.h"

/*
 * Execute an F/D computational instruction (not loads/stores).  Returns -1
 * for an illegal instruction (FP disabled, reserved rounding mode);
 * otherwise 0, with *writes_x telling whether the result goes to x[rd]
 * (*xresult) rather than f[rd] (written directly).
 */
int riscv_fpu_exec(CPURISCVState *env, const RVInsn *in, uint64_t *xresult,
                   bool *writes_x);

#endif
