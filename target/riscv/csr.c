/*
 * RV64 control and status registers: access checks and WARL behaviour of
 * the machine, supervisor and unprivileged CSRs an RV64GC hart with
 * M/S/U modes implements.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "target/riscv/cpu.h"
#include "target/riscv/csr.h"
#include "target/riscv/log.h"
#include "target/riscv/mmu.h"

#define MSTATUS_WRITABLE (MSTATUS_SIE | MSTATUS_MIE | MSTATUS_SPIE | \
                          MSTATUS_MPIE | MSTATUS_SPP | MSTATUS_MPP | \
                          MSTATUS_FS | MSTATUS_MPRV | MSTATUS_SUM | \
                          MSTATUS_MXR | MSTATUS_TVM | MSTATUS_TW | MSTATUS_TSR)
/* Every exception but an ecall from M-mode may be delegated to S-mode. */
#define DELEGABLE_EXCEPTIONS ((1ULL << EXCP_INST_ADDR_MIS) | \
    (1ULL << EXCP_INST_ACCESS_FAULT) | (1ULL << EXCP_ILLEGAL_INST) | \
    (1ULL << EXCP_BREAKPOINT) | (1ULL << EXCP_LOAD_ADDR_MIS) | \
    (1ULL << EXCP_LOAD_ACCESS_FAULT) | (1ULL << EXCP_STORE_AMO_ADDR_MIS) | \
    (1ULL << EXCP_STORE_AMO_ACCESS_FAULT) | (1ULL << EXCP_U_ECALL) | \
    (1ULL << EXCP_S_ECALL) | (1ULL << EXCP_INST_PAGE_FAULT) | \
    (1ULL << EXCP_LOAD_PAGE_FAULT) | (1ULL << EXCP_STORE_PAGE_FAULT))
#define ALL_INTERRUPTS (S_MODE_INTERRUPTS | M_MODE_INTERRUPTS)
#define PMP_LOCK 0x80

uint64_t riscv_mstatus_read(const CPURISCVState *env)
{
    uint64_t s = env->mstatus & ~MSTATUS_SD;

    if ((s & MSTATUS_FS) == MSTATUS_FS || (s & MSTATUS_XS) == MSTATUS_XS ||
        (s & MSTATUS_VS) == MSTATUS_VS) {
        s |= MSTATUS_SD;
    }
    return s;
}

void riscv_set_pending(CPURISCVState *env, uint64_t mask, bool level)
{
    if (level) {
        __atomic_fetch_or(&env->mip, mask, __ATOMIC_SEQ_CST);
        /* Generated code chains blocks without looking at mip: stop it. */
        __atomic_store_n(&env->exit_request, 1, __ATOMIC_SEQ_CST);
    } else {
        __atomic_fetch_and(&env->mip, ~mask, __ATOMIC_SEQ_CST);
    }
}

static uint64_t read_mip(const CPURISCVState *env)
{
    return __atomic_load_n(&env->mip, __ATOMIC_SEQ_CST);
}

/* Counters visible below M-mode only when mcounteren/scounteren allow. */
static bool counter_allowed(const CPURISCVState *env, unsigned index)
{
    if (env->priv == PRV_M) {
        return true;
    }
    if (!(env->mcounteren & (1ULL << index))) {
        return false;
    }
    return env->priv == PRV_S || (env->scounteren & (1ULL << index));
}

static bool fp_enabled(const CPURISCVState *env)
{
    return (env->mstatus & MSTATUS_FS) != 0;
}

static void mark_fs_dirty(CPURISCVState *env)
{
    env->mstatus |= MSTATUS_FS;
}

/* Raw read, after the access checks. */
static bool csr_get(CPURISCVState *env, unsigned csrno, uint64_t *v)
{
    switch (csrno) {
    case CSR_FFLAGS:
        *v = env->fflags;
        return true;
    case CSR_FRM:
        *v = env->frm;
        return true;
    case CSR_FCSR:
        *v = (env->frm << 5) | env->fflags;
        return true;
    case CSR_CYCLE:
    case CSR_MCYCLE:
    case CSR_INSTRET:
    case CSR_MINSTRET:
        /* One instruction per cycle: both count retired instructions. */
        *v = env->icount + (csrno == CSR_CYCLE || csrno == CSR_MCYCLE ?
                            env->mcycle_base : env->minstret_base);
        return true;
    case CSR_TIME:
        *v = env->hooks.read_time ? env->hooks.read_time(env->hooks.opaque)
                                  : 0;
        return true;
    case CSR_SSTATUS:
        *v = riscv_mstatus_read(env) & SSTATUS_MASK;
        return true;
    case CSR_SIE:
        *v = env->mie & env->mideleg;
        return true;
    case CSR_SIP:
        *v = read_mip(env) & env->mideleg;
        return true;
    case CSR_STVEC:
        *v = env->stvec;
        return true;
    case CSR_SCOUNTEREN:
        *v = env->scounteren;
        return true;
    case CSR_SENVCFG:
        *v = env->senvcfg;
        return true;
    case CSR_SSCRATCH:
        *v = env->sscratch;
        return true;
    case CSR_SEPC:
        *v = env->sepc;
        return true;
    case CSR_SCAUSE:
        *v = env->scause;
        return true;
    case CSR_STVAL:
        *v = env->stval;
        return true;
    case CSR_SATP:
        *v = env->satp;
        return true;
    case CSR_MVENDORID:
    case CSR_MARCHID:
    case CSR_MIMPID:
    case CSR_MCONFIGPTR:
        *v = 0;
        return true;
    case CSR_MHARTID:
        *v = env->mhartid;
        return true;
    case CSR_MSTATUS:
        *v = riscv_mstatus_read(env);
        return true;
    case CSR_MISA:
        *v = env->misa;
        return true;
    case CSR_MEDELEG:
        *v = env->medeleg;
        return true;
    case CSR_MIDELEG:
        *v = env->mideleg;
        return true;
    case CSR_MIE:
        *v = env->mie;
        return true;
    case CSR_MTVEC:
        *v = env->mtvec;
        return true;
    case CSR_MCOUNTEREN:
        *v = env->mcounteren;
        return true;
    case CSR_MENVCFG:
        *v = env->menvcfg;
        return true;
    case CSR_MCOUNTINHIBIT:
        *v = env->mcountinhibit;
        return true;
    case CSR_MSCRATCH:
        *v = env->mscratch;
        return true;
    case CSR_MEPC:
        *v = env->mepc;
        return true;
    case CSR_MCAUSE:
        *v = env->mcause;
        return true;
    case CSR_MTVAL:
        *v = env->mtval;
        return true;
    case CSR_MIP:
        *v = read_mip(env);
        return true;
    }
    if (csrno >= CSR_PMPCFG0 && csrno < CSR_PMPCFG0 + 16) {
        unsigned reg = csrno - CSR_PMPCFG0;
        if (reg & 1) {
            return false;       /* RV64 has only the even pmpcfg registers */
        }
        *v = 0;
        for (unsigned i = 0; i < 8; i++) {
            *v |= (uint64_t)env->pmpcfg[reg * 4 + i] << (i * 8);
        }
        return true;
    }
    if (csrno >= CSR_PMPADDR0 && csrno < CSR_PMPADDR0 + 64) {
        unsigned i = csrno - CSR_PMPADDR0;
        *v = i < RISCV_PMP_ENTRIES ? env->pmpaddr[i] : 0;
        return true;
    }
    /* Hardwired-zero performance counters and their event selectors. */
    if ((csrno >= CSR_HPMCOUNTER3 && csrno <= CSR_HPMCOUNTER31) ||
        (csrno >= CSR_MHPMCOUNTER3 && csrno <= CSR_MHPMCOUNTER31) ||
        (csrno >= CSR_MHPMEVENT3 && csrno <= CSR_MHPMEVENT31)) {
        *v = 0;
        return true;
    }
    return false;
}

static void write_tvec(uint64_t *tvec, uint64_t v)
{
    /* Modes 0 (direct) and 1 (vectored) exist; others keep the old mode. */
    if ((v & 3) > 1) {
        v = (v & ~3ULL) | (*tvec & 3);
    }
    *tvec = v;
}

static void write_mstatus(CPURISCVState *env, uint64_t v, uint64_t mask)
{
    uint64_t old = env->mstatus;
    uint64_t new = (old & ~mask) | (v & mask);

    /* MPP is WARL: the reserved value 2 leaves the field unchanged. */
    if (((new & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT) == 2) {
        new = (new & ~MSTATUS_MPP) | (old & MSTATUS_MPP);
    }
    /* UXL and SXL are fixed at 64 bits. */
    new = (new & ~(MSTATUS_UXL | MSTATUS_SXL)) | (2ULL << 32) | (2ULL << 34);
    env->mstatus = new & ~MSTATUS_SD;
}

static void write_satp(CPURISCVState *env, uint64_t v)
{
    uint64_t mode = v >> SATP_MODE_SHIFT;

    /* Unsupported modes leave satp unchanged (the spec's WARL choice). */
    if (mode != SATP_MODE_BARE && mode != SATP_MODE_SV39 &&
        mode != SATP_MODE_SV48) {
        return;
    }
    /* 16-bit ASIDs. */
    env->satp = v & ((0xfULL << SATP_MODE_SHIFT) |
                     (0xffffULL << SATP_ASID_SHIFT) | SATP_PPN_MASK);
}

static void write_pmpcfg(CPURISCVState *env, unsigned reg, uint64_t v)
{
    for (unsigned i = 0; i < 8; i++) {
        unsigned idx = reg * 4 + i;
        uint8_t cfg = v >> (i * 8);
        if (env->pmpcfg[idx] & PMP_LOCK) {
            continue;
        }
        /* W without R is reserved: drop W. */
        if ((cfg & 3) == 2) {
            cfg &= ~2;
        }
        env->pmpcfg[idx] = cfg & 0x9f;
    }
}

static bool pmpaddr_locked(const CPURISCVState *env, unsigned i)
{
    if (env->pmpcfg[i] & PMP_LOCK) {
        return true;
    }
    /* A locked TOR entry also locks the address below it. */
    return i + 1 < RISCV_PMP_ENTRIES && (env->pmpcfg[i + 1] & PMP_LOCK) &&
           ((env->pmpcfg[i + 1] >> 3) & 3) == 1;
}

/* Raw write, after the access checks. */
static bool csr_set(CPURISCVState *env, unsigned csrno, uint64_t v)
{
    switch (csrno) {
    case CSR_FFLAGS:
        env->fflags = v & 0x1f;
        mark_fs_dirty(env);
        return true;
    case CSR_FRM:
        env->frm = v & 7;
        mark_fs_dirty(env);
        return true;
    case CSR_FCSR:
        env->fflags = v & 0x1f;
        env->frm = (v >> 5) & 7;
        mark_fs_dirty(env);
        return true;
    case CSR_SSTATUS:
        write_mstatus(env, v, SSTATUS_MASK & MSTATUS_WRITABLE);
        return true;
    case CSR_SIE:
        env->mie = (env->mie & ~env->mideleg) | (v & env->mideleg);
        return true;
    case CSR_SIP: {
        /* Only the software interrupt is writable through sip. */
        uint64_t mask = env->mideleg & MIP_SSIP;
        riscv_set_pending(env, mask & ~v, false);
        riscv_set_pending(env, mask & v, true);
        return true;
    }
    case CSR_STVEC:
        write_tvec(&env->stvec, v);
        return true;
    case CSR_SCOUNTEREN:
        env->scounteren = v & 0xffffffff;
        return true;
    case CSR_SENVCFG:
        env->senvcfg = v & 1;      /* FIOM */
        return true;
    case CSR_SSCRATCH:
        env->sscratch = v;
        return true;
    case CSR_SEPC:
        env->sepc = v & ~1ULL;
        return true;
    case CSR_SCAUSE:
        env->scause = v;
        return true;
    case CSR_STVAL:
        env->stval = v;
        return true;
    case CSR_SATP:
        write_satp(env, v);
        return true;
    case CSR_MSTATUS:
        write_mstatus(env, v, MSTATUS_WRITABLE);
        return true;
    case CSR_MISA:
        return true;               /* fixed: writes are ignored */
    case CSR_MEDELEG:
        env->medeleg = v & DELEGABLE_EXCEPTIONS;
        return true;
    case CSR_MIDELEG:
        env->mideleg = v & S_MODE_INTERRUPTS;
        return true;
    case CSR_MIE:
        env->mie = v & ALL_INTERRUPTS;
        return true;
    case CSR_MTVEC:
        write_tvec(&env->mtvec, v);
        return true;
    case CSR_MCOUNTEREN:
        env->mcounteren = v & 0xffffffff;
        return true;
    case CSR_MENVCFG:
        env->menvcfg = v & 1;      /* FIOM */
        return true;
    case CSR_MCOUNTINHIBIT:
        env->mcountinhibit = v & 5;
        return true;
    case CSR_MSCRATCH:
        env->mscratch = v;
        return true;
    case CSR_MEPC:
        env->mepc = v & ~1ULL;
        return true;
    case CSR_MCAUSE:
        env->mcause = v;
        return true;
    case CSR_MTVAL:
        env->mtval = v;
        return true;
    case CSR_MIP: {
        /* Software may set or clear SSIP, STIP and SEIP; the M-mode bits
         * follow the CLINT and PLIC lines. */
        uint64_t mask = S_MODE_INTERRUPTS;
        riscv_set_pending(env, mask & ~v, false);
        riscv_set_pending(env, mask & v, true);
        return true;
    }
    case CSR_MCYCLE:
        env->mcycle_base = v - env->icount;
        return true;
    case CSR_MINSTRET:
        env->minstret_base = v - env->icount;
        return true;
    }
    if (csrno >= CSR_PMPCFG0 && csrno < CSR_PMPCFG0 + 16) {
        unsigned reg = csrno - CSR_PMPCFG0;
        if (reg & 1) {
            return false;
        }
        write_pmpcfg(env, reg, v);
        riscv_pmp_update(env);
        return true;
    }
    if (csrno >= CSR_PMPADDR0 && csrno < CSR_PMPADDR0 + 64) {
        unsigned i = csrno - CSR_PMPADDR0;
        if (i < RISCV_PMP_ENTRIES && !pmpaddr_locked(env, i)) {
            env->pmpaddr[i] = v & ((1ULL << 54) - 1);
            riscv_pmp_update(env);
        }
        return true;
    }
    if ((csrno >= CSR_MHPMCOUNTER3 && csrno <= CSR_MHPMCOUNTER31) ||
        (csrno >= CSR_MHPMEVENT3 && csrno <= CSR_MHPMEVENT31)) {
        return true;               /* hardwired to zero */
    }
    return false;
}

/* The checks every access makes before touching the register. */
static RISCVException csr_check(CPURISCVState *env, unsigned csrno,
                                bool write)
{
    unsigned min_priv = (csrno >> 8) & 3;

    if (env->priv < min_priv) {
        return EXCP_ILLEGAL_INST;
    }
    if (write && (csrno >> 10) == 3) {
        return EXCP_ILLEGAL_INST;  /* read-only CSR */
    }
    if (csrno == CSR_SATP && env->priv == PRV_S &&
        (env->mstatus & MSTATUS_TVM)) {
        return EXCP_ILLEGAL_INST;
    }
    if (csrno >= CSR_FFLAGS && csrno <= CSR_FCSR && !fp_enabled(env)) {
        return EXCP_ILLEGAL_INST;
    }
    if (csrno >= CSR_CYCLE && csrno <= CSR_HPMCOUNTER31 &&
        !counter_allowed(env, csrno - CSR_CYCLE)) {
        return EXCP_ILLEGAL_INST;
    }
    return RISCV_EXCP_NONE;
}

RISCVException riscv_csr_rmw(CPURISCVState *env, unsigned csrno,
                             uint64_t *old, uint64_t value, uint64_t mask,
                             bool write)
{
    RISCVException ex = csr_check(env, csrno, write);
    uint64_t cur;

    if (ex != RISCV_EXCP_NONE) {
        return ex;
    }
    if (!csr_get(env, csrno, &cur)) {
        return EXCP_ILLEGAL_INST;
    }
    if (write && !csr_set(env, csrno, (cur & ~mask) | (value & mask))) {
        return EXCP_ILLEGAL_INST;
    }
    if (old) {
        *old = cur;
    }
    return RISCV_EXCP_NONE;
}

RISCVException riscv_csr_read(CPURISCVState *env, unsigned csrno,
                              uint64_t *value)
{
    return riscv_csr_rmw(env, csrno, value, 0, 0, false);
}

RISCVException riscv_csr_write(CPURISCVState *env, unsigned csrno,
                               uint64_t value)
{
    return riscv_csr_rmw(env, csrno, NULL, value, UINT64_MAX, true);
}

void riscv_cpu_reset(CPURISCVState *env, uint64_t reset_pc)
{
    uint64_t hartid = env->mhartid;
    AddressSpace *as = env->as;
    RISCVCPUHooks hooks = env->hooks;

    if (unlikely(qemu_loglevel_mask(CPU_LOG_RESET))) {
        riscv_log_reset(env);
    }
    memset(env, 0, sizeof(*env));
    env->mhartid = hartid;
    env->as = as;
    env->hooks = hooks;
    env->priv = PRV_M;
    env->pc = reset_pc;
    env->misa = MISA_RV64 | MISA_EXT('I') | MISA_EXT('M') | MISA_EXT('A') |
                MISA_EXT('F') | MISA_EXT('D') | MISA_EXT('C') |
                MISA_EXT('S') | MISA_EXT('U');
    env->mstatus = (2ULL << 32) | (2ULL << 34);   /* UXL = SXL = 64 */
    env->load_res = UINT64_MAX;
    riscv_tlb_flush(env);
}

int riscv_pending_interrupt(const CPURISCVState *env)
{
    uint64_t pending = read_mip(env) & env->mie;
    uint64_t m_enabled, s_enabled, irqs;

    if (!pending) {
        return -1;
    }
    /* M-level interrupts: taken in M-mode when MIE, always below M. */
    m_enabled = env->priv < PRV_M ||
                (env->priv == PRV_M && (env->mstatus & MSTATUS_MIE));
    /* S-level (delegated) ones: below S always, in S when SIE. */
    s_enabled = env->priv < PRV_S ||
                (env->priv == PRV_S && (env->mstatus & MSTATUS_SIE));
    irqs = (pending & ~env->mideleg & -m_enabled) |
           (pending & env->mideleg & -s_enabled);
    if (!irqs) {
        return -1;
    }
    /* Priority order from the privileged spec: MEI, MSI, MTI, SEI, SSI, STI. */
    static const int order[] = {
        IRQ_M_EXT, IRQ_M_SOFT, IRQ_M_TIMER, IRQ_S_EXT, IRQ_S_SOFT, IRQ_S_TIMER,
    };
    for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
        if (irqs & (1ULL << order[i])) {
            return order[i];
        }
    }
    return -1;
}

void riscv_do_trap(CPURISCVState *env, uint64_t cause, uint64_t tval)
{
    bool interrupt = cause >> 63;
    uint64_t code = cause & ~(1ULL << 63);
    uint64_t deleg = interrupt ? env->mideleg : env->medeleg;

    if (unlikely(qemu_loglevel_mask(CPU_LOG_INT))) {
        riscv_log_trap(env, cause, tval);
    }
    if (env->priv <= PRV_S && ((deleg >> code) & 1)) {
        /* Handled in S-mode. */
        uint64_t s = env->mstatus;
        s = (s & ~MSTATUS_SPIE) | ((s & MSTATUS_SIE) ? MSTATUS_SPIE : 0);
        s = (s & ~MSTATUS_SPP) | (env->priv == PRV_S ? MSTATUS_SPP : 0);
        s &= ~MSTATUS_SIE;
        env->mstatus = s;
        env->scause = cause;
        env->sepc = env->pc;
        env->stval = tval;
        env->pc = (env->stvec & ~3ULL) +
                  ((interrupt && (env->stvec & 1)) ? 4 * code : 0);
        env->priv = PRV_S;
    } else {
        uint64_t s = env->mstatus;
        s = (s & ~MSTATUS_MPIE) | ((s & MSTATUS_MIE) ? MSTATUS_MPIE : 0);
        s = (s & ~MSTATUS_MPP) | ((uint64_t)env->priv << MSTATUS_MPP_SHIFT);
        s &= ~MSTATUS_MIE;
        env->mstatus = s;
        env->mcause = cause;
        env->mepc = env->pc;
        env->mtval = tval;
        env->pc = (env->mtvec & ~3ULL) +
                  ((interrupt && (env->mtvec & 1)) ? 4 * code : 0);
        env->priv = PRV_M;
    }
    env->load_res = UINT64_MAX;    /* a trap breaks any LR/SC pair */
}
