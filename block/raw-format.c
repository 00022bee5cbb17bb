/*
 * The 'raw' format: the guest sees the file child's bytes, optionally a
 * window of them ('offset', 'size').
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "block/block.h"

typedef struct BDRVRawFmtState {
    uint64_t offset;
    uint64_t size;
    bool has_size;
    bool probed;        /* format guessed: sector 0 stays raw */
} BDRVRawFmtState;

static int raw_fmt_open(BlockDriverState *bs, QDict *options, Error **errp)
{
    BDRVRawFmtState *s = bs->opaque;
    uint64_t perm, shared;
    bool has_offset;
    int64_t len;

    if (!bdrv_take_size(options, "offset", &s->offset, &has_offset, errp) ||
        !bdrv_take_size(options, "size", &s->size, &s->has_size, errp)) {
        return -EINVAL;
    }
    s->probed = qdict_get_try_bool(options, "x-probed", false);
    qdict_del(options, "x-probed");
    bdrv_file_child_perms(bs, options, &perm, &shared);
    if (!bdrv_open_child(bs, options, "file", perm, shared, errp)) {
        return -EINVAL;
    }
    len = bdrv_getlength(bs->file->bs);
    if (len < 0) {
        error_setg_errno(errp, -len, "Could not get the file size");
        return len;
    }
    if (s->offset > (uint64_t)len) {
        error_setg(errp, "The sum of offset (%" PRIu64 ") and size (0) has to "
                   "be smaller or equal to the  actual size of the containing "
                   "file (%" PRId64 ")", s->offset, len);
        return -EINVAL;
    }
    if (s->has_size && s->offset + s->size > (uint64_t)len) {
        error_setg(errp, "The sum of offset (%" PRIu64 ") and size (%" PRIu64
                   ") has to be smaller or equal to the  actual size of the "
                   "containing file (%" PRId64 ")", s->offset, s->size, len);
        return -EINVAL;
    }
    return 0;
}

static int64_t raw_fmt_getlength(BlockDriverState *bs)
{
    BDRVRawFmtState *s = bs->opaque;
    int64_t len;

    if (s->has_size) {
        return s->size;
    }
    len = bdrv_getlength(bs->file->bs);
    return len < 0 ? len : MAX(len - (int64_t)s->offset, 0);
}

static int raw_fmt_preadv(BlockDriverState *bs, int64_t offset, int64_t bytes,
                          struct iovec *iov, int niov)
{
    BDRVRawFmtState *s = bs->opaque;

    BLKDBG_EVENT(bs->file, BLKDBG_READ_AIO);
    return bdrv_preadv(bs->file->bs, s->offset + offset, bytes, iov, niov);
}

static int raw_fmt_pwritev(BlockDriverState *bs, int64_t offset,
                           int64_t bytes, struct iovec *iov, int niov,
                           int flags)
{
    BDRVRawFmtState *s = bs->opaque;

    if (s->probed && offset < BDRV_SECTOR_SIZE) {
        uint8_t sector[BDRV_SECTOR_SIZE];
        int64_t n = MIN(bytes, BDRV_SECTOR_SIZE - offset);
        int ret = 0;

        if (offset || n < BDRV_SECTOR_SIZE) {
            ret = bdrv_pread(bs->file->bs, s->offset, BDRV_SECTOR_SIZE,
                             sector);
        }
        if (ret < 0) {
            return ret;
        }
        bdrv_iov_to_buf(iov, niov, 0, sector + offset, n);
        if (bdrv_probe_non_raw(sector, BDRV_SECTOR_SIZE, bs->filename)) {
            return -EPERM;
        }
    }
    BLKDBG_EVENT(bs->file, BLKDBG_WRITE_AIO);
    return bdrv_pwritev(bs->file->bs, s->offset + offset, bytes, iov, niov,
                        flags);
}

static int raw_fmt_pdiscard(BlockDriverState *bs, int64_t offset,
                            int64_t bytes)
{
    BDRVRawFmtState *s = bs->opaque;

    return bdrv_pdiscard(bs->file->bs, s->offset + offset, bytes);
}

static int raw_fmt_pwrite_zeroes(BlockDriverState *bs, int64_t offset,
                                 int64_t bytes, int flags)
{
    BDRVRawFmtState *s = bs->opaque;

    return bdrv_pwrite_zeroes(bs->file->bs, s->offset + offset, bytes, flags);
}

static int raw_fmt_block_status(BlockDriverState *bs, int64_t offset,
                                int64_t bytes, int64_t *pnum, int64_t *map,
                                BlockDriverState **file)
{
    BDRVRawFmtState *s = bs->opaque;
    int ret = bdrv_block_status(bs->file->bs, s->offset + offset, bytes, pnum,
                                map, file);

    /* The data lives in our file at the same offset (plus the window). */
    return ret < 0 ? ret : (ret | BDRV_BLOCK_ALLOCATED);
}

static int raw_fmt_truncate(BlockDriverState *bs, int64_t offset, bool exact,
                            PreallocMode prealloc, Error **errp)
{
    BDRVRawFmtState *s = bs->opaque;

    if (s->has_size || s->offset) {
        error_setg(errp, "Cannot resize raw images with offset or size");
        return -ENOTSUP;
    }
    return bdrv_truncate(bs->file->bs, offset, exact, prealloc, errp);
}

static int raw_fmt_create(const char *filename, QDict *opts, Error **errp)
{
    return bdrv_find_format("file")->create(filename, opts, errp);
}

static int raw_fmt_probe(const uint8_t *buf, int len, const char *filename)
{
    return 1;           /* anything is raw, as a last resort */
}

static const char *const raw_fmt_create_opts[] = {
    "size", "preallocation", NULL,
};

static BlockDriver bdrv_raw = {
    .format_name = "raw",
    .instance_size = sizeof(BDRVRawFmtState),
    .is_format = true,
    .probe = raw_fmt_probe,
    .open = raw_fmt_open,
    .preadv = raw_fmt_preadv,
    .pwritev = raw_fmt_pwritev,
    .pdiscard = raw_fmt_pdiscard,
    .pwrite_zeroes = raw_fmt_pwrite_zeroes,
    .block_status = raw_fmt_block_status,
    .getlength = raw_fmt_getlength,
    .truncate = raw_fmt_truncate,
    .create = raw_fmt_create,
    .create_opts = raw_fmt_create_opts,
};

static void __attribute__((constructor)) raw_format_register(void)
{
    bdrv_register(&bdrv_raw);
}
