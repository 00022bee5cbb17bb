/*
 * Translation block cache: a hash table keyed by (physical pc, flags), a
 * per-page index for invalidation on writes to code, and whole-cache flush.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "exec/tb.h"

#define TB_HASH_BITS 16
#define TB_HASH_SIZE (1u << TB_HASH_BITS)
/* Flush everything once this many bytes of blocks exist. */
#define TB_CACHE_LIMIT (256u << 20)

static TranslationBlock *tb_hash[TB_HASH_SIZE];
static GHashTable *tb_pages;        /* phys page -> GPtrArray of blocks */
static GPtrArray *tb_all;           /* every block, for flush */
static size_t tb_bytes;
static uint64_t tb_flushes;
static void (*code_page_hook)(uint64_t phys_page);

/*
 * One bit per guest-physical page below 64 GiB, set while the page holds
 * blocks; pages above are always "maybe".  Read by any thread.
 */
#define CODE_BITMAP_PAGES (1ULL << 24)
#define BITS_PER_WORD 64
static uint64_t code_bitmap[CODE_BITMAP_PAGES / BITS_PER_WORD];

int tb_pending_flag;
static GMutex pending_lock;
static GArray *pending_ranges;      /* pairs of uint64_t: start, end */

static void code_bitmap_set(uint64_t page, bool on)
{
    uint64_t idx = page >> TARGET_PAGE_BITS;
    uint64_t bit = 1ULL << (idx % BITS_PER_WORD);

    if (idx >= CODE_BITMAP_PAGES) {
        return;
    }
    if (on) {
        __atomic_fetch_or(&code_bitmap[idx / BITS_PER_WORD], bit,
                          __ATOMIC_RELEASE);
    } else {
        __atomic_fetch_and(&code_bitmap[idx / BITS_PER_WORD], ~bit,
                           __ATOMIC_RELEASE);
    }
}

bool tb_page_may_have_code(uint64_t phys_page)
{
    uint64_t idx = phys_page >> TARGET_PAGE_BITS;

    if (idx >= CODE_BITMAP_PAGES) {
        return true;
    }
    return (__atomic_load_n(&code_bitmap[idx / BITS_PER_WORD],
                            __ATOMIC_ACQUIRE) >> (idx % BITS_PER_WORD)) & 1;
}

bool tb_range_may_have_code(uint64_t start, uint64_t end)
{
    for (uint64_t page = start & TARGET_PAGE_MASK; page < end;
         page += TARGET_PAGE_SIZE) {
        if (tb_page_may_have_code(page)) {
            return true;
        }
    }
    return false;
}

void tb_queue_invalidation(uint64_t start, uint64_t end)
{
    uint64_t range[2] = { start, end };

    g_mutex_lock(&pending_lock);
    if (!pending_ranges) {
        pending_ranges = g_array_new(FALSE, FALSE, sizeof(uint64_t));
    }
    g_array_append_vals(pending_ranges, range, 2);
    __atomic_store_n(&tb_pending_flag, 1, __ATOMIC_RELEASE);
    g_mutex_unlock(&pending_lock);
}

bool tb_process_pending_invalidations(void)
{
    GArray *ranges;
    bool any = false;

    g_mutex_lock(&pending_lock);
    ranges = pending_ranges;
    pending_ranges = NULL;
    __atomic_store_n(&tb_pending_flag, 0, __ATOMIC_RELEASE);
    g_mutex_unlock(&pending_lock);
    if (!ranges) {
        return false;
    }
    for (guint i = 0; i + 1 < ranges->len; i += 2) {
        any |= tb_invalidate_phys_range(g_array_index(ranges, uint64_t, i),
                                        g_array_index(ranges, uint64_t, i + 1));
    }
    g_array_free(ranges, TRUE);
    return any;
}

static inline unsigned tb_hash_index(uint64_t phys_pc, uint32_t flags)
{
    uint64_t h = (phys_pc >> 1) ^ ((uint64_t)flags << 17);
    h ^= h >> 29;
    h *= 0x9e3779b97f4a7c15ULL;
    return h >> (64 - TB_HASH_BITS);
}

static void tb_init_tables(void)
{
    if (!tb_pages) {
        tb_pages = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
                                         (GDestroyNotify)g_ptr_array_unref);
        tb_all = g_ptr_array_new();
    }
}

void tb_set_code_page_hook(void (*fn)(uint64_t phys_page))
{
    code_page_hook = fn;
}

TranslationBlock *tb_alloc(size_t ops_size)
{
    TranslationBlock *tb;

    tb_init_tables();
    if (tb_bytes + ops_size > TB_CACHE_LIMIT) {
        tb_flush();
    }
    tb = g_malloc0(sizeof(*tb) + ops_size);
    tb->phys_page[1] = UINT64_MAX;
    tb->jmp_pc[0] = tb->jmp_pc[1] = UINT64_MAX;
    tb_bytes += sizeof(*tb) + ops_size;
    return tb;
}

static void tb_page_add(uint64_t page, TranslationBlock *tb)
{
    GPtrArray *list = g_hash_table_lookup(tb_pages, &page);

    if (!list) {
        uint64_t *key = g_new(uint64_t, 1);
        *key = page;
        list = g_ptr_array_new();
        g_hash_table_insert(tb_pages, key, list);
        code_bitmap_set(page, true);
        if (code_page_hook) {
            code_page_hook(page);
        }
    }
    g_ptr_array_add(list, tb);
}

void tb_insert(TranslationBlock *tb)
{
    unsigned h = tb_hash_index(tb->phys_pc, tb->flags);

    tb->phys_page[0] = tb->phys_pc & TARGET_PAGE_MASK;
    if (((tb->phys_pc + tb->size - 1) & TARGET_PAGE_MASK) != tb->phys_page[0]) {
        tb->phys_page[1] = (tb->phys_pc + tb->size - 1) & TARGET_PAGE_MASK;
    }
    tb->hash_next = tb_hash[h];
    tb_hash[h] = tb;
    g_ptr_array_add(tb_all, tb);
    tb_page_add(tb->phys_page[0], tb);
    if (tb->phys_page[1] != UINT64_MAX) {
        tb_page_add(tb->phys_page[1], tb);
    }
}

TranslationBlock *tb_lookup_phys(uint64_t phys_pc, uint32_t flags)
{
    for (TranslationBlock *tb = tb_hash[tb_hash_index(phys_pc, flags)]; tb;
         tb = tb->hash_next) {
        if (tb->phys_pc == phys_pc && tb->flags == flags && !tb->invalid) {
            return tb;
        }
    }
    return NULL;
}

static void tb_hash_remove(TranslationBlock *tb)
{
    TranslationBlock **p = &tb_hash[tb_hash_index(tb->phys_pc, tb->flags)];

    while (*p) {
        if (*p == tb) {
            *p = tb->hash_next;
            return;
        }
        p = &(*p)->hash_next;
    }
}

bool tb_invalidate_phys_range(uint64_t start, uint64_t end)
{
    bool any = false;

    if (!tb_pages) {
        return false;
    }
    for (uint64_t page = start & TARGET_PAGE_MASK; page < end;
         page += TARGET_PAGE_SIZE) {
        GPtrArray *list = g_hash_table_lookup(tb_pages, &page);
        if (!list) {
            continue;
        }
        for (guint i = 0; i < list->len;) {
            TranslationBlock *tb = g_ptr_array_index(list, i);
            if (!tb->invalid && tb->phys_pc < end &&
                tb->phys_pc + tb->size > start) {
                tb->invalid = true;     /* chains see it and stop following */
                tb_hash_remove(tb);
                any = true;
            }
            if (tb->invalid) {
                g_ptr_array_remove_index_fast(list, i);
            } else {
                i++;
            }
        }
        if (list->len == 0) {
            g_hash_table_remove(tb_pages, &page);
            code_bitmap_set(page, false);
        }
    }
    return any;
}

bool tb_page_has_code(uint64_t phys_page)
{
    return tb_pages && g_hash_table_contains(tb_pages, &phys_page);
}

void tb_flush(void)
{
    if (!tb_all) {
        return;
    }
    memset(tb_hash, 0, sizeof(tb_hash));
    g_hash_table_remove_all(tb_pages);
    for (size_t i = 0; i < G_N_ELEMENTS(code_bitmap); i++) {
        if (code_bitmap[i]) {
            __atomic_store_n(&code_bitmap[i], 0, __ATOMIC_RELEASE);
        }
    }
    for (guint i = 0; i < tb_all->len; i++) {
        g_free(g_ptr_array_index(tb_all, i));
    }
    g_ptr_array_set_size(tb_all, 0);
    tb_bytes = 0;
    tb_flushes++;
}

uint64_t tb_flush_count(void)
{
    return tb_flushes;
}
