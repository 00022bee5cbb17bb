/*
 * The 'file' protocol driver: a host file (or block device) through
 * pread/pwrite, O_DIRECT for cache.direct, fallocate for discard and
 * zeroes, SEEK_DATA/SEEK_HOLE for allocation, and OFD byte-range locks at
 * QEMU's offsets (100 + permission bit held, 200 + permission bit not
 * shared), so Vireo and QEMU refuse to write one image at the same time.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include <linux/falloc.h>
#include <sys/ioctl.h>
#include <linux/fs.h>
#include "vireo/cutils.h"
#include "qobject/qstring.h"
#include "block/block.h"

#define RAW_LOCK_PERM_BASE   100
#define RAW_LOCK_SHARED_BASE 200
#define DIRECT_ALIGN         4096

typedef struct BDRVRawState {
    int fd;
    bool use_lock;
    bool is_blockdev;
    uint64_t locked_perm, locked_shared;   /* bytes we hold */
} BDRVRawState;

static const char *const lock_perm_names[] = {
    "consistent read", "write", "write unchanged", "resize",
    "change children",
};

static int lock_byte(int fd, int64_t off, bool lock)
{
    struct flock fl = {
        .l_whence = SEEK_SET, .l_start = off, .l_len = 1,
        .l_type = lock ? F_RDLCK : F_UNLCK,
    };

    return fcntl(fd, F_OFD_SETLK, &fl) < 0 ? -errno : 0;
}

/* Does another open file description hold byte @off? */
static int byte_taken(int fd, int64_t off)
{
    struct flock fl = {
        .l_whence = SEEK_SET, .l_start = off, .l_len = 1,
        .l_type = F_WRLCK,
    };

    if (fcntl(fd, F_OFD_GETLK, &fl) < 0) {
        return -errno;
    }
    return fl.l_type != F_UNLCK;
}

static int raw_set_perm(BlockDriverState *bs, uint64_t perm, uint64_t shared,
                        Error **errp)
{
    BDRVRawState *s = bs->opaque;
    uint64_t unshared = BLK_PERM_ALL & ~shared;

    if (!s->use_lock) {
        return 0;
    }
    for (int i = 0; i < (int)ARRAY_SIZE(lock_perm_names); i++) {
        uint64_t bit = 1ull << i;

        if ((perm & bit) && byte_taken(s->fd, RAW_LOCK_SHARED_BASE + i)) {
            error_setg(errp, "Failed to get \"%s\" lock", lock_perm_names[i]);
            error_append_hint(errp, "Is another process using the image "
                              "[%s]?\n", bs->filename);
            return -EAGAIN;
        }
        if ((unshared & bit) && byte_taken(s->fd, RAW_LOCK_PERM_BASE + i)) {
            error_setg(errp, "Failed to get shared \"%s\" lock",
                       lock_perm_names[i]);
            error_append_hint(errp, "Is another process using the image "
                              "[%s]?\n", bs->filename);
            return -EAGAIN;
        }
    }
    for (int i = 0; i < (int)ARRAY_SIZE(lock_perm_names); i++) {
        uint64_t bit = 1ull << i;

        if (!!(perm & bit) != !!(s->locked_perm & bit)) {
            lock_byte(s->fd, RAW_LOCK_PERM_BASE + i, perm & bit);
        }
        if (!!(unshared & bit) != !!(s->locked_shared & bit)) {
            lock_byte(s->fd, RAW_LOCK_SHARED_BASE + i, unshared & bit);
        }
    }
    s->locked_perm = perm;
    s->locked_shared = unshared;
    return 0;
}

static int raw_open(BlockDriverState *bs, QDict *options, Error **errp)
{
    BDRVRawState *s = bs->opaque;
    const char *filename = qdict_get_try_str(options, "filename");
    const char *locking = qdict_get_try_str(options, "locking");
    const char *aio = qdict_get_try_str(options, "aio");
    int flags = O_CLOEXEC | (bs->read_only ? O_RDONLY : O_RDWR);
    struct stat st;

    if (!filename) {
        error_setg(errp, "Parameter 'filename' is missing");
        return -EINVAL;
    }
    if (strstart(filename, "file:", &filename)) {
        /* QEMU accepts a protocol prefix. */
    }
    if (!locking || !strcmp(locking, "auto") || !strcmp(locking, "on")) {
        s->use_lock = true;
    } else if (strcmp(locking, "off")) {
        error_setg(errp, "Parameter 'locking' does not accept value '%s'",
                   locking);
        return -EINVAL;
    }
    if (aio && strcmp(aio, "threads")) {
        error_setg(errp, "Parameter 'aio' does not accept value '%s'", aio);
        return -EINVAL;
    }
    if (bs->cache_direct) {
        flags |= O_DIRECT;
    }
    pstrcpy(bs->filename, sizeof(bs->filename), filename);
    s->fd = open(filename, flags);
    if (s->fd < 0 && (errno == EROFS || errno == EACCES) && !bs->read_only) {
        int err = errno;

        error_setg_errno(errp, err, "Could not open '%s'", filename);
        return -err;
    }
    if (s->fd < 0) {
        int err = errno;

        error_setg_errno(errp, err, "Could not open '%s'", filename);
        return -err;
    }
    if (fstat(s->fd, &st) == 0 && S_ISBLK(st.st_mode)) {
        s->is_blockdev = true;
    } else if (fstat(s->fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        error_setg(errp, "'%s' is not a file", filename);
        close(s->fd);
        return -EISDIR;
    }
    qdict_del(options, "filename");
    qdict_del(options, "locking");
    qdict_del(options, "aio");
    qdict_del(options, "x-force-share");
    return 0;
}

static void raw_close(BlockDriverState *bs)
{
    BDRVRawState *s = bs->opaque;

    if (s->fd >= 0) {
        close(s->fd);       /* drops the OFD locks too */
        s->fd = -1;
    }
}

static bool iov_aligned(const struct iovec *iov, int niov, int64_t offset,
                        int64_t bytes)
{
    if ((offset | bytes) & (DIRECT_ALIGN - 1)) {
        return false;
    }
    for (int i = 0; i < niov; i++) {
        if (((uintptr_t)iov[i].iov_base | iov[i].iov_len) &
            (DIRECT_ALIGN - 1)) {
            return false;
        }
    }
    return true;
}

/* Plain vectored transfer; reads past the end of file give zeroes. */
static int raw_rw(BDRVRawState *s, bool write, int64_t offset, int64_t bytes,
                  struct iovec *iov, int niov)
{
    struct iovec stack_iov[64], *cur;
    int64_t done = 0;

    while (done < bytes) {
        int n = bdrv_iov_slice(iov, niov, done, bytes - done, stack_iov,
                               ARRAY_SIZE(stack_iov));
        ssize_t r;

        if (n < 0) {
            n = ARRAY_SIZE(stack_iov);
        }
        cur = stack_iov;
        r = write ? pwritev(s->fd, cur, n, offset + done)
                  : preadv(s->fd, cur, n, offset + done);
        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -errno;
        }
        if (r == 0) {
            if (write) {
                return -EIO;
            }
            bdrv_iov_memset(iov, niov, done, 0, bytes - done);
            return 0;
        }
        done += r;
    }
    return 0;
}

/* O_DIRECT needs aligned buffers and ranges: go through a bounce buffer. */
static int raw_rw_bounce(BDRVRawState *s, bool write, int64_t offset,
                         int64_t bytes, struct iovec *iov, int niov)
{
    int64_t start = offset & ~(int64_t)(DIRECT_ALIGN - 1);
    int64_t end = ROUND_UP(offset + bytes, DIRECT_ALIGN);
    void *buf;
    struct iovec biov;
    int ret;

    if (posix_memalign(&buf, DIRECT_ALIGN, end - start)) {
        return -ENOMEM;
    }
    biov.iov_base = buf;
    biov.iov_len = end - start;
    if (!write || start != offset || end != offset + bytes) {
        ret = raw_rw(s, false, start, end - start, &biov, 1);
        if (ret < 0) {
            goto out;
        }
    }
    if (write) {
        int64_t eof = lseek(s->fd, 0, SEEK_END);

        bdrv_iov_to_buf(iov, niov, 0, (char *)buf + (offset - start), bytes);
        ret = raw_rw(s, true, start, end - start, &biov, 1);
        /* Do not leave the alignment padding as new file length. */
        if (ret == 0 && eof >= 0 && end > eof && offset + bytes > eof &&
            !s->is_blockdev && ftruncate(s->fd, offset + bytes) < 0) {
            ret = -errno;
        }
    } else {
        bdrv_iov_from_buf(iov, niov, 0, (char *)buf + (offset - start),
                          bytes);
        ret = 0;
    }
out:
    free(buf);
    return ret;
}

static int raw_preadv(BlockDriverState *bs, int64_t offset, int64_t bytes,
                      struct iovec *iov, int niov)
{
    BDRVRawState *s = bs->opaque;

    if (bs->cache_direct && !iov_aligned(iov, niov, offset, bytes)) {
        return raw_rw_bounce(s, false, offset, bytes, iov, niov);
    }
    return raw_rw(s, false, offset, bytes, iov, niov);
}

static int raw_pwritev(BlockDriverState *bs, int64_t offset, int64_t bytes,
                       struct iovec *iov, int niov, int flags)
{
    BDRVRawState *s = bs->opaque;

    if (bs->cache_direct && !iov_aligned(iov, niov, offset, bytes)) {
        return raw_rw_bounce(s, true, offset, bytes, iov, niov);
    }
    return raw_rw(s, true, offset, bytes, iov, niov);
}

static int raw_flush(BlockDriverState *bs)
{
    BDRVRawState *s = bs->opaque;

    if (bs->cache_no_flush) {
        return 0;
    }
    return fdatasync(s->fd) < 0 ? -errno : 0;
}

static int raw_pdiscard(BlockDriverState *bs, int64_t offset, int64_t bytes)
{
    BDRVRawState *s = bs->opaque;

    if (!bs->discard_unmap || s->is_blockdev) {
        return 0;
    }
    if (fallocate(s->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset,
                  bytes) < 0 && errno != EOPNOTSUPP) {
        return -errno;
    }
    return 0;
}

static int raw_pwrite_zeroes(BlockDriverState *bs, int64_t offset,
                             int64_t bytes, int flags)
{
    BDRVRawState *s = bs->opaque;
    struct stat st;

    if (s->is_blockdev) {
        return -ENOTSUP;
    }
    if ((flags & BDRV_REQ_MAY_UNMAP) && bs->discard_unmap &&
        fstat(s->fd, &st) == 0 && offset + bytes <= st.st_size &&
        fallocate(s->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset,
                  bytes) == 0) {
        return 0;
    }
    if (fallocate(s->fd, FALLOC_FL_ZERO_RANGE, offset, bytes) == 0) {
        return 0;
    }
    return errno == EOPNOTSUPP || errno == ENOSYS ? -ENOTSUP : -errno;
}

static int64_t raw_getlength(BlockDriverState *bs)
{
    BDRVRawState *s = bs->opaque;
    struct stat st;

    if (s->is_blockdev) {
        int64_t len = lseek(s->fd, 0, SEEK_END);

        return len < 0 ? -errno : len;
    }
    return fstat(s->fd, &st) < 0 ? -errno : st.st_size;
}

static int raw_block_status(BlockDriverState *bs, int64_t offset,
                            int64_t bytes, int64_t *pnum, int64_t *map,
                            BlockDriverState **file)
{
    BDRVRawState *s = bs->opaque;
    off_t data, hole;

    *map = offset;
    *file = bs;
    *pnum = bytes;
    data = lseek(s->fd, offset, SEEK_DATA);
    if (data < 0) {
        /* ENXIO: only a hole up to the end; other errors: assume data. */
        return errno == ENXIO ?
            BDRV_BLOCK_ZERO | BDRV_BLOCK_ALLOCATED | BDRV_BLOCK_OFFSET_VALID :
            BDRV_BLOCK_DATA | BDRV_BLOCK_ALLOCATED | BDRV_BLOCK_OFFSET_VALID;
    }
    if (data > offset) {
        *pnum = MIN(bytes, data - offset);
        return BDRV_BLOCK_ZERO | BDRV_BLOCK_ALLOCATED |
               BDRV_BLOCK_OFFSET_VALID;
    }
    hole = lseek(s->fd, offset, SEEK_HOLE);
    if (hole > offset) {
        *pnum = MIN(bytes, hole - offset);
    }
    return BDRV_BLOCK_DATA | BDRV_BLOCK_ALLOCATED | BDRV_BLOCK_OFFSET_VALID;
}

/* Grow @fd from @from to @to as @mode says. */
static int raw_prealloc(int fd, int64_t from, int64_t to, PreallocMode mode,
                        Error **errp)
{
    if (mode == PREALLOC_MODE_FALLOC && to > from) {
        int ret = posix_fallocate(fd, from, to - from);

        if (ret) {
            error_setg_errno(errp, ret, "Could not preallocate data");
            return -ret;
        }
    } else if (mode == PREALLOC_MODE_FULL && to > from) {
        const int64_t chunk = 1 << 20;
        g_autofree char *zero = g_malloc0(chunk);

        for (int64_t off = from; off < to; off += chunk) {
            int64_t n = MIN(chunk, to - off);

            if (pwrite(fd, zero, n, off) != n) {
                error_setg_errno(errp, errno, "Could not write zeros for "
                                 "preallocation");
                return -EIO;
            }
        }
    } else if (mode == PREALLOC_MODE_METADATA) {
        error_setg(errp, "Unsupported preallocation mode '%s'",
                   prealloc_mode_str(mode));
        return -ENOTSUP;
    }
    if (ftruncate(fd, to) < 0) {
        error_setg_errno(errp, errno, "Could not resize file");
        return -errno;
    }
    return 0;
}

static int raw_truncate(BlockDriverState *bs, int64_t offset, bool exact,
                        PreallocMode prealloc, Error **errp)
{
    BDRVRawState *s = bs->opaque;
    int64_t cur = raw_getlength(bs);

    if (s->is_blockdev) {
        if (offset > cur || (exact && offset != cur)) {
            error_setg(errp, "Cannot grow device files");
            return -EINVAL;
        }
        return 0;
    }
    if (!exact && offset < cur) {
        return 0;
    }
    return raw_prealloc(s->fd, cur, offset,
                        offset > cur ? prealloc : PREALLOC_MODE_OFF, errp);
}

static int64_t raw_get_allocated_file_size(BlockDriverState *bs)
{
    BDRVRawState *s = bs->opaque;
    struct stat st;

    return fstat(s->fd, &st) < 0 ? -errno : (int64_t)st.st_blocks * 512;
}

/* Create keys: "size" and "preallocation" as strings or numbers. */
static int raw_create(const char *filename, QDict *opts, Error **errp)
{
    const char *prealloc_s = qdict_get_try_str(opts, "preallocation");
    int64_t size = qdict_get_try_int(opts, "size", 0);
    int prealloc = prealloc_s ? prealloc_mode_from_str(prealloc_s) : 0;
    int fd, ret;

    if (prealloc < 0 || prealloc == PREALLOC_MODE_METADATA) {
        error_setg(errp, "Invalid parameter '%s'", prealloc_s);
        qobject_unref(opts);
        return -EINVAL;
    }
    qobject_unref(opts);
    strstart(filename, "file:", &filename);
    fd = open(filename, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        error_setg_errno(errp, errno, "Could not create '%s'", filename);
        return -errno;
    }
    ret = ftruncate(fd, 0) < 0 ? -errno : 0;
    if (ret == 0) {
        ret = raw_prealloc(fd, 0, size, prealloc, errp);
    } else {
        error_setg_errno(errp, -ret, "Could not resize file");
    }
    close(fd);
    return ret;
}

static const char *const raw_create_opts[] = {
    "size", "preallocation", NULL,
};

int bdrv_file_get_fd(BlockDriverState *bs)
{
    return bs && !strcmp(bs->drv->format_name, "file") ?
           ((BDRVRawState *)bs->opaque)->fd : -1;
}

static BlockDriver bdrv_file = {
    .format_name = "file",
    .instance_size = sizeof(BDRVRawState),
    .grows_on_write = true,
    .open = raw_open,
    .close = raw_close,
    .preadv = raw_preadv,
    .pwritev = raw_pwritev,
    .flush = raw_flush,
    .pdiscard = raw_pdiscard,
    .pwrite_zeroes = raw_pwrite_zeroes,
    .block_status = raw_block_status,
    .getlength = raw_getlength,
    .truncate = raw_truncate,
    .get_allocated_file_size = raw_get_allocated_file_size,
    .set_perm = raw_set_perm,
    .create = raw_create,
    .create_opts = raw_create_opts,
};

static void __attribute__((constructor)) file_posix_register(void)
{
    bdrv_register(&bdrv_file);
}
