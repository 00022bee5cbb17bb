/*
 * Unit tests of the QAPI visitors over the test schema: strict QObject
 * input and its messages, keyval input, output, dealloc and clone.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "qobject/qdict.h"
#include "qobject/qjson.h"
#include "qobject/qlist.h"
#include "qobject/qnum.h"
#include "qobject/qstring.h"
#include "qapi/clone-visitor.h"
#include "qapi/qobject-input-visitor.h"
#include "qapi/qobject-output-visitor.h"
#include "qapi/test-qapi-visit.h"

static Visitor *visitor_for(const char *json)
{
    QObject *obj = qobject_from_json(json, &error_abort);
    Visitor *v = qobject_input_visitor_new(obj);

    qobject_unref(obj);
    return v;
}

/* Visits @json as a TestStruct and returns the error message or NULL. */
static char *struct_error(const char *json)
{
    Visitor *v = visitor_for(json);
    TestStruct *s = NULL;
    Error *err = NULL;
    char *msg = NULL;

    if (!visit_type_TestStruct(v, NULL, &s, &err)) {
        g_assert(!s);
        msg = g_strdup(error_get_pretty(err));
        error_free(err);
    }
    qapi_free_TestStruct(s);
    visit_free(v);
    return msg;
}

static void test_struct_ok(void)
{
    Visitor *v = visitor_for("{'kind': 'two', 'integer': -5, 'boolean': true,"
                             " 'string': 'x', 'inner': {'addr': 'h',"
                             " 'port': 80}, 'list': [1, 2, 3],"
                             " 'default': 'a-b'}");
    TestStruct *s = NULL;
    intList *l;
    int n = 0;

    g_assert(visit_type_TestStruct(v, NULL, &s, &error_abort));
    g_assert_cmpint(s->kind, ==, TEST_KIND_TWO);
    g_assert(!s->tag);
    g_assert_cmpint(s->integer, ==, -5);
    g_assert(s->boolean);
    g_assert_cmpstr(s->string, ==, "x");
    g_assert(!s->has_number);
    g_assert_cmpstr(s->inner->addr, ==, "h");
    g_assert(s->inner->has_port && s->inner->port == 80);
    for (l = s->list; l; l = l->next) {
        g_assert_cmpint(l->value, ==, ++n);
    }
    g_assert_cmpint(n, ==, 3);
    g_assert(s->has_q_default && s->q_default == TP_A_B);
    g_assert_cmpstr(TestPrefixed_str(s->q_default), ==, "a-b");
    qapi_free_TestStruct(s);
    visit_free(v);
}

static void test_struct_errors(void)
{
    static const struct {
        const char *json, *msg;
    } cases[] = {
        { "{'kind': 'one', 'boolean': true, 'string': 'x'}",
          "Parameter 'integer' is missing" },
        { "{'kind': 'one', 'integer': 'no', 'boolean': true, 'string': 'x'}",
          "Invalid parameter type for 'integer', expected: integer" },
        { "{'kind': 'one', 'integer': 1, 'boolean': 1, 'string': 'x'}",
          "Invalid parameter type for 'boolean', expected: boolean" },
        { "{'kind': 'one', 'integer': 1, 'boolean': true, 'string': 'x',"
          " 'bogus': 1}", "Parameter 'bogus' is unexpected" },
        { "{'kind': 'four', 'integer': 1, 'boolean': true, 'string': 'x'}",
          "Parameter 'kind' does not accept value 'four'" },
        { "{'kind': 'one', 'integer': 1, 'boolean': true, 'string': 'x',"
          " 'inner': {'port': 1}}", "Parameter 'inner.addr' is missing" },
        { "{'kind': 'one', 'integer': 1, 'boolean': true, 'string': 'x',"
          " 'inner': {'addr': 'a', 'port': 70000}}",
          "Parameter 'port' expects uint16_t" },
        { "{'kind': 'one', 'integer': 1, 'boolean': true, 'string': 'x',"
          " 'inners': [{'addr': 'a'}, {'addr': 1}]}",
          "Invalid parameter type for 'inners[1].addr', expected: string" },
        { "{'kind': 'one', 'integer': 1, 'boolean': true, 'string': 'x',"
          " 'list': {}}",
          "Invalid parameter type for 'list', expected: array" },
        { "[]", "Invalid parameter type for '<anonymous>', expected: object" },
    };
    size_t i;

    for (i = 0; i < ARRAY_SIZE(cases); i++) {
        g_autofree char *msg = struct_error(cases[i].json);

        g_assert_cmpstr(msg, ==, cases[i].msg);
    }
}

static void test_union_and_alternate(void)
{
    Visitor *v = visitor_for("{'kind': 'two', 'second': 's', 'common': 3}");
    TestUnion *u = NULL;
    TestAltHolder *h = NULL;

    g_assert(visit_type_TestUnion(v, NULL, &u, &error_abort));
    g_assert_cmpint(u->kind, ==, TEST_KIND_TWO);
    g_assert(u->has_common && u->common == 3);
    g_assert_cmpstr(u->u.two.second, ==, "s");
    qapi_free_TestUnion(u);
    visit_free(v);

    v = visitor_for("{'alt': {'addr': 'x'}}");
    g_assert(visit_type_TestAltHolder(v, NULL, &h, &error_abort));
    g_assert_cmpint(h->alt->type, ==, QTYPE_QDICT);
    g_assert_cmpstr(h->alt->u.o.addr, ==, "x");
    qapi_free_TestAltHolder(h);
    visit_free(v);

    v = visitor_for("{'alt': 42}");
    g_assert(visit_type_TestAltHolder(v, NULL, &h, &error_abort));
    g_assert_cmpint(h->alt->type, ==, QTYPE_QNUM);
    g_assert_cmpint(h->alt->u.i, ==, 42);
    qapi_free_TestAltHolder(h);
    visit_free(v);
}

static void test_keyval(void)
{
    QDict *args = qdict_new();
    QDict *inner = qdict_new();
    TestStruct *s = NULL;
    Error *err = NULL;
    Visitor *v;

    qdict_put_str(args, "kind", "one");
    qdict_put_str(args, "integer", "0x10");
    qdict_put_str(args, "boolean", "on");
    qdict_put_str(args, "string", "str");
    qdict_put_str(args, "size", "2k");
    qdict_put_str(inner, "addr", "a");
    qdict_put(args, "inner", inner);
    v = qobject_input_visitor_new_keyval(QOBJECT(args));
    g_assert(visit_type_TestStruct(v, NULL, &s, &error_abort));
    g_assert_cmpint(s->integer, ==, 16);
    g_assert(s->boolean);
    g_assert(s->has_size && s->size == 2048);
    g_assert_cmpstr(s->inner->addr, ==, "a");
    qapi_free_TestStruct(s);
    visit_free(v);

    qdict_put_str(args, "boolean", "maybe");
    v = qobject_input_visitor_new_keyval(QOBJECT(args));
    g_assert(!visit_type_TestStruct(v, NULL, &s, &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Parameter 'boolean' expects 'on' or 'off'");
    error_free(err);
    visit_free(v);
    qobject_unref(args);
}

static void test_output_and_clone(void)
{
    TestStruct *s = g_new0(TestStruct, 1);
    TestStruct *copy;
    QObject *out = NULL;
    QDict *d;
    Visitor *v;

    s->kind = TEST_KIND_THREE;
    s->integer = 7;
    s->string = g_strdup("hello");
    s->has_i8 = true;
    s->i8 = -3;
    s->has_list = true;
    QAPI_LIST_PREPEND(s->list, 9);
    /* Present but empty: an optional array keeps its has_ flag. */
    s->has_inners = true;
    v = qobject_output_visitor_new(&out);
    g_assert(visit_type_TestStruct(v, NULL, &s, &error_abort));
    visit_complete(v, &out);
    visit_free(v);
    d = qobject_to(QDict, out);
    g_assert(d);
    g_assert_cmpstr(qdict_get_str(d, "kind"), ==, "three");
    g_assert_cmpstr(qdict_get_str(d, "string"), ==, "hello");
    g_assert_cmpint(qnum_get_int(qobject_to(QNum, qdict_get(d, "i8"))), ==,
                    -3);
    g_assert(!qdict_haskey(d, "number"));
    g_assert(!qdict_haskey(d, "inner"));
    g_assert(qdict_haskey(d, "list"));
    g_assert(qdict_haskey(d, "inners"));
    g_assert_cmpint(qlist_size(qobject_to(QList, qdict_get(d, "inners"))),
                    ==, 0);
    qobject_unref(out);

    copy = QAPI_CLONE(TestStruct, s);
    g_assert(copy != s);
    g_assert_cmpstr(copy->string, ==, "hello");
    g_assert_cmpint(copy->list->value, ==, 9);
    qapi_free_TestStruct(copy);
    qapi_free_TestStruct(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/visitor/input/struct", test_struct_ok);
    g_test_add_func("/visitor/input/errors", test_struct_errors);
    g_test_add_func("/visitor/input/union-alternate",
                    test_union_and_alternate);
    g_test_add_func("/visitor/input/keyval", test_keyval);
    g_test_add_func("/visitor/output-clone", test_output_and_clone);
    return g_test_run();
}
