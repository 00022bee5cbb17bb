/*
 * Unit tests of QMP dispatch over the test schema's commands: request
 * validation messages, id echo, argument errors, success-response false,
 * OOB rules, events and introspection shape.
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
#include "qapi/qmp-dispatch.h"
#include "qapi/qmp-event.h"
#include "qapi/test-qapi-commands.h"
#include "qapi/test-qapi-events.h"
#include "qapi/test-qapi-emit-events.h"
#include "qapi/test-qapi-init-commands.h"
#include "qapi/test-qapi-introspect.h"

static QmpCommandList cmds;
static int silent_calls;
static QDict *last_event;
static test_QAPIEvent last_event_id;

TestOne *qmp_test_add(int64_t a, bool has_b, int64_t b, Error **errp)
{
    TestOne *ret = g_new0(TestOne, 1);

    ret->first = a + (has_b ? b : 0);
    return ret;
}

QObject *qmp_test_echo(QObject *value, Error **errp)
{
    return qobject_ref(value);
}

void qmp_test_boxed(TestInner *arg, Error **errp)
{
    if (arg->has_port && arg->port == 0) {
        error_setg(errp, "port 0 refused for %s", arg->addr);
    }
}

void qmp_test_silent(Error **errp)
{
    silent_calls++;
}

void qmp_test_oob(Error **errp)
{
}

void qmp_test_fail(Error **errp)
{
    error_set(errp, ERROR_CLASS_DEVICE_NOT_FOUND, "Device 'x' not found");
}

TestInnerList *qmp_test_list(Error **errp)
{
    TestInnerList *list = NULL;
    TestInner *in = g_new0(TestInner, 1);

    in->addr = g_strdup("here");
    QAPI_LIST_PREPEND(list, in);
    return list;
}

void test_qapi_event_emit(test_QAPIEvent event, QDict *qdict)
{
    qobject_unref(last_event);
    last_event = qobject_ref(qdict);
    last_event_id = event;
}

/* Dispatches @json and returns the response as compact JSON. */
static char *dispatch(const char *json, bool allow_oob)
{
    QObject *req = qobject_from_json(json, &error_abort);
    QDict *rsp = qmp_dispatch(&cmds, req, allow_oob, NULL);
    char *out = NULL;

    if (rsp) {
        GString *s = qobject_to_json(QOBJECT(rsp));

        out = g_string_free(s, false);
        qobject_unref(rsp);
    }
    qobject_unref(req);
    return out;
}

/* Dispatches @json, expecting a GenericError with @desc. */
static void expect_error(const char *json, const char *cls, const char *desc)
{
    QObject *req = qobject_from_json(json, &error_abort);
    QDict *rsp = qmp_dispatch(&cmds, req, false, NULL);
    QDict *err = qdict_get_qdict(rsp, "error");

    g_assert(err);
    g_assert_cmpstr(qdict_get_str(err, "class"), ==, cls);
    g_assert_cmpstr(qdict_get_str(err, "desc"), ==, desc);
    qobject_unref(rsp);
    qobject_unref(req);
}

static void test_request_errors(void)
{
    const char *g = "GenericError";

    expect_error("[1]", g, "QMP input must be a JSON object");
    expect_error("{'execute': 1}", g,
                 "QMP input member 'execute' must be a string");
    expect_error("{'execute': 'test-oob', 'arguments': []}", g,
                 "QMP input member 'arguments' must be an object");
    expect_error("{'execute': 'test-oob', 'foo': 1}", g,
                 "QMP input member 'foo' is unexpected");
    expect_error("{'arguments': {}}", g, "QMP input lacks member 'execute'");
    expect_error("{'exec-oob': 'test-oob'}", g,
                 "QMP input member 'exec-oob' is unexpected");
    expect_error("{'execute': 'nope'}", "CommandNotFound",
                 "The command nope has not been found");
    expect_error("{'execute': 'test-if'}", "CommandNotFound",
                 "The command test-if has not been found");
    expect_error("{'execute': 'test-fail'}", "DeviceNotFound",
                 "Device 'x' not found");
    expect_error("{'execute': 'test-add'}", g, "Parameter 'a' is missing");
    expect_error("{'execute': 'test-add', 'arguments': {'a': 1, 'c': 2}}", g,
                 "Parameter 'c' is unexpected");
    expect_error("{'execute': 'test-oob', 'arguments': {'x': 1}}", g,
                 "Parameter 'x' is unexpected");
    expect_error("{'execute': 'test-boxed', 'arguments': {'addr': 'h',"
                 " 'port': 0}}", g, "port 0 refused for h");
}

static void test_success(void)
{
    g_autofree char *r1 = dispatch("{'execute': 'test-add', 'arguments':"
                                   " {'a': 2, 'b': 3}, 'id': [1, 'x']}",
                                   false);
    g_autofree char *r2 = dispatch("{'execute': 'test-oob'}", false);
    g_autofree char *r3 = dispatch("{'execute': 'test-echo', 'arguments':"
                                   " {'value': 'v'}}", false);
    g_autofree char *r4 = dispatch("{'execute': 'test-silent', 'id': 1}",
                                   false);
    g_autofree char *r5 = dispatch("{'exec-oob': 'test-oob', 'id': 2}", true);
    g_autofree char *r6 = dispatch("{'exec-oob': 'test-add', 'id': 3}", true);
    g_autofree char *r7 = dispatch("{'execute': 'test-list'}", false);

    g_assert(strstr(r1, "\"return\": {\"first\": 5}") ||
             strstr(r1, "\"return\":{\"first\":5}"));
    g_assert(strstr(r1, "\"id\""));
    g_assert(strstr(r1, "\"x\""));
    g_assert(strstr(r2, "\"return\""));
    g_assert(strstr(r3, "\"v\""));
    g_assert(!r4);
    g_assert_cmpint(silent_calls, ==, 1);
    g_assert(strstr(r5, "\"return\""));
    g_assert(strstr(r6, "The command test-add does not support OOB"));
    g_assert(strstr(r7, "here"));
}

static void test_disable(void)
{
    qmp_disable_command(&cmds, "test-oob", NULL);
    expect_error("{'execute': 'test-oob'}", "CommandNotFound",
                 "Command test-oob has been disabled");
    qmp_enable_command(&cmds, "test-oob");
}

static void test_events(void)
{
    QDict *data;

    qapi_event_send_test_event(TEST_KIND_TWO, true, 5);
    g_assert_cmpint(last_event_id, ==, TEST_QAPI_EVENT_TEST_EVENT);
    g_assert_cmpstr(qdict_get_str(last_event, "event"), ==, "TEST_EVENT");
    g_assert(qdict_get_qdict(last_event, "timestamp"));
    data = qdict_get_qdict(last_event, "data");
    g_assert_cmpstr(qdict_get_str(data, "kind"), ==, "two");
    qapi_event_send_test_plain();
    g_assert(!qdict_haskey(last_event, "data"));
    qobject_unref(last_event);
    last_event = NULL;
}

static void test_introspection(void)
{
    QObject *schema = qapi_lit_to_qobject(&test_qmp_schema_qlit);
    QList *list = qobject_to(QList, schema);
    const QListEntry *e;
    bool saw_add = false, saw_int = false, saw_if = false;

    g_assert(list);
    for (e = qlist_first(list); e; e = qlist_next(e)) {
        QDict *info = qobject_to(QDict, qlist_entry_obj(e));
        const char *name = qdict_get_str(info, "name");
        const char *meta = qdict_get_str(info, "meta-type");

        if (!strcmp(name, "test-add")) {
            saw_add = true;
            g_assert_cmpstr(meta, ==, "command");
            /* Non-builtin type names are masked as numbers. */
            g_assert(g_ascii_isdigit(qdict_get_str(info, "arg-type")[0]));
        } else if (!strcmp(name, "int")) {
            saw_int = true;
            g_assert_cmpstr(qdict_get_str(info, "json-type"), ==, "int");
        } else if (!strcmp(name, "test-if")) {
            saw_if = true;
        } else if (!strcmp(name, "test-oob")) {
            g_assert(qdict_haskey(info, "allow-oob"));
        }
    }
    g_assert(saw_add && saw_int && !saw_if);
    qobject_unref(schema);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    test_qmp_init_marshal(&cmds);
    g_test_add_func("/qmp/dispatch/request-errors", test_request_errors);
    g_test_add_func("/qmp/dispatch/success", test_success);
    g_test_add_func("/qmp/dispatch/disable", test_disable);
    g_test_add_func("/qmp/events", test_events);
    g_test_add_func("/qmp/introspection", test_introspection);
    return g_test_run();
}
