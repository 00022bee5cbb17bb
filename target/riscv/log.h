/*
 * What a hart writes to the debug log (-d in_asm, exec, cpu, int,
 * cpu_reset, mmu, out_asm) and the register dump "info registers" shares.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef TARGET_RISCV_LOG_H
#define TARGET_RISCV_LOG_H

#include "vireo/log.h"
#include "exec/tb.h"
#include "target/riscv/cpu.h"

/* Registers in QEMU's "info registers" layout; RISCV_DUMP_FPU adds f0-f31. */
#define RISCV_DUMP_FPU 0x1
void riscv_dump_state(const CPURISCVState *env, GString *out, int flags);

/* -d in_asm: the guest code of a new block (@host points at its bytes). */
void riscv_log_block_in_asm(const CPURISCVState *env,
                            const TranslationBlock *tb, const uint8_t *host);
/* -d exec and -d cpu: before a block runs. */
void riscv_log_block_exec(const CPURISCVState *env,
                          const TranslationBlock *tb);
/* -d int: a trap about to be taken (env->pc is the faulting pc). */
void riscv_log_trap(const CPURISCVState *env, uint64_t cause, uint64_t tval);
/* -d cpu_reset: the state a reset is about to discard. */
void riscv_log_reset(const CPURISCVState *env);
/* -d out_asm: the host code generated for a block, as bytes. */
void riscv_log_block_out_asm(const TranslationBlock *tb, size_t size);

#endif
