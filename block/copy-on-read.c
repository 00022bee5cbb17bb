/*
 * The 'copy-on-read' filter: reads of data its child gets from the
 * backing chain are also written into the child, so later reads are
 * served by the top image (QEMU's driver and option names: 'file', and
 * 'bottom', the lowest node whose data is copied).
 *
 * A copy writes what was just read; a guest write to the same place in
 * between would be overwritten by the stale copy, so writes and copies
 * through the filter are serialised by one lock.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "qobject/qstring.h"
#include "block/block.h"

typedef struct BDRVCopyOnReadState {
    BlockDriverState *below_bottom;  /* chain ends here; NULL: whole */
    GMutex lock;
} BDRVCopyOnReadState;

static int cor_open(BlockDriverState *bs, QDict *options, Error **errp)
{
    BDRVCopyOnReadState *s = bs->opaque;
    const char *bottom = qdict_get_try_str(options, "bottom");
    uint64_t perm = BLK_PERM_CONSISTENT_READ | BLK_PERM_WRITE_UNCHANGED;
    uint64_t shared = BLK_PERM_CONSISTENT_READ | BLK_PERM_WRITE_UNCHANGED;
    BlockDriverState *b;

    if (!bs->read_only) {
        perm |= BLK_PERM_WRITE | BLK_PERM_RESIZE;
    }
    if (!bdrv_open_child(bs, options, "file", perm, shared, errp)) {
        return -EINVAL;
    }
    g_mutex_init(&s->lock);
    if (bottom) {
        for (b = bs->file->bs; b; b = b->backing ? b->backing->bs : NULL) {
            if (!strcmp(b->node_name, bottom)) {
                break;
            }
        }
        if (!b) {
            error_setg(errp, "Bottom node '%s' not found in the backing "
                       "chain of '%s'", bottom, bs->file->bs->node_name);
            return -EINVAL;
        }
        s->below_bottom = b->backing ? b->backing->bs : NULL;
        qdict_del(options, "bottom");
    }
    return 0;
}

static void cor_close(BlockDriverState *bs)
{
    BDRVCopyOnReadState *s = bs->opaque;

    g_mutex_clear(&s->lock);
}

static int64_t cor_getlength(BlockDriverState *bs)
{
    return bdrv_getlength(bs->file->bs);
}

#define MAX_PARTS 256

/*
 * [offset, +bytes) is not in the child itself: read it (through the
 * child's backing chain) and write back the parts the chain down to
 * 'bottom' holds, under the lock that keeps guest writes out meanwhile.
 */
static int cor_copy(BlockDriverState *bs, int64_t offset, int64_t bytes,
                    struct iovec *iov, int niov)
{
    BDRVCopyOnReadState *s = bs->opaque;
    BlockDriverState *child = bs->file->bs;
    int64_t done = 0, pnum;
    int ret;

    g_mutex_lock(&s->lock);
    ret = bdrv_preadv(child, offset, bytes, iov, niov);
    while (ret >= 0 && done < bytes && !bs->read_only) {
        struct iovec part[MAX_PARTS];
        int n;

        ret = bdrv_block_status_above(child, s->below_bottom, offset + done,
                                      bytes - done, &pnum, NULL, NULL, NULL);
        if (ret >= 0 && (ret & BDRV_BLOCK_ALLOCATED)) {
            n = bdrv_iov_slice(iov, niov, done, pnum, part, MAX_PARTS);
            ret = n < 0 ? n : bdrv_pwritev(child, offset + done, pnum, part,
                                           n, 0);
        }
        done += pnum;
    }
    g_mutex_unlock(&s->lock);
    return ret < 0 ? ret : 0;
}

static int cor_preadv(BlockDriverState *bs, int64_t offset, int64_t bytes,
                      struct iovec *iov, int niov)
{
    BlockDriverState *child = bs->file->bs;
    int64_t done = 0;

    while (done < bytes) {
        struct iovec part[MAX_PARTS];
        int64_t pnum;
        int st, n, ret;

        st = bdrv_block_status(child, offset + done, bytes - done, &pnum,
                               NULL, NULL);
        if (st < 0) {
            return st;
        }
        n = bdrv_iov_slice(iov, niov, done, pnum, part, MAX_PARTS);
        if (n < 0) {
            return n;
        }
        ret = (st & BDRV_BLOCK_ALLOCATED)
              ? bdrv_preadv(child, offset + done, pnum, part, n)
              : cor_copy(bs, offset + done, pnum, part, n);
        if (ret < 0) {
            return ret;
        }
        done += pnum;
    }
    return 0;
}

static int cor_pwritev(BlockDriverState *bs, int64_t offset, int64_t bytes,
                       struct iovec *iov, int niov, int flags)
{
    BDRVCopyOnReadState *s = bs->opaque;
    int ret;

    g_mutex_lock(&s->lock);
    ret = bdrv_pwritev(bs->file->bs, offset, bytes, iov, niov, flags);
    g_mutex_unlock(&s->lock);
    return ret;
}

static int cor_pwrite_zeroes(BlockDriverState *bs, int64_t offset,
                             int64_t bytes, int flags)
{
    BDRVCopyOnReadState *s = bs->opaque;
    int ret;

    g_mutex_lock(&s->lock);
    ret = bdrv_pwrite_zeroes(bs->file->bs, offset, bytes, flags);
    g_mutex_unlock(&s->lock);
    return ret;
}

static int cor_pdiscard(BlockDriverState *bs, int64_t offset, int64_t bytes)
{
    BDRVCopyOnReadState *s = bs->opaque;
    int ret;

    g_mutex_lock(&s->lock);
    ret = bdrv_pdiscard(bs->file->bs, offset, bytes);
    g_mutex_unlock(&s->lock);
    return ret;
}

static int cor_block_status(BlockDriverState *bs, int64_t offset,
                            int64_t bytes, int64_t *pnum, int64_t *map,
                            BlockDriverState **file)
{
    return bdrv_block_status(bs->file->bs, offset, bytes, pnum, map, file);
}

static BlockDriver bdrv_copy_on_read = {
    .format_name = "copy-on-read",
    .instance_size = sizeof(BDRVCopyOnReadState),
    .open = cor_open,
    .close = cor_close,
    .preadv = cor_preadv,
    .pwritev = cor_pwritev,
    .pwrite_zeroes = cor_pwrite_zeroes,
    .pdiscard = cor_pdiscard,
    .block_status = cor_block_status,
    .getlength = cor_getlength,
};

static void __attribute__((constructor)) copy_on_read_register(void)
{
    bdrv_register(&bdrv_copy_on_read);
}
