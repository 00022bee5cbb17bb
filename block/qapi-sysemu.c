/*
 * Block QMP commands about devices and the graph as a whole:
 * block-latency-histogram-set, query-block-jobs and
 * x-debug-query-block-graph.
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

/*
 * Vireo has no block job types (mirror, stream, commit, backup): its only
 * job, blockdev-create, is a plain job that QEMU does not list here
 * either.  So there is never a block job to report.
 */
BlockJobInfoList *qmp_query_block_jobs(Error **errp)
{
    return NULL;
}

/* ---- x-debug-query-block-graph ---- */

typedef struct GraphBuilder {
    XDbgBlockGraph *graph;
    GHashTable *ids;            /* backend or node -> id (from 1) */
} GraphBuilder;

static uint64_t graph_id(GraphBuilder *gb, void *obj)
{
    uint64_t id = GPOINTER_TO_SIZE(g_hash_table_lookup(gb->ids, obj));

    if (!id) {
        id = g_hash_table_size(gb->ids) + 1;
        g_hash_table_insert(gb->ids, obj, GSIZE_TO_POINTER(id));
    }
    return id;
}

/* Lists are built front first, as QEMU does. */
static void graph_add_node(GraphBuilder *gb, void *obj,
                           XDbgBlockGraphNodeType type, const char *name)
{
    XDbgBlockGraphNode *n = g_new0(XDbgBlockGraphNode, 1);

    n->id = graph_id(gb, obj);
    n->type = type;
    n->name = g_strdup(name);
    QAPI_LIST_PREPEND(gb->graph->nodes, n);
}

static void graph_add_edge(GraphBuilder *gb, void *parent,
                           const BdrvChild *child)
{
    XDbgBlockGraphEdge *e = g_new0(XDbgBlockGraphEdge, 1);

    e->parent = graph_id(gb, parent);
    e->child = graph_id(gb, child->bs);
    e->name = g_strdup(child->name);
    /* BlockPermission values are the BLK_PERM_* bit numbers. */
    for (int p = 0; p < BLOCK_PERMISSION__MAX; p++) {
        if (child->perm & (1ULL << p)) {
            QAPI_LIST_PREPEND(e->perm, p);
        }
        if (child->shared & (1ULL << p)) {
            QAPI_LIST_PREPEND(e->shared_perm, p);
        }
    }
    QAPI_LIST_PREPEND(gb->graph->edges, e);
}

XDbgBlockGraph *qmp_x_debug_query_block_graph(Error **errp)
{
    GraphBuilder gb = {
        .graph = g_new0(XDbgBlockGraph, 1),
        .ids = g_hash_table_new(NULL, NULL),
    };

    for (DriveInfo *di = drive_next(NULL); di; di = drive_next(di)) {
        g_autofree char *dev_name = di->id ? NULL : drive_qdev_name(di);

        graph_add_node(&gb, di->blk, XDBG_BLOCK_GRAPH_NODE_TYPE_BLOCK_BACKEND,
                       di->id ? di->id : dev_name ? dev_name : "");
        if (blk_root(di->blk)) {
            graph_add_edge(&gb, di->blk, blk_root(di->blk));
        }
    }
    for (BlockDriverState *bs = bdrv_next_node(NULL); bs;
         bs = bdrv_next_node(bs)) {
        BdrvChild *c;

        graph_add_node(&gb, bs, XDBG_BLOCK_GRAPH_NODE_TYPE_BLOCK_DRIVER,
                       bs->node_name);
        QLIST_FOREACH(c, &bs->children, next) {
            graph_add_edge(&gb, bs, c);
        }
    }
    g_hash_table_destroy(gb.ids);
    return gb.graph;
}
