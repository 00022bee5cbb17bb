/*
 * Monitor internals shared by the QMP server, HMP and the commands.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MONITOR_INTERNAL_H
#define MONITOR_INTERNAL_H

#include "chardev/char-fe.h"
#include "qobject/json-parser.h"
#include "qapi/qmp-dispatch.h"
#include "monitor/monitor.h"
#include "monitor/readline.h"

/* In-band requests queued before a QMP monitor stops reading. */
#define QMP_REQ_QUEUE_LEN_MAX 8

typedef struct MonFd MonFd;

struct Monitor {
    CharBackend chr;
    bool is_qmp;
    bool use_chr;           /* false for human-monitor-command's monitor */
    bool connected;
    bool dead;              /* being destroyed */
    int suspend_cnt;
    GString *outbuf;        /* output the chardev did not take yet */
    guint out_watch;
    MonFd *fds;             /* named fds from getfd */
    /*
     * outbuf and fds (events may come from vCPU threads).  Recursive: a
     * chardev write can report a disconnect synchronously, and the
     * event handler then takes the lock again.
     */
    GRecMutex lock;
    Monitor *next;
};

struct MonitorHMP {
    Monitor common;
    ReadLineState *rs;      /* NULL without line editing */
    GString *capture;       /* human-monitor-command collects output here */
    GString *linebuf;       /* input line without readline */
    bool mux_out;           /* a shared (mux) chardev shows another one */
    bool banner_pending;
};

typedef struct MonitorQMP {
    Monitor common;
    JSONMessageParser parser;
    bool pretty;
    bool negotiated;        /* commands mode (qmp_capabilities done) */
    bool capab_offered[QMP_CAPABILITY__MAX];
    bool capab[QMP_CAPABILITY__MAX];
    GQueue *req_queue;      /* of QMPRequest */
    bool dispatching;
} MonitorQMP;

extern QmpCommandList qmp_commands;
extern QmpCommandList qmp_cap_negotiation_commands;

/* monitor.c */
void monitor_list_append(Monitor *mon);
void monitor_data_init(Monitor *mon, bool is_qmp, bool use_chr);
void monitor_data_destroy(Monitor *mon);
/* Queues @str (already CRLF-terminated) and tries to write it now. */
void monitor_write_locked(Monitor *mon, const char *str, size_t len);
/* Emits event @name with the event dict @qdict (rate limited). */
void monitor_qapi_event_emit_named(const char *name, QDict *qdict);
/* Shortens the rate-limit period of every limited event (tests). */
void monitor_set_event_rate_ms(int64_t ms);
Monitor *monitor_first(void);

/* qmp.c */
void monitor_qmp_send_response(MonitorQMP *mon, const QDict *rsp);
void monitor_qmp_destroy(MonitorQMP *mon);
void qmp_caps_reset(MonitorQMP *mon);

/* hmp.c */
void monitor_hmp_destroy(MonitorHMP *mon);
void monitor_data_init_hmp(MonitorHMP *mon, bool use_chr);
ReadLineState *monitor_hmp_readline(Monitor *mon);

/* fds.c */
void monitor_fds_release(Monitor *mon);

#endif
