/*
 * Block devices from the command line and the monitor: -blockdev and
 * blockdev-add/blockdev-del (nodes the monitor owns), the legacy -drive
 * (a node chain and a named DriveInfo, and for if=virtio the device), the
 * DriveInfo registry devices attach to, and the query commands.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error-report.h"
#include "vireo/keyval.h"
#include "vireo/option.h"
#include "qobject/qstring.h"
#include "qobject/qjson.h"
#include "qapi/qobject-input-visitor.h"
#include "qapi/qapi-commands-block-core.h"
#include "qapi/qapi-visit-block-core.h"
#include "qapi/qapi-events-block-core.h"
#include "qapi/qobject-output-visitor.h"
#include "system/runstate.h"
#include "system/blockdev.h"
#include "vireo/main-loop.h"
#include "system/blockdev-throttle.h"

static QTAILQ_HEAD(, DriveInfo) drives = QTAILQ_HEAD_INITIALIZER(drives);

/* Nodes created by -blockdev/blockdev-add: the monitor holds a reference. */
static GSList *monitor_nodes;

static BlockDriverState *blockdev_open(BlockdevOptions *options, Error **errp)
{
    BlockDriverState *bs;

    if (!options->node_name) {
        error_setg(errp, "node-name is required at the top level");
        return NULL;
    }
    {
        QObject *obj = NULL;
        Visitor *v = qobject_output_visitor_new(&obj);

        visit_type_BlockdevOptions(v, NULL, &options, &error_abort);
        visit_complete(v, &obj);
        visit_free(v);
        bs = bdrv_open(qobject_to(QDict, obj), errp);   /* consumes obj */
    }
    if (bs) {
        monitor_nodes = g_slist_prepend(monitor_nodes, bs);
    }
    return bs;
}

void blockdev_monitor_own(BlockDriverState *bs)
{
    monitor_nodes = g_slist_prepend(monitor_nodes, bs);
}

void qmp_blockdev_add(BlockdevOptions *options, Error **errp)
{
    blockdev_open(options, errp);
}

bool blockdev_add_cmdline(const char *optarg, Error **errp)
{
    bool is_json;
    QDict *dict = keyval_or_json_parse(optarg, "driver", NULL, &is_json,
                                       errp);
    g_autoptr(BlockdevOptions) options = NULL;
    Visitor *v;
    bool ok;

    if (!dict) {
        return false;
    }
    v = is_json ? qobject_input_visitor_new(QOBJECT(dict))
                : qobject_input_visitor_new_keyval(QOBJECT(dict));
    ok = visit_type_BlockdevOptions(v, NULL, &options, errp);
    visit_free(v);
    qobject_unref(dict);
    return ok && blockdev_open(options, errp);
}

void qmp_blockdev_del(const char *node_name, Error **errp)
{
    BlockDriverState *bs = bdrv_find_node(node_name);

    if (!bs) {
        error_setg(errp, "Failed to find node with node-name='%s'",
                   node_name);
        return;
    }
    if (drive_for_node(bs)) {
        error_setg(errp, "Node %s is in use", node_name);
        return;
    }
    if (!g_slist_find(monitor_nodes, bs)) {
        error_setg(errp, "Node %s is not owned by the monitor",
                   bs->node_name);
        return;
    }
    if (bs->refcnt > 1) {
        error_setg(errp, "Block device %s is in use", bs->node_name);
        return;
    }
    monitor_nodes = g_slist_remove(monitor_nodes, bs);
    bdrv_unref(bs);
}

/* ---- The DriveInfo registry ---- */

static DriveInfo *drive_create(const char *id, BlockBackend *blk,
                               bool writeback)
{
    DriveInfo *di = g_new0(DriveInfo, 1);

    di->id = g_strdup(id);
    di->blk = blk;
    di->writeback = writeback;
    di->on_read_error = BLOCKDEV_ON_ERROR_REPORT;
    di->on_write_error = BLOCKDEV_ON_ERROR_ENOSPC;
    QTAILQ_INSERT_TAIL(&drives, di, next);
    return di;
}

static void drive_free(DriveInfo *di)
{
    QTAILQ_REMOVE(&drives, di, next);
    blk_unref(di->blk);
    block_latency_histograms_clear(&di->stats);
    g_free(di->id);
    g_free(di);
}

DriveInfo *drive_find(const char *id)
{
    DriveInfo *di;

    QTAILQ_FOREACH(di, &drives, next) {
        if (di->id && !strcmp(di->id, id)) {
            return di;
        }
    }
    return NULL;
}

DriveInfo *drive_next(DriveInfo *di)
{
    return di ? QTAILQ_NEXT(di, next) : QTAILQ_FIRST(&drives);
}

DriveInfo *drive_for_node(BlockDriverState *bs)
{
    DriveInfo *di;

    QTAILQ_FOREACH(di, &drives, next) {
        if (blk_bs(di->blk) == bs) {
            return di;
        }
    }
    return NULL;
}

DriveInfo *drive_for_dev(DeviceState *dev)
{
    DriveInfo *di;

    QTAILQ_FOREACH(di, &drives, next) {
        if (di->dev == dev) {
            return di;
        }
    }
    return NULL;
}

const char *drive_name(DriveInfo *di)
{
    return di->id ? di->id : "";
}

/* What a device holds: write access unless read-only; it lets others read
 * and resize (block_resize) but not write. */
static BlockBackend *device_backend(BlockDriverState *bs, bool writable,
                                    Error **errp)
{
    uint64_t perm = BLK_PERM_CONSISTENT_READ |
                    (writable ? BLK_PERM_WRITE : 0);
    uint64_t shared = BLK_PERM_CONSISTENT_READ | BLK_PERM_WRITE_UNCHANGED |
                      BLK_PERM_RESIZE;

    return blk_new_with_bs(bs, perm, shared, errp);
}

DriveInfo *drive_lookup_for_device(const char *name, bool writable,
                                   Error **errp)
{
    DriveInfo *di = drive_find(name);
    BlockDriverState *bs;
    BlockBackend *blk;

    if (di) {
        return di;
    }
    bs = bdrv_find_node(name);
    if (!bs) {
        return NULL;
    }
    if (drive_for_node(bs)) {
        error_setg(errp, "Node '%s' is already in use by another device",
                   name);
        return NULL;
    }
    blk = device_backend(bs, writable && !bs->read_only, errp);
    return blk ? drive_create(NULL, blk, true) : NULL;
}

bool drive_attach_dev(DriveInfo *di, DeviceState *dev, Error **errp)
{
    if (di->dev) {
        error_setg(errp, "Drive '%s' is already in use by another device",
                   drive_name(di));
        return false;
    }
    di->dev = dev;
    return true;
}

void drive_detach_dev(DriveInfo *di)
{
    di->dev = NULL;
    di->dev_ops = NULL;
    di->dev_opaque = NULL;
    /* A backend a device made for a node goes with the device. */
    if (!di->id) {
        drive_free(di);
    }
}

void drive_set_dev_ops(DriveInfo *di, const BlockDevOps *ops, void *opaque)
{
    di->dev_ops = ops;
    di->dev_opaque = opaque;
}

BlockErrorAction drive_get_error_action(DriveInfo *di, bool is_read,
                                        int error)
{
    switch (is_read ? di->on_read_error : di->on_write_error) {
    case BLOCKDEV_ON_ERROR_ENOSPC:
        return error == ENOSPC ? BLOCK_ERROR_ACTION_STOP
                               : BLOCK_ERROR_ACTION_REPORT;
    case BLOCKDEV_ON_ERROR_STOP:
        return BLOCK_ERROR_ACTION_STOP;
    case BLOCKDEV_ON_ERROR_IGNORE:
        return BLOCK_ERROR_ACTION_IGNORE;
    default:
        return BLOCK_ERROR_ACTION_REPORT;
    }
}

void drive_error_action(DriveInfo *di, BlockErrorAction action, bool is_read,
                        int error)
{
    BlockDriverState *bs = blk_bs(di->blk);
    g_autofree char *path = di->dev ?
        object_get_canonical_path(OBJECT(di->dev)) : g_strdup("");

    /* As QEMU: the I/O status first, then the event, then the stop (the
     * main loop stops the VM, so STOP follows BLOCK_IO_ERROR). */
    if (action == BLOCK_ERROR_ACTION_STOP && di->iostatus_enabled &&
        di->iostatus == BLOCK_DEVICE_IO_STATUS_OK) {
        di->iostatus = error == ENOSPC ? BLOCK_DEVICE_IO_STATUS_NOSPACE
                                       : BLOCK_DEVICE_IO_STATUS_FAILED;
    }
    qapi_event_send_block_io_error(path, drive_name(di),
                                   bs ? bs->node_name : NULL,
                                   is_read ? IO_OPERATION_TYPE_READ
                                           : IO_OPERATION_TYPE_WRITE,
                                   action, di->iostatus_enabled,
                                   error == ENOSPC, strerror(error));
    if (action == BLOCK_ERROR_ACTION_STOP) {
        qemu_system_vmstop_request(RUN_STATE_IO_ERROR);
    }
}

void drive_iostatus_reset(DriveInfo *di)
{
    di->iostatus = BLOCK_DEVICE_IO_STATUS_OK;
}

void drive_iostatus_reset_all(void)
{
    DriveInfo *di;

    QTAILQ_FOREACH(di, &drives, next) {
        drive_iostatus_reset(di);
    }
}

/* ---- -drive ---- */

/*
 * -drive takes any key, as QEMU's: the ones below belong to the drive (its
 * device, backend and the legacy shortcuts); all others are options of the
 * drive's node, dotted keys for its children ("file.driver=blkdebug",
 * "file.image.filename=...").
 */
static QemuOptsList qemu_drive_opts = {
    .name = "drive",
    .head = QTAILQ_HEAD_INITIALIZER(qemu_drive_opts.head),
    .desc = {
        { /* end of list: any key */ }
    },
};

static QemuOptsList drive_legacy_opts = {
    .name = "drive-legacy",
    .head = QTAILQ_HEAD_INITIALIZER(drive_legacy_opts.head),
    .desc = {
        { .name = "file", .type = QEMU_OPT_STRING },
        { .name = "format", .type = QEMU_OPT_STRING },
        { .name = "if", .type = QEMU_OPT_STRING },
        { .name = "media", .type = QEMU_OPT_STRING },
        { .name = "cache", .type = QEMU_OPT_STRING },
        { .name = "cache.writeback", .type = QEMU_OPT_BOOL },
        { .name = "readonly", .type = QEMU_OPT_BOOL },
        { .name = "read-only", .type = QEMU_OPT_BOOL },
        { .name = "werror", .type = QEMU_OPT_STRING },
        { .name = "rerror", .type = QEMU_OPT_STRING },
        { .name = "snapshot", .type = QEMU_OPT_BOOL },
        { .name = "copy-on-read", .type = QEMU_OPT_BOOL },
        DRIVE_THROTTLE_OPT_DESCS,
        { /* end of list */ }
    },
};

static void __attribute__((constructor)) drive_opts_register(void)
{
    qemu_add_opts(&qemu_drive_opts);
}

/* cache= modes as QEMU defines them. */
static bool parse_cache_mode(const char *mode, bool *direct, bool *no_flush,
                             bool *writeback)
{
    static const struct {
        const char *name;
        bool direct, no_flush, writeback;
    } modes[] = {
        { "writeback", false, false, true },
        { "none", true, false, true },
        { "off", true, false, true },
        { "writethrough", false, false, false },
        { "directsync", true, false, false },
        { "unsafe", false, true, true },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(modes); i++) {
        if (!strcmp(mode, modes[i].name)) {
            *direct = modes[i].direct;
            *no_flush = modes[i].no_flush;
            *writeback = modes[i].writeback;
            return true;
        }
    }
    return false;
}

static bool parse_on_error(const char *value, const char *name,
                           BlockdevOnError *out, Error **errp)
{
    int v;

    if (!value) {
        return true;
    }
    v = qapi_enum_parse(&BlockdevOnError_lookup, value, -1, NULL);
    /* As QEMU: "enospc" is for writes only, "auto" is no -drive value. */
    if (v < 0 || v == BLOCKDEV_ON_ERROR_AUTO ||
        (v == BLOCKDEV_ON_ERROR_ENOSPC && !strcmp(name, "read"))) {
        error_setg(errp, "'%s' invalid %s error action", value, name);
        return false;
    }
    *out = v;
    return true;
}

static int drive_count;
bool drive_snapshot_default;    /* -snapshot */

static gint child_name_cmp(gconstpointer a, gconstpointer b)
{
    return strcmp((*(BdrvChild *const *)a)->name,
                  (*(BdrvChild *const *)b)->name);
}

/* A node as QEMU spells it in a json: file name: driver, children and
 * the file name of file nodes (other options are not kept here). */
static QDict *node_description(BlockDriverState *bs)
{
    QDict *d = qdict_new();
    GPtrArray *kids = g_ptr_array_new();
    BdrvChild *c;

    QLIST_FOREACH(c, &bs->children, next) {
        if (c != bs->backing) {         /* from the image: implied */
            g_ptr_array_add(kids, c);
        }
    }
    qdict_put_str(d, "driver", bdrv_get_format_name(bs));
    if (!kids->len) {
        qdict_put_str(d, "filename", bs->filename);
    }
    /* QEMU's keys come sorted ("driver" sorts before them all). */
    g_ptr_array_sort(kids, child_name_cmp);
    for (guint i = 0; i < kids->len; i++) {
        c = g_ptr_array_index(kids, i);
        qdict_put_obj(d, c->name, QOBJECT(node_description(c->bs)));
    }
    g_ptr_array_free(kids, true);
    return d;
}

/* The overlay's backing is not one its image names, so QEMU calls it
 * json:{"backing": ..., "driver": "qcow2", "file": ...} and reports the
 * backing node's file as its backing file. */
static void name_temp_overlay(BlockDriverState *top)
{
    QDict *d = qdict_new();
    g_autoptr(GString) json = NULL;

    qdict_put_obj(d, "backing",
                  QOBJECT(node_description(top->backing->bs)));
    qdict_put_str(d, "driver", bdrv_get_format_name(top));
    qdict_put_obj(d, "file", QOBJECT(node_description(top->file->bs)));
    json = qobject_to_json(QOBJECT(d));
    qobject_unref(d);
    if (json->len + 5 < sizeof(top->filename)) {
        snprintf(top->filename, sizeof(top->filename), "json:%s", json->str);
    }
    g_strlcpy(top->backing_file, top->backing->bs->filename,
              sizeof(top->backing_file));
}

/*
 * snapshot=on: writes go to a temporary qcow2 overlay over @base (opened
 * read-only), created in $TMPDIR (else /var/tmp) and unlinked once open,
 * as QEMU does, so the image itself never changes.
 */
static BlockDriverState *drive_temp_overlay(BlockDriverState *base,
                                            Error **errp)
{
    const char *dir = g_getenv("TMPDIR");
    g_autofree char *tmpl = g_build_filename(dir && *dir ? dir : "/var/tmp",
                                             "vl.XXXXXX", NULL);
    int64_t size = bdrv_getlength(base);
    BlockDriverState *top;
    QDict *opts, *file;
    int fd;

    if (size < 0) {
        error_setg_errno(errp, -size, "Could not get image size");
        return NULL;
    }
    fd = g_mkstemp(tmpl);
    if (fd < 0) {
        error_setg_errno(errp, errno, "Could not get temporary filename");
        return NULL;
    }
    close(fd);
    opts = qdict_new();
    qdict_put_int(opts, "size", size);
    if (bdrv_create("qcow2", tmpl, opts, errp) < 0) {   /* takes opts */
        unlink(tmpl);
        return NULL;
    }
    file = qdict_new();
    qdict_put_str(file, "driver", "file");
    qdict_put_str(file, "filename", tmpl);
    opts = qdict_new();
    qdict_put_str(opts, "driver", "qcow2");
    qdict_put(opts, "file", file);
    qdict_put_str(opts, "backing", base->node_name);
    top = bdrv_open(opts, errp);                        /* takes opts */
    unlink(tmpl);
    if (top) {
        name_temp_overlay(top);
    }
    return top;
}

/*
 * The node options of a -drive: what the legacy list did not take, the
 * cache mode's defaults where no cache.* key says otherwise (QEMU: the
 * specific options take precedence), children's dotted keys nested.
 */
static QDict *drive_node_options(QDict *flat, bool direct, bool no_flush,
                                 Error **errp)
{
    QObject *tree;

    if (!qdict_haskey(flat, "cache.direct")) {
        qdict_put_bool(flat, "cache.direct", direct);
    }
    if (!qdict_haskey(flat, "cache.no-flush")) {
        qdict_put_bool(flat, "cache.no-flush", no_flush);
    }
    tree = qdict_crumple(flat, errp);
    if (tree && qobject_type(tree) != QTYPE_QDICT) {
        error_setg(errp, "Invalid -drive options");
        qobject_unref(tree);
        return NULL;
    }
    return qobject_to(QDict, tree);
}

DriveInfo *drive_new(const char *optarg, char **device_opts, Error **errp)
{
    QemuOpts *all = qemu_opts_parse_noisily(&qemu_drive_opts, optarg, false);
    QemuOpts *opts = NULL;
    const char *file, *iface, *id, *value, *throttle_group, *fmt;
    ThrottleConfig throttle_cfg;
    bool direct = false, no_flush = false, writeback = true, read_only;
    bool snapshot, copy_on_read;
    BlockdevOnError rerror = BLOCKDEV_ON_ERROR_REPORT;
    BlockdevOnError werror = BLOCKDEV_ON_ERROR_ENOSPC;
    g_autofree char *auto_id = NULL;
    g_autofree char *driver = NULL;
    g_autoptr(QDict) flat = NULL;
    QDict *node;
    BlockDriverState *bs;
    BlockBackend *blk;
    DriveInfo *di = NULL;

    *device_opts = NULL;
    if (!all) {
        error_setg(errp, "Invalid -drive options");
        return NULL;
    }
    flat = qemu_opts_to_qdict(all, NULL);
    qdict_del(flat, "id");
    opts = qemu_opts_create(&drive_legacy_opts, NULL, 0, errp);
    if (!qemu_opts_absorb_qdict(opts, flat, errp)) {
        goto out;
    }
    iface = qemu_opt_get(opts, "if");
    if (!iface) {
        iface = "virtio";       /* the virt machine's default interface */
    }
    if (strcmp(iface, "virtio") && strcmp(iface, "none")) {
        error_setg(errp, "unsupported bus type '%s'", iface);
        goto out;
    }
    value = qemu_opt_get(opts, "media");
    if (value && strcmp(value, "disk")) {
        error_setg(errp, "'%s' invalid media", value);
        goto out;
    }
    /* The node's driver: format= or driver=, not both. */
    fmt = qemu_opt_get(opts, "format");
    driver = g_strdup(qdict_get_try_str(flat, "driver"));
    qdict_del(flat, "driver");
    if (fmt && driver) {
        error_setg(errp, "Cannot specify both 'driver' and 'format'");
        goto out;
    }
    fmt = fmt ?: driver;
    file = qemu_opt_get(opts, "file");
    /* Without a file name, options must say what to open. */
    if (!file && !qdict_size(flat)) {
        error_setg(errp, "A block device must be specified for \"file\"");
        goto out;
    }
    value = qemu_opt_get(opts, "cache");
    if (value && !parse_cache_mode(value, &direct, &no_flush, &writeback)) {
        error_setg(errp, "invalid cache option");
        goto out;
    }
    writeback = qemu_opt_get_bool(opts, "cache.writeback", writeback);
    if (!parse_on_error(qemu_opt_get(opts, "werror"), "write", &werror,
                        errp) ||
        !parse_on_error(qemu_opt_get(opts, "rerror"), "read", &rerror,
                        errp)) {
        goto out;
    }
    if (!drive_throttle_parse(opts, &throttle_cfg, &throttle_group, errp)) {
        goto out;
    }
    read_only = qemu_opt_get_bool(opts, "readonly",
                                  qemu_opt_get_bool(opts, "read-only", false));
    copy_on_read = qemu_opt_get_bool(opts, "copy-on-read", false);
    if (read_only && copy_on_read) {
        warn_report("disabling copy-on-read on read-only drive");
        copy_on_read = false;
    }
    id = qemu_opts_id(all);
    if (!id) {
        auto_id = g_strdup_printf("%s%d", iface, drive_count);
        id = auto_id;
    }
    if (drive_find(id)) {
        error_setg(errp, "drive with bus=0, unit=0 (index=0) exists");
        goto out;
    }
    if (bdrv_find_node(id)) {
        error_setg(errp, "Device name '%s' conflicts with an existing node "
                   "name", id);
        goto out;
    }
    node = drive_node_options(flat, direct, no_flush, errp);
    if (!node) {
        goto out;
    }
    drive_count++;
    snapshot = !read_only && qemu_opt_get_bool(opts, "snapshot",
                                               drive_snapshot_default);

    bs = bdrv_open_image(file, fmt, node, !read_only && !snapshot, false,
                         errp);
    qobject_unref(node);
    if (!bs) {
        goto out;
    }
    if (snapshot) {
        BlockDriverState *top = drive_temp_overlay(bs, errp);

        bdrv_unref(bs);         /* the overlay holds it as its backing */
        if (!top) {
            goto out;
        }
        bs = top;
    }
    /* As QEMU: the drive's top node copies on read itself (its
     * BDRV_O_COPY_ON_READ), no filter node. */
    if (copy_on_read && !bdrv_enable_copy_on_read(bs, errp)) {
        bdrv_unref(bs);
        goto out;
    }
    blk = device_backend(bs, !read_only, errp);
    bdrv_unref(bs);             /* the backend holds it now */
    if (!blk) {
        goto out;
    }
    drive_throttle_apply(blk, &throttle_cfg, throttle_group, id);
    di = drive_create(id, blk, writeback);
    di->on_read_error = rerror;
    di->on_write_error = werror;
    if (!strcmp(iface, "virtio")) {
        /* As QEMU's "virtio-blk" alias: on PCI where the binary has it. */
        *device_opts = g_strdup_printf("%s,drive=%s",
                                       object_class_by_name("virtio-blk-pci")
                                       ? "virtio-blk-pci"
                                       : "virtio-blk-device", id);
    }
out:
    qemu_opts_del(opts);
    if (!di) {
        qemu_opts_del(all);     /* kept while the drive lives: its id */
    }
    return di;
}

/* ---- Queries ---- */

static ImageInfo *image_info(BlockDriverState *bs, bool flat, Error **errp)
{
    ImageInfo *info = g_new0(ImageInfo, 1);
    int64_t size = bdrv_getlength(bs);
    int64_t allocated = bdrv_get_allocated_file_size(bs);

    if (size < 0) {
        error_setg_errno(errp, -size, "Can't get image size '%s'",
                         bs->filename);
        qapi_free_ImageInfo(info);
        return NULL;
    }
    info->filename = g_strdup(bs->filename);
    info->format = g_strdup(bdrv_get_format_name(bs));
    info->virtual_size = size;
    if (allocated >= 0) {
        info->has_actual_size = true;
        info->actual_size = allocated;
    }
    if (bs->backing_file[0]) {
        info->backing_filename = g_strdup(bs->backing_file);
    }
    if (bs->backing && bs->backing->bs) {
        info->full_backing_filename = g_strdup(bs->backing->bs->filename);
        info->backing_filename_format =
            g_strdup(bdrv_get_format_name(bs->backing->bs));
        if (!flat) {
            info->backing_image = image_info(bs->backing->bs, false, errp);
            if (!info->backing_image) {
                qapi_free_ImageInfo(info);
                return NULL;
            }
        }
    }
    return info;
}

static BlockDeviceInfo *node_info(BlockDriverState *bs, bool flat,
                                  Error **errp)
{
    BlockDeviceInfo *info = g_new0(BlockDeviceInfo, 1);
    int depth = 0;

    info->image = image_info(bs, flat, errp);
    if (!info->image) {
        qapi_free_BlockDeviceInfo(info);
        return NULL;
    }
    for (BlockDriverState *b = bs; b->backing && b->backing->bs;
         b = b->backing->bs) {
        depth++;
    }
    info->file = g_strdup(bs->filename);
    info->node_name = g_strdup(bs->node_name);
    info->ro = bs->read_only;
    info->drv = g_strdup(bdrv_get_format_name(bs));
    if (bs->backing_file[0]) {
        info->backing_file = g_strdup(bs->backing_file);
    }
    info->backing_file_depth = depth;
    info->encrypted = bs->encrypted;
    /* The block layer's values are QAPI's, in QAPI's order. */
    info->detect_zeroes = (BlockdevDetectZeroesOptions)bs->detect_zeroes;
    info->write_threshold = bdrv_write_threshold_get(bs);
    info->cache = g_new0(BlockdevCacheInfo, 1);
    info->cache->writeback = true;
    info->cache->direct = bs->cache_direct;
    info->cache->no_flush = bs->cache_no_flush;
    return info;
}

char *drive_qdev_name(DriveInfo *di)
{
    if (!di->dev) {
        return NULL;
    }
    return di->dev->id ? g_strdup(di->dev->id)
                       : object_get_canonical_path(OBJECT(di->dev));
}

BlockInfoList *qmp_query_block(Error **errp)
{
    BlockInfoList *head = NULL, **tail = &head;
    DriveInfo *di;

    QTAILQ_FOREACH(di, &drives, next) {
        BlockInfo *info = g_new0(BlockInfo, 1);
        BlockDriverState *bs = blk_bs(di->blk);

        info->device = g_strdup(drive_name(di));
        info->qdev = drive_qdev_name(di);
        info->type = g_strdup("unknown");
        if (bs) {
            info->inserted = node_info(bs, false, errp);
            if (!info->inserted) {
                qapi_free_BlockInfo(info);
                qapi_free_BlockInfoList(head);
                return NULL;
            }
            info->inserted->ro = blk_is_read_only(di->blk);
            info->inserted->cache->writeback = di->writeback;
            drive_throttle_info(info->inserted, di->blk);
        }
        if (di->iostatus_enabled) {
            info->has_io_status = true;
            info->io_status = di->iostatus;
        }
        QAPI_LIST_APPEND(tail, info);
    }
    return head;
}

BlockDeviceInfoList *qmp_query_named_block_nodes(bool has_flat, bool flat,
                                                 Error **errp)
{
    BlockDeviceInfoList *head = NULL, **tail = &head;

    /* Every node, auto-named (#blockN) ones too, as QEMU lists them. */
    for (BlockDriverState *bs = bdrv_next_node(NULL); bs;
         bs = bdrv_next_node(bs)) {
        BlockDeviceInfo *info = node_info(bs, flat, errp);

        if (!info) {
            qapi_free_BlockDeviceInfoList(head);
            return NULL;
        }
        QAPI_LIST_APPEND(tail, info);
    }
    return head;
}

static BlockStats *node_stats(BlockDriverState *bs, DriveInfo *di)
{
    BlockStats *s = g_new0(BlockStats, 1);
    BlockAcctStats zero = { 0 };

    s->node_name = bs && !bs->auto_named ? g_strdup(bs->node_name) : NULL;
    s->stats = block_acct_stats_info(di ? &di->stats : &zero);
    return s;
}

BlockStatsList *qmp_query_blockstats(bool has_query_nodes, bool query_nodes,
                                     Error **errp)
{
    BlockStatsList *head = NULL, **tail = &head;
    DriveInfo *di;

    if (query_nodes) {
        for (BlockDriverState *bs = bdrv_next_node(NULL); bs;
             bs = bdrv_next_node(bs)) {
            if (!bs->auto_named) {
                QAPI_LIST_APPEND(tail, node_stats(bs, drive_for_node(bs)));
            }
        }
        return head;
    }
    QTAILQ_FOREACH(di, &drives, next) {
        BlockStats *s = node_stats(blk_bs(di->blk), di);

        s->device = g_strdup(drive_name(di));
        s->qdev = drive_qdev_name(di);
        QAPI_LIST_APPEND(tail, s);
    }
    return head;
}

void qmp_block_resize(const char *device, const char *node_name, int64_t size,
                      Error **errp)
{
    BlockDriverState *bs;
    DriveInfo *di = NULL;

    if (!!device == !!node_name) {
        error_setg(errp, "Need exactly one of 'device' and 'node-name'");
        return;
    }
    if (device) {
        di = drive_find(device);
        if (!di || !blk_bs(di->blk)) {
            error_set(errp, ERROR_CLASS_DEVICE_NOT_FOUND,
                      "Device '%s' not found", device);
            return;
        }
        bs = blk_bs(di->blk);
    } else {
        bs = bdrv_find_node(node_name);
        if (!bs) {
            error_set(errp, ERROR_CLASS_DEVICE_NOT_FOUND,
                      "Cannot find device='' nor node-name='%s'", node_name);
            return;
        }
        di = drive_for_node(bs);
    }
    if (size < 0) {
        error_setg(errp, "Parameter 'size' expects a >0 size");
        return;
    }
    if (di) {
        blk_drain(di->blk);
    }
    if (bdrv_truncate(bs, size, false, PREALLOC_MODE_OFF, errp) < 0) {
        return;
    }
    if (di && di->dev_ops && di->dev_ops->resize_cb) {
        di->dev_ops->resize_cb(di->dev_opaque);
    }
}

/* ---- Write threshold ---- */

typedef struct ThresholdEvent {
    char *node_name;
    uint64_t amount, threshold;
} ThresholdEvent;

static void threshold_event_bh(void *opaque)
{
    ThresholdEvent *ev = opaque;

    qapi_event_send_block_write_threshold(ev->node_name, ev->amount,
                                          ev->threshold);
    g_free(ev->node_name);
    g_free(ev);
}

/* From the worker doing the write: the event goes out from the main loop. */
static void threshold_exceeded(BlockDriverState *bs, uint64_t amount,
                               uint64_t threshold)
{
    ThresholdEvent *ev = g_new(ThresholdEvent, 1);

    ev->node_name = g_strdup(bs->node_name);
    ev->amount = amount;
    ev->threshold = threshold;
    qemu_bh_schedule_oneshot(threshold_event_bh, ev);
}

void qmp_block_set_write_threshold(const char *node_name,
                                   uint64_t threshold, Error **errp)
{
    BlockDriverState *bs = bdrv_find_node(node_name);

    if (!bs) {
        error_setg(errp, "Device '%s' not found", node_name);
        return;
    }
    bdrv_set_write_threshold_notify(threshold_exceeded);
    bdrv_write_threshold_set(bs, threshold);
}
