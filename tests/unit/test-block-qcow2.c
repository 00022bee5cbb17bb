/*
 * Unit tests: qcow2 through the block API — creation, many concurrent
 * writers from the worker pool (partial-cluster COW racing in one
 * cluster), snapshots, and a clean consistency check after each.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/main-loop.h"
#include "qobject/qdict.h"
#include "block/block-backend.h"

static char *create_image(const char *cluster_size, int64_t size)
{
    char *path = g_strdup("/tmp/vireo-test-qcow2-XXXXXX");
    int fd = mkstemp(path);
    QDict *o = qdict_new();
    Error *err = NULL;

    g_assert_cmpint(fd, >=, 0);
    close(fd);
    qdict_put_int(o, "size", size);
    qdict_put_str(o, "cluster_size", cluster_size);
    g_assert_cmpint(bdrv_create("qcow2", path, o, &err), ==, 0);
    g_assert_null(err);
    return path;
}

static void assert_clean(BlockBackend *blk)
{
    BlockDriverState *bs = blk_bs(blk);
    BdrvCheckResult r = { 0 };

    g_assert_cmpint(bs->drv->check(bs, &r, 0), ==, 0);
    g_assert_cmpint(r.corruptions, ==, 0);
    g_assert_cmpint(r.leaks, ==, 0);
    g_assert_cmpint(r.check_errors, ==, 0);
}

static int pending;

static void write_done(void *opaque, int ret)
{
    g_assert_cmpint(ret, ==, 0);
    pending--;
}

static void test_concurrent_writes(void)
{
    g_autofree char *path = create_image("4096", 8 << 20);
    Error *err = NULL;
    BlockBackend *blk = blk_new_open(path, "qcow2", NULL, BDRV_O_RDWR, &err);
    enum { N = 256 };
    static uint8_t bufs[N][512];
    struct iovec iov[N];
    uint8_t back[512];

    g_assert_null(err);
    /* 8 sectors per cluster: eight writers race in each new cluster. */
    for (int i = 0; i < N; i++) {
        memset(bufs[i], i + 1, sizeof(bufs[i]));
        iov[i].iov_base = bufs[i];
        iov[i].iov_len = 512;
        pending++;
        blk_aio_pwritev(blk, (int64_t)i * 512 + (i / 8) * (1 << 20) % (8 <<
                        20), &iov[i], 1, 0, write_done, NULL);
    }
    while (pending) {
        main_loop_wait(false);
    }
    for (int i = 0; i < N; i++) {
        g_assert_cmpint(blk_pread(blk, (int64_t)i * 512 + (i / 8) *
                                  (1 << 20) % (8 << 20), 512, back), ==, 0);
        for (int k = 0; k < 512; k++) {
            g_assert_cmpint(back[k], ==, (uint8_t)(i + 1));
        }
    }
    assert_clean(blk);
    blk_unref(blk);
    unlink(path);
}

static void test_snapshots(void)
{
    g_autofree char *path = create_image("65536", 4 << 20);
    Error *err = NULL;
    BlockBackend *blk = blk_new_open(path, "qcow2", NULL, BDRV_O_RDWR, &err);
    BlockDriverState *bs = blk_bs(blk);
    QEMUSnapshotInfo sn = { .name = "one" }, *list;
    uint8_t buf[4096], back[4096];

    g_assert_null(err);
    memset(buf, 0x11, sizeof(buf));
    g_assert_cmpint(blk_pwrite(blk, 0, sizeof(buf), buf, 0), ==, 0);
    g_assert_cmpint(bs->drv->snapshot_create(bs, &sn, &err), ==, 0);
    g_assert_cmpstr(sn.id_str, ==, "1");
    assert_clean(blk);
    memset(buf, 0x22, sizeof(buf));
    g_assert_cmpint(blk_pwrite(blk, 0, sizeof(buf), buf, 0), ==, 0);
    assert_clean(blk);
    g_assert_cmpint(bs->drv->snapshot_list(bs, &list), ==, 1);
    g_assert_cmpstr(list[0].name, ==, "one");
    g_free(list);
    g_assert_cmpint(bs->drv->snapshot_goto(bs, "one", &err), ==, 0);
    g_assert_cmpint(blk_pread(blk, 0, sizeof(back), back), ==, 0);
    g_assert_cmpint(back[0], ==, 0x11);
    assert_clean(blk);
    g_assert_cmpint(bs->drv->snapshot_delete(bs, "1", &err), ==, 0);
    g_assert_cmpint(bs->drv->snapshot_list(bs, &list), ==, 0);
    g_free(list);
    g_assert_cmpint(bs->drv->snapshot_goto(bs, "one", &err), <, 0);
    g_assert_nonnull(err);
    error_free(err);
    assert_clean(blk);
    blk_unref(blk);
    unlink(path);
}

static void test_refcount_table_growth(void)
{
    /* 512-byte clusters with 64-bit refcounts: a refcount block covers
     * 64 clusters, the first table 64 blocks, so writing 8 MiB grows the
     * table several times. */
    char *path = g_strdup("/tmp/vireo-test-qcow2-XXXXXX");
    int fd = mkstemp(path);
    QDict *o = qdict_new();
    Error *err = NULL;
    BlockBackend *blk;
    g_autofree uint8_t *buf = g_malloc(1 << 20);

    close(fd);
    qdict_put_int(o, "size", 16 << 20);
    qdict_put_str(o, "cluster_size", "512");
    qdict_put_str(o, "refcount_bits", "64");
    g_assert_cmpint(bdrv_create("qcow2", path, o, &err), ==, 0);
    blk = blk_new_open(path, "qcow2", NULL, BDRV_O_RDWR, &err);
    g_assert_null(err);
    for (int i = 0; i < 8; i++) {
        memset(buf, i + 1, 1 << 20);
        g_assert_cmpint(blk_pwrite(blk, (int64_t)i << 21, 1 << 20, buf, 0),
                        ==, 0);
    }
    assert_clean(blk);
    for (int i = 0; i < 8; i++) {
        g_assert_cmpint(blk_pread(blk, (int64_t)i << 21, 1 << 20, buf), ==,
                        0);
        g_assert_cmpint(buf[0], ==, i + 1);
        g_assert_cmpint(buf[(1 << 20) - 1], ==, i + 1);
    }
    blk_unref(blk);
    unlink(path);
    g_free(path);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    bql_lock();
    qemu_init_main_loop(&error_abort);
    g_test_add_func("/qcow2/concurrent-writes", test_concurrent_writes);
    g_test_add_func("/qcow2/snapshots", test_snapshots);
    g_test_add_func("/qcow2/refcount-table-growth",
                    test_refcount_table_growth);
    return g_test_run();
}
