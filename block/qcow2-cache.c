/*
 * qcow2 table caches (L2 tables, refcount blocks): a few cluster-sized
 * tables kept in memory in on-disk byte order, least recently used out.
 * Writers update the cached copy and write the changed bytes themselves,
 * so an entry is never dirty and eviction needs no I/O.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "qcow2.h"

void qcow2_cache_init(Qcow2Cache *c, int size, int table_size)
{
    c->size = MAX(size, 2);
    c->table_size = table_size;
    c->lru_counter = 0;
    c->entries = g_new0(Qcow2CacheEntry, c->size);
}

void qcow2_cache_destroy(Qcow2Cache *c)
{
    for (int i = 0; i < c->size; i++) {
        g_free(c->entries[i].table);
    }
    g_free(c->entries);
    c->entries = NULL;
}

void qcow2_cache_clear(Qcow2Cache *c)
{
    for (int i = 0; i < c->size; i++) {
        c->entries[i].offset = 0;
    }
}

void qcow2_cache_discard(Qcow2Cache *c, uint64_t offset)
{
    for (int i = 0; i < c->size; i++) {
        if (c->entries[i].offset == offset) {
            c->entries[i].offset = 0;
        }
    }
}

/* With !@read the table is new: zero it instead of reading the disk. */
int qcow2_cache_get(BlockDriverState *bs, Qcow2Cache *c, uint64_t offset,
                    void **table, bool read)
{
    Qcow2CacheEntry *victim = NULL;
    int ret;

    for (int i = 0; i < c->size; i++) {
        Qcow2CacheEntry *e = &c->entries[i];

        if (e->offset == offset) {
            e->lru = ++c->lru_counter;
            *table = e->table;
            return 0;
        }
        if (!victim || e->lru < victim->lru || !e->offset) {
            if (!victim || victim->offset) {
                victim = e;
            }
        }
    }
    if (!victim->table) {
        victim->table = g_malloc(c->table_size);
    }
    victim->offset = 0;
    if (read) {
        if (c == &((BDRVQcow2State *)bs->opaque)->l2_cache) {
            BLKDBG_EVENT(bs->file, BLKDBG_L2_LOAD);
        }
        ret = bdrv_pread(bs->file->bs, offset, c->table_size, victim->table);
        if (ret < 0) {
            return ret;
        }
    } else {
        memset(victim->table, 0, c->table_size);
    }
    victim->offset = offset;
    victim->lru = ++c->lru_counter;
    *table = victim->table;
    return 0;
}
