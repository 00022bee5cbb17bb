/*
 * RV64GC hart state and the architectural constants the execution core,
 * the CSR file and the MMU share.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef TARGET_RISCV_CPU_H
#define TARGET_RISCV_CPU_H

#include "vireo/osdep.h"
#include "exec/memory.h"

/* Privilege levels */
#define PRV_U 0
#define PRV_S 1
#define PRV_M 3

/* Exception causes (mcause with the interrupt bit clear) */
enum {
    EXCP_INST_ADDR_MIS = 0,
    EXCP_INST_ACCESS_FAULT = 1,
    EXCP_ILLEGAL_INST = 2,
    EXCP_BREAKPOINT = 3,
    EXCP_LOAD_ADDR_MIS = 4,
    EXCP_LOAD_ACCESS_FAULT = 5,
    EXCP_STORE_AMO_ADDR_MIS = 6,
    EXCP_STORE_AMO_ACCESS_FAULT = 7,
    EXCP_U_ECALL = 8,
    EXCP_S_ECALL = 9,
    EXCP_M_ECALL = 11,
    EXCP_INST_PAGE_FAULT = 12,
    EXCP_LOAD_PAGE_FAULT = 13,
    EXCP_STORE_PAGE_FAULT = 15,
};

/* Interrupt numbers (bit positions in mip/mie) */
enum {
    IRQ_S_SOFT = 1,
    IRQ_M_SOFT = 3,
    IRQ_S_TIMER = 5,
    IRQ_M_TIMER = 7,
    IRQ_S_EXT = 9,
    IRQ_M_EXT = 11,
};
#define MIP_SSIP (1ULL << IRQ_S_SOFT)
#define MIP_MSIP (1ULL << IRQ_M_SOFT)
#define MIP_STIP (1ULL << IRQ_S_TIMER)
#define MIP_MTIP (1ULL << IRQ_M_TIMER)
#define MIP_SEIP (1ULL << IRQ_S_EXT)
#define MIP_MEIP (1ULL << IRQ_M_EXT)
#define S_MODE_INTERRUPTS (MIP_SSIP | MIP_STIP | MIP_SEIP)
#define M_MODE_INTERRUPTS (MIP_MSIP | MIP_MTIP | MIP_MEIP)

/* mstatus fields */
#define MSTATUS_SIE  (1ULL << 1)
#define MSTATUS_MIE  (1ULL << 3)
#define MSTATUS_SPIE (1ULL << 5)
#define MSTATUS_UBE  (1ULL << 6)
#define MSTATUS_MPIE (1ULL << 7)
#define MSTATUS_SPP  (1ULL << 8)
#define MSTATUS_VS   (3ULL << 9)
#define MSTATUS_MPP  (3ULL << 11)
#define MSTATUS_FS   (3ULL << 13)
#define MSTATUS_XS   (3ULL << 15)
#define MSTATUS_MPRV (1ULL << 17)
#define MSTATUS_SUM  (1ULL << 18)
#define MSTATUS_MXR  (1ULL << 19)
#define MSTATUS_TVM  (1ULL << 20)
#define MSTATUS_TW   (1ULL << 21)
#define MSTATUS_TSR  (1ULL << 22)
#define MSTATUS_UXL  (3ULL << 32)
#define MSTATUS_SXL  (3ULL << 34)
#define MSTATUS_SD   (1ULL << 63)
#define MSTATUS_MPP_SHIFT 11

/* The sstatus view of mstatus */
#define SSTATUS_MASK (MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_UBE | MSTATUS_SPP | \
                      MSTATUS_VS | MSTATUS_FS | MSTATUS_XS | MSTATUS_SUM | \
                      MSTATUS_MXR | MSTATUS_UXL | MSTATUS_SD)

/* satp */
#define SATP_MODE_SHIFT 60
#define SATP_MODE_BARE 0
#define SATP_MODE_SV39 8
#define SATP_MODE_SV48 9
#define SATP_ASID_SHIFT 44
#define SATP_PPN_MASK ((1ULL << 44) - 1)

/* Page table entry bits */
#define PTE_V (1u << 0)
#define PTE_R (1u << 1)
#define PTE_W (1u << 2)
#define PTE_X (1u << 3)
#define PTE_U (1u << 4)
#define PTE_G (1u << 5)
#define PTE_A (1u << 6)
#define PTE_D (1u << 7)

/* misa letters */
#define MISA_EXT(c) (1ULL << ((c) - 'A'))
#define MISA_RV64 (2ULL << 62)

/* Floating-point exception flags (fflags) */
#define FFLAG_NX 0x01
#define FFLAG_UF 0x02
#define FFLAG_OF 0x04
#define FFLAG_DZ 0x08
#define FFLAG_NV 0x10

#define RISCV_PMP_ENTRIES 16

typedef enum MMUAccessType {
    MMU_DATA_LOAD = 0,
    MMU_DATA_STORE = 1,
    MMU_INST_FETCH = 2,
} MMUAccessType;

typedef struct CPURISCVState CPURISCVState;
typedef struct TranslationBlock TranslationBlock;

/* Soft-MMU TLB: per translation regime, direct-mapped by virtual page. */
#define RISCV_TLB_BITS 8
#define RISCV_TLB_SIZE (1u << RISCV_TLB_BITS)
enum {
    RISCV_MMU_U = 0,
    RISCV_MMU_S = 1,
    RISCV_MMU_S_SUM = 2,         /* S-mode with mstatus.SUM: may touch U pages */
    RISCV_MMU_M = 3,
    RISCV_MMU_COUNT = 4,
};
#define RISCV_TLB_INVALID UINT64_MAX
typedef struct RISCVTLBEntry {
    /* Page-aligned virtual address when the access kind hits RAM fast. */
    uint64_t tag_read, tag_write, tag_exec;
    uintptr_t addend;            /* host pointer = vaddr + addend */
} RISCVTLBEntry;
#define RISCV_JMP_CACHE_SIZE 4096

/* Hooks the machine provides to the hart. */
typedef struct RISCVCPUHooks {
    /* mtime in 10 MHz ticks, from the virtual clock (time/timeh CSRs). */
    uint64_t (*read_time)(void *opaque);
    void *opaque;
} RISCVCPUHooks;

struct CPURISCVState {
    uint64_t gpr[32];
    uint64_t fpr[32];           /* NaN-boxed singles */
    uint64_t pc;
    unsigned priv;

    uint64_t misa;
    uint64_t mhartid;
    uint64_t mstatus;
    uint64_t medeleg, mideleg;
    uint64_t mie;
    uint64_t mip;               /* updated atomically: devices run elsewhere */
    uint64_t mtvec, stvec;
    uint64_t mscratch, sscratch;
    uint64_t mepc, sepc;
    uint64_t mcause, scause;
    uint64_t mtval, stval;
    uint64_t satp;
    uint64_t mcounteren, scounteren, mcountinhibit;
    uint64_t menvcfg, senvcfg;
    uint64_t mcycle_base, minstret_base;   /* written values minus icount */
    uint64_t icount;            /* instructions retired */
    uint32_t fflags;
    uint32_t frm;

    uint8_t pmpcfg[RISCV_PMP_ENTRIES];
    uint64_t pmpaddr[RISCV_PMP_ENTRIES];
    /* Decoded from the two above by riscv_pmp_update(): [lo, hi) per entry. */
    uint64_t pmp_lo[RISCV_PMP_ENTRIES], pmp_hi[RISCV_PMP_ENTRIES];
    uint32_t pmp_on;            /* bit i: entry i is active */

    /*
     * The writable RAM range the last page walk or TLB fill used, valid
     * while the address space's map generation is ram_win_gen.
     */
    uint64_t ram_win_start, ram_win_size, ram_win_gen;
    uint8_t *ram_win_host;

    /* LR/SC reservation: address and the value loaded, -1 when none. */
    uint64_t load_res;
    uint64_t load_val;

    AddressSpace *as;
    RISCVCPUHooks hooks;

    /* Execution state of the translator (not architectural). */
    RISCVTLBEntry tlb[RISCV_MMU_COUNT][RISCV_TLB_SIZE];
    TranslationBlock *jmp_cache[RISCV_JMP_CACHE_SIZE];
    uint64_t seen_tb_flushes;
    unsigned data_mmu_idx;      /* TLB regime of loads/stores in this block */
    RISCVTLBEntry *data_tlb;    /* tlb[data_mmu_idx], for generated code */
    uint64_t icount_limit;      /* chained blocks stop here (budget end) */
    uint64_t exit_request;      /* non-zero: leave chained code at once */
    uint32_t yield_request;     /* non-zero: riscv_cpu_exec returns early */
    int excp;                   /* exception raised by the current insn */
    uint64_t excp_tval;
    bool end_tb;                /* leave the block after this insn */
    bool wfi;                   /* stalled in wfi until an interrupt */
};

/* Why riscv_cpu_exec() returned. */
typedef enum RISCVExecExit {
    RISCV_EXIT_BUDGET,          /* instruction budget used up */
    RISCV_EXIT_WFI,             /* waiting for an interrupt */
    RISCV_EXIT_YIELD,           /* yield_request was set */
} RISCVExecExit;

RISCVExecExit riscv_cpu_exec(CPURISCVState *env, uint64_t budget);
void riscv_tlb_flush(CPURISCVState *env);

/* Result of a CSR access: 0 or the exception to raise. */
typedef int RISCVException;
#define RISCV_EXCP_NONE (-1)

void riscv_cpu_reset(CPURISCVState *env, uint64_t reset_pc);
RISCVException riscv_csr_read(CPURISCVState *env, unsigned csrno,
                              uint64_t *value);
RISCVException riscv_csr_write(CPURISCVState *env, unsigned csrno,
                               uint64_t value);
/* Apply a csrrw/csrrs/csrrc: permission checks, old value in *old. */
RISCVException riscv_csr_rmw(CPURISCVState *env, unsigned csrno,
                             uint64_t *old, uint64_t value, uint64_t mask,
                             bool write);

void riscv_set_pending(CPURISCVState *env, uint64_t mask, bool level);
/* The interrupt to take now, or -1. */
int riscv_pending_interrupt(const CPURISCVState *env);
/* Enter the trap handler for @cause (bit 63 set for interrupts). */
void riscv_do_trap(CPURISCVState *env, uint64_t cause, uint64_t tval);

/* mstatus.SD is derived from FS/VS/XS when read. */
uint64_t riscv_mstatus_read(const CPURISCVState *env);

#endif
