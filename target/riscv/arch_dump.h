/*
 * riscv64 support for dump-guest-memory.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef TARGET_RISCV_ARCH_DUMP_H
#define TARGET_RISCV_ARCH_DUMP_H

void riscv_dump_register(void);

#endif
