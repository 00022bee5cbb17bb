/*
 * Unit tests: keyval_parse and QemuOpts.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "vireo/keyval.h"
#include "vireo/option.h"
#include "qobject/qdict.h"
#include "qobject/qlist.h"

static char *keyval_error(const char *params, const char *implied)
{
    Error *err = NULL;
    QDict *d = keyval_parse(params, implied, NULL, &err);
    char *msg;

    g_assert(!d && err);
    msg = g_strdup(error_get_pretty(err));
    error_free(err);
    return msg;
}

static void test_keyval(void)
{
    QDict *d = keyval_parse("driver=qcow2,file.filename=a,,b,cache.0=x,"
                            "cache.1=y", NULL, NULL, &error_abort);
    QDict *file = qdict_get_qdict(d, "file");
    QList *cache = qdict_get_qlist(d, "cache");
    bool help = false;

    g_assert_cmpstr(qdict_get_str(d, "driver"), ==, "qcow2");
    g_assert_cmpstr(qdict_get_str(file, "filename"), ==, "a,b");
    g_assert_cmpint(qlist_size(cache), ==, 2);
    qobject_unref(d);

    d = keyval_parse("virt,dumpdtb=x", "type", NULL, &error_abort);
    g_assert_cmpstr(qdict_get_str(d, "type"), ==, "virt");
    qobject_unref(d);

    d = keyval_parse("help", NULL, &help, &error_abort);
    g_assert(help);
    qobject_unref(d);
}

static void test_keyval_errors(void)
{
    g_autofree char *e1 = keyval_error("a", NULL);
    g_autofree char *e2 = keyval_error("a.b=1,a=2", NULL);
    g_autofree char *e3 = keyval_error("a.1=x", NULL);
    g_autofree char *e4 = keyval_error("1x=y", NULL);
    g_autofree char *e5 = keyval_error("a=1,a.0=x,a.x=1", NULL);

    g_assert_cmpstr(e1, ==, "Expected '=' after parameter 'a'");
    g_assert_cmpstr(e2, ==, "Parameters 'a.*' used inconsistently");
    g_assert_cmpstr(e3, ==, "Parameter 'a.0' missing");
    g_assert_cmpstr(e4, ==, "Invalid parameter '1x'");
    g_assert(e5[0]);
}

static QemuOptsList test_opts = {
    .name = "test",
    .implied_opt_name = "path",
    .head = QTAILQ_HEAD_INITIALIZER(test_opts.head),
    .desc = {
        { .name = "path", .type = QEMU_OPT_STRING },
        { .name = "on", .type = QEMU_OPT_BOOL },
        { .name = "count", .type = QEMU_OPT_NUMBER },
        { .name = "size", .type = QEMU_OPT_SIZE, .def_value_str = "1M" },
        { /* end */ }
    },
};

static void test_opts_parse(void)
{
    Error *err = NULL;
    QemuOpts *opts = qemu_opts_parse(&test_opts, "/a,,b,on=on,count=0x10,"
                                     "id=x1", true, &error_abort);

    g_assert_cmpstr(qemu_opts_id(opts), ==, "x1");
    g_assert_cmpstr(qemu_opt_get(opts, "path"), ==, "/a,b");
    g_assert(qemu_opt_get_bool(opts, "on", false));
    g_assert_cmpuint(qemu_opt_get_number(opts, "count", 0), ==, 16);
    g_assert_cmpuint(qemu_opt_get_size(opts, "size", 0), ==, 1 << 20);

    g_assert(!qemu_opts_parse(&test_opts, "id=x1", false, &err));
    g_assert_cmpstr(error_get_pretty(err), ==, "Duplicate ID 'x1' for test");
    error_free(err);
    err = NULL;
    g_assert(!qemu_opts_parse(&test_opts, "bogus=1", false, &err));
    g_assert_cmpstr(error_get_pretty(err), ==, "Invalid parameter 'bogus'");
    error_free(err);
    err = NULL;
    g_assert(!qemu_opts_parse(&test_opts, "count=x", false, &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Parameter 'count' expects a number");
    error_free(err);
    err = NULL;
    g_assert(!qemu_opts_parse(&test_opts, "id=1bad", false, &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Parameter 'id' expects an identifier");
    error_free(err);
    qemu_opts_del(opts);
    g_assert(QTAILQ_EMPTY(&test_opts.head));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/keyval/parse", test_keyval);
    g_test_add_func("/keyval/errors", test_keyval_errors);
    g_test_add_func("/qemu-opts/parse", test_opts_parse);
    return g_test_run();
}
