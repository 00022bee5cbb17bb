/*
 * The 'copy-on-read' filter (QEMU's driver and options: 'file', and
 * 'bottom', the lowest node whose data is copied): its reads go to the
 * child with BDRV_REQ_COPY_ON_READ, so what the child gets from its
 * backing chain is also written into it and later reads are served by the
 * top image.  The child serialises the copies against its writes
 * (block.c), so a copy never overwrites a newer write.  -drive
 * copy-on-read=on does not use the filter: it sets the flag on the drive's
 * node, as QEMU does.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "block/block.h"

typedef struct BDRVCopyOnReadState {
    BlockDriverState *bottom;        /* our reference; NULL: whole chain */
} BDRVCopyOnReadState;

static int cor_open(BlockDriverState *bs, QDict *options, Error **errp)
{
    BDRVCopyOnReadState *s = bs->opaque;
    g_autofree char *bottom = g_strdup(qdict_get_try_str(options, "bottom"));
    uint64_t perm = BLK_PERM_CONSISTENT_READ | BLK_PERM_WRITE_UNCHANGED;
    uint64_t shared = BLK_PERM_CONSISTENT_READ | BLK_PERM_WRITE_UNCHANGED;
    BlockDriverState *b;

    if (qdict_get(options, "bottom") && !bottom) {
        error_setg(errp, "Invalid parameter type for 'bottom', expected: "
                   "string");
        return -EINVAL;
    }
    qdict_del(options, "bottom");
    if (!bs->read_only) {
        perm |= BLK_PERM_WRITE | BLK_PERM_RESIZE;
    }
    if (!bdrv_open_child(bs, options, "file", perm, shared, errp)) {
        return -EINVAL;
    }
    if (!bottom) {
        return 0;
    }
    b = bdrv_find_node(bottom);
    if (!b) {
        error_setg(errp, "Bottom node '%s' not found", bottom);
        return -EINVAL;
    }
    if (b->drv->is_filter) {
        error_setg(errp, "Bottom node '%s' is a filter", bottom);
        return -EINVAL;
    }
    bdrv_ref(b);
    s->bottom = b;
    return 0;
}

static void cor_close(BlockDriverState *bs)
{
    BDRVCopyOnReadState *s = bs->opaque;

    bdrv_unref(s->bottom);
    s->bottom = NULL;
}

static int64_t cor_getlength(BlockDriverState *bs)
{
    return bdrv_getlength(bs->file->bs);
}

/* The node below @bs that its data comes from. */
static BlockDriverState *below(BlockDriverState *bs)
{
    BdrvChild *c = bs->backing ?: (bs->drv->is_filter ? bs->file : NULL);

    return c ? c->bs : NULL;
}

static int cor_preadv(BlockDriverState *bs, int64_t offset, int64_t bytes,
                      struct iovec *iov, int niov)
{
    BDRVCopyOnReadState *s = bs->opaque;
    BlockDriverState *child = bs->file->bs;
    g_autofree struct iovec *part = NULL;
    int64_t done = 0;

    if (!s->bottom) {
        return bdrv_preadv_flags(child, offset, bytes, iov, niov,
                                 BDRV_REQ_COPY_ON_READ);
    }
    /* As QEMU: only what the chain holds down to 'bottom' is copied; on
     * an error the copy is tried anyway. */
    part = g_new(struct iovec, niov);
    while (done < bytes) {
        int64_t n = bytes - done;
        int flags = 0, k, ret;

        ret = bdrv_block_status(child, offset + done, n, &n, NULL, NULL);
        if (ret < 0 || n <= 0) {
            n = bytes - done;
            flags = BDRV_REQ_COPY_ON_READ;
        } else if (!(ret & BDRV_BLOCK_ALLOCATED) && below(child)) {
            BlockDriverState *base = below(s->bottom);

            ret = bdrv_block_status_above(below(child), base, offset + done,
                                          n, &n, NULL, NULL, NULL);
            if (ret < 0 || (ret & BDRV_BLOCK_ALLOCATED)) {
                flags = BDRV_REQ_COPY_ON_READ;
            }
            if (n <= 0) {
                n = bytes - done;
            }
        }
        k = bdrv_iov_slice(iov, niov, done, n, part, niov);
        ret = bdrv_preadv_flags(child, offset + done, n, part, k, flags);
        if (ret < 0) {
            return ret;
        }
        done += n;
    }
    return 0;
}

static int cor_pwritev(BlockDriverState *bs, int64_t offset, int64_t bytes,
                       struct iovec *iov, int niov, int flags)
{
    return bdrv_pwritev(bs->file->bs, offset, bytes, iov, niov, flags);
}

static int cor_pwrite_zeroes(BlockDriverState *bs, int64_t offset,
                             int64_t bytes, int flags)
{
    return bdrv_pwrite_zeroes(bs->file->bs, offset, bytes, flags);
}

static int cor_pdiscard(BlockDriverState *bs, int64_t offset, int64_t bytes)
{
    return bdrv_pdiscard(bs->file->bs, offset, bytes);
}

static BlockDriver bdrv_copy_on_read = {
    .format_name = "copy-on-read",
    .instance_size = sizeof(BDRVCopyOnReadState),
    .is_format = true,          /* not a protocol: QEMU's messages */
    .is_filter = true,
    .open = cor_open,
    .close = cor_close,
    .preadv = cor_preadv,
    .pwritev = cor_pwritev,
    .pwrite_zeroes = cor_pwrite_zeroes,
    .pdiscard = cor_pdiscard,
    .block_status = bdrv_filter_block_status,
    .getlength = cor_getlength,
    .truncate = bdrv_filter_truncate,
};

static void __attribute__((constructor)) copy_on_read_register(void)
{
    bdrv_register(&bdrv_copy_on_read);
}
