/*
 * Unit tests: the node graph, file/raw/null drivers, permissions and OFD
 * locks, and the three I/O paths of BlockBackend.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/main-loop.h"
#include "qobject/qdict.h"
#include "block/block-backend.h"

static char *make_file(int64_t size)
{
    char *path = g_strdup("/tmp/vireo-test-block-XXXXXX");
    int fd = mkstemp(path);

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(ftruncate(fd, size), ==, 0);
    close(fd);
    return path;
}

static void test_raw_rw(void)
{
    g_autofree char *path = make_file(1 << 20);
    Error *err = NULL;
    BlockBackend *blk = blk_new_open(path, "raw", NULL, BDRV_O_RDWR, &err);
    char buf[4096], back[4096];

    if (err) {
        g_printerr("%s\n", error_get_pretty(err));
    }
    g_assert_null(err);
    g_assert_cmpint(blk_getlength(blk), ==, 1 << 20);
    g_assert(blk_bs(blk)->auto_named);
    g_assert(g_str_has_prefix(blk_bs(blk)->node_name, "#block"));
    g_assert_nonnull(blk_bs(blk)->file);
    memset(buf, 0xa5, sizeof(buf));
    g_assert_cmpint(blk_pwrite(blk, 8192, sizeof(buf), buf, 0), ==, 0);
    g_assert_cmpint(blk_pread(blk, 8192, sizeof(back), back), ==, 0);
    g_assert_cmpmem(buf, sizeof(buf), back, sizeof(back));
    /* Beyond the end: refused, not extended. */
    g_assert_cmpint(blk_pwrite(blk, (1 << 20) - 100, sizeof(buf), buf, 0),
                    ==, -EIO);
    g_assert_cmpint(blk_getlength(blk), ==, 1 << 20);
    blk_unref(blk);
    unlink(path);
}

static void test_locking(void)
{
    g_autofree char *path = make_file(65536);
    Error *err = NULL;
    BlockBackend *w1, *w2, *r;

    w1 = blk_new_open(path, "raw", NULL, BDRV_O_RDWR, &err);
    g_assert_null(err);
    /* A second writer, in this or another process, is refused. */
    w2 = blk_new_open(path, "raw", NULL, BDRV_O_RDWR, &err);
    g_assert_null(w2);
    g_assert_nonnull(strstr(error_get_pretty(err), "\"write\" lock"));
    error_free(err);
    err = NULL;
    /* A reader that does not share write is refused too ... */
    r = blk_new_open(path, "raw", NULL, 0, &err);
    g_assert_null(r);
    error_free(err);
    err = NULL;
    /* ... unless it shares everything (qemu-img -U). */
    r = blk_new_open(path, "raw", NULL, BDRV_O_FORCE_SHARE, &err);
    g_assert_null(err);
    blk_unref(r);
    blk_unref(w1);
    /* Writer gone: a reader blocks a later writer (resize under reader). */
    r = blk_new_open(path, "raw", NULL, 0, &err);
    g_assert_null(err);
    w2 = blk_new_open(path, "raw", NULL, BDRV_O_RDWR, &err);
    g_assert_null(w2);
    error_free(err);
    err = NULL;
    blk_unref(r);
    w2 = blk_new_open(path, "raw", NULL, BDRV_O_RDWR, &err);
    g_assert_null(err);
    blk_unref(w2);
    unlink(path);
}

static void test_graph_perms(void)
{
    g_autofree char *path = make_file(65536);
    Error *err = NULL;
    QDict *opts = qdict_new();
    BlockDriverState *file, *bs;
    BlockBackend *a, *b;

    qdict_put_str(opts, "driver", "file");
    qdict_put_str(opts, "filename", path);
    qdict_put_str(opts, "node-name", "proto");
    file = bdrv_open(opts, &err);
    g_assert_null(err);
    g_assert(bdrv_find_node("proto") == file);
    opts = qdict_new();
    qdict_put_str(opts, "driver", "raw");
    qdict_put_str(opts, "file", "proto");
    qdict_put_str(opts, "node-name", "fmt");
    bs = bdrv_open(opts, &err);
    g_assert_null(err);
    g_assert(bs->file->bs == file);
    /* Duplicate node names are refused. */
    opts = qdict_new();
    qdict_put_str(opts, "driver", "null-co");
    qdict_put_str(opts, "node-name", "fmt");
    g_assert_null(bdrv_open(opts, &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "Duplicate"));
    error_free(err);
    err = NULL;
    /* Two writers on one node: the second one is refused. */
    a = blk_new_with_bs(bs, BLK_PERM_CONSISTENT_READ | BLK_PERM_WRITE,
                        BLK_PERM_CONSISTENT_READ, &err);
    g_assert_null(err);
    b = blk_new_with_bs(bs, BLK_PERM_CONSISTENT_READ | BLK_PERM_WRITE,
                        BLK_PERM_ALL, &err);
    g_assert_null(b);
    g_assert_nonnull(strstr(error_get_pretty(err), "write"));
    error_free(err);
    err = NULL;
    blk_unref(a);
    b = blk_new_with_bs(bs, BLK_PERM_CONSISTENT_READ | BLK_PERM_WRITE,
                        BLK_PERM_ALL, &err);
    g_assert_null(err);
    blk_unref(b);
    bdrv_unref(bs);
    bdrv_unref(file);
    g_assert_null(bdrv_find_node("proto"));
    unlink(path);
}

static int done_count;

static void aio_done(void *opaque, int ret)
{
    g_assert_cmpint(ret, ==, 0);
    done_count++;
}

typedef struct CoArgs {
    BlockBackend *blk;
    char *buf;
    int ret;
    bool done;
} CoArgs;

static void coroutine_fn co_read(void *opaque)
{
    CoArgs *a = opaque;
    struct iovec iov = { .iov_base = a->buf, .iov_len = 512 };

    a->ret = blk_co_preadv(a->blk, 512, 512, &iov, 1);
    a->done = true;
}

static void test_aio_and_coroutines(void)
{
    g_autofree char *path = make_file(1 << 20);
    Error *err = NULL;
    BlockBackend *blk = blk_new_open(path, NULL, NULL, BDRV_O_RDWR, &err);
    char wbuf[16][512], rbuf[512];
    struct iovec iov[16];
    CoArgs a = { .blk = blk, .buf = rbuf };

    g_assert_null(err);
    g_assert_cmpstr(bdrv_get_format_name(blk_bs(blk)), ==, "raw");
    done_count = 0;
    for (int i = 0; i < 16; i++) {
        memset(wbuf[i], i + 1, 512);
        iov[i].iov_base = wbuf[i];
        iov[i].iov_len = 512;
        blk_aio_pwritev(blk, i * 512, &iov[i], 1, 0, aio_done, NULL);
    }
    blk_aio_flush(blk, aio_done, NULL);
    blk_drain(blk);
    g_assert_cmpint(done_count, ==, 17);
    qemu_coroutine_enter(qemu_coroutine_create(co_read, &a));
    while (!a.done) {
        main_loop_wait(false);
    }
    g_assert_cmpint(a.ret, ==, 0);
    for (int i = 0; i < 512; i++) {
        g_assert_cmpint(rbuf[i], ==, 2);
    }
    blk_unref(blk);
    unlink(path);
}

static void test_null(void)
{
    Error *err = NULL;
    QDict *opts = qdict_new();
    BlockDriverState *bs;
    char buf[512];

    qdict_put_str(opts, "driver", "null-co");
    qdict_put_int(opts, "size", 1 << 20);
    qdict_put_bool(opts, "read-zeroes", true);
    bs = bdrv_open(opts, &err);
    g_assert_null(err);
    g_assert_cmpint(bdrv_getlength(bs), ==, 1 << 20);
    memset(buf, 1, sizeof(buf));
    g_assert_cmpint(bdrv_pread(bs, 0, 512, buf), ==, 0);
    g_assert(buffer_is_zero(buf, 512));
    g_assert_cmpint(bdrv_pread(bs, 1 << 20, 512, buf), ==, -EIO);
    bdrv_unref(bs);
    /* Unknown options are refused with QEMU's words. */
    opts = qdict_new();
    qdict_put_str(opts, "driver", "null-aio");
    qdict_put_str(opts, "bogus", "1");
    g_assert_null(bdrv_open(opts, &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Block protocol 'null-aio' doesn't support the option "
                    "'bogus'");
    error_free(err);
}

static void test_direct_and_locking_off(void)
{
    g_autofree char *path = make_file(1 << 20);
    Error *err = NULL;
    QDict *opts = qdict_new();
    BlockBackend *a, *b;
    char buf[700], back[700];

    /* cache.direct: O_DIRECT, yet unaligned requests still work. */
    qdict_put_bool(opts, "cache.direct", true);
    qdict_put_str(opts, "locking", "off");
    a = blk_new_open(path, "raw", opts, BDRV_O_RDWR, &err);
    if (err && strstr(error_get_pretty(err), "Invalid argument")) {
        /* tmpfs has no O_DIRECT: nothing to test there. */
        error_free(err);
        qobject_unref(opts);
        unlink(path);
        return;
    }
    g_assert_null(err);
    g_assert_true(blk_bs(a)->file->bs->cache_direct);
    memset(buf, 0x3c, sizeof(buf));
    g_assert_cmpint(blk_pwrite(a, 1000, sizeof(buf), buf, 0), ==, 0);
    g_assert_cmpint(blk_pread(a, 1000, sizeof(back), back), ==, 0);
    g_assert_cmpmem(buf, sizeof(buf), back, sizeof(back));
    g_assert_cmpint(blk_getlength(a), ==, 1 << 20);
    /* locking=off: a second writer is not stopped by the file locks. */
    b = blk_new_open(path, "raw", opts, BDRV_O_RDWR, &err);
    g_assert_null(err);
    blk_unref(b);
    blk_unref(a);
    qobject_unref(opts);
    unlink(path);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    bql_lock();
    qemu_init_main_loop(&error_abort);
    g_test_add_func("/block/raw-rw", test_raw_rw);
    g_test_add_func("/block/locking", test_locking);
    g_test_add_func("/block/graph-perms", test_graph_perms);
    g_test_add_func("/block/aio-coroutines", test_aio_and_coroutines);
    g_test_add_func("/block/null", test_null);
    g_test_add_func("/block/direct-locking-off", test_direct_and_locking_off);
    return g_test_run();
}
