/*
 * BlockBackend: the handle a device or tool holds on a node.  Requests go
 * to the node's blocking driver in the worker pool; callers either pass a
 * completion callback (run in the main loop) or call the coroutine
 * variants, which yield until the worker is done.  The blk_p* calls block
 * the caller and are meant for tools.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef BLOCK_BLOCK_BACKEND_H
#define BLOCK_BLOCK_BACKEND_H

#include "block/block.h"
#include "block/throttle-groups.h"
#include "vireo/coroutine.h"
#include "vireo/thread-pool.h"

typedef struct BlockBackend BlockBackend;

/* Open flags. */
#define BDRV_O_RDWR        0x0002
#define BDRV_O_NO_BACKING  0x0100
#define BDRV_O_FORCE_SHARE 0x0200
#define BDRV_O_COPY_ON_READ 0x0400  /* bdrv_enable_copy_on_read() */

/* A backend on a new node chain: @filename with format @fmt (probed when
 * NULL), extra node options in @options (may be NULL, not consumed). */
BlockBackend *blk_new_open(const char *filename, const char *fmt,
                           QDict *options, int flags, Error **errp);
/* A backend on an existing node (takes a reference). */
BlockBackend *blk_new_with_bs(BlockDriverState *bs, uint64_t perm,
                              uint64_t shared, Error **errp);
void blk_unref(BlockBackend *blk);
/* Re-rooting (snapshots): detach returns the old root, whose reference
 * the caller then owns; attach takes a new reference to @bs with the
 * rights the backend had. */
BlockDriverState *blk_detach_root(BlockBackend *blk);
bool blk_attach_root(BlockBackend *blk, BlockDriverState *bs, Error **errp);
BlockDriverState *blk_bs(BlockBackend *blk);
/* The edge to the root node (NULL while detached): its permissions. */
BdrvChild *blk_root(BlockBackend *blk);
int64_t blk_getlength(BlockBackend *blk);
bool blk_is_read_only(BlockBackend *blk);
/* Requests in flight (callback or coroutine). */
unsigned blk_in_flight(BlockBackend *blk);
/* Run the main loop until no request is in flight. */
void blk_drain(BlockBackend *blk);

/*
 * I/O limits as QEMU puts them on a backend (-drive throttling.*,
 * block_set_io_throttle): reads, writes and zero writes of the callback
 * and coroutine styles wait in the main loop until the throttle group
 * lets them through; blocking calls (tools) are not limited.  A drain
 * lets the waiting requests go at once.
 */
/* Join @group (created on demand); limits come from blk_set_io_limits. */
void blk_io_limits_enable(BlockBackend *blk, const char *group);
/* Let queued requests go, then leave the group. */
void blk_io_limits_disable(BlockBackend *blk);
/* Move to another group unless already in it. */
void blk_io_limits_update_group(BlockBackend *blk, const char *group);
/* Limits for the backend's whole group. */
void blk_set_io_limits(BlockBackend *blk, const ThrottleConfig *cfg);
/* The backend's group membership, NULL while limits are off. */
ThrottleGroupMember *blk_io_limits(BlockBackend *blk);

/* Blocking. */
int blk_pread(BlockBackend *blk, int64_t offset, int64_t bytes, void *buf);
int blk_pwrite(BlockBackend *blk, int64_t offset, int64_t bytes,
               const void *buf, int flags);
int blk_flush(BlockBackend *blk);

/* Callback based: @cb(@opaque, 0 or -errno) runs in the main loop.  The
 * iovec array is copied; the buffers must stay valid until then. */
void blk_aio_preadv(BlockBackend *blk, int64_t offset,
                    const struct iovec *iov, int niov,
                    BlockCompletionFunc *cb, void *opaque);
void blk_aio_pwritev(BlockBackend *blk, int64_t offset,
                     const struct iovec *iov, int niov, int flags,
                     BlockCompletionFunc *cb, void *opaque);
void blk_aio_flush(BlockBackend *blk, BlockCompletionFunc *cb, void *opaque);
void blk_aio_pdiscard(BlockBackend *blk, int64_t offset, int64_t bytes,
                      BlockCompletionFunc *cb, void *opaque);
void blk_aio_pwrite_zeroes(BlockBackend *blk, int64_t offset, int64_t bytes,
                           int flags, BlockCompletionFunc *cb, void *opaque);

/* Coroutine based: the coroutine yields while a worker does the I/O. */
int coroutine_fn blk_co_preadv(BlockBackend *blk, int64_t offset,
                               int64_t bytes, struct iovec *iov, int niov);
int coroutine_fn blk_co_pwritev(BlockBackend *blk, int64_t offset,
                                int64_t bytes, struct iovec *iov, int niov,
                                int flags);
int coroutine_fn blk_co_flush(BlockBackend *blk);
int coroutine_fn blk_co_pdiscard(BlockBackend *blk, int64_t offset,
                                 int64_t bytes);

#endif
