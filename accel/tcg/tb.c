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
