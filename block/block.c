/*
 * The node graph: drivers, opening nodes from options (children, backing
 * files, format probing), node names, reference counts, permissions, and
 * the generic I/O entry points that check a request before the driver.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/cutils.h"
#include "qobject/qbool.h"
#include "qobject/qnull.h"
#include "qobject/qnum.h"
#include "qobject/qstring.h"
#include "block/block.h"

static QLIST_HEAD(, BlockDriver) drivers = QLIST_HEAD_INITIALIZER(drivers);
static QTAILQ_HEAD(, BlockDriverState) all_nodes =
    QTAILQ_HEAD_INITIALIZER(all_nodes);
static unsigned auto_node_count;

static const char *const prealloc_names[] = {
    [PREALLOC_MODE_OFF] = "off", [PREALLOC_MODE_METADATA] = "metadata",
    [PREALLOC_MODE_FALLOC] = "falloc", [PREALLOC_MODE_FULL] = "full",
};

int prealloc_mode_from_str(const char *s)
{
    for (int i = 0; i < (int)ARRAY_SIZE(prealloc_names); i++) {
        if (!strcmp(s, prealloc_names[i])) {
            return i;
        }
    }
    return -1;
}

const char *prealloc_mode_str(PreallocMode mode)
{
    return prealloc_names[mode];
}

void bdrv_register(BlockDriver *drv)
{
    QLIST_INSERT_HEAD(&drivers, drv, list);
}

BlockDriver *bdrv_find_format(const char *name)
{
    BlockDriver *drv;

    QLIST_FOREACH(drv, &drivers, list) {
        if (!strcmp(drv->format_name, name)) {
            return drv;
        }
    }
    return NULL;
}

bool bdrv_probe_non_raw(const uint8_t *buf, int len, const char *filename)
{
    BlockDriver *drv;

    QLIST_FOREACH(drv, &drivers, list) {
        if (drv->probe && strcmp(drv->format_name, "raw") &&
            drv->probe(buf, len, filename) > 0) {
            return true;
        }
    }
    return false;
}

BlockDriver *bdrv_find_protocol(const char *filename)
{
    const char *colon = filename ? strchr(filename, ':') : NULL;
    size_t len = colon ? colon - filename : 0;
    BlockDriver *drv;

    /* As QEMU: a prefix only counts before the first slash. */
    if (!colon || memchr(filename, '/', len)) {
        return NULL;
    }
    QLIST_FOREACH(drv, &drivers, list) {
        if (drv->protocol_name && strlen(drv->protocol_name) == len &&
            !strncmp(drv->protocol_name, filename, len)) {
            return drv;
        }
    }
    return NULL;
}

/* The driver a child given only by filename gets: its protocol, or file. */
static const char *driver_for_filename(const char *filename)
{
    BlockDriver *drv = bdrv_find_protocol(filename);

    return drv ? drv->format_name : "file";
}

static const char *const debug_event_names[BLKDBG__MAX] = {
    "l1_update", "l1_grow_alloc_table", "l1_grow_write_table",
    "l1_grow_activate_table", "l2_load", "l2_update", "l2_update_compressed",
    "l2_alloc_cow_read", "l2_alloc_write", "read_aio", "read_backing_aio",
    "read_compressed", "write_aio", "write_compressed", "vmstate_load",
    "vmstate_save", "cow_read", "cow_write", "reftable_load",
    "reftable_grow", "reftable_update", "refblock_load", "refblock_update",
    "refblock_update_part", "refblock_alloc", "refblock_alloc_hookup",
    "refblock_alloc_write", "refblock_alloc_write_blocks",
    "refblock_alloc_write_table", "refblock_alloc_switch_table",
    "cluster_alloc", "cluster_alloc_bytes", "cluster_free", "flush_to_os",
    "flush_to_disk", "pwritev_rmw_head", "pwritev_rmw_after_head",
    "pwritev_rmw_tail", "pwritev_rmw_after_tail", "pwritev", "pwritev_zero",
    "pwritev_done", "empty_image_prepare", "l1_shrink_write_table",
    "l1_shrink_free_l2_clusters", "cor_write", "cluster_alloc_space", "none",
};

const char *bdrv_debug_event_name(BdrvDebugEvent event)
{
    return event < BLKDBG__MAX ? debug_event_names[event] : NULL;
}

int bdrv_debug_event_lookup(const char *name)
{
    for (int i = 0; i < BLKDBG__MAX; i++) {
        if (!strcmp(debug_event_names[i], name)) {
            return i;
        }
    }
    return -1;
}

void bdrv_debug_event(BlockDriverState *bs, BdrvDebugEvent event)
{
    /* Only the node itself hears it (QEMU passes nothing down). */
    if (bs && bs->drv->debug_event) {
        bs->drv->debug_event(bs, event);
    }
}

/* The node below @bs through its primary child that has @cb set. */
#define DEBUG_NODE(bs, cb) ({                                    \
    BlockDriverState *b_ = (bs);                                 \
    while (b_ && !b_->drv->cb) {                                 \
        b_ = b_->file ? b_->file->bs : NULL;                     \
    }                                                            \
    b_;                                                          \
})

int bdrv_debug_breakpoint(BlockDriverState *bs, const char *event,
                          const char *tag)
{
    bs = DEBUG_NODE(bs, debug_breakpoint);
    return bs ? bs->drv->debug_breakpoint(bs, event, tag) : -ENOTSUP;
}

int bdrv_debug_remove_breakpoint(BlockDriverState *bs, const char *tag)
{
    bs = DEBUG_NODE(bs, debug_remove_breakpoint);
    return bs ? bs->drv->debug_remove_breakpoint(bs, tag) : -ENOTSUP;
}

int bdrv_debug_resume(BlockDriverState *bs, const char *tag)
{
    bs = DEBUG_NODE(bs, debug_resume);
    return bs ? bs->drv->debug_resume(bs, tag) : -ENOTSUP;
}

bool bdrv_debug_is_suspended(BlockDriverState *bs, const char *tag)
{
    bs = DEBUG_NODE(bs, debug_is_suspended);
    return bs && bs->drv->debug_is_suspended(bs, tag);
}

BlockDriver *bdrv_probe_format(BlockDriverState *file, Error **errp)
{
    uint8_t buf[2048];
    int64_t len = bdrv_getlength(file);
    BlockDriver *drv, *best = bdrv_find_format("raw");
    int best_score = 0, n;

    if (len < 0) {
        error_setg_errno(errp, -len, "Could not determine image size");
        return NULL;
    }
    n = MIN(len, (int64_t)sizeof(buf));
    if (n > 0 && bdrv_pread(file, 0, n, buf) < 0) {
        error_setg(errp, "Could not read image for determining its format");
        return NULL;
    }
    QLIST_FOREACH(drv, &drivers, list) {
        int score = drv->probe ? drv->probe(buf, n, file->filename) : 0;

        if (score > best_score) {
            best_score = score;
            best = drv;
        }
    }
    return best;
}

BlockDriverState *bdrv_find_node(const char *node_name)
{
    BlockDriverState *bs;

    QTAILQ_FOREACH(bs, &all_nodes, node_list) {
        if (!strcmp(bs->node_name, node_name)) {
            return bs;
        }
    }
    return NULL;
}

BlockDriverState *bdrv_next_node(BlockDriverState *bs)
{
    return bs ? QTAILQ_NEXT(bs, node_list) : QTAILQ_FIRST(&all_nodes);
}

int bdrv_filter_block_status(BlockDriverState *bs, int64_t offset,
                             int64_t bytes, int64_t *pnum, int64_t *map,
                             BlockDriverState **file)
{
    return bdrv_block_status(bs->file->bs, offset, bytes, pnum, map, file);
}

int bdrv_filter_truncate(BlockDriverState *bs, int64_t offset, bool exact,
                         PreallocMode prealloc, Error **errp)
{
    return bdrv_truncate(bs->file->bs, offset, exact, prealloc, errp);
}

const char *bdrv_get_format_name(BlockDriverState *bs)
{
    return bs->drv->format_name;
}

static bool bdrv_set_node_name(BlockDriverState *bs, const char *name,
                               Error **errp)
{
    if (!name) {
        snprintf(bs->node_name, sizeof(bs->node_name), "#block%u",
                 auto_node_count++);
        bs->auto_named = true;
        return true;
    }
    if (!id_wellformed(name)) {
        error_setg(errp, "Invalid node-name: '%s'", name);
        return false;
    }
    if (strlen(name) >= sizeof(bs->node_name)) {
        error_setg(errp, "Node name too long");
        return false;
    }
    if (bdrv_find_node(name)) {
        error_setg(errp, "Duplicate nodes with node-name='%s'", name);
        return false;
    }
    pstrcpy(bs->node_name, sizeof(bs->node_name), name);
    return true;
}

const char *bdrv_opt_str(QObject *o, const char *key, const char *type,
                         Error **errp)
{
    if (qobject_type(o) != QTYPE_QSTRING) {
        error_setg(errp, "Invalid parameter type for '%s', expected: %s",
                   key, type);
        return NULL;
    }
    return qstring_get_str(qobject_to(QString, o));
}

bool bdrv_opt_bool(QObject *o, const char *key, bool *out, Error **errp)
{
    static const char *const yes[] = { "on", "true", "yes", "y" };
    static const char *const no[] = { "off", "false", "no", "n" };
    const char *s;

    if (qobject_type(o) == QTYPE_QBOOL) {
        *out = qbool_get_bool(qobject_to(QBool, o));
        return true;
    }
    s = bdrv_opt_str(o, key, "boolean", errp);
    if (!s) {
        return false;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(yes); i++) {
        if (!strcmp(s, yes[i]) || !strcmp(s, no[i])) {
            *out = !strcmp(s, yes[i]);
            return true;
        }
    }
    error_setg(errp, "Parameter '%s' expects 'on' or 'off'", key);
    return false;
}

bool bdrv_opt_int(QObject *o, const char *key, int64_t *out, Error **errp)
{
    const char *s;

    if (qobject_type(o) == QTYPE_QNUM) {
        if (!qnum_get_try_int(qobject_to(QNum, o), out)) {
            error_setg(errp, "Parameter '%s' expects an integer", key);
            return false;
        }
        return true;
    }
    s = bdrv_opt_str(o, key, "integer", errp);
    if (s && qemu_strtoi64(s, NULL, 0, out) < 0) {
        error_setg(errp, "Parameter '%s' expects a number", key);
        return false;
    }
    return s != NULL;
}

bool bdrv_opt_size(QObject *o, const char *key, uint64_t *out, Error **errp)
{
    const char *s;
    int64_t v;

    if (qobject_type(o) == QTYPE_QNUM) {
        if (!qnum_get_try_int(qobject_to(QNum, o), &v) || v < 0) {
            error_setg(errp, "Parameter '%s' expects a non-negative number",
                       key);
            return false;
        }
        *out = v;
        return true;
    }
    s = bdrv_opt_str(o, key, "integer", errp);
    if (s && qemu_strtosz(s, NULL, out) < 0) {
        error_setg(errp, "Parameter '%s' expects a size", key);
        return false;
    }
    return s != NULL;
}

bool bdrv_take_size(QDict *opts, const char *key, uint64_t *out,
                    bool *present, Error **errp)
{
    QObject *o = qdict_get(opts, key);

    *present = o != NULL;
    if (!o) {
        return true;
    }
    if (!bdrv_opt_size(o, key, out, errp)) {
        return false;
    }
    qdict_del(opts, key);
    return true;
}

/* Take the boolean option @key (default @def) out of @opts. */
static int take_bool(QDict *opts, const char *key, bool def, bool *out,
                     Error **errp)
{
    QObject *o = qdict_get(opts, key);

    *out = def;
    if (!o) {
        return 0;
    }
    if (!bdrv_opt_bool(o, key, out, errp)) {
        return -1;
    }
    qdict_del(opts, key);
    return 0;
}

/* Bring "cache": {"direct": ...} into the dotted form we read. */
static void flatten_cache(QDict *opts)
{
    QDict *cache = qdict_get(opts, "cache") &&
        qobject_type(qdict_get(opts, "cache")) == QTYPE_QDICT ?
        qdict_get_qdict(opts, "cache") : NULL;
    const QDictEntry *e;

    if (!cache) {
        return;
    }
    for (e = qdict_first(cache); e; e = qdict_next(cache, e)) {
        g_autofree char *k = g_strdup_printf("cache.%s", qdict_entry_key(e));

        qdict_put_obj(opts, k, qobject_ref(qdict_entry_value(e)));
    }
    qdict_del(opts, "cache");
}

static bool take_generic_options(BlockDriverState *bs, QDict *opts,
                                  bool *force_share, Error **errp)
{
    const char *discard, *dz;

    flatten_cache(opts);
    if (take_bool(opts, "read-only", false, &bs->read_only, errp) < 0 ||
        take_bool(opts, "cache.direct", false, &bs->cache_direct, errp) < 0 ||
        take_bool(opts, "cache.no-flush", false, &bs->cache_no_flush,
                  errp) < 0 ||
        take_bool(opts, "force-share", false, force_share, errp) < 0) {
        return false;
    }
    if (*force_share && !bs->read_only) {
        error_setg(errp, "force-share=on can only be used with read-only "
                   "images");
        return false;
    }
    discard = qdict_get_try_str(opts, "discard");
    if (discard) {
        if (!strcmp(discard, "unmap") || !strcmp(discard, "on")) {
            bs->discard_unmap = true;
        } else if (strcmp(discard, "ignore") && strcmp(discard, "off")) {
            error_setg(errp, "Invalid discard option");
            return false;
        }
        qdict_del(opts, "discard");
    }
    qdict_del(opts, "auto-read-only");
    dz = qdict_get_try_str(opts, "detect-zeroes");
    if (dz) {
        if (!strcmp(dz, "on")) {
            bs->detect_zeroes = BDRV_DETECT_ZEROES_ON;
        } else if (!strcmp(dz, "unmap")) {
            if (!bs->discard_unmap) {
                error_setg(errp, "setting detect-zeroes to unmap is not "
                           "allowed without setting discard operation to "
                           "unmap");
                return false;
            }
            bs->detect_zeroes = BDRV_DETECT_ZEROES_UNMAP;
        } else if (strcmp(dz, "off")) {
            error_setg(errp, "Parameter 'detect-zeroes' does not accept "
                       "value '%s'", dz);
            return false;
        }
        qdict_del(opts, "detect-zeroes");
    }
    return true;
}

/* Children inherit the parent's cache mode and read-only flag. */
static void inherit_options(QDict *child, BlockDriverState *parent,
                            bool read_only)
{
    if (!qdict_haskey(child, "cache.direct") &&
        !qdict_haskey(child, "cache")) {
        qdict_put_bool(child, "cache.direct", parent->cache_direct);
        qdict_put_bool(child, "cache.no-flush", parent->cache_no_flush);
    }
    if (!qdict_haskey(child, "read-only")) {
        qdict_put_bool(child, "read-only", read_only);
    }
    if (parent->discard_unmap && !qdict_haskey(child, "discard")) {
        qdict_put_str(child, "discard", "unmap");
    }
}

static const char *const perm_names[] = {
    "consistent read", "write", "write unchanged", "resize",
    "change children",
};

/* Recompute the node's union of permissions and hand them to the driver. */
int bdrv_refresh_perms(BlockDriverState *bs, Error **errp)
{
    BdrvChild *c;
    uint64_t perm = 0, shared = BLK_PERM_ALL;

    QLIST_FOREACH(c, &bs->parents, next_parent) {
        perm |= c->perm;
        shared &= c->shared;
    }
    if (bs->drv->set_perm) {
        int ret = bs->drv->set_perm(bs, perm, shared, errp);

        if (ret < 0) {
            return ret;
        }
    }
    bs->perm = perm;
    bs->shared = shared;
    return 0;
}

static bool bdrv_check_perm_conflict(BlockDriverState *bs, uint64_t perm,
                                     uint64_t shared, Error **errp)
{
    uint64_t clash = (perm & ~bs->shared) | (bs->perm & ~shared);

    for (int i = 0; clash; i++, clash >>= 1) {
        if (clash & 1) {
            error_setg(errp, "Conflicts with use by another user as '%s' of "
                       "node '%s'", perm_names[i], bs->node_name);
            return false;
        }
    }
    return true;
}

static BdrvChild *bdrv_attach_child(BlockDriverState *parent,
                                    BlockDriverState *bs, const char *name,
                                    uint64_t perm, uint64_t shared,
                                    Error **errp)
{
    BdrvChild *child;

    if (!bdrv_check_perm_conflict(bs, perm, shared, errp)) {
        return NULL;
    }
    child = g_new0(BdrvChild, 1);
    child->name = g_strdup(name);
    child->bs = bs;
    child->perm = perm;
    child->shared = shared;
    QLIST_INSERT_HEAD(&parent->children, child, next);
    QLIST_INSERT_HEAD(&bs->parents, child, next_parent);
    if (bdrv_refresh_perms(bs, errp) < 0) {
        QLIST_REMOVE(child, next);
        QLIST_REMOVE(child, next_parent);
        g_free(child->name);
        g_free(child);
        bdrv_refresh_perms(bs, NULL);
        return NULL;
    }
    if (!strcmp(name, "file")) {
        parent->file = child;
    } else if (!strcmp(name, "backing")) {
        parent->backing = child;
    }
    return child;
}

static void bdrv_detach_child(BlockDriverState *parent, BdrvChild *child)
{
    BlockDriverState *bs = child->bs;

    QLIST_REMOVE(child, next);
    QLIST_REMOVE(child, next_parent);
    if (parent->file == child) {
        parent->file = NULL;
    }
    if (parent->backing == child) {
        parent->backing = NULL;
    }
    g_free(child->name);
    g_free(child);
    bdrv_refresh_perms(bs, NULL);
    bdrv_unref(bs);
}

BdrvChild *bdrv_open_child(BlockDriverState *parent, QDict *options,
                           const char *key, uint64_t perm, uint64_t shared,
                           Error **errp)
{
    QObject *ref = qdict_get(options, key);
    BlockDriverState *bs;
    BdrvChild *child;

    if (!ref) {
        error_setg(errp, "A block device must be specified for \"%s\"", key);
        return NULL;
    }
    if (qobject_type(ref) == QTYPE_QSTRING) {
        const char *name = qstring_get_str(qobject_to(QString, ref));

        bs = bdrv_find_node(name);
        if (!bs) {
            error_setg(errp, "Cannot find device='' nor node-name='%s'", name);
            return NULL;
        }
        bdrv_ref(bs);
    } else if (qobject_type(ref) == QTYPE_QDICT) {
        QDict *def = qdict_clone_shallow(qobject_to(QDict, ref));

        if (!qdict_haskey(def, "driver") &&
            qdict_get_try_str(def, "filename")) {
            /* QEMU's default: the filename's protocol, else a file. */
            qdict_put_str(def, "driver", driver_for_filename(
                qdict_get_try_str(def, "filename")));
        }
        inherit_options(def, parent, !(perm & BLK_PERM_WRITE));
        bs = bdrv_open(def, errp);
        if (!bs) {
            return NULL;
        }
    } else {
        error_setg(errp, "Invalid parameter type for '%s', expected: "
                   "BlockdevRef", key);
        return NULL;
    }
    if ((perm & BLK_PERM_WRITE) && bs->read_only) {
        error_setg(errp, "Block node is read-only");
        bdrv_unref(bs);
        return NULL;
    }
    child = bdrv_attach_child(parent, bs, key, perm, shared, errp);
    if (!child) {
        bdrv_unref(bs);
        return NULL;
    }
    qdict_del(options, key);
    return child;
}

void bdrv_file_child_perms(BlockDriverState *bs, QDict *options,
                           uint64_t *perm, uint64_t *shared)
{
    bool force_share = qdict_get_try_bool(options, "x-force-share", false);

    qdict_del(options, "x-force-share");
    *perm = BLK_PERM_CONSISTENT_READ;
    *shared = BLK_PERM_CONSISTENT_READ | BLK_PERM_WRITE_UNCHANGED;
    if (!bs->read_only) {
        *perm |= BLK_PERM_WRITE | BLK_PERM_RESIZE;
    } else {
        *shared |= BLK_PERM_GRAPH_MOD;
    }
    if (force_share) {
        *shared = BLK_PERM_ALL;
    }
}

bool bdrv_set_backing_hd(BlockDriverState *parent, BlockDriverState *backing,
                         Error **errp)
{
    if (parent->backing) {
        bdrv_detach_child(parent, parent->backing);
    }
    if (!backing) {
        return true;
    }
    bdrv_ref(backing);
    if (!bdrv_attach_child(parent, backing, "backing",
                           BLK_PERM_CONSISTENT_READ,
                           BLK_PERM_ALL & ~BLK_PERM_WRITE, errp)) {
        bdrv_unref(backing);
        return false;
    }
    return true;
}

/* A backing file name relative to its overlay's directory. */
static char *backing_path(BlockDriverState *bs)
{
    g_autofree char *dir = NULL;

    const char *slash = strrchr(bs->filename, '/');

    if (g_path_is_absolute(bs->backing_file) || !slash ||
        strstr(bs->backing_file, "://")) {
        return g_strdup(bs->backing_file);
    }
    dir = g_strndup(bs->filename, slash - bs->filename + 1);
    return g_strconcat(dir, bs->backing_file, NULL);
}

int bdrv_open_backing_file(BlockDriverState *bs, QDict *options, Error **errp)
{
    g_autofree char *path = NULL;
    BlockDriverState *backing;

    if (bs->backing || !bs->backing_file[0]) {
        return 0;
    }
    path = backing_path(bs);
    backing = bdrv_open_image(path, bs->backing_format[0] ?
                              bs->backing_format : NULL, options, false,
                              false, errp);
    if (!backing) {
        error_prepend(errp, "Could not open backing file: ");
        return -EINVAL;
    }
    if (!bdrv_set_backing_hd(bs, backing, errp)) {
        bdrv_unref(backing);
        return -EINVAL;
    }
    bdrv_unref(backing);
    return 0;
}

static void bdrv_free(BlockDriverState *bs)
{
    while (!QLIST_EMPTY(&bs->children)) {
        bdrv_detach_child(bs, QLIST_FIRST(&bs->children));
    }
    qobject_unref(bs->options);
    g_mutex_clear(&bs->reqs_lock);
    g_cond_clear(&bs->reqs_cond);
    g_free(bs->opaque);
    g_free(bs);
}

BlockDriverState *bdrv_open(QDict *options, Error **errp)
{
    const char *driver = qdict_get_try_str(options, "driver");
    g_autoptr(QDict) saved = qdict_clone_shallow(options);
    BlockDriverState *bs;
    BlockDriver *drv;
    const QDictEntry *e;
    QObject *backing_ref;
    bool force_share;

    if (!driver) {
        error_setg(errp, "Parameter 'driver' is missing");
        qobject_unref(options);
        return NULL;
    }
    drv = bdrv_find_format(driver);
    if (!drv) {
        error_setg(errp, "Unknown driver '%s'", driver);
        qobject_unref(options);
        return NULL;
    }
    bs = g_new0(BlockDriverState, 1);
    bs->drv = drv;
    bs->refcnt = 1;
    bs->shared = BLK_PERM_ALL;
    QLIST_INIT(&bs->children);
    QLIST_INIT(&bs->parents);
    QLIST_INIT(&bs->tracked_requests);
    g_mutex_init(&bs->reqs_lock);
    g_cond_init(&bs->reqs_cond);
    if (!bdrv_set_node_name(bs, qdict_get_try_str(options, "node-name"),
                            errp) ||
        !take_generic_options(bs, options, &force_share, errp)) {
        bdrv_free(bs);
        qobject_unref(options);
        return NULL;
    }
    qdict_del(options, "driver");
    qdict_del(options, "node-name");
    if (drv->is_format && qdict_get(options, "file") &&
        qobject_type(qdict_get(options, "file")) == QTYPE_QDICT &&
        force_share) {
        qdict_put_bool(qdict_get_qdict(options, "file"), "force-share", true);
    }
    /* Drivers that take a 'file' child see our read-only/force-share
     * through these keys. */
    if (drv->is_format) {
        qdict_put_bool(options, "x-force-share", force_share);
    }
    backing_ref = qdict_get(options, "backing");
    if (backing_ref) {
        qobject_ref(backing_ref);
        qdict_del(options, "backing");
    }
    if (drv->parse_filename && qdict_get_try_str(options, "filename")) {
        Error *local_err = NULL;
        g_autofree char *name = g_strdup(qdict_get_try_str(options,
                                                           "filename"));

        qdict_del(options, "filename");
        drv->parse_filename(name, options, &local_err);
        if (local_err) {
            error_propagate(errp, local_err);
            goto fail;
        }
    }
    bs->opaque = g_malloc0(drv->instance_size);
    if (drv->open(bs, options, errp) < 0) {
        goto fail;
    }
    qdict_del(options, "x-force-share");
    e = qdict_first(options);
    if (e) {
        /* QEMU's two wordings. */
        error_setg(errp, drv->is_format ?
                   "Block format '%s' does not support the option '%s'" :
                   "Block protocol '%s' doesn't support the option '%s'",
                   drv->format_name, qdict_entry_key(e));
        goto fail_close;
    }
    if (bs->file && !bs->filename[0]) {
        pstrcpy(bs->filename, sizeof(bs->filename), bs->file->bs->filename);
    }
    if (drv->is_format && backing_ref &&
        qobject_type(backing_ref) != QTYPE_QNULL) {
        QDict *tmp = qdict_new();

        qdict_put_obj(tmp, "backing", qobject_ref(backing_ref));
        if (!bdrv_open_child(bs, tmp, "backing", BLK_PERM_CONSISTENT_READ,
                             BLK_PERM_ALL & ~BLK_PERM_WRITE, errp)) {
            qobject_unref(tmp);
            goto fail_close;
        }
        qobject_unref(tmp);
    } else if (drv->is_format && !backing_ref && bs->backing_file[0] &&
               !qdict_get_try_bool(saved, "x-no-backing", false)) {
        if (bdrv_open_backing_file(bs, NULL, errp) < 0) {
            goto fail_close;
        }
    }
    qobject_unref(backing_ref);
    bs->options = qobject_ref(saved);
    QTAILQ_INSERT_TAIL(&all_nodes, bs, node_list);
    qobject_unref(options);
    return bs;

fail_close:
    if (drv->close) {
        drv->close(bs);
    }
fail:
    qobject_unref(backing_ref);
    bdrv_free(bs);
    qobject_unref(options);
    return NULL;
}

BlockDriverState *bdrv_open_image(const char *filename, const char *fmt,
                                  QDict *options, bool writable,
                                  bool no_backing, Error **errp)
{
    QDict *opts = options ? qdict_clone_shallow(options) : qdict_new();
    QDict *file_opts;
    QObject *file_ref;
    BlockDriverState *file = NULL, *bs;
    BlockDriver *drv;
    bool force_share;

    flatten_cache(opts);
    force_share = qdict_get_try_bool(opts, "force-share", false);

    if (fmt && !bdrv_find_format(fmt)) {
        error_setg(errp, "Unknown driver '%s'", fmt);
        qobject_unref(opts);
        return NULL;
    }
    if (!fmt && qdict_get_try_str(opts, "driver")) {
        fmt = qdict_get_try_str(opts, "driver");
    }
    drv = fmt ? bdrv_find_format(fmt) : NULL;
    if (drv && !drv->is_format) {
        /* A protocol driver: the filename is its own. */
        if (filename) {
            qdict_put_str(opts, "filename", filename);
        }
        qdict_put_str(opts, "driver", fmt);
        qdict_put_bool(opts, "read-only", !writable);
        return bdrv_open(opts, errp);
    }
    file_ref = qdict_get(opts, "file");
    if (!file_ref || qobject_type(file_ref) == QTYPE_QDICT) {
        /* The file node: from the name, or from "file" options (-drive
         * file.driver=blkdebug,...), which the name completes. */
        file_opts = file_ref ? qdict_clone_shallow(qobject_to(QDict,
                                                              file_ref))
                             : qdict_new();
        if (filename && !qdict_haskey(file_opts, "filename")) {
            qdict_put_str(file_opts, "filename", filename);
        }
        if (!qdict_haskey(file_opts, "driver")) {
            if (!qdict_haskey(file_opts, "filename")) {
                error_setg(errp,
                           "The 'file' block driver requires a file name");
                qobject_unref(file_opts);
                qobject_unref(opts);
                return NULL;
            }
            qdict_put_str(file_opts, "driver", driver_for_filename(
                qdict_get_try_str(file_opts, "filename")));
        }
        if (!qdict_haskey(file_opts, "read-only")) {
            qdict_put_bool(file_opts, "read-only", !writable);
        }
        if (force_share && !qdict_haskey(file_opts, "force-share")) {
            qdict_put_bool(file_opts, "force-share", true);
        }
        for (const char *const *k = (const char *const[]) {
                 "cache.direct", "cache.no-flush", "discard", NULL };
             *k; k++) {
            if (qdict_haskey(opts, *k) && !qdict_haskey(file_opts, *k)) {
                qdict_put_obj(file_opts, *k, qobject_ref(qdict_get(opts, *k)));
            }
        }
        /* Protocol options given to the image go to its file. */
        for (const char *const *k = (const char *const[]) {
                 "locking", "aio", NULL }; *k; k++) {
            if (qdict_haskey(opts, *k)) {
                if (!qdict_haskey(file_opts, *k)) {
                    qdict_put_obj(file_opts, *k,
                                  qobject_ref(qdict_get(opts, *k)));
                }
                qdict_del(opts, *k);
            }
        }
        file = bdrv_open(file_opts, errp);
        if (!file) {
            qobject_unref(opts);
            return NULL;
        }
        qdict_put_str(opts, "file", file->node_name);
    }
    if (!drv) {
        BlockDriverState *probe_bs = file ? file :
            bdrv_find_node(qdict_get_try_str(opts, "file") ?: "");

        drv = probe_bs ? bdrv_probe_format(probe_bs, errp) :
            bdrv_find_format("raw");
        if (!drv) {
            bdrv_unref(file);
            qobject_unref(opts);
            return NULL;
        }
    }
    if (!fmt && !strcmp(drv->format_name, "raw") && file) {
        /* A guessed raw image must not become something else through a
         * guest write to its first sector. */
        qdict_put_bool(opts, "x-probed", true);
        if (writable) {
            error_printf("WARNING: Image format was not specified for '%s' "
                         "and probing guessed raw.\n         Automatically "
                         "detecting the format is dangerous for raw images, "
                         "write operations on block 0 will be restricted.\n"
                         "         Specify the 'raw' format explicitly to "
                         "remove the restrictions.\n", filename);
        }
    }
    qdict_put_str(opts, "driver", drv->format_name);
    qdict_put_bool(opts, "read-only", !writable);
    if (no_backing) {
        qdict_put_null(opts, "backing");
    }
    bs = bdrv_open(opts, errp);
    if (file) {
        bdrv_unref(file);       /* the format holds it now */
    }
    return bs;
}

void bdrv_ref(BlockDriverState *bs)
{
    bs->refcnt++;
}

void bdrv_unref(BlockDriverState *bs)
{
    if (!bs || --bs->refcnt > 0) {
        return;
    }
    if (bs->drv->close) {
        bs->drv->close(bs);
    }
    QTAILQ_REMOVE(&all_nodes, bs, node_list);
    bdrv_free(bs);
}

void bdrv_mark_corrupt(BlockDriverState *bs, const char *why)
{
    if (!bs->corrupt) {
        error_report("%s: Marking image as corrupt: %s; further corruption "
                     "events will be suppressed", bs->drv->format_name, why);
    }
    bs->corrupt = true;
}

/* ---- I/O ---- */

size_t bdrv_iov_size(const struct iovec *iov, int niov)
{
    size_t n = 0;

    for (int i = 0; i < niov; i++) {
        n += iov[i].iov_len;
    }
    return n;
}

/* Walk bytes [skip, skip + len) of the list, calling @fn on each piece. */
static size_t iov_walk(const struct iovec *iov, int niov, size_t skip,
                       size_t len, void (*fn)(void *base, size_t off,
                                              size_t n, void *opaque),
                       void *opaque)
{
    size_t done = 0;

    for (int i = 0; i < niov && done < len; i++) {
        size_t n;

        if (skip >= iov[i].iov_len) {
            skip -= iov[i].iov_len;
            continue;
        }
        n = MIN(iov[i].iov_len - skip, len - done);
        fn((char *)iov[i].iov_base + skip, done, n, opaque);
        done += n;
        skip = 0;
    }
    return done;
}

static void copy_out(void *base, size_t off, size_t n, void *buf)
{
    memcpy((char *)buf + off, base, n);
}

static void copy_in(void *base, size_t off, size_t n, void *buf)
{
    memcpy(base, (const char *)buf + off, n);
}

static void fill(void *base, size_t off, size_t n, void *c)
{
    memset(base, *(int *)c, n);
}

size_t bdrv_iov_to_buf(const struct iovec *iov, int niov, size_t skip,
                       void *buf, size_t len)
{
    return iov_walk(iov, niov, skip, len, copy_out, buf);
}

size_t bdrv_iov_from_buf(const struct iovec *iov, int niov, size_t skip,
                         const void *buf, size_t len)
{
    return iov_walk(iov, niov, skip, len, copy_in, (void *)buf);
}

void bdrv_iov_memset(const struct iovec *iov, int niov, size_t skip, int c,
                     size_t len)
{
    iov_walk(iov, niov, skip, len, fill, &c);
}

int bdrv_iov_slice(const struct iovec *iov, int niov, size_t skip,
                   size_t len, struct iovec *out, int max)
{
    int n = 0;

    for (int i = 0; i < niov && len; i++) {
        size_t l;

        if (skip >= iov[i].iov_len) {
            skip -= iov[i].iov_len;
            continue;
        }
        if (n == max) {
            return -1;
        }
        l = MIN(iov[i].iov_len - skip, len);
        out[n].iov_base = (char *)iov[i].iov_base + skip;
        out[n].iov_len = l;
        n++;
        len -= l;
        skip = 0;
    }
    return n;
}

bool buffer_is_zero(const void *buf, size_t len)
{
    const unsigned char *p = buf;

    /* Compare the buffer with itself shifted: zero iff first byte is. */
    return len == 0 || (p[0] == 0 && memcmp(p, p + 1, len - 1) == 0);
}

static int check_request(BlockDriverState *bs, int64_t offset, int64_t bytes)
{
    int64_t len;

    if (offset < 0 || bytes < 0 || bytes > BDRV_MAX_LENGTH ||
        offset > BDRV_MAX_LENGTH - bytes) {
        return -EIO;
    }
    if (bs->drv->grows_on_write) {
        return 0;               /* formats extend their files */
    }
    len = bdrv_getlength(bs);
    if (len < 0) {
        return len;
    }
    return offset + bytes > len ? -EIO : 0;
}

static int check_write(BlockDriverState *bs)
{
    if (bs->read_only) {
        return -EACCES;
    }
    if (bs->corrupt) {
        return -EIO;
    }
    return 0;
}

/* ---- Tracked requests and copy-on-read ---- */

static bool tracked_overlap(BlockDriverState *bs, int64_t start, int64_t end,
                            bool serialising)
{
    BdrvTrackedRequest *r;

    QLIST_FOREACH(r, &bs->tracked_requests, next) {
        if ((serialising || r->serialising) && r->start < end &&
            start < r->end) {
            return true;
        }
    }
    return false;
}

/*
 * Enter [start, end) into @bs's requests in flight.  A serialising request
 * (copy-on-read) first waits until nothing overlaps it; an ordinary write
 * waits only for serialising ones, so a write nested in another (detect-
 * zeroes) never waits for its own parent.
 */
static void tracked_begin(BlockDriverState *bs, BdrvTrackedRequest *req,
                          int64_t start, int64_t end, bool serialising)
{
    *req = (BdrvTrackedRequest) {
        .start = start, .end = end, .serialising = serialising,
    };
    g_mutex_lock(&bs->reqs_lock);
    while (tracked_overlap(bs, start, end, serialising)) {
        bs->reqs_waiters++;
        g_cond_wait(&bs->reqs_cond, &bs->reqs_lock);
        bs->reqs_waiters--;
    }
    QLIST_INSERT_HEAD(&bs->tracked_requests, req, next);
    g_mutex_unlock(&bs->reqs_lock);
}

static void tracked_end(BlockDriverState *bs, BdrvTrackedRequest *req)
{
    g_mutex_lock(&bs->reqs_lock);
    QLIST_REMOVE(req, next);
    if (bs->reqs_waiters) {     /* a wake-up is a system call */
        g_cond_broadcast(&bs->reqs_cond);
    }
    g_mutex_unlock(&bs->reqs_lock);
}

bool bdrv_enable_copy_on_read(BlockDriverState *bs, Error **errp)
{
    if (bs->read_only) {
        error_setg(errp, "Can't use copy-on-read on read-only device");
        return false;
    }
    bs->copy_on_read = true;
    return true;
}

/* The part of [pos, pos + n) that the request [offset, offset + bytes)
 * covers, as a slice of its vector; false when they do not meet. */
static bool request_part(int64_t pos, int64_t n, int64_t offset,
                         int64_t bytes, int64_t *start, int64_t *len)
{
    *start = MAX(pos, offset);
    *len = MIN(pos + n, offset + bytes) - *start;
    return *len > 0;
}

/*
 * QEMU's bdrv_co_do_copy_on_readv(): the request widened to whole clusters
 * is walked by allocation; what @bs does not hold itself is read through
 * the driver (from the backing chain), written into @bs unchanged (a zero
 * write when it is all zeroes) after the cor_write event, and handed to
 * the caller from the bounce buffer; what it holds is read as usual.  The
 * clusters stay serialised against writes to @bs meanwhile.
 */
#define COR_MAX_BOUNCE (16 << 20)

static int copy_on_readv(BlockDriverState *bs, int64_t offset, int64_t bytes,
                         struct iovec *iov, int niov)
{
    BlockDriver *drv = bs->drv;
    int64_t len = bdrv_getlength(bs);
    int64_t cluster = drv->get_cluster_size ? drv->get_cluster_size(bs) : 0;
    g_autofree struct iovec *part = g_new(struct iovec, niov);
    g_autofree void *bounce = NULL;
    BdrvTrackedRequest req;
    struct iovec biov;
    int64_t pos, end;
    int ret = 0;

    if (len < 0) {
        return len;
    }
    if (cluster <= 0) {
        cluster = BDRV_SECTOR_SIZE;
    }
    pos = offset / cluster * cluster;
    end = MIN(DIV_ROUND_UP(offset + bytes, cluster) * cluster, len);
    tracked_begin(bs, &req, pos, end, true);
    while (pos < end && ret == 0) {
        int64_t n = end - pos, start, plen;
        int st = bdrv_block_status(bs, pos, n, &n, NULL, NULL);

        if (st < 0 || n <= 0) {
            /* As QEMU: on an error, copy anyway (the read will tell). */
            n = end - pos;
            st = 0;
        }
        if (st & BDRV_BLOCK_ALLOCATED) {
            if (request_part(pos, n, offset, bytes, &start, &plen)) {
                int k = bdrv_iov_slice(iov, niov, start - offset, plen, part,
                                       niov);

                ret = drv->preadv(bs, start, plen, part, k);
            }
            pos += n;
            continue;
        }
        n = MIN(n, COR_MAX_BOUNCE);
        if (!bounce) {
            bounce = g_malloc(MIN(end - pos, COR_MAX_BOUNCE));
        }
        biov = (struct iovec) { .iov_base = bounce, .iov_len = n };
        ret = drv->preadv(bs, pos, n, &biov, 1);
        if (ret < 0) {
            break;
        }
        bdrv_debug_event(bs, BLKDBG_COR_WRITE);
        ret = -ENOTSUP;
        if (drv->pwrite_zeroes && buffer_is_zero(bounce, n)) {
            ret = drv->pwrite_zeroes(bs, pos, n, 0);
        }
        if (ret == -ENOTSUP) {
            ret = drv->pwritev(bs, pos, n, &biov, 1, 0);
        }
        /* As QEMU: a failed copy fails the read. */
        if (ret == 0 && request_part(pos, n, offset, bytes, &start, &plen)) {
            bdrv_iov_from_buf(iov, niov, start - offset,
                              (uint8_t *)bounce + (start - pos), plen);
        }
        pos += n;
    }
    tracked_end(bs, &req);
    return ret;
}

int bdrv_preadv_flags(BlockDriverState *bs, int64_t offset, int64_t bytes,
                      struct iovec *iov, int niov, int flags)
{
    int ret = check_request(bs, offset, bytes);

    if (ret < 0) {
        return ret;
    }
    if (bytes == 0) {
        return 0;
    }
    if (bs->copy_on_read) {
        flags |= BDRV_REQ_COPY_ON_READ;
    }
    /* The flag stops at the node it is for (nothing below copies), and a
     * node that cannot be written reads as usual. */
    if ((flags & BDRV_REQ_COPY_ON_READ) && !bs->read_only && !bs->corrupt &&
        bs->drv->pwritev) {
        return copy_on_readv(bs, offset, bytes, iov, niov);
    }
    return bs->drv->preadv(bs, offset, bytes, iov, niov);
}

int bdrv_preadv(BlockDriverState *bs, int64_t offset, int64_t bytes,
                struct iovec *iov, int niov)
{
    return bdrv_preadv_flags(bs, offset, bytes, iov, niov, 0);
}

static bool iov_all_zero(const struct iovec *iov, int niov)
{
    for (int i = 0; i < niov; i++) {
        if (!buffer_is_zero(iov[i].iov_base, iov[i].iov_len)) {
            return false;
        }
    }
    return true;
}

int bdrv_pwritev(BlockDriverState *bs, int64_t offset, int64_t bytes,
                 struct iovec *iov, int niov, int flags)
{
    int ret = check_write(bs) ?: check_request(bs, offset, bytes);
    BdrvTrackedRequest req;

    if (ret < 0) {
        return ret;
    }
    if (bytes == 0) {
        return 0;
    }
    if (!bs->drv->pwritev) {
        return -ENOTSUP;
    }
    if ((flags & BDRV_REQ_WRITE_COMPRESSED) &&
        strcmp(bs->drv->format_name, "qcow2")) {
        return -ENOTSUP;
    }
    bdrv_write_threshold_check(bs, offset, bytes);
    /* detect-zeroes: an all-zero write becomes a (cheaper) zero write. */
    if (bs->detect_zeroes != BDRV_DETECT_ZEROES_OFF &&
        !(flags & BDRV_REQ_WRITE_COMPRESSED) && iov_all_zero(iov, niov)) {
        return bdrv_pwrite_zeroes(bs, offset, bytes,
            bs->detect_zeroes == BDRV_DETECT_ZEROES_UNMAP ?
            BDRV_REQ_MAY_UNMAP : 0);
    }
    tracked_begin(bs, &req, offset, offset + bytes, false);
    bdrv_debug_event(bs, BLKDBG_PWRITEV);
    ret = bs->drv->pwritev(bs, offset, bytes, iov, niov, flags);
    bdrv_debug_event(bs, BLKDBG_PWRITEV_DONE);
    tracked_end(bs, &req);
    return ret;
}

int bdrv_pread(BlockDriverState *bs, int64_t offset, int64_t bytes, void *buf)
{
    struct iovec iov = { .iov_base = buf, .iov_len = bytes };

    return bdrv_preadv(bs, offset, bytes, &iov, 1);
}

int bdrv_pwrite(BlockDriverState *bs, int64_t offset, int64_t bytes,
                const void *buf)
{
    struct iovec iov = { .iov_base = (void *)buf, .iov_len = bytes };

    return bdrv_pwritev(bs, offset, bytes, &iov, 1, 0);
}

int bdrv_flush(BlockDriverState *bs)
{
    BdrvChild *c;
    int ret = 0;

    if (!bs->read_only) {
        /* QEMU's two flush steps, as events for blkdebug below. */
        BLKDBG_EVENT(bs->file, BLKDBG_FLUSH_TO_OS);
        if (!bs->cache_no_flush) {
            BLKDBG_EVENT(bs->file, BLKDBG_FLUSH_TO_DISK);
        }
    }
    if (bs->drv->flush && !bs->read_only) {
        ret = bs->drv->flush(bs);
    }
    /* Formats flush their metadata first, then the layers below. */
    QLIST_FOREACH(c, &bs->children, next) {
        if (ret == 0 && c->perm & BLK_PERM_WRITE) {
            ret = bdrv_flush(c->bs);
        }
    }
    return ret;
}

int bdrv_pdiscard(BlockDriverState *bs, int64_t offset, int64_t bytes)
{
    int ret = check_write(bs) ?: check_request(bs, offset, bytes);
    BdrvTrackedRequest req;

    if (ret < 0) {
        return ret;
    }
    if (!bs->drv->pdiscard || bytes == 0) {
        return 0;           /* discard is advisory */
    }
    tracked_begin(bs, &req, offset, offset + bytes, false);
    ret = bs->drv->pdiscard(bs, offset, bytes);
    tracked_end(bs, &req);
    return ret;
}

static int do_pwrite_zeroes(BlockDriverState *bs, int64_t offset,
                            int64_t bytes, int flags);

int bdrv_pwrite_zeroes(BlockDriverState *bs, int64_t offset, int64_t bytes,
                       int flags)
{
    int ret = check_write(bs) ?: check_request(bs, offset, bytes);
    BdrvTrackedRequest req;

    if (ret < 0 || bytes == 0) {
        return ret;
    }
    bdrv_write_threshold_check(bs, offset, bytes);
    tracked_begin(bs, &req, offset, offset + bytes, false);
    bdrv_debug_event(bs, BLKDBG_PWRITEV_ZERO);
    ret = do_pwrite_zeroes(bs, offset, bytes, flags);
    bdrv_debug_event(bs, BLKDBG_PWRITEV_DONE);
    tracked_end(bs, &req);
    return ret;
}

static int do_pwrite_zeroes(BlockDriverState *bs, int64_t offset,
                            int64_t bytes, int flags)
{
    const int64_t chunk = 1 << 20;
    g_autofree void *zero = NULL;
    int ret;

    if (bs->drv->pwrite_zeroes) {
        ret = bs->drv->pwrite_zeroes(bs, offset, bytes, flags);
        if (ret != -ENOTSUP) {
            return ret;
        }
    }
    if (flags & BDRV_REQ_NO_FALLBACK) {
        return -ENOTSUP;
    }
    zero = g_malloc0(MIN(bytes, chunk));
    while (bytes > 0) {
        int64_t n = MIN(bytes, chunk);
        struct iovec iov = { .iov_base = zero, .iov_len = n };

        ret = bs->drv->pwritev(bs, offset, n, &iov, 1, 0);
        if (ret < 0) {
            return ret;
        }
        offset += n;
        bytes -= n;
    }
    return 0;
}

int bdrv_block_status(BlockDriverState *bs, int64_t offset, int64_t bytes,
                      int64_t *pnum, int64_t *map, BlockDriverState **file)
{
    int64_t len = bdrv_getlength(bs);
    int64_t dummy_map;
    BlockDriverState *dummy_file;
    int ret;

    map = map ?: &dummy_map;
    file = file ?: &dummy_file;
    *map = 0;
    *file = NULL;
    if (len < 0) {
        return len;
    }
    if (offset >= len) {
        *pnum = 0;
        return 0;
    }
    bytes = MIN(bytes, len - offset);
    if (!bs->drv->block_status) {
        *pnum = bytes;
        *map = offset;
        *file = bs;
        return BDRV_BLOCK_DATA | BDRV_BLOCK_ALLOCATED |
               BDRV_BLOCK_OFFSET_VALID;
    }
    ret = bs->drv->block_status(bs, offset, bytes, pnum, map, file);
    if (ret > 0 && (ret & BDRV_BLOCK_DATA) &&
        (ret & BDRV_BLOCK_OFFSET_VALID) && *file && *file != bs) {
        /* Data in a hole of the file below reads as zeroes. */
        int64_t n;
        int fret = bdrv_block_status(*file, *map, *pnum, &n, NULL, NULL);

        if (fret > 0 && n > 0) {
            *pnum = MIN(*pnum, n);
            if (fret & BDRV_BLOCK_ZERO) {
                ret |= BDRV_BLOCK_ZERO;
            }
        }
    }
    return ret;
}

/* The node below @p whose data shows through: a filter's child, else the
 * backing node. */
static BlockDriverState *chain_next(BlockDriverState *p)
{
    BdrvChild *c = p->backing ?: (p->drv->is_filter ? p->file : NULL);

    return c ? c->bs : NULL;
}

int bdrv_block_status_above(BlockDriverState *bs, BlockDriverState *base,
                            int64_t offset, int64_t bytes, int64_t *pnum,
                            int64_t *map, BlockDriverState **file,
                            int *depth)
{
    BlockDriverState *p;
    int d = 0, ret = 0;
    int64_t n = bytes;

    for (p = bs; p && p != base; p = chain_next(p)) {
        int64_t len = bdrv_getlength(p);

        if (len >= 0 && offset >= len) {
            /* Beyond a shorter backing file: reads as zeroes. */
            *pnum = n;
            if (depth) {
                *depth = d;
            }
            return BDRV_BLOCK_ZERO | (p == bs ? BDRV_BLOCK_ALLOCATED : 0);
        }
        ret = bdrv_block_status(p, offset, n, &n, map, file);
        if (ret < 0 || (ret & BDRV_BLOCK_ALLOCATED)) {
            break;
        }
        if (!chain_next(p) || chain_next(p) == base) {
            /* Nothing below: the data reads as zeroes. */
            ret |= BDRV_BLOCK_ZERO;
            break;
        }
        d++;
    }
    *pnum = n;
    if (depth) {
        *depth = d;
    }
    return ret;
}

int64_t bdrv_getlength(BlockDriverState *bs)
{
    return bs->drv->getlength(bs);
}

int bdrv_truncate(BlockDriverState *bs, int64_t offset, bool exact,
                  PreallocMode prealloc, Error **errp)
{
    if (offset < 0 || offset > BDRV_MAX_LENGTH) {
        error_setg(errp, "Invalid size %" PRId64, offset);
        return -EINVAL;
    }
    if (bs->read_only) {
        error_setg(errp, "Image is read-only");
        return -EACCES;
    }
    if (!bs->drv->truncate) {
        error_setg(errp, "Image format driver does not support resize");
        return -ENOTSUP;
    }
    return bs->drv->truncate(bs, offset, exact, prealloc, errp);
}

int64_t bdrv_get_allocated_file_size(BlockDriverState *bs)
{
    if (bs->drv->get_allocated_file_size) {
        return bs->drv->get_allocated_file_size(bs);
    }
    return bs->file ? bdrv_get_allocated_file_size(bs->file->bs) : -ENOTSUP;
}

int bdrv_create(const char *fmt, const char *filename, QDict *opts,
                Error **errp)
{
    BlockDriver *drv = bdrv_find_format(fmt);

    if (!drv) {
        error_setg(errp, "Unknown file format '%s'", fmt);
        qobject_unref(opts);
        return -EINVAL;
    }
    if (!drv->create) {
        error_setg(errp, "Format driver '%s' does not support image creation",
                   fmt);
        qobject_unref(opts);
        return -ENOTSUP;
    }
    return drv->create(filename, opts, errp);
}
