/*
 * The TCG vCPU threads: one host thread per hart, execution serialized.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef ACCEL_TCG_TCG_CPUS_H
#define ACCEL_TCG_TCG_CPUS_H

#include "vireo/osdep.h"

typedef struct RISCVCPU RISCVCPU;

/* Add a realized hart; the thread starts with the first one. */
void tcg_cpus_add(RISCVCPU *cpu);
/* An interrupt may have become pending for @cpu: wake or switch to it. */
void tcg_cpus_kick(RISCVCPU *cpu);
/*
 * Stop running guest code until the matching tcg_cpus_resume(); returns
 * once no hart executes.  Nests.  Drops the big lock while waiting.
 */
void tcg_cpus_pause(void);
void tcg_cpus_resume(void);
/* True in the vCPU thread. */
bool tcg_cpus_in_vcpu_thread(void);

#endif
