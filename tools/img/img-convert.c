/*
 * vireo-img subcommands that move or compare data: convert, compare, map,
 * rebase, commit and dd.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include <getopt.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include "vireo/cutils.h"
#include "vireo/main-loop.h"
#include "qobject/qjson.h"
#include "qobject/qnum.h"
#include "qobject/qstring.h"
#include "vireo/thread-pool.h"
#include "img.h"

#define COPY_CHUNK (2 << 20)

/* ---- convert ---- */

typedef struct ConvertState {
    BlockBackend **src;
    int64_t *src_len;
    int nsrc;
    int64_t total;
    BlockBackend *dst;
    bool compress, fresh, has_backing, progress;
    bool map_source;            /* read data through file mappings */
    int64_t sparse;             /* 0: write everything */
    int64_t cluster;            /* compressed chunk size */
} ConvertState;

/* Write @buf at @off, skipping runs of zeroes at @sparse granularity. */
static int write_sparse(ConvertState *cs, int64_t off, int64_t len,
                        uint8_t *buf)
{
    int64_t pos = 0;

    if (!cs->sparse) {
        return blk_pwrite(cs->dst, off, len, buf, 0);
    }
    while (pos < len) {
        int64_t n = MIN(cs->sparse - (off + pos) % cs->sparse, len - pos);
        bool zero = buffer_is_zero(buf + pos, n);
        int64_t run = n;
        int ret;

        while (pos + run < len) {
            int64_t m = MIN(cs->sparse, len - pos - run);

            if (buffer_is_zero(buf + pos + run, m) != zero) {
                break;
            }
            run += m;
        }
        if (!zero) {
            ret = blk_pwrite(cs->dst, off + pos, run, buf + pos, 0);
        } else if (!cs->fresh || cs->has_backing) {
            ret = bdrv_pwrite_zeroes(blk_bs(cs->dst), off + pos, run,
                                     BDRV_REQ_MAY_UNMAP);
        } else {
            ret = 0;
        }
        if (ret < 0) {
            return ret;
        }
        pos += run;
    }
    return 0;
}

/*
 * One piece of the copy, run in a worker: reads overlap with other jobs,
 * writes happen in guest order (tickets) so the target's clusters are
 * laid out sequentially, as qemu-img's default in-order mode does.
 */
typedef struct ConvertJob {
    ConvertState *cs;
    BlockBackend *src;
    int64_t src_off, dst_off, len;
    bool zero;
    uint64_t ticket;
    uint8_t *buf;
    uint8_t *own_buf;           /* from the run's buffers */
    const uint8_t *mapped;      /* the data in a mapped source file */
} ConvertJob;

/*
 * Source data that lies as is in a host file (raw images, qcow2 data
 * clusters) is read through a read-only mapping of that file instead of
 * a copy into a buffer: the write then copies it once, straight from the
 * page cache.  Only files the convert holds without sharing writes (no
 * -U), so nobody shrinks them under the mapping.
 */
typedef struct SrcMapping {
    BlockDriverState *file;
    const uint8_t *base;
    int64_t len;
} SrcMapping;

#define MAX_MAPPINGS 16

static SrcMapping mappings[MAX_MAPPINGS];
static int nmappings;

static const SrcMapping *src_mapping(BlockDriverState *file)
{
    SrcMapping *m;
    struct stat st;
    void *p;
    int fd = bdrv_file_get_fd(file);

    for (int i = 0; i < nmappings; i++) {
        if (mappings[i].file == file) {
            return mappings[i].base ? &mappings[i] : NULL;
        }
    }
    if (fd < 0 || nmappings == MAX_MAPPINGS) {
        return NULL;
    }
    m = &mappings[nmappings++];
    m->file = file;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= 0) {
        return NULL;
    }
    p = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
        return NULL;
    }
    madvise(p, st.st_size, MADV_SEQUENTIAL);
    m->base = p;
    m->len = st.st_size;
    return m;
}

static void src_unmap_all(void)
{
    for (int i = 0; i < nmappings; i++) {
        if (mappings[i].base) {
            munmap((void *)mappings[i].base, mappings[i].len);
        }
    }
    nmappings = 0;
}

/* Where [off, off + *n) of @bs's data lies in a mapped file, shortening
 * *n to what lies there contiguously; NULL: read it as usual. */
static const uint8_t *mapped_data(BlockDriverState *bs, int64_t off,
                                  int64_t *n)
{
    BlockDriverState *file = NULL;
    const SrcMapping *m;
    int64_t map = 0, pnum;
    int ret = bdrv_block_status_above(bs, NULL, off, *n, &pnum, &map, &file,
                                      NULL);

    if (ret < 0 || !(ret & BDRV_BLOCK_OFFSET_VALID) ||
        !(ret & BDRV_BLOCK_DATA) || pnum <= 0 || !file) {
        return NULL;
    }
    m = src_mapping(file);
    pnum = MIN(pnum, *n);
    if (!m || map < 0 || map + pnum > m->len) {
        return NULL;            /* past the file's end: read zeroes */
    }
    *n = pnum;
    return m->base + map;
}

#define CONVERT_JOBS 8

static GMutex order_lock;
static GCond order_cond;
static uint64_t next_ticket;

static int convert_job_run(void *opaque)
{
    ConvertJob *j = opaque;
    ConvertState *cs = j->cs;
    int ret = 0;

    if (j->mapped) {
        j->buf = (uint8_t *)j->mapped;  /* only read from */
    } else if (!j->zero) {
        ret = blk_pread(j->src, j->src_off, j->len, j->buf);
        if (ret < 0) {
            error_report("error while reading at byte %" PRId64 ": %s",
                         j->src_off, strerror(-ret));
        }
    }
    /* Compressed clusters are deflated in the write: let them overlap. */
    g_mutex_lock(&order_lock);
    while (next_ticket != j->ticket && !cs->compress) {
        g_cond_wait(&order_cond, &order_lock);
    }
    g_mutex_unlock(&order_lock);
    if (ret == 0) {
        if (j->zero) {
            ret = bdrv_pwrite_zeroes(blk_bs(cs->dst), j->dst_off, j->len,
                                     BDRV_REQ_MAY_UNMAP);
        } else if (cs->compress) {
            if (!buffer_is_zero(j->buf, j->len)) {
                ret = blk_pwrite(cs->dst, j->dst_off, j->len, j->buf,
                                 BDRV_REQ_WRITE_COMPRESSED);
            }
        } else {
            ret = write_sparse(cs, j->dst_off, j->len, j->buf);
        }
        if (ret < 0) {
            error_report("error while writing at byte %" PRId64 ": %s",
                         j->dst_off, strerror(-ret));
        }
    }
    g_mutex_lock(&order_lock);
    next_ticket++;
    g_cond_broadcast(&order_cond);
    g_mutex_unlock(&order_lock);
    return ret;
}

typedef struct ConvertRun {
    ConvertState *cs;
    int in_flight;
    int ret;
    int64_t done;
    uint8_t *free_bufs[CONVERT_JOBS];
    int nfree;
} ConvertRun;

static ConvertRun *convert_run;

static void convert_job_done(void *opaque, int ret)
{
    ConvertJob *j = opaque;
    ConvertRun *r = convert_run;

    r->in_flight--;
    if (ret < 0 && r->ret == 0) {
        r->ret = ret;
    }
    r->done += j->len;
    r->free_bufs[r->nfree++] = j->own_buf;
    img_progress(r->cs->progress, r->cs->total ?
                 r->done * 100.0 / r->cs->total : 100);
    g_free(j);
}

static int convert_copy(ConvertState *cs)
{
    int64_t chunk = cs->compress ? cs->cluster : COPY_CHUNK;
    ConvertRun run = { .cs = cs };
    int64_t dst_off = 0;
    uint64_t tickets = 0;

    convert_run = &run;
    next_ticket = 0;
    for (int i = 0; i < CONVERT_JOBS; i++) {
        run.free_bufs[run.nfree++] = img_buf(chunk);
    }
    for (int i = 0; i < cs->nsrc && run.ret == 0; i++) {
        BlockDriverState *bs = blk_bs(cs->src[i]);
        int64_t off = 0;

        while (off < cs->src_len[i] && run.ret == 0) {
            int64_t n, max = MIN(chunk, cs->src_len[i] - off);
            bool zero, alloc;
            ConvertJob *j;
            int ret;

            if (cs->compress) {
                /* Compressed writes go cluster by cluster. */
                max = MIN(max, cs->cluster - (dst_off + off) % cs->cluster);
            }
            ret = img_chain_status(bs, NULL, off, max, &n, &zero, &alloc);
            if (ret < 0) {
                error_report("error while reading block status at offset %"
                             PRId64 ": %s", off, strerror(-ret));
                run.ret = ret;
                break;
            }
            n = MIN(n, max);
            if (cs->compress && n < max) {
                n = max;        /* a cluster is compressed whole */
                zero = false;
            }
            if (!cs->sparse && !cs->compress) {
                zero = false;   /* -S 0: the output is fully allocated */
            }
            if ((!alloc && cs->has_backing) ||
                (zero && cs->fresh && !cs->has_backing)) {
                /* Nothing to write: left to the backing file, or the new
                 * image reads as zeroes already. */
                run.done += n;
                off += n;
                continue;
            }
            while (run.in_flight >= CONVERT_JOBS) {
                main_loop_wait(false);
            }
            j = g_new0(ConvertJob, 1);
            if (!zero && cs->map_source && !cs->compress) {
                j->mapped = mapped_data(bs, off, &n);
            }
            j->cs = cs;
            j->src = cs->src[i];
            j->src_off = off;
            j->dst_off = dst_off + off;
            j->len = n;
            j->zero = zero;
            j->ticket = tickets++;
            j->buf = j->own_buf = run.free_bufs[--run.nfree];
            run.in_flight++;
            thread_pool_submit_aio(convert_job_run, j, convert_job_done, j);
            off += n;
        }
        dst_off += cs->src_len[i];
    }
    while (run.in_flight > 0) {
        main_loop_wait(false);
    }
    for (int i = 0; i < run.nfree; i++) {
        free(run.free_bufs[i]);
    }
    src_unmap_all();
    convert_run = NULL;
    return run.ret;
}

int img_convert(int argc, char **argv)
{
    const char *fmt = NULL, *out_fmt = NULL, *out_base = NULL, *cache = NULL;
    const char *src_cache = NULL;
    const char *out_filename;
    bool quiet = false, image_opts = false, force_share = false;
    bool skip_create = false, tgt_image_opts = false;
    g_autoptr(QDict) o = qdict_new();
    ConvertState cs = { .sparse = 4096 };
    g_autofree char *sn_id = NULL;
    g_autofree char *sn_name = NULL;
    Error *err = NULL;
    int c, ret = 1, flags;

    static const struct option longopts[] = {
        { "help", no_argument, NULL, 'h' },
        { "image-opts", no_argument, NULL, 'i' },
        { "target-image-opts", no_argument, NULL, 'I' },
        { "force-share", no_argument, NULL, 'U' },
        { "object", required_argument, NULL, 'j' },
        { "salvage", no_argument, NULL, 'v' },
        { "target-is-zero", no_argument, NULL, 'z' },
        { "bitmaps", no_argument, NULL, 'y' },
        { NULL, 0, NULL, 0 },
    };
    while ((c = getopt_long(argc, argv, ":hf:O:B:Cco:l:S:pt:T:qnm:WUr:",
                            longopts, NULL)) != -1) {
        switch (c) {
        case 'f': fmt = optarg; break;
        case 'O': out_fmt = optarg; break;
        case 'B': out_base = optarg; break;
        case 'c': cs.compress = true; break;
        case 'p': cs.progress = true; break;
        case 'q': quiet = true; break;
        case 'n': skip_create = true; break;
        case 'i': image_opts = true; break;
        case 'I': tgt_image_opts = true; break;
        case 'U': force_share = true; break;
        case 't': cache = optarg; break;
        case 'm': case 'W': case 'z':
            /* Parallelism and ordering knobs: the result is the same. */
            break;
        case 'T':
            src_cache = optarg;
            break;
        case 'C':
            error_report("Copy offloading (-C) is not supported");
            return 1;
        case 'r':
            error_report("Rate limiting (-r) is not supported");
            return 1;
        case 'o':
            if (!img_parse_o(o, optarg, &err)) {
                error_report_err(err);
                return 1;
            }
            break;
        case 'S': {
            int64_t v = img_parse_size(optarg);

            if (v < 0 || v % 512 || v > 2 * 1024 * 1024 * 1024ll) {
                error_report("Invalid buffer size for sparse output "
                             "specified. Valid sizes are multiples of 512 up "
                             "to 2147483136.");
                return 1;
            }
            cs.sparse = v;
            break;
        }
        case 'l':
            if (strstart(optarg, "snapshot.", NULL)) {
                g_autoptr(QDict) sd = qdict_new();

                if (!img_parse_o(sd, optarg, &err)) {
                    error_report("Failed in parsing snapshot param '%s'",
                                 optarg);
                    error_free(err);
                    return 1;
                }
                g_free(sn_id);
                g_free(sn_name);
                sn_id = g_strdup(qdict_get_try_str(sd, "snapshot.id"));
                sn_name = g_strdup(qdict_get_try_str(sd, "snapshot.name"));
            } else {
                g_free(sn_name);
                sn_name = g_strdup(optarg);
            }
            break;
        default:
            img_usage_error("Invalid option \'%s\'", argv[optind - 1]);
            return 1;
        }
    }
    if (cs.progress && quiet) {
        cs.progress = false;
    }
    if (qdict_haskey(o, "help")) {
        BlockDriver *drv = bdrv_find_format(out_fmt ?: "raw");

        if (!drv || !drv->create) {
            error_report("Unknown file format '%s'", out_fmt);
            return 1;
        }
        img_print_create_opts(drv);
        return 0;
    }
    if (argc - optind < 2) {
        error_report("Must specify image file name");
        return 1;
    }
    if (tgt_image_opts) {
        error_report("--target-image-opts is not supported");
        return 1;
    }
    out_filename = argv[argc - 1];
    out_fmt = out_fmt ?: "raw";
    if (out_base) {
        qdict_put_str(o, "backing_file", out_base);
    }
    if (qdict_haskey(o, "help")) {
        BlockDriver *drv = bdrv_find_format(out_fmt);

        if (drv) {
            img_print_create_opts(drv);
        }
        return 0;
    }
    if (cs.compress && strcmp(out_fmt, "qcow2")) {
        error_report("Compression not supported for this file format");
        return 1;
    }
    cs.nsrc = argc - 1 - optind;
    cs.src = g_new0(BlockBackend *, cs.nsrc);
    cs.src_len = g_new0(int64_t, cs.nsrc);
    for (int i = 0; i < cs.nsrc; i++) {
        if (src_cache && !image_opts &&
            (!strcmp(src_cache, "none") || !strcmp(src_cache, "directsync"))) {
            g_autoptr(QDict) so = qdict_new();

            qdict_put_bool(so, "cache.direct", true);
            cs.src[i] = blk_new_open(argv[optind + i], fmt, so,
                                     force_share ? BDRV_O_FORCE_SHARE : 0,
                                     &err);
            if (!cs.src[i]) {
                error_reportf_err(err, "Could not open '%s': ",
                                  argv[optind + i]);
                err = NULL;
            }
        } else {
            cs.src[i] = img_open(argv[optind + i], fmt,
                                 force_share ? BDRV_O_FORCE_SHARE : 0,
                                 image_opts, quiet);
        }
        if (!cs.src[i]) {
            goto out;
        }
        if (sn_id || sn_name) {
            BlockDriverState *sbs = blk_bs(cs.src[i]);
            int r = -ENOTSUP;

            if (cs.nsrc > 1) {
                error_report("No support for concatenating multiple snapshot");
                goto out;
            }
            if (sbs->drv->snapshot_load_tmp) {
                r = sbs->drv->snapshot_load_tmp(sbs, sn_id, sn_name, &err);
            } else {
                error_setg(&err, "Operation not supported");
            }
            if (r < 0) {
                error_reportf_err(err, "Failed to load snapshot: ");
                goto out;
            }
        }
        cs.src_len[i] = blk_getlength(cs.src[i]);
        cs.total += cs.src_len[i];
    }
    cs.has_backing = qdict_haskey(o, "backing_file");
    if (cs.has_backing && !qdict_haskey(o, "backing_fmt") && !skip_create) {
        error_report("%s: Backing file specified without backing format",
                     out_filename);
        goto out;
    }
    if (!skip_create) {
        for (const QDictEntry *e = qdict_first(o); e; e = qdict_next(o, e)) {
            BlockDriver *drv = bdrv_find_format(out_fmt);

            if (drv && drv->create_opts &&
                !g_strv_contains((const char *const *)drv->create_opts,
                                 qdict_entry_key(e))) {
                error_report("Invalid parameter '%s'", qdict_entry_key(e));
                goto out;
            }
        }
        qdict_put_int(o, "size", cs.total);
        if (bdrv_create(out_fmt, out_filename, qobject_ref(o), &err) < 0) {
            error_reportf_err(err, "%s: error while converting %s: ",
                              out_filename, out_fmt);
            goto out;
        }
    }
    flags = BDRV_O_RDWR | BDRV_O_NO_BACKING;
    {
        g_autoptr(QDict) opts = qdict_new();

        qdict_put_str(opts, "discard", "unmap");
        /* qemu-img convert writes with cache=unsafe unless told. */
        if (!cache || !strcmp(cache, "unsafe")) {
            qdict_put_bool(opts, "cache.no-flush", true);
        } else if (!strcmp(cache, "none") || !strcmp(cache, "directsync")) {
            qdict_put_bool(opts, "cache.direct", true);
        } else if (strcmp(cache, "writeback") &&
                   strcmp(cache, "writethrough")) {
            error_report("Invalid cache option: %s", cache);
            goto out;
        }
        cs.dst = blk_new_open(out_filename, out_fmt, opts, flags, &err);
    }
    if (!cs.dst) {
        error_reportf_err(err, "Could not open '%s': ", out_filename);
        goto out;
    }
    if (skip_create && blk_getlength(cs.dst) < cs.total) {
        error_report("output file is smaller than input file");
        goto out;
    }
    cs.fresh = !skip_create;
    cs.map_source = !force_share;
    if (cs.compress) {
        BlockDriverState *dbs = blk_bs(cs.dst);

        cs.cluster = dbs->drv->get_cluster_size ?
                     dbs->drv->get_cluster_size(dbs) : 65536;
    }
    img_progress(cs.progress, 0);
    ret = convert_copy(&cs) < 0 ? 1 : 0;
    if (ret == 0 && blk_flush(cs.dst) < 0) {
        error_report("error while flushing the output");
        ret = 1;
    }
    img_progress(cs.progress, 100);
    if (cs.progress) {
        printf("\n");
    }
out:
    if (cs.dst) {
        blk_unref(cs.dst);
    }
    for (int i = 0; i < cs.nsrc; i++) {
        if (cs.src[i]) {
            blk_unref(cs.src[i]);
        }
    }
    g_free(cs.src);
    g_free(cs.src_len);
    return ret;
}

/* ---- compare ---- */

/* Offset of the first 512-byte sector that differs, or -1. */
static int64_t first_diff(const uint8_t *a, const uint8_t *b, int64_t len)
{
    for (int64_t i = 0; i < len; i += 512) {
        int64_t n = MIN(512, len - i);

        if (memcmp(a + i, b + i, n)) {
            return i;
        }
    }
    return -1;
}

static int64_t first_nonzero(const uint8_t *a, int64_t len)
{
    for (int64_t i = 0; i < len; i += 512) {
        if (!buffer_is_zero(a + i, MIN(512, len - i))) {
            return i;
        }
    }
    return -1;
}

int img_compare(int argc, char **argv)
{
    const char *fmt1 = NULL, *fmt2 = NULL;
    bool quiet = false, strict = false, progress = false, image_opts = false;
    bool force_share = false;
    BlockBackend *b1 = NULL, *b2 = NULL;
    g_autofree uint8_t *buf1 = img_buf(COPY_CHUNK);
    g_autofree uint8_t *buf2 = img_buf(COPY_CHUNK);
    int64_t len1, len2, common, off;
    int c, ret = 2;

    static const struct option longopts[] = {
        { "help", no_argument, NULL, 'h' },
        { "image-opts", no_argument, NULL, 'i' },
        { "force-share", no_argument, NULL, 'U' },
        { "object", required_argument, NULL, 'O' },
        { NULL, 0, NULL, 0 },
    };
    while ((c = getopt_long(argc, argv, ":hf:F:T:pqsU", longopts,
                            NULL)) != -1) {
        switch (c) {
        case 'f': fmt1 = optarg; break;
        case 'F': fmt2 = optarg; break;
        case 'p': progress = true; break;
        case 'q': quiet = true; break;
        case 's': strict = true; break;
        case 'i': image_opts = true; break;
        case 'U': force_share = true; break;
        case 'T': break;
        default:
            img_usage_error("Invalid option \'%s\'", argv[optind - 1]);
            return 2;
        }
    }
    if (optind != argc - 2) {
        img_usage_error("Expecting two image file names");
        return 2;
    }
    b1 = img_open(argv[optind], fmt1, force_share ? BDRV_O_FORCE_SHARE : 0,
                  image_opts, quiet);
    if (!b1) {
        return 2;
    }
    b2 = img_open(argv[optind + 1], fmt2, force_share ? BDRV_O_FORCE_SHARE :
                  0, image_opts, quiet);
    if (!b2) {
        blk_unref(b1);
        return 2;
    }
    len1 = blk_getlength(b1);
    len2 = blk_getlength(b2);
    common = MIN(len1, len2);
    if (len1 != len2 && strict) {
        if (!quiet) {
            printf("Strict mode: Image size mismatch!\n");
        }
        ret = 1;
        goto out;
    }
    for (off = 0; off < common;) {
        int64_t n1, n2, n, d;
        bool z1, z2, a1, a2;

        if (img_chain_status(blk_bs(b1), NULL, off, MIN(COPY_CHUNK, common - off),
                         &n1, &z1, &a1) < 0 ||
            img_chain_status(blk_bs(b2), NULL, off, MIN(COPY_CHUNK, common - off),
                         &n2, &z2, &a2) < 0) {
            error_report("error while reading block status");
            goto out;
        }
        n = MIN(n1, n2);
        if (strict && a1 != a2) {
            if (!quiet) {
                printf("Strict mode: Offset %" PRId64 " block status "
                       "mismatch!\n", off);
            }
            ret = 1;
            goto out;
        }
        if (!(z1 && z2)) {
            if (blk_pread(b1, off, n, buf1) < 0 ||
                blk_pread(b2, off, n, buf2) < 0) {
                error_report("Error while reading offset %" PRId64 ": %s",
                             off, strerror(EIO));
                goto out;
            }
            d = first_diff(buf1, buf2, n);
            if (d >= 0) {
                if (!quiet) {
                    printf("Content mismatch at offset %" PRId64 "!\n",
                           off + d);
                }
                ret = 1;
                goto out;
            }
        }
        off += n;
        img_progress(progress, off * 100.0 / MAX(common, 1));
    }
    if (len1 != len2) {
        BlockBackend *big = len1 > len2 ? b1 : b2;
        int64_t end = MAX(len1, len2);

        if (!quiet) {
            printf("Warning: Image size mismatch!\n");
        }
        for (off = common; off < end;) {
            int64_t n = MIN(COPY_CHUNK, end - off), d;

            if (blk_pread(big, off, n, buf1) < 0) {
                error_report("Error while reading offset %" PRId64, off);
                goto out;
            }
            d = first_nonzero(buf1, n);
            if (d >= 0) {
                if (!quiet) {
                    printf("Content mismatch at offset %" PRId64 "!\n",
                           off + d);
                }
                ret = 1;
                goto out;
            }
            off += n;
        }
    }
    if (!quiet) {
        printf("Images are identical.\n");
    }
    ret = 0;
out:
    blk_unref(b1);
    blk_unref(b2);
    return ret;
}

/* ---- map ---- */

typedef struct MapEntry {
    int64_t start, length, offset;
    int depth;
    bool present, zero, data, has_offset;
    BlockDriverState *file;
} MapEntry;

static int map_dump(MapEntry *e, bool json, bool first)
{
    if (json) {
        printf("%s{ \"start\": %" PRId64 ", \"length\": %" PRId64 ", "
               "\"depth\": %d, \"present\": %s, \"zero\": %s, \"data\": %s",
               first ? "" : ",\n", e->start, e->length, e->depth,
               e->present ? "true" : "false", e->zero ? "true" : "false",
               e->data ? "true" : "false");
        if (e->has_offset) {
            printf(", \"offset\": %" PRId64, e->offset);
        }
        printf("}");
    } else if (e->data && e->has_offset) {
        printf("%#-15" PRIx64 " %#-15" PRIx64 " %#-15" PRIx64 " %s\n",
               e->start, e->length, e->offset, e->file->filename);
    } else if (e->data) {
        error_report("File contains external, encrypted or compressed "
                     "clusters.");
        return -1;
    }
    return 0;
}

int img_map(int argc, char **argv)
{
    const char *fmt = NULL, *output = "human";
    bool image_opts = false, force_share = false, json, first = true;
    int64_t start = 0, max_len = -1, len, off;
    MapEntry cur = { 0 };
    BlockBackend *blk;
    int c;

    static const struct option longopts[] = {
        { "help", no_argument, NULL, 'h' },
        { "format", required_argument, NULL, 'f' },
        { "output", required_argument, NULL, 'o' },
        { "image-opts", no_argument, NULL, 'i' },
        { "force-share", no_argument, NULL, 'U' },
        { "start-offset", required_argument, NULL, 's' },
        { "max-length", required_argument, NULL, 'l' },
        { "object", required_argument, NULL, 'O' },
        { NULL, 0, NULL, 0 },
    };
    while ((c = getopt_long(argc, argv, ":f:hU", longopts, NULL)) != -1) {
        switch (c) {
        case 'f': fmt = optarg; break;
        case 'o': output = optarg; break;
        case 'i': image_opts = true; break;
        case 'U': force_share = true; break;
        case 's': start = img_parse_size(optarg); break;
        case 'l': max_len = img_parse_size(optarg); break;
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
    json = !strcmp(output, "json");
    blk = img_open(argv[optind], fmt, force_share ? BDRV_O_FORCE_SHARE : 0,
                   image_opts, false);
    if (!blk) {
        return 1;
    }
    len = blk_getlength(blk);
    if (max_len >= 0) {
        len = MIN(len, start + max_len);
    }
    if (json) {
        printf("[");
    } else {
        printf("%-16s%-16s%-16s%s\n", "Offset", "Length", "Mapped to",
               "File");
    }
    for (off = start; off < len;) {
        MapEntry e = { .start = off };
        BlockDriverState *file = NULL;
        int64_t n, map = 0;
        int depth = 0;
        int ret = bdrv_block_status_above(blk_bs(blk), NULL, off,
                                          MIN(len - off, 1ll << 30), &n,
                                          &map, &file, &depth);

        if (ret < 0) {
            error_report("Could not read file metadata: %s", strerror(-ret));
            blk_unref(blk);
            return 1;
        }
        n = MAX(n, 1);
        e.length = n;
        e.depth = depth;
        e.present = ret & BDRV_BLOCK_ALLOCATED;
        e.zero = ret & BDRV_BLOCK_ZERO;
        e.data = ret & BDRV_BLOCK_DATA;
        e.has_offset = ret & BDRV_BLOCK_OFFSET_VALID;
        e.offset = map;
        e.file = file;
        if (cur.length && cur.depth == e.depth && cur.present == e.present &&
            cur.zero == e.zero && cur.data == e.data &&
            cur.has_offset == e.has_offset && cur.file == e.file &&
            (!e.has_offset || cur.offset + cur.length == e.offset)) {
            cur.length += e.length;
        } else {
            if (cur.length && map_dump(&cur, json, first) < 0) {
                blk_unref(blk);
                return 1;
            }
            first = first && !cur.length;
            cur = e;
        }
        off += n;
    }
    if (cur.length && map_dump(&cur, json, first) < 0) {
        blk_unref(blk);
        return 1;
    }
    if (json) {
        printf("]\n");
    }
    blk_unref(blk);
    return 0;
}

/* ---- rebase ---- */

static int set_backing(BlockDriverState *bs, const char *file,
                       const char *fmt)
{
    g_autoptr(QDict) o = qdict_new();
    Error *err = NULL;

    if (!bs->drv->amend) {
        error_report("Could not change the backing file to '%s': Operation "
                     "not supported", file);
        return -ENOTSUP;
    }
    qdict_put_str(o, "backing_file", file);
    if (fmt && file[0]) {
        qdict_put_str(o, "backing_fmt", fmt);
    }
    if (bs->drv->amend(bs, o, false, &err) < 0) {
        error_reportf_err(err, "Could not change the backing file to '%s': ",
                          file);
        return -EIO;
    }
    return 0;
}

int img_rebase(int argc, char **argv)
{
    const char *fmt = NULL, *out_base = NULL, *out_fmt = NULL, *filename;
    bool unsafe = false, quiet = false, progress = false, image_opts = false;
    BlockBackend *blk = NULL, *old = NULL, *new = NULL;
    BlockDriverState *bs;
    g_autofree uint8_t *a = img_buf(COPY_CHUNK);
    g_autofree uint8_t *b = img_buf(COPY_CHUNK);
    int c, ret = 1;

    static const struct option longopts[] = {
        { "help", no_argument, NULL, 'h' },
        { "image-opts", no_argument, NULL, 'i' },
        { "force-share", no_argument, NULL, 'U' },
        { "object", required_argument, NULL, 'O' },
        { NULL, 0, NULL, 0 },
    };
    while ((c = getopt_long(argc, argv, ":hf:F:b:upt:T:qU", longopts,
                            NULL)) != -1) {
        switch (c) {
        case 'f': fmt = optarg; break;
        case 'F': out_fmt = optarg; break;
        case 'b': out_base = optarg; break;
        case 'u': unsafe = true; break;
        case 'p': progress = true; break;
        case 'q': quiet = true; break;
        case 'i': image_opts = true; break;
        case 't': case 'T': case 'U': break;
        default:
            img_usage_error("Invalid option \'%s\'", argv[optind - 1]);
            return 1;
        }
    }
    if (optind != argc - 1) {
        img_usage_error("Expecting one image file name");
        return 1;
    }
    if (!out_base) {
        img_usage_error("Must specify backing file (-b) or use unsafe mode "
                        "(-u)");
        return 1;
    }
    filename = argv[optind];
    blk = img_open(filename, fmt, BDRV_O_RDWR | BDRV_O_NO_BACKING,
                   image_opts, quiet);
    if (!blk) {
        return 1;
    }
    bs = blk_bs(blk);
    if (!unsafe) {
        int64_t size = blk_getlength(blk), off;
        Error *err = NULL;

        if (bs->backing_file[0]) {
            g_autofree char *p = img_path_combine(filename, bs->backing_file);

            old = blk_new_open(p, bs->backing_format[0] ?
                               bs->backing_format : NULL, NULL, 0, &err);
            if (!old) {
                error_reportf_err(err, "Could not open old backing file "
                                  "'%s': ", p);
                goto out;
            }
        }
        if (out_base[0]) {
            g_autofree char *p = img_path_combine(filename, out_base);

            new = blk_new_open(p, out_fmt, NULL, 0, &err);
            if (!new) {
                error_reportf_err(err, "Could not open new backing file "
                                  "'%s': ", p);
                goto out;
            }
            if (!out_fmt) {
                out_fmt = bdrv_get_format_name(blk_bs(new));
            }
        }
        for (off = 0; off < size;) {
            int64_t n, max = MIN(COPY_CHUNK, size - off);
            int64_t olen = old ? blk_getlength(old) : 0;
            int64_t nlen = new ? blk_getlength(new) : 0;
            int st = bdrv_block_status(bs, off, max, &n, NULL, NULL);

            if (st < 0) {
                error_report("error while reading image metadata");
                goto out;
            }
            n = MAX(MIN(n, max), 1);
            if (!(st & BDRV_BLOCK_ALLOCATED)) {
                /* What the overlay shows here comes from the old chain:
                 * keep it if the new one differs. */
                memset(a, 0, n);
                memset(b, 0, n);
                if (old && off < olen &&
                    blk_pread(old, off, MIN(n, olen - off), a) < 0) {
                    error_report("error while reading from old backing file");
                    goto out;
                }
                if (new && off < nlen &&
                    blk_pread(new, off, MIN(n, nlen - off), b) < 0) {
                    error_report("error while reading from new backing file");
                    goto out;
                }
                for (int64_t i = 0; i < n; i += 512) {
                    int64_t m = MIN(512, n - i), j = i;

                    if (!memcmp(a + i, b + i, m)) {
                        continue;
                    }
                    while (j + m < n && memcmp(a + j + m, b + j + m,
                                               MIN(512, n - j - m))) {
                        m += MIN(512, n - j - m);
                    }
                    if (blk_pwrite(blk, off + i, m, a + i, 0) < 0) {
                        error_report("Error while writing to COW image");
                        goto out;
                    }
                    i += m - 512;
                }
            }
            off += n;
            img_progress(progress, off * 100.0 / MAX(size, 1));
        }
    }
    if (set_backing(bs, out_base, out_fmt) < 0) {
        goto out;
    }
    ret = blk_flush(blk) < 0;
    img_progress(progress, 100);
out:
    if (old) {
        blk_unref(old);
    }
    if (new) {
        blk_unref(new);
    }
    blk_unref(blk);
    return ret;
}

/* ---- commit ---- */

int img_commit(int argc, char **argv)
{
    const char *fmt = NULL, *base = NULL, *filename;
    bool quiet = false, drop = false, progress = false, image_opts = false;
    GPtrArray *chain = g_ptr_array_new();
    BlockBackend *top, *dst = NULL;
    g_autofree uint8_t *buf = img_buf(COPY_CHUNK);
    g_autofree char *path = NULL;
    g_autofree char *pfmt = NULL;
    Error *err = NULL;
    int64_t size, off;
    int c, ret = 1;

    static const struct option longopts[] = {
        { "help", no_argument, NULL, 'h' },
        { "image-opts", no_argument, NULL, 'i' },
        { "object", required_argument, NULL, 'O' },
        { NULL, 0, NULL, 0 },
    };
    while ((c = getopt_long(argc, argv, ":f:ht:b:dpqr:", longopts,
                            NULL)) != -1) {
        switch (c) {
        case 'f': fmt = optarg; break;
        case 'b': base = optarg; break;
        case 'd': drop = true; break;
        case 'p': progress = true; break;
        case 'q': quiet = true; break;
        case 'i': image_opts = true; break;
        case 't': break;
        case 'r':
            error_report("Rate limiting (-r) is not supported");
            return 1;
        default:
            img_usage_error("Invalid option \'%s\'", argv[optind - 1]);
            return 1;
        }
    }
    if (optind != argc - 1) {
        img_usage_error("Expecting one image file name");
        return 1;
    }
    filename = argv[optind];
    top = img_open(filename, fmt, BDRV_O_RDWR | BDRV_O_NO_BACKING,
                   image_opts, quiet);
    if (!top) {
        return 1;
    }
    /* The images above the base, each opened alone. */
    g_ptr_array_add(chain, top);
    path = g_strdup(filename);
    for (;;) {
        BlockDriverState *bs = blk_bs(g_ptr_array_index(chain,
                                                        chain->len - 1));
        char *next;

        if (!bs->backing_file[0]) {
            if (chain->len == 1) {
                error_report("Image does not have a backing file");
            } else {
                error_report("Base '%s' not found in the backing chain", base);
            }
            goto out;
        }
        next = img_path_combine(path, bs->backing_file);
        g_free(pfmt);
        pfmt = bs->backing_format[0] ? g_strdup(bs->backing_format) : NULL;
        g_free(path);
        path = next;
        if (!base || !strcmp(base, path) ||
            !strcmp(base, bs->backing_file)) {
            break;
        }
        {
            BlockBackend *mid = blk_new_open(path, pfmt, NULL,
                                             BDRV_O_NO_BACKING, &err);

            if (!mid) {
                error_reportf_err(err, "Could not open '%s': ", path);
                goto out;
            }
            g_ptr_array_add(chain, mid);
        }
    }
    dst = blk_new_open(path, pfmt, NULL, BDRV_O_RDWR | BDRV_O_NO_BACKING,
                       &err);
    if (!dst) {
        error_reportf_err(err, "Could not open '%s': ", path);
        goto out;
    }
    size = blk_getlength(top);
    if (blk_getlength(dst) < size &&
        bdrv_truncate(blk_bs(dst), size, false, PREALLOC_MODE_OFF, &err) < 0) {
        error_report_err(err);
        goto out;
    }
    for (off = 0; off < size;) {
        int64_t n = MIN(COPY_CHUNK, size - off);
        int hit = -1;

        for (guint i = 0; i < chain->len; i++) {
            int64_t m;
            int st = bdrv_block_status(blk_bs(g_ptr_array_index(chain, i)),
                                       off, n, &m, NULL, NULL);

            if (st < 0) {
                error_report("error while reading metadata");
                goto out;
            }
            m = MAX(m, 1);
            if (st & BDRV_BLOCK_ALLOCATED) {
                hit = i;
                n = m;
                break;
            }
            n = MIN(n, m);
        }
        if (hit >= 0) {
            BlockBackend *src = g_ptr_array_index(chain, hit);

            if (blk_pread(src, off, n, buf) < 0 ||
                blk_pwrite(dst, off, n, buf, 0) < 0) {
                error_report("Block job failed: Input/output error");
                goto out;
            }
        }
        off += n;
        img_progress(progress, off * 100.0 / MAX(size, 1));
    }
    if (blk_flush(dst) < 0) {
        error_report("Block job failed: Input/output error");
        goto out;
    }
    if (!drop && blk_bs(top)->drv->pdiscard) {
        BlockDriverState *tbs = blk_bs(top);

        if (tbs->drv->make_empty) {
            tbs->drv->make_empty(tbs);
        }
    }
    if (!quiet) {
        printf("Image committed.\n");
    }
    ret = 0;
out:
    if (dst) {
        blk_unref(dst);
    }
    for (guint i = 0; i < chain->len; i++) {
        blk_unref(g_ptr_array_index(chain, i));
    }
    g_ptr_array_free(chain, true);
    return ret;
}

/* ---- dd ---- */

int img_dd(int argc, char **argv)
{
    const char *fmt = NULL, *out_fmt = "raw", *in = NULL, *out = NULL;
    int64_t bsize = 512, count = -1, skip = 0, size, off;
    bool image_opts = false, force_share = false;
    BlockBackend *src, *dst = NULL;
    g_autofree uint8_t *buf = NULL;
    g_autoptr(QDict) o = qdict_new();
    Error *err = NULL;
    int c, ret = 1;

    static const struct option longopts[] = {
        { "help", no_argument, NULL, 'h' },
        { "image-opts", no_argument, NULL, 'i' },
        { "force-share", no_argument, NULL, 'U' },
        { "object", required_argument, NULL, 'j' },
        { NULL, 0, NULL, 0 },
    };
    while ((c = getopt_long(argc, argv, ":hf:O:U", longopts, NULL)) != -1) {
        switch (c) {
        case 'f': fmt = optarg; break;
        case 'O': out_fmt = optarg; break;
        case 'U': force_share = true; break;
        case 'i': image_opts = true; break;
        default:
            img_usage_error("Invalid option \'%s\'", argv[optind - 1]);
            return 1;
        }
    }
    for (int i = optind; i < argc; i++) {
        const char *v = strchr(argv[i], '=');
        g_autofree char *k = v ? g_strndup(argv[i], v - argv[i]) : NULL;

        if (!v) {
            error_report("unrecognized operand %s", argv[i]);
            return 1;
        }
        v++;
        if (!strcmp(k, "if")) {
            in = v;
        } else if (!strcmp(k, "of")) {
            out = v;
        } else if (!strcmp(k, "bs")) {
            bsize = img_parse_size(v);
            if (bsize <= 0 || bsize > INT_MAX) {
                error_report("invalid number: '%s'", v);
                return 1;
            }
        } else if (!strcmp(k, "count")) {
            count = img_parse_size(v);
            if (count < 0) {
                error_report("invalid number: '%s'", v);
                return 1;
            }
        } else if (!strcmp(k, "skip")) {
            skip = img_parse_size(v);
            if (skip < 0) {
                error_report("invalid number: '%s'", v);
                return 1;
            }
        } else {
            error_report("unrecognized operand %s", argv[i]);
            return 1;
        }
    }
    if (!in || !out) {
        error_report("Must specify both input and output files");
        return 1;
    }
    src = img_open(in, fmt, force_share ? BDRV_O_FORCE_SHARE : 0,
                   image_opts, false);
    if (!src) {
        return 1;
    }
    size = blk_getlength(src);
    if (skip > 0 && skip * bsize > size) {
        error_report("cannot skip to specified offset");
        goto out;
    }
    size -= skip * bsize;
    if (count >= 0 && count * bsize < size) {
        size = count * bsize;
    }
    qdict_put_int(o, "size", size);
    if (bdrv_create(out_fmt, out, qobject_ref(o), &err) < 0) {
        error_reportf_err(err, "%s: error while creating output image: ",
                          out);
        goto out;
    }
    dst = blk_new_open(out, out_fmt, NULL, BDRV_O_RDWR | BDRV_O_NO_BACKING,
                       &err);
    if (!dst) {
        error_reportf_err(err, "Could not open '%s': ", out);
        goto out;
    }
    buf = img_buf(bsize);
    for (off = 0; off < size; off += bsize) {
        int64_t n = MIN(bsize, size - off);

        if (blk_pread(src, skip * bsize + off, n, buf) < 0) {
            error_report("error while reading from input image file");
            goto out;
        }
        if (!buffer_is_zero(buf, n) && blk_pwrite(dst, off, n, buf, 0) < 0) {
            error_report("error while writing to output image file");
            goto out;
        }
    }
    ret = blk_flush(dst) < 0;
out:
    if (dst) {
        blk_unref(dst);
    }
    blk_unref(src);
    return ret;
}
