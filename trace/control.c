/*
 * Trace point control: lookup, glob matching, the -trace option and the
 * events file.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include <sys/syscall.h>
#include "vireo/error.h"
#include "vireo/option.h"
#include "trace/control.h"

static char *trace_file;

int trace_thread_id(void)
{
    return (int)syscall(SYS_gettid);
}

TraceEvent *trace_event_by_name(const char *name)
{
    for (size_t i = 0; i < trace_events_count; i++) {
        if (!strcmp(trace_events[i].name, name)) {
            return &trace_events[i];
        }
    }
    return NULL;
}

bool trace_event_is_pattern(const char *str)
{
    return strchr(str, '*') || strchr(str, '?');
}

TraceEvent *trace_event_iter(const char *pattern, size_t *pos)
{
    while (*pos < trace_events_count) {
        TraceEvent *ev = &trace_events[(*pos)++];
        if (!pattern || g_pattern_match_simple(pattern, ev->name)) {
            return ev;
        }
    }
    return NULL;
}

bool trace_event_get_state_dynamic(const TraceEvent *ev)
{
    return __atomic_load_n(ev->dstate, __ATOMIC_RELAXED) != 0;
}

void trace_event_set_state_dynamic(TraceEvent *ev, bool on)
{
    if (ev->sstate) {
        __atomic_store_n(ev->dstate, on ? 1 : 0, __ATOMIC_RELAXED);
    }
}

void trace_list_events(FILE *f)
{
    for (size_t i = 0; i < trace_events_count; i++) {
        fprintf(f, "%s\n", trace_events[i].name);
    }
}

void trace_enable_events(const char *line)
{
    bool enable = line[0] != '-';
    const char *pattern = enable ? line : line + 1;
    bool matched = false;
    TraceEvent *ev;

    if (!strcmp(line, "help") || !strcmp(line, "?")) {
        trace_list_events(stdout);
        exit(0);
    }
    for (size_t i = 0; (ev = trace_event_iter(pattern, &i));) {
        matched = true;
        if (!ev->sstate) {
            if (!trace_event_is_pattern(pattern)) {
                error_report("WARNING: trace event '%s' is not traceable",
                             pattern);
            }
            continue;
        }
        trace_event_set_state_dynamic(ev, enable);
    }
    if (!matched && !trace_event_is_pattern(pattern)) {
        error_report("WARNING: trace event '%s' does not exist", pattern);
    }
}

bool trace_init_events(const char *file, Error **errp)
{
    g_autofree char *text = NULL;
    g_autoptr(GError) err = NULL;
    g_auto(GStrv) lines = NULL;

    if (!g_file_get_contents(file, &text, NULL, &err)) {
        error_setg(errp, "%s", err->message);
        return false;
    }
    lines = g_strsplit(text, "\n", -1);
    for (char **l = lines; *l; l++) {
        char *pattern = g_strstrip(*l);
        if (*pattern && *pattern != '#') {
            trace_enable_events(pattern);
        }
    }
    return true;
}

static QemuOptsList qemu_trace_opts = {
    .name = "trace",
    .implied_opt_name = "enable",
    .head = QTAILQ_HEAD_INITIALIZER(qemu_trace_opts.head),
    .desc = {
        { .name = "enable", .type = QEMU_OPT_STRING },
        { .name = "events", .type = QEMU_OPT_STRING },
        { .name = "file", .type = QEMU_OPT_STRING },
        { /* end of list */ }
    },
};

bool trace_opt_parse(const char *optarg, Error **errp)
{
    QemuOpts *opts = qemu_opts_parse(&qemu_trace_opts, optarg, true, errp);
    const char *v;
    bool ok = true;

    if (!opts) {
        return false;
    }
    if ((v = qemu_opt_get(opts, "enable"))) {
        trace_enable_events(v);
    }
    if ((v = qemu_opt_get(opts, "events"))) {
        ok = trace_init_events(v, errp);
    }
    if ((v = qemu_opt_get(opts, "file"))) {
        g_free(trace_file);
        trace_file = g_strdup(v);
    }
    qemu_opts_del(opts);
    return ok;
}

const char *trace_get_file(void)
{
    return trace_file;
}
