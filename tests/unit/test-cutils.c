/*
 * Unit tests: number and size parsing (vireo/cutils.h).
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/cutils.h"

static void test_strtoi64(void)
{
    const char *end;
    int64_t v;

    g_assert_cmpint(qemu_strtoi64("-42", NULL, 0, &v), ==, 0);
    g_assert_cmpint(v, ==, -42);
    g_assert_cmpint(qemu_strtoi64("0x10", NULL, 0, &v), ==, 0);
    g_assert_cmpint(v, ==, 16);
    g_assert_cmpint(qemu_strtoi64("12abc", NULL, 0, &v), ==, -EINVAL);
    g_assert_cmpint(qemu_strtoi64("12abc", &end, 0, &v), ==, 0);
    g_assert_cmpstr(end, ==, "abc");
    g_assert_cmpint(qemu_strtoi64("", NULL, 0, &v), ==, -EINVAL);
    g_assert_cmpint(qemu_strtoi64("99999999999999999999", NULL, 0, &v), ==,
                    -ERANGE);
    g_assert_cmpint(v, ==, INT64_MAX);
    g_assert_cmpint(qemu_strtoi64(NULL, NULL, 0, &v), ==, -EINVAL);
}

static void test_strtoi(void)
{
    int v;

    g_assert_cmpint(qemu_strtoi("2147483648", NULL, 10, &v), ==, -ERANGE);
    g_assert_cmpint(v, ==, INT_MAX);
    g_assert_cmpint(qemu_strtoi("-7", NULL, 10, &v), ==, 0);
    g_assert_cmpint(v, ==, -7);
}

static void test_strtosz(void)
{
    const char *end;
    uint64_t v;

    g_assert_cmpint(qemu_strtosz("1024", NULL, &v), ==, 0);
    g_assert_cmpuint(v, ==, 1024);
    g_assert_cmpint(qemu_strtosz("1k", NULL, &v), ==, 0);
    g_assert_cmpuint(v, ==, 1024);
    g_assert_cmpint(qemu_strtosz("1.5G", NULL, &v), ==, 0);
    g_assert_cmpuint(v, ==, 1536ULL << 20);
    g_assert_cmpint(qemu_strtosz("0x10M", NULL, &v), ==, 0);
    g_assert_cmpuint(v, ==, 16ULL << 20);
    g_assert_cmpint(qemu_strtosz("1.5", NULL, &v), ==, -EINVAL);
    g_assert_cmpint(qemu_strtosz("-1", NULL, &v), ==, -EINVAL);
    g_assert_cmpint(qemu_strtosz("16E", NULL, &v), ==, -ERANGE);
    g_assert_cmpint(qemu_strtosz("12Q", NULL, &v), ==, -EINVAL);
    g_assert_cmpint(qemu_strtosz("12Q", &end, &v), ==, 0);
    g_assert_cmpstr(end, ==, "Q");
    g_assert_cmpint(qemu_strtosz_MiB("512", NULL, &v), ==, 0);
    g_assert_cmpuint(v, ==, 512ULL << 20);
    g_assert_cmpint(qemu_strtosz_metric("1k", NULL, &v), ==, 0);
    g_assert_cmpuint(v, ==, 1000);
}

static void test_size_to_str(void)
{
    g_autofree char *a = size_to_str(1ULL << 30);
    g_autofree char *b = size_to_str(1536);
    g_autofree char *c = size_to_str(12);

    g_assert_cmpstr(a, ==, "1 GiB");
    g_assert_cmpstr(b, ==, "1.5 KiB");
    g_assert_cmpstr(c, ==, "12 B");
}

static void test_id(void)
{
    g_assert(id_wellformed("a1.b-c_d"));
    g_assert(!id_wellformed("1a"));
    g_assert(!id_wellformed("a b"));
    g_assert(!id_wellformed(""));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cutils/strtoi64", test_strtoi64);
    g_test_add_func("/cutils/strtoi", test_strtoi);
    g_test_add_func("/cutils/strtosz", test_strtosz);
    g_test_add_func("/cutils/size_to_str", test_size_to_str);
    g_test_add_func("/cutils/id_wellformed", test_id);
    return g_test_run();
}
