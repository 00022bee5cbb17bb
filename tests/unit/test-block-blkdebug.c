/*
 * Unit tests: the blkdebug driver's rules (config file, inline lists,
 * dotted keys), how events activate them, states, iotypes, 'once', and
 * the request limits it applies (align with read-modify-write,
 * max-transfer, zero writes and discards).
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "qobject/qdict.h"
#include "qobject/qjson.h"
#include "block/block.h"

static char *make_file(const char *contents, int64_t size)
{
    char *path = g_strdup("/tmp/vireo-test-blkdebug-XXXXXX");
    int fd = mkstemp(path);

    g_assert_cmpint(fd, >=, 0);
    if (contents) {
        g_assert_cmpint(write(fd, contents, strlen(contents)), ==,
                        (ssize_t)strlen(contents));
    } else {
        g_assert_cmpint(ftruncate(fd, size), ==, 0);
    }
    close(fd);
    return path;
}

/* A blkdebug node over @image from JSON options (with %s for the image). */
static BlockDriverState *open_json(const char *fmt, const char *image,
                                   Error **errp)
{
    g_autofree char *json = g_strdup_printf(fmt, image);
    QDict *opts = qdict_from_json(json, &error_abort);

    return bdrv_open(opts, errp);
}

static int rd(BlockDriverState *bs, int64_t off, int64_t len)
{
    g_autofree void *buf = g_malloc(len);

    return bdrv_pread(bs, off, len, buf);
}

static int wr(BlockDriverState *bs, int64_t off, int64_t len, int byte)
{
    g_autofree void *buf = g_malloc(len);

    memset(buf, byte, len);
    return bdrv_pwrite(bs, off, len, buf);
}

static void test_config_file(void)
{
    g_autofree char *img = make_file(NULL, 1 << 20);
    g_autofree char *cfg = make_file(
        "# comment\n"
        "[inject-error]\n"
        "event = \"read_aio\"\n"
        "errno = \"28\"\n"
        "sector = \"8\"\n"
        "\n"
        "[inject-error \"id\"]\n"
        "event = \"write_aio\"\n"
        "once = \"on\"\n", 0);
    g_autofree char *name = g_strdup_printf("blkdebug:%s:%s", cfg, img);
    BlockDriverState *bs = bdrv_open_image(name, "raw", NULL, true, false,
                                           &error_abort);

    /* raw fires read_aio on its file, the blkdebug node. */
    g_assert_cmpstr(bs->file->bs->drv->format_name, ==, "blkdebug");
    g_assert_cmpstr(bs->filename, ==, name);
    g_assert_cmpint(rd(bs, 0, 4096), ==, 0);
    g_assert_cmpint(rd(bs, 4096, 512), ==, -ENOSPC);
    g_assert_cmpint(rd(bs, 0, 4097), ==, -ENOSPC);
    g_assert_cmpint(rd(bs, 4608, 512), ==, 0);
    /* write_aio activates the write rule instead: any sector, once. */
    g_assert_cmpint(wr(bs, 4096, 512, 1), ==, -EIO);
    g_assert_cmpint(wr(bs, 4096, 512, 1), ==, 0);
    bdrv_unref(bs);
    unlink(img);
    unlink(cfg);
}

static void test_states(void)
{
    g_autofree char *img = make_file(NULL, 1 << 20);
    Error *err = NULL;
    /* Fail the second and third write: state 1 -> 2 -> 3 -> 1. */
    BlockDriverState *bs = open_json(
        "{'driver': 'raw', 'file': {'driver': 'blkdebug',"
        " 'image': {'driver': 'file', 'filename': '%s'},"
        " 'set-state': [{'event': 'write_aio', 'state': 1, 'new_state': 2},"
        "               {'event': 'write_aio', 'state': 2, 'new_state': 3},"
        "               {'event': 'write_aio', 'state': 3, 'new_state': 1}],"
        " 'inject-error': [{'event': 'write_aio', 'state': 2},"
        "                  {'event': 'write_aio', 'state': 3,"
        "                   'errno': 28}]}}", img, &err);

    g_assert_null(err);
    g_assert_cmpint(wr(bs, 0, 512, 0), ==, 0);
    g_assert_cmpint(wr(bs, 0, 512, 0), ==, -EIO);
    g_assert_cmpint(wr(bs, 0, 512, 0), ==, -ENOSPC);
    /* Back in state 1: the error rules stay active until another event
     * that injects replaces them (QEMU's semantics). */
    g_assert_cmpint(wr(bs, 0, 512, 0), ==, -ENOSPC);
    bdrv_unref(bs);
    unlink(img);
}

static void test_dotted_and_iotypes(void)
{
    g_autofree char *img = make_file(NULL, 1 << 20);
    /* Flat dotted keys with string values, as keyval leaves them. */
    char **kv = g_strsplit("inject-error.0.event=none,"
                           "inject-error.0.iotype=flush,"
                           "inject-error.1.event=none,"
                           "inject-error.1.iotype=block-status,"
                           "inject-error.1.errno=22", ",", -1);
    QDict *opts = qdict_new(), *image = qdict_new();
    BlockDriverState *bs;
    int64_t pnum;

    qdict_put_str(opts, "driver", "blkdebug");
    qdict_put_str(image, "filename", img);
    qdict_put_obj(opts, "image", QOBJECT(image));
    for (char **p = kv; *p; p++) {
        char *eq = strchr(*p, '=');

        *eq = '\0';
        qdict_put_str(opts, *p, eq + 1);
    }
    g_strfreev(kv);
    bs = bdrv_open(opts, &error_abort);
    /* 'none' fired at open: reads and writes pass, flush fails. */
    g_assert_cmpint(rd(bs, 0, 512), ==, 0);
    g_assert_cmpint(wr(bs, 0, 512, 7), ==, 0);
    g_assert_cmpint(bdrv_flush(bs), ==, -EIO);
    g_assert_cmpint(bdrv_block_status(bs, 0, 512, &pnum, NULL, NULL), ==,
                    -EINVAL);
    bdrv_debug_event(bs, BLKDBG_L2_LOAD);      /* no rule: nothing changes */
    g_assert_cmpint(bdrv_flush(bs), ==, -EIO);
    bdrv_unref(bs);
    unlink(img);
}

static void test_align_rmw(void)
{
    g_autofree char *img = make_file(NULL, 1 << 20);
    Error *err = NULL;
    BlockDriverState *bs = open_json(
        "{'driver': 'blkdebug', 'align': 4096, 'max-transfer': 8192,"
        " 'opt-write-zero': 8192, 'opt-discard': 8192,"
        " 'image': {'driver': 'file', 'filename': '%s', 'discard': 'unmap'},"
        " 'inject-error': [{'event': 'pwritev_rmw_after_head',"
        "                   'once': true, 'iotype': 'write'},"
        "                  {'event': 'pwritev_rmw_tail', 'once': true,"
        "                   'iotype': 'read', 'errno': 28}]}", img, &err);
    uint8_t buf[12288];

    g_assert_null(err);
    g_assert_cmpint(wr(bs, 0, 12288, 0x11), ==, 0);
    /* The head is read, then the padded write fails once. */
    g_assert_cmpint(wr(bs, 100, 3996, 0x22), ==, -EIO);
    /* A write aligned at the start pads only its tail, whose read fails
     * once. */
    g_assert_cmpint(wr(bs, 4096, 5000, 0x33), ==, -ENOSPC);
    g_assert_cmpint(wr(bs, 100, 3996, 0x22), ==, 0);
    g_assert_cmpint(wr(bs, 4096, 5000, 0x33), ==, 0);
    /* Head and tail in one block: one read. */
    g_assert_cmpint(wr(bs, 5000, 50, 0x44), ==, 0);
    g_assert_cmpint(bdrv_pread(bs, 0, sizeof(buf), buf), ==, 0);
    for (int i = 0; i < 12288; i++) {
        int want = i >= 5000 && i < 5050 ? 0x44 :
                   i >= 100 && i < 4096 ? 0x22 :
                   i >= 4096 && i < 9096 ? 0x33 : 0x11;

        g_assert_cmpint(buf[i], ==, want);
    }
    /* Zero writes: unaligned parts written as zeroes, the rest zeroed. */
    g_assert_cmpint(bdrv_pwrite_zeroes(bs, 10, 20000, 0), ==, 0);
    g_assert_cmpint(bdrv_pread(bs, 0, sizeof(buf), buf), ==, 0);
    for (int i = 0; i < 12288; i++) {
        g_assert_cmpint(buf[i], ==, i < 10 ? 0x11 : 0);
    }
    g_assert_cmpint(bdrv_pdiscard(bs, 100, 30000), ==, 0);
    bdrv_unref(bs);
    unlink(img);
}

static void test_bad_options(void)
{
    static const struct {
        const char *json, *error;
    } cases[] = {
        { "{'driver': 'blkdebug', 'image': {'driver': 'file',"
          " 'filename': '%s'}, 'align': 3}",
          "Cannot meet constraints with align 3" },
        { "{'driver': 'blkdebug', 'image': {'driver': 'file',"
          " 'filename': '%s'}, 'align': 512, 'max-write-zero': 1000}",
          "Cannot meet constraints with max-write-zero 1000" },
        { "{'driver': 'blkdebug', 'image': {'driver': 'file',"
          " 'filename': '%s'}, 'inject-error': [{'event': 'x'}]}",
          "invalid parameter value: x" },
        { "{'driver': 'blkdebug', 'image': {'driver': 'file',"
          " 'filename': '%s'}, 'inject-error': [{'errno': 5}]}",
          "Missing event name for rule" },
        { "{'driver': 'blkdebug', 'image': {'driver': 'file',"
          " 'filename': '%s'}, 'set-state': [{'event': 'none',"
          " 'once': true}]}",
          "[set-state] section doesn't support the option 'once'" },
        { "{'driver': 'blkdebug', 'image': {'driver': 'file',"
          " 'filename': '%s'}, 'inject-error': 5}",
          "Invalid parameter type for 'inject-error', expected: array" },
        { "{'driver': 'blkdebug', 'image': {'driver': 'file',"
          " 'filename': '%s'}, 'inject-error': [{'event': 'none',"
          " 'sector': -2}]}",
          "Parameter 'sector' expects a value between -1" },
        { "{'driver': 'blkdebug', 'config': '/nonexistent/%s'}",
          "Could not read blkdebug config file: No such file" },
        { "{'driver': 'blkdebug', 'x': '%s'}",
          "A block device must be specified for \"image\"" },
    };
    g_autofree char *img = make_file(NULL, 65536);

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        Error *err = NULL;

        g_assert_null(open_json(cases[i].json, img, &err));
        g_assert_nonnull(err);
        if (!strstr(error_get_pretty(err), cases[i].error)) {
            g_printerr("%s\n", error_get_pretty(err));
        }
        g_assert_nonnull(strstr(error_get_pretty(err), cases[i].error));
        error_free(err);
    }
    unlink(img);
}

static void test_protocol_names(void)
{
    Error *err = NULL;

    g_assert_cmpstr(bdrv_find_protocol("blkdebug::x")->format_name, ==,
                    "blkdebug");
    g_assert_null(bdrv_find_protocol("/a/blkdebug:b"));
    g_assert_null(bdrv_find_protocol("plain.img"));
    g_assert_cmpstr(bdrv_debug_event_name(BLKDBG_NONE), ==, "none");
    g_assert_cmpint(bdrv_debug_event_lookup("refblock_alloc_switch_table"),
                    ==, BLKDBG_REFBLOCK_ALLOC_SWITCH_TABLE);
    g_assert_cmpint(bdrv_debug_event_lookup("nope"), ==, -1);
    g_assert_null(bdrv_open_image("blkdebug:nocolon", "raw", NULL, false,
                                  false, &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "blkdebug requires both config file and image path");
    error_free(err);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/blkdebug/config-file", test_config_file);
    g_test_add_func("/blkdebug/states", test_states);
    g_test_add_func("/blkdebug/dotted-iotypes", test_dotted_and_iotypes);
    g_test_add_func("/blkdebug/align-rmw", test_align_rmw);
    g_test_add_func("/blkdebug/bad-options", test_bad_options);
    g_test_add_func("/blkdebug/protocol-names", test_protocol_names);
    return g_test_run();
}
