/*
 * The x86-64 code-generating back end for riscv64 blocks, and the helpers
 * its code calls (implemented by the execution core in exec.c).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef TARGET_RISCV_JIT_H
#define TARGET_RISCV_JIT_H

#include "exec/tb.h"
#include "target/riscv/cpu.h"
#include "target/riscv/decode.h"

/* jit_helper_load's descriptor: size | signed flag | rd << shift */
#define JIT_LOAD_SIGNED 0x10
#define JIT_LOAD_RD_SHIFT 8

/* Generate host code for @tb (tb->host_code); false leaves it interpreted. */
bool riscv_jit_translate(TranslationBlock *tb);

/* x[rd] = the load; false when it raised env->excp. */
bool jit_helper_load(CPURISCVState *env, uint64_t vaddr, uint32_t desc);
/* 0: raised env->excp; 1: done; 2: done, and the block must end. */
int jit_helper_store(CPURISCVState *env, uint64_t vaddr, uint64_t value,
                     uint32_t size);
/* Run one instruction in the interpreter; env->pc is set on return.
 * Returns as jit_helper_store. */
int jit_helper_insn(CPURISCVState *env, const RVInsn *in, uint64_t pc);

#endif
