/*
 * Monitor core: the list of monitors, the current monitor, output to
 * chardevs, QAPI event delivery with QEMU's per-event rate limits, and
 * the -mon option.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "vireo/option.h"
#include "vireo/timer.h"
#include "qobject/qdict.h"
#include "qobject/qjson.h"
#include "qobject/qstring.h"
#include "qapi/qmp-event.h"
#include "chardev/char.h"
#include "monitor-internal.h"

/* Monitors in creation order; events go to them in that order. */
static Monitor *mon_list;
static GMutex mon_list_lock;

/* Per thread: a vCPU thread emitting an event is never "in" a monitor. */
static __thread Monitor *cur_mon;

Monitor *monitor_cur(void)
{
    return cur_mon;
}

Monitor *monitor_set_cur(Monitor *mon)
{
    Monitor *old = cur_mon;

    cur_mon = mon;
    return old;
}

bool monitor_is_qmp(const Monitor *mon)
{
    return mon->is_qmp;
}

bool monitor_cur_is_qmp(void)
{
    return cur_mon && cur_mon->is_qmp;
}

Monitor *monitor_first(void)
{
    return mon_list;
}

void monitor_data_init(Monitor *mon, bool is_qmp, bool use_chr)
{
    g_rec_mutex_init(&mon->lock);
    mon->is_qmp = is_qmp;
    mon->use_chr = use_chr;
    mon->outbuf = g_string_sized_new(256);
}

void monitor_list_append(Monitor *mon)
{
    Monitor **p;

    g_mutex_lock(&mon_list_lock);
    for (p = &mon_list; *p; p = &(*p)->next) {
        continue;
    }
    mon->next = NULL;
    *p = mon;
    g_mutex_unlock(&mon_list_lock);
}

static void monitor_list_remove(Monitor *mon)
{
    Monitor **p;

    g_mutex_lock(&mon_list_lock);
    for (p = &mon_list; *p; p = &(*p)->next) {
        if (*p == mon) {
            *p = mon->next;
            break;
        }
    }
    g_mutex_unlock(&mon_list_lock);
}

void monitor_data_destroy(Monitor *mon)
{
    monitor_list_remove(mon);
    if (mon->out_watch) {
        g_source_remove(mon->out_watch);
        mon->out_watch = 0;
    }
    if (mon->use_chr) {
        qemu_chr_fe_deinit(&mon->chr, false);
    }
    monitor_fds_release(mon);
    g_string_free(mon->outbuf, true);
    g_rec_mutex_clear(&mon->lock);
}

/* Output */

static void monitor_flush_locked(Monitor *mon);

static gboolean monitor_unblocked(void *do_not_use, GIOCondition cond,
                                  void *opaque)
{
    Monitor *mon = opaque;

    g_rec_mutex_lock(&mon->lock);
    mon->out_watch = 0;
    monitor_flush_locked(mon);
    g_rec_mutex_unlock(&mon->lock);
    /* Input paused while the backlog was large may flow again. */
    qemu_chr_fe_accept_input(&mon->chr);
    return G_SOURCE_REMOVE;
}

static void monitor_flush_locked(Monitor *mon)
{
    size_t done = 0;

    if (!mon->use_chr || mon->dead || !mon->outbuf->len) {
        return;
    }
    /* Write all the chardev takes, then shift the rest once. */
    while (done < mon->outbuf->len) {
        int rc = qemu_chr_fe_write(&mon->chr,
                                   (const uint8_t *)mon->outbuf->str + done,
                                   mon->outbuf->len - done);
        if (rc <= 0) {
            break;
        }
        done += rc;
    }
    if (done == mon->outbuf->len) {
        g_string_truncate(mon->outbuf, 0);
        return;
    }
    if (done > 0) {
        g_string_erase(mon->outbuf, 0, done);
    }
    /* The chardev is full (or not connected): wait until it drains. */
    if (!mon->out_watch) {
        mon->out_watch = qemu_chr_fe_add_watch(&mon->chr, G_IO_OUT | G_IO_HUP,
                                               monitor_unblocked, mon);
        if (!mon->out_watch) {
            /* No watch possible: the peer is gone, drop the output. */
            g_string_truncate(mon->outbuf, 0);
        }
    }
}

void monitor_write_locked(Monitor *mon, const char *str, size_t len)
{
    int rc = 0;

    /* A QMP client that left gets nothing, nor does the next one. */
    if (!mon->use_chr || mon->dead || (mon->is_qmp && !mon->connected)) {
        return;
    }
    if (!mon->outbuf->len) {
        /* Fast path: no backlog, hand the bytes straight to the chardev. */
        rc = qemu_chr_fe_write(&mon->chr, (const uint8_t *)str, len);
        if (rc == (int)len || (mon->is_qmp && !mon->connected)) {
            return;
        }
        if (rc < 0) {
            rc = 0;
        }
    }
    g_string_append_len(mon->outbuf, str + rc, len - rc);
    /* With a backlog, the writable watch flushes; no retry per message. */
    if (!mon->out_watch) {
        monitor_flush_locked(mon);
    }
}

void monitor_flush(Monitor *mon)
{
    g_rec_mutex_lock(&mon->lock);
    monitor_flush_locked(mon);
    g_rec_mutex_unlock(&mon->lock);
}

/* Appends @str to @out with every "\n" turned into "\r\n". */
static void append_crlf(GString *out, const char *str)
{
    const char *nl;

    while ((nl = strchr(str, '\n'))) {
        g_string_append_len(out, str, nl - str);
        g_string_append(out, "\r\n");
        str = nl + 1;
    }
    g_string_append(out, str);
}

int monitor_puts(Monitor *mon, const char *str)
{
    MonitorHMP *hmp;
    GString *tmp;
    size_t len = strlen(str);

    if (!mon || mon->is_qmp) {
        return -1;
    }
    hmp = container_of(mon, MonitorHMP, common);
    if (hmp->capture) {
        append_crlf(hmp->capture, str);
        return len;
    }
    tmp = g_string_sized_new(len + 8);
    append_crlf(tmp, str);
    g_rec_mutex_lock(&mon->lock);
    monitor_write_locked(mon, tmp->str, tmp->len);
    g_rec_mutex_unlock(&mon->lock);
    g_string_free(tmp, true);
    return len;
}

int monitor_vprintf(Monitor *mon, const char *fmt, va_list ap)
{
    char *buf;
    int n;

    if (!mon || mon->is_qmp) {
        return -1;
    }
    buf = g_strdup_vprintf(fmt, ap);
    n = monitor_puts(mon, buf);
    g_free(buf);
    return n;
}

int monitor_printf(Monitor *mon, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = monitor_vprintf(mon, fmt, ap);
    va_end(ap);
    return n;
}

int monitor_vprintf_cur(const char *fmt, va_list ap)
{
    Monitor *mon = monitor_cur();

    if (!mon || mon->is_qmp) {
        return -1;
    }
    return monitor_vprintf(mon, fmt, ap);
}

int monitor_suspend(Monitor *mon)
{
    g_atomic_int_inc(&mon->suspend_cnt);
    return 0;
}

void monitor_resume(Monitor *mon)
{
    if (g_atomic_int_dec_and_test(&mon->suspend_cnt)) {
        if (mon->use_chr && !mon->dead) {
            /* Reading stopped at can_read() == 0; let the chardev retry. */
            qemu_chr_fe_accept_input(&mon->chr);
        }
    }
}

/* Events */

/*
 * Guest-triggerable events QEMU limits to one per period; @key names
 * the "data" member that tells instances apart (NULL: one per event).
 */
typedef struct EventRateConf {
    const char *name;
    const char *key;
} EventRateConf;

static const EventRateConf event_rate_conf[] = {
    { "RTC_CHANGE", NULL },
    { "BLOCK_IO_ERROR", NULL },
    { "WATCHDOG", NULL },
    { "BALLOON_CHANGE", NULL },
    { "QUORUM_REPORT_BAD", "node-name" },
    { "QUORUM_FAILURE", NULL },
    { "VSERPORT_CHANGE", "id" },
    { "MEMORY_DEVICE_SIZE_CHANGE", "qom-path" },
    { "HV_BALLOON_STATUS_REPORT", NULL },
};

static int64_t event_rate_ns = 1000 * 1000 * 1000;

/* One per rate-limited (event, key) with a period running. */
typedef struct EventState {
    char *hkey;
    bool active;            /* a period is running */
    QDict *pending;         /* the latest event held back, or NULL */
    QEMUTimer *timer;
} EventState;

static GHashTable *event_states;     /* hkey -> EventState */
static GMutex event_lock;

void monitor_set_event_rate_ms(int64_t ms)
{
    event_rate_ns = ms * 1000 * 1000;
}

static void monitor_deliver_event(QDict *qdict)
{
    GString *compact = NULL;
    GString *pretty = NULL;
    Monitor *mon;

    g_mutex_lock(&mon_list_lock);
    for (mon = mon_list; mon; mon = mon->next) {
        MonitorQMP *qmp;
        GString *s;

        if (!mon->is_qmp || !mon->connected || mon->dead) {
            continue;
        }
        qmp = container_of(mon, MonitorQMP, common);
        if (!qmp->negotiated) {
            continue;
        }
        /* Serialise once per style, not once per monitor. */
        if (qmp->pretty) {
            if (!pretty) {
                GString *raw = qobject_to_json_pretty(QOBJECT(qdict), true);

                pretty = g_string_sized_new(raw->len + 16);
                append_crlf(pretty, raw->str);
                g_string_append(pretty, "\r\n");
                g_string_free(raw, true);
            }
            s = pretty;
        } else {
            if (!compact) {
                compact = qobject_to_json(QOBJECT(qdict));
                g_string_append(compact, "\r\n");
            }
            s = compact;
        }
        g_rec_mutex_lock(&mon->lock);
        monitor_write_locked(mon, s->str, s->len);
        g_rec_mutex_unlock(&mon->lock);
    }
    g_mutex_unlock(&mon_list_lock);
    if (compact) {
        g_string_free(compact, true);
    }
    if (pretty) {
        g_string_free(pretty, true);
    }
}

static void event_state_free(gpointer p)
{
    EventState *st = p;

    timer_free(st->timer);
    qobject_unref(st->pending);
    g_free(st->hkey);
    g_free(st);
}

static void event_rate_timer_cb(void *opaque)
{
    EventState *st = opaque;
    QDict *pending;

    g_mutex_lock(&event_lock);
    pending = st->pending;
    st->pending = NULL;
    if (pending) {
        /* Sending the held-back event starts a new period. */
        timer_mod(st->timer, qemu_clock_get_ns(QEMU_CLOCK_REALTIME) +
                  event_rate_ns);
    } else {
        /*
         * A quiet period ends limiting.  The state stays (one per key)
         * so the timer is never freed from its own callback.
         */
        st->active = false;
    }
    g_mutex_unlock(&event_lock);
    if (pending) {
        monitor_deliver_event(pending);
        qobject_unref(pending);
    }
}

static const EventRateConf *event_rate_find(const char *name)
{
    size_t i;

    for (i = 0; i < ARRAY_SIZE(event_rate_conf); i++) {
        if (!strcmp(event_rate_conf[i].name, name)) {
            return &event_rate_conf[i];
        }
    }
    return NULL;
}

void monitor_qapi_event_emit_named(const char *name, QDict *qdict)
{
    const EventRateConf *conf = event_rate_find(name);
    EventState *st;
    char *hkey;

    if (!conf) {
        monitor_deliver_event(qdict);
        return;
    }
    if (conf->key) {
        QDict *data = qdict_get_qdict(qdict, "data");
        const char *k = data ? qdict_get_try_str(data, conf->key) : NULL;

        hkey = g_strdup_printf("%s\n%s", name, k ? k : "");
    } else {
        hkey = g_strdup(name);
    }

    g_mutex_lock(&event_lock);
    if (!event_states) {
        event_states = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                             event_state_free);
    }
    st = g_hash_table_lookup(event_states, hkey);
    if (st && st->active) {
        /* Inside a period: keep only the latest, sent when it ends. */
        qobject_unref(st->pending);
        st->pending = qobject_ref(qdict);
        g_mutex_unlock(&event_lock);
        g_free(hkey);
        return;
    }
    if (st) {
        g_free(hkey);
    } else {
        st = g_new0(EventState, 1);
        st->hkey = hkey;
        st->timer = timer_new_ns(QEMU_CLOCK_REALTIME, event_rate_timer_cb,
                                 st);
        g_hash_table_insert(event_states, st->hkey, st);
    }
    st->active = true;
    timer_mod(st->timer, qemu_clock_get_ns(QEMU_CLOCK_REALTIME) +
              event_rate_ns);
    g_mutex_unlock(&event_lock);
    monitor_deliver_event(qdict);
}

void qapi_event_emit(QAPIEvent event, QDict *qdict)
{
    monitor_qapi_event_emit_named(QAPIEvent_str(event), qdict);
}

/* -mon and friends */

QemuOptsList qemu_mon_opts = {
    .name = "mon",
    .implied_opt_name = "chardev",
    .head = QTAILQ_HEAD_INITIALIZER(qemu_mon_opts.head),
    .desc = {
        { .name = "mode", .type = QEMU_OPT_STRING },
        { .name = "chardev", .type = QEMU_OPT_STRING },
        { .name = "pretty", .type = QEMU_OPT_BOOL },
        { /* end of list */ }
    },
};

int monitor_init(MonitorOptions *opts, bool allow_hmp, Error **errp)
{
    Chardev *chr;
    MonitorMode mode;

    chr = qemu_chr_find(opts->chardev);
    if (!chr) {
        error_setg(errp, "chardev \"%s\" not found", opts->chardev);
        return -1;
    }
    if (opts->has_mode) {
        mode = opts->mode;
    } else {
        mode = allow_hmp ? MONITOR_MODE_READLINE : MONITOR_MODE_CONTROL;
    }
    if (mode == MONITOR_MODE_CONTROL) {
        Error *err = NULL;

        monitor_init_qmp(chr, opts->has_pretty && opts->pretty, &err);
        if (err) {
            error_propagate(errp, err);
            return -1;
        }
        return 0;
    }
    if (!allow_hmp) {
        error_setg(errp, "Only QMP is supported");
        return -1;
    }
    if (opts->has_pretty && opts->pretty) {
        error_setg(errp, "'pretty' is not compatible with HMP monitors");
        return -1;
    }
    {
        Error *err = NULL;

        monitor_init_hmp(chr, true, &err);
        if (err) {
            error_propagate(errp, err);
            return -1;
        }
    }
    return 0;
}

int monitor_init_opts(QemuOpts *opts, Error **errp)
{
    MonitorOptions mo = { 0 };
    const char *mode = qemu_opt_get(opts, "mode");
    const char *pretty = qemu_opt_get(opts, "pretty");

    mo.id = (char *)qemu_opts_id(opts);
    mo.chardev = (char *)qemu_opt_get(opts, "chardev");
    if (!mo.chardev) {
        error_setg(errp, "Parameter 'chardev' is missing");
        return -1;
    }
    if (mode) {
        int m = qapi_enum_parse(&MonitorMode_lookup, mode, -1, NULL);

        if (m < 0) {
            error_setg(errp, "Parameter 'mode' does not accept value '%s'",
                       mode);
            return -1;
        }
        mo.has_mode = true;
        mo.mode = m;
    }
    if (pretty) {
        mo.has_pretty = true;
        mo.pretty = qemu_opt_get_bool(opts, "pretty", false);
    }
    return monitor_init(&mo, true, errp);
}

QemuOpts *monitor_new_opts(const char *chardev_id, bool qmp, bool pretty,
                           Error **errp)
{
    QemuOpts *opts;

    opts = qemu_opts_create(&qemu_mon_opts, NULL, 1, errp);
    if (!opts) {
        return NULL;
    }
    qemu_opt_set(opts, "mode", qmp ? "control" : "readline", &error_abort);
    qemu_opt_set(opts, "chardev", chardev_id, &error_abort);
    if (pretty) {
        qemu_opt_set(opts, "pretty", "on", &error_abort);
    }
    return opts;
}

void monitor_cleanup(void)
{
    Monitor *mon;

    for (;;) {
        g_mutex_lock(&mon_list_lock);
        mon = mon_list;
        if (mon) {
            mon_list = mon->next;
        }
        g_mutex_unlock(&mon_list_lock);
        if (!mon) {
            break;
        }
        /* Push out what is buffered before the chardev goes away. */
        monitor_flush(mon);
        if (mon->is_qmp) {
            monitor_qmp_destroy(container_of(mon, MonitorQMP, common));
        } else {
            monitor_hmp_destroy(container_of(mon, MonitorHMP, common));
        }
    }
    g_mutex_lock(&event_lock);
    if (event_states) {
        g_hash_table_destroy(event_states);
        event_states = NULL;
    }
    g_mutex_unlock(&event_lock);
}
