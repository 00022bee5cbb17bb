/*
 * Block devices as the monitor and the device models see them.  A
 * DriveInfo wraps the BlockBackend a device uses with what QEMU keeps
 * beside it: the -drive id, the attached device, I/O accounting, the
 * werror/rerror policy and the I/O status (Vireo's block layer itself
 * knows nothing of devices).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef SYSTEM_BLOCKDEV_H
#define SYSTEM_BLOCKDEV_H

#include "block/block-backend.h"
#include "block/accounting.h"
#include "hw/qdev-core.h"

/* What the attached device wants to hear about. */
typedef struct BlockDevOps {
    void (*resize_cb)(void *opaque);
} BlockDevOps;

typedef struct DriveInfo {
    char *id;                   /* -drive id; NULL when a device made it */
    BlockBackend *blk;
    DeviceState *dev;
    const BlockDevOps *dev_ops;
    void *dev_opaque;
    bool writeback;             /* cache= mode: write cache enabled */
    BlockAcctStats stats;
    BlockdevOnError on_read_error, on_write_error;
    bool iostatus_enabled;
    BlockDeviceIoStatus iostatus;
    QTAILQ_ENTRY(DriveInfo) next;
} DriveInfo;

/* The monitor takes over a reference to @bs (blockdev-del drops it). */
void blockdev_monitor_own(BlockDriverState *bs);
/* -blockdev: JSON or dotted keys; the monitor owns the node. */
bool blockdev_add_cmdline(const char *optarg, Error **errp);
/* -drive: a node chain and a DriveInfo named by id; for if=virtio,
 * *device_opts receives the -device string that attaches it. */
DriveInfo *drive_new(const char *optarg, char **device_opts, Error **errp);

/* The node a "device" (a -drive id, else a node name) or node-name names. */
BlockDriverState *blockdev_find_node_or_device(const char *device,
                                              const char *node_name,
                                              Error **errp);

/* An internal snapshot taken by a transaction, undone if it fails. */
typedef struct InternalSnapshot {
    BlockDriverState *bs;       /* NULL: none taken */
    char id[128];
} InternalSnapshot;
bool internal_snapshot_take(const char *device, const char *name,
                            InternalSnapshot *taken, Error **errp);
void internal_snapshot_undo(InternalSnapshot *taken);
/* -snapshot: snapshot=on is every -drive's default. */
extern bool drive_snapshot_default;

/* For the drive= property: a -drive id or a node name. */
DriveInfo *drive_lookup_for_device(const char *name, bool writable,
                                   Error **errp);
bool drive_attach_dev(DriveInfo *di, DeviceState *dev, Error **errp);
void drive_detach_dev(DriveInfo *di);
const char *drive_name(DriveInfo *di);
/* The attached device's id, else its QOM path; NULL without a device. */
char *drive_qdev_name(DriveInfo *di);
/* Iterate over the drives: pass NULL first. */
DriveInfo *drive_next(DriveInfo *di);
/* The DriveInfo of -drive id=@id. */
DriveInfo *drive_find(const char *id);
/* The DriveInfo @dev is attached to, if any. */
DriveInfo *drive_for_dev(DeviceState *dev);
/* The DriveInfo whose backend sits on @bs, if any. */
DriveInfo *drive_for_node(BlockDriverState *bs);
void drive_set_dev_ops(DriveInfo *di, const BlockDevOps *ops, void *opaque);

/* What an I/O error becomes, and making it happen (BLOCK_IO_ERROR; for
 * 'stop' the VM stops with the I/O status set). */
BlockErrorAction drive_get_error_action(DriveInfo *di, bool is_read,
                                        int error);
void drive_error_action(DriveInfo *di, BlockErrorAction action, bool is_read,
                        int error);
void drive_iostatus_reset(DriveInfo *di);
/* What QMP 'cont' does first: every drive's I/O status back to ok. */
void drive_iostatus_reset_all(void);

#endif
