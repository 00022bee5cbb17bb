/*
 * qcow2 consistency check: count every reference the metadata makes
 * (header, L1/L2 tables of the image and its snapshots, data clusters,
 * refcount structures, snapshot table), compare with the stored refcounts
 * and the COPIED flags, and repair leaks and errors when asked.  Messages
 * are worded as qemu-img's so scripts read both alike.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "qcow2.h"

typedef struct CheckState {
    uint32_t *refs;             /* computed references per host cluster */
    uint64_t nb_clusters;
    uint64_t highest;           /* last referenced cluster + 1 */
    BdrvCheckResult *res;
} CheckState;

static void inc_refs(BlockDriverState *bs, CheckState *cs, uint64_t offset,
                     uint64_t size)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t first, last;

    if (size == 0) {
        return;
    }
    first = offset >> s->cluster_bits;
    last = (offset + size - 1) >> s->cluster_bits;
    for (uint64_t c = first; c <= last; c++) {
        if (c >= cs->nb_clusters) {
            fprintf(stderr, "ERROR: counting reference for region exceeding "
                    "the end of the file by one cluster or more: offset "
                    "0x%" PRIx64 " size 0x%" PRIx64 "\n", offset, size);
            cs->res->corruptions++;
            return;
        }
        if (cs->refs[c] < UINT32_MAX) {
            cs->refs[c]++;
        }
        cs->highest = MAX(cs->highest, c + 1);
    }
}

/* Walk one L1 tree; @active adds statistics. */
static int check_l1(BlockDriverState *bs, CheckState *cs, uint64_t l1_off,
                    uint32_t l1_size, bool active)
{
    BDRVQcow2State *s = bs->opaque;
    g_autofree uint64_t *l1 = NULL;
    g_autofree uint64_t *l2 = g_malloc(s->cluster_size);
    uint64_t prev_host = 0;
    int ret;

    inc_refs(bs, cs, l1_off, (uint64_t)l1_size * 8);
    if (!l1_size) {
        return 0;
    }
    if (!qcow2_table_valid(s, l1_off, (uint64_t)l1_size * 8)) {
        fprintf(stderr, "ERROR: L1 table offset 0x%" PRIx64 " invalid\n",
                l1_off);
        cs->res->corruptions++;
        return 0;
    }
    l1 = g_new(uint64_t, l1_size);
    ret = bdrv_pread(bs->file->bs, l1_off, (uint64_t)l1_size * 8, l1);
    if (ret < 0) {
        fprintf(stderr, "ERROR: I/O error in check_refcounts_l1\n");
        cs->res->check_errors++;
        return ret;
    }
    for (uint32_t i = 0; i < l1_size; i++) {
        uint64_t l2_off = GUINT64_FROM_BE(l1[i]) & L1E_OFFSET_MASK;

        if (!l2_off) {
            continue;
        }
        if (!qcow2_aligned(s, l2_off)) {
            fprintf(stderr, "ERROR l2_offset=%" PRIx64 ": Table is not "
                    "cluster aligned; L1 entry corrupted\n", l2_off);
            cs->res->corruptions++;
            continue;
        }
        inc_refs(bs, cs, l2_off, s->cluster_size);
        if (l2_off + s->cluster_size > s->file_length) {
            continue;
        }
        ret = bdrv_pread(bs->file->bs, l2_off, s->cluster_size, l2);
        if (ret < 0) {
            fprintf(stderr, "ERROR: I/O error in check_refcounts_l2\n");
            cs->res->check_errors++;
            return ret;
        }
        for (int64_t j = 0; j < s->l2_size; j++) {
            uint64_t e = GUINT64_FROM_BE(l2[j]);
            uint64_t host = e & L2E_OFFSET_MASK, start, len;

            switch (qcow2_get_cluster_type(s, e)) {
            case QCOW2_CLUSTER_COMPRESSED:
                if (e & QCOW_OFLAG_COPIED) {
                    fprintf(stderr, "ERROR: coffset=0x%" PRIx64 ": copied "
                            "flag must never be set for compressed "
                            "clusters\n", e & s->cluster_offset_mask);
                    cs->res->corruptions++;
                }
                qcow2_compressed_range(s, e, &start, &len);
                if (active) {
                    /* Fragmented by nature, as qemu-img counts them. */
                    cs->res->allocated_clusters++;
                    cs->res->compressed_clusters++;
                    cs->res->fragmented_clusters++;
                }
                inc_refs(bs, cs, start & ~(s->cluster_size - 1),
                         (start & (s->cluster_size - 1)) + len);
                break;
            case QCOW2_CLUSTER_ZERO_ALLOC:
            case QCOW2_CLUSTER_NORMAL:
                if (!qcow2_aligned(s, host)) {
                    fprintf(stderr, "ERROR offset=%" PRIx64 ": Cluster is not "
                            "properly aligned; L2 entry corrupted.\n", host);
                    cs->res->corruptions++;
                    break;
                }
                if (active) {
                    cs->res->allocated_clusters++;
                    if (prev_host && host != prev_host + s->cluster_size) {
                        cs->res->fragmented_clusters++;
                    }
                    prev_host = host;
                }
                inc_refs(bs, cs, host, s->cluster_size);
                break;
            default:
                break;
            }
        }
    }
    return 0;
}

static int set_refcount(BlockDriverState *bs, uint64_t c, uint64_t old,
                        uint64_t want)
{
    return qcow2_update_refcount(bs, c << ((BDRVQcow2State *)bs->opaque)->
                                 cluster_bits, 1, (int64_t)want -
                                 (int64_t)old);
}

/* COPIED flags of the active tree against the final refcounts. */
static int check_copied(BlockDriverState *bs, BdrvCheckResult *res, int fix)
{
    BDRVQcow2State *s = bs->opaque;
    g_autofree uint64_t *l2 = g_malloc(s->cluster_size);
    int errors = 0, ret;

    for (uint32_t i = 0; i < s->l1_size; i++) {
        uint64_t l1e = s->l1_table[i], l2_off = l1e & L1E_OFFSET_MASK, rc;

        if (!l2_off || !qcow2_aligned(s, l2_off) ||
            l2_off + s->cluster_size > s->file_length) {
            continue;
        }
        ret = qcow2_get_refcount(bs, l2_off >> s->cluster_bits, &rc);
        if (ret < 0) {
            continue;
        }
        if ((rc == 1) != !!(l1e & QCOW_OFLAG_COPIED)) {
            fprintf(stderr, "%s OFLAG_COPIED L2 cluster: l1_index=%" PRIu32
                    " l1_entry=%" PRIx64 " refcount=%" PRIu64 "\n",
                    fix & BDRV_FIX_ERRORS ? "Repairing" : "ERROR", i, l1e,
                    rc);
            errors++;
        }
        ret = bdrv_pread(bs->file->bs, l2_off, s->cluster_size, l2);
        if (ret < 0) {
            res->check_errors++;
            continue;
        }
        for (int64_t j = 0; j < s->l2_size; j++) {
            uint64_t e = GUINT64_FROM_BE(l2[j]);
            Qcow2ClusterType t = qcow2_get_cluster_type(s, e);

            if ((t != QCOW2_CLUSTER_NORMAL && t != QCOW2_CLUSTER_ZERO_ALLOC) ||
                !qcow2_aligned(s, e & L2E_OFFSET_MASK)) {
                continue;
            }
            ret = qcow2_get_refcount(bs, (e & L2E_OFFSET_MASK) >>
                                     s->cluster_bits, &rc);
            if (ret == 0 && (rc == 1) != !!(e & QCOW_OFLAG_COPIED)) {
                fprintf(stderr, "%s OFLAG_COPIED data cluster: l2_entry=%"
                        PRIx64 " refcount=%" PRIu64 "\n",
                        fix & BDRV_FIX_ERRORS ? "Repairing" : "ERROR", e, rc);
                errors++;
            }
        }
    }
    res->corruptions += errors;
    if (errors && (fix & BDRV_FIX_ERRORS) && !bs->read_only) {
        ret = qcow2_update_tree_refcount(bs, s->l1_table_offset, s->l1_size,
                                         0);
        if (ret < 0) {
            return ret;
        }
        res->corruptions_fixed += errors;
    }
    return 0;
}

/* Every reference the metadata makes, counted into cs->refs. */
static int count_references(BlockDriverState *bs, CheckState *cs)
{
    BDRVQcow2State *s = bs->opaque;
    BdrvCheckResult *res = cs->res;
    int64_t flen = bdrv_getlength(bs->file->bs);
    int ret;

    if (flen < 0) {
        res->check_errors++;
        return flen;
    }
    s->file_length = flen;
    /* Bounded by the real file: no allocation a header can inflate. */
    cs->nb_clusters = DIV_ROUND_UP((uint64_t)flen, s->cluster_size);
    cs->refs = g_try_new0(uint32_t, MAX(cs->nb_clusters, 1));
    if (!cs->refs) {
        res->check_errors++;
        return -ENOMEM;
    }
    res->total_clusters = DIV_ROUND_UP(s->size, s->cluster_size);
    inc_refs(bs, cs, 0, s->cluster_size);
    ret = check_l1(bs, cs, s->l1_table_offset, s->l1_size, true);
    if (ret < 0) {
        return ret;
    }
    for (uint32_t i = 0; i < s->nb_snapshots; i++) {
        ret = check_l1(bs, cs, s->snapshots[i].l1_table_offset,
                       s->snapshots[i].l1_size, false);
        if (ret < 0) {
            return ret;
        }
    }
    inc_refs(bs, cs, s->snapshots_offset, s->snapshots_size);
    inc_refs(bs, cs, s->refcount_table_offset,
             (uint64_t)s->refcount_table_size * 8);
    for (uint32_t i = 0; i < s->refcount_table_size; i++) {
        uint64_t off = s->refcount_table[i] & REFT_OFFSET_MASK;

        if (!off) {
            continue;
        }
        if (!qcow2_aligned(s, off)) {
            fprintf(stderr, "ERROR refcount block %" PRIu32 " is not cluster "
                    "aligned; refcount table entry corrupted\n", i);
            res->corruptions++;
            continue;
        }
        if (off >= (uint64_t)flen) {
            fprintf(stderr, "ERROR refcount block %" PRIu32 " is outside "
                    "image\n", i);
            res->corruptions++;
            continue;
        }
        inc_refs(bs, cs, off, s->cluster_size);
    }
    return 0;
}

int qcow2_check_refcounts(BlockDriverState *bs, BdrvCheckResult *res, int fix)
{
    BDRVQcow2State *s = bs->opaque;
    CheckState cs = { .res = res };
    uint64_t scan_end;
    int ret;

    ret = count_references(bs, &cs);
    if (ret < 0) {
        goto out;
    }
    /* Compare, up to the end of the file. */
    scan_end = cs.nb_clusters;
    for (uint64_t c = 0; c < scan_end; c++) {
        uint64_t rc;
        uint64_t want = cs.refs[c];

        ret = qcow2_get_refcount(bs, c, &rc);
        if (ret < 0) {
            fprintf(stderr, "Can't get refcount for cluster %" PRIu64 ": %s\n",
                    c, strerror(-ret));
            res->check_errors++;
            continue;
        }
        if (rc == want) {
            continue;
        }
        if (rc > want) {
            bool repair = (fix & BDRV_FIX_LEAKS) && !bs->read_only;

            fprintf(stderr, "%s cluster %" PRIu64 " refcount=%" PRIu64
                    " reference=%" PRIu64 "\n", repair ? "Repairing" :
                    "Leaked", c, rc, want);
            res->leaks++;
            if (repair && set_refcount(bs, c, rc, want) == 0) {
                res->leaks_fixed++;
            }
        } else {
            bool repair = (fix & BDRV_FIX_ERRORS) && !bs->read_only;

            fprintf(stderr, "%s cluster %" PRIu64 " refcount=%" PRIu64
                    " reference=%" PRIu64 "\n", repair ? "Repairing" :
                    "ERROR", c, rc, want);
            res->corruptions++;
            if (repair && want <= s->refcount_max &&
                set_refcount(bs, c, rc, want) == 0) {
                res->corruptions_fixed++;
            }
        }
    }
    ret = check_copied(bs, res, fix);
    res->image_end_offset = cs.highest << s->cluster_bits;
out:
    g_free(cs.refs);
    return ret;
}

/*
 * amend refcount_bits: new refcount structures in the new width after the
 * end of the file, then one header write switches to them; the old ones
 * are freed through the new counts.
 */
int qcow2_change_refcount_order(BlockDriverState *bs, int new_order,
                                Error **errp)
{
    BDRVQcow2State *s = bs->opaque;
    BdrvCheckResult res = { 0 };
    CheckState cs = { .res = &res };
    uint64_t cs_bytes = s->cluster_size, per_block, k = 0, t = 0, total;
    uint64_t new_max, old_rt_off = s->refcount_table_offset;
    uint32_t old_rt_size = s->refcount_table_size;
    g_autofree uint64_t *old_rt = NULL;
    g_autofree uint8_t *blocks = NULL;
    g_autofree uint64_t *table = NULL;
    uint8_t hdr[52];
    int bits = 1 << new_order, ret;

    if (new_order == s->refcount_order) {
        return 0;
    }
    ret = count_references(bs, &cs);
    if (ret < 0 || res.corruptions) {
        error_setg(errp, "The image must be consistent to change its refcount "
                   "width (run check -r all)");
        ret = ret < 0 ? ret : -EINVAL;
        goto out;
    }
    new_max = bits == 64 ? UINT64_MAX : (1ull << bits) - 1;
    for (uint64_t c = 0; c < cs.nb_clusters; c++) {
        if (cs.refs[c] > new_max) {
            error_setg(errp, "Cannot decrease refcount entry width to %i bits: "
                       "Cluster at offset %#" PRIx64 " has a refcount of %"
                       PRIu32, bits, c * cs_bytes, cs.refs[c]);
            ret = -EINVAL;
            goto out;
        }
    }
    per_block = cs_bytes * 8 / bits;
    for (;;) {
        uint64_t k2, t2;

        total = cs.nb_clusters + k + t;
        k2 = DIV_ROUND_UP(total, per_block);
        t2 = DIV_ROUND_UP(k2 * 8, cs_bytes);
        if (k2 == k && t2 == t) {
            break;
        }
        k = k2;
        t = t2;
    }
    if (t * cs_bytes > QCOW_MAX_REFTABLE_SIZE) {
        error_setg(errp, "Refcount table would be too large");
        ret = -EFBIG;
        goto out;
    }
    blocks = g_malloc0(k * cs_bytes);
    table = g_new0(uint64_t, t * cs_bytes / 8);
    for (uint64_t c = 0; c < total; c++) {
        uint64_t v = c < cs.nb_clusters ? cs.refs[c] : 1;
        uint8_t *blk = blocks + (c / per_block) * cs_bytes;
        uint64_t idx = c % per_block;

        if (bits < 8) {
            blk[idx * bits / 8] |= v << (idx * bits % 8);
        } else {
            for (int b = 0; b < bits / 8; b++) {
                blk[idx * (bits / 8) + b] = v >> (bits - 8 - 8 * b);
            }
        }
    }
    for (uint64_t i = 0; i < k; i++) {
        table[i] = GUINT64_TO_BE((cs.nb_clusters + i) * cs_bytes);
    }
    ret = bdrv_pwrite(bs->file->bs, cs.nb_clusters * cs_bytes, k * cs_bytes,
                      blocks);
    if (ret == 0) {
        ret = bdrv_pwrite(bs->file->bs, (cs.nb_clusters + k) * cs_bytes,
                          t * cs_bytes, table);
    }
    if (ret == 0) {
        ret = bdrv_flush(bs->file->bs);
    }
    if (ret < 0) {
        error_setg_errno(errp, -ret, "Could not write the new refcounts");
        goto out;
    }
    /* Bytes 48..100 of the header in one write: table, order and the
     * fields between them unchanged. */
    ret = bdrv_pread(bs->file->bs, 48, sizeof(hdr), hdr);
    if (ret == 0) {
        stq_be_p(hdr, (cs.nb_clusters + k) * cs_bytes);
        stl_be_p(hdr + 8, t);
        stl_be_p(hdr + 48, new_order);
        ret = bdrv_pwrite(bs->file->bs, 48, sizeof(hdr), hdr);
    }
    if (ret < 0) {
        error_setg_errno(errp, -ret, "Could not update the header");
        goto out;
    }
    old_rt = s->refcount_table;
    s->refcount_table = g_new0(uint64_t, t * cs_bytes / 8);
    for (uint64_t i = 0; i < k; i++) {
        s->refcount_table[i] = (cs.nb_clusters + i) * cs_bytes;
    }
    s->refcount_table_size = t * cs_bytes / 8;
    s->refcount_table_offset = (cs.nb_clusters + k) * cs_bytes;
    s->refcount_order = new_order;
    s->refcount_bits = bits;
    s->refcount_max = new_max;
    s->refblock_bits = s->cluster_bits - (new_order - 3);
    s->file_length = total * cs_bytes;
    s->free_cluster_index = 0;
    qcow2_cache_clear(&s->refblock_cache);
    /* The old structures are leaks now: give them back. */
    for (uint32_t i = 0; i < old_rt_size; i++) {
        uint64_t off = old_rt[i] & REFT_OFFSET_MASK;

        if (off) {
            qcow2_free_clusters(bs, off, cs_bytes);
        }
    }
    qcow2_free_clusters(bs, old_rt_off,
                        ROUND_UP((uint64_t)old_rt_size * 8, cs_bytes));
    ret = 0;
out:
    g_free(cs.refs);
    return ret;
}
