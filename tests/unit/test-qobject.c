/*
 * Unit tests for QObject types: QNull, QNum, QString, QBool, QList,
 * QDict (including flatten/crumple and friends) and equality.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "qobject/qbool.h"
#include "qobject/qdict.h"
#include "qobject/qjson.h"
#include "qobject/qlist.h"
#include "qobject/qnull.h"
#include "qobject/qnum.h"
#include "qobject/qstring.h"
#include <math.h>

static char *to_json(const QObject *obj)
{
    return g_string_free(qobject_to_json(obj), false);
}

static QObject *from_json(const char *s)
{
    return qobject_from_json(s, &error_abort);
}

/* Assert that @obj serialises to @json. */
static void assert_json(const QObject *obj, const char *json)
{
    char *s = to_json(obj);

    g_assert_cmpstr(s, ==, json);
    g_free(s);
}

static void test_qnull(void)
{
    QNull *n = qnull();

    g_assert(n == &qnull_);
    g_assert_cmpint(qobject_type(QOBJECT(n)), ==, QTYPE_QNULL);
    g_assert_cmpuint(QOBJECT(n)->base.refcnt, ==, 2);
    qobject_unref(n);
    g_assert_cmpuint(QOBJECT(&qnull_)->base.refcnt, ==, 1);
    g_assert_null(qobject_to(QNull, NULL));
}

static void test_qnum(void)
{
    QNum *qn;
    int64_t i;
    uint64_t u;
    char *s;

    qn = qnum_from_int(-42);
    g_assert_cmpint(qobject_type(QOBJECT(qn)), ==, QTYPE_QNUM);
    g_assert_cmpint(qnum_get_int(qn), ==, -42);
    g_assert_false(qnum_get_try_uint(qn, &u));
    g_assert_cmpfloat(qnum_get_double(qn), ==, -42.0);
    s = qnum_to_string(qn);
    g_assert_cmpstr(s, ==, "-42");
    g_free(s);
    qobject_unref(qn);

    qn = qnum_from_uint(UINT64_MAX);
    g_assert_false(qnum_get_try_int(qn, &i));
    g_assert_cmpuint(qnum_get_uint(qn), ==, UINT64_MAX);
    s = qnum_to_string(qn);
    g_assert_cmpstr(s, ==, "18446744073709551615");
    g_free(s);
    qobject_unref(qn);

    qn = qnum_from_uint(7);
    g_assert_true(qnum_get_try_int(qn, &i));
    g_assert_cmpint(i, ==, 7);
    qobject_unref(qn);

    qn = qnum_from_double(0.5);
    g_assert_false(qnum_get_try_int(qn, &i));
    g_assert_false(qnum_get_try_uint(qn, &u));
    g_assert_cmpfloat(qnum_get_double(qn), ==, 0.5);
    s = qnum_to_string(qn);
    g_assert_cmpstr(s, ==, "0.5");
    g_free(s);
    qobject_unref(qn);

    qn = qnum_from_double(0.1);
    s = qnum_to_string(qn);
    g_assert_cmpstr(s, ==, "0.10000000000000001");
    g_free(s);
    qobject_unref(qn);

    qn = qnum_from_int(INT64_MIN);
    s = qnum_to_string(qn);
    g_assert_cmpstr(s, ==, "-9223372036854775808");
    g_free(s);
    qobject_unref(qn);
}

static void test_qstring(void)
{
    QString *qs = qstring_from_str("hello");
    GString *g = g_string_new("from gstring");

    g_assert_cmpint(qobject_type(QOBJECT(qs)), ==, QTYPE_QSTRING);
    g_assert_cmpstr(qstring_get_str(qs), ==, "hello");
    g_assert_cmpuint(qstring_get_length(qs), ==, 5);
    qobject_unref(qs);

    qs = qstring_from_substr("abcdef", 1, 4);
    g_assert_cmpstr(qstring_get_str(qs), ==, "bcd");
    qobject_unref(qs);

    qs = qstring_new();
    g_assert_cmpstr(qstring_get_str(qs), ==, "");
    qobject_unref(qs);

    qs = qstring_from_gstring(g);
    g_assert_cmpstr(qstring_get_str(qs), ==, "from gstring");
    qobject_unref(qs);
}

static void test_qbool(void)
{
    QBool *t = qbool_from_bool(true);
    QBool *f = qbool_from_bool(false);

    g_assert_cmpint(qobject_type(QOBJECT(t)), ==, QTYPE_QBOOL);
    g_assert_true(qbool_get_bool(t));
    g_assert_false(qbool_get_bool(f));
    g_assert_false(qobject_is_equal(QOBJECT(t), QOBJECT(f)));
    qobject_unref(t);
    qobject_unref(f);
}

static void test_refcount_and_cast(void)
{
    QDict *d = qdict_new();
    QObject *o = QOBJECT(d);
    QDict *same;

    g_assert_cmpuint(o->base.refcnt, ==, 1);
    same = qobject_ref(d);                  /* keeps its type */
    g_assert(same == d);
    g_assert_cmpuint(o->base.refcnt, ==, 2);
    qobject_unref(same);
    g_assert(qobject_to(QDict, o) == d);
    g_assert_null(qobject_to(QList, o));
    g_assert_null(qobject_to(QString, o));
    g_assert(QOBJECT((QDict *)NULL) == NULL);
    qobject_unref((QDict *)NULL);           /* allowed */
    qobject_unref(d);
}

static void test_qlist(void)
{
    QList *l = qlist_new();
    const QListEntry *e;
    QObject *o;
    int n = 0;

    g_assert_true(qlist_empty(l));
    g_assert_null(qlist_peek(l));
    g_assert_null(qlist_pop(l));
    qlist_append_int(l, 1);
    qlist_append_str(l, "two");
    qlist_append_bool(l, true);
    qlist_append_null(l);
    qlist_append(l, qdict_new());
    g_assert_false(qlist_empty(l));
    g_assert_cmpuint(qlist_size(l), ==, 5);
    assert_json(QOBJECT(l), "[1, \"two\", true, null, {}]");

    QLIST_FOREACH_ENTRY(l, e) {
        n++;
        g_assert_nonnull(qlist_entry_obj(e));
    }
    g_assert_cmpint(n, ==, 5);

    o = qlist_peek(l);
    g_assert_cmpint(qnum_get_int(qobject_to(QNum, o)), ==, 1);
    o = qlist_pop(l);
    g_assert_cmpint(qnum_get_int(qobject_to(QNum, o)), ==, 1);
    qobject_unref(o);
    g_assert_cmpuint(qlist_size(l), ==, 4);
    assert_json(QOBJECT(l), "[\"two\", true, null, {}]");

    while ((o = qlist_pop(l))) {
        qobject_unref(o);
    }
    g_assert_true(qlist_empty(l));
    qlist_append_int(l, 9);             /* tail is right after emptying */
    assert_json(QOBJECT(l), "[9]");
    {
        QList *copy = qlist_copy(l);

        g_assert_true(qobject_is_equal(QOBJECT(copy), QOBJECT(l)));
        qobject_unref(copy);
    }
    qobject_unref(l);
}

static void test_qdict_basics(void)
{
    QDict *d = qdict_new();
    QList *l = qlist_new();
    QDict *sub = qdict_new();

    g_assert_cmpuint(qdict_size(d), ==, 0);
    g_assert_null(qdict_first(d));
    qdict_put_int(d, "int", -5);
    qdict_put_bool(d, "bool", true);
    qdict_put_str(d, "str", "value");
    qdict_put_null(d, "null");
    qdict_put(d, "list", l);
    qdict_put(d, "dict", sub);
    qdict_put_obj(d, "dbl", QOBJECT(qnum_from_double(2.5)));

    g_assert_cmpuint(qdict_size(d), ==, 7);
    g_assert_true(qdict_haskey(d, "int"));
    g_assert_false(qdict_haskey(d, "nope"));
    g_assert_null(qdict_get(d, "nope"));
    g_assert_cmpint(qdict_get_int(d, "int"), ==, -5);
    g_assert_true(qdict_get_bool(d, "bool"));
    g_assert_cmpstr(qdict_get_str(d, "str"), ==, "value");
    g_assert(qdict_get_qlist(d, "list") == l);
    g_assert(qdict_get_qdict(d, "dict") == sub);
    g_assert_null(qdict_get_qdict(d, "list"));
    g_assert_cmpfloat(qdict_get_double(d, "dbl"), ==, 2.5);
    g_assert_cmpfloat(qdict_get_double(d, "int"), ==, -5.0);

    g_assert_cmpint(qdict_get_try_int(d, "int", 3), ==, -5);
    g_assert_cmpint(qdict_get_try_int(d, "str", 3), ==, 3);
    g_assert_cmpint(qdict_get_try_int(d, "nope", 3), ==, 3);
    g_assert_true(qdict_get_try_bool(d, "bool", false));
    g_assert_true(qdict_get_try_bool(d, "nope", true));
    g_assert_false(qdict_get_try_bool(d, "int", false));
    g_assert_cmpstr(qdict_get_try_str(d, "str"), ==, "value");
    g_assert_null(qdict_get_try_str(d, "int"));

    assert_json(QOBJECT(d), "{\"int\": -5, \"bool\": true, \"str\": "
                "\"value\", \"null\": null, \"list\": [], \"dict\": {}, "
                "\"dbl\": 2.5}");

    /* replacing keeps the position */
    qdict_put_str(d, "bool", "now a string");
    g_assert_cmpuint(qdict_size(d), ==, 7);
    g_assert_cmpstr(qdict_get_str(d, "bool"), ==, "now a string");
    assert_json(QOBJECT(d), "{\"int\": -5, \"bool\": \"now a string\", "
                "\"str\": \"value\", \"null\": null, \"list\": [], "
                "\"dict\": {}, \"dbl\": 2.5}");

    qdict_del(d, "str");
    qdict_del(d, "int");
    qdict_del(d, "dbl");
    qdict_del(d, "nope");
    g_assert_cmpuint(qdict_size(d), ==, 4);
    assert_json(QOBJECT(d), "{\"bool\": \"now a string\", \"null\": null, "
                "\"list\": [], \"dict\": {}}");
    qdict_put_int(d, "int", 1);
    assert_json(QOBJECT(d), "{\"bool\": \"now a string\", \"null\": null, "
                "\"list\": [], \"dict\": {}, \"int\": 1}");
    qobject_unref(d);
}

/* Many keys: exercises the hash index, deletion while iterating, order. */
static void test_qdict_large(void)
{
    QDict *d = qdict_new();
    const QDictEntry *e, *next;
    char key[32];
    int i;

    for (i = 0; i < 5000; i++) {
        snprintf(key, sizeof(key), "key%d", i);
        qdict_put_int(d, key, i);
    }
    g_assert_cmpuint(qdict_size(d), ==, 5000);
    for (i = 0; i < 5000; i++) {
        snprintf(key, sizeof(key), "key%d", i);
        g_assert_cmpint(qdict_get_int(d, key), ==, i);
    }
    i = 0;
    for (e = qdict_first(d); e; e = qdict_next(d, e)) {
        snprintf(key, sizeof(key), "key%d", i);
        g_assert_cmpstr(qdict_entry_key(e), ==, key);
        g_assert_cmpint(qnum_get_int(qobject_to(QNum, qdict_entry_value(e))),
                        ==, i);
        i++;
    }
    /* delete every odd entry while walking */
    for (e = qdict_first(d); e; e = next) {
        next = qdict_next(d, e);
        if (qnum_get_int(qobject_to(QNum, qdict_entry_value(e))) & 1) {
            qdict_del(d, qdict_entry_key(e));
        }
    }
    g_assert_cmpuint(qdict_size(d), ==, 2500);
    g_assert_false(qdict_haskey(d, "key1"));
    g_assert_true(qdict_haskey(d, "key4998"));
    qobject_unref(d);
}

static void test_qdict_clone_join_defaults(void)
{
    QDict *a = qobject_to(QDict, from_json("{\"x\": 1, \"y\": {\"z\": 2}}"));
    QDict *b = qdict_clone_shallow(a);
    QDict *c = qobject_to(QDict, from_json("{\"x\": 5, \"w\": 6}"));

    g_assert_true(qobject_is_equal(QOBJECT(a), QOBJECT(b)));
    g_assert(qdict_get(a, "y") == qdict_get(b, "y"));   /* shallow */
    qdict_del(b, "x");
    g_assert_true(qdict_haskey(a, "x"));

    qdict_copy_default(b, c, "x");
    qdict_copy_default(b, c, "x");
    g_assert_cmpint(qdict_get_int(b, "x"), ==, 5);
    qdict_set_default_str(b, "s", "dflt");
    qdict_set_default_str(b, "s", "other");
    g_assert_cmpstr(qdict_get_str(b, "s"), ==, "dflt");

    qdict_join(a, c, false);
    assert_json(QOBJECT(a), "{\"x\": 1, \"y\": {\"z\": 2}, \"w\": 6}");
    assert_json(QOBJECT(c), "{\"x\": 5}");
    qdict_join(a, c, true);
    assert_json(QOBJECT(a), "{\"x\": 5, \"y\": {\"z\": 2}, \"w\": 6}");
    g_assert_cmpuint(qdict_size(c), ==, 0);

    qobject_unref(a);
    qobject_unref(b);
    qobject_unref(c);
}

static void test_is_equal(void)
{
    QObject *a = from_json("{\"a\": [1, 2.5, \"s\", null, true, {}]}");
    QObject *b = from_json("{\"a\": [1, 2.5, \"s\", null, true, {}]}");
    QObject *c = from_json("{\"a\": [1, 2.5, \"s\", null, false, {}]}");
    QNum *i1 = qnum_from_int(1), *u1 = qnum_from_uint(1);
    QNum *d1 = qnum_from_double(1.0), *im = qnum_from_int(-1);
    QNum *um = qnum_from_uint(UINT64_MAX);
    QNum *nan1 = qnum_from_double(NAN);

    g_assert_true(qobject_is_equal(a, b));
    g_assert_false(qobject_is_equal(a, c));
    g_assert_true(qobject_is_equal(NULL, NULL));
    g_assert_false(qobject_is_equal(a, NULL));
    g_assert_true(qobject_is_equal(QOBJECT(i1), QOBJECT(u1)));
    g_assert_false(qobject_is_equal(QOBJECT(i1), QOBJECT(d1)));
    g_assert_false(qobject_is_equal(QOBJECT(im), QOBJECT(um)));
    g_assert_false(qobject_is_equal(QOBJECT(nan1), QOBJECT(nan1)));
    g_assert_true(qobject_is_equal(QOBJECT(qnull()), QOBJECT(&qnull_)));
    qobject_unref(&qnull_);

    qobject_unref(a);
    qobject_unref(b);
    qobject_unref(c);
    qobject_unref(i1);
    qobject_unref(u1);
    qobject_unref(d1);
    qobject_unref(im);
    qobject_unref(um);
    qobject_unref(nan1);
}

static void test_flatten(void)
{
    QDict *d = qobject_to(QDict, from_json(
        "{\"a\": 0, \"b\": {\"c\": 1, \"d\": {\"e\": 2}}, "
        "\"l\": [3, {\"f\": 4}, [5]], \"ed\": {}, \"el\": []}"));

    qdict_flatten(d);
    assert_json(QOBJECT(d),
                "{\"a\": 0, \"b.c\": 1, \"b.d.e\": 2, \"l.0\": 3, "
                "\"l.1.f\": 4, \"l.2.0\": 5, \"ed\": {}, \"el\": []}");
    qobject_unref(d);
}

/* Crumple @json and compare with @expect, or with error @err. */
static void crumple_check(const char *json, const char *expect,
                          const char *err_msg)
{
    QDict *d = qobject_to(QDict, from_json(json));
    Error *err = NULL;
    QObject *r = qdict_crumple(d, &err);

    if (expect) {
        g_assert_null(err);
        assert_json(r, expect);
        qobject_unref(r);
    } else {
        g_assert_null(r);
        g_assert_cmpstr(error_get_pretty(err), ==, err_msg);
        error_free(err);
    }
    qobject_unref(d);
}

static void test_crumple(void)
{
    crumple_check("{\"foo.0.bar\": \"one\", \"foo.0.wizz\": \"1\", "
                  "\"foo.1.bar\": \"two\", \"foo.1.wizz\": \"2\"}",
                  "{\"foo\": [{\"bar\": \"one\", \"wizz\": \"1\"}, "
                  "{\"bar\": \"two\", \"wizz\": \"2\"}]}", NULL);
    crumple_check("{\"a..b\": 1, \"c.d..e\": 2}",
                  "{\"a.b\": 1, \"c\": {\"d.e\": 2}}", NULL);
    crumple_check("{\"1\": \"b\", \"0\": \"a\"}", "[\"a\", \"b\"]", NULL);
    crumple_check("{}", "{}", NULL);
    crumple_check("{\"x.y\": {}, \"z\": []}", "{\"x\": {\"y\": {}}, "
                  "\"z\": []}", NULL);

    crumple_check("{\"a\": {\"b\": 1}}", NULL, "Value a is not flat");
    crumple_check("{\"a\": [1]}", NULL, "Value a is not flat");
    crumple_check("{\"a\": 1, \"a.b\": 2}", NULL,
                  "Cannot mix scalar and non-scalar keys");
    crumple_check("{\"a.b\": 2, \"a\": 1}", NULL,
                  "Cannot mix scalar and non-scalar keys");
    crumple_check("{\"a.0\": 1, \"a.x\": 2}", NULL,
                  "Cannot mix list and non-list keys");
    crumple_check("{\"a.0\": 1, \"a.2\": 2}", NULL,
                  "List indices are not contiguous, saw 2 elements but 2 "
                  "largest index");
    crumple_check("{\"a.0\": 1, \"a.+1\": 2}", NULL, "Missing list index 1");
}

static void test_flatten_crumple_roundtrip(void)
{
    const char *json = "{\"x\": {\"y\": [1, {\"z\": \"w\"}], \"v\": true}, "
                       "\"u\": null}";
    QDict *d = qobject_to(QDict, from_json(json));
    QObject *r;

    qdict_flatten(d);
    r = qdict_crumple(d, &error_abort);
    assert_json(r, json);
    qobject_unref(r);
    qobject_unref(d);
}

static void test_subqdict_and_array(void)
{
    QDict *d = qobject_to(QDict, from_json(
        "{\"0.a\": 42, \"0.b\": 23, \"1.x\": 0, \"4.y\": 1, \"o.o\": 7, "
        "\"2\": 66}"));
    QDict *sub;
    QList *list;

    g_assert_cmpint(qdict_array_entries(d, ""), ==, -EINVAL);
    qdict_array_split(d, &list);
    assert_json(QOBJECT(list), "[{\"a\": 42, \"b\": 23}, {\"x\": 0}, 66]");
    assert_json(QOBJECT(d), "{\"4.y\": 1, \"o.o\": 7}");
    qobject_unref(list);

    qdict_extract_subqdict(d, &sub, "o.");
    assert_json(QOBJECT(sub), "{\"o\": 7}");
    assert_json(QOBJECT(d), "{\"4.y\": 1}");
    qobject_unref(sub);
    qobject_unref(d);

    d = qobject_to(QDict, from_json("{\"s.0\": 1, \"s.1.a\": 2, "
                                    "\"s.1.b\": 3, \"t\": 4}"));
    g_assert_cmpint(qdict_array_entries(d, "s."), ==, 2);
    qdict_put_int(d, "s.3", 5);
    g_assert_cmpint(qdict_array_entries(d, "s."), ==, -EINVAL);
    qobject_unref(d);
}

static void test_autoptr(void)
{
    g_autoptr(QDict) d = qdict_new();
    g_autoptr(QList) l = qlist_new();

    qdict_put_int(d, "a", 1);
    qlist_append_int(l, 1);
    g_assert_cmpuint(qdict_size(d) + qlist_size(l), ==, 2);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qobject/qnull", test_qnull);
    g_test_add_func("/qobject/qnum", test_qnum);
    g_test_add_func("/qobject/qstring", test_qstring);
    g_test_add_func("/qobject/qbool", test_qbool);
    g_test_add_func("/qobject/refcount-cast", test_refcount_and_cast);
    g_test_add_func("/qobject/qlist", test_qlist);
    g_test_add_func("/qobject/qdict/basics", test_qdict_basics);
    g_test_add_func("/qobject/qdict/large", test_qdict_large);
    g_test_add_func("/qobject/qdict/clone-join", test_qdict_clone_join_defaults);
    g_test_add_func("/qobject/is-equal", test_is_equal);
    g_test_add_func("/qobject/qdict/flatten", test_flatten);
    g_test_add_func("/qobject/qdict/crumple", test_crumple);
    g_test_add_func("/qobject/qdict/flatten-crumple",
                    test_flatten_crumple_roundtrip);
    g_test_add_func("/qobject/qdict/array-split", test_subqdict_and_array);
    g_test_add_func("/qobject/autoptr", test_autoptr);
    return g_test_run();
}
