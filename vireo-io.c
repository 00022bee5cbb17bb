/*
 * vireo-io: exercises block images with qemu-io's command language (read,
 * write, readv/writev, aio_*, flush, discard, truncate, map, alloc, info,
 * open/close ...), its output lines and its exit status, so test scripts
 * written for qemu-io run against Vireo's block layer.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include <getopt.h>
#include "vireo/cutils.h"
#include "vireo/keyval.h"
#include "vireo/main-loop.h"
#include "qobject/qbool.h"
#include "qobject/qnum.h"
#include "qobject/qstring.h"
#include "block/block-backend.h"

static BlockBackend *qemuio_blk;
static bool quit_requested;
static int aio_pending;
static bool aio_failed;

/* qemu-io's number format: "512 bytes", "64 KiB", "1.500 KiB". */
static char *cvtstr(double value)
{
    static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB",
                                         "EiB" };
    double div = 1024;
    int i = -1;

    if (value < 1024) {
        return g_strdup_printf("%" PRId64 " bytes", (int64_t)value);
    }
    while (i + 1 < 6 && value >= div) {
        i++;
        if (value < div * 1024 || i == 5) {
            break;
        }
        div *= 1024;
    }
    value /= div;
    if (value == (int64_t)value) {
        return g_strdup_printf("%" PRId64 " %s", (int64_t)value, units[i]);
    }
    return g_strdup_printf("%.3f %s", value, units[i]);
}

static void print_report(const char *op, double secs, int64_t offset,
                         int64_t count, int64_t total, int cnt, bool quiet)
{
    g_autofree char *s1 = NULL;
    g_autofree char *s2 = NULL;
    char ts[64];

    if (quiet) {
        return;
    }
    printf("%s %" PRId64 "/%" PRId64 " bytes at offset %" PRId64 "\n", op,
           total, count, offset);
    if (secs <= 0) {
        secs = 1e-6;
    }
    s1 = cvtstr(total);
    s2 = cvtstr(total / secs);
    if (secs < 60) {
        snprintf(ts, sizeof(ts), "%02u.%02u sec", (unsigned)secs,
                 (unsigned)((secs - (unsigned)secs) * 100));
    } else {
        unsigned t = secs;

        snprintf(ts, sizeof(ts), "%u:%02u:%02u.%02u", t / 3600, t / 60 % 60,
                 t % 60, (unsigned)((secs - t) * 100));
    }
    printf("%s, %d ops; %s (%s/sec and %.4f ops/sec)\n", s1, cnt, ts, s2,
           cnt / secs);
}

static double now_s(void)
{
    return g_get_monotonic_time() / 1e6;
}

static bool parse_num(const char *s, int64_t *out)
{
    uint64_t v;
    const char *end;

    if (qemu_strtosz(s, &end, &v) < 0 || *end || v > INT64_MAX) {
        printf("non-numeric length argument -- %s\n", s);
        return false;
    }
    *out = v;
    return true;
}

static int parse_pattern(const char *s)
{
    char *end;
    long v = strtol(s, &end, 0);

    if (*end || v < 0 || v > 255) {
        printf("%s is not a valid pattern byte\n", s);
        return -1;
    }
    return v;
}

static void *io_buf(int64_t len, int pattern)
{
    void *p;

    if (posix_memalign(&p, 4096, MAX(len, 1))) {
        abort();
    }
    memset(p, pattern, len);
    return p;
}

static void dump_buffer(const uint8_t *buf, int64_t offset, int64_t len)
{
    for (int64_t i = 0; i < len; i += 16) {
        int n = MIN(16, len - i);

        printf("%08" PRIx64 ":  ", offset + i);
        for (int j = 0; j < n; j++) {
            printf("%02x ", buf[i + j]);
        }
        printf(" ");
        for (int j = 0; j < n; j++) {
            printf("%c", g_ascii_isprint(buf[i + j]) ? buf[i + j] : '.');
        }
        printf("\n");
    }
}

static bool need_blk(void)
{
    if (!qemuio_blk) {
        printf("no file open, try 'help open'\n");
        return false;
    }
    return true;
}

static int check_range(int64_t offset, int64_t count)
{
    if (offset < 0 || count < 0 || count > INT_MAX) {
        printf("length cannot exceed %d, given %" PRId64 "\n", INT_MAX,
               count);
        return -EINVAL;
    }
    return 0;
}

/* ---- read / write ---- */

static int verify(const uint8_t *buf, int64_t off, int64_t len, int pattern,
                  int64_t poff)
{
    for (int64_t i = 0; i < len; i++) {
        if (buf[i] != pattern) {
            printf("Pattern verification failed at offset %" PRId64 ", %"
                   PRId64 " bytes\n", off + poff, len);
            return -EINVAL;
        }
    }
    return 0;
}

static int do_read(int argc, char **argv)
{
    bool quiet = false, vflag = false;
    int pattern = -1, c;
    int64_t offset, count, poff = 0, plen = -1;
    g_autofree uint8_t *buf = NULL;
    double t;
    int ret;

    optind = 0;
    while ((c = getopt(argc, argv, "bCl:pP:qs:v")) != -1) {
        switch (c) {
        case 'q': quiet = true; break;
        case 'v': vflag = true; break;
        case 'P':
            pattern = parse_pattern(optarg);
            if (pattern < 0) {
                return -EINVAL;
            }
            break;
        case 's':
            if (!parse_num(optarg, &poff)) {
                return -EINVAL;
            }
            break;
        case 'l':
            if (!parse_num(optarg, &plen)) {
                return -EINVAL;
            }
            break;
        case 'b':
            printf("vmstate access is not supported\n");
            return -ENOTSUP;
        default:
            break;
        }
    }
    if (optind != argc - 2) {
        printf("bad argument count %d to read, expected 2 arguments\n",
               argc - 1);
        return -EINVAL;
    }
    if (!parse_num(argv[optind], &offset) ||
        !parse_num(argv[optind + 1], &count) || check_range(offset, count)) {
        return -EINVAL;
    }
    if (plen < 0) {
        plen = count - poff;
    }
    if (poff < 0 || poff + plen > count) {
        printf("pattern verification range exceeds end of read data\n");
        return -EINVAL;
    }
    buf = io_buf(count, 0xab);
    t = now_s();
    ret = blk_pread(qemuio_blk, offset, count, buf);
    t = now_s() - t;
    if (ret < 0) {
        printf("read failed: %s\n", strerror(-ret));
        return ret;
    }
    if (pattern >= 0) {
        ret = verify(buf + poff, offset, plen, pattern, poff);
    }
    if (vflag) {
        dump_buffer(buf, offset, count);
    }
    print_report("read", t, offset, count, count, 1, quiet);
    return ret;
}

static int do_write(int argc, char **argv)
{
    bool quiet = false, zero = false, compress = false, unmap = false;
    int pattern = 0xcd, c, flags = 0;
    int64_t offset, count;
    g_autofree uint8_t *buf = NULL;
    double t;
    int ret;

    optind = 0;
    while ((c = getopt(argc, argv, "bcCfnpP:quz")) != -1) {
        switch (c) {
        case 'q': quiet = true; break;
        case 'z': zero = true; break;
        case 'c': compress = true; break;
        case 'u': unmap = true; break;
        case 'P':
            pattern = parse_pattern(optarg);
            if (pattern < 0) {
                return -EINVAL;
            }
            break;
        case 'b':
            printf("vmstate access is not supported\n");
            return -ENOTSUP;
        default:
            break;
        }
    }
    if (optind != argc - 2) {
        printf("bad argument count %d to write, expected 2 arguments\n",
               argc - 1);
        return -EINVAL;
    }
    if (zero && compress) {
        printf("-c and -z cannot be specified at the same time\n");
        return -EINVAL;
    }
    if (unmap && !zero) {
        printf("-u requires -z to be specified\n");
        return -EINVAL;
    }
    if (!parse_num(argv[optind], &offset) ||
        !parse_num(argv[optind + 1], &count) || check_range(offset, count)) {
        return -EINVAL;
    }
    t = now_s();
    if (zero) {
        ret = bdrv_pwrite_zeroes(blk_bs(qemuio_blk), offset, count,
                                 unmap ? BDRV_REQ_MAY_UNMAP : 0);
    } else {
        if (compress) {
            flags |= BDRV_REQ_WRITE_COMPRESSED;
        }
        buf = io_buf(count, pattern);
        ret = blk_pwrite(qemuio_blk, offset, count, buf, flags);
    }
    t = now_s() - t;
    if (ret < 0) {
        printf("write failed: %s\n", strerror(-ret));
        return ret;
    }
    print_report("wrote", t, offset, count, count, 1, quiet);
    return 0;
}

/* readv/writev: several lengths, one request through an iovec. */
static int do_vectored(int argc, char **argv, bool write)
{
    bool quiet = false, vflag = false;
    int pattern = write ? 0xcd : -1, c, niov;
    int64_t offset, total = 0;
    g_autofree struct iovec *iov = NULL;
    g_autofree uint8_t *buf = NULL;
    double t;
    int ret;

    optind = 0;
    while ((c = getopt(argc, argv, "CfP:qv")) != -1) {
        switch (c) {
        case 'q': quiet = true; break;
        case 'v': vflag = true; break;
        case 'P':
            pattern = parse_pattern(optarg);
            if (pattern < 0) {
                return -EINVAL;
            }
            break;
        default:
            break;
        }
    }
    if (argc - optind < 2) {
        printf("bad argument count %d to %s, expected at least 2 arguments\n",
               argc - 1, write ? "writev" : "readv");
        return -EINVAL;
    }
    if (!parse_num(argv[optind], &offset)) {
        return -EINVAL;
    }
    niov = argc - optind - 1;
    iov = g_new(struct iovec, niov);
    for (int i = 0; i < niov; i++) {
        int64_t len;

        if (!parse_num(argv[optind + 1 + i], &len) || check_range(0, len)) {
            return -EINVAL;
        }
        iov[i].iov_len = len;
        total += len;
    }
    buf = io_buf(total, write ? pattern : 0xab);
    for (int i = 0, pos = 0; i < niov; pos += iov[i].iov_len, i++) {
        iov[i].iov_base = buf + pos;
    }
    t = now_s();
    ret = write ? bdrv_pwritev(blk_bs(qemuio_blk), offset, total, iov, niov,
                               0)
                : bdrv_preadv(blk_bs(qemuio_blk), offset, total, iov, niov);
    t = now_s() - t;
    if (ret < 0) {
        printf("%s failed: %s\n", write ? "writev" : "readv", strerror(-ret));
        return ret;
    }
    if (!write && pattern >= 0) {
        ret = verify(buf, offset, total, pattern, 0);
    }
    if (vflag && !write) {
        dump_buffer(buf, offset, total);
    }
    print_report(write ? "wrote" : "read", t, offset, total, total, 1, quiet);
    return ret;
}

/* ---- asynchronous requests ---- */

typedef struct AioReq {
    bool write, quiet, vflag;
    int pattern;
    int64_t offset, count;
    uint8_t *buf;
    struct iovec iov;
    double start;
} AioReq;

static void aio_done(void *opaque, int ret)
{
    AioReq *r = opaque;

    aio_pending--;
    if (ret < 0) {
        printf("%s failed: %s\n", r->write ? "aio_write" : "aio_read",
               strerror(-ret));
        aio_failed = true;
    } else {
        if (!r->write && r->pattern >= 0 &&
            verify(r->buf, r->offset, r->count, r->pattern, 0) < 0) {
            aio_failed = true;
        }
        if (r->vflag) {
            dump_buffer(r->buf, r->offset, r->count);
        }
        print_report(r->write ? "wrote" : "read", now_s() - r->start,
                     r->offset, r->count, r->count, 1, r->quiet);
    }
    fflush(stdout);
    free(r->buf);
    g_free(r);
}

static int do_aio(int argc, char **argv, bool write)
{
    AioReq *r = g_new0(AioReq, 1);
    int c;

    r->write = write;
    r->pattern = write ? 0xcd : -1;
    optind = 0;
    while ((c = getopt(argc, argv, "CfiP:quvz")) != -1) {
        switch (c) {
        case 'q': r->quiet = true; break;
        case 'v': r->vflag = true; break;
        case 'P':
            r->pattern = parse_pattern(optarg);
            if (r->pattern < 0) {
                g_free(r);
                return -EINVAL;
            }
            break;
        default:
            break;
        }
    }
    if (optind != argc - 2 || !parse_num(argv[optind], &r->offset) ||
        !parse_num(argv[optind + 1], &r->count) ||
        check_range(r->offset, r->count)) {
        if (optind != argc - 2) {
            printf("bad argument count %d to %s, expected 2 arguments\n",
                   argc - 1, write ? "aio_write" : "aio_read");
        }
        g_free(r);
        return -EINVAL;
    }
    r->buf = io_buf(r->count, write ? r->pattern : 0xab);
    r->iov.iov_base = r->buf;
    r->iov.iov_len = r->count;
    r->start = now_s();
    aio_pending++;
    if (write) {
        blk_aio_pwritev(qemuio_blk, r->offset, &r->iov, 1, 0, aio_done, r);
    } else {
        blk_aio_preadv(qemuio_blk, r->offset, &r->iov, 1, aio_done, r);
    }
    return 0;
}

static void drain_aio(void)
{
    while (aio_pending > 0) {
        main_loop_wait(false);
    }
}

static int do_aio_flush(int argc, char **argv)
{
    drain_aio();
    return blk_flush(qemuio_blk);
}

static int do_flush(int argc, char **argv)
{
    int ret = blk_flush(qemuio_blk);

    if (ret < 0) {
        printf("flush failed: %s\n", strerror(-ret));
    }
    return ret;
}

static int do_discard(int argc, char **argv)
{
    bool quiet = false;
    int64_t offset, count;
    double t;
    int c, ret;

    optind = 0;
    while ((c = getopt(argc, argv, "Cq")) != -1) {
        if (c == 'q') {
            quiet = true;
        }
    }
    if (optind != argc - 2) {
        printf("bad argument count %d to discard, expected 2 arguments\n",
               argc - 1);
        return -EINVAL;
    }
    if (!parse_num(argv[optind], &offset) ||
        !parse_num(argv[optind + 1], &count)) {
        return -EINVAL;
    }
    t = now_s();
    ret = bdrv_pdiscard(blk_bs(qemuio_blk), offset, count);
    t = now_s() - t;
    if (ret < 0) {
        printf("discard failed: %s\n", strerror(-ret));
        return ret;
    }
    print_report("discard", t, offset, count, count, 1, quiet);
    return 0;
}

static int do_truncate(int argc, char **argv)
{
    int64_t size;
    int prealloc = PREALLOC_MODE_OFF, c, ret;
    Error *err = NULL;

    optind = 0;
    while ((c = getopt(argc, argv, "m:")) != -1) {
        if (c == 'm') {
            prealloc = prealloc_mode_from_str(optarg);
            if (prealloc < 0) {
                printf("Invalid preallocation mode '%s'\n", optarg);
                return -EINVAL;
            }
        }
    }
    if (optind != argc - 1 || !parse_num(argv[optind], &size)) {
        return -EINVAL;
    }
    ret = bdrv_truncate(blk_bs(qemuio_blk), size, false, prealloc, &err);
    if (ret < 0) {
        error_report_err(err);
    }
    return ret;
}

static int do_length(int argc, char **argv)
{
    g_autofree char *s = cvtstr(blk_getlength(qemuio_blk));

    printf("%s\n", s);
    return 0;
}

static int do_map(int argc, char **argv)
{
    BlockDriverState *bs = blk_bs(qemuio_blk);
    int64_t len = blk_getlength(qemuio_blk), off = 0;

    while (off < len) {
        int64_t n;
        int ret = bdrv_block_status_above(bs, NULL, off, len - off, &n, NULL,
                                          NULL, NULL);
        g_autofree char *s1 = NULL;
        g_autofree char *s2 = NULL;
        bool alloc;

        if (ret < 0) {
            error_report("Failed to get allocation status: %s",
                         strerror(-ret));
            return ret;
        }
        alloc = ret & BDRV_BLOCK_ALLOCATED;
        /* Join runs with the same answer. */
        while (off + n < len) {
            int64_t m;
            int r2 = bdrv_block_status_above(bs, NULL, off + n,
                                             len - off - n, &m, NULL, NULL,
                                             NULL);

            if (r2 < 0 || !!(r2 & BDRV_BLOCK_ALLOCATED) != alloc) {
                break;
            }
            n += m;
        }
        s1 = cvtstr(n);
        s2 = cvtstr(off);
        printf("%s (0x%" PRIx64 ") bytes %s allocated at offset %s (0x%"
               PRIx64 ")\n", s1, n, alloc ? "   " : "not", s2, off);
        off += n;
    }
    return 0;
}

static int do_alloc(int argc, char **argv)
{
    BlockDriverState *bs = blk_bs(qemuio_blk);
    int64_t offset, count = BDRV_SECTOR_SIZE, sum = 0, rem;
    g_autofree char *s = NULL;

    if (argc < 2 || argc > 3 || !parse_num(argv[1], &offset) ||
        (argc == 3 && !parse_num(argv[2], &count))) {
        printf("bad argument count %d to alloc, expected between 1 and 2 "
               "arguments\n", argc - 1);
        return -EINVAL;
    }
    for (rem = count; rem > 0;) {
        int64_t n;
        int ret = bdrv_block_status(bs, offset + count - rem, rem, &n, NULL,
                                    NULL);

        if (ret < 0) {
            printf("is_allocated failed: %s\n", strerror(-ret));
            return ret;
        }
        if (n <= 0) {
            break;
        }
        if (ret & BDRV_BLOCK_ALLOCATED) {
            sum += MIN(n, rem);
        }
        rem -= MIN(n, rem);
    }
    s = cvtstr(offset);
    printf("%" PRId64 "/%" PRId64 " bytes allocated at offset %s\n", sum,
           count, s);
    return 0;
}

static int do_info(int argc, char **argv)
{
    BlockDriverState *bs = blk_bs(qemuio_blk);
    int cs = bs->drv->get_cluster_size ? bs->drv->get_cluster_size(bs) : 0;

    printf("format name: %s\n", bdrv_get_format_name(bs));
    if (cs) {
        int64_t cover = (int64_t)cs * (cs / 8);
        g_autofree char *s1 = cvtstr(cs);
        g_autofree char *s2 = cvtstr(ROUND_UP(blk_getlength(qemuio_blk),
                                              cover));

        printf("cluster size: %s\n", s1);
        printf("vm state offset: %s\n", s2);
    }
    if (bs->drv->get_specific_info) {
        g_autoptr(QDict) d = bs->drv->get_specific_info(bs);

        printf("Format specific information:\n");
        for (const QDictEntry *e = qdict_first(d); e; e = qdict_next(d, e)) {
            g_autofree char *k = g_strdup(qdict_entry_key(e));
            QObject *v = qdict_entry_value(e);

            g_strdelimit(k, "-", ' ');
            if (qobject_type(v) == QTYPE_QBOOL) {
                printf("    %s: %s\n", k, qbool_get_bool(qobject_to(QBool, v))
                       ? "true" : "false");
            } else if (qobject_type(v) == QTYPE_QNUM) {
                printf("    %s: %" PRId64 "\n", k,
                       qnum_get_int(qobject_to(QNum, v)));
            } else {
                printf("    %s: %s\n", k,
                       qstring_get_str(qobject_to(QString, v)));
            }
        }
    }
    return 0;
}

/* ---- open / close ---- */

static int open_image(const char *name, const char *fmt, QDict *opts,
                      int flags, bool image_opts)
{
    Error *err = NULL;

    if (qemuio_blk) {
        printf("file open already, try 'help close'\n");
        qobject_unref(opts);
        return -EBUSY;
    }
    if (image_opts) {
        QDict *kv = keyval_parse(name, NULL, NULL, &err);
        BlockDriverState *bs;
        uint64_t perm = BLK_PERM_CONSISTENT_READ;

        if (!kv) {
            error_report_err(err);
            qobject_unref(opts);
            return -EINVAL;
        }
        qdict_join(kv, opts, false);
        qobject_unref(opts);
        if (!qdict_haskey(kv, "read-only")) {
            qdict_put_bool(kv, "read-only", !(flags & BDRV_O_RDWR));
        }
        if (flags & BDRV_O_FORCE_SHARE) {
            qdict_put_bool(kv, "force-share", true);
        }
        bs = bdrv_open(kv, &err);
        if (bs && (flags & BDRV_O_COPY_ON_READ) &&
            !bdrv_enable_copy_on_read(bs, &err)) {
            bdrv_unref(bs);
            bs = NULL;
        }
        if (bs) {
            bool rw = !bs->read_only;

            if (rw) {
                perm |= BLK_PERM_WRITE | BLK_PERM_RESIZE;
            }
            qemuio_blk = blk_new_with_bs(bs, perm,
                                         (flags & BDRV_O_FORCE_SHARE) ?
                                         BLK_PERM_ALL :
                                         BLK_PERM_CONSISTENT_READ |
                                         BLK_PERM_WRITE_UNCHANGED, &err);
            bdrv_unref(bs);
        }
    } else {
        qemuio_blk = blk_new_open(name, fmt, opts, flags, &err);
        qobject_unref(opts);
    }
    if (!qemuio_blk) {
        /* As qemu-io: with --image-opts there is no device name. */
        const char *dev = image_opts ? NULL : name;

        error_reportf_err(err, "can't open%s%s: ", dev ? " device " : "",
                          dev ?: "");
        return -EINVAL;
    }
    return 0;
}

static void close_image(void)
{
    if (qemuio_blk) {
        drain_aio();
        blk_flush(qemuio_blk);
        blk_unref(qemuio_blk);
        qemuio_blk = NULL;
    }
}

static int do_open(int argc, char **argv)
{
    const char *fmt = NULL;
    bool image_opts = false, readonly = false;
    QDict *opts = qdict_new();
    int flags = 0, c;
    Error *err = NULL;

    optind = 0;
    while ((c = getopt(argc, argv, "snCrUo:kt:d:f:i")) != -1) {
        switch (c) {
        case 'r': readonly = true; break;
        case 'n': qdict_put_bool(opts, "cache.direct", true); break;
        case 'U': flags |= BDRV_O_FORCE_SHARE; break;
        case 'C': flags |= BDRV_O_COPY_ON_READ; break;
        case 'f': fmt = optarg; break;
        case 'i': image_opts = true; break;
        case 'd': qdict_put_str(opts, "discard", optarg); break;
        case 'o':
            if (!keyval_parse_into(opts, optarg, NULL, NULL, &err)) {
                error_report_err(err);
                qobject_unref(opts);
                return -EINVAL;
            }
            break;
        default:
            break;
        }
    }
    if (!readonly) {
        flags |= BDRV_O_RDWR;
    }
    if (!qdict_haskey(opts, "discard")) {
        qdict_put_str(opts, "discard", "unmap");
    }
    if (optind == argc - 1) {
        return open_image(argv[optind], fmt, opts, flags, image_opts);
    }
    printf("bad argument count %d to open, expected 1 arguments\n",
           argc - 1);
    qobject_unref(opts);
    return -EINVAL;
}

static int do_close(int argc, char **argv)
{
    close_image();
    return 0;
}

/* ---- blkdebug breakpoints (qemu-io's commands and messages) ---- */

static int do_break(int argc, char **argv)
{
    int ret = bdrv_debug_breakpoint(blk_bs(qemuio_blk), argv[1], argv[2]);

    if (ret < 0) {
        printf("Could not set breakpoint: %s\n", strerror(-ret));
    }
    return ret;
}

static int do_remove_break(int argc, char **argv)
{
    int ret = bdrv_debug_remove_breakpoint(blk_bs(qemuio_blk), argv[1]);

    if (ret < 0) {
        printf("Could not remove breakpoint %s: %s\n", argv[1],
               strerror(-ret));
    }
    return ret;
}

static int do_resume(int argc, char **argv)
{
    int ret = bdrv_debug_resume(blk_bs(qemuio_blk), argv[1]);

    if (ret < 0) {
        printf("Could not resume request: %s\n", strerror(-ret));
    }
    return ret;
}

/* As qemu-io: until a request stops at @tag (forever if none will). */
static int do_wait_break(int argc, char **argv)
{
    while (!bdrv_debug_is_suspended(blk_bs(qemuio_blk), argv[1])) {
        main_loop_wait(true);   /* without blocking: nothing may come */
        g_usleep(1000);
    }
    return 0;
}

static int do_sleep(int argc, char **argv)
{
    int64_t ms;
    char *end;

    if (argc != 2 || (ms = strtoll(argv[1], &end, 10)) < 0 || *end) {
        printf("Invalid sleep argument\n");
        return -EINVAL;
    }
    g_usleep(ms * 1000);
    return 0;
}

static int do_quit(int argc, char **argv)
{
    quit_requested = true;
    return 0;
}

static int do_help(int argc, char **argv);

typedef struct Command {
    const char *name, *alt;
    int (*fn)(int argc, char **argv);
    bool needs_blk;
    const char *args, *help;
    int argmin, argmax;         /* checked when argmax > 0 */
} Command;

static int cmd_read(int argc, char **argv) { return do_read(argc, argv); }
static int cmd_readv(int argc, char **argv)
{
    return do_vectored(argc, argv, false);
}
static int cmd_writev(int argc, char **argv)
{
    return do_vectored(argc, argv, true);
}
static int cmd_aio_read(int argc, char **argv)
{
    return do_aio(argc, argv, false);
}
static int cmd_aio_write(int argc, char **argv)
{
    return do_aio(argc, argv, true);
}

static const Command commands[] = {
    { "read", "r", cmd_read, true, "[-abCqv] [-P pattern [-s off] [-l len]] "
      "off len", "reads a number of bytes at a specified offset" },
    { "write", "w", do_write, true, "[-bcCfnquz] [-P pattern] off len",
      "writes a number of bytes at a specified offset" },
    { "readv", NULL, cmd_readv, true, "[-Cqv] [-P pattern] off len "
      "[len..]", "reads a number of bytes at a specified offset" },
    { "writev", NULL, cmd_writev, true, "[-Cfq] [-P pattern] off len "
      "[len..]", "writes a number of bytes at a specified offset" },
    { "aio_read", NULL, cmd_aio_read, true, "[-Ciqv] [-P pattern] off len",
      "asynchronously reads a number of bytes" },
    { "aio_write", NULL, cmd_aio_write, true, "[-Cfiqz] [-P pattern] off "
      "len", "asynchronously writes a number of bytes" },
    { "aio_flush", NULL, do_aio_flush, true, "",
      "completes all outstanding aio requests" },
    { "flush", "f", do_flush, true, "",
      "flush all in-core file state to disk" },
    { "discard", "d", do_discard, true, "[-Cq] off len",
      "discards a number of bytes at a specified offset" },
    { "truncate", "t", do_truncate, true, "[-m prealloc_mode] off",
      "truncates the current file at the given offset" },
    { "length", "l", do_length, true, "", "gets the length of the current "
      "file" },
    { "map", NULL, do_map, true, "", "prints the allocated areas of a file" },
    { "alloc", NULL, do_alloc, true, "offset [count]",
      "checks if offset is allocated in the file" },
    { "info", "i", do_info, true, "", "prints information about the "
      "current file" },
    { "open", "o", do_open, false, "[-rsCnkU] [-t cache] [-d discard] "
      "[-o options] [path]", "open the file specified by path" },
    { "close", "c", do_close, true, "", "close the current open file" },
    { "break", NULL, do_break, true, "event tag", "sets a breakpoint on "
      "event and tags the stopped request as tag", 2, 2 },
    { "remove_break", NULL, do_remove_break, true, "tag",
      "remove a breakpoint by tag", 1, 1 },
    { "resume", NULL, do_resume, true, "tag",
      "resumes the request tagged as tag", 1, 1 },
    { "wait_break", NULL, do_wait_break, true, "tag",
      "waits for the suspension of a request", 1, 1 },
    { "sleep", NULL, do_sleep, false, "milliseconds",
      "waits for the given value in milliseconds" },
    { "quit", "q", do_quit, false, "", "exit the program" },
    { "help", "?", do_help, false, "[command]",
      "help for one or all commands" },
};

static int do_help(int argc, char **argv)
{
    for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
        if (argc > 1 && strcmp(argv[1], commands[i].name)) {
            continue;
        }
        printf("%s %s -- %s\n", commands[i].name, commands[i].args,
               commands[i].help);
    }
    return 0;
}

/* Run one command line; returns 0 or a negative errno. */
static int run_command(const char *line)
{
    g_auto(GStrv) argv = NULL;
    GError *gerr = NULL;
    int argc, ret;

    if (!g_shell_parse_argv(line, &argc, &argv, &gerr)) {
        g_error_free(gerr);
        return 0;       /* empty line */
    }
    for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
        const Command *c = &commands[i];

        if (strcmp(argv[0], c->name) && (!c->alt || strcmp(argv[0], c->alt))) {
            continue;
        }
        if (c->needs_blk && !need_blk()) {
            return -EINVAL;
        }
        if (c->argmax && (argc - 1 < c->argmin || argc - 1 > c->argmax)) {
            /* qemu-io's words. */
            if (c->argmin == c->argmax) {
                fprintf(stderr, "bad argument count %d to %s, expected %d "
                        "arguments\n", argc - 1, argv[0], c->argmin);
            } else {
                fprintf(stderr, "bad argument count %d to %s, expected "
                        "between %d and %d arguments\n", argc - 1, argv[0],
                        c->argmin, c->argmax);
            }
            return -EINVAL;
        }
        ret = c->fn(argc, argv);
        /* Let completions of earlier aio requests report. */
        main_loop_wait(true);
        fflush(stdout);
        return ret;
    }
    fprintf(stderr, "command \"%s\" not found\n", argv[0]);
    return -EINVAL;
}

static void usage(const char *name)
{
    printf("Usage: %s [OPTIONS]... [-c STRING]... [file]\n"
           "vireo-io: disk image exerciser with qemu-io's commands\n\n"
           "  --object OBJECTDEF   (ignored)\n"
           "  --image-opts         treat file as option string\n"
           "  -c, --cmd STRING     execute command with its arguments\n"
           "  -C, --copy-on-read   enable copy-on-read\n"
           "  -r, --read-only      export read-only\n"
           "  -n, --nocache        disable host cache, cache=none\n"
           "  -f, --format FMT     image format\n"
           "  -t, --cache=MODE     cache mode (none, writeback, unsafe)\n"
           "  -d, --discard=MODE   discard mode (ignore, unmap)\n"
           "  -U, --force-share    force shared permissions\n"
           "  -h, --help           display this help and exit\n"
           "  -V, --version        output version information and exit\n",
           name);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { "cmd", required_argument, NULL, 'c' },
        { "copy-on-read", no_argument, NULL, 'C' },
        { "format", required_argument, NULL, 'f' },
        { "read-only", no_argument, NULL, 'r' },
        { "snapshot", no_argument, NULL, 's' },
        { "nocache", no_argument, NULL, 'n' },
        { "misalign", no_argument, NULL, 'm' },
        { "native-aio", no_argument, NULL, 'k' },
        { "discard", required_argument, NULL, 'd' },
        { "cache", required_argument, NULL, 't' },
        { "trace", required_argument, NULL, 'T' },
        { "object", required_argument, NULL, 'O' },
        { "image-opts", no_argument, NULL, 'I' },
        { "force-share", no_argument, NULL, 'U' },
        { "aio", required_argument, NULL, 'i' },
        { NULL, 0, NULL, 0 },
    };
    GPtrArray *cmds = g_ptr_array_new();
    const char *fmt = NULL;
    bool readonly = false, image_opts = false, failed = false;
    QDict *opts = qdict_new();
    int c, flags = 0;

    error_set_progname(argv[0]);
    signal(SIGPIPE, SIG_IGN);
    bql_lock();
    qemu_init_main_loop(&error_fatal);
    while ((c = getopt_long(argc, argv, "-hVc:Cd:f:rsnmkt:T:Ui:",
                            longopts, NULL)) != -1) {
        switch (c) {
        case 1:
            /* A file name between options, as qemu-io allows. */
            if (optind < argc || !qdict_haskey(opts, "x-file")) {
                qdict_put_str(opts, "x-file", optarg);
            }
            break;
        case 'h': usage(argv[0]); return 0;
        case 'V': printf("vireo-io version " VIREO_VERSION "\n"); return 0;
        case 'c': g_ptr_array_add(cmds, optarg); break;
        case 'C': flags |= BDRV_O_COPY_ON_READ; break;
        case 'f': fmt = optarg; break;
        case 'r': readonly = true; break;
        case 'n': qdict_put_bool(opts, "cache.direct", true); break;
        case 'd': qdict_put_str(opts, "discard", optarg); break;
        case 't':
            if (!strcmp(optarg, "none") || !strcmp(optarg, "directsync")) {
                qdict_put_bool(opts, "cache.direct", true);
            } else if (!strcmp(optarg, "unsafe")) {
                qdict_put_bool(opts, "cache.no-flush", true);
            } else if (strcmp(optarg, "writeback") &&
                       strcmp(optarg, "writethrough")) {
                error_report("Invalid cache option: %s", optarg);
                return 1;
            }
            break;
        case 'U': flags |= BDRV_O_FORCE_SHARE; break;
        case 'I': image_opts = true; break;
        case 's': case 'm': case 'k': case 'T': case 'O': case 'i':
            break;
        default:
            usage(argv[0]);
            return 1;
        }
    }
    if (!readonly) {
        flags |= BDRV_O_RDWR;
    }
    if (!qdict_haskey(opts, "discard")) {
        qdict_put_str(opts, "discard", "unmap");    /* qemu-io's default */
    }
    if (qdict_haskey(opts, "x-file")) {
        g_autofree char *file = g_strdup(qdict_get_str(opts, "x-file"));

        qdict_del(opts, "x-file");
        if (open_image(file, fmt, opts, flags, image_opts) < 0) {
            return 1;
        }
    } else {
        qobject_unref(opts);
    }
    if (cmds->len) {
        for (guint i = 0; i < cmds->len && !quit_requested; i++) {
            if (run_command(g_ptr_array_index(cmds, i)) < 0) {
                failed = true;
            }
        }
    } else {
        char line[4096];

        for (;;) {
            printf("vireo-io> ");
            fflush(stdout);
            if (!fgets(line, sizeof(line), stdin)) {
                break;
            }
            if (run_command(line) < 0) {
                failed = true;
            }
            if (quit_requested) {
                break;
            }
        }
    }
    close_image();
    g_ptr_array_free(cmds, true);
    return failed || aio_failed ? 1 : 0;
}
