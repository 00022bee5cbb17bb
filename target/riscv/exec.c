/*
 * RV64 execution: translation blocks of decoded instructions run by an
 * interpreter back end, the soft-MMU fast paths for loads and stores, and
 * the run loop that takes interrupts at block boundaries.
 *
 * The front end (decode + block formation) produces RVInsn arrays; this
 * back end interprets them.  A code-generating back end can replace
 * exec_block() without changing the front end, the TLB or the block cache.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/log.h"
#include "vireo/main-loop.h"
#include "exec/memory.h"
#include "exec/tb.h"
#include "target/riscv/cpu.h"
#include "target/riscv/csr.h"
#include "target/riscv/decode.h"
#include "target/riscv/fpu.h"
#include "target/riscv/jit.h"
#include "target/riscv/log.h"
#include "target/riscv/mmu.h"

#define MAX_BLOCK_INSNS 256

static GPtrArray *all_harts;       /* for TLB shoot-down when code appears */

/* ---- Soft-MMU ---- */

void riscv_tlb_flush(CPURISCVState *env)
{
    memset(env->tlb, 0xff, sizeof(env->tlb));   /* every tag invalid */
    memset(env->jmp_cache, 0, sizeof(env->jmp_cache));
}

/* A page got translated code: no TLB may keep fast writes to it. */
static void code_page_appeared(uint64_t phys_page)
{
    for (guint i = 0; all_harts && i < all_harts->len; i++) {
        CPURISCVState *env = g_ptr_array_index(all_harts, i);
        for (int m = 0; m < RISCV_MMU_COUNT; m++) {
            for (unsigned e = 0; e < RISCV_TLB_SIZE; e++) {
                env->tlb[m][e].tag_write = RISCV_TLB_INVALID;
            }
        }
    }
}

/* Set while this thread runs guest code (a device it calls may DMA). */
static __thread bool in_exec_thread;

/*
 * RAM written by a device or a loader: drop blocks made from it.  From the
 * execution thread the cache is ours; from any other thread the range is
 * queued and every hart leaves its chain, so the queue is drained before
 * the guest can run code that the write changed.
 */
static void ram_written(hwaddr addr, hwaddr len)
{
    if (!tb_range_may_have_code(addr, addr + len)) {
        return;
    }
    if (in_exec_thread) {
        tb_invalidate_phys_range(addr, addr + len);
        return;
    }
    tb_queue_invalidation(addr, addr + len);
    for (guint i = 0; all_harts && i < all_harts->len; i++) {
        CPURISCVState *env = g_ptr_array_index(all_harts, i);
        __atomic_store_n(&env->exit_request, 1, __ATOMIC_SEQ_CST);
    }
}

static void register_hart(CPURISCVState *env)
{
    if (!all_harts) {
        /* Sized for the most harts a machine has: other threads read it. */
        all_harts = g_ptr_array_sized_new(512);
        tb_set_code_page_hook(code_page_appeared);
        memory_set_ram_write_hook(ram_written);
    }
    for (guint i = 0; i < all_harts->len; i++) {
        if (g_ptr_array_index(all_harts, i) == env) {
            return;
        }
    }
    g_ptr_array_add(all_harts, env);
}

static unsigned eff_priv(const CPURISCVState *env, MMUAccessType access)
{
    if (access != MMU_INST_FETCH && env->priv == PRV_M &&
        (env->mstatus & MSTATUS_MPRV)) {
        return (env->mstatus & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT;
    }
    return env->priv;
}

static unsigned mmu_index(const CPURISCVState *env, MMUAccessType access)
{
    unsigned priv = eff_priv(env, access);

    if (priv == PRV_M) {
        return RISCV_MMU_M;
    }
    if (priv == PRV_S) {
        return (env->mstatus & MSTATUS_SUM) && access != MMU_INST_FETCH
               ? RISCV_MMU_S_SUM : RISCV_MMU_S;
    }
    return RISCV_MMU_U;
}

static inline RISCVTLBEntry *tlb_entry(CPURISCVState *env, unsigned idx,
                                       uint64_t vaddr)
{
    return &env->tlb[idx][(vaddr >> TARGET_PAGE_BITS) & (RISCV_TLB_SIZE - 1)];
}

static void raise_exception(CPURISCVState *env, int cause, uint64_t tval)
{
    env->excp = cause;
    env->excp_tval = tval;
}

/*
 * Cache the RAM page at @page_pa (host @page) for this kind of access, if
 * PMP allows the whole page and a store would not hit translated code.
 */
static void tlb_set_page(CPURISCVState *env, uint64_t vaddr, uint64_t page_pa,
                         MMUAccessType access, unsigned priv, uint8_t *page)
{
    RISCVTLBEntry *e;
    uint64_t tag = vaddr & TARGET_PAGE_MASK;
    uintptr_t addend = (uintptr_t)page - tag;

    if (!riscv_pmp_check(env, page_pa, TARGET_PAGE_SIZE, access, priv) ||
        (access == MMU_DATA_STORE && tb_page_has_code(page_pa))) {
        return;
    }
    e = tlb_entry(env, mmu_index(env, access), vaddr);
    if (e->addend != addend) {
        /* Another mapping lived here: drop its other permissions. */
        e->tag_read = e->tag_write = e->tag_exec = RISCV_TLB_INVALID;
        e->addend = addend;
    }
    if (access == MMU_DATA_LOAD) {
        e->tag_read = tag;
    } else if (access == MMU_DATA_STORE) {
        e->tag_write = tag;
    } else {
        e->tag_exec = tag;
    }
}

/*
 * Slow path: translate, check PMP, find the target in the address space.
 * Returns a host pointer for RAM, or NULL with *mr and *xlat set for MMIO;
 * false when an exception was raised.  Fills the TLB when the whole page
 * may be cached for this kind of access.
 */
static bool resolve(CPURISCVState *env, uint64_t vaddr, unsigned size,
                    MMUAccessType access, uint8_t **host, MemoryRegion **mr,
                    hwaddr *xlat, uint64_t *paddr_out)
{
    uint64_t paddr, page_size;
    int prot, ex;
    unsigned priv = eff_priv(env, access);
    hwaddr plen = TARGET_PAGE_SIZE, off;
    MemoryRegion *region;
    uint8_t *page;

    ex = riscv_translate(env, vaddr, access, &paddr, &prot, &page_size);
    qemu_log_mask(CPU_LOG_MMU, "riscv_cpu_tlb_fill ad %" PRIx64 " rw %d "
                  "mmu_idx %u: %s%" PRIx64 "\n", vaddr, (int)access,
                  mmu_index(env, access),
                  ex == RISCV_EXCP_NONE ? "physical 0x" : "exception ",
                  ex == RISCV_EXCP_NONE ? paddr : (uint64_t)ex);
    if (ex != RISCV_EXCP_NONE) {
        raise_exception(env, ex, vaddr);
        return false;
    }
    if (!riscv_pmp_check(env, paddr, size, access, priv)) {
        raise_exception(env, access == MMU_INST_FETCH ? EXCP_INST_ACCESS_FAULT :
                   access == MMU_DATA_LOAD ? EXCP_LOAD_ACCESS_FAULT :
                   EXCP_STORE_AMO_ACCESS_FAULT, vaddr);
        return false;
    }
    *paddr_out = paddr;
    /* Most accesses hit writable RAM: no map lookup for those. */
    page = riscv_ram_ptr(env, paddr & TARGET_PAGE_MASK, TARGET_PAGE_SIZE);
    if (page) {
        *host = page + (paddr & ~TARGET_PAGE_MASK);
        *mr = NULL;
        tlb_set_page(env, vaddr, paddr & TARGET_PAGE_MASK, access, priv, page);
        return true;
    }
    /* Several devices may share a page: look up the exact address. */
    plen = TARGET_PAGE_SIZE - (paddr & ~TARGET_PAGE_MASK);
    region = address_space_translate(env->as, paddr, &off, &plen,
                                     access == MMU_DATA_STORE,
                                     MEMTXATTRS_UNSPECIFIED);
    *host = NULL;
    *mr = NULL;
    if (!region) {
        qemu_log_mask(LOG_GUEST_ERROR, "Invalid %s at addr 0x%" PRIx64
                      ", size %u, region '(null)', reason: rejected\n",
                      access == MMU_INST_FETCH ? "fetch" :
                      access == MMU_DATA_LOAD ? "read" : "write",
                      paddr, size);
        raise_exception(env, access == MMU_INST_FETCH ? EXCP_INST_ACCESS_FAULT :
                   access == MMU_DATA_LOAD ? EXCP_LOAD_ACCESS_FAULT :
                   EXCP_STORE_AMO_ACCESS_FAULT, vaddr);
        return false;
    }
    if (region->kind == MR_RAM && !(access == MMU_DATA_STORE &&
                                    region->readonly)) {
        uint64_t page_pa = paddr & TARGET_PAGE_MASK;
        hwaddr page_off, page_len = TARGET_PAGE_SIZE;
        MemoryRegion *page_region;

        *host = (uint8_t *)memory_region_get_ram_ptr(region) + off;
        /* Cache only whole pages of one region the access kind may use
         * without checks. */
        page_region = address_space_translate(env->as, page_pa, &page_off,
                                              &page_len,
                                              access == MMU_DATA_STORE,
                                              MEMTXATTRS_UNSPECIFIED);
        if (page_region == region && page_len == TARGET_PAGE_SIZE &&
            page_off + (paddr & ~TARGET_PAGE_MASK) == off) {
            tlb_set_page(env, vaddr, page_pa, access, priv,
                         (uint8_t *)memory_region_get_ram_ptr(region) +
                         page_off);
        }
        return true;
    }
    if (access == MMU_INST_FETCH) {
        /* Code must come from RAM or ROM. */
        qemu_log_mask(LOG_GUEST_ERROR, "Invalid fetch at addr 0x%" PRIx64
                      ": region '%s' is not RAM or ROM\n", paddr,
                      region->name);
        raise_exception(env, EXCP_INST_ACCESS_FAULT, vaddr);
        return false;
    }
    *mr = region;
    *xlat = off;
    return true;
}

static bool load_slow(CPURISCVState *env, uint64_t vaddr, unsigned size,
                      uint64_t *val)
{
    uint8_t *host;
    MemoryRegion *mr;
    hwaddr xlat;
    uint64_t paddr;

    if ((vaddr & ~TARGET_PAGE_MASK) + size > TARGET_PAGE_SIZE) {
        /* Misaligned across a page: byte by byte, each checked. */
        uint64_t v = 0;
        for (unsigned i = 0; i < size; i++) {
            uint64_t b;
            if (!load_slow(env, vaddr + i, 1, &b)) {
                return false;
            }
            v |= b << (8 * i);
        }
        *val = v;
        return true;
    }
    if (!resolve(env, vaddr, size, MMU_DATA_LOAD, &host, &mr, &xlat, &paddr)) {
        return false;
    }
    if (host) {
        uint64_t v = 0;
        memcpy(&v, host, size);
        *val = v;
        return true;
    }
    bql_lock();
    MemTxResult r = memory_region_dispatch_read(mr, xlat, val, size,
                                                MEMTXATTRS_UNSPECIFIED);
    bql_unlock();
    if (r != MEMTX_OK) {
        raise_exception(env, EXCP_LOAD_ACCESS_FAULT, vaddr);
        return false;
    }
    return true;
}

static bool store_slow(CPURISCVState *env, uint64_t vaddr, unsigned size,
                       uint64_t val)
{
    uint8_t *host;
    MemoryRegion *mr;
    hwaddr xlat;
    uint64_t paddr;

    if ((vaddr & ~TARGET_PAGE_MASK) + size > TARGET_PAGE_SIZE) {
        /* Check both pages before writing anything. */
        uint64_t second = (vaddr | ~TARGET_PAGE_MASK) + 1;
        if (!resolve(env, vaddr, 1, MMU_DATA_STORE, &host, &mr, &xlat,
                     &paddr) ||
            !resolve(env, second, 1, MMU_DATA_STORE, &host, &mr, &xlat,
                     &paddr)) {
            return false;
        }
        for (unsigned i = 0; i < size; i++) {
            if (!store_slow(env, vaddr + i, 1, val >> (8 * i))) {
                return false;
            }
        }
        return true;
    }
    if (!resolve(env, vaddr, size, MMU_DATA_STORE, &host, &mr, &xlat,
                 &paddr)) {
        return false;
    }
    if (host) {
        memcpy(host, &val, size);
        if (tb_page_has_code(paddr & TARGET_PAGE_MASK) &&
            tb_invalidate_phys_range(paddr, paddr + size)) {
            env->end_tb = true;     /* the running block may be stale */
        }
        return true;
    }
    bql_lock();
    MemTxResult r = memory_region_dispatch_write(mr, xlat, val, size,
                                                 MEMTXATTRS_UNSPECIFIED);
    bql_unlock();
    if (r != MEMTX_OK) {
        raise_exception(env, EXCP_STORE_AMO_ACCESS_FAULT, vaddr);
        return false;
    }
    /* A device access may change interrupt state: re-check soon. */
    env->end_tb = true;
    return true;
}

static inline bool load(CPURISCVState *env, uint64_t vaddr, unsigned size,
                        uint64_t *val)
{
    RISCVTLBEntry *e = tlb_entry(env, env->data_mmu_idx, vaddr);

    if (likely(e->tag_read == (vaddr & TARGET_PAGE_MASK) &&
               (vaddr & ~TARGET_PAGE_MASK) + size <= TARGET_PAGE_SIZE)) {
        uint64_t v = 0;
        memcpy(&v, (void *)(vaddr + e->addend), size);
        *val = v;
        return true;
    }
    return load_slow(env, vaddr, size, val);
}

static inline bool store(CPURISCVState *env, uint64_t vaddr, unsigned size,
                         uint64_t val)
{
    RISCVTLBEntry *e = tlb_entry(env, env->data_mmu_idx, vaddr);

    if (likely(e->tag_write == (vaddr & TARGET_PAGE_MASK) &&
               (vaddr & ~TARGET_PAGE_MASK) + size <= TARGET_PAGE_SIZE)) {
        memcpy((void *)(vaddr + e->addend), &val, size);
        return true;
    }
    return store_slow(env, vaddr, size, val);
}

/* Host pointer to an aligned word for an atomic, with store permission. */
static void *amo_host(CPURISCVState *env, uint64_t vaddr, unsigned size,
                      bool is_lr)
{
    uint8_t *host;
    MemoryRegion *mr;
    hwaddr xlat;
    uint64_t paddr;

    if (vaddr & (size - 1)) {
        raise_exception(env, is_lr ? EXCP_LOAD_ADDR_MIS : EXCP_STORE_AMO_ADDR_MIS,
              vaddr);
        return NULL;
    }
    if (!resolve(env, vaddr, size, is_lr ? MMU_DATA_LOAD : MMU_DATA_STORE,
                 &host, &mr, &xlat, &paddr)) {
        return NULL;
    }
    if (!host) {
        /* Atomics on device memory are not supported by this platform. */
        raise_exception(env, is_lr ? EXCP_LOAD_ACCESS_FAULT :
                   EXCP_STORE_AMO_ACCESS_FAULT, vaddr);
        return NULL;
    }
    if (!is_lr && tb_page_has_code(paddr & TARGET_PAGE_MASK) &&
        tb_invalidate_phys_range(paddr, paddr + size)) {
        env->end_tb = true;
    }
    return host;
}

/* Fetch 16 bits of code at @vaddr (instruction parcels are 2-aligned). */
static bool load_code16(CPURISCVState *env, uint64_t vaddr, uint64_t *val)
{
    uint8_t *host;
    MemoryRegion *mr;
    hwaddr xlat;
    uint64_t paddr;
    uint16_t v;

    if (!resolve(env, vaddr, 2, MMU_INST_FETCH, &host, &mr, &xlat, &paddr)) {
        return false;
    }
    memcpy(&v, host, 2);
    *val = v;
    return true;
}

/* ---- Block formation (the front end) ---- */

/* VIREO_TCG_INTERPRETER=1 keeps every block in the interpreter (to compare
 * the two back ends when hunting a bug). */
static bool jit_enabled(void)
{
    static int enabled = -1;

    if (enabled < 0) {
        const char *v = g_getenv("VIREO_TCG_INTERPRETER");
        enabled = !(v && *v && strcmp(v, "0"));
    }
    return enabled;
}

static inline uint32_t block_flags(const CPURISCVState *env)
{
    return env->priv;
}

/* Instructions after which a block must end. */
static bool ends_block(RVOp op)
{
    switch (op) {
    case RV_OP_JAL: case RV_OP_JALR:
    case RV_OP_BEQ: case RV_OP_BNE: case RV_OP_BLT: case RV_OP_BGE:
    case RV_OP_BLTU: case RV_OP_BGEU:
    case RV_OP_ECALL: case RV_OP_EBREAK: case RV_OP_MRET: case RV_OP_SRET:
    case RV_OP_URET: case RV_OP_WFI: case RV_OP_SFENCE_VMA:
    case RV_OP_FENCE_I: case RV_OP_ILLEGAL:
    case RV_OP_CSRRW: case RV_OP_CSRRS: case RV_OP_CSRRC:
    case RV_OP_CSRRWI: case RV_OP_CSRRSI: case RV_OP_CSRRCI:
        return true;
    default:
        return false;
    }
}

/* Fetch the code page of @pc: host pointer to pc and its physical address. */
static uint8_t *fetch_page(CPURISCVState *env, uint64_t pc, uint64_t *ppc)
{
    uint8_t *host;
    MemoryRegion *mr;
    hwaddr xlat;

    if (!resolve(env, pc, 2, MMU_INST_FETCH, &host, &mr, &xlat, ppc)) {
        return NULL;
    }
    return host;
}

static TranslationBlock *translate_block(CPURISCVState *env, uint64_t pc,
                                         uint64_t phys_pc, uint8_t *host)
{
    RVInsn insns[MAX_BLOCK_INSNS];
    unsigned n = 0, size = 0;
    uint64_t room = TARGET_PAGE_SIZE - (pc & ~TARGET_PAGE_MASK);
    TranslationBlock *tb;

    while (n < MAX_BLOCK_INSNS && size + 2 <= room) {
        uint32_t raw;
        uint16_t lo;

        memcpy(&lo, host + size, 2);
        if (riscv_insn_length(lo) == 4) {
            if (size + 4 > room) {
                break;      /* crosses the page: handled on its own */
            }
            memcpy(&raw, host + size, 4);
        } else {
            raw = lo;
        }
        riscv_decode(raw, &insns[n]);
        size += insns[n].len;
        if (ends_block(insns[n++].op)) {
            break;
        }
    }
    if (n == 0) {
        return NULL;
    }
    tb = tb_alloc(n * sizeof(RVInsn));
    tb->pc = pc;
    tb->phys_pc = phys_pc;
    tb->flags = block_flags(env);
    tb->size = size;
    tb->n_ops = n;
    memcpy(tb->ops, insns, n * sizeof(RVInsn));
    if (unlikely(qemu_loglevel_mask(CPU_LOG_TB_IN_ASM))) {
        riscv_log_block_in_asm(env, tb, host);
    }
    if (jit_enabled()) {
        riscv_jit_translate(tb);    /* on failure the block is interpreted */
    }
    tb_insert(tb);
    return tb;
}

/* An instruction straddling two pages runs alone, uncached. */
static bool fetch_crossing(CPURISCVState *env, uint64_t pc, RVInsn *insn)
{
    uint64_t lo, hi;

    if (!load_code16(env, pc, &lo) || !load_code16(env, pc + 2, &hi)) {
        return false;
    }
    riscv_decode(lo | (hi << 16), insn);
    return true;
}

/* ---- The interpreter back end ---- */

static inline uint64_t sext32(uint64_t v)
{
    return (uint64_t)(int64_t)(int32_t)v;
}

#define X(r) env->gpr[r]
#define SETX(r, v) do { if (r) { env->gpr[r] = (v); } } while (0)

static bool illegal_insn(CPURISCVState *env, uint64_t pc)
{
    uint64_t lo = 0, hi = 0;
    uint64_t bits = 0;

    /* mtval gets the instruction bits, as QEMU's riscv harts report them. */
    if (load_code16(env, pc, &lo)) {
        bits = lo;
        if (riscv_insn_length(lo) == 4 && load_code16(env, pc + 2, &hi)) {
            bits |= hi << 16;
        }
    }
    raise_exception(env, EXCP_ILLEGAL_INST, bits);
    return false;
}

static bool do_csr(CPURISCVState *env, const RVInsn *in, uint64_t pc)
{
    uint64_t src = in->op >= RV_OP_CSRRWI ? in->rs1 : X(in->rs1);
    bool is_write_op = in->op == RV_OP_CSRRW || in->op == RV_OP_CSRRWI;
    bool write = is_write_op || in->rs1 != 0;
    uint64_t mask, value, old;
    RISCVException ex;

    if (is_write_op) {
        mask = UINT64_MAX;
        value = src;
    } else if (in->op == RV_OP_CSRRS || in->op == RV_OP_CSRRSI) {
        mask = src;
        value = UINT64_MAX;
    } else {
        mask = src;
        value = 0;
    }
    uint64_t mstatus_before = env->mstatus;

    ex = riscv_csr_rmw(env, in->imm, &old, value, mask, write);
    if (ex != RISCV_EXCP_NONE) {
        return illegal_insn(env, pc);
    }
    SETX(in->rd, old);
    if (write) {
        switch (in->imm) {
        case CSR_SATP:
            riscv_tlb_flush(env);   /* the page table changed */
            break;
        case CSR_MSTATUS: case CSR_SSTATUS:
            /*
             * Only MXR changes what a filled entry allows.  SUM, MPRV and
             * MPP choose the regime (mmu_index), which each TLB keeps
             * apart, and a CSR write ends the block so the next one picks
             * it anew.  Linux writes sstatus on every interrupt enable and
             * user copy: flushing on those cost a TLB refill each time.
             */
            if ((mstatus_before ^ env->mstatus) & MSTATUS_MXR) {
                riscv_tlb_flush(env);
            }
            break;
        default:
            if (in->imm >= CSR_PMPCFG0 && in->imm < CSR_PMPADDR0 + 64) {
                riscv_tlb_flush(env);
            }
        }
    }
    return true;
}

static bool do_amo(CPURISCVState *env, const RVInsn *in)
{
    bool d = in->op >= RV_OP_LR_D;
    unsigned size = d ? 8 : 4;
    uint64_t addr = X(in->rs1), src = X(in->rs2), old, new;
    RVOp op = d ? in->op - (RV_OP_LR_D - RV_OP_LR_W) : in->op;
    void *host;

    if (op == RV_OP_LR_W) {
        host = amo_host(env, addr, size, true);
        if (!host) {
            return false;
        }
        old = d ? __atomic_load_n((uint64_t *)host, __ATOMIC_SEQ_CST)
                : sext32(__atomic_load_n((uint32_t *)host, __ATOMIC_SEQ_CST));
        env->load_res = addr;
        env->load_val = old;
        SETX(in->rd, old);
        return true;
    }
    host = amo_host(env, addr, size, false);
    if (!host) {
        return false;
    }
    if (op == RV_OP_SC_W) {
        bool ok = false;
        if (env->load_res == addr) {
            /* Succeeds if memory still holds what LR saw. */
            if (d) {
                uint64_t expect = env->load_val;
                ok = __atomic_compare_exchange_n((uint64_t *)host, &expect,
                                                 src, false, __ATOMIC_SEQ_CST,
                                                 __ATOMIC_SEQ_CST);
            } else {
                uint32_t expect = env->load_val;
                ok = __atomic_compare_exchange_n((uint32_t *)host, &expect,
                                                 (uint32_t)src, false,
                                                 __ATOMIC_SEQ_CST,
                                                 __ATOMIC_SEQ_CST);
            }
        }
        env->load_res = UINT64_MAX;
        SETX(in->rd, ok ? 0 : 1);
        return true;
    }
    /* Read-modify-write with a compare-and-swap loop. */
    for (;;) {
        old = d ? __atomic_load_n((uint64_t *)host, __ATOMIC_SEQ_CST)
                : __atomic_load_n((uint32_t *)host, __ATOMIC_SEQ_CST);
        int64_t so = d ? (int64_t)old : (int32_t)old;
        int64_t ss = d ? (int64_t)src : (int32_t)src;
        uint64_t uo = d ? old : (uint32_t)old, us = d ? src : (uint32_t)src;
        switch (op) {
        case RV_OP_AMOSWAP_W: new = src; break;
        case RV_OP_AMOADD_W: new = old + src; break;
        case RV_OP_AMOXOR_W: new = old ^ src; break;
        case RV_OP_AMOAND_W: new = old & src; break;
        case RV_OP_AMOOR_W: new = old | src; break;
        case RV_OP_AMOMIN_W: new = so < ss ? old : src; break;
        case RV_OP_AMOMAX_W: new = so > ss ? old : src; break;
        case RV_OP_AMOMINU_W: new = uo < us ? old : src; break;
        case RV_OP_AMOMAXU_W: new = uo > us ? old : src; break;
        default:
            g_assert_not_reached();
        }
        if (d ? __atomic_compare_exchange_n((uint64_t *)host, &old, new, false,
                                            __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)
              : __atomic_compare_exchange_n((uint32_t *)host, &(uint32_t){old},
                                            (uint32_t)new, false,
                                            __ATOMIC_SEQ_CST,
                                            __ATOMIC_SEQ_CST)) {
            break;
        }
    }
    SETX(in->rd, d ? old : sext32(old));
    return true;
}

static uint64_t mulh(int64_t a, int64_t b)
{
    return (uint64_t)(((__int128)a * b) >> 64);
}

static uint64_t mulhu(uint64_t a, uint64_t b)
{
    return (uint64_t)(((unsigned __int128)a * b) >> 64);
}

static uint64_t mulhsu(int64_t a, uint64_t b)
{
    return (uint64_t)(((__int128)a * (unsigned __int128)b) >> 64);
}

static int64_t div_signed(int64_t a, int64_t b)
{
    if (b == 0) {
        return -1;
    }
    if (a == INT64_MIN && b == -1) {
        return a;
    }
    return a / b;
}

static int64_t rem_signed(int64_t a, int64_t b)
{
    if (b == 0) {
        return a;
    }
    if (a == INT64_MIN && b == -1) {
        return 0;
    }
    return a % b;
}

static int32_t div_signed32(int32_t a, int32_t b)
{
    if (b == 0) {
        return -1;
    }
    if (a == INT32_MIN && b == -1) {
        return a;
    }
    return a / b;
}

static int32_t rem_signed32(int32_t a, int32_t b)
{
    if (b == 0) {
        return a;
    }
    if (a == INT32_MIN && b == -1) {
        return 0;
    }
    return a % b;
}

/* Privileged instructions; false when they raised an exception. */
static bool do_system(CPURISCVState *env, const RVInsn *in, uint64_t pc,
                      uint64_t *next_pc)
{
    uint64_t s = env->mstatus;

    switch (in->op) {
    case RV_OP_ECALL:
        raise_exception(env, env->priv == PRV_U ? EXCP_U_ECALL :
                   env->priv == PRV_S ? EXCP_S_ECALL : EXCP_M_ECALL, 0);
        return false;
    case RV_OP_EBREAK:
        raise_exception(env, EXCP_BREAKPOINT, pc);
        return false;
    case RV_OP_MRET: {
        unsigned mpp = (s & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT;
        if (env->priv != PRV_M) {
            return illegal_insn(env, pc);
        }
        s = (s & ~MSTATUS_MIE) | ((s & MSTATUS_MPIE) ? MSTATUS_MIE : 0);
        s |= MSTATUS_MPIE;
        s &= ~MSTATUS_MPP;               /* MPP becomes U */
        if (mpp != PRV_M) {
            s &= ~MSTATUS_MPRV;
        }
        env->mstatus = s;
        env->priv = mpp;
        *next_pc = env->mepc;
        env->load_res = UINT64_MAX;
        return true;
    }
    case RV_OP_SRET:
        if (env->priv == PRV_U ||
            (env->priv == PRV_S && (s & MSTATUS_TSR))) {
            return illegal_insn(env, pc);
        }
        env->priv = (s & MSTATUS_SPP) ? PRV_S : PRV_U;
        s = (s & ~MSTATUS_SIE) | ((s & MSTATUS_SPIE) ? MSTATUS_SIE : 0);
        s |= MSTATUS_SPIE;
        s &= ~(MSTATUS_SPP | MSTATUS_MPRV);
        env->mstatus = s;
        *next_pc = env->sepc;
        env->load_res = UINT64_MAX;
        return true;
    case RV_OP_WFI:
        if (env->priv == PRV_U ||
            (env->priv == PRV_S && (s & MSTATUS_TW))) {
            return illegal_insn(env, pc);
        }
        env->wfi = true;
        return true;
    case RV_OP_SFENCE_VMA:
        if (env->priv == PRV_U ||
            (env->priv == PRV_S && (s & MSTATUS_TVM))) {
            return illegal_insn(env, pc);
        }
        riscv_tlb_flush(env);
        return true;
    case RV_OP_FENCE_I:
        /* Stores already invalidate stale blocks; just end this one. */
        return true;
    default:
        return illegal_insn(env, pc);
    }
}

/*
 * Execute one decoded instruction at @pc.  Returns false when it raised an
 * exception (env->excp).  *next_pc is preset to the fall-through address.
 */
static inline __attribute__((always_inline))
bool exec_insn(CPURISCVState *env, const RVInsn *in, uint64_t pc,
               uint64_t *next_pc)
{
    uint64_t a = X(in->rs1), b = X(in->rs2), v;
    int64_t imm = in->imm;

    switch (in->op) {
    case RV_OP_LUI: SETX(in->rd, imm); break;
    case RV_OP_AUIPC: SETX(in->rd, pc + imm); break;
    case RV_OP_JAL:
        SETX(in->rd, pc + in->len);
        *next_pc = pc + imm;
        break;
    case RV_OP_JALR:
        *next_pc = (a + imm) & ~1ULL;
        SETX(in->rd, pc + in->len);
        break;
    case RV_OP_BEQ: if (a == b) { *next_pc = pc + imm; } break;
    case RV_OP_BNE: if (a != b) { *next_pc = pc + imm; } break;
    case RV_OP_BLT: if ((int64_t)a < (int64_t)b) { *next_pc = pc + imm; } break;
    case RV_OP_BGE: if ((int64_t)a >= (int64_t)b) { *next_pc = pc + imm; } break;
    case RV_OP_BLTU: if (a < b) { *next_pc = pc + imm; } break;
    case RV_OP_BGEU: if (a >= b) { *next_pc = pc + imm; } break;

    case RV_OP_LB: if (!load(env, a + imm, 1, &v)) { return false; }
        SETX(in->rd, (int64_t)(int8_t)v); break;
    case RV_OP_LH: if (!load(env, a + imm, 2, &v)) { return false; }
        SETX(in->rd, (int64_t)(int16_t)v); break;
    case RV_OP_LW: if (!load(env, a + imm, 4, &v)) { return false; }
        SETX(in->rd, sext32(v)); break;
    case RV_OP_LD: if (!load(env, a + imm, 8, &v)) { return false; }
        SETX(in->rd, v); break;
    case RV_OP_LBU: if (!load(env, a + imm, 1, &v)) { return false; }
        SETX(in->rd, (uint8_t)v); break;
    case RV_OP_LHU: if (!load(env, a + imm, 2, &v)) { return false; }
        SETX(in->rd, (uint16_t)v); break;
    case RV_OP_LWU: if (!load(env, a + imm, 4, &v)) { return false; }
        SETX(in->rd, (uint32_t)v); break;
    case RV_OP_SB: return store(env, a + imm, 1, b);
    case RV_OP_SH: return store(env, a + imm, 2, b);
    case RV_OP_SW: return store(env, a + imm, 4, b);
    case RV_OP_SD: return store(env, a + imm, 8, b);

    case RV_OP_ADDI: SETX(in->rd, a + imm); break;
    case RV_OP_SLTI: SETX(in->rd, (int64_t)a < imm); break;
    case RV_OP_SLTIU: SETX(in->rd, a < (uint64_t)imm); break;
    case RV_OP_XORI: SETX(in->rd, a ^ imm); break;
    case RV_OP_ORI: SETX(in->rd, a | imm); break;
    case RV_OP_ANDI: SETX(in->rd, a & imm); break;
    case RV_OP_SLLI: SETX(in->rd, a << imm); break;
    case RV_OP_SRLI: SETX(in->rd, a >> imm); break;
    case RV_OP_SRAI: SETX(in->rd, (int64_t)a >> imm); break;
    case RV_OP_ADD: SETX(in->rd, a + b); break;
    case RV_OP_SUB: SETX(in->rd, a - b); break;
    case RV_OP_SLL: SETX(in->rd, a << (b & 63)); break;
    case RV_OP_SLT: SETX(in->rd, (int64_t)a < (int64_t)b); break;
    case RV_OP_SLTU: SETX(in->rd, a < b); break;
    case RV_OP_XOR: SETX(in->rd, a ^ b); break;
    case RV_OP_SRL: SETX(in->rd, a >> (b & 63)); break;
    case RV_OP_SRA: SETX(in->rd, (int64_t)a >> (b & 63)); break;
    case RV_OP_OR: SETX(in->rd, a | b); break;
    case RV_OP_AND: SETX(in->rd, a & b); break;
    case RV_OP_ADDIW: SETX(in->rd, sext32(a + imm)); break;
    case RV_OP_SLLIW: SETX(in->rd, sext32((uint32_t)a << imm)); break;
    case RV_OP_SRLIW: SETX(in->rd, sext32((uint32_t)a >> imm)); break;
    case RV_OP_SRAIW: SETX(in->rd, sext32((int32_t)a >> imm)); break;
    case RV_OP_ADDW: SETX(in->rd, sext32(a + b)); break;
    case RV_OP_SUBW: SETX(in->rd, sext32(a - b)); break;
    case RV_OP_SLLW: SETX(in->rd, sext32((uint32_t)a << (b & 31))); break;
    case RV_OP_SRLW: SETX(in->rd, sext32((uint32_t)a >> (b & 31))); break;
    case RV_OP_SRAW: SETX(in->rd, sext32((int32_t)a >> (b & 31))); break;

    case RV_OP_MUL: SETX(in->rd, a * b); break;
    case RV_OP_MULH: SETX(in->rd, mulh(a, b)); break;
    case RV_OP_MULHSU: SETX(in->rd, mulhsu(a, b)); break;
    case RV_OP_MULHU: SETX(in->rd, mulhu(a, b)); break;
    case RV_OP_DIV: SETX(in->rd, div_signed(a, b)); break;
    case RV_OP_DIVU: SETX(in->rd, b ? a / b : UINT64_MAX); break;
    case RV_OP_REM: SETX(in->rd, rem_signed(a, b)); break;
    case RV_OP_REMU: SETX(in->rd, b ? a % b : a); break;
    case RV_OP_MULW: SETX(in->rd, sext32(a * b)); break;
    case RV_OP_DIVW: SETX(in->rd, sext32(div_signed32(a, b))); break;
    case RV_OP_DIVUW:
        SETX(in->rd, sext32((uint32_t)b ? (uint32_t)a / (uint32_t)b
                                        : UINT32_MAX));
        break;
    case RV_OP_REMW: SETX(in->rd, sext32(rem_signed32(a, b))); break;
    case RV_OP_REMUW:
        SETX(in->rd, sext32((uint32_t)b ? (uint32_t)a % (uint32_t)b
                                        : (uint32_t)a));
        break;

    case RV_OP_FENCE:
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        break;
    case RV_OP_CSRRW: case RV_OP_CSRRS: case RV_OP_CSRRC:
    case RV_OP_CSRRWI: case RV_OP_CSRRSI: case RV_OP_CSRRCI:
        return do_csr(env, in, pc);
    case RV_OP_ECALL: case RV_OP_EBREAK: case RV_OP_MRET: case RV_OP_SRET:
    case RV_OP_WFI: case RV_OP_SFENCE_VMA: case RV_OP_FENCE_I:
        return do_system(env, in, pc, next_pc);
    case RV_OP_FLW: case RV_OP_FLD:
        if (!(env->mstatus & MSTATUS_FS)) {
            return illegal_insn(env, pc);
        }
        if (!load(env, a + imm, in->op == RV_OP_FLW ? 4 : 8, &v)) {
            return false;
        }
        /* Singles are NaN-boxed in the 64-bit register. */
        env->fpr[in->rd] = in->op == RV_OP_FLW ? v | 0xffffffff00000000ULL : v;
        env->mstatus |= MSTATUS_FS;
        break;
    case RV_OP_FSW: case RV_OP_FSD:
        if (!(env->mstatus & MSTATUS_FS)) {
            return illegal_insn(env, pc);
        }
        return store(env, a + imm, in->op == RV_OP_FSW ? 4 : 8,
                     env->fpr[in->rs2]);
    default:
        if (in->op >= RV_OP_LR_W && in->op <= RV_OP_AMOMAXU_D) {
            return do_amo(env, in);
        }
        if (in->op >= RV_OP_FMADD_S && in->op <= RV_OP_FCVT_D_S) {
            bool to_x;
            if (riscv_fpu_exec(env, in, &v, &to_x) < 0) {
                return illegal_insn(env, pc);
            }
            if (to_x) {
                SETX(in->rd, v);
            }
            break;
        }
        return illegal_insn(env, pc);
    }
    return true;
}

/* ---- Entry points for generated code ---- */

bool jit_helper_load(CPURISCVState *env, uint64_t vaddr, uint32_t desc)
{
    unsigned size = desc & 0xf, rd = desc >> JIT_LOAD_RD_SHIFT;
    uint64_t v;

    if (!load(env, vaddr, size, &v)) {
        return false;
    }
    if ((desc & JIT_LOAD_SIGNED) && size < 8) {
        v = (uint64_t)((int64_t)(v << (64 - 8 * size)) >> (64 - 8 * size));
    }
    if (rd) {
        env->gpr[rd] = v;
    }
    return true;
}

int jit_helper_store(CPURISCVState *env, uint64_t vaddr, uint64_t value,
                     uint32_t size)
{
    if (!store(env, vaddr, size, value)) {
        return 0;
    }
    if (env->end_tb) {
        env->end_tb = false;
        return 2;
    }
    return 1;
}

int jit_helper_insn(CPURISCVState *env, const RVInsn *in, uint64_t pc)
{
    uint64_t next = pc + in->len;

    if (!exec_insn(env, in, pc, &next)) {
        env->pc = pc;
        return 0;
    }
    env->pc = next;
    if (env->end_tb) {
        env->end_tb = false;
        return 2;
    }
    return 1;
}

typedef int (*HostBlockFn)(CPURISCVState *env);

/* Run a block; returns the slot it left through (-1: no chaining). */
static int exec_block(CPURISCVState *env, TranslationBlock *tb,
                      uint64_t *budget)
{
    const RVInsn *insns = (const RVInsn *)tb->ops;
    uint64_t pc = tb->pc;

    /* Mode changes end a block, so the data regime is fixed within one. */
    env->data_mmu_idx = mmu_index(env, MMU_DATA_LOAD);
    env->data_tlb = env->tlb[env->data_mmu_idx];

    if (tb->host_code) {
        uint64_t before = env->icount;
        int r = ((HostBlockFn)tb->host_code)(env);

        *budget -= MIN(*budget, env->icount - before);
        if (r == -2) {
            riscv_do_trap(env, env->excp, env->excp_tval);
            return -1;
        }
        return r;
    }

    for (uint32_t i = 0; i < tb->n_ops; i++) {
        const RVInsn *in = &insns[i];
        uint64_t next = pc + in->len;

        if (unlikely(!exec_insn(env, in, pc, &next))) {
            env->pc = pc;
            env->icount += i;
            *budget -= MIN(*budget, i);
            riscv_do_trap(env, env->excp, env->excp_tval);
            return -1;
        }
        if (unlikely(env->end_tb) && i + 1 < tb->n_ops) {
            env->end_tb = false;
            env->pc = next;
            env->icount += i + 1;
            *budget -= MIN(*budget, i + 1);
            return -1;
        }
        pc = next;
    }
    env->end_tb = false;
    env->pc = pc;
    env->icount += tb->n_ops;
    *budget -= MIN(*budget, tb->n_ops);
    if (pc == tb->jmp_pc[0]) {
        return 0;
    }
    if (pc == tb->jmp_pc[1]) {
        return 1;
    }
    /* Record where this block led: two direct exits at most. */
    if (tb->jmp_pc[0] == UINT64_MAX) {
        tb->jmp_pc[0] = pc;
        return 0;
    }
    if (tb->jmp_pc[1] == UINT64_MAX) {
        tb->jmp_pc[1] = pc;
        return 1;
    }
    return -1;
}

static inline unsigned jmp_cache_index(uint64_t pc)
{
    return (pc >> 1) & (RISCV_JMP_CACHE_SIZE - 1);
}

typedef enum FindResult {
    FIND_OK,
    FIND_FAULT,        /* fetching raised env->excp */
    FIND_CROSSING,     /* the first instruction straddles two pages */
} FindResult;

/* The block for env->pc in the current mode, translating it if needed. */
static FindResult find_block(CPURISCVState *env, TranslationBlock **out)
{
    uint64_t pc = env->pc, phys_pc;
    uint32_t flags = block_flags(env);
    TranslationBlock *tb = env->jmp_cache[jmp_cache_index(pc)];
    uint8_t *host;

    if (tb && tb->pc == pc && tb->flags == flags && !tb->invalid) {
        *out = tb;
        return FIND_OK;
    }
    if (pc & 1) {
        raise_exception(env, EXCP_INST_ADDR_MIS, pc);
        return FIND_FAULT;
    }
    host = fetch_page(env, pc, &phys_pc);
    if (!host) {
        return FIND_FAULT;
    }
    tb = tb_lookup_phys(phys_pc, flags);
    /*
     * Blocks use absolute pcs (branch targets, the fall-through), so one
     * made for another virtual alias of this code (e.g. before paging was
     * enabled) cannot run here: translate a block for this pc.
     */
    if (!tb || tb->pc != pc) {
        tb = translate_block(env, pc, phys_pc, host);
        if (!tb) {
            return FIND_CROSSING;
        }
    }
    /* A block found through another virtual alias is not cached here. */
    if (tb->pc == pc) {
        env->jmp_cache[jmp_cache_index(pc)] = tb;
    }
    *out = tb;
    return FIND_OK;
}

/* Run the instruction at env->pc that straddles a page, uncached. */
static void exec_crossing(CPURISCVState *env, uint64_t *budget)
{
    RVInsn in;
    uint64_t pc = env->pc, next;

    if (fetch_crossing(env, pc, &in)) {
        next = pc + in.len;
        if (exec_insn(env, &in, pc, &next)) {
            env->pc = next;
            env->icount++;
            *budget -= 1;
            return;
        }
    }
    env->pc = pc;
    riscv_do_trap(env, env->excp, env->excp_tval);
}

RISCVExecExit riscv_cpu_exec(CPURISCVState *env, uint64_t budget)
{
    TranslationBlock *last = NULL;
    int last_slot = -1;

    register_hart(env);
    in_exec_thread = true;
    memory_trace_cpu_index = (int)env->mhartid;
    env->icount_limit = env->icount + budget;
    while (budget) {
        int irq;
        TranslationBlock *tb;

        /*
         * Cleared before mip is read, and only when set: a locked store on
         * every pass through here cost more than the block lookup.  A
         * request that races with the clear waits at most for the end of
         * this slice's budget, which chained code checks.
         */
        if (unlikely(__atomic_load_n(&env->exit_request, __ATOMIC_RELAXED))) {
            __atomic_store_n(&env->exit_request, 0, __ATOMIC_RELAXED);
        }
        irq = riscv_pending_interrupt(env);
        if (unlikely(__atomic_load_n(&env->yield_request, __ATOMIC_SEQ_CST))) {
            __atomic_store_n(&env->yield_request, 0, __ATOMIC_SEQ_CST);
            return RISCV_EXIT_YIELD;
        }
        if (tb_invalidations_pending()) {
            tb_process_pending_invalidations();
            last = NULL;
        }
        if (tb_flush_count() != env->seen_tb_flushes) {
            env->seen_tb_flushes = tb_flush_count();
            memset(env->jmp_cache, 0, sizeof(env->jmp_cache));
            last = NULL;
        }
        if (irq >= 0) {
            env->wfi = false;
            riscv_do_trap(env, (1ULL << 63) | irq, 0);
            last = NULL;
        } else if (env->wfi) {
            /* wfi ends when any enabled interrupt is pending, even one
             * masked by the global enables. */
            if (__atomic_load_n(&env->mip, __ATOMIC_SEQ_CST) & env->mie) {
                env->wfi = false;
            } else {
                return RISCV_EXIT_WFI;
            }
        }

        if (last && last_slot >= 0 && last->jmp_target[last_slot] &&
            !last->jmp_target[last_slot]->invalid &&
            last->jmp_target[last_slot]->pc == env->pc &&
            last->flags == block_flags(env)) {
            tb = last->jmp_target[last_slot];
        } else {
            uint64_t flushes = tb_flush_count();
            FindResult r = find_block(env, &tb);
            if (r != FIND_OK) {
                if (r == FIND_CROSSING) {
                    exec_crossing(env, &budget);
                } else {
                    riscv_do_trap(env, env->excp, env->excp_tval);
                }
                last = NULL;
                continue;
            }
            if (last && last_slot >= 0 && flushes == tb_flush_count() &&
                !qemu_loglevel_mask(CPU_LOG_TB_NOCHAIN)) {
                tb_chain(last, last_slot, tb);
            }
        }
        if (unlikely(qemu_loglevel_mask(CPU_LOG_EXEC | CPU_LOG_TB_CPU))) {
            riscv_log_block_exec(env, tb);
        }
        last_slot = exec_block(env, tb, &budget);
        last = last_slot >= 0 ? tb : NULL;
        if (env->wfi) {
            last = NULL;
        }
    }
    return RISCV_EXIT_BUDGET;
}
