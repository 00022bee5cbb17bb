/*
 * Trace points: named, individually switchable log statements.  Each
 * subsystem lists its events in a `trace-events` file; scripts/tracetool.py
 * turns them into trace_<name>() functions (include "trace/trace.h").
 * Enabled events are written through the log (-D file or stderr) in
 * QEMU's "log" backend format.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef TRACE_CONTROL_H
#define TRACE_CONTROL_H

#include <sys/time.h>
#include "vireo/error-report.h"
#include "vireo/log.h"

typedef struct TraceEvent {
    const char *name;
    bool sstate;            /* false: compiled out ("disable" property) */
    uint16_t *dstate;       /* non-zero while enabled */
} TraceEvent;

extern TraceEvent trace_events[];
extern const size_t trace_events_count;

int trace_thread_id(void);

/* Lookup by exact name; NULL if there is none. */
TraceEvent *trace_event_by_name(const char *name);
/* Whether @str is a glob pattern rather than a plain name. */
bool trace_event_is_pattern(const char *str);

/*
 * Iterate over the events matching a glob pattern (NULL: all), as
 *   for (i = 0; (ev = trace_event_iter(pattern, &i)); )
 */
TraceEvent *trace_event_iter(const char *pattern, size_t *pos);

bool trace_event_get_state_dynamic(const TraceEvent *ev);
void trace_event_set_state_dynamic(TraceEvent *ev, bool on);

/* "pattern" enables, "-pattern" disables; "help" lists the events. */
void trace_enable_events(const char *line);
/* -trace events=FILE: one pattern per line. */
bool trace_init_events(const char *file, Error **errp);
/* The -trace option: [enable=]PATTERN, events=FILE, file=FILE. */
bool trace_opt_parse(const char *optarg, Error **errp);
/* Names of every event, one per line (for -trace help and HMP). */
void trace_list_events(FILE *f);
/* The log file given with -trace file=, or NULL. */
const char *trace_get_file(void);

#endif
