/*
 * RISC-V address translation (Sv39, Sv48) with hardware A/D updates, and
 * physical memory protection (PMP).
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "target/riscv/cpu.h"
#include "target/riscv/mmu.h"

#define PMP_R 0x01
#define PMP_W 0x02
#define PMP_X 0x04
#define PMP_A_SHIFT 3
#define PMP_LOCK 0x80
enum { PMP_OFF, PMP_TOR, PMP_NA4, PMP_NAPOT };

static int fault_for(MMUAccessType access, bool page_fault)
{
    switch (access) {
    case MMU_INST_FETCH:
        return page_fault ? EXCP_INST_PAGE_FAULT : EXCP_INST_ACCESS_FAULT;
    case MMU_DATA_LOAD:
        return page_fault ? EXCP_LOAD_PAGE_FAULT : EXCP_LOAD_ACCESS_FAULT;
    default:
        return page_fault ? EXCP_STORE_PAGE_FAULT : EXCP_STORE_AMO_ACCESS_FAULT;
    }
}

/* The range [*lo, *hi) that PMP entry @i covers; false when off. */
static bool pmp_range(const CPURISCVState *env, unsigned i, uint64_t *lo,
                      uint64_t *hi)
{
    uint8_t cfg = env->pmpcfg[i];
    uint64_t addr = env->pmpaddr[i];

    switch ((cfg >> PMP_A_SHIFT) & 3) {
    case PMP_TOR:
        *lo = i ? env->pmpaddr[i - 1] << 2 : 0;
        *hi = addr << 2;
        return *lo < *hi;
    case PMP_NA4:
        *lo = addr << 2;
        *hi = *lo + 4;
        return true;
    case PMP_NAPOT: {
        /* Trailing ones of pmpaddr give the size: 2^(ones + 3) bytes. */
        unsigned ones = __builtin_ctzll(~addr);
        if (ones >= 54) {
            *lo = 0;
            *hi = UINT64_MAX;
            return true;
        }
        uint64_t size = 1ULL << (ones + 3);
        *lo = (addr << 2) & ~(size - 1);
        *hi = *lo + size;
        return true;
    }
    }
    return false;
}

void riscv_pmp_update(CPURISCVState *env)
{
    env->pmp_on = 0;
    for (unsigned i = 0; i < RISCV_PMP_ENTRIES; i++) {
        if (pmp_range(env, i, &env->pmp_lo[i], &env->pmp_hi[i])) {
            env->pmp_on |= 1u << i;
        }
    }
}

bool riscv_pmp_check(const CPURISCVState *env, uint64_t paddr, unsigned size,
                     MMUAccessType access, unsigned priv)
{
    static const uint8_t need[] = {
        [MMU_DATA_LOAD] = PMP_R, [MMU_DATA_STORE] = PMP_W,
        [MMU_INST_FETCH] = PMP_X,
    };

    for (uint32_t on = env->pmp_on; on; on &= on - 1) {
        unsigned i = __builtin_ctz(on);
        uint64_t lo = env->pmp_lo[i], hi = env->pmp_hi[i];
        uint8_t cfg = env->pmpcfg[i];

        if (paddr + size <= lo || paddr >= hi) {
            continue;
        }
        /* The lowest-numbered matching entry decides; a partial match fails. */
        if (paddr < lo || paddr + size > hi) {
            return false;
        }
        if (priv == PRV_M && !(cfg & PMP_LOCK)) {
            return true;
        }
        return (cfg & need[access]) != 0;
    }
    /* No match: M-mode may access everything, S/U only if no entry is on. */
    return priv == PRV_M || !env->pmp_on;
}

uint8_t *riscv_ram_ptr(CPURISCVState *env, uint64_t paddr, uint64_t len)
{
    uint64_t gen = address_space_generation(env->as);

    if (gen != env->ram_win_gen || paddr - env->ram_win_start >=
        env->ram_win_size) {
        hwaddr start;
        uint64_t size;
        uint8_t *host;

        if (!address_space_ram_window(env->as, paddr, &start, &size, &host,
                                      &gen)) {
            return NULL;
        }
        env->ram_win_start = start;
        env->ram_win_size = size;
        env->ram_win_host = host;
        env->ram_win_gen = gen;
    }
    if (paddr - env->ram_win_start + len > env->ram_win_size) {
        return NULL;
    }
    return env->ram_win_host + (paddr - env->ram_win_start);
}

/* Privilege used for a data access: MPRV makes M-mode loads/stores act as MPP. */
static unsigned effective_priv(const CPURISCVState *env, MMUAccessType access)
{
    if (access != MMU_INST_FETCH && env->priv == PRV_M &&
        (env->mstatus & MSTATUS_MPRV)) {
        return (env->mstatus & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT;
    }
    return env->priv;
}

/* Set A (and D on stores) atomically, so harts walking the same table agree. */
static bool pte_update(CPURISCVState *env, uint64_t pte_addr, uint64_t *pte,
                       uint64_t want)
{
    hwaddr len = 8;
    uint64_t *host = address_space_map_ram(env->as, pte_addr, &len, true);
    uint64_t updated = *pte | want;

    if (!host || len < 8) {
        /* Page tables outside RAM cannot be updated: an access fault. */
        return false;
    }
    if (__atomic_compare_exchange_n(host, pte, updated, false,
                                    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
        *pte = updated;
        return true;
    }
    return false;                  /* *pte now holds the new value: retry */
}

int riscv_translate(CPURISCVState *env, uint64_t vaddr, MMUAccessType access,
                    uint64_t *paddr, int *prot_out, uint64_t *page_size)
{
    unsigned priv = effective_priv(env, access);
    unsigned mode = env->satp >> SATP_MODE_SHIFT;
    unsigned levels, va_bits;
    uint64_t base;

    *page_size = 4096;
    if (priv == PRV_M || mode == SATP_MODE_BARE) {
        *paddr = vaddr;
        *prot_out = PAGE_READ | PAGE_WRITE | PAGE_EXEC;
        return RISCV_EXCP_NONE;
    }
    levels = mode == SATP_MODE_SV48 ? 4 : 3;
    va_bits = 12 + 9 * levels;
    /* Bits above the VA width must copy the top bit. */
    if ((int64_t)(vaddr << (64 - va_bits)) >> (64 - va_bits) != (int64_t)vaddr) {
        return fault_for(access, true);
    }

    base = (env->satp & SATP_PPN_MASK) << 12;
    for (int level = levels - 1; level >= 0; level--) {
        unsigned shift = 12 + 9 * level;
        uint64_t pte_addr = base + ((vaddr >> shift) & 511) * 8;
        uint64_t pte, ppn, want;
        uint8_t *host_pte;
        MemTxResult res;
        int prot = 0;

        if (!riscv_pmp_check(env, pte_addr, 8, MMU_DATA_LOAD, PRV_S)) {
            return fault_for(access, false);
        }
retry:
        host_pte = riscv_ram_ptr(env, pte_addr, 8);
        if (host_pte) {
            /* Tables are in RAM: read the entry without the map lookup. */
            pte = GUINT64_FROM_LE(__atomic_load_n((uint64_t *)host_pte,
                                              __ATOMIC_ACQUIRE));
        } else {
            pte = address_space_ldq_le(env->as, pte_addr,
                                       MEMTXATTRS_UNSPECIFIED, &res);
            if (res != MEMTX_OK) {
                return fault_for(access, false);
            }
        }
        if (!(pte & PTE_V) || (!(pte & PTE_R) && (pte & PTE_W)) ||
            (pte >> 54)) {       /* reserved bits, PBMT and N are absent */
            return fault_for(access, true);
        }
        ppn = (pte >> 10) & ((1ULL << 44) - 1);
        if (!(pte & (PTE_R | PTE_X))) {
            /* Pointer to the next level. */
            if (pte & (PTE_D | PTE_A | PTE_U)) {
                return fault_for(access, true);
            }
            base = ppn << 12;
            continue;
        }
        /* A leaf: check the superpage alignment of the PPN. */
        if (ppn & ((1ULL << (9 * level)) - 1)) {
            return fault_for(access, true);
        }
        if (pte & PTE_U) {
            if (priv == PRV_S && (access == MMU_INST_FETCH ||
                                  !(env->mstatus & MSTATUS_SUM))) {
                return fault_for(access, true);
            }
        } else if (priv == PRV_U) {
            return fault_for(access, true);
        }
        if (pte & PTE_R) {
            prot |= PAGE_READ;
        }
        if ((pte & PTE_X) && (env->mstatus & MSTATUS_MXR)) {
            prot |= PAGE_READ;
        }
        if ((pte & PTE_W) && (pte & PTE_D)) {
            prot |= PAGE_WRITE;
        }
        if (pte & PTE_X) {
            prot |= PAGE_EXEC;
        }
        if ((access == MMU_DATA_LOAD && !(prot & PAGE_READ)) ||
            (access == MMU_DATA_STORE && !(pte & PTE_W)) ||
            (access == MMU_INST_FETCH && !(pte & PTE_X))) {
            return fault_for(access, true);
        }
        want = PTE_A | (access == MMU_DATA_STORE ? PTE_D : 0);
        if ((pte & want) != want) {
            if (!riscv_pmp_check(env, pte_addr, 8, MMU_DATA_STORE, PRV_S)) {
                return fault_for(access, false);
            }
            if (!pte_update(env, pte_addr, &pte, want)) {
                if (address_space_map_ram(env->as, pte_addr,
                                          &(hwaddr){8}, true)) {
                    goto retry;    /* another hart changed the PTE */
                }
                return fault_for(access, false);
            }
            if (access == MMU_DATA_STORE) {
                prot |= PAGE_WRITE;
            }
        }
        /* Without D the page stays read-only so the first store sets D. */
        if (!(pte & PTE_D)) {
            prot &= ~PAGE_WRITE;
        }
        *page_size = 1ULL << shift;
        *paddr = (ppn << 12) | (vaddr & (*page_size - 1));
        *prot_out = prot;
        return RISCV_EXCP_NONE;
    }
    return fault_for(access, true);
}
