/*
 * BlockBackend: a root reference on a node with the permissions its user
 * asked for, and the three ways to do I/O on it (blocking, callback,
 * coroutine).  Worker jobs see a private copy of the request.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/main-loop.h"
#include "block/block-backend.h"

struct BlockBackend {
    BlockDriverState *root;
    BlockDriverState holder;    /* a parent node so perms are accounted */
    BdrvChild *child;
    unsigned in_flight;
    uint64_t detached_perm, detached_shared;    /* while re-rooting */
    ThrottleGroupMember *tgm;   /* I/O limits on */
};

typedef enum BlkOp {
    BLK_READ, BLK_WRITE, BLK_FLUSH, BLK_DISCARD, BLK_WRITE_ZEROES,
} BlkOp;

typedef struct BlkRequest {
    BlockBackend *blk;
    BlkOp op;
    int64_t offset, bytes;
    int flags;
    int niov;
    struct iovec *iov;
    BlockCompletionFunc *cb;
    void *opaque;
    ThrottleRequest throttle;
} BlkRequest;

static BlockDriver blk_holder_drv = {
    .format_name = "block-backend",
};

BlockBackend *blk_new_with_bs(BlockDriverState *bs, uint64_t perm,
                              uint64_t shared, Error **errp)
{
    BlockBackend *blk = g_new0(BlockBackend, 1);
    QDict *opts = qdict_new();

    blk->holder.drv = &blk_holder_drv;
    blk->holder.read_only = !(perm & BLK_PERM_WRITE);
    QLIST_INIT(&blk->holder.children);
    qdict_put_str(opts, "root", bs->node_name);
    blk->child = bdrv_open_child(&blk->holder, opts, "root", perm, shared,
                                 errp);
    qobject_unref(opts);
    if (!blk->child) {
        g_free(blk);
        return NULL;
    }
    blk->root = bs;
    return blk;
}

BlockBackend *blk_new_open(const char *filename, const char *fmt,
                           QDict *options, int flags, Error **errp)
{
    bool rw = flags & BDRV_O_RDWR;
    g_autoptr(QDict) opts = options ? qdict_clone_shallow(options)
                                    : qdict_new();
    BlockDriverState *bs;
    BlockBackend *blk;
    uint64_t perm = BLK_PERM_CONSISTENT_READ;
    uint64_t shared = BLK_PERM_CONSISTENT_READ | BLK_PERM_WRITE_UNCHANGED;

    if (flags & BDRV_O_FORCE_SHARE) {
        qdict_put_bool(opts, "force-share", true);
        shared = BLK_PERM_ALL;
    }
    bs = bdrv_open_image(filename, fmt, opts, rw,
                         flags & BDRV_O_NO_BACKING, errp);
    if (!bs) {
        return NULL;
    }
    if ((flags & BDRV_O_COPY_ON_READ) && !bdrv_enable_copy_on_read(bs, errp)) {
        bdrv_unref(bs);
        return NULL;
    }
    if (rw) {
        perm |= BLK_PERM_WRITE | BLK_PERM_RESIZE;
    }
    blk = blk_new_with_bs(bs, perm, shared, errp);
    bdrv_unref(bs);
    return blk;
}

void blk_unref(BlockBackend *blk)
{
    if (!blk) {
        return;
    }
    blk_drain(blk);
    if (blk->tgm) {
        blk_io_limits_disable(blk);
    }
    QLIST_REMOVE(blk->child, next);
    QLIST_REMOVE(blk->child, next_parent);
    g_free(blk->child->name);
    g_free(blk->child);
    bdrv_refresh_perms(blk->root, NULL);
    bdrv_unref(blk->root);
    g_free(blk);
}

BlockDriverState *blk_bs(BlockBackend *blk)
{
    return blk->root;
}

BdrvChild *blk_root(BlockBackend *blk)
{
    return blk->child;
}

int64_t blk_getlength(BlockBackend *blk)
{
    return bdrv_getlength(blk->root);
}

bool blk_is_read_only(BlockBackend *blk)
{
    return blk->root->read_only;
}

unsigned blk_in_flight(BlockBackend *blk)
{
    return blk->in_flight;
}

void blk_drain(BlockBackend *blk)
{
    /* As QEMU: throttled requests do not hold up a drain. */
    ThrottleGroupMember *tgm = blk->tgm;

    if (tgm) {
        throttle_group_member_disable(tgm);
    }
    while (blk->in_flight > 0) {
        main_loop_wait(false);
    }
    if (tgm) {
        throttle_group_member_enable(tgm);
    }
}

void blk_io_limits_enable(BlockBackend *blk, const char *group)
{
    g_assert(!blk->tgm);
    blk->tgm = g_new0(ThrottleGroupMember, 1);
    throttle_group_register_member(blk->tgm, group);
}

void blk_io_limits_disable(BlockBackend *blk)
{
    ThrottleGroupMember *tgm = blk->tgm;

    g_assert(tgm);
    blk_drain(blk);
    blk->tgm = NULL;
    throttle_group_unregister_member(tgm);
    g_free(tgm);
}

void blk_io_limits_update_group(BlockBackend *blk, const char *group)
{
    if (!strcmp(throttle_group_name(blk->tgm->group), group)) {
        return;
    }
    blk_io_limits_disable(blk);
    blk_io_limits_enable(blk, group);
}

void blk_set_io_limits(BlockBackend *blk, const ThrottleConfig *cfg)
{
    throttle_group_config(blk->tgm->group, cfg);
}

ThrottleGroupMember *blk_io_limits(BlockBackend *blk)
{
    return blk->tgm;
}

int blk_pread(BlockBackend *blk, int64_t offset, int64_t bytes, void *buf)
{
    return bdrv_pread(blk->root, offset, bytes, buf);
}

int blk_pwrite(BlockBackend *blk, int64_t offset, int64_t bytes,
               const void *buf, int flags)
{
    struct iovec iov = { .iov_base = (void *)buf, .iov_len = bytes };

    return bdrv_pwritev(blk->root, offset, bytes, &iov, 1, flags);
}

int blk_flush(BlockBackend *blk)
{
    return bdrv_flush(blk->root);
}

/* Runs in a worker thread. */
static int blk_request_run(void *opaque)
{
    BlkRequest *req = opaque;
    BlockDriverState *bs = req->blk->root;

    switch (req->op) {
    case BLK_READ:
        return bdrv_preadv(bs, req->offset, req->bytes, req->iov, req->niov);
    case BLK_WRITE:
        return bdrv_pwritev(bs, req->offset, req->bytes, req->iov, req->niov,
                            req->flags);
    case BLK_FLUSH:
        return bdrv_flush(bs);
    case BLK_DISCARD:
        return bdrv_pdiscard(bs, req->offset, req->bytes);
    case BLK_WRITE_ZEROES:
        return bdrv_pwrite_zeroes(bs, req->offset, req->bytes, req->flags);
    }
    return -EINVAL;
}

static void blk_request_done(void *opaque, int ret)
{
    BlkRequest *req = opaque;

    req->blk->in_flight--;
    if (req->cb) {
        req->cb(req->opaque, ret);
    }
    g_free(req->iov);
    g_free(req);
}

static BlkRequest *blk_request_new(BlockBackend *blk, BlkOp op,
                                   int64_t offset, int64_t bytes,
                                   const struct iovec *iov, int niov,
                                   int flags)
{
    BlkRequest *req = g_new0(BlkRequest, 1);

    req->blk = blk;
    req->op = op;
    req->offset = offset;
    req->bytes = iov ? (int64_t)bdrv_iov_size(iov, niov) : bytes;
    req->flags = flags;
    if (iov) {
        req->iov = g_memdup2(iov, sizeof(*iov) * niov);
        req->niov = niov;
    }
    blk->in_flight++;
    return req;
}

static void blk_request_start(ThrottleRequest *tr)
{
    BlkRequest *req = container_of(tr, BlkRequest, throttle);

    thread_pool_submit_aio(blk_request_run, req, blk_request_done, req);
}

static void blk_submit(BlkRequest *req, BlockCompletionFunc *cb,
                       void *opaque)
{
    ThrottleDirection dir = req->op == BLK_READ ? THROTTLE_READ
                                                : THROTTLE_WRITE;

    req->cb = cb;
    req->opaque = opaque;
    req->throttle.bytes = req->bytes;
    req->throttle.go = blk_request_start;
    /* QEMU limits reads and writes (zero writes included), not flushes
     * or discards. */
    if (req->blk->tgm && (req->op == BLK_READ || req->op == BLK_WRITE ||
                          req->op == BLK_WRITE_ZEROES)) {
        throttle_group_schedule(req->blk->tgm, dir, &req->throttle);
        return;
    }
    blk_request_start(&req->throttle);
}

void blk_aio_preadv(BlockBackend *blk, int64_t offset,
                    const struct iovec *iov, int niov,
                    BlockCompletionFunc *cb, void *opaque)
{
    blk_submit(blk_request_new(blk, BLK_READ, offset, 0, iov, niov, 0),
               cb, opaque);
}

void blk_aio_pwritev(BlockBackend *blk, int64_t offset,
                     const struct iovec *iov, int niov, int flags,
                     BlockCompletionFunc *cb, void *opaque)
{
    blk_submit(blk_request_new(blk, BLK_WRITE, offset, 0, iov, niov, flags),
               cb, opaque);
}

void blk_aio_flush(BlockBackend *blk, BlockCompletionFunc *cb, void *opaque)
{
    blk_submit(blk_request_new(blk, BLK_FLUSH, 0, 0, NULL, 0, 0), cb,
               opaque);
}

void blk_aio_pdiscard(BlockBackend *blk, int64_t offset, int64_t bytes,
                      BlockCompletionFunc *cb, void *opaque)
{
    blk_submit(blk_request_new(blk, BLK_DISCARD, offset, bytes, NULL, 0, 0),
               cb, opaque);
}

void blk_aio_pwrite_zeroes(BlockBackend *blk, int64_t offset, int64_t bytes,
                           int flags, BlockCompletionFunc *cb, void *opaque)
{
    blk_submit(blk_request_new(blk, BLK_WRITE_ZEROES, offset, bytes, NULL, 0,
                               flags), cb, opaque);
}

typedef struct BlkCoWait {
    Coroutine *co;
    int ret;
    bool done;
} BlkCoWait;

static void blk_co_done(void *opaque, int ret)
{
    BlkCoWait *w = opaque;

    w->ret = ret;
    w->done = true;
    aio_co_wake(w->co);
}

static int coroutine_fn blk_co_submit(BlkRequest *req)
{
    BlkCoWait w = { .co = qemu_coroutine_self() };

    g_assert(w.co);
    blk_submit(req, blk_co_done, &w);
    while (!w.done) {
        qemu_coroutine_yield();
    }
    return w.ret;
}

int coroutine_fn blk_co_preadv(BlockBackend *blk, int64_t offset,
                               int64_t bytes, struct iovec *iov, int niov)
{
    return blk_co_submit(blk_request_new(blk, BLK_READ, offset, bytes, iov,
                                         niov, 0));
}

int coroutine_fn blk_co_pwritev(BlockBackend *blk, int64_t offset,
                                int64_t bytes, struct iovec *iov, int niov,
                                int flags)
{
    return blk_co_submit(blk_request_new(blk, BLK_WRITE, offset, bytes, iov,
                                         niov, flags));
}

int coroutine_fn blk_co_flush(BlockBackend *blk)
{
    return blk_co_submit(blk_request_new(blk, BLK_FLUSH, 0, 0, NULL, 0, 0));
}

int coroutine_fn blk_co_pdiscard(BlockBackend *blk, int64_t offset,
                                 int64_t bytes)
{
    return blk_co_submit(blk_request_new(blk, BLK_DISCARD, offset, bytes,
                                         NULL, 0, 0));
}

/*
 * Graph changes under a backend (snapshots): the root is detached, so the
 * node can take a parent that does not share write (an overlay's backing
 * link), then the backend attaches to the new root with the same rights.
 */
BlockDriverState *blk_detach_root(BlockBackend *blk)
{
    BlockDriverState *bs = blk->root;

    blk_drain(blk);
    blk->detached_perm = blk->child->perm;
    blk->detached_shared = blk->child->shared;
    QLIST_REMOVE(blk->child, next);
    QLIST_REMOVE(blk->child, next_parent);
    g_free(blk->child->name);
    g_free(blk->child);
    blk->child = NULL;
    blk->root = NULL;
    bdrv_refresh_perms(bs, NULL);
    return bs;                  /* the caller holds the reference now */
}

bool blk_attach_root(BlockBackend *blk, BlockDriverState *bs, Error **errp)
{
    QDict *opts = qdict_new();

    qdict_put_str(opts, "root", bs->node_name);
    blk->child = bdrv_open_child(&blk->holder, opts, "root",
                                 blk->detached_perm, blk->detached_shared,
                                 errp);
    qobject_unref(opts);
    if (!blk->child) {
        return false;
    }
    blk->root = bs;
    return true;
}
