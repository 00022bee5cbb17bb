/*
 * Monitor public API: creating QMP and HMP monitors, printing to the
 * monitor whose command is running, fd passing helpers.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MONITOR_MONITOR_H
#define MONITOR_MONITOR_H

#include "vireo/error.h"
#include "qapi/qapi-types-control.h"
#include "qapi/qapi-types-monitor.h"

typedef struct Monitor Monitor;
typedef struct MonitorHMP MonitorHMP;
typedef struct Chardev Chardev;
typedef struct QemuOpts QemuOpts;
typedef struct QemuOptsList QemuOptsList;

/* The "mon" and "add-fd" option groups (register with qemu_add_opts()). */
extern QemuOptsList qemu_mon_opts;
extern QemuOptsList qemu_add_fd_opts;

/*
 * The monitor whose command is executing in this thread, or NULL.
 * monitor_set_cur() returns the previous one.
 */
Monitor *monitor_cur(void);
Monitor *monitor_set_cur(Monitor *mon);
bool monitor_cur_is_qmp(void);
bool monitor_is_qmp(const Monitor *mon);

/* Registers the QMP commands and HMP tables; call once before monitors. */
void monitor_init_globals(void);
/* Only the parts that do not need the generated command set. */
void monitor_init_globals_core(void);

/* QMP on @chr; @pretty indents responses like QEMU's pretty=on. */
void monitor_init_qmp(Chardev *chr, bool pretty, Error **errp);
/* HMP on @chr; @use_readline enables line editing and the prompt. */
void monitor_init_hmp(Chardev *chr, bool use_readline, Error **errp);
/* -mon chardev=ID,mode=control|readline,pretty=on|off */
int monitor_init(MonitorOptions *opts, bool allow_hmp, Error **errp);
int monitor_init_opts(QemuOpts *opts, Error **errp);
/* Creates QemuOpts in "mon" for a -monitor/-qmp shortcut. */
QemuOpts *monitor_new_opts(const char *chardev_id, bool qmp, bool pretty,
                           Error **errp);
/* Destroys every monitor (at exit). */
void monitor_cleanup(void);
/*
 * --preconfig: until the board exists, HMP offers only the commands that
 * do not need it (as QEMU's 'p' flag); QMP filters by allow-preconfig.
 */
void monitor_set_preconfig(bool on);

/* Output to @mon if it is an HMP monitor (QMP monitors ignore it). */
int monitor_puts(Monitor *mon, const char *str);
int monitor_vprintf(Monitor *mon, const char *fmt, va_list ap)
    VIREO_PRINTF(2, 0);
int monitor_printf(Monitor *mon, const char *fmt, ...) VIREO_PRINTF(2, 3);
void monitor_flush(Monitor *mon);
/*
 * printf to the current HMP monitor; returns -1 (printing nothing) when
 * the current monitor is not HMP, so callers fall back to stderr.
 */
int monitor_vprintf_cur(const char *fmt, va_list ap) VIREO_PRINTF(1, 0);

/* Stop and resume reading input (e.g. while a long command runs). */
int monitor_suspend(Monitor *mon);
void monitor_resume(Monitor *mon);

/*
 * A file descriptor named @fdname (taken from getfd on @mon, ownership
 * passes to the caller) or a decimal fd number.
 */
int monitor_get_fd(Monitor *mon, const char *fdname, Error **errp);
int monitor_fd_param(Monitor *mon, const char *fdname, Error **errp);

/* Fd sets (add-fd, /dev/fdset/N). */
AddfdInfo *monitor_fdset_add_fd(int fd, bool has_fdset_id, int64_t fdset_id,
                                const char *opaque, Error **errp);
/* dup()s an fd of set @fdset_id opened with @flags' access mode. */
int monitor_fdset_dup_fd_add(int64_t fdset_id, int flags);
void monitor_fdset_dup_fd_remove(int dup_fd);
int64_t monitor_fdset_dup_fd_find(int dup_fd);
void monitor_fdsets_cleanup(void);
/* -add-fd fd=N,set=M[,opaque=S]; the callback form fits qemu_opts_foreach. */
int monitor_fdset_add_cmdline(QemuOpts *opts, Error **errp);
int monitor_parse_add_fd_opts(void *opaque, QemuOpts *opts, Error **errp);
/* After all -add-fd were parsed: closes the inherited originals. */
int monitor_cleanup_add_fd_opts(void *opaque, QemuOpts *opts, Error **errp);
/*
 * Opens "/dev/fdset/N" paths: the hook util's qemu_open() calls.
 * Returns the new fd or -1 with errno set.
 */
int monitor_fdset_open(const char *path, int flags);

#endif
