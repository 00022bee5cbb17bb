/*
 * qcow2 guest data: L1/L2 lookups, reads (backing file, zero and
 * compressed clusters), allocating writes with copy-on-write of partial
 * clusters and of L2 tables shared with snapshots, compressed writes,
 * discard, zeroes, allocation status and preallocation.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include <zlib.h>
#include "qcow2.h"

/* Requests are cut into runs of at most this many bytes. */
#define QCOW2_MAX_RUN (32 << 20)

Qcow2ClusterType qcow2_get_cluster_type(BDRVQcow2State *s, uint64_t l2e)
{
    if (l2e & QCOW_OFLAG_COMPRESSED) {
        return QCOW2_CLUSTER_COMPRESSED;
    }
    if ((l2e & QCOW_OFLAG_ZERO) && s->version >= 3) {
        return (l2e & L2E_OFFSET_MASK) ? QCOW2_CLUSTER_ZERO_ALLOC
                                       : QCOW2_CLUSTER_ZERO_PLAIN;
    }
    return (l2e & L2E_OFFSET_MASK) ? QCOW2_CLUSTER_NORMAL
                                   : QCOW2_CLUSTER_UNALLOCATED;
}

void qcow2_compressed_range(BDRVQcow2State *s, uint64_t l2e,
                            uint64_t *start, uint64_t *len)
{
    uint64_t nb_sectors = ((l2e >> s->csize_shift) & s->csize_mask) + 1;

    *start = l2e & s->cluster_offset_mask;
    *len = nb_sectors * 512 - (*start & 511);
}

/* The L2 table for @l1_index (NULL when unallocated), read-only use. */
static int get_l2_table(BlockDriverState *bs, uint64_t l1_index,
                        uint64_t **table, uint64_t *l2_off)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t off;
    void *t;
    int ret;

    *table = NULL;
    *l2_off = 0;
    if (l1_index >= s->l1_size) {
        return 0;
    }
    off = s->l1_table[l1_index] & L1E_OFFSET_MASK;
    if (!off) {
        return 0;
    }
    if (!qcow2_aligned(s, off) || !qcow2_in_file(bs, off, s->cluster_size)) {
        return qcow2_signal_corruption(bs, "L2 table offset %#" PRIx64
                                       " unaligned or beyond the end of the "
                                       "image file (L1 index %#" PRIx64 ")",
                                       off, l1_index);
    }
    ret = qcow2_cache_get(bs, &s->l2_cache, off, &t, true);
    if (ret < 0) {
        return ret;
    }
    *table = t;
    *l2_off = off;
    return 0;
}

int qcow2_get_l2_entry(BlockDriverState *bs, uint64_t guest_off,
                       uint64_t *l2e)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t *table, l2_off;
    int ret = get_l2_table(bs, guest_off >> (s->l2_bits + s->cluster_bits),
                           &table, &l2_off);

    *l2e = 0;
    if (ret < 0 || !table) {
        return ret;
    }
    *l2e = GUINT64_FROM_BE(table[(guest_off >> s->cluster_bits) &
                                 (s->l2_size - 1)]);
    return 0;
}

/*
 * How many bytes from @guest_off (at most @max) the entry @l2e's kind of
 * mapping continues: contiguous host clusters for data, the same type
 * otherwise.  Stays inside one L2 table.
 */
static int64_t run_length(BlockDriverState *bs, uint64_t *table,
                          uint64_t guest_off, uint64_t l2e, int64_t max)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t idx = (guest_off >> s->cluster_bits) & (s->l2_size - 1);
    int64_t n = MIN(max, s->cluster_size - (guest_off & (s->cluster_size - 1)));
    Qcow2ClusterType t = qcow2_get_cluster_type(s, l2e);
    uint64_t host = l2e & L2E_OFFSET_MASK;

    if (t == QCOW2_CLUSTER_COMPRESSED) {
        return n;
    }
    while (n < max && ++idx < (uint64_t)s->l2_size) {
        uint64_t e = table ? GUINT64_FROM_BE(table[idx]) : 0;

        if (qcow2_get_cluster_type(s, e) != t) {
            break;
        }
        if (t == QCOW2_CLUSTER_NORMAL) {
            host += s->cluster_size;
            if ((e & L2E_OFFSET_MASK) != host ||
                ((e ^ l2e) & QCOW_OFLAG_COPIED)) {
                break;
            }
        }
        n = MIN(max, n + s->cluster_size);
    }
    return n;
}

static int decompress_cluster(BlockDriverState *bs, uint64_t l2e,
                              uint8_t *out)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t start, len;
    g_autofree uint8_t *in = NULL;
    z_stream z = { 0 };
    int ret;

    qcow2_compressed_range(s, l2e, &start, &len);
    if (!qcow2_in_file(bs, start, 1)) {
        return qcow2_signal_corruption(bs, "Compressed cluster at %#" PRIx64
                                       " beyond the end of the image file",
                                       start);
    }
    in = g_malloc(len);
    BLKDBG_EVENT(bs->file, BLKDBG_READ_COMPRESSED);
    ret = bdrv_pread(bs->file->bs, start, len, in);
    if (ret < 0) {
        return ret;
    }
    if (inflateInit2(&z, -12) != Z_OK) {
        return -ENOMEM;
    }
    z.next_in = in;
    z.avail_in = len;
    z.next_out = out;
    z.avail_out = s->cluster_size;
    ret = inflate(&z, Z_FINISH);
    /* The stored size is rounded up to sectors: Z_BUF_ERROR with a full
     * output buffer is the normal end. */
    if ((ret != Z_STREAM_END && ret != Z_BUF_ERROR) || z.avail_out != 0) {
        inflateEnd(&z);
        return -EIO;
    }
    inflateEnd(&z);
    return 0;
}

/* Read @len bytes at @guest_off, all mapped by @l2e, into @iov at @skip. */
static int read_mapped(BlockDriverState *bs, uint64_t l2e, uint64_t guest_off,
                       int64_t len, struct iovec *iov, int niov, size_t skip)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t in_cluster = guest_off & (s->cluster_size - 1);
    struct iovec sub[64];
    int n, ret;

    switch (qcow2_get_cluster_type(s, l2e)) {
    case QCOW2_CLUSTER_UNALLOCATED:
        if (bs->backing) {
            int64_t blen = bdrv_getlength(bs->backing->bs);
            int64_t avail = blen < 0 ? 0 :
                MAX(0, MIN(len, blen - (int64_t)guest_off));

            if (avail > 0) {
                BLKDBG_EVENT(bs->file, BLKDBG_READ_BACKING_AIO);
                n = bdrv_iov_slice(iov, niov, skip, avail, sub,
                                   ARRAY_SIZE(sub));
                if (n < 0) {
                    g_autofree void *buf = g_malloc(avail);

                    ret = bdrv_pread(bs->backing->bs, guest_off, avail, buf);
                    bdrv_iov_from_buf(iov, niov, skip, buf, avail);
                } else {
                    ret = bdrv_preadv(bs->backing->bs, guest_off, avail, sub,
                                      n);
                }
                if (ret < 0) {
                    return ret;
                }
            }
            if (avail < len) {
                bdrv_iov_memset(iov, niov, skip + avail, 0, len - avail);
            }
            return 0;
        }
        /* fall through */
    case QCOW2_CLUSTER_ZERO_PLAIN:
    case QCOW2_CLUSTER_ZERO_ALLOC:
        bdrv_iov_memset(iov, niov, skip, 0, len);
        return 0;
    case QCOW2_CLUSTER_NORMAL: {
        uint64_t host = l2e & L2E_OFFSET_MASK;

        if (!qcow2_aligned(s, host)) {
            return qcow2_signal_corruption(bs, "Data cluster offset %#"
                                           PRIx64 " unaligned (guest offset "
                                           "%#" PRIx64 ")", host, guest_off);
        }
        BLKDBG_EVENT(bs->file, BLKDBG_READ_AIO);
        n = bdrv_iov_slice(iov, niov, skip, len, sub, ARRAY_SIZE(sub));
        if (n < 0) {
            g_autofree void *buf = g_malloc(len);

            ret = bdrv_pread(bs->file->bs, host + in_cluster, len, buf);
            bdrv_iov_from_buf(iov, niov, skip, buf, len);
            return ret;
        }
        return bdrv_preadv(bs->file->bs, host + in_cluster, len, sub, n);
    }
    case QCOW2_CLUSTER_COMPRESSED: {
        g_autofree uint8_t *buf = g_malloc(s->cluster_size);

        ret = decompress_cluster(bs, l2e, buf);
        if (ret < 0) {
            return ret;
        }
        bdrv_iov_from_buf(iov, niov, skip, buf + in_cluster, len);
        return 0;
    }
    }
    return -EIO;
}

int qcow2_preadv(BlockDriverState *bs, int64_t offset, int64_t bytes,
                 struct iovec *iov, int niov)
{
    BDRVQcow2State *s = bs->opaque;
    size_t done = 0;
    int ret = 0;

    while ((int64_t)done < bytes) {
        uint64_t *table, l2_off, l2e = 0;
        uint64_t off = offset + done;
        int64_t n;

        g_mutex_lock(&s->lock);
        ret = get_l2_table(bs, off >> (s->l2_bits + s->cluster_bits), &table,
                           &l2_off);
        if (ret == 0 && table) {
            l2e = GUINT64_FROM_BE(table[(off >> s->cluster_bits) &
                                        (s->l2_size - 1)]);
        }
        n = run_length(bs, table, off, l2e, MIN(bytes - (int64_t)done,
                                                QCOW2_MAX_RUN));
        /* Compressed data and the backing chain are read under the lock
         * too: cheap to serialise, and the entry cannot change meanwhile. */
        if (ret == 0 && qcow2_get_cluster_type(s, l2e) ==
            QCOW2_CLUSTER_NORMAL) {
            g_mutex_unlock(&s->lock);
            ret = read_mapped(bs, l2e, off, n, iov, niov, done);
        } else {
            if (ret == 0) {
                ret = read_mapped(bs, l2e, off, n, iov, niov, done);
            }
            g_mutex_unlock(&s->lock);
        }
        if (ret < 0) {
            return ret;
        }
        done += n;
    }
    return 0;
}

/*
 * The L2 table for @l1_index ready for writing: allocated, and ours alone
 * (a table shared with a snapshot is copied first).
 */
static int get_l2_for_write(BlockDriverState *bs, uint64_t l1_index,
                            uint64_t **table, uint64_t *l2_off)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t old = s->l1_table[l1_index];
    uint64_t old_off = old & L1E_OFFSET_MASK, rc = 0;
    uint64_t *old_table = NULL;
    int64_t new_off;
    void *t;
    int ret;

    if (old_off && (old & QCOW_OFLAG_COPIED)) {
        return get_l2_table(bs, l1_index, table, l2_off);
    }
    if (old_off) {
        ret = get_l2_table(bs, l1_index, &old_table, l2_off);
        if (ret < 0) {
            return ret;
        }
        ret = qcow2_get_refcount(bs, qcow2_cluster_index(s, old_off), &rc);
        if (ret < 0) {
            return ret;
        }
        if (rc == 1) {
            /* Only the flag was missing. */
            s->l1_table[l1_index] |= QCOW_OFLAG_COPIED;
            *table = old_table;
            return qcow2_write_l1_entry(bs, l1_index);
        }
    }
    new_off = qcow2_alloc_clusters(bs, s->cluster_size);
    if (new_off < 0) {
        return new_off;
    }
    ret = qcow2_check_metadata_overlap(bs, new_off, s->cluster_size);
    if (ret < 0) {
        return ret;
    }
    ret = qcow2_cache_get(bs, &s->l2_cache, new_off, &t, false);
    if (ret < 0) {
        goto fail;
    }
    if (old_table) {
        /* get_l2_table may have evicted nothing since: re-fetch to be safe */
        void *o;

        BLKDBG_EVENT(bs->file, BLKDBG_L2_ALLOC_COW_READ);
        ret = qcow2_cache_get(bs, &s->l2_cache, old_off, &o, true);
        if (ret < 0) {
            goto fail;
        }
        memcpy(t, o, s->cluster_size);
        ret = qcow2_cache_get(bs, &s->l2_cache, new_off, &t, true);
        if (ret < 0) {
            goto fail;
        }
    }
    BLKDBG_EVENT(bs->file, BLKDBG_L2_ALLOC_WRITE);
    ret = bdrv_pwrite(bs->file->bs, new_off, s->cluster_size, t);
    if (ret < 0) {
        goto fail;
    }
    s->file_length = MAX(s->file_length, new_off + s->cluster_size);
    s->l1_table[l1_index] = new_off | QCOW_OFLAG_COPIED;
    ret = qcow2_write_l1_entry(bs, l1_index);
    if (ret < 0) {
        s->l1_table[l1_index] = old;
        goto fail;
    }
    if (old_off) {
        qcow2_free_clusters(bs, old_off, s->cluster_size);
    }
    *table = t;
    *l2_off = new_off;
    return 0;

fail:
    /* As QEMU: the new table goes, the old one stays in use. */
    qcow2_cache_discard(&s->l2_cache, new_off);
    qcow2_free_clusters(bs, new_off, s->cluster_size);
    return ret;
}

/* Write entries [first, first + n) of a cached L2 table to disk. */
static int write_l2_entries(BlockDriverState *bs, uint64_t l2_off,
                            uint64_t *table, uint64_t first, uint64_t n)
{
    BLKDBG_EVENT(bs->file, BLKDBG_L2_UPDATE);
    return bdrv_pwrite(bs->file->bs, l2_off + first * 8, n * 8,
                       table + first);
}

void qcow2_wait_inflight(BDRVQcow2State *s, uint64_t start, uint64_t end)
{
    for (guint i = 0; i < s->inflight->len;) {
        Qcow2InFlight *f = g_ptr_array_index(s->inflight, i);

        if (f->start < end && start < f->end) {
            g_cond_wait(&s->inflight_cond, &s->lock);
            i = 0;      /* the array may have changed */
        } else {
            i++;
        }
    }
}

/* Does copying the old contents of a cluster read data (not zeroes)? */
static bool cow_reads_data(BlockDriverState *bs, uint64_t l2e)
{
    switch (qcow2_get_cluster_type(bs->opaque, l2e)) {
    case QCOW2_CLUSTER_NORMAL:
    case QCOW2_CLUSTER_COMPRESSED:
        return true;
    case QCOW2_CLUSTER_UNALLOCATED:
        return bs->backing != NULL;
    default:
        return false;
    }
}

/*
 * Allocating write of [off, off + len), all inside one L2 table: new
 * clusters get the old contents around the request (COW), the data, and
 * only then the L2 entries pointing at them.  The data moves without the
 * lock so writers of other ranges proceed meanwhile; called and returns
 * with the lock held.
 */
static int write_allocating(BlockDriverState *bs, uint64_t off, int64_t len,
                            struct iovec *iov, int niov, size_t skip)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t cs = s->cluster_size;
    uint64_t start = off & ~(cs - 1);
    uint64_t end = ROUND_UP(off + len, cs);
    uint64_t nclusters = (end - start) / cs;
    uint64_t l2_index = (start >> s->cluster_bits) & (s->l2_size - 1);
    uint64_t *table, l2_off;
    g_autofree uint64_t *old = g_new(uint64_t, nclusters);
    Qcow2InFlight inflight;
    int64_t host;
    int ret;

    ret = get_l2_for_write(bs, start >> (s->l2_bits + s->cluster_bits),
                           &table, &l2_off);
    if (ret < 0) {
        return ret;
    }
    for (uint64_t i = 0; i < nclusters; i++) {
        old[i] = GUINT64_FROM_BE(table[l2_index + i]);
    }
    host = qcow2_alloc_clusters(bs, end - start);
    if (host < 0) {
        return host;
    }
    ret = qcow2_check_metadata_overlap(bs, host, end - start);
    if (ret < 0) {
        return ret;
    }
    inflight.start = start;
    inflight.end = end;
    g_ptr_array_add(s->inflight, &inflight);
    g_mutex_unlock(&s->lock);
    if (start == off && end == off + len) {
        struct iovec sub[64];
        int n = bdrv_iov_slice(iov, niov, skip, len, sub, ARRAY_SIZE(sub));

        if (n >= 0) {
            BLKDBG_EVENT(bs->file, BLKDBG_WRITE_AIO);
            ret = bdrv_pwritev(bs->file->bs, host, len, sub, n, 0);
            goto written;
        }
    }
    {
        g_autofree uint8_t *buf = g_malloc(end - start);
        struct iovec biov = { .iov_base = buf, .iov_len = end - start };

        bool head = off > start;
        bool tail = off + len < end && end - cs >= off;
        bool copy = (head && cow_reads_data(bs, old[0])) ||
                    (tail && cow_reads_data(bs, old[nclusters - 1]));

        ret = 0;
        if (copy) {
            BLKDBG_EVENT(bs->file, BLKDBG_COW_READ);
        }
        if (head) {
            ret = read_mapped(bs, old[0], start, cs, &biov, 1, 0);
        }
        if (ret == 0 && tail) {
            ret = read_mapped(bs, old[nclusters - 1], end - cs, cs, &biov, 1,
                              end - cs - start);
        }
        if (ret == 0) {
            bdrv_iov_to_buf(iov, niov, skip, buf + (off - start), len);
            /* One write for data and copied parts (QEMU's merged COW);
             * around the data only zeroes is QEMU's zeroed new space. */
            if (copy) {
                BLKDBG_EVENT(bs->file, BLKDBG_COW_WRITE);
            } else {
                if (head || off + len < end) {
                    BLKDBG_EVENT(bs->file, BLKDBG_CLUSTER_ALLOC_SPACE);
                }
                BLKDBG_EVENT(bs->file, BLKDBG_WRITE_AIO);
            }
            ret = bdrv_pwrite(bs->file->bs, host, end - start, buf);
        }
    }
written:
    g_mutex_lock(&s->lock);
    g_ptr_array_remove_fast(s->inflight, &inflight);
    g_cond_broadcast(&s->inflight_cond);
    if (ret < 0) {
        qcow2_free_clusters(bs, host, end - start);
        return ret;
    }
    s->file_length = MAX(s->file_length, host + (end - start));
    /* The cache entry may have been evicted by the reads above. */
    ret = get_l2_table(bs, start >> (s->l2_bits + s->cluster_bits), &table,
                       &l2_off);
    if (ret < 0) {
        return ret;
    }
    for (uint64_t i = 0; i < nclusters; i++) {
        table[l2_index + i] = GUINT64_TO_BE((host + i * cs) |
                                            QCOW_OFLAG_COPIED);
    }
    ret = write_l2_entries(bs, l2_off, table, l2_index, nclusters);
    if (ret < 0) {
        /* The entries on disk still point at the old clusters. */
        qcow2_cache_discard(&s->l2_cache, l2_off);
        qcow2_free_clusters(bs, host, end - start);
        return ret;
    }
    for (uint64_t i = 0; i < nclusters; i++) {
        qcow2_free_any_cluster(bs, old[i]);
    }
    return 0;
}

/* True if the cluster of @l2e can be overwritten in place. */
static bool in_place(BDRVQcow2State *s, uint64_t l2e)
{
    return qcow2_get_cluster_type(s, l2e) == QCOW2_CLUSTER_NORMAL &&
           (l2e & QCOW_OFLAG_COPIED);
}

static int write_compressed(BlockDriverState *bs, uint64_t off,
                            int64_t len, struct iovec *iov, int niov,
                            size_t skip);

int qcow2_pwritev(BlockDriverState *bs, int64_t offset, int64_t bytes,
                  struct iovec *iov, int niov, int flags)
{
    BDRVQcow2State *s = bs->opaque;
    size_t done = 0;
    int ret = 0;

    if (flags & BDRV_REQ_WRITE_COMPRESSED) {
        /* Whole clusters (the last one may end with the image). */
        if ((offset & (s->cluster_size - 1)) ||
            ((bytes & (s->cluster_size - 1)) &&
             (uint64_t)(offset + bytes) != s->size)) {
            return -EINVAL;
        }
        for (; (int64_t)done < bytes && ret == 0; done += s->cluster_size) {
            ret = write_compressed(bs, offset + done,
                                   MIN((int64_t)s->cluster_size,
                                       bytes - (int64_t)done),
                                   iov, niov, done);
        }
        return ret;
    }
    while ((int64_t)done < bytes) {
        uint64_t off = offset + done, l2e = 0, *table, l2_off;
        uint64_t l2_end = ((off >> (s->l2_bits + s->cluster_bits)) + 1) <<
                          (s->l2_bits + s->cluster_bits);
        int64_t n, max = MIN(MIN(bytes - (int64_t)done, QCOW2_MAX_RUN),
                             (int64_t)(l2_end - off));

        g_mutex_lock(&s->lock);
        if (bs->corrupt) {
            g_mutex_unlock(&s->lock);
            return -EIO;
        }
        qcow2_wait_inflight(s, off & ~(s->cluster_size - 1),
                            ROUND_UP(off + max, s->cluster_size));
        ret = get_l2_table(bs, off >> (s->l2_bits + s->cluster_bits), &table,
                           &l2_off);
        if (ret == 0 && table) {
            l2e = GUINT64_FROM_BE(table[(off >> s->cluster_bits) &
                                        (s->l2_size - 1)]);
        }
        if (ret == 0 && in_place(s, l2e)) {
            uint64_t host = (l2e & L2E_OFFSET_MASK) +
                            (off & (s->cluster_size - 1));
            struct iovec sub[64];
            int k;

            n = run_length(bs, table, off, l2e, max);
            g_mutex_unlock(&s->lock);
            BLKDBG_EVENT(bs->file, BLKDBG_WRITE_AIO);
            k = bdrv_iov_slice(iov, niov, done, n, sub, ARRAY_SIZE(sub));
            if (k < 0) {
                g_autofree void *buf = g_malloc(n);

                bdrv_iov_to_buf(iov, niov, done, buf, n);
                ret = bdrv_pwrite(bs->file->bs, host, n, buf);
            } else {
                ret = bdrv_pwritev(bs->file->bs, host, n, sub, k, 0);
            }
        } else {
            /* Cover clusters that need allocation, up to the first one
             * that can be overwritten in place. */
            n = MIN(max, (int64_t)(s->cluster_size -
                                   (off & (s->cluster_size - 1))));
            while (ret == 0 && n < max) {
                uint64_t e = table ? GUINT64_FROM_BE(
                    table[((off + n) >> s->cluster_bits) &
                          (s->l2_size - 1)]) : 0;

                if (in_place(s, e)) {
                    break;
                }
                n = MIN(max, n + s->cluster_size);
            }
            if (ret == 0) {
                ret = write_allocating(bs, off, n, iov, niov, done);
            }
            g_mutex_unlock(&s->lock);
        }
        if (ret < 0) {
            return ret;
        }
        done += n;
    }
    return 0;
}

/* One whole cluster (or the image's partial last one), deflated without
 * the lock so that several writers compress in parallel. */
static int write_compressed(BlockDriverState *bs, uint64_t off, int64_t len,
                            struct iovec *iov, int niov, size_t skip)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t cs = s->cluster_size;
    g_autofree uint8_t *in = g_malloc0(cs);
    g_autofree uint8_t *out = g_malloc(cs);
    uint64_t *table, l2_off, l2_index, old, nb_csectors, entry;
    z_stream z = { 0 };
    int64_t host, clen;
    int ret, ret2;

    if ((off & (cs - 1)) || (len != (int64_t)cs && off + len != s->size)) {
        return -EINVAL;
    }
    bdrv_iov_to_buf(iov, niov, skip, in, len);
    if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -12, 9,
                     Z_DEFAULT_STRATEGY) != Z_OK) {
        return -ENOMEM;
    }
    z.next_in = in;
    z.avail_in = cs;
    z.next_out = out;
    z.avail_out = cs;
    ret = deflate(&z, Z_FINISH);
    clen = cs - z.avail_out;
    deflateEnd(&z);

    g_mutex_lock(&s->lock);
    if (bs->corrupt) {
        ret = -EIO;
        goto out;
    }
    qcow2_wait_inflight(s, off, off + cs);
    ret2 = qcow2_get_l2_entry(bs, off, &old);
    if (ret2 < 0 || (old & L2E_OFFSET_MASK)) {
        ret = ret2 < 0 ? ret2 : -EIO;
        goto out;
    }
    if (ret != Z_STREAM_END || clen >= (int64_t)cs - 512) {
        /* Does not compress: store it plainly. */
        struct iovec plain = { .iov_base = in, .iov_len = len };

        ret = write_allocating(bs, off, len, &plain, 1, 0);
        goto out;
    }
    ret = get_l2_for_write(bs, off >> (s->l2_bits + s->cluster_bits), &table,
                           &l2_off);
    if (ret < 0) {
        goto out;
    }
    l2_index = (off >> s->cluster_bits) & (s->l2_size - 1);
    old = GUINT64_FROM_BE(table[l2_index]);
    if (old & L2E_OFFSET_MASK) {
        /* As QEMU: compression never overwrites an allocated cluster. */
        ret = -EIO;
        goto out;
    }
    host = qcow2_alloc_bytes(bs, clen);
    if (host < 0) {
        ret = host;
        goto out;
    }
    ret = qcow2_check_metadata_overlap(bs, host, clen);
    if (ret == 0) {
        BLKDBG_EVENT(bs->file, BLKDBG_WRITE_COMPRESSED);
        ret = bdrv_pwrite(bs->file->bs, host, clen, out);
    }
    if (ret < 0) {
        qcow2_free_clusters(bs, host & ~(cs - 1), 1);
        goto out;
    }
    s->file_length = MAX(s->file_length, host + clen);
    ret = get_l2_table(bs, off >> (s->l2_bits + s->cluster_bits), &table,
                       &l2_off);
    if (ret < 0) {
        goto out;
    }
    nb_csectors = ((host + clen - 1) >> 9) - (host >> 9);
    entry = QCOW_OFLAG_COMPRESSED | ((uint64_t)nb_csectors << s->csize_shift) |
            host;
    BLKDBG_EVENT(bs->file, BLKDBG_L2_UPDATE_COMPRESSED);
    table[l2_index] = GUINT64_TO_BE(entry);
    ret = write_l2_entries(bs, l2_off, table, l2_index, 1);
    if (ret < 0) {
        qcow2_cache_discard(&s->l2_cache, l2_off);
        goto out;
    }
    qcow2_free_any_cluster(bs, old);
out:
    g_mutex_unlock(&s->lock);
    return ret;
}

/*
 * Replace the entries of whole clusters [start, end) by @new_entry
 * (0: unallocated, QCOW_OFLAG_ZERO: reads zero), freeing what they held.
 */
#define CLEAR_DISCARD_HOST 0x1  /* punch the freed clusters in the file */
#define CLEAR_KEEP_ALLOC   0x2  /* zeroes keep the host cluster */
#define CLEAR_ALLOCATED    0x4  /* leave unallocated entries alone */

static int clear_clusters(BlockDriverState *bs, uint64_t start, uint64_t end,
                          uint64_t new_entry, int how)
{
    bool discard_host = how & CLEAR_DISCARD_HOST;
    bool keep_alloc = how & CLEAR_KEEP_ALLOC;
    BDRVQcow2State *s = bs->opaque;

    qcow2_wait_inflight(s, start, end);
    while (start < end) {
        uint64_t l1_index = start >> (s->l2_bits + s->cluster_bits);
        uint64_t l2_end = (l1_index + 1) << (s->l2_bits + s->cluster_bits);
        uint64_t stop = MIN(end, l2_end);
        uint64_t first = (start >> s->cluster_bits) & (s->l2_size - 1);
        uint64_t n = (stop - start) >> s->cluster_bits;
        uint64_t *table, l2_off;
        g_autofree uint64_t *old = g_new(uint64_t, n);
        bool changed = false;
        int ret;

        if (l1_index >= s->l1_size) {
            break;
        }
        if (!(s->l1_table[l1_index] & L1E_OFFSET_MASK) &&
            (new_entry == 0 || (how & CLEAR_ALLOCATED))) {
            start = stop;
            continue;
        }
        ret = get_l2_for_write(bs, l1_index, &table, &l2_off);
        if (ret < 0) {
            return ret;
        }
        for (uint64_t i = 0; i < n; i++) {
            uint64_t ne = new_entry;

            old[i] = GUINT64_FROM_BE(table[first + i]);
            if ((how & CLEAR_ALLOCATED) && qcow2_get_cluster_type(s, old[i])
                == QCOW2_CLUSTER_UNALLOCATED) {
                ne = old[i];
            }
            if (keep_alloc && (old[i] & QCOW_OFLAG_COPIED) &&
                (qcow2_get_cluster_type(s, old[i]) == QCOW2_CLUSTER_NORMAL ||
                 qcow2_get_cluster_type(s, old[i]) ==
                 QCOW2_CLUSTER_ZERO_ALLOC)) {
                /* Zeroes without unmap keep the host cluster (QEMU's
                 * "zero, allocated"). */
                ne = (old[i] & L2E_OFFSET_MASK) | QCOW_OFLAG_ZERO |
                     QCOW_OFLAG_COPIED;
            }
            if (old[i] != ne) {
                table[first + i] = GUINT64_TO_BE(ne);
                changed = true;
            }
            if ((ne & L2E_OFFSET_MASK) &&
                (ne & L2E_OFFSET_MASK) == (old[i] & L2E_OFFSET_MASK)) {
                old[i] = ne;    /* kept: nothing to free below */
            }
        }
        if (changed) {
            ret = write_l2_entries(bs, l2_off, table, first, n);
            if (ret < 0) {
                qcow2_cache_discard(&s->l2_cache, l2_off);
                return ret;
            }
        }
        for (uint64_t i = 0; i < n; i++) {
            if (old[i] == new_entry ||
                GUINT64_FROM_BE(table[first + i]) == old[i]) {
                continue;
            }
            if (discard_host && in_place(s, old[i])) {
                bdrv_pdiscard(bs->file->bs, old[i] & L2E_OFFSET_MASK,
                              s->cluster_size);
            }
            qcow2_free_any_cluster(bs, old[i]);
        }
        start = stop;
    }
    return 0;
}

int qcow2_pdiscard(BlockDriverState *bs, int64_t offset, int64_t bytes)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t start = ROUND_UP(offset, s->cluster_size);
    uint64_t end = offset + bytes == (int64_t)s->size ?
        ROUND_UP(s->size, s->cluster_size) :
        (uint64_t)(offset + bytes) & ~(s->cluster_size - 1);
    uint64_t entry = s->version >= 3 ? QCOW_OFLAG_ZERO : 0;
    int ret;

    if (end <= start || (bs->backing && s->version < 3)) {
        /* v2 cannot hide the backing file: discard is advisory, keep the
         * data as QEMU does. */
        return 0;
    }
    g_mutex_lock(&s->lock);
    /* As QEMU: discarded clusters read as zeroes from now on (v3), and
     * unallocated ones without a backing file stay as they are. */
    ret = bs->corrupt ? -EIO :
        clear_clusters(bs, start, end, entry,
                       (s->discard_passthrough ? CLEAR_DISCARD_HOST : 0) |
                       (bs->backing ? 0 : CLEAR_ALLOCATED));
    g_mutex_unlock(&s->lock);
    return ret;
}

static int write_zero_bytes_plain(BlockDriverState *bs, uint64_t off,
                                  uint64_t len);

/* Does guest cluster @cl read as zeroes already (ignoring its data)? */
static bool cluster_reads_zero(BlockDriverState *bs, uint64_t cl)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t e;
    int64_t n;
    int ret;

    g_mutex_lock(&s->lock);
    ret = qcow2_get_l2_entry(bs, cl, &e);
    g_mutex_unlock(&s->lock);
    if (ret < 0) {
        return false;
    }
    switch (qcow2_get_cluster_type(s, e)) {
    case QCOW2_CLUSTER_ZERO_PLAIN:
    case QCOW2_CLUSTER_ZERO_ALLOC:
        return true;
    case QCOW2_CLUSTER_UNALLOCATED:
        if (!bs->backing) {
            return true;
        }
        ret = bdrv_block_status_above(bs->backing->bs, NULL, cl,
                                      s->cluster_size, &n, NULL, NULL, NULL);
        return ret >= 0 && n >= s->cluster_size &&
               (ret & BDRV_BLOCK_ZERO) && !(ret & BDRV_BLOCK_DATA);
    default:
        return false;
    }
}

static int write_zero_bytes(BlockDriverState *bs, uint64_t off, uint64_t len,
                            bool unmap)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t cl = off & ~(s->cluster_size - 1);

    /* As QEMU: a partial zero write into a cluster that reads as zeroes
     * turns the whole cluster into a zero cluster, allocating nothing. */
    if (off + len <= cl + s->cluster_size &&
        cl + s->cluster_size <= ROUND_UP(s->size, s->cluster_size) &&
        cluster_reads_zero(bs, cl)) {
        int ret;

        g_mutex_lock(&s->lock);
        /* v2 (no backing file here): unallocated reads as zeroes. */
        ret = bs->corrupt ? -EIO :
            clear_clusters(bs, cl, cl + s->cluster_size,
                           s->version >= 3 ? QCOW_OFLAG_ZERO : 0,
                           unmap || s->version < 3 ? 0 : CLEAR_KEEP_ALLOC);
        g_mutex_unlock(&s->lock);
        return ret;
    }
    return write_zero_bytes_plain(bs, off, len);
}

static int write_zero_bytes_plain(BlockDriverState *bs, uint64_t off,
                                  uint64_t len)
{
    g_autofree void *z = g_malloc0(len);
    struct iovec iov = { .iov_base = z, .iov_len = len };

    return qcow2_pwritev(bs, off, len, &iov, 1, 0);
}

int qcow2_pwrite_zeroes(BlockDriverState *bs, int64_t offset, int64_t bytes,
                        int flags)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t cs = s->cluster_size;
    uint64_t end = offset + bytes;
    uint64_t head_end = MIN(ROUND_UP(offset, cs), end);
    uint64_t tail_start;
    int ret;

    if (s->version < 3 && bs->backing) {
        return -ENOTSUP;        /* v2 cannot say "zero" over a backing file */
    }
    /* Partial clusters at either end get real zeroes; the image's last
     * cluster counts as whole. */
    if (head_end > (uint64_t)offset) {
        ret = write_zero_bytes(bs, offset, head_end - offset,
                               flags & BDRV_REQ_MAY_UNMAP);
        if (ret < 0 || head_end == end) {
            return ret;
        }
    }
    tail_start = end == s->size ? end : MAX(head_end, end & ~(cs - 1));
    if (tail_start < end) {
        ret = write_zero_bytes(bs, tail_start, end - tail_start,
                               flags & BDRV_REQ_MAY_UNMAP);
        if (ret < 0) {
            return ret;
        }
    }
    if (tail_start <= head_end) {
        return 0;
    }
    g_mutex_lock(&s->lock);
    ret = bs->corrupt ? -EIO :
        clear_clusters(bs, head_end, ROUND_UP(tail_start, cs),
                       s->version >= 3 ? QCOW_OFLAG_ZERO : 0,
                       s->version >= 3 && !(flags & BDRV_REQ_MAY_UNMAP) ?
                       CLEAR_KEEP_ALLOC : 0);
    g_mutex_unlock(&s->lock);
    return ret;
}

int qcow2_block_status(BlockDriverState *bs, int64_t offset, int64_t bytes,
                       int64_t *pnum, int64_t *map, BlockDriverState **file)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t *table, l2_off, l2e = 0;
    int ret;

    g_mutex_lock(&s->lock);
    ret = get_l2_table(bs, offset >> (s->l2_bits + s->cluster_bits), &table,
                       &l2_off);
    if (ret == 0 && table) {
        l2e = GUINT64_FROM_BE(table[(offset >> s->cluster_bits) &
                                    (s->l2_size - 1)]);
    }
    if (ret == 0) {
        uint64_t l2_end = ((offset >> (s->l2_bits + s->cluster_bits)) + 1) <<
                          (s->l2_bits + s->cluster_bits);
        int64_t max = MIN(bytes, (int64_t)(l2_end - offset));

        *pnum = run_length(bs, table, offset, l2e, max);
        /* Runs continue into the next L2 table when it is alike. */
        while (*pnum == max && max < bytes && !table &&
               ((offset + max) >> (s->l2_bits + s->cluster_bits)) <
               s->l1_size &&
               !(s->l1_table[(offset + max) >> (s->l2_bits +
                 s->cluster_bits)] & L1E_OFFSET_MASK)) {
            int64_t more = MIN(bytes - max, (int64_t)1 << (s->l2_bits +
                                                           s->cluster_bits));
            *pnum += more;
            max += more;
        }
    }
    g_mutex_unlock(&s->lock);
    if (ret < 0) {
        return ret;
    }
    *file = bs->file->bs;
    *map = 0;
    switch (qcow2_get_cluster_type(s, l2e)) {
    case QCOW2_CLUSTER_UNALLOCATED:
        return 0;
    case QCOW2_CLUSTER_ZERO_PLAIN:
    case QCOW2_CLUSTER_ZERO_ALLOC:
        return BDRV_BLOCK_ZERO | BDRV_BLOCK_ALLOCATED;
    case QCOW2_CLUSTER_COMPRESSED:
        return BDRV_BLOCK_DATA | BDRV_BLOCK_ALLOCATED | BDRV_BLOCK_COMPRESSED;
    case QCOW2_CLUSTER_NORMAL:
        *map = (l2e & L2E_OFFSET_MASK) + (offset & (s->cluster_size - 1));
        return BDRV_BLOCK_DATA | BDRV_BLOCK_ALLOCATED |
               BDRV_BLOCK_OFFSET_VALID;
    }
    return 0;
}

int qcow2_make_empty(BlockDriverState *bs)
{
    BDRVQcow2State *s = bs->opaque;
    int ret;

    g_mutex_lock(&s->lock);
    ret = clear_clusters(bs, 0, ROUND_UP(s->size, s->cluster_size), 0,
                         CLEAR_DISCARD_HOST);
    g_mutex_unlock(&s->lock);
    return ret;
}

int qcow2_discard_from(BlockDriverState *bs, uint64_t offset)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t start = ROUND_UP(offset, s->cluster_size);
    uint64_t end = (uint64_t)s->l1_size << (s->l2_bits + s->cluster_bits);
    uint64_t first;
    int ret;

    ret = clear_clusters(bs, start, end, 0, CLEAR_DISCARD_HOST);
    if (ret < 0) {
        return ret;
    }
    /* L2 tables wholly beyond the new end go too, as QEMU's
     * qcow2_shrink_l1_table(): the L1 entries are zeroed in one write,
     * then the tables freed. */
    first = DIV_ROUND_UP(start, 1ull << (s->l2_bits + s->cluster_bits));
    if (first >= s->l1_size) {
        return 0;
    }
    BLKDBG_EVENT(bs->file, BLKDBG_L1_SHRINK_WRITE_TABLE);
    ret = bdrv_pwrite_zeroes(bs->file->bs, s->l1_table_offset + first * 8,
                             (s->l1_size - first) * 8, 0);
    if (ret == 0) {
        ret = bdrv_flush(bs->file->bs);
    }
    if (ret < 0) {
        return ret;
    }
    BLKDBG_EVENT(bs->file, BLKDBG_L1_SHRINK_FREE_L2_CLUSTERS);
    for (uint64_t i = first; i < s->l1_size; i++) {
        uint64_t l2 = s->l1_table[i] & L1E_OFFSET_MASK;

        s->l1_table[i] = 0;
        if (l2) {
            qcow2_cache_discard(&s->l2_cache, l2);
            qcow2_free_clusters(bs, l2, s->cluster_size);
        }
    }
    return 0;
}

int qcow2_preallocate(BlockDriverState *bs, uint64_t from, uint64_t to)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t off = from & ~(s->cluster_size - 1);

    while (off < to) {
        uint64_t l1_index = off >> (s->l2_bits + s->cluster_bits);
        uint64_t l2_end = (l1_index + 1) << (s->l2_bits + s->cluster_bits);
        uint64_t stop = MIN(ROUND_UP(to, s->cluster_size), l2_end);
        uint64_t first = (off >> s->cluster_bits) & (s->l2_size - 1);
        uint64_t n = (stop - off) >> s->cluster_bits;
        uint64_t *table, l2_off;
        int64_t host;
        int ret;

        ret = get_l2_for_write(bs, l1_index, &table, &l2_off);
        if (ret < 0) {
            return ret;
        }
        host = qcow2_alloc_clusters(bs, stop - off);
        if (host < 0) {
            return host;
        }
        s->file_length = MAX(s->file_length, host + (stop - off));
        ret = get_l2_table(bs, l1_index, &table, &l2_off);
        if (ret < 0) {
            return ret;
        }
        for (uint64_t i = 0; i < n; i++) {
            if (qcow2_get_cluster_type(s, GUINT64_FROM_BE(table[first + i]))
                == QCOW2_CLUSTER_UNALLOCATED) {
                table[first + i] = GUINT64_TO_BE((host + i * s->cluster_size)
                                                 | QCOW_OFLAG_COPIED);
            } else {
                qcow2_free_clusters(bs, host + i * s->cluster_size,
                                    s->cluster_size);
            }
        }
        ret = write_l2_entries(bs, l2_off, table, first, n);
        if (ret < 0) {
            return ret;
        }
        off = stop;
    }
    return 0;
}
