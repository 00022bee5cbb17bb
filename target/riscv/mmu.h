/*
 * RISC-V address translation and PMP checks.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef TARGET_RISCV_MMU_H
#define TARGET_RISCV_MMU_H

#include "target/riscv/cpu.h"

#define PAGE_READ  1
#define PAGE_WRITE 2
#define PAGE_EXEC  4

/*
 * Translate @vaddr for @access in the hart's current mode.  On success
 * returns RISCV_EXCP_NONE with the physical address, the permissions the
 * mapping grants (PAGE_*; a clean page is not writable until its first
 * store sets D) and the mapping's size; otherwise the exception to raise.
 * PMP is checked for the page-table walk; the caller checks it for the
 * final access with riscv_pmp_check().
 */
int riscv_translate(CPURISCVState *env, uint64_t vaddr, MMUAccessType access,
                    uint64_t *paddr, int *prot, uint64_t *page_size);

bool riscv_pmp_check(const CPURISCVState *env, uint64_t paddr, unsigned size,
                     MMUAccessType access, unsigned priv);
/* Decode pmpcfg/pmpaddr again after either changed (or was loaded). */
void riscv_pmp_update(CPURISCVState *env);

/* Host pointer for [paddr, paddr + len) when it is writable RAM, else NULL. */
uint8_t *riscv_ram_ptr(CPURISCVState *env, uint64_t paddr, uint64_t len);

#endif
