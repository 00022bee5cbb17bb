/*
 * Internal snapshots from QMP: blockdev-snapshot-internal-sync and
 * blockdev-snapshot-delete-internal-sync (also a transaction action,
 * undone when the transaction fails).  The device's requests are drained
 * first, so the snapshot holds every write the guest was told is done.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/timer.h"
#include "qapi/qapi-commands-block-core.h"
#include "system/blockdev.h"

/* The node for @device, checked as QEMU checks it before a snapshot. */
static BlockDriverState *snapshot_node(const char *device, Error **errp)
{
    BlockDriverState *bs = blockdev_find_node_or_device(device, NULL, errp);

    if (!bs) {
        return NULL;
    }
    if (bs->read_only) {
        error_setg(errp, "Device '%s' is read only", device);
        return NULL;
    }
    if (!bs->drv->snapshot_create) {
        error_setg(errp, "Block format '%s' used by device '%s' does not "
                   "support internal snapshots", bdrv_get_format_name(bs),
                   device);
        return NULL;
    }
    return bs;
}

/* Index in @list of the snapshot matching @id and/or @name, or -1. */
static int find_snapshot(QEMUSnapshotInfo *list, int n, const char *id,
                         const char *name)
{
    for (int i = 0; i < n; i++) {
        if ((!id || !strcmp(list[i].id_str, id)) &&
            (!name || !strcmp(list[i].name, name))) {
            return i;
        }
    }
    return -1;
}

static void drain_device(BlockDriverState *bs)
{
    DriveInfo *di = drive_for_node(bs);

    if (di) {
        blk_drain(di->blk);
    }
}

bool internal_snapshot_take(const char *device, const char *name,
                            InternalSnapshot *taken, Error **errp)
{
    BlockDriverState *bs = snapshot_node(device, errp);
    g_autofree QEMUSnapshotInfo *list = NULL;
    QEMUSnapshotInfo sn = { 0 };
    int64_t now = g_get_real_time();
    int n;

    if (!bs) {
        return false;
    }
    if (!*name) {
        error_setg(errp, "Name is empty");
        return false;
    }
    n = bs->drv->snapshot_list(bs, &list);
    if (n >= 0 && find_snapshot(list, n, NULL, name) >= 0) {
        error_setg(errp, "Snapshot with name '%s' already exists on device "
                   "'%s'", name, device);
        return false;
    }
    g_strlcpy(sn.name, name, sizeof(sn.name));
    sn.date_sec = now / G_USEC_PER_SEC;
    sn.date_nsec = (now % G_USEC_PER_SEC) * 1000;
    sn.vm_clock_nsec = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    sn.icount = -1;
    drain_device(bs);
    if (bs->drv->snapshot_create(bs, &sn, errp) < 0) {
        return false;
    }
    taken->bs = bs;
    g_strlcpy(taken->id, sn.id_str, sizeof(taken->id));
    bdrv_ref(bs);
    return true;
}

void internal_snapshot_undo(InternalSnapshot *taken)
{
    if (!taken->bs) {
        return;
    }
    drain_device(taken->bs);
    taken->bs->drv->snapshot_delete(taken->bs, taken->id, NULL);
    bdrv_unref(taken->bs);
    taken->bs = NULL;
}

void qmp_blockdev_snapshot_internal_sync(const char *device,
                                         const char *name, Error **errp)
{
    InternalSnapshot taken = { 0 };

    if (internal_snapshot_take(device, name, &taken, errp)) {
        bdrv_unref(taken.bs);
    }
}

SnapshotInfo *qmp_blockdev_snapshot_delete_internal_sync(const char *device,
                                                         const char *id,
                                                         const char *name,
                                                         Error **errp)
{
    BlockDriverState *bs = snapshot_node(device, errp);
    g_autofree QEMUSnapshotInfo *list = NULL;
    SnapshotInfo *info;
    int n, i;

    if (!bs) {
        return NULL;
    }
    if (!id && !name) {
        error_setg(errp, "Name or id must be provided");
        return NULL;
    }
    n = bs->drv->snapshot_list(bs, &list);
    i = n < 0 ? -1 : find_snapshot(list, n, id, name);
    if (i < 0) {
        error_setg(errp, "Snapshot with id '%s' and name '%s' does not exist "
                   "on device '%s'", id ? id : "(null)",
                   name ? name : "(null)", device);
        return NULL;
    }
    drain_device(bs);
    if (bs->drv->snapshot_delete(bs, list[i].id_str, errp) < 0) {
        return NULL;
    }
    info = g_new0(SnapshotInfo, 1);
    info->id = g_strdup(list[i].id_str);
    info->name = g_strdup(list[i].name);
    info->vm_state_size = list[i].vm_state_size;
    info->date_sec = list[i].date_sec;
    info->date_nsec = list[i].date_nsec;
    info->vm_clock_sec = list[i].vm_clock_nsec / NANOSECONDS_PER_SECOND;
    info->vm_clock_nsec = list[i].vm_clock_nsec % NANOSECONDS_PER_SECOND;
    if (list[i].icount != (uint64_t)-1) {
        info->has_icount = true;
        info->icount = list[i].icount;
    }
    return info;
}
