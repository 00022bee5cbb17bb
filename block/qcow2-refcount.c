/*
 * qcow2 refcounts: reading and changing entries of every width (1 to 64
 * bits), cluster allocation (refcount blocks and a growing refcount table
 * included), freeing, the consistency check with its repairs, and the
 * overlap guard that keeps data writes off metadata.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "qcow2.h"

static uint64_t rc_get(BDRVQcow2State *s, const void *blk, uint64_t idx)
{
    const uint8_t *p = blk;

    switch (s->refcount_order) {
    case 0: case 1: case 2: {
        int bits = s->refcount_bits;
        uint64_t bit = idx * bits;

        return (p[bit / 8] >> (bit % 8)) & ((1u << bits) - 1);
    }
    case 3:
        return p[idx];
    case 4:
        return ((uint16_t)p[idx * 2] << 8) | p[idx * 2 + 1];
    case 5: {
        uint32_t v;

        memcpy(&v, p + idx * 4, 4);
        return GUINT32_FROM_BE(v);
    }
    default: {
        uint64_t v;

        memcpy(&v, p + idx * 8, 8);
        return GUINT64_FROM_BE(v);
    }
    }
}

static void rc_set(BDRVQcow2State *s, void *blk, uint64_t idx, uint64_t val)
{
    uint8_t *p = blk;

    switch (s->refcount_order) {
    case 0: case 1: case 2: {
        int bits = s->refcount_bits;
        uint64_t bit = idx * bits;
        uint8_t mask = ((1u << bits) - 1) << (bit % 8);

        p[bit / 8] = (p[bit / 8] & ~mask) | ((val << (bit % 8)) & mask);
        break;
    }
    case 3:
        p[idx] = val;
        break;
    case 4:
        p[idx * 2] = val >> 8;
        p[idx * 2 + 1] = val;
        break;
    case 5: {
        uint32_t v = GUINT32_TO_BE(val);

        memcpy(p + idx * 4, &v, 4);
        break;
    }
    default: {
        uint64_t v = GUINT64_TO_BE(val);

        memcpy(p + idx * 8, &v, 8);
        break;
    }
    }
}

/* Byte range of entries [first, last] inside a refcount block. */
static void rc_byte_range(BDRVQcow2State *s, uint64_t first, uint64_t last,
                          uint64_t *start, uint64_t *end)
{
    *start = first * s->refcount_bits / 8;
    *end = DIV_ROUND_UP((last + 1) * s->refcount_bits, 8);
}

int qcow2_refcount_init(BlockDriverState *bs)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t bytes = (uint64_t)s->refcount_table_size * 8;
    int ret;

    s->refcount_table = g_try_malloc0(MAX(bytes, 8));
    if (!s->refcount_table) {
        return -ENOMEM;
    }
    if (bytes) {
        BLKDBG_EVENT(bs->file, BLKDBG_REFTABLE_LOAD);
        ret = bdrv_pread(bs->file->bs, s->refcount_table_offset, bytes,
                         s->refcount_table);
        if (ret < 0) {
            return ret;
        }
        for (uint32_t i = 0; i < s->refcount_table_size; i++) {
            s->refcount_table[i] = GUINT64_FROM_BE(s->refcount_table[i]);
        }
    }
    return 0;
}

/* The refcount block holding cluster @ci, or NULL (*ret 0) if none. */
static void *get_refblock(BlockDriverState *bs, uint64_t ci, int *ret,
                          uint64_t *block_off)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t rt_index = ci >> s->refblock_bits;
    uint64_t off;
    void *blk;

    *ret = 0;
    if (rt_index >= s->refcount_table_size) {
        return NULL;
    }
    off = s->refcount_table[rt_index] & REFT_OFFSET_MASK;
    if (!off) {
        return NULL;
    }
    if (!qcow2_aligned(s, off) || !qcow2_in_file(bs, off, s->cluster_size)) {
        *ret = qcow2_signal_corruption(bs, "Refblock offset %#" PRIx64
                                       " unaligned or beyond the end of the "
                                       "image file (reftable index %#" PRIx64
                                       ")", off, rt_index);
        return NULL;
    }
    BLKDBG_EVENT(bs->file, BLKDBG_REFBLOCK_LOAD);
    *ret = qcow2_cache_get(bs, &s->refblock_cache, off, &blk, true);
    if (*ret < 0) {
        return NULL;
    }
    *block_off = off;
    return blk;
}

int qcow2_get_refcount(BlockDriverState *bs, uint64_t ci, uint64_t *refcount)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t off;
    int ret;
    void *blk = get_refblock(bs, ci, &ret, &off);

    *refcount = 0;
    if (!blk) {
        return ret;
    }
    *refcount = rc_get(s, blk, ci & ((1ull << s->refblock_bits) - 1));
    return 0;
}

/* First run of @n clusters with refcount 0 from the allocation hint. */
static int64_t find_free_clusters(BlockDriverState *bs, uint64_t n)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t i = s->free_cluster_index, run = 0;

    while (run < n) {
        uint64_t rc;
        int ret;

        ret = qcow2_get_refcount(bs, i, &rc);
        if (ret < 0) {
            return ret;
        }
        if (rc) {
            run = 0;
        } else {
            run++;
        }
        i++;
        if ((i << s->cluster_bits) > (1ull << 56)) {
            return -EFBIG;
        }
    }
    return i - n;
}

static int grow_refcount_table(BlockDriverState *bs, uint64_t min_entries);

/* Create the refcount block for table index @rt_index. */
static int alloc_refblock(BlockDriverState *bs, uint64_t rt_index)
{
    BDRVQcow2State *s = bs->opaque;
    g_autofree void *blk = NULL;
    int64_t idx;
    uint64_t off, be;
    int ret;

    BLKDBG_EVENT(bs->file, BLKDBG_REFBLOCK_ALLOC);
    if (rt_index >= s->refcount_table_size) {
        ret = grow_refcount_table(bs, rt_index + 1);
        if (ret < 0) {
            return ret;
        }
        if (s->refcount_table[rt_index]) {
            return 0;   /* growing the table created it */
        }
    }
    idx = find_free_clusters(bs, 1);
    if (idx < 0) {
        return idx;
    }
    s->free_cluster_index = idx + 1;
    off = (uint64_t)idx << s->cluster_bits;
    blk = g_malloc0(s->cluster_size);
    /* A block usually lands in the range it describes: count itself. */
    if (((uint64_t)idx >> s->refblock_bits) == rt_index) {
        rc_set(s, blk, idx & ((1ull << s->refblock_bits) - 1), 1);
    }
    ret = qcow2_check_metadata_overlap(bs, off, s->cluster_size);
    if (ret < 0) {
        return ret;
    }
    BLKDBG_EVENT(bs->file, BLKDBG_REFBLOCK_ALLOC_WRITE);
    ret = bdrv_pwrite(bs->file->bs, off, s->cluster_size, blk);
    if (ret < 0) {
        return ret;
    }
    s->file_length = MAX(s->file_length, off + s->cluster_size);
    be = GUINT64_TO_BE(off);
    BLKDBG_EVENT(bs->file, BLKDBG_REFBLOCK_ALLOC_HOOKUP);
    ret = bdrv_pwrite(bs->file->bs, s->refcount_table_offset + rt_index * 8,
                      8, &be);
    if (ret < 0) {
        return ret;
    }
    s->refcount_table[rt_index] = off;
    if (((uint64_t)idx >> s->refblock_bits) != rt_index) {
        return qcow2_update_refcount(bs, off, s->cluster_size, 1);
    }
    return 0;
}

/*
 * A bigger refcount table, placed after everything in use together with
 * the new refcount blocks that describe it, so the image is consistent
 * before and after the header switches to it.
 */
static int grow_refcount_table(BlockDriverState *bs, uint64_t min_entries)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t per_cluster = s->cluster_size / 8;
    uint64_t per_block = 1ull << s->refblock_bits;
    uint64_t old_size = s->refcount_table_size;
    uint64_t old_off = s->refcount_table_offset;
    uint64_t old_bytes = ROUND_UP(old_size * 8, s->cluster_size);
    uint64_t new_size, tclusters, max_k, k, start, end, first_new;
    g_autofree uint64_t *table = NULL;
    g_autofree uint8_t *blocks = NULL;
    int64_t idx;
    uint8_t hdr[12];
    int ret;

    new_size = MAX(min_entries, old_size + old_size / 2 + 1);
    new_size = ROUND_UP(new_size, per_cluster);
    for (;;) {
        tclusters = new_size / per_cluster;
        max_k = tclusters / per_block + 2;
        if (new_size * 8 > QCOW_MAX_REFTABLE_SIZE) {
            return -EFBIG;
        }
        idx = find_free_clusters(bs, tclusters + max_k);
        if (idx < 0) {
            return idx;
        }
        start = idx;
        /* Blocks beyond the old table that must describe our range. */
        k = 0;
        for (;;) {
            uint64_t k2 = 0;

            end = start + tclusters + k;
            for (uint64_t b = MAX(start / per_block, old_size);
                 b * per_block < end; b++) {
                k2++;
            }
            if (k2 == k) {
                break;
            }
            k = k2;
        }
        if (end / per_block < new_size) {
            break;
        }
        new_size = ROUND_UP(end / per_block + 1, per_cluster);
    }
    /* Clusters described by existing blocks get their counts first. */
    s->free_cluster_index = end;
    first_new = MAX(start / per_block, old_size);
    for (uint64_t c = start; c < end; c++) {
        if (c / per_block < old_size) {
            ret = qcow2_update_refcount(bs, c << s->cluster_bits,
                                        s->cluster_size, 1);
            if (ret < 0) {
                return ret;
            }
        }
    }
    table = g_malloc0(new_size * 8);
    for (uint64_t i = 0; i < s->refcount_table_size; i++) {
        table[i] = GUINT64_TO_BE(s->refcount_table[i]);
    }
    blocks = g_malloc0(MAX(k, 1) * s->cluster_size);
    for (uint64_t j = 0; j < k; j++) {
        uint64_t b = first_new + j;
        uint64_t boff = (start + tclusters + j) << s->cluster_bits;

        table[b] = GUINT64_TO_BE(boff);
        for (uint64_t c = MAX(start, b * per_block);
             c < MIN(end, (b + 1) * per_block); c++) {
            rc_set(s, blocks + j * s->cluster_size, c % per_block, 1);
        }
    }
    BLKDBG_EVENT(bs->file, BLKDBG_REFTABLE_GROW);
    if (k) {
        BLKDBG_EVENT(bs->file, BLKDBG_REFBLOCK_ALLOC_WRITE_BLOCKS);
        ret = bdrv_pwrite(bs->file->bs,
                          (start + tclusters) << s->cluster_bits,
                          k * s->cluster_size, blocks);
        if (ret < 0) {
            return ret;
        }
    }
    BLKDBG_EVENT(bs->file, BLKDBG_REFBLOCK_ALLOC_WRITE_TABLE);
    ret = bdrv_pwrite(bs->file->bs, start << s->cluster_bits, new_size * 8,
                      table);
    if (ret < 0) {
        return ret;
    }
    s->file_length = MAX(s->file_length, end << s->cluster_bits);
    /* Switch the header to the new table in one write. */
    stq_be_p(hdr, start << s->cluster_bits);
    stl_be_p(hdr + 8, tclusters);
    BLKDBG_EVENT(bs->file, BLKDBG_REFBLOCK_ALLOC_SWITCH_TABLE);
    ret = bdrv_pwrite(bs->file->bs, 48, 12, hdr);
    if (ret < 0) {
        return ret;
    }
    g_free(s->refcount_table);
    s->refcount_table = g_new0(uint64_t, new_size);
    for (uint64_t i = 0; i < new_size; i++) {
        s->refcount_table[i] = GUINT64_FROM_BE(table[i]);
    }
    s->refcount_table_size = new_size;
    s->refcount_table_offset = start << s->cluster_bits;
    if (old_bytes) {
        qcow2_free_clusters(bs, old_off, old_bytes);
    }
    return 0;
}

int qcow2_update_refcount(BlockDriverState *bs, uint64_t offset,
                          uint64_t length, int64_t addend)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t first = offset >> s->cluster_bits;
    uint64_t last = (offset + length - 1) >> s->cluster_bits;
    uint64_t mask = (1ull << s->refblock_bits) - 1;

    if (length == 0) {
        return 0;
    }
    for (uint64_t ci = first; ci <= last;) {
        uint64_t boff = 0, bstart, bend, upto;
        void *blk;
        int ret;

        blk = get_refblock(bs, ci, &ret, &boff);
        if (!blk) {
            if (ret < 0) {
                return ret;
            }
            if (addend < 0) {
                return qcow2_signal_corruption(bs, "Freeing cluster %#" PRIx64
                                               " without a refcount block",
                                               ci);
            }
            ret = alloc_refblock(bs, ci >> s->refblock_bits);
            if (ret < 0) {
                return ret;
            }
            continue;
        }
        upto = MIN(last, ci | mask);
        for (uint64_t c = ci; c <= upto; c++) {
            uint64_t old = rc_get(s, blk, c & mask);
            uint64_t new = old + addend;

            if ((addend < 0 && (uint64_t)-addend > old) ||
                (addend > 0 && (new > s->refcount_max || new < old))) {
                /* Undo what this block got so far, then give up. */
                for (uint64_t u = ci; u < c; u++) {
                    rc_set(s, blk, u & mask, rc_get(s, blk, u & mask) -
                           addend);
                }
                if (addend > 0) {
                    return -ERANGE;
                }
                return qcow2_signal_corruption(bs, "Refcount of cluster %#"
                                               PRIx64 " would drop below 0",
                                               c);
            }
            rc_set(s, blk, c & mask, new);
            if (new == 0 && c < s->free_cluster_index) {
                s->free_cluster_index = c;
            }
        }
        rc_byte_range(s, ci & mask, upto & mask, &bstart, &bend);
        /* Written through at once: QEMU's partial refblock writeback. */
        BLKDBG_EVENT(bs->file, bend - bstart == s->cluster_size ?
                     BLKDBG_REFBLOCK_UPDATE : BLKDBG_REFBLOCK_UPDATE_PART);
        ret = bdrv_pwrite(bs->file->bs, boff + bstart, bend - bstart,
                          (uint8_t *)blk + bstart);
        if (ret < 0) {
            qcow2_cache_discard(&s->refblock_cache, boff);
            return ret;
        }
        ci = upto + 1;
    }
    return 0;
}

static int64_t alloc_clusters(BlockDriverState *bs, uint64_t size)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t n = DIV_ROUND_UP(size, s->cluster_size);
    int64_t idx = find_free_clusters(bs, n);
    int ret;

    if (idx < 0) {
        return idx;
    }
    s->free_cluster_index = idx + n;
    ret = qcow2_update_refcount(bs, (uint64_t)idx << s->cluster_bits,
                                n << s->cluster_bits, 1);
    if (ret < 0) {
        return ret;
    }
    return (uint64_t)idx << s->cluster_bits;
}

int64_t qcow2_alloc_clusters(BlockDriverState *bs, uint64_t size)
{
    BLKDBG_EVENT(bs->file, BLKDBG_CLUSTER_ALLOC);
    return alloc_clusters(bs, size);
}

int64_t qcow2_alloc_bytes(BlockDriverState *bs, int size)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t off = s->free_byte_offset;
    int64_t cl;
    int ret;

    BLKDBG_EVENT(bs->file, BLKDBG_CLUSTER_ALLOC_BYTES);

    g_assert(size > 0 && size <= s->cluster_size);
    if (off && (off & (s->cluster_size - 1)) &&
        (off & (s->cluster_size - 1)) + size <= s->cluster_size) {
        /* Share the cluster we are filling: one more reference. */
        ret = qcow2_update_refcount(bs, off & ~(s->cluster_size - 1), 1, 1);
        if (ret == 0) {
            s->free_byte_offset = off + size;
            return off;
        }
        if (ret != -ERANGE) {
            return ret;
        }
    }
    cl = alloc_clusters(bs, s->cluster_size);
    if (cl < 0) {
        return cl;
    }
    s->free_byte_offset = cl + size;
    return cl;
}

void qcow2_free_clusters(BlockDriverState *bs, uint64_t offset,
                         uint64_t size)
{
    int ret;

    BLKDBG_EVENT(bs->file, BLKDBG_CLUSTER_FREE);
    ret = qcow2_update_refcount(bs, offset, size, -1);

    if (ret < 0) {
        /* A leak at worst: the check can reclaim it. */
        warn_report("qcow2: failed to free clusters at %#" PRIx64 ": %s",
                    offset, strerror(-ret));
    }
}

void qcow2_free_any_cluster(BlockDriverState *bs, uint64_t l2e)
{
    BDRVQcow2State *s = bs->opaque;

    switch (qcow2_get_cluster_type(s, l2e)) {
    case QCOW2_CLUSTER_COMPRESSED: {
        uint64_t start, len;

        qcow2_compressed_range(s, l2e, &start, &len);
        qcow2_free_clusters(bs, start & ~(s->cluster_size - 1),
                            (start & (s->cluster_size - 1)) + len);
        break;
    }
    case QCOW2_CLUSTER_NORMAL:
    case QCOW2_CLUSTER_ZERO_ALLOC:
        qcow2_free_clusters(bs, l2e & L2E_OFFSET_MASK, s->cluster_size);
        break;
    default:
        break;
    }
}

/* ---- Overlap guard ---- */

static bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b,
                           uint64_t blen)
{
    return a < b + blen && b < a + alen;
}

int qcow2_check_metadata_overlap(BlockDriverState *bs, uint64_t offset,
                                 uint64_t size)
{
    BDRVQcow2State *s = bs->opaque;
    const char *what = NULL;

    if (offset < (uint64_t)s->cluster_size) {
        what = "qcow2_header";
    } else if (s->l1_size &&
               ranges_overlap(offset, size, s->l1_table_offset,
                              (uint64_t)s->l1_size * 8)) {
        what = "active L1 table";
    } else if (ranges_overlap(offset, size, s->refcount_table_offset,
                              (uint64_t)s->refcount_table_size * 8)) {
        what = "refcount table";
    } else if (s->nb_snapshots &&
               ranges_overlap(offset, size, s->snapshots_offset,
                              s->snapshots_size)) {
        what = "snapshot table";
    }
    for (uint32_t i = 0; !what && i < s->l1_size; i++) {
        uint64_t l2 = s->l1_table[i] & L1E_OFFSET_MASK;

        if (l2 && ranges_overlap(offset, size, l2, s->cluster_size)) {
            what = "active L2 table";
        }
    }
    for (uint32_t i = 0; !what && i < s->refcount_table_size; i++) {
        uint64_t rb = s->refcount_table[i] & REFT_OFFSET_MASK;

        if (rb && ranges_overlap(offset, size, rb, s->cluster_size)) {
            what = "refcount block";
        }
    }
    for (uint32_t i = 0; !what && i < s->nb_snapshots; i++) {
        if (ranges_overlap(offset, size, s->snapshots[i].l1_table_offset,
                           (uint64_t)s->snapshots[i].l1_size * 8)) {
            what = "snapshot L1 table";
        }
    }
    if (what) {
        return qcow2_signal_corruption(bs, "Preventing invalid write on "
                                       "metadata (overlaps with %s)", what);
    }
    return 0;
}

/* ---- Snapshot trees ---- */

int qcow2_update_tree_refcount(BlockDriverState *bs, uint64_t l1_offset,
                               uint32_t l1_size, int addend)
{
    BDRVQcow2State *s = bs->opaque;
    g_autofree uint64_t *l1 = g_new(uint64_t, MAX(l1_size, 1));
    int ret;

    if (addend == 0) {
        memcpy(l1, s->l1_table, l1_size * 8);
    } else {
        ret = bdrv_pread(bs->file->bs, l1_offset, l1_size * 8, l1);
        if (ret < 0) {
            return ret;
        }
        for (uint32_t i = 0; i < l1_size; i++) {
            l1[i] = GUINT64_FROM_BE(l1[i]);
        }
    }
    return qcow2_update_tree_refcount_l1(bs, l1, l1_size, addend);
}

int qcow2_update_tree_refcount_l1(BlockDriverState *bs, uint64_t *l1,
                                  uint32_t l1_size, int addend)
{
    BDRVQcow2State *s = bs->opaque;
    bool fix_flags = addend == 0;   /* only ever on the active tree */
    uint64_t l1_offset = s->l1_table_offset;
    g_autofree uint64_t *l2 = g_malloc(s->cluster_size);
    bool l1_changed = false;
    int ret;
    for (uint32_t i = 0; i < l1_size; i++) {
        uint64_t l2_off = l1[i] & L1E_OFFSET_MASK, rc, nl1;
        bool l2_changed = false;

        if (!l2_off) {
            continue;
        }
        if (!qcow2_aligned(s, l2_off) ||
            !qcow2_in_file(bs, l2_off, s->cluster_size)) {
            return qcow2_signal_corruption(bs, "L2 table offset %#" PRIx64
                                           " invalid", l2_off);
        }
        ret = bdrv_pread(bs->file->bs, l2_off, s->cluster_size, l2);
        if (ret < 0) {
            return ret;
        }
        for (int64_t j = 0; j < s->l2_size; j++) {
            uint64_t e = GUINT64_FROM_BE(l2[j]), ne;
            Qcow2ClusterType t = qcow2_get_cluster_type(s, e);
            uint64_t start, len;

            if (t == QCOW2_CLUSTER_COMPRESSED) {
                if (!fix_flags) {
                    qcow2_compressed_range(s, e, &start, &len);
                    ret = qcow2_update_refcount(bs, start & ~(s->cluster_size
                                                              - 1),
                                                (start & (s->cluster_size -
                                                          1)) + len, addend);
                    if (ret < 0) {
                        return ret;
                    }
                }
                continue;
            }
            if (t != QCOW2_CLUSTER_NORMAL && t != QCOW2_CLUSTER_ZERO_ALLOC) {
                continue;
            }
            if (!fix_flags) {
                ret = qcow2_update_refcount(bs, e & L2E_OFFSET_MASK,
                                            s->cluster_size, addend);
                if (ret < 0) {
                    return ret;
                }
                continue;
            }
            ret = qcow2_get_refcount(bs, qcow2_cluster_index(s, e &
                                     L2E_OFFSET_MASK), &rc);
            if (ret < 0) {
                return ret;
            }
            ne = rc == 1 ? (e | QCOW_OFLAG_COPIED) : (e & ~QCOW_OFLAG_COPIED);
            if (ne != e) {
                l2[j] = GUINT64_TO_BE(ne);
                l2_changed = true;
            }
        }
        if (!fix_flags) {
            ret = qcow2_update_refcount(bs, l2_off, s->cluster_size, addend);
            if (ret < 0) {
                return ret;
            }
            continue;
        }
        if (l2_changed) {
            ret = bdrv_pwrite(bs->file->bs, l2_off, s->cluster_size, l2);
            if (ret < 0) {
                return ret;
            }
            qcow2_cache_discard(&s->l2_cache, l2_off);
        }
        ret = qcow2_get_refcount(bs, qcow2_cluster_index(s, l2_off), &rc);
        if (ret < 0) {
            return ret;
        }
        nl1 = rc == 1 ? (l1[i] | QCOW_OFLAG_COPIED)
                      : (l1[i] & ~QCOW_OFLAG_COPIED);
        if (nl1 != l1[i]) {
            l1[i] = nl1;
            l1_changed = true;
        }
    }
    if (l1_changed) {
        memcpy(s->l1_table, l1, l1_size * 8);
        for (uint32_t i = 0; i < l1_size; i++) {
            l1[i] = GUINT64_TO_BE(l1[i]);
        }
        ret = bdrv_pwrite(bs->file->bs, l1_offset, l1_size * 8, l1);
        if (ret < 0) {
            return ret;
        }
    }
    return 0;
}
