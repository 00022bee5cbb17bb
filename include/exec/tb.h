/*
 * Translation blocks: straight-line runs of guest code translated once and
 * cached, keyed by the physical address of their first byte and the
 * target's mode flags (so two virtual mappings of one page share blocks).
 *
 * Blocks are chained: an exit whose destination lies in the block's own
 * guest page remembers the block it led to, skipping the lookup next time.
 * Chaining never crosses a page, so a changed mapping of another page
 * cannot make a chain stale.  Writes to a page that holds code invalidate
 * the page's blocks; invalid blocks are freed only when the whole cache is
 * flushed, so a stale chain pointer always points at valid memory and is
 * recognised by its `invalid` flag.
 *
 * The cache is used by one execution thread at a time (round-robin vCPUs).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef EXEC_TB_H
#define EXEC_TB_H

#include "vireo/osdep.h"

#define TARGET_PAGE_BITS 12
#define TARGET_PAGE_SIZE (1ULL << TARGET_PAGE_BITS)
#define TARGET_PAGE_MASK (~(TARGET_PAGE_SIZE - 1))

typedef struct TranslationBlock TranslationBlock;

struct TranslationBlock {
    uint64_t pc;                 /* virtual address of the first insn */
    uint64_t phys_pc;            /* physical address of the first insn */
    uint32_t flags;              /* target mode bits the code depends on */
    uint32_t size;               /* bytes of guest code covered */
    uint64_t phys_page[2];       /* pages covered; [1] is UINT64_MAX if one */
    bool invalid;
    /* Exit slots: destination pc (UINT64_MAX = computed) and chained block. */
    uint64_t jmp_pc[2];
    TranslationBlock *jmp_target[2];
    TranslationBlock *hash_next;
    uint32_t n_ops;
    void *host_code;             /* generated code, or NULL: interpreted */
    /* Target payload (decoded instructions), allocated with the block. */
    uint8_t ops[] __attribute__((aligned(8)));
};

/* Allocate a block with @ops_size bytes of payload. */
TranslationBlock *tb_alloc(size_t ops_size);
/* Enter a translated block into the cache and the page index. */
void tb_insert(TranslationBlock *tb);
TranslationBlock *tb_lookup_phys(uint64_t phys_pc, uint32_t flags);
/* Invalidate every block overlapping [start, end); true if any was. */
bool tb_invalidate_phys_range(uint64_t start, uint64_t end);
/* Whether a physical page holds translated code (write slow path needed). */
bool tb_page_has_code(uint64_t phys_page);
/* Drop every block (cache full, or fence.i of all code). */
void tb_flush(void);
/* Blocks dropped so far, for tests and statistics. */
uint64_t tb_flush_count(void);

/*
 * Writes by other threads (device DMA, loaders at reset) cannot touch the
 * cache, which belongs to the execution thread.  They check a lock-free
 * bitmap of pages that may hold code and queue the range; the execution
 * thread drops the stale blocks before it runs another block
 * (tb_process_pending_invalidations).  The writer must also make the
 * running vCPU leave its current chain of blocks (exit_request).
 */
bool tb_page_may_have_code(uint64_t phys_page);
bool tb_range_may_have_code(uint64_t start, uint64_t end);
void tb_queue_invalidation(uint64_t start, uint64_t end);
static inline bool tb_invalidations_pending(void)
{
    extern int tb_pending_flag;
    return __atomic_load_n(&tb_pending_flag, __ATOMIC_ACQUIRE) != 0;
}
/* Execution thread only; true if a block was dropped. */
bool tb_process_pending_invalidations(void);

/* Called when a page first gets code: TLBs must stop fast writes to it. */
void tb_set_code_page_hook(void (*fn)(uint64_t phys_page));

/* Chain exit @slot of @from to @to when allowed. */
static inline void tb_chain(TranslationBlock *from, int slot,
                            TranslationBlock *to)
{
    if (from->jmp_pc[slot] == to->pc && from->flags == to->flags &&
        (to->pc & TARGET_PAGE_MASK) == (from->pc & TARGET_PAGE_MASK)) {
        from->jmp_target[slot] = to;
    }
}

#endif
