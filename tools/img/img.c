/*
 * vireo-img: the image tool, with qemu-img's command line, messages, JSON
 * shapes and exit codes.  This file has the entry point, the helpers and
 * create/info/check/snapshot/resize/amend; img-convert.c the data movers.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include <getopt.h>
#include "vireo/cutils.h"
#include "vireo/keyval.h"
#include "vireo/main-loop.h"
#include "qobject/qbool.h"
#include "qobject/qjson.h"
#include "qobject/qlist.h"
#include "qobject/qnum.h"
#include "qobject/qstring.h"
#include "img.h"

BlockBackend *img_open(const char *filename, const char *fmt, int flags,
                       bool image_opts, bool quiet)
{
    Error *err = NULL;
    BlockBackend *blk;

    if (image_opts) {
        QDict *opts = keyval_parse(filename, NULL, NULL, &err);
        BlockDriverState *bs;
        uint64_t perm = BLK_PERM_CONSISTENT_READ;

        if (!opts) {
            error_report_err(err);
            return NULL;
        }
        if (fmt) {
            error_report("--image-opts and --format are mutually exclusive");
            qobject_unref(opts);
            return NULL;
        }
        qdict_put_bool(opts, "read-only", !(flags & BDRV_O_RDWR));
        if (flags & BDRV_O_FORCE_SHARE) {
            qdict_put_bool(opts, "force-share", true);
        }
        if (flags & BDRV_O_NO_BACKING) {
            qdict_put_null(opts, "backing");
        }
        bs = bdrv_open(opts, &err);
        if (!bs) {
            error_reportf_err(err, "Could not open '%s': ", filename);
            return NULL;
        }
        if (flags & BDRV_O_RDWR) {
            perm |= BLK_PERM_WRITE | BLK_PERM_RESIZE;
        }
        blk = blk_new_with_bs(bs, perm, (flags & BDRV_O_FORCE_SHARE) ?
                              BLK_PERM_ALL : BLK_PERM_CONSISTENT_READ |
                              BLK_PERM_WRITE_UNCHANGED, &err);
        bdrv_unref(bs);
    } else {
        QDict *opts = qdict_new();

        qdict_put_str(opts, "discard", "unmap");
        blk = blk_new_open(filename, fmt, opts, flags, &err);
        qobject_unref(opts);
    }
    if (!blk) {
        error_reportf_err(err, "Could not open '%s': ", filename);
    }
    return blk;
}

bool img_parse_o(QDict *opts, const char *str, Error **errp)
{
    g_autoptr(GString) key = g_string_new(NULL);
    g_autoptr(GString) val = g_string_new(NULL);
    const char *p = str;

    while (*p) {
        GString *cur = key;

        g_string_truncate(key, 0);
        g_string_truncate(val, 0);
        for (; *p; p++) {
            if (*p == ',' && p[1] == ',') {
                g_string_append_c(cur, ',');
                p++;
            } else if (*p == ',') {
                p++;
                break;
            } else if (*p == '=' && cur == key) {
                cur = val;
            } else {
                g_string_append_c(cur, *p);
            }
        }
        if (!key->len) {
            continue;
        }
        if (cur == key) {
            if (!strcmp(key->str, "help") || !strcmp(key->str, "?")) {
                qdict_put_bool(opts, "help", true);
                continue;
            }
            error_setg(errp, "Invalid parameter '%s'", key->str);
            return false;
        }
        qdict_put_str(opts, key->str, val->str);
    }
    return true;
}

int64_t img_parse_size(const char *s)
{
    uint64_t v;
    const char *end;

    if (qemu_strtosz(s, &end, &v) < 0 || *end || v > INT64_MAX) {
        return -1;
    }
    return v;
}

char *img_path_combine(const char *base, const char *name)
{
    const char *slash;

    if (name[0] == '/' || strstr(name, "://") || !base) {
        return g_strdup(name);
    }
    slash = strrchr(base, '/');
    if (!slash) {
        return g_strdup(name);
    }
    return g_strdup_printf("%.*s%s", (int)(slash - base + 1), base, name);
}

void img_usage_error(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    error_vreport(fmt, ap);
    va_end(ap);
    error_printf("Try 'vireo-img --help' for more information\n");
}

/* Descriptions of creation options, as qemu-img lists them. */
static const struct {
    const char *name, *type, *desc;
} create_opt_help[] = {
    { "backing_file", "str", "File name of a base image" },
    { "backing_fmt", "str", "Image format of the base image" },
    { "cluster_size", "size", "qcow2 cluster size" },
    { "compat", "str", "Compatibility level (v2 [0.10] or v3 [1.1])" },
    { "compression_type", "str",
      "Compression method used for image cluster compression" },
    { "data_file", "str", "File name of an external data file" },
    { "data_file_raw", "bool (on/off)",
      "The external data file must stay valid as a raw image" },
    { "encryption", "bool (on/off)",
      "Encrypt the image with format 'aes'. (Deprecated in favor of "
      "encrypt.format=aes)" },
    { "extended_l2", "bool (on/off)", "Extended L2 tables" },
    { "lazy_refcounts", "bool (on/off)", "Postpone refcount updates" },
    { "preallocation", "str",
      "Preallocation mode (allowed values: off, metadata, falloc, full)" },
    { "refcount_bits", "num", "Width of a reference count entry in bits" },
    { "size", "size", "Virtual disk size" },
};

void img_print_create_opts(BlockDriver *drv)
{
    printf("Supported %s options:\n", drv->format_name);
    for (size_t i = 0; i < ARRAY_SIZE(create_opt_help); i++) {
        g_autofree char *key = NULL;

        if (!g_strv_contains((const char *const *)drv->create_opts,
                             create_opt_help[i].name)) {
            continue;
        }
        if (!strcmp(drv->format_name, "raw") &&
            !strcmp(create_opt_help[i].name, "preallocation")) {
            continue;   /* a protocol option there, listed with a file */
        }
        key = g_strdup_printf("%s=<%s>", create_opt_help[i].name,
                              create_opt_help[i].type);
        printf("  %-22s - %s\n", key, create_opt_help[i].desc);
    }
    printf("\nThe protocol level may support further options.\n"
           "Specify the target filename to include those options.\n");
}

void img_progress(bool enabled, double percent)
{
    if (enabled) {
        printf("    (%3.2f/100%%)\r", percent);
        fflush(stdout);
    }
}

void *img_buf(size_t len)
{
    void *p;

    /* Aligned so that cache=none (O_DIRECT) takes it without a bounce. */
    if (posix_memalign(&p, 4096, MAX(len, 4096))) {
        abort();
    }
    return p;
}

/* Whole status of @bs at @off: *zero if it reads as zeroes; *alloc if
 * some layer of the chain (not beyond @base) holds it. */
int img_chain_status(BlockDriverState *bs, BlockDriverState *base,
                     int64_t off, int64_t max, int64_t *pnum, bool *zero,
                     bool *alloc)
{
    int depth;
    int ret = bdrv_block_status_above(bs, base, off, max, pnum, NULL, NULL,
                                      &depth);

    if (ret < 0) {
        return ret;
    }
    *alloc = ret & BDRV_BLOCK_ALLOCATED;
    *zero = (ret & BDRV_BLOCK_ZERO) && !(ret & BDRV_BLOCK_DATA);
    if (*pnum <= 0) {
        *pnum = max;
    }
    return 0;
}

/* ---- create ---- */

/* qemu-img's "Formatting ..." line, keys in its order. */
static void print_formatting(const char *filename, const char *fmt,
                             QDict *o, int64_t size)
{
    g_autoptr(GString) s = g_string_new(NULL);
    const char *v;

    g_string_append_printf(s, "Formatting '%s', fmt=%s", filename, fmt);
    if (!strcmp(fmt, "qcow2")) {
        v = qdict_get_try_str(o, "cluster_size");
        g_string_append_printf(s, " cluster_size=%" PRId64,
                               v ? img_parse_size(v) : 65536);
        g_string_append(s, " extended_l2=off");
        if ((v = qdict_get_try_str(o, "preallocation"))) {
            g_string_append_printf(s, " preallocation=%s", v);
        }
        g_string_append(s, " compression_type=zlib");
    }
    g_string_append_printf(s, " size=%" PRId64, size);
    if (strcmp(fmt, "qcow2") && (v = qdict_get_try_str(o, "preallocation"))) {
        g_string_append_printf(s, " preallocation=%s", v);
    }
    if (!strcmp(fmt, "qcow2")) {
        if ((v = qdict_get_try_str(o, "compat"))) {
            g_string_append_printf(s, " compat=%s", v);
        }
        if ((v = qdict_get_try_str(o, "backing_file"))) {
            g_string_append_printf(s, " backing_file=%s", v);
        }
        if ((v = qdict_get_try_str(o, "backing_fmt"))) {
            g_string_append_printf(s, " backing_fmt=%s", v);
        }
        g_string_append_printf(s, " lazy_refcounts=%s",
                               qdict_get_try_str(o, "lazy_refcounts") ?:
                               "off");
        g_string_append_printf(s, " refcount_bits=%s",
                               qdict_get_try_str(o, "refcount_bits") ?:
                               "16");
    }
    printf("%s\n", s->str);
}

static int img_create(int argc, char **argv)
{
    const char *fmt = "raw", *base = NULL, *base_fmt = NULL;
    g_autoptr(QDict) o = qdict_new();
    bool quiet = false, unsafe = false;
    BlockDriver *drv;
    Error *err = NULL;
    int64_t size = -1;
    const char *filename;
    int c;

    static const struct option longopts[] = {
        { "help", no_argument, NULL, 'h' },
        { "object", required_argument, NULL, 'O' },
        { NULL, 0, NULL, 0 },
    };
    while ((c = getopt_long(argc, argv, ":F:b:f:ho:qu", longopts,
                            NULL)) != -1) {
        switch (c) {
        case 'F': base_fmt = optarg; break;
        case 'b': base = optarg; break;
        case 'f': fmt = optarg; break;
        case 'q': quiet = true; break;
        case 'u': unsafe = true; break;
        case 'o':
            if (!img_parse_o(o, optarg, &err)) {
                error_report_err(err);
                return 1;
            }
            break;
        case ':':
            error_report("argument expected for option '%s'", argv[optind - 1]);
            return 1;
        default:
            img_usage_error("Invalid option \'%s\'", argv[optind - 1]);
            return 1;
        }
    }
    drv = bdrv_find_format(fmt);
    if (qdict_haskey(o, "help") && drv && drv->create) {
        img_print_create_opts(drv);
        return 0;
    }
    if (optind >= argc) {
        img_usage_error("Expecting image file name");
        return 1;
    }
    filename = argv[optind++];
    if (!drv || !drv->create) {
        error_report("%s: Unknown file format '%s'", filename, fmt);
        return 1;
    }
    if (optind < argc) {
        size = img_parse_size(argv[optind++]);
        if (size < 0) {
            error_report("Invalid image size specified. You may use k, M, "
                         "G, T, P or E suffixes for");
            error_report("kilobytes, megabytes, gigabytes, terabytes, "
                         "petabytes and exabytes.");
            return 1;
        }
    }
    if (optind < argc) {
        error_report("Unexpected argument: %s", argv[optind]);
        return 1;
    }
    if (qdict_haskey(o, "size")) {
        size = img_parse_size(qdict_get_str(o, "size"));
        if (size < 0) {
            error_report("Parameter 'size' expects a size");
            return 1;
        }
    }
    if (base) {
        qdict_put_str(o, "backing_file", base);
    }
    if (base_fmt) {
        qdict_put_str(o, "backing_fmt", base_fmt);
    }
    base = qdict_get_try_str(o, "backing_file");
    base_fmt = qdict_get_try_str(o, "backing_fmt");
    for (const QDictEntry *e = qdict_first(o); e; e = qdict_next(o, e)) {
        if (!g_strv_contains((const char *const *)drv->create_opts,
                             qdict_entry_key(e))) {
            error_report("%s: Invalid parameter '%s'", filename,
                         qdict_entry_key(e));
            return 1;
        }
    }
    if (base && strcmp(fmt, "qcow2")) {
        error_report("Backing file not supported for file format '%s'", fmt);
        return 1;
    }
    if (base && !unsafe) {
        g_autofree char *path = img_path_combine(filename, base);
        BlockBackend *b = blk_new_open(path, base_fmt, NULL,
                                       BDRV_O_NO_BACKING |
                                       BDRV_O_FORCE_SHARE, &err);

        if (!b) {
            error_report("%s: %s", filename, error_get_pretty(err));
            error_printf("Could not open backing image.\n");
            error_free(err);
            return 1;
        }
        if (!base_fmt) {
            error_report("%s: Backing file specified without backing format",
                         filename);
            error_printf("Detected format of %s.",
                         bdrv_get_format_name(blk_bs(b)));
            blk_unref(b);
            return 1;
        }
        if (size < 0) {
            size = blk_getlength(b);
        }
        blk_unref(b);
    } else if (base && !base_fmt) {
        error_report("%s: Backing file specified without backing format",
                     filename);
        return 1;
    }
    if (size < 0) {
        error_report("%s: Image creation needs a size parameter", filename);
        return 1;
    }
    if (!quiet) {
        print_formatting(filename, fmt, o, size);
        fflush(stdout);
    }
    qdict_put_int(o, "size", size);
    if (bdrv_create(fmt, filename, qobject_ref(o), &err) < 0) {
        error_reportf_err(err, "%s: ", filename);
        return 1;
    }
    return 0;
}

/* ---- info ---- */

static QDict *image_info(BlockDriverState *bs, const char *filename)
{
    QDict *d = qdict_new();
    int csize = bs->drv->get_cluster_size ?
                bs->drv->get_cluster_size(bs) : 0;
    int64_t actual = bdrv_get_allocated_file_size(bs);

    if (bs->backing_file[0] && bs->backing_format[0]) {
        qdict_put_str(d, "backing-filename-format", bs->backing_format);
    }
    if (bs->drv->snapshot_list) {
        QEMUSnapshotInfo *sn;
        int n = bs->drv->snapshot_list(bs, &sn);

        if (n > 0) {
            QList *l = qlist_new();

            for (int i = 0; i < n; i++) {
                QDict *e = qdict_new();

                if (sn[i].icount != (uint64_t)-1) {
                    qdict_put_int(e, "icount", sn[i].icount);
                }
                qdict_put_int(e, "vm-clock-nsec",
                              sn[i].vm_clock_nsec % 1000000000);
                qdict_put_str(e, "name", sn[i].name);
                qdict_put_int(e, "date-sec", sn[i].date_sec);
                qdict_put_int(e, "date-nsec", sn[i].date_nsec);
                qdict_put_int(e, "vm-clock-sec",
                              sn[i].vm_clock_nsec / 1000000000);
                qdict_put_str(e, "id", sn[i].id_str);
                qdict_put_int(e, "vm-state-size", sn[i].vm_state_size);
                qlist_append_obj(l, QOBJECT(e));
            }
            qdict_put_obj(d, "snapshots", QOBJECT(l));
        }
        g_free(sn);
    }
    qdict_put_int(d, "virtual-size", bdrv_getlength(bs));
    qdict_put_str(d, "filename", filename);
    if (csize) {
        qdict_put_int(d, "cluster-size", csize);
    }
    qdict_put_str(d, "format", bdrv_get_format_name(bs));
    if (actual >= 0) {
        qdict_put_int(d, "actual-size", actual);
    }
    if (bs->drv->get_specific_info) {
        QDict *fs = qdict_new();

        qdict_put_str(fs, "type", bdrv_get_format_name(bs));
        qdict_put_obj(fs, "data", QOBJECT(bs->drv->get_specific_info(bs)));
        qdict_put_obj(d, "format-specific", QOBJECT(fs));
    }
    if (bs->backing_file[0]) {
        g_autofree char *full = img_path_combine(filename, bs->backing_file);

        qdict_put_str(d, "full-backing-filename", full);
        qdict_put_str(d, "backing-filename", bs->backing_file);
    }
    qdict_put_bool(d, "dirty-flag", false);
    return d;
}

static void print_snapshot_table(QList *l)
{
    printf("%-9s %-16s %8s%20s%13s%11s\n", "ID", "TAG", "VM SIZE", "DATE",
           "VM CLOCK", "ICOUNT");
    for (const QListEntry *e = qlist_first(l); e; e = qlist_next(e)) {
        QDict *sn = qobject_to(QDict, qlist_entry_obj(e));
        time_t t = qdict_get_int(sn, "date-sec");
        struct tm tm;
        char date[32], clock[32], icount[32] = "";
        g_autofree char *vmsize = size_to_str(qdict_get_int(sn,
                                                            "vm-state-size"));
        int64_t secs = qdict_get_int(sn, "vm-clock-sec");

        localtime_r(&t, &tm);
        strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &tm);
        snprintf(clock, sizeof(clock), "%02d:%02d:%02d.%03d",
                 (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60),
                 (int)(qdict_get_int(sn, "vm-clock-nsec") / 1000000));
        if (qdict_haskey(sn, "icount")) {
            snprintf(icount, sizeof(icount), "%" PRId64,
                     qdict_get_int(sn, "icount"));
        }
        printf("%-9s %-16s %8s%20s%13s%11s\n", qdict_get_str(sn, "id"),
               qdict_get_str(sn, "name"), vmsize, date, clock, icount);
    }
}

static void print_human_info(QDict *d)
{
    g_autofree char *vsize = size_to_str(qdict_get_int(d, "virtual-size"));
    QDict *fs = qdict_get(d, "format-specific") ?
        qdict_get_qdict(d, "format-specific") : NULL;

    printf("image: %s\n", qdict_get_str(d, "filename"));
    printf("file format: %s\n", qdict_get_str(d, "format"));
    printf("virtual size: %s (%" PRId64 " bytes)\n", vsize,
           qdict_get_int(d, "virtual-size"));
    if (qdict_haskey(d, "actual-size")) {
        g_autofree char *dsize = size_to_str(qdict_get_int(d,
                                                           "actual-size"));

        printf("disk size: %s\n", dsize);
    } else {
        printf("disk size: unavailable\n");
    }
    if (qdict_haskey(d, "cluster-size")) {
        printf("cluster_size: %" PRId64 "\n",
               qdict_get_int(d, "cluster-size"));
    }
    if (qdict_haskey(d, "backing-filename")) {
        const char *b = qdict_get_str(d, "backing-filename");
        const char *full = qdict_get_str(d, "full-backing-filename");

        if (strcmp(b, full)) {
            printf("backing file: %s (actual path: %s)\n", b, full);
        } else {
            printf("backing file: %s\n", b);
        }
        if (qdict_haskey(d, "backing-filename-format")) {
            printf("backing file format: %s\n",
                   qdict_get_str(d, "backing-filename-format"));
        }
    }
    if (qdict_haskey(d, "snapshots")) {
        printf("Snapshot list:\n");
        print_snapshot_table(qdict_get_qlist(d, "snapshots"));
    }
    if (fs) {
        QDict *data = qdict_get_qdict(fs, "data");

        printf("Format specific information:\n");
        for (const QDictEntry *e = qdict_first(data); e;
             e = qdict_next(data, e)) {
            g_autofree char *k = g_strdup(qdict_entry_key(e));
            QObject *v = qdict_entry_value(e);

            g_strdelimit(k, "-", ' ');
            if (qobject_type(v) == QTYPE_QBOOL) {
                printf("    %s: %s\n", k,
                       qbool_get_bool(qobject_to(QBool, v)) ? "true" :
                       "false");
            } else if (qobject_type(v) == QTYPE_QNUM) {
                printf("    %s: %" PRId64 "\n", k,
                       qnum_get_int(qobject_to(QNum, v)));
            } else if (qobject_type(v) == QTYPE_QSTRING) {
                printf("    %s: %s\n", k,
                       qstring_get_str(qobject_to(QString, v)));
            }
        }
    }
}

static void print_json(QObject *obj)
{
    g_autoptr(GString) s = qobject_to_json_pretty(obj, true);

    printf("%s\n", s->str);
}

static int img_info(int argc, char **argv)
{
    const char *fmt = NULL, *output = "human";
    bool chain = false, image_opts = false, force_share = false;
    g_autoptr(QList) infos = qlist_new();
    g_autofree char *filename = NULL;
    g_autofree char *cur_fmt = NULL;
    GHashTable *seen;
    int c;

    static const struct option longopts[] = {
        { "help", no_argument, NULL, 'h' },
        { "format", required_argument, NULL, 'f' },
        { "output", required_argument, NULL, 'o' },
        { "backing-chain", no_argument, NULL, 'c' },
        { "image-opts", no_argument, NULL, 'i' },
        { "force-share", no_argument, NULL, 'U' },
        { "object", required_argument, NULL, 'O' },
        { NULL, 0, NULL, 0 },
    };
    while ((c = getopt_long(argc, argv, ":f:hU", longopts, NULL)) != -1) {
        switch (c) {
        case 'f': fmt = optarg; break;
        case 'o': output = optarg; break;
        case 'c': chain = true; break;
        case 'i': image_opts = true; break;
        case 'U': force_share = true; break;
        default:
            img_usage_error("Invalid option \'%s\'", argv[optind - 1]);
            return 1;
        }
    }
    if (optind != argc - 1) {
        img_usage_error("Expecting one image file name");
        return 1;
    }
    if (strcmp(output, "json") && strcmp(output, "human")) {
        img_usage_error("--output must be used with human or json as argument.");
        return 1;
    }
    filename = g_strdup(argv[optind]);
    cur_fmt = g_strdup(fmt);
    seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    while (filename) {
        BlockBackend *blk;
        BlockDriverState *bs;
        QDict *d;

        if (g_hash_table_contains(seen, filename)) {
            error_report("Backing file '%s' creates an infinite loop.",
                         filename);
            g_hash_table_destroy(seen);
            return 1;
        }
        g_hash_table_add(seen, g_strdup(filename));
        blk = img_open(filename, cur_fmt, BDRV_O_NO_BACKING |
                       (force_share ? BDRV_O_FORCE_SHARE : 0), image_opts,
                       false);
        if (!blk) {
            g_hash_table_destroy(seen);
            return 1;
        }
        bs = blk_bs(blk);
        /* With --image-opts QEMU names the image by its file. */
        d = image_info(bs, image_opts ? bs->filename : filename);
        qlist_append_obj(infos, QOBJECT(d));
        g_free(cur_fmt);
        cur_fmt = NULL;
        if (chain && bs->backing_file[0]) {
            char *next = img_path_combine(filename, bs->backing_file);

            cur_fmt = bs->backing_format[0] ? g_strdup(bs->backing_format)
                                            : NULL;
            g_free(filename);
            filename = next;
            image_opts = false;
        } else {
            g_free(filename);
            filename = NULL;
        }
        blk_unref(blk);
    }
    g_hash_table_destroy(seen);
    if (!strcmp(output, "json")) {
        if (chain) {
            print_json(QOBJECT(infos));
        } else {
            print_json(qlist_peek(infos));
        }
        return 0;
    }
    for (const QListEntry *e = qlist_first(infos); e; e = qlist_next(e)) {
        if (e != qlist_first(infos)) {
            printf("\n");
        }
        print_human_info(qobject_to(QDict, qlist_entry_obj(e)));
    }
    return 0;
}

/* ---- check ---- */

static void print_check_human(BdrvCheckResult *r)
{
    if (!r->corruptions && !r->leaks && !r->check_errors) {
        printf("No errors were found on the image.\n");
    } else {
        if (r->corruptions) {
            printf("\n%d errors were found on the image.\nData may be "
                   "corrupted, or further writes to the image may corrupt "
                   "it.\n", r->corruptions);
        }
        if (r->leaks) {
            printf("\n%d leaked clusters were found on the image.\nThis means "
                   "waste of disk space, but no harm to data.\n", r->leaks);
        }
        if (r->check_errors) {
            printf("\n%d internal errors have occurred during the check.\n",
                   r->check_errors);
        }
    }
    if (r->total_clusters && r->allocated_clusters) {
        printf("%" PRId64 "/%" PRId64 " = %0.2f%% allocated, %0.2f%% "
               "fragmented, %0.2f%% compressed clusters\n",
               r->allocated_clusters, r->total_clusters,
               r->allocated_clusters * 100.0 / r->total_clusters,
               r->fragmented_clusters * 100.0 / r->allocated_clusters,
               r->compressed_clusters * 100.0 / r->allocated_clusters);
    }
    if (r->image_end_offset) {
        printf("Image end offset: %" PRId64 "\n", r->image_end_offset);
    }
}

static void print_check_json(BdrvCheckResult *r, const char *filename,
                             const char *fmt)
{
    g_autoptr(QDict) d = qdict_new();

#define PUT_NZ(k, v) do { if (v) { qdict_put_int(d, k, v); } } while (0)
    PUT_NZ("image-end-offset", r->image_end_offset);
    PUT_NZ("total-clusters", r->total_clusters);
    PUT_NZ("corruptions", r->corruptions);
    qdict_put_int(d, "check-errors", r->check_errors);
    PUT_NZ("leaks", r->leaks);
    PUT_NZ("corruptions-fixed", r->corruptions_fixed);
    PUT_NZ("leaks-fixed", r->leaks_fixed);
    PUT_NZ("allocated-clusters", r->allocated_clusters);
    PUT_NZ("fragmented-clusters", r->fragmented_clusters);
    PUT_NZ("compressed-clusters", r->compressed_clusters);
#undef PUT_NZ
    qdict_put_str(d, "filename", filename);
    qdict_put_str(d, "format", fmt);
    print_json(QOBJECT(d));
}

static int img_check(int argc, char **argv)
{
    const char *fmt = NULL, *output = "human", *filename;
    bool image_opts = false, quiet = false, force_share = false;
    int fix = 0, c, ret, flags;
    BdrvCheckResult r = { 0 };
    BlockBackend *blk;
    BlockDriverState *bs;

    static const struct option longopts[] = {
        { "help", no_argument, NULL, 'h' },
        { "format", required_argument, NULL, 'f' },
        { "repair", required_argument, NULL, 'r' },
        { "output", required_argument, NULL, 'o' },
        { "image-opts", no_argument, NULL, 'i' },
        { "force-share", no_argument, NULL, 'U' },
        { "object", required_argument, NULL, 'O' },
        { NULL, 0, NULL, 0 },
    };
    while ((c = getopt_long(argc, argv, ":hf:r:T:qU", longopts,
                            NULL)) != -1) {
        switch (c) {
        case 'f': fmt = optarg; break;
        case 'o': output = optarg; break;
        case 'i': image_opts = true; break;
        case 'q': quiet = true; break;
        case 'U': force_share = true; break;
        case 'T': break;
        case 'r':
            if (!strcmp(optarg, "leaks")) {
                fix = BDRV_FIX_LEAKS;
            } else if (!strcmp(optarg, "all")) {
                fix = BDRV_FIX_LEAKS | BDRV_FIX_ERRORS;
            } else {
                img_usage_error("Unknown option value for -r (expecting "
                                "'leaks' or 'all'): %s", optarg);
                return 1;
            }
            break;
        default:
            img_usage_error("Invalid option \'%s\'", argv[optind - 1]);
            return 1;
        }
    }
    if (optind != argc - 1) {
        img_usage_error("Expecting one image file name");
        return 1;
    }
    if (strcmp(output, "json") && strcmp(output, "human")) {
        img_usage_error("--output must be used with human or json as argument.");
        return 1;
    }
    if (fix && force_share) {
        error_report("--force-share/-U is not allowed when checking "
                     "and repairing an image");
        return 1;
    }
    filename = argv[optind];
    flags = BDRV_O_NO_BACKING | (fix ? BDRV_O_RDWR : 0) |
            (force_share ? BDRV_O_FORCE_SHARE : 0);
    if (image_opts) {
        blk = img_open(filename, fmt, flags, true, quiet);
    } else {
        g_autoptr(QDict) opts = qdict_new();
        Error *err = NULL;

        /* The check must open images that are marked corrupt. */
        qdict_put_bool(opts, "x-repair", true);
        blk = blk_new_open(filename, fmt, opts, flags, &err);
        if (!blk && err && strstr(error_get_pretty(err), "x-repair")) {
            error_free(err);
            err = NULL;
            blk = blk_new_open(filename, fmt, NULL, flags, &err);
        }
        if (!blk) {
            error_reportf_err(err, "Could not open '%s': ", filename);
        }
    }
    if (!blk) {
        return 1;
    }
    bs = blk_bs(blk);
    if (!bs->drv->check) {
        if (!strcmp(output, "json")) {
            /* qemu-img prints nothing more for unsupported formats. */
        }
        error_report("This image format does not support checks");
        blk_unref(blk);
        return 63;
    }
    ret = bs->drv->check(bs, &r, fix);
    if (fix && ret == 0 && (r.corruptions_fixed || r.leaks_fixed)) {
        int leaks_fixed = r.leaks_fixed, corr_fixed = r.corruptions_fixed;

        if (!quiet && strcmp(output, "json")) {
            printf("The following inconsistencies were found and repaired:"
                   "\n\n    %d leaked clusters\n    %d corruptions\n\n"
                   "Double checking the fixed image now...\n", leaks_fixed,
                   corr_fixed);
        }
        memset(&r, 0, sizeof(r));
        ret = bs->drv->check(bs, &r, 0);
        r.leaks_fixed = leaks_fixed;
        r.corruptions_fixed = corr_fixed;
    }
    if (ret < 0 && !r.check_errors) {
        error_report("Check failed: %s", strerror(-ret));
        blk_unref(blk);
        return 1;
    }
    if (!quiet) {
        if (!strcmp(output, "json")) {
            print_check_json(&r, filename, bdrv_get_format_name(bs));
        } else {
            print_check_human(&r);
        }
    }
    blk_unref(blk);
    if (ret < 0 || r.check_errors) {
        return 1;
    }
    if (r.corruptions) {
        return 2;
    }
    return r.leaks ? 3 : 0;
}

/* ---- snapshot ---- */

static int img_snapshot(int argc, char **argv)
{
    enum { NONE, LIST, CREATE, APPLY, DELETE } action = NONE;
    const char *fmt = NULL, *name = NULL;
    bool image_opts = false, quiet = false, force_share = false;
    Error *err = NULL;
    BlockBackend *blk;
    BlockDriverState *bs;
    int c, ret = 0;

    static const struct option longopts[] = {
        { "help", no_argument, NULL, 'h' },
        { "image-opts", no_argument, NULL, 'i' },
        { "force-share", no_argument, NULL, 'U' },
        { "object", required_argument, NULL, 'O' },
        { NULL, 0, NULL, 0 },
    };
    while ((c = getopt_long(argc, argv, ":la:c:d:f:hqU", longopts,
                            NULL)) != -1) {
        switch (c) {
        case 'l': case 'a': case 'c': case 'd':
            if (action != NONE) {
                error_report("Cannot mix '-l', '-a', '-c', '-d'");
                return 0;
            }
            action = c == 'l' ? LIST : c == 'a' ? APPLY :
                     c == 'c' ? CREATE : DELETE;
            name = optarg;
            break;
        case 'f': fmt = optarg; break;
        case 'q': quiet = true; break;
        case 'i': image_opts = true; break;
        case 'U': force_share = true; break;
        default:
            img_usage_error("Invalid option \'%s\'", argv[optind - 1]);
            return 1;
        }
    }
    if (optind != argc - 1) {
        img_usage_error("Expecting one image file name");
        return 1;
    }
    if (action == NONE) {
        action = LIST;
    }
    blk = img_open(argv[optind], fmt, BDRV_O_NO_BACKING |
                   (action == LIST ? 0 : BDRV_O_RDWR) |
                   (force_share ? BDRV_O_FORCE_SHARE : 0), image_opts, quiet);
    if (!blk) {
        return 1;
    }
    bs = blk_bs(blk);
    if (!bs->drv->snapshot_list) {
        error_report("Could not %s snapshot '%s': %s",
                     action == LIST ? "list" : action == CREATE ? "create" :
                     action == APPLY ? "apply" : "delete", name ?: "",
                     "Operation not supported");
        blk_unref(blk);
        return 1;
    }
    switch (action) {
    case LIST: {
        QDict *d = image_info(bs, argv[optind]);

        if (qdict_haskey(d, "snapshots")) {
            printf("Snapshot list:\n");
            print_snapshot_table(qdict_get_qlist(d, "snapshots"));
        }
        qobject_unref(d);
        break;
    }
    case CREATE: {
        QEMUSnapshotInfo sn = { 0 };
        gint64 now = g_get_real_time();

        g_strlcpy(sn.name, name, sizeof(sn.name));
        sn.date_sec = now / G_USEC_PER_SEC;
        sn.date_nsec = (now % G_USEC_PER_SEC) * 1000;
        sn.icount = 0;
        ret = bs->drv->snapshot_create(bs, &sn, &err);
        if (ret < 0) {
            error_reportf_err(err, "Could not create snapshot '%s': ", name);
        }
        break;
    }
    case APPLY:
        ret = bs->drv->snapshot_goto(bs, name, &err);
        if (ret < 0) {
            error_reportf_err(err, "Could not apply snapshot '%s': ", name);
        }
        break;
    case DELETE:
        ret = bs->drv->snapshot_delete(bs, name, &err);
        if (ret < 0) {
            error_reportf_err(err, "Could not delete snapshot '%s': ", name);
        }
        break;
    default:
        break;
    }
    if (ret == 0 && action != LIST) {
        ret = bdrv_flush(bs);
    }
    blk_unref(blk);
    return ret < 0 ? 1 : 0;
}

/* ---- resize ---- */

static int img_resize(int argc, char **argv)
{
    const char *fmt = NULL, *filename, *size_s;
    const char *prealloc_s = NULL;
    bool image_opts = false, quiet = false, shrink = false;
    int64_t cur, size;
    int prealloc = PREALLOC_MODE_OFF;
    Error *err = NULL;
    BlockBackend *blk;
    int c, ret;

    static const struct option longopts[] = {
        { "help", no_argument, NULL, 'h' },
        { "image-opts", no_argument, NULL, 'i' },
        { "preallocation", required_argument, NULL, 'P' },
        { "shrink", no_argument, NULL, 'S' },
        { "object", required_argument, NULL, 'O' },
        { NULL, 0, NULL, 0 },
    };
    /* A leading '-' of a size like "-1G" is the argument, not an option. */
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-' && g_ascii_isdigit(argv[i][1]) &&
            i == argc - 1) {
            argv[i][0] = '\x01';
        }
    }
    while ((c = getopt_long(argc, argv, ":f:hq", longopts, NULL)) != -1) {
        switch (c) {
        case 'f': fmt = optarg; break;
        case 'q': quiet = true; break;
        case 'i': image_opts = true; break;
        case 'S': shrink = true; break;
        case 'P': prealloc_s = optarg; break;
        default:
            img_usage_error("Invalid option \'%s\'", argv[optind - 1]);
            return 1;
        }
    }
    if (optind != argc - 2) {
        img_usage_error("Expecting image file name and size");
        return 1;
    }
    filename = argv[optind];
    size_s = argv[optind + 1];
    if (size_s[0] == '\x01') {
        ((char *)size_s)[0] = '-';
    }
    if (prealloc_s) {
        prealloc = prealloc_mode_from_str(prealloc_s);
        if (prealloc < 0) {
            error_report("Invalid preallocation mode '%s'", prealloc_s);
            return 1;
        }
    }
    blk = img_open(filename, fmt, BDRV_O_RDWR, image_opts, quiet);
    if (!blk) {
        return 1;
    }
    cur = blk_getlength(blk);
    if (size_s[0] == '+' || size_s[0] == '-') {
        int64_t delta = img_parse_size(size_s + 1);

        size = delta < 0 ? -1 : size_s[0] == '+' ? cur + delta : cur - delta;
    } else {
        size = img_parse_size(size_s);
    }
    if (size < 0) {
        error_report(size_s[0] == '-' ? "New image size must be positive" :
                     "Invalid image size specified.");
        blk_unref(blk);
        return 1;
    }
    if (size < cur && !shrink) {
        error_report("Use the --shrink option to perform a shrink "
                     "operation.");
        warn_report("Shrinking an image will delete all data beyond the "
                    "shrunken image's end. Before performing such an "
                    "operation, make sure there is no important data there.");
        blk_unref(blk);
        return 1;
    }
    ret = bdrv_truncate(blk_bs(blk), size, false, prealloc, &err);
    if (ret == 0) {
        ret = bdrv_flush(blk_bs(blk));
    }
    if (ret < 0) {
        if (err) {
            error_report_err(err);
        } else {
            error_report("Failed to resize: %s", strerror(-ret));
        }
    } else if (!quiet) {
        printf("Image resized.\n");
    }
    blk_unref(blk);
    return ret < 0 ? 1 : 0;
}

/* ---- amend ---- */

static int img_amend(int argc, char **argv)
{
    const char *fmt = NULL;
    g_autoptr(QDict) o = qdict_new();
    bool image_opts = false, quiet = false, force = false, have_o = false;
    Error *err = NULL;
    BlockBackend *blk;
    BlockDriverState *bs;
    int c, ret;

    static const struct option longopts[] = {
        { "help", no_argument, NULL, 'h' },
        { "image-opts", no_argument, NULL, 'i' },
        { "force", no_argument, NULL, 'F' },
        { "object", required_argument, NULL, 'O' },
        { NULL, 0, NULL, 0 },
    };
    while ((c = getopt_long(argc, argv, ":ho:f:t:pq", longopts,
                            NULL)) != -1) {
        switch (c) {
        case 'o':
            have_o = true;
            if (!img_parse_o(o, optarg, &err)) {
                error_report_err(err);
                return 1;
            }
            break;
        case 'f': fmt = optarg; break;
        case 'q': quiet = true; break;
        case 'i': image_opts = true; break;
        case 'F': force = true; break;
        case 't': case 'p': break;
        default:
            img_usage_error("Invalid option \'%s\'", argv[optind - 1]);
            return 1;
        }
    }
    if (!have_o) {
        img_usage_error("Must specify options (-o)");
        return 1;
    }
    if (optind != argc - 1) {
        img_usage_error("Expecting one image file name");
        return 1;
    }
    blk = img_open(argv[optind], fmt, BDRV_O_RDWR | BDRV_O_NO_BACKING,
                   image_opts, quiet);
    if (!blk) {
        return 1;
    }
    bs = blk_bs(blk);
    if (qdict_haskey(o, "help")) {
        img_print_create_opts(bs->drv);
        blk_unref(blk);
        return 0;
    }
    if (!bs->drv->amend) {
        error_report("Format driver '%s' does not support option amendment",
                     bdrv_get_format_name(bs));
        blk_unref(blk);
        return 1;
    }
    ret = bs->drv->amend(bs, o, force, &err);
    if (ret < 0 && err) {
        error_report_err(err);
    } else if (ret < 0) {
        error_report("Error while amending options: %s", strerror(-ret));
    }
    blk_unref(blk);
    return ret < 0 ? 1 : 0;
}

static void help(void)
{
    printf("vireo-img version " VIREO_VERSION " (qemu-img %d.%d compatible)\n"
           "usage: vireo-img [standard options] command [command options]\n"
           "\nCommand syntax:\n"
           "  amend [-f fmt] [--force] -o options filename\n"
           "  bench [-c count] [-d depth] [-f fmt] [-n] [-o offset] "
           "[-s buffer_size] [-S step_size] [-t cache] [-w] [-U] filename\n"
           "  check [-q] [--output=ofmt] [-f fmt] [-r [leaks | all]] [-U] "
           "filename\n"
           "  commit [-q] [-f fmt] [-t cache] [-b base] [-d] [-p] filename\n"
           "  compare [-f fmt] [-F fmt] [-p] [-q] [-s] [-U] filename1 "
           "filename2\n"
           "  convert [-c] [-p] [-q] [-n] [-f fmt] [-O output_fmt] "
           "[-B backing_file] [-o options] [-S sparse_size] filename "
           "[filename2 [...]] output_filename\n"
           "  create [-q] [-f fmt] [-b backing_file [-F backing_fmt]] [-u] "
           "[-o options] filename [size]\n"
           "  dd [-f fmt] [-O output_fmt] [bs=block_size] [count=blocks] "
           "[skip=blocks] if=input of=output\n"
           "  info [-f fmt] [--output=ofmt] [--backing-chain] [-U] filename\n"
           "  map [-f fmt] [--output=ofmt] [-U] filename\n"
           "  measure [--output=ofmt] [-O output_fmt] [-o options] "
           "[--size N | [-f fmt] filename]\n"
           "  snapshot [-q] [-l | -a snapshot | -c snapshot | -d snapshot] "
           "filename\n"
           "  rebase [-q] [-f fmt] [-p] [-u] [-b backing_file [-F "
           "backing_fmt]] filename\n"
           "  resize [-f fmt] [--preallocation=prealloc] [-q] [--shrink] "
           "filename [+ | -]size\n",
           VIREO_QEMU_ABI_MAJOR, VIREO_QEMU_ABI_MINOR);
}

static const struct {
    const char *name;
    int (*fn)(int argc, char **argv);
} commands[] = {
    { "amend", img_amend },
    { "bench", img_bench },
    { "check", img_check },
    { "commit", img_commit },
    { "compare", img_compare },
    { "convert", img_convert },
    { "create", img_create },
    { "dd", img_dd },
    { "info", img_info },
    { "map", img_map },
    { "measure", img_measure },
    { "rebase", img_rebase },
    { "resize", img_resize },
    { "snapshot", img_snapshot },
};

int main(int argc, char **argv)
{
    const char *cmd;
    int ret;

    error_set_progname(argv[0]);
    signal(SIGPIPE, SIG_IGN);
    bql_lock();
    qemu_init_main_loop(&error_fatal);
    if (argc < 2) {
        error_report("Not enough arguments");
        error_printf("Try 'vireo-img --help' for more information\n");
        return 1;
    }
    cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help")) {
        help();
        return 0;
    }
    if (!strcmp(cmd, "-V") || !strcmp(cmd, "--version")) {
        printf("vireo-img version " VIREO_VERSION "\n");
        return 0;
    }
    for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
        if (!strcmp(cmd, commands[i].name)) {
            optind = 0;
            ret = commands[i].fn(argc - 1, argv + 1);
            fflush(stdout);
            return ret;
        }
    }
    error_report("Command not found: %s", cmd);
    return 1;
}
