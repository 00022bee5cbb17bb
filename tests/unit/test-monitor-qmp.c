/*
 * Unit tests of the QMP server: a QMP monitor on a unix socket chardev
 * driven in-process by a client socket.  Greeting, negotiation, ids,
 * parse errors, ordering, out-of-band, events and their rate limits,
 * pretty output, reconnection, human-monitor-command and SCM_RIGHTS.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "vireo/main-loop.h"
#include "qobject/qdict.h"
#include "qobject/qlist.h"
#include "qobject/qjson.h"
#include "qobject/qstring.h"
#include "qapi/qmp-event.h"
#include "qapi/qapi-commands-control.h"
#include "qapi/qapi-commands-monitor.h"
#include "qapi/qapi-commands-yank.h"
#include "chardev/char.h"
#include "monitor/monitor.h"
#include "monitor/hmp.h"
#include "../../monitor/monitor-internal.h"
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

static char *tmpdir;
static int chr_count;

typedef struct Client {
    int fd;
    GString *in;
} Client;

static char *new_qmp_monitor(bool pretty)
{
    char *path = g_strdup_printf("%s/qmp%d.sock", tmpdir, chr_count);
    char *label = g_strdup_printf("qmp%d", chr_count++);
    char *spec = g_strdup_printf("unix:%s,server=on,wait=off", path);
    Chardev *chr = qemu_chr_new(label, spec, NULL);

    g_assert_nonnull(chr);
    monitor_init_qmp(chr, pretty, &error_abort);
    g_free(label);
    g_free(spec);
    return path;
}

static void pump(void)
{
    main_loop_wait(true);
}

static void client_connect(Client *c, const char *path)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };

    c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    g_assert_cmpint(c->fd, >=, 0);
    g_strlcpy(addr.sun_path, path, sizeof(addr.sun_path));
    g_assert_cmpint(connect(c->fd, (struct sockaddr *)&addr, sizeof(addr)),
                    ==, 0);
    c->in = g_string_new(NULL);
}

static void client_close(Client *c)
{
    close(c->fd);
    g_string_free(c->in, true);
    c->fd = -1;
}

static void client_send(Client *c, const char *s)
{
    size_t len = strlen(s);

    g_assert_cmpint(write(c->fd, s, len), ==, len);
}

static void client_send_fd(Client *c, const char *s, int fd)
{
    char control[CMSG_SPACE(sizeof(int))] = { 0 };
    struct iovec iov = { .iov_base = (void *)s, .iov_len = strlen(s) };
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1,
        .msg_control = control, .msg_controllen = sizeof(control),
    };
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);

    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
    g_assert_cmpint(sendmsg(c->fd, &msg, 0), ==, strlen(s));
}

/* Reads whatever the server sent without blocking. */
static void client_poll(Client *c)
{
    struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
    char buf[4096];

    while (poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN)) {
        ssize_t n = read(c->fd, buf, sizeof(buf));

        if (n <= 0) {
            break;
        }
        g_string_append_len(c->in, buf, n);
    }
}

/*
 * The next message: one CRLF-terminated line, or in pretty mode the
 * lines up to the closing brace at column 0.  NULL on timeout.
 */
static char *client_recv_raw(Client *c, bool pretty, int timeout_ms)
{
    gint64 end = g_get_monotonic_time() + timeout_ms * 1000;

    for (;;) {
        const char *term = pretty ? "\r\n}\r\n" : "\r\n";
        char *p = strstr(c->in->str, term);

        if (p) {
            size_t n = p - c->in->str + (pretty ? 3 : 0);
            char *msg = g_strndup(c->in->str, n);

            g_string_erase(c->in, 0, n + 2);
            return msg;
        }
        if (g_get_monotonic_time() > end) {
            return NULL;
        }
        pump();
        client_poll(c);
        g_usleep(200);
    }
}

static QDict *client_recv(Client *c)
{
    char *line = client_recv_raw(c, false, 5000);
    QDict *d;

    g_assert_nonnull(line);
    /* One line per message: no raw newline inside. */
    g_assert_null(strchr(line, '\n'));
    d = qdict_from_json(line, &error_abort);
    g_free(line);
    return d;
}

/* Asserts nothing arrives within @ms. */
static void client_expect_silence(Client *c, int ms)
{
    char *line = client_recv_raw(c, false, ms);

    g_assert_null(line);
}

static const char *error_class(QDict *rsp)
{
    QDict *err = qdict_get_qdict(rsp, "error");

    g_assert_nonnull(err);
    return qdict_get_str(err, "class");
}

static const char *error_desc(QDict *rsp)
{
    return qdict_get_str(qdict_get_qdict(rsp, "error"), "desc");
}

static void client_negotiate(Client *c, bool oob)
{
    QDict *rsp = client_recv(c);

    g_assert_true(qdict_haskey(rsp, "QMP"));
    qobject_unref(rsp);
    client_send(c, oob ? "{\"execute\": \"qmp_capabilities\", "
                "\"arguments\": {\"enable\": [\"oob\"]}}\n" :
                "{\"execute\": \"qmp_capabilities\"}\n");
    rsp = client_recv(c);
    g_assert_true(qdict_haskey(rsp, "return"));
    qobject_unref(rsp);
}

static void test_greeting(void)
{
    char *path = new_qmp_monitor(false);
    Client c;
    QDict *rsp, *qmp, *ver;
    QList *caps;

    client_connect(&c, path);
    rsp = client_recv(&c);
    qmp = qdict_get_qdict(rsp, "QMP");
    g_assert_nonnull(qmp);
    ver = qdict_get_qdict(qmp, "version");
    g_assert_cmpint(qdict_get_int(qdict_get_qdict(ver, "qemu"), "major"),
                    ==, 9);
    g_assert_cmpint(qdict_get_int(qdict_get_qdict(ver, "qemu"), "minor"),
                    ==, 2);
    g_assert_cmpstr(qdict_get_str(ver, "package"), ==, VIREO_PKGVERSION);
    caps = qdict_get_qlist(qmp, "capabilities");
    g_assert_cmpint(qlist_size(caps), ==, 1);
    g_assert_cmpstr(qstring_get_str(qobject_to(QString, qlist_peek(caps))),
                    ==, "oob");
    qobject_unref(rsp);
    client_close(&c);
    g_free(path);
}

static void test_negotiation(void)
{
    char *path = new_qmp_monitor(false);
    Client c;
    QDict *rsp;

    client_connect(&c, path);
    qobject_unref(client_recv(&c));

    client_send(&c, "{\"execute\": \"query-version\", \"id\": 1}");
    rsp = client_recv(&c);
    g_assert_cmpstr(error_class(rsp), ==, "CommandNotFound");
    g_assert_cmpstr(error_desc(rsp), ==,
                    "Expecting capabilities negotiation with "
                    "'qmp_capabilities'");
    g_assert_cmpint(qdict_get_int(rsp, "id"), ==, 1);
    qobject_unref(rsp);

    client_send(&c, "{\"execute\": \"qmp_capabilities\", "
                "\"arguments\": {\"enable\": [\"bogus\"]}}");
    rsp = client_recv(&c);
    g_assert_cmpstr(error_class(rsp), ==, "GenericError");
    qobject_unref(rsp);

    client_send(&c, "{\"execute\": \"qmp_capabilities\"}");
    rsp = client_recv(&c);
    g_assert_true(qdict_haskey(rsp, "return"));
    qobject_unref(rsp);

    client_send(&c, "{\"execute\": \"qmp_capabilities\"}");
    rsp = client_recv(&c);
    g_assert_cmpstr(error_class(rsp), ==, "CommandNotFound");
    g_assert_cmpstr(error_desc(rsp), ==, "Capabilities negotiation is "
                    "already complete, command ignored");
    qobject_unref(rsp);

    client_send(&c, "{\"execute\": \"query-version\"}");
    rsp = client_recv(&c);
    g_assert_cmpint(qdict_get_int(qdict_get_qdict(
                        qdict_get_qdict(rsp, "return"), "qemu"), "major"),
                    ==, 9);
    qobject_unref(rsp);
    client_close(&c);
    g_free(path);
}

static void test_ids_and_errors(void)
{
    char *path = new_qmp_monitor(false);
    Client c;
    QDict *rsp;
    GString *id;

    client_connect(&c, path);
    client_negotiate(&c, false);

    client_send(&c, "{\"execute\": \"query-version\", "
                "\"id\": {\"a\": [1, \"x\", null, true]}}");
    rsp = client_recv(&c);
    id = qobject_to_json(qdict_get(rsp, "id"));
    g_assert_cmpstr(id->str, ==, "{\"a\": [1, \"x\", null, true]}");
    g_string_free(id, true);
    qobject_unref(rsp);

    /* Malformed JSON: an error without id, and the session goes on. */
    client_send(&c, "{\"execute\": \"query-version\", \"id\": 5]\n");
    rsp = client_recv(&c);
    g_assert_cmpstr(error_class(rsp), ==, "GenericError");
    g_assert_false(qdict_haskey(rsp, "id"));
    qobject_unref(rsp);

    client_send(&c, "[1, 2]");
    rsp = client_recv(&c);
    g_assert_cmpstr(error_desc(rsp), ==, "QMP input must be a JSON object");
    qobject_unref(rsp);

    client_send(&c, "{\"execute\": \"no-such-command\", \"id\": \"x\"}");
    rsp = client_recv(&c);
    g_assert_cmpstr(error_class(rsp), ==, "CommandNotFound");
    g_assert_cmpstr(qdict_get_str(rsp, "id"), ==, "x");
    qobject_unref(rsp);

    client_send(&c, "{\"execute\": \"query-version\", \"id\": 9}");
    rsp = client_recv(&c);
    g_assert_true(qdict_haskey(rsp, "return"));
    g_assert_cmpint(qdict_get_int(rsp, "id"), ==, 9);
    qobject_unref(rsp);
    client_close(&c);
    g_free(path);
}

static void test_ordering(void)
{
    char *path = new_qmp_monitor(false);
    GString *batch = g_string_new(NULL);
    Client c;
    int i;

    client_connect(&c, path);
    client_negotiate(&c, false);
    /* Far more than the queue holds, in one write. */
    for (i = 0; i < 200; i++) {
        g_string_append_printf(batch, "{\"execute\": \"query-version\", "
                               "\"id\": %d}", i);
    }
    client_send(&c, batch->str);
    for (i = 0; i < 200; i++) {
        QDict *rsp = client_recv(&c);

        g_assert_cmpint(qdict_get_int(rsp, "id"), ==, i);
        qobject_unref(rsp);
    }
    g_string_free(batch, true);
    client_close(&c);
    g_free(path);
}

static void test_oob(void)
{
    char *path = new_qmp_monitor(false);
    Client c;
    QDict *rsp;
    int i;

    client_connect(&c, path);

    /* Without the capability, exec-oob is not a valid member. */
    client_negotiate(&c, false);
    client_send(&c, "{\"exec-oob\": \"query-yank\", \"id\": 1}");
    rsp = client_recv(&c);
    g_assert_cmpstr(error_class(rsp), ==, "GenericError");
    qobject_unref(rsp);
    client_close(&c);

    client_connect(&c, path);
    client_negotiate(&c, true);
    client_send(&c,
                "{\"execute\": \"query-version\", \"id\": 1}"
                "{\"execute\": \"query-version\", \"id\": 2}"
                "{\"execute\": \"query-version\", \"id\": 3}"
                "{\"exec-oob\": \"query-yank\", \"id\": \"oob\"}");
    rsp = client_recv(&c);
    /* The out-of-band request overtakes the queued in-band ones. */
    g_assert_cmpstr(qdict_get_str(rsp, "id"), ==, "oob");
    qobject_unref(rsp);
    for (i = 1; i <= 3; i++) {
        rsp = client_recv(&c);
        g_assert_cmpint(qdict_get_int(rsp, "id"), ==, i);
        qobject_unref(rsp);
    }

    client_send(&c, "{\"exec-oob\": \"query-version\", \"id\": 4}");
    rsp = client_recv(&c);
    g_assert_cmpstr(error_desc(rsp), ==,
                    "The command query-version does not support OOB");
    qobject_unref(rsp);
    client_close(&c);
    g_free(path);
}

static void emit(const char *name, const char *key, const char *val,
                 int64_t n)
{
    QDict *ev = qmp_event_build_dict(name);
    QDict *data = qdict_new();

    if (key) {
        qdict_put_str(data, key, val);
    }
    qdict_put_int(data, "offset", n);
    qdict_put(ev, "data", data);
    monitor_qapi_event_emit_named(name, ev);
    qobject_unref(ev);
}

static void test_events(void)
{
    char *path = new_qmp_monitor(false);
    Client c;
    QDict *ev, *ts;

    client_connect(&c, path);
    qobject_unref(client_recv(&c));
    /* Not negotiated yet: no events. */
    emit("TEST_EVENT", NULL, NULL, 1);
    client_expect_silence(&c, 100);

    client_send(&c, "{\"execute\": \"qmp_capabilities\"}");
    qobject_unref(client_recv(&c));
    emit("TEST_EVENT", NULL, NULL, 2);
    ev = client_recv(&c);
    g_assert_cmpstr(qdict_get_str(ev, "event"), ==, "TEST_EVENT");
    ts = qdict_get_qdict(ev, "timestamp");
    g_assert_cmpint(qdict_get_int(ts, "seconds"), >,
                    g_get_real_time() / G_USEC_PER_SEC - 10);
    g_assert_cmpint(qdict_get_int(ts, "microseconds"), <, 1000000);
    g_assert_cmpint(qdict_get_int(qdict_get_qdict(ev, "data"), "offset"),
                    ==, 2);
    qobject_unref(ev);
    client_close(&c);
    g_free(path);
}

static void test_event_rate_limit(void)
{
    char *path = new_qmp_monitor(false);
    Client c;
    QDict *ev;

    monitor_set_event_rate_ms(300);
    client_connect(&c, path);
    client_negotiate(&c, false);

    emit("RTC_CHANGE", NULL, NULL, 1);
    emit("RTC_CHANGE", NULL, NULL, 2);
    emit("RTC_CHANGE", NULL, NULL, 3);
    /* Instances keyed by "id" are limited separately. */
    emit("VSERPORT_CHANGE", "id", "a", 1);
    emit("VSERPORT_CHANGE", "id", "b", 1);
    emit("VSERPORT_CHANGE", "id", "a", 2);

    ev = client_recv(&c);
    g_assert_cmpstr(qdict_get_str(ev, "event"), ==, "RTC_CHANGE");
    g_assert_cmpint(qdict_get_int(qdict_get_qdict(ev, "data"), "offset"),
                    ==, 1);
    qobject_unref(ev);
    ev = client_recv(&c);
    g_assert_cmpstr(qdict_get_str(qdict_get_qdict(ev, "data"), "id"), ==, "a");
    qobject_unref(ev);
    ev = client_recv(&c);
    g_assert_cmpstr(qdict_get_str(qdict_get_qdict(ev, "data"), "id"), ==, "b");
    qobject_unref(ev);
    client_expect_silence(&c, 100);

    /* After the period only the latest held-back event of each arrives. */
    ev = client_recv(&c);
    g_assert_cmpstr(qdict_get_str(ev, "event"), ==, "RTC_CHANGE");
    g_assert_cmpint(qdict_get_int(qdict_get_qdict(ev, "data"), "offset"),
                    ==, 3);
    qobject_unref(ev);
    ev = client_recv(&c);
    g_assert_cmpstr(qdict_get_str(ev, "event"), ==, "VSERPORT_CHANGE");
    g_assert_cmpint(qdict_get_int(qdict_get_qdict(ev, "data"), "offset"),
                    ==, 2);
    qobject_unref(ev);
    client_expect_silence(&c, 700);
    monitor_set_event_rate_ms(1000);
    client_close(&c);
    g_free(path);
}

static void test_pretty(void)
{
    char *path = new_qmp_monitor(true);
    Client c;
    char *msg;
    QDict *d;

    client_connect(&c, path);
    msg = client_recv_raw(&c, true, 5000);
    g_assert_nonnull(msg);
    g_assert_true(g_str_has_prefix(msg, "{\r\n    \"QMP\": {\r\n"));
    d = qdict_from_json(msg, &error_abort);
    g_assert_true(qdict_haskey(d, "QMP"));
    qobject_unref(d);
    g_free(msg);
    client_close(&c);
    g_free(path);
}

static void test_reconnect(void)
{
    char *path = new_qmp_monitor(false);
    Client c;
    QDict *rsp;

    client_connect(&c, path);
    client_negotiate(&c, false);
    /* Leave in the middle of a message. */
    client_send(&c, "{\"execute\": \"query-ver");
    pump();
    client_close(&c);
    pump();

    client_connect(&c, path);
    qobject_unref(client_recv(&c));
    /* A new session: negotiation again, no leftover input. */
    client_send(&c, "{\"execute\": \"query-version\"}");
    rsp = client_recv(&c);
    g_assert_cmpstr(error_class(rsp), ==, "CommandNotFound");
    qobject_unref(rsp);
    client_close(&c);
    g_free(path);
}

static void hmp_test_echo(Monitor *mon, const QDict *qdict)
{
    monitor_printf(mon, "echo: %s|%s\n", qdict_get_str(qdict, "word"),
                   qdict_get_try_str(qdict, "rest") ?: "-");
}

static const HMPCommand test_info_cmds[] = {
    { "history", "", "", "show the command line history", hmp_info_history },
    { NULL },
};

static const HMPCommand test_cmds[] = {
    { "help|?", "name:S?", "[cmd]", "show the help", hmp_help },
    { "echo|e", "word:s,rest:S?", "word [rest]", "print arguments",
      hmp_test_echo },
    { "info", "item:s?", "[subcommand]", "show information", hmp_info_help,
      test_info_cmds },
    { NULL },
};

static void check_hmp(const char *cmdline, const char *want)
{
    Error *err = NULL;
    char *out = qmp_human_monitor_command(cmdline, false, 0, &err);

    g_assert_null(err);
    g_assert_cmpstr(out, ==, want);
    g_free(out);
}

static void test_hmp(void)
{
    check_hmp("echo hi", "echo: hi|-\r\n");
    /* Every newline goes out as CR LF, as QEMU writes it. */
    check_hmp("e \"a b\\n\"  the rest  ", "echo: a b\r\n|the rest\r\n");
    check_hmp("foo", "unknown command: 'foo'\r\n");
    check_hmp("info bogus", "unknown command: 'info bogus'\r\n");
    check_hmp("echo", "echo|e: string expected\r\n");
    check_hmp("help echo", "echo|e word [rest] -- print arguments\r\n");
    check_hmp("info", "info history  -- show the command line history\r\n");
    check_hmp("", "");
}

static void test_fd_passing(void)
{
    char *path = new_qmp_monitor(false);
    char *file = g_strdup_printf("%s/data", tmpdir);
    Client c;
    QDict *rsp, *ret;
    QList *sets;
    int pipefd[2], ffd, dfd, fdnum;

    client_connect(&c, path);
    client_negotiate(&c, false);

    client_send(&c, "{\"execute\": \"getfd\", \"arguments\": "
                "{\"fdname\": \"p\"}}");
    rsp = client_recv(&c);
    g_assert_cmpstr(error_desc(rsp), ==,
                    "No file descriptor supplied via SCM_RIGHTS");
    qobject_unref(rsp);

    g_assert_cmpint(pipe(pipefd), ==, 0);
    client_send_fd(&c, "{\"execute\": \"getfd\", \"arguments\": "
                   "{\"fdname\": \"p\"}}", pipefd[0]);
    rsp = client_recv(&c);
    g_assert_true(qdict_haskey(rsp, "return"));
    qobject_unref(rsp);

    client_send_fd(&c, "{\"execute\": \"getfd\", \"arguments\": "
                   "{\"fdname\": \"1p\"}}", pipefd[0]);
    rsp = client_recv(&c);
    g_assert_cmpstr(error_desc(rsp), ==, "Parameter 'fdname' expects a "
                    "name not starting with a digit");
    qobject_unref(rsp);

    client_send(&c, "{\"execute\": \"closefd\", \"arguments\": "
                "{\"fdname\": \"p\"}}");
    rsp = client_recv(&c);
    g_assert_true(qdict_haskey(rsp, "return"));
    qobject_unref(rsp);
    client_send(&c, "{\"execute\": \"closefd\", \"arguments\": "
                "{\"fdname\": \"p\"}}");
    rsp = client_recv(&c);
    g_assert_cmpstr(error_desc(rsp), ==,
                    "File descriptor named 'p' not found");
    qobject_unref(rsp);

    ffd = open(file, O_RDWR | O_CREAT, 0600);
    g_assert_cmpint(ffd, >=, 0);
    client_send_fd(&c, "{\"execute\": \"add-fd\", \"arguments\": "
                   "{\"fdset-id\": 3, \"opaque\": \"rw\"}}", ffd);
    rsp = client_recv(&c);
    ret = qdict_get_qdict(rsp, "return");
    g_assert_cmpint(qdict_get_int(ret, "fdset-id"), ==, 3);
    fdnum = qdict_get_int(ret, "fd");
    qobject_unref(rsp);

    client_send(&c, "{\"execute\": \"query-fdsets\"}");
    rsp = client_recv(&c);
    sets = qdict_get_qlist(rsp, "return");
    g_assert_cmpint(qlist_size(sets), ==, 1);
    ret = qobject_to(QDict, qlist_peek(sets));
    g_assert_cmpint(qdict_get_int(ret, "fdset-id"), ==, 3);
    qobject_unref(rsp);

    dfd = monitor_fdset_open("/dev/fdset/3", O_RDWR);
    g_assert_cmpint(dfd, >=, 0);
    g_assert_cmpint(monitor_fdset_dup_fd_find(dfd), ==, 3);
    g_assert_cmpint(write(dfd, "x", 1), ==, 1);
    g_assert_cmpint(monitor_fdset_open("/dev/fdset/3", O_RDONLY), ==, -1);
    g_assert_cmpint(errno, ==, EACCES);
    g_assert_cmpint(monitor_fdset_open("/dev/fdset/4", O_RDWR), ==, -1);
    g_assert_cmpint(errno, ==, ENOENT);
    monitor_fdset_dup_fd_remove(dfd);
    close(dfd);

    client_send(&c, "{\"execute\": \"remove-fd\", \"arguments\": "
                "{\"fdset-id\": 3, \"fd\": 999}}");
    rsp = client_recv(&c);
    g_assert_cmpstr(error_desc(rsp), ==,
                    "File descriptor named 'fdset-id:3, fd:999' not found");
    qobject_unref(rsp);
    g_assert_cmpint(fdnum, >, 2);

    close(pipefd[0]);
    close(pipefd[1]);
    close(ffd);
    unlink(file);
    g_free(file);
    client_close(&c);
    g_free(path);
}

int main(int argc, char **argv)
{
    int ret;

    g_test_init(&argc, &argv, NULL);
    qemu_init_main_loop(&error_abort);
    bql_lock();     /* the main loop runs with the big lock, as in Vireo */
    tmpdir = g_dir_make_tmp("vireo-test-monitor-XXXXXX", NULL);

    monitor_init_globals_core();
    qmp_register_command(&qmp_commands, "qmp_capabilities",
                         qmp_marshal_qmp_capabilities, QCO_ALLOW_PRECONFIG,
                         0);
    qmp_register_command(&qmp_commands, "query-version",
                         qmp_marshal_query_version, QCO_ALLOW_PRECONFIG, 0);
    qmp_register_command(&qmp_commands, "query-yank",
                         qmp_marshal_query_yank, QCO_ALLOW_OOB, 0);
    qmp_register_command(&qmp_commands, "getfd", qmp_marshal_getfd, 0, 0);
    qmp_register_command(&qmp_commands, "closefd", qmp_marshal_closefd, 0, 0);
    qmp_register_command(&qmp_commands, "add-fd", qmp_marshal_add_fd, 0, 0);
    qmp_register_command(&qmp_commands, "remove-fd", qmp_marshal_remove_fd,
                         0, 0);
    qmp_register_command(&qmp_commands, "query-fdsets",
                         qmp_marshal_query_fdsets, 0, 0);
    hmp_set_command_tables(test_cmds, test_info_cmds);

    g_test_add_func("/monitor/qmp/greeting", test_greeting);
    g_test_add_func("/monitor/qmp/negotiation", test_negotiation);
    g_test_add_func("/monitor/qmp/ids-and-errors", test_ids_and_errors);
    g_test_add_func("/monitor/qmp/ordering", test_ordering);
    g_test_add_func("/monitor/qmp/oob", test_oob);
    g_test_add_func("/monitor/qmp/events", test_events);
    g_test_add_func("/monitor/qmp/event-rate-limit", test_event_rate_limit);
    g_test_add_func("/monitor/qmp/pretty", test_pretty);
    g_test_add_func("/monitor/qmp/reconnect", test_reconnect);
    g_test_add_func("/monitor/hmp/human-monitor-command", test_hmp);
    g_test_add_func("/monitor/qmp/fd-passing", test_fd_passing);
    ret = g_test_run();
    monitor_cleanup();
    rmdir(tmpdir);
    g_free(tmpdir);
    return ret;
}
