/*
 * vireo-img subcommands that measure: bench (request throughput through
 * the worker pool, as qemu-img bench) and measure (image size planning).
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include <getopt.h>
#include "vireo/cutils.h"
#include "vireo/main-loop.h"
#include "qobject/qjson.h"
#include "qobject/qnum.h"
#include "qobject/qstring.h"
#include "img.h"

static double now_s(void)
{
    return g_get_monotonic_time() / 1e6;
}

/* ---- bench ---- */

typedef struct BenchState {
    BlockBackend *blk;
    bool write;
    int64_t image_size, bufsize, step, offset;
    int nrreq, n, in_flight, depth, flush_interval;
    int64_t done, issued;
    uint8_t *buf;
    bool failed;
} BenchState;

static void bench_issue(BenchState *b);

static void bench_cb(void *opaque, int ret)
{
    BenchState *b = opaque;

    b->in_flight--;
    if (ret < 0) {
        error_report("Failed request: %s", strerror(-ret));
        b->failed = true;
        return;
    }
    b->done++;
    bench_issue(b);
}

static void bench_issue(BenchState *b)
{
    while (!b->failed && b->in_flight < b->depth && b->issued < b->n) {
        struct iovec iov = {
            .iov_base = b->buf + (b->issued % b->depth) * b->bufsize,
            .iov_len = b->bufsize,
        };

        if (b->write && b->flush_interval && b->issued &&
            b->issued % b->flush_interval == 0 && b->in_flight == 0) {
            /* Flush with nothing in flight, as qemu-img does. */
            b->in_flight++;
            b->issued++;
            b->n++;
            blk_aio_flush(b->blk, bench_cb, b);
            return;
        }
        if (b->write && b->flush_interval && b->issued &&
            b->issued % b->flush_interval == 0) {
            return;     /* wait for the queue to drain */
        }
        b->in_flight++;
        if (b->write) {
            blk_aio_pwritev(b->blk, b->offset, &iov, 1, 0, bench_cb, b);
        } else {
            blk_aio_preadv(b->blk, b->offset, &iov, 1, bench_cb, b);
        }
        b->issued++;
        b->offset += b->step;
        if (b->offset + b->bufsize > b->image_size) {
            b->offset %= MAX(b->image_size - b->bufsize, 1);
        }
    }
}

int img_bench(int argc, char **argv)
{
    const char *fmt = NULL, *cache = NULL;
    BenchState b = { .n = 75000, .depth = 64, .bufsize = 4096 };
    bool quiet = false, image_opts = false, step_set = false;
    int64_t start_offset = 0, pattern = 0;
    g_autoptr(QDict) opts = qdict_new();
    Error *err = NULL;
    double t0;
    int c, flags = 0;

    static const struct option longopts[] = {
        { "help", no_argument, NULL, 'h' },
        { "flush-interval", required_argument, NULL, 'F' },
        { "image-opts", no_argument, NULL, 'I' },
        { "pattern", required_argument, NULL, 'P' },
        { "no-drain", no_argument, NULL, 'D' },
        { "force-share", no_argument, NULL, 'U' },
        { NULL, 0, NULL, 0 },
    };
    while ((c = getopt_long(argc, argv, ":hc:d:f:ni:o:qs:S:t:wU", longopts,
                            NULL)) != -1) {
        switch (c) {
        case 'c': b.n = atoi(optarg); break;
        case 'd': b.depth = atoi(optarg); break;
        case 'f': fmt = optarg; break;
        case 'n': qdict_put_bool(opts, "cache.direct", true); break;
        case 'i': break;
        case 'o': start_offset = img_parse_size(optarg); break;
        case 'q': quiet = true; break;
        case 's': b.bufsize = img_parse_size(optarg); break;
        case 'S': b.step = img_parse_size(optarg); step_set = true; break;
        case 't': cache = optarg; break;
        case 'w': b.write = true; flags |= BDRV_O_RDWR; break;
        case 'U': flags |= BDRV_O_FORCE_SHARE; break;
        case 'F': b.flush_interval = atoi(optarg); break;
        case 'I': image_opts = true; break;
        case 'P': pattern = atoi(optarg); break;
        case 'D': break;
        default:
            img_usage_error("Invalid option \'%s\'", argv[optind - 1]);
            return 1;
        }
    }
    if (optind != argc - 1) {
        img_usage_error("Expecting one image file name");
        return 1;
    }
    if (b.n < 0 || b.depth <= 0 || b.bufsize <= 0 || start_offset < 0) {
        error_report("Invalid request count, depth or buffer size");
        return 1;
    }
    if (cache && !strcmp(cache, "none")) {
        qdict_put_bool(opts, "cache.direct", true);
    } else if (cache && !strcmp(cache, "unsafe")) {
        qdict_put_bool(opts, "cache.no-flush", true);
    }
    if (image_opts) {
        b.blk = img_open(argv[optind], fmt, flags, true, quiet);
    } else {
        b.blk = blk_new_open(argv[optind], fmt, opts, flags, &err);
        if (!b.blk) {
            error_reportf_err(err, "Could not open '%s': ", argv[optind]);
        }
    }
    if (!b.blk) {
        return 1;
    }
    if (!step_set) {
        b.step = b.bufsize;
    }
    b.image_size = blk_getlength(b.blk);
    b.offset = start_offset;
    b.buf = img_buf(b.bufsize * b.depth);
    memset(b.buf, pattern, b.bufsize * b.depth);
    printf("Sending %d %s requests, %" PRId64 " bytes each, %d in parallel "
           "(starting at offset %" PRId64 ", step size %" PRId64 ")\n",
           b.n, b.write ? "write" : "read", b.bufsize, b.depth, start_offset,
           b.step);
    if (b.flush_interval && b.write) {
        printf("Sending flush every %d requests\n", b.flush_interval);
    }
    t0 = now_s();
    bench_issue(&b);
    while (!b.failed && (b.in_flight || b.issued < b.n)) {
        main_loop_wait(false);
        bench_issue(&b);
    }
    blk_drain(b.blk);
    if (b.write && !b.failed) {
        blk_flush(b.blk);
    }
    printf("Run completed in %3.3f seconds.\n", now_s() - t0);
    free(b.buf);
    blk_unref(b.blk);
    return b.failed;
}

/* ---- measure ---- */

/* qcow2 metadata bytes for @size guest bytes and @data_clusters of data. */
static int64_t qcow2_meta_size(int64_t size, int64_t cs, int refbits,
                               int64_t data_clusters)
{
    int64_t l2_entries = cs / 8;
    int64_t l2 = DIV_ROUND_UP(size, cs * l2_entries);
    int64_t l1 = DIV_ROUND_UP(l2 * 8, cs);
    int64_t per_block = cs * 8 / refbits;
    int64_t base = 1 + l1 + l2 + data_clusters, rb = 0, rt = 0, prev = -1;

    while (rb + rt != prev) {
        prev = rb + rt;
        rb = DIV_ROUND_UP(base + rb + rt, per_block);
        rt = DIV_ROUND_UP(rb * 8, cs);
    }
    return (1 + l1 + l2 + rb + rt) * cs;
}

int img_measure(int argc, char **argv)
{
    const char *fmt = NULL, *out_fmt = "raw", *output = "human";
    g_autoptr(QDict) o = qdict_new();
    int64_t size = -1, required, full, cs = 65536, refbits = 16;
    bool image_opts = false, force_share = false, has_source;
    BlockBackend *blk = NULL;
    Error *err = NULL;
    int c;

    static const struct option longopts[] = {
        { "help", no_argument, NULL, 'h' },
        { "image-opts", no_argument, NULL, 'i' },
        { "object", required_argument, NULL, 'j' },
        { "output", required_argument, NULL, 'p' },
        { "size", required_argument, NULL, 's' },
        { "force-share", no_argument, NULL, 'U' },
        { NULL, 0, NULL, 0 },
    };
    while ((c = getopt_long(argc, argv, ":hf:O:o:l:U", longopts,
                            NULL)) != -1) {
        switch (c) {
        case 'f': fmt = optarg; break;
        case 'O': out_fmt = optarg; break;
        case 'p': output = optarg; break;
        case 'i': image_opts = true; break;
        case 'U': force_share = true; break;
        case 's':
            size = img_parse_size(optarg);
            if (size < 0) {
                error_report("Invalid image size specified. You may use k, "
                             "M, G, T, P or E suffixes for");
                return 1;
            }
            break;
        case 'o':
            if (!img_parse_o(o, optarg, &err)) {
                error_report_err(err);
                return 1;
            }
            break;
        default:
            img_usage_error("Invalid option \'%s\'", argv[optind - 1]);
            return 1;
        }
    }
    has_source = optind < argc;
    if (has_source && size >= 0) {
        error_report("--size N cannot be used together with a filename");
        return 1;
    }
    if (!has_source && size < 0) {
        error_report("Either --size N or one filename must be specified.");
        return 1;
    }
    if (strcmp(out_fmt, "raw") && strcmp(out_fmt, "qcow2")) {
        error_report("Block driver '%s' does not support size measurement",
                     out_fmt);
        return 1;
    }
    if (qdict_haskey(o, "cluster_size")) {
        cs = img_parse_size(qdict_get_str(o, "cluster_size"));
    }
    if (qdict_haskey(o, "refcount_bits")) {
        refbits = img_parse_size(qdict_get_str(o, "refcount_bits"));
    }
    if (cs < 512 || cs > (2 << 20) || (cs & (cs - 1)) || refbits < 1 ||
        refbits > 64 || (refbits & (refbits - 1))) {
        error_report("Invalid cluster size or refcount width");
        return 1;
    }
    if (has_source) {
        int64_t data = 0;

        blk = img_open(argv[optind], fmt, force_share ? BDRV_O_FORCE_SHARE :
                       0, image_opts, false);
        if (!blk) {
            return 1;
        }
        size = blk_getlength(blk);
        /* Allocated data, rounded to the target's clusters. */
        for (int64_t off = 0; off < size;) {
            int64_t n;
            bool zero, alloc;

            if (img_chain_status(blk_bs(blk), NULL, off, MIN(size - off,
                                                         1ll << 30),
                             &n, &zero, &alloc) < 0) {
                error_report("Unable to get block status");
                blk_unref(blk);
                return 1;
            }
            if (!zero) {
                int64_t s = off & ~(cs - 1), e = ROUND_UP(off + n, cs);

                data += e - s;
            }
            off += n;
        }
        /* Neighbouring runs may share a cluster: cap at the disk size. */
        required = MIN(data, ROUND_UP(size, cs));
        blk_unref(blk);
    } else {
        required = 0;
    }
    if (!strcmp(out_fmt, "raw")) {
        full = size;
        required = size;
    } else {
        /* Metadata as for a fully allocated image, as qemu-img counts. */
        int64_t meta = qcow2_meta_size(size, cs, refbits,
                                       DIV_ROUND_UP(size, cs));

        full = meta + ROUND_UP(size, cs);
        required = meta + required;
    }
    if (!strcmp(output, "json")) {
        g_autoptr(QDict) d = qdict_new();
        g_autoptr(GString) s = NULL;

        if (has_source && !strcmp(out_fmt, "qcow2")) {
            qdict_put_int(d, "bitmaps", 0);
        }
        qdict_put_int(d, "required", required);
        qdict_put_int(d, "fully-allocated", full);
        s = qobject_to_json_pretty(QOBJECT(d), true);
        printf("%s\n", s->str);
    } else {
        printf("required size: %" PRId64 "\n", required);
        printf("fully allocated size: %" PRId64 "\n", full);
        if (has_source && !strcmp(out_fmt, "qcow2")) {
            printf("bitmaps size: 0\n");   /* no persistent bitmaps */
        }
    }
    return 0;
}
