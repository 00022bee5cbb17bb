/*
 * The 'throttle' filter driver: passes I/O to its 'file' child once the
 * throttle group named by 'throttle-group' (a throttle-group object)
 * allows it.  Reads count as reads; writes, zero writes and discards as
 * writes, as in QEMU.
 *
 * Waiting happens in the worker thread that runs the request: driver
 * callbacks here are blocking and already off the main loop, so the
 * simplest faithful design is to block that thread on the group until
 * its turn comes (throttle_group_wait), while the group's timer runs in
 * the main loop.  The cost is that a throttled request occupies a worker
 * while it waits; the pool grows to its bound (64) and further requests
 * queue there.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "block/block.h"
#include "block/throttle-groups.h"

typedef struct BDRVThrottleState {
    ThrottleGroupMember tgm;
} BDRVThrottleState;

static int throttle_open(BlockDriverState *bs, QDict *options, Error **errp)
{
    BDRVThrottleState *s = bs->opaque;
    uint64_t perm, shared;
    QObject *group;

    /* The group first: its error says more than one about the child. */
    group = qdict_get(options, "throttle-group");
    if (!group) {
        error_setg(errp, "Please specify a throttle group");
        return -EINVAL;
    }
    if (qobject_type(group) != QTYPE_QSTRING) {
        error_setg(errp, "Invalid parameter type for 'throttle-group', "
                   "expected: string");
        return -EINVAL;
    }
    if (!throttle_group_find(qdict_get_str(options, "throttle-group"))) {
        error_setg(errp, "Throttle group '%s' does not exist",
                   qdict_get_str(options, "throttle-group"));
        return -EINVAL;
    }
    bdrv_file_child_perms(bs, options, &perm, &shared);
    if (!bdrv_open_child(bs, options, "file", perm, shared, errp)) {
        return -EINVAL;
    }
    throttle_group_register_member(&s->tgm,
                                   qdict_get_str(options, "throttle-group"));
    qdict_del(options, "throttle-group");
    return 0;
}

static void throttle_close(BlockDriverState *bs)
{
    BDRVThrottleState *s = bs->opaque;

    throttle_group_unregister_member(&s->tgm);
}

static int64_t throttle_getlength(BlockDriverState *bs)
{
    return bdrv_getlength(bs->file->bs);
}

static int throttle_preadv(BlockDriverState *bs, int64_t offset,
                           int64_t bytes, struct iovec *iov, int niov)
{
    BDRVThrottleState *s = bs->opaque;

    throttle_group_wait(&s->tgm, THROTTLE_READ, bytes);
    return bdrv_preadv(bs->file->bs, offset, bytes, iov, niov);
}

static int throttle_pwritev(BlockDriverState *bs, int64_t offset,
                            int64_t bytes, struct iovec *iov, int niov,
                            int flags)
{
    BDRVThrottleState *s = bs->opaque;

    throttle_group_wait(&s->tgm, THROTTLE_WRITE, bytes);
    return bdrv_pwritev(bs->file->bs, offset, bytes, iov, niov, flags);
}

static int throttle_pwrite_zeroes(BlockDriverState *bs, int64_t offset,
                                  int64_t bytes, int flags)
{
    BDRVThrottleState *s = bs->opaque;

    throttle_group_wait(&s->tgm, THROTTLE_WRITE, bytes);
    return bdrv_pwrite_zeroes(bs->file->bs, offset, bytes, flags);
}

static int throttle_pdiscard(BlockDriverState *bs, int64_t offset,
                             int64_t bytes)
{
    BDRVThrottleState *s = bs->opaque;

    throttle_group_wait(&s->tgm, THROTTLE_WRITE, bytes);
    return bdrv_pdiscard(bs->file->bs, offset, bytes);
}

static BlockDriver bdrv_throttle = {
    .format_name = "throttle",
    .instance_size = sizeof(BDRVThrottleState),
    .is_format = true,
    .is_filter = true,
    .open = throttle_open,
    .close = throttle_close,
    .preadv = throttle_preadv,
    .pwritev = throttle_pwritev,
    .pwrite_zeroes = throttle_pwrite_zeroes,
    .pdiscard = throttle_pdiscard,
    .block_status = bdrv_filter_block_status,
    .getlength = throttle_getlength,
    .truncate = bdrv_filter_truncate,
};

static void __attribute__((constructor)) throttle_register(void)
{
    bdrv_register(&bdrv_throttle);
}
