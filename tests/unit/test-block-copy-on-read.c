/*
 * Unit tests: copy-on-read (the filter with and without 'bottom', and the
 * node flag QEMU's -drive copy-on-read=on sets), including readers racing
 * writers to the same clusters.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "qobject/qdict.h"
#include "block/block.h"

#define MiB (1 << 20)
#define BLOCK 4096

static char *tmp_image(const char *fmt, int64_t size, const char *backing)
{
    char *path = g_strdup("/tmp/vireo-test-cor-XXXXXX");
    int fd = mkstemp(path);
    QDict *o = qdict_new();
    Error *err = NULL;

    close(fd);
    qdict_put_int(o, "size", size);
    if (backing) {
        qdict_put_str(o, "backing_file", backing);
        qdict_put_str(o, "backing_fmt", "qcow2");
    }
    g_assert_cmpint(bdrv_create(fmt, path, o, &err), ==, 0);
    return path;
}

static void fill(const char *path, int64_t offset, int64_t bytes, int c)
{
    Error *err = NULL;
    BlockDriverState *bs = bdrv_open_image(path, "qcow2", NULL, true, false,
                                           &err);
    g_autofree uint8_t *buf = g_malloc(bytes);

    g_assert_null(err);
    memset(buf, c, bytes);
    g_assert_cmpint(bdrv_pwrite(bs, offset, bytes, buf), ==, 0);
    g_assert_cmpint(bdrv_flush(bs), ==, 0);
    bdrv_unref(bs);
}

/* base (0x5a in [0, 2M)) <- mid (0x22 in [1M, 1M + 64k)) <- top */
typedef struct Chain {
    char *base, *mid, *top;
} Chain;

static void chain_make(Chain *c)
{
    c->base = tmp_image("qcow2", 4 * MiB, NULL);
    fill(c->base, 0, 2 * MiB, 0x5a);
    c->mid = tmp_image("qcow2", 4 * MiB, c->base);
    fill(c->mid, MiB, 65536, 0x22);
    c->top = tmp_image("qcow2", 4 * MiB, c->mid);
}

static void chain_free(Chain *c)
{
    unlink(c->base);
    unlink(c->mid);
    unlink(c->top);
    g_free(c->base);
    g_free(c->mid);
    g_free(c->top);
}

/* Options of a qcow2 node @name on the file @path. */
static QDict *qcow2_opts(const char *path, const char *name)
{
    QDict *q = qdict_new();
    QDict *f = qdict_new();

    qdict_put_str(f, "driver", "file");
    qdict_put_str(f, "filename", path);
    qdict_put_str(q, "driver", "qcow2");
    qdict_put_str(q, "node-name", name);
    qdict_put(q, "file", f);
    return q;
}

/* The filter over top (node "top"; its backing "mid"), maybe with a
 * bottom node. */
static BlockDriverState *open_filter(Chain *c, const char *bottom,
                                     Error **errp)
{
    QDict *o = qdict_new();
    QDict *q = qcow2_opts(c->top, "top");

    qdict_put(q, "backing", qcow2_opts(c->mid, "mid"));
    qdict_put_str(o, "driver", "copy-on-read");
    qdict_put(o, "file", q);
    if (bottom) {
        qdict_put_str(o, "bottom", bottom);
    }
    return bdrv_open(o, errp);
}

/* Is [offset, offset + bytes) allocated in @bs itself? */
static bool allocated(BlockDriverState *bs, int64_t offset, int64_t bytes)
{
    while (bytes > 0) {
        int64_t n;
        int ret = bdrv_block_status(bs, offset, bytes, &n, NULL, NULL);

        g_assert_cmpint(ret, >=, 0);
        if (!(ret & BDRV_BLOCK_ALLOCATED)) {
            return false;
        }
        offset += n;
        bytes -= n;
    }
    return true;
}

static void assert_bytes(BlockDriverState *bs, int64_t offset, int64_t bytes,
                         int c)
{
    g_autofree uint8_t *buf = g_malloc(bytes);

    g_assert_cmpint(bdrv_pread(bs, offset, bytes, buf), ==, 0);
    for (int64_t i = 0; i < bytes; i++) {
        g_assert_cmpint(buf[i], ==, c);
    }
}

static void test_filter_copies(void)
{
    Chain c;
    Error *err = NULL;
    BlockDriverState *cor, *top;

    chain_make(&c);
    cor = open_filter(&c, NULL, &err);
    g_assert_null(err);
    top = bdrv_find_node("top");
    g_assert_false(allocated(top, 0, 65536));
    /* An unaligned read copies the whole clusters it touches. */
    assert_bytes(cor, 1000, 5000, 0x5a);
    g_assert_true(allocated(top, 0, 65536));
    g_assert_false(allocated(top, 65536, 65536));
    assert_bytes(cor, MiB, 65536, 0x22);
    g_assert_true(allocated(top, MiB, 65536));
    /* Zeroes from below become zero clusters, allocated all the same. */
    assert_bytes(cor, 3 * MiB, 65536, 0);
    g_assert_true(allocated(top, 3 * MiB, 65536));
    bdrv_unref(cor);
    chain_free(&c);
}

static void test_filter_bottom(void)
{
    Chain c;
    Error *err = NULL;
    BlockDriverState *cor, *top;
    g_autofree uint8_t *buf = g_malloc(3 * 65536);

    chain_make(&c);
    cor = open_filter(&c, "nope", &err);
    g_assert_null(cor);
    g_assert_cmpstr(error_get_pretty(err), ==, "Bottom node 'nope' not found");
    error_free(err);
    err = NULL;
    cor = open_filter(&c, "mid", &err);
    g_assert_null(err);
    top = bdrv_find_node("top");
    /* One read over base, mid and base data: only mid's is copied. */
    g_assert_cmpint(bdrv_pread(cor, MiB - 65536, 3 * 65536, buf), ==, 0);
    for (int i = 0; i < 3 * 65536; i++) {
        g_assert_cmpint(buf[i], ==, i / 65536 == 1 ? 0x22 : 0x5a);
    }
    g_assert_false(allocated(top, MiB - 65536, 65536));
    g_assert_true(allocated(top, MiB, 65536));
    g_assert_false(allocated(top, MiB + 65536, 65536));
    bdrv_unref(cor);
    chain_free(&c);
}

static void test_node_flag(void)
{
    Chain c;
    Error *err = NULL;
    BlockDriverState *top;

    chain_make(&c);
    top = bdrv_open_image(c.top, "qcow2", NULL, true, false, &err);
    g_assert_null(err);
    g_assert_true(bdrv_enable_copy_on_read(top, &err));
    assert_bytes(top, 65536, 65536, 0x5a);
    g_assert_true(allocated(top, 65536, 65536));
    /* Only the node itself copies: nothing below it changed. */
    g_assert_false(allocated(top->backing->bs, 65536, 65536));
    /* A partial read of a mid cluster copies the whole cluster. */
    assert_bytes(top, MiB + 512, 512, 0x22);
    g_assert_true(allocated(top, MiB, 65536));
    bdrv_unref(top);
    /* The copies are in the image: a plain open reads them as data. */
    top = bdrv_open_image(c.top, "qcow2", NULL, false, true, &err);
    g_assert_null(err);
    assert_bytes(top, 65536, 65536, 0x5a);
    assert_bytes(top, MiB, 65536, 0x22);
    /* QEMU's error for a read-only node. */
    g_assert_false(bdrv_enable_copy_on_read(top, &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Can't use copy-on-read on read-only device");
    error_free(err);
    bdrv_unref(top);
    chain_free(&c);
}

typedef struct Race {
    BlockDriverState *bs;
    int first, step;            /* a writer's blocks */
    volatile bool done;
} Race;

static gpointer race_writer(gpointer opaque)
{
    Race *r = opaque;
    uint8_t buf[BLOCK];

    for (int i = r->first; i < 2 * MiB / BLOCK; i += r->step) {
        memset(buf, 1 + i % 200, sizeof(buf));
        g_assert_cmpint(bdrv_pwrite(r->bs, (int64_t)i * BLOCK, BLOCK, buf),
                        ==, 0);
    }
    return NULL;
}

static gpointer race_reader(gpointer opaque)
{
    Race *r = opaque;
    g_autofree uint8_t *buf = g_malloc(65536);
    unsigned seed = r->first;

    while (!r->done) {
        int64_t cluster = rand_r(&seed) % (2 * MiB / 65536);

        g_assert_cmpint(bdrv_pread(r->bs, cluster * 65536, 65536, buf), ==,
                        0);
    }
    return NULL;
}

/* A copy must never write what it read over a newer write: through the
 * filter and with the node flag. */
static void race_with_writes(bool flag)
{
    Chain c;
    Error *err = NULL;
    Race w[2], rd[3];
    GThread *wt[2], *rt[3];
    uint8_t buf[BLOCK];

    chain_make(&c);
    for (int round = 0; round < 4; round++) {
        BlockDriverState *cor;

        if (flag) {
            cor = bdrv_open_image(c.top, "qcow2", NULL, true, false, &err);
            g_assert_nonnull(cor);
            g_assert_true(bdrv_enable_copy_on_read(cor, &err));
        } else {
            cor = open_filter(&c, NULL, &err);
        }
        g_assert_null(err);
        for (int i = 0; i < 3; i++) {
            rd[i] = (Race) { .bs = cor, .first = i + round * 3 };
            rt[i] = g_thread_new("reader", race_reader, &rd[i]);
        }
        for (int i = 0; i < 2; i++) {
            w[i] = (Race) { .bs = cor, .first = i, .step = 2 };
            wt[i] = g_thread_new("writer", race_writer, &w[i]);
        }
        for (int i = 0; i < 2; i++) {
            g_thread_join(wt[i]);
        }
        for (int i = 0; i < 3; i++) {
            rd[i].done = true;
            g_thread_join(rt[i]);
        }
        for (int i = 0; i < 2 * MiB / BLOCK; i++) {
            g_assert_cmpint(bdrv_pread(cor, (int64_t)i * BLOCK, BLOCK, buf),
                            ==, 0);
            g_assert_cmpint(buf[0], ==, 1 + i % 200);
            g_assert_cmpint(buf[BLOCK - 1], ==, 1 + i % 200);
        }
        bdrv_unref(cor);
        unlink(c.top);
        g_free(c.top);
        c.top = tmp_image("qcow2", 4 * MiB, c.mid);
    }
    chain_free(&c);
}

static void test_race_filter(void)
{
    race_with_writes(false);
}

static void test_race_flag(void)
{
    race_with_writes(true);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/block/cor/filter-copies", test_filter_copies);
    g_test_add_func("/block/cor/filter-bottom", test_filter_bottom);
    g_test_add_func("/block/cor/node-flag", test_node_flag);
    g_test_add_func("/block/cor/race-filter", test_race_filter);
    g_test_add_func("/block/cor/race-flag", test_race_flag);
    return g_test_run();
}
