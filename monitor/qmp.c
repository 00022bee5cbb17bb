/*
 * QMP server: greeting, capabilities negotiation, JSON framing through
 * the streaming parser, in-order dispatch of in-band requests, immediate
 * execution of out-of-band ones, one-line CRLF responses.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "qobject/qdict.h"
#include "qobject/qjson.h"
#include "qobject/qlist.h"
#include "qobject/qstring.h"
#include "qapi/qapi-commands-control.h"
#include "chardev/char.h"
#include "monitor-internal.h"

QmpCommandList qmp_commands;
QmpCommandList qmp_cap_negotiation_commands;

/* Bytes offered to the chardev per read; the parser takes any amount. */
#define QMP_READ_CHUNK 4096

typedef struct QMPRequest {
    QObject *req;           /* NULL if the input was malformed */
    Error *err;
} QMPRequest;

static void qmp_request_free(QMPRequest *r)
{
    qobject_unref(r->req);
    if (r->err) {
        error_free(r->err);
    }
    g_free(r);
}

void monitor_qmp_send_response(MonitorQMP *mon, const QDict *rsp)
{
    GString *json;

    if (mon->pretty) {
        GString *raw = qobject_to_json_pretty(QOBJECT(rsp), true);
        const char *p;

        json = g_string_sized_new(raw->len + raw->len / 8 + 4);
        for (p = raw->str; *p; p++) {
            if (*p == '\n') {
                g_string_append_c(json, '\r');
            }
            g_string_append_c(json, *p);
        }
        g_string_free(raw, true);
    } else {
        /* Compact JSON never contains a raw newline. */
        json = qobject_to_json(QOBJECT(rsp));
    }
    g_string_append_len(json, "\r\n", 2);
    g_rec_mutex_lock(&mon->common.lock);
    monitor_write_locked(&mon->common, json->str, json->len);
    g_rec_mutex_unlock(&mon->common.lock);
    g_string_free(json, true);
}

static QDict *qmp_greeting(MonitorQMP *mon)
{
    QDict *greeting = qdict_new();
    QDict *qmp = qdict_new();
    QList *caps = qlist_new();
    VersionInfo *info = qmp_query_version(&error_abort);
    QDict *version = qdict_new();
    QDict *triple = qdict_new();
    int i;

    qdict_put_int(triple, "micro", info->qemu->micro);
    qdict_put_int(triple, "minor", info->qemu->minor);
    qdict_put_int(triple, "major", info->qemu->major);
    qdict_put(version, "qemu", triple);
    qdict_put_str(version, "package", info->package);
    qapi_free_VersionInfo(info);
    for (i = 0; i < QMP_CAPABILITY__MAX; i++) {
        if (mon->capab_offered[i]) {
            qlist_append_str(caps, QMPCapability_str(i));
        }
    }
    qdict_put(qmp, "version", version);
    qdict_put(qmp, "capabilities", caps);
    qdict_put(greeting, "QMP", qmp);
    return greeting;
}

void qmp_caps_reset(MonitorQMP *mon)
{
    memset(mon->capab, 0, sizeof(mon->capab));
    mon->negotiated = false;
}

static bool qmp_oob_enabled(MonitorQMP *mon)
{
    return mon->capab[QMP_CAPABILITY_OOB];
}

/* qmp_capabilities: leave negotiation mode (see qmp-cmds-control.c). */
void qmp_qmp_capabilities(bool has_enable, QMPCapabilityList *enable,
                          Error **errp)
{
    Monitor *cur = monitor_cur();
    MonitorQMP *mon;
    bool want[QMP_CAPABILITY__MAX] = { false };
    QMPCapabilityList *l;

    assert(cur && cur->is_qmp);
    mon = container_of(cur, MonitorQMP, common);
    if (mon->negotiated) {
        error_set(errp, ERROR_CLASS_COMMAND_NOT_FOUND,
                  "Capabilities negotiation is already complete, command "
                  "ignored");
        return;
    }
    for (l = enable; l; l = l->next) {
        if (!mon->capab_offered[l->value]) {
            error_setg(errp, "Capability %s not available",
                       QMPCapability_str(l->value));
            return;
        }
        want[l->value] = true;
    }
    memcpy(mon->capab, want, sizeof(want));
    mon->negotiated = true;
}

static void monitor_qmp_dispatch(MonitorQMP *mon, QMPRequest *r)
{
    Monitor *old;
    QDict *rsp;

    if (!r->req) {
        /* Malformed input: answered without an id, as QEMU does. */
        rsp = qmp_error_response(r->err);
    } else {
        const QmpCommandList *cmds = mon->negotiated ?
            &qmp_commands : &qmp_cap_negotiation_commands;

        old = monitor_set_cur(&mon->common);
        rsp = qmp_dispatch(cmds, r->req, qmp_oob_enabled(mon), &mon->common);
        monitor_set_cur(old);
        if (rsp && !mon->negotiated) {
            QDict *error = qdict_get_qdict(rsp, "error");

            if (error && !g_strcmp0(qdict_get_try_str(error, "class"),
                                    "CommandNotFound")) {
                /* In negotiation mode only qmp_capabilities exists. */
                qdict_put_str(error, "desc", "Expecting capabilities "
                              "negotiation with 'qmp_capabilities'");
            }
        }
    }
    if (rsp) {
        monitor_qmp_send_response(mon, rsp);
        qobject_unref(rsp);
    }
}

/* Runs queued in-band requests one at a time, in arrival order. */
static void monitor_qmp_drain(MonitorQMP *mon)
{
    QMPRequest *r;
    bool was_full;

    if (mon->dispatching) {
        return;         /* a command re-entered the main loop */
    }
    mon->dispatching = true;
    while (!mon->common.dead && (r = g_queue_pop_head(mon->req_queue))) {
        was_full = g_queue_get_length(mon->req_queue) + 1 >=
            QMP_REQ_QUEUE_LEN_MAX;
        monitor_qmp_dispatch(mon, r);
        qmp_request_free(r);
        if (was_full && !mon->common.dead &&
            g_queue_get_length(mon->req_queue) < QMP_REQ_QUEUE_LEN_MAX) {
            /* Room again: let the chardev deliver more input. */
            qemu_chr_fe_accept_input(&mon->common.chr);
        }
    }
    mon->dispatching = false;
}

static void handle_qmp_command(void *opaque, QObject *req, Error *err)
{
    MonitorQMP *mon = opaque;
    QDict *dict = qobject_to(QDict, req);
    QMPRequest *r;

    if (dict && qmp_is_oob(dict)) {
        /* Out-of-band: runs now, overtaking queued in-band requests. */
        QMPRequest oob = { .req = req, .err = err };

        monitor_qmp_dispatch(mon, &oob);
        qobject_unref(req);
        return;
    }
    r = g_new(QMPRequest, 1);
    r->req = req;
    r->err = err;
    if (!req && !err) {
        error_setg(&r->err, "JSON parse error");
    }
    g_queue_push_tail(mon->req_queue, r);
}

/* Bytes of unsent replies above which the monitor stops reading. */
#define QMP_OUTPUT_BACKLOG_MAX (256 * 1024)

static int monitor_qmp_can_read(void *opaque)
{
    MonitorQMP *mon = opaque;

    if (mon->common.suspend_cnt ||
        g_queue_get_length(mon->req_queue) >= QMP_REQ_QUEUE_LEN_MAX) {
        return 0;
    }
    /*
     * A client that does not read its replies is not read either: the
     * backlog stays bounded (and a garbage flood cannot grow it forever).
     */
    if (mon->common.outbuf->len > QMP_OUTPUT_BACKLOG_MAX) {
        return 0;
    }
    return QMP_READ_CHUNK;
}

static void monitor_qmp_read(void *opaque, const uint8_t *buf, int size)
{
    MonitorQMP *mon = opaque;

    json_message_parser_feed(&mon->parser, (const char *)buf, size);
    /*
     * Requests complete in this chunk are answered now, in order; any
     * out-of-band request in it was already answered during the feed.
     */
    monitor_qmp_drain(mon);
}

static void monitor_qmp_reset_parser(MonitorQMP *mon)
{
    json_message_parser_destroy(&mon->parser);
    json_message_parser_init(&mon->parser, handle_qmp_command, mon, NULL);
}

static void monitor_qmp_drop_queue(MonitorQMP *mon)
{
    QMPRequest *r;

    while ((r = g_queue_pop_head(mon->req_queue))) {
        qmp_request_free(r);
    }
}

static void monitor_qmp_event(void *opaque, QEMUChrEvent event)
{
    MonitorQMP *mon = opaque;
    QDict *greeting;

    switch (event) {
    case CHR_EVENT_OPENED:
        /* Every connection starts in negotiation mode. */
        qmp_caps_reset(mon);
        mon->common.connected = true;
        greeting = qmp_greeting(mon);
        monitor_qmp_send_response(mon, greeting);
        qobject_unref(greeting);
        break;
    case CHR_EVENT_CLOSED:
        /*
         * Forget whatever the client left half-sent or unanswered so the
         * next client starts clean.
         */
        mon->common.connected = false;
        monitor_qmp_drop_queue(mon);
        monitor_qmp_reset_parser(mon);
        qmp_caps_reset(mon);
        g_rec_mutex_lock(&mon->common.lock);
        g_string_truncate(mon->common.outbuf, 0);
        g_rec_mutex_unlock(&mon->common.lock);
        monitor_fdsets_cleanup();
        break;
    default:
        break;
    }
}

void monitor_init_qmp(Chardev *chr, bool pretty, Error **errp)
{
    MonitorQMP *mon = g_new0(MonitorQMP, 1);

    if (!qemu_chr_fe_init(&mon->common.chr, chr, errp)) {
        g_free(mon);
        return;
    }
    monitor_data_init(&mon->common, true, true);
    mon->pretty = pretty;
    mon->req_queue = g_queue_new();
    /*
     * QEMU offers "oob" on every chardev that can be driven from its
     * monitor I/O thread; ours all run in the main loop and exec-oob
     * runs straight from the reader, so every QMP monitor offers it.
     */
    mon->capab_offered[QMP_CAPABILITY_OOB] = true;
    json_message_parser_init(&mon->parser, handle_qmp_command, mon, NULL);
    monitor_list_append(&mon->common);
    qemu_chr_fe_set_handlers(&mon->common.chr, monitor_qmp_can_read,
                             monitor_qmp_read, monitor_qmp_event, NULL,
                             mon, NULL, true);
}

void monitor_qmp_destroy(MonitorQMP *mon)
{
    mon->common.dead = true;
    monitor_data_destroy(&mon->common);
    json_message_parser_destroy(&mon->parser);
    monitor_qmp_drop_queue(mon);
    g_queue_free(mon->req_queue);
    g_free(mon);
}
