/*
 * Block QMP commands about devices and the graph as a whole:
 * block-latency-histogram-set.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "qom/object.h"
#include "qapi/util.h"
#include "qapi/qapi-commands-block-core.h"
#include "system/blockdev.h"

/* QEMU's blk_by_qdev_id(): the drive of the device with id @id. */
static DriveInfo *drive_by_qdev_id(const char *id, Error **errp)
{
    Object *obj = object_resolve_path_component(
        container_get(qdev_get_machine(), "/peripheral"), id);
    DeviceState *dev = (DeviceState *)object_dynamic_cast(obj, TYPE_DEVICE);

    if (!dev) {
        error_set(errp, ERROR_CLASS_DEVICE_NOT_FOUND,
                  "Device '%s' not found", id);
        return NULL;
    }
    for (DriveInfo *di = drive_next(NULL); di; di = drive_next(di)) {
        if (di->dev == dev) {
            return di;
        }
    }
    error_setg(errp, "Device '%s' does not have a block device backend", id);
    return NULL;
}

static bool set_histogram(DriveInfo *di, const char *id, BlockAcctType type,
                          uint64List *own, uint64List *all, const char *what,
                          Error **errp)
{
    if (!own && !all) {
        return true;
    }
    if (block_latency_histogram_set(&di->stats, type, own ? own : all) < 0) {
        error_setg(errp, "Device '%s' set %s boundaries fail", id, what);
        return false;
    }
    return true;
}

/*
 * As QEMU 9.2, where an optional list is "present" when it is non-empty
 * (the has_ flags are ignored), and only the read, write and flush lists
 * decide whether everything is cleared.
 */
void qmp_block_latency_histogram_set(const char *id,
                                     bool has_boundaries,
                                     uint64List *boundaries,
                                     bool has_boundaries_read,
                                     uint64List *boundaries_read,
                                     bool has_boundaries_write,
                                     uint64List *boundaries_write,
                                     bool has_boundaries_zap,
                                     uint64List *boundaries_zap,
                                     bool has_boundaries_flush,
                                     uint64List *boundaries_flush,
                                     Error **errp)
{
    DriveInfo *di = drive_by_qdev_id(id, errp);

    if (!di) {
        return;
    }
    if (!boundaries && !boundaries_read && !boundaries_write &&
        !boundaries_flush) {
        block_latency_histograms_clear(&di->stats);
        return;
    }
    if (set_histogram(di, id, BLOCK_ACCT_READ, boundaries_read, boundaries,
                      "read", errp) &&
        set_histogram(di, id, BLOCK_ACCT_WRITE, boundaries_write, boundaries,
                      "write", errp) &&
        set_histogram(di, id, BLOCK_ACCT_ZONE_APPEND, boundaries_zap,
                      boundaries, "append write", errp)) {
        set_histogram(di, id, BLOCK_ACCT_FLUSH, boundaries_flush, boundaries,
                      "flush", errp);
    }
}
