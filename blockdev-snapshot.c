/*
 * External snapshots and transactions: blockdev-snapshot puts an existing
 * overlay node on top of a node (the node becomes its backing file, and
 * the device writes to the overlay from then on); blockdev-snapshot-sync
 * creates and opens the overlay first.  transaction applies several of
 * them all or nothing: every action is prepared (overlays created and
 * checked) before any graph changes, and a failure undoes the changes
 * already made.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "qapi/qapi-commands-block-core.h"
#include "system/blockdev.h"

typedef struct SnapshotAction {
    TransactionActionKind kind;
    InternalSnapshot internal;  /* blockdev-snapshot-internal-sync */
    BlockDriverState *node;     /* gets the snapshot */
    BlockDriverState *overlay;  /* our reference while the action lives */
    DriveInfo *drive;           /* the device on @node, if any */
    bool opened_here;           /* blockdev-snapshot-sync opened it */
    bool applied;
} SnapshotAction;

BlockDriverState *blockdev_find_node_or_device(const char *device,
                                              const char *node_name,
                                              Error **errp)
{
    BlockDriverState *bs = NULL;

    if (device) {
        DriveInfo *di = drive_find(device);

        bs = di ? blk_bs(di->blk) : NULL;
    }
    if (!bs && (node_name || device)) {
        bs = bdrv_find_node(node_name ? node_name : device);
    }
    if (!bs) {
        error_set(errp, ERROR_CLASS_DEVICE_NOT_FOUND,
                  "Cannot find device='%s' nor node-name='%s'",
                  device ? device : "", node_name ? node_name : "");
    }
    return bs;
}

static bool snapshot_check(SnapshotAction *act, Error **errp)
{
    if (act->overlay == act->node) {
        error_setg(errp, "The overlay and the node must be different");
        return false;
    }
    if (act->overlay->backing) {
        error_setg(errp, "The overlay already has a backing image");
        return false;
    }
    if (drive_for_node(act->overlay)) {
        error_setg(errp, "The overlay is already in use");
        return false;
    }
    if (!act->overlay->drv->is_format) {
        error_setg(errp, "The overlay does not support backing images");
        return false;
    }
    act->drive = drive_for_node(act->node);
    return true;
}

static bool prepare_snapshot(BlockdevSnapshot *s, SnapshotAction *act,
                             Error **errp)
{
    act->node = blockdev_find_node_or_device(NULL, s->node, errp);
    if (!act->node) {
        return false;
    }
    act->overlay = bdrv_find_node(s->overlay);
    if (!act->overlay) {
        error_setg(errp, "Cannot find device='' nor node-name='%s'",
                   s->overlay);
        return false;
    }
    bdrv_ref(act->overlay);
    return snapshot_check(act, errp);
}

static bool prepare_snapshot_sync(BlockdevSnapshotSync *s,
                                  SnapshotAction *act, Error **errp)
{
    const char *format = s->format ? s->format : "qcow2";
    g_autoptr(QDict) opts = qdict_new();
    int64_t size;

    act->node = blockdev_find_node_or_device(s->device, s->node_name, errp);
    if (!act->node) {
        return false;
    }
    if (s->snapshot_node_name && bdrv_find_node(s->snapshot_node_name)) {
        error_setg(errp, "New overlay node-name already in use");
        return false;
    }
    if (!s->has_mode || s->mode == NEW_IMAGE_MODE_ABSOLUTE_PATHS) {
        QDict *create = qdict_new();    /* bdrv_create() consumes it */

        size = bdrv_getlength(act->node);
        if (size < 0) {
            error_setg_errno(errp, -size, "Could not get the size of '%s'",
                             act->node->node_name);
            qobject_unref(create);
            return false;
        }
        qdict_put_int(create, "size", size);
        qdict_put_str(create, "backing_file", act->node->filename);
        qdict_put_str(create, "backing_fmt",
                      bdrv_get_format_name(act->node));
        if (bdrv_create(format, s->snapshot_file, create, errp) < 0) {
            return false;
        }
    }
    if (s->snapshot_node_name) {
        qdict_put_str(opts, "node-name", s->snapshot_node_name);
    }
    act->overlay = bdrv_open_image(s->snapshot_file, format, opts, true,
                                   true, errp);
    act->opened_here = act->overlay != NULL;
    return act->overlay && snapshot_check(act, errp);
}

/* The graph change: node under overlay, the device on top. */
static bool apply_snapshot(SnapshotAction *act, Error **errp)
{
    BlockDriverState *old = NULL;

    if (act->drive) {
        old = blk_detach_root(act->drive->blk);
    }
    if (!bdrv_set_backing_hd(act->overlay, act->node, errp)) {
        goto undo;
    }
    if (act->drive && !blk_attach_root(act->drive->blk, act->overlay,
                                       errp)) {
        bdrv_set_backing_hd(act->overlay, NULL, &error_abort);
        goto undo;
    }
    bdrv_unref(old);
    act->applied = true;
    return true;

undo:
    if (old && !blk_attach_root(act->drive->blk, old, &error_abort)) {
        /* unreachable: the old root had these rights a moment ago */
    }
    bdrv_unref(old);
    return false;
}

static void revert_snapshot(SnapshotAction *act)
{
    if (!act->applied) {
        return;
    }
    if (act->drive) {
        BlockDriverState *top = blk_detach_root(act->drive->blk);

        bdrv_set_backing_hd(act->overlay, NULL, &error_abort);
        blk_attach_root(act->drive->blk, act->node, &error_abort);
        bdrv_unref(top);
    } else {
        bdrv_set_backing_hd(act->overlay, NULL, &error_abort);
    }
    act->applied = false;
}

static void release_action(SnapshotAction *act)
{
    if (!act->overlay) {
        return;
    }
    /* An overlay we opened over a node no device uses stays, owned by the
     * monitor (blockdev-del removes it). */
    if (act->applied && act->opened_here && !act->drive) {
        blockdev_monitor_own(act->overlay);
        return;
    }
    bdrv_unref(act->overlay);
}

void qmp_transaction(TransactionActionList *actions,
                     TransactionProperties *properties, Error **errp)
{
    g_autofree SnapshotAction *acts = NULL;
    TransactionActionList *l;
    size_t n = 0, i;
    bool ok = true;

    if (properties && properties->has_completion_mode &&
        properties->completion_mode != ACTION_COMPLETION_MODE_INDIVIDUAL) {
        error_setg(errp, "Action 'blockdev-snapshot' does not support "
                   "Transaction property completion-mode = grouped");
        return;
    }
    for (l = actions; l; l = l->next) {
        n++;
    }
    acts = g_new0(SnapshotAction, n ? n : 1);
    for (l = actions, i = 0; l && ok; l = l->next, i++) {
        TransactionAction *a = l->value;

        acts[i].kind = a->type;
        switch (a->type) {
        case TRANSACTION_ACTION_KIND_BLOCKDEV_SNAPSHOT:
            ok = prepare_snapshot(a->u.blockdev_snapshot.data, &acts[i],
                                  errp);
            break;
        case TRANSACTION_ACTION_KIND_BLOCKDEV_SNAPSHOT_SYNC:
            ok = prepare_snapshot_sync(a->u.blockdev_snapshot_sync.data,
                                       &acts[i], errp);
            break;
        default:
            /* As QEMU: the internal snapshot is taken while preparing. */
            ok = internal_snapshot_take(
                a->u.blockdev_snapshot_internal_sync.data->device,
                a->u.blockdev_snapshot_internal_sync.data->name,
                &acts[i].internal, errp);
            break;
        }
    }
    for (i = 0; i < n && ok; i++) {
        if (acts[i].kind !=
            TRANSACTION_ACTION_KIND_BLOCKDEV_SNAPSHOT_INTERNAL_SYNC) {
            ok = apply_snapshot(&acts[i], errp);
        }
    }
    if (!ok) {
        for (i = n; i-- > 0;) {
            revert_snapshot(&acts[i]);
            internal_snapshot_undo(&acts[i].internal);
        }
    }
    for (i = 0; i < n; i++) {
        release_action(&acts[i]);
        if (acts[i].internal.bs) {
            bdrv_unref(acts[i].internal.bs);   /* kept: it succeeded */
        }
    }
}

void qmp_blockdev_snapshot(const char *node, const char *overlay,
                           Error **errp)
{
    BlockdevSnapshot s = { .node = (char *)node, .overlay = (char *)overlay };
    SnapshotAction act = { 0 };

    if (prepare_snapshot(&s, &act, errp)) {
        apply_snapshot(&act, errp);
    }
    release_action(&act);
}

void qmp_blockdev_snapshot_sync(const char *device, const char *node_name,
                                const char *snapshot_file,
                                const char *snapshot_node_name,
                                const char *format, bool has_mode,
                                NewImageMode mode, Error **errp)
{
    BlockdevSnapshotSync s = {
        .device = (char *)device, .node_name = (char *)node_name,
        .snapshot_file = (char *)snapshot_file,
        .snapshot_node_name = (char *)snapshot_node_name,
        .format = (char *)format, .has_mode = has_mode, .mode = mode,
    };
    SnapshotAction act = { 0 };

    if (prepare_snapshot_sync(&s, &act, errp)) {
        apply_snapshot(&act, errp);
    }
    release_action(&act);
}
