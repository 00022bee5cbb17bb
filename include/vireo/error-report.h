/*
 * Messages to the user on stderr (or the current HMP monitor), prefixed
 * with the program name and the current location, QEMU style:
 *   vireo-system-x86_64: -machine foo: unsupported machine type
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef VIREO_ERROR_REPORT_H
#define VIREO_ERROR_REPORT_H

#include "vireo/osdep.h"

/*
 * A location in the user's input that messages are about.  Locations form
 * a stack: push one while working on an item, pop it afterwards.
 */
typedef struct Location {
    enum { LOC_NONE, LOC_CMDLINE, LOC_FILE } kind;
    int num;            /* LOC_CMDLINE: argument count; LOC_FILE: line */
    const void *ptr;    /* LOC_CMDLINE: argv + index; LOC_FILE: file name */
    struct Location *prev;
} Location;

/* Push a copy of saved location @loc; returns @loc. */
Location *loc_push_restore(Location *loc);
/* Push @loc as an empty location; returns @loc. */
Location *loc_push_none(Location *loc);
/* Pop @loc, which must be the current location; returns @loc. */
Location *loc_pop(Location *loc);
/* Copy the current location into @loc; returns @loc. */
Location *loc_save(Location *loc);
/* Make the current location a copy of @loc. */
void loc_restore(Location *loc);
/* Set the current location to none / to argv[idx..idx+cnt-1] / a file. */
void loc_set_none(void);
void loc_set_cmdline(char **argv, int idx, int cnt);
void loc_set_file(const char *fname, int lno);

/* The name messages start with: basename of @argv0. */
void error_set_progname(const char *argv0);
const char *error_get_progname(void);

/* -msg timestamp=on: prefix messages with an ISO-8601 UTC time. */
extern bool message_with_timestamp;
/* -msg guest-name=on: prefix messages with the guest name. */
extern bool error_with_guestname;
extern const char *error_guest_name;

/*
 * Monitor redirection.  While a human monitor runs a command, its output
 * should go to that monitor.  The monitor installs @fn once; every
 * error_printf()/error_vprintf() call first offers its text to @fn, which
 * returns the number of characters it wrote, or a negative value if no
 * HMP monitor is current (the text then goes to stderr).  Pass NULL to
 * remove the hook.
 */
void error_vprintf_set_monitor_hook(int (*fn)(const char *fmt, va_list ap));

/* Raw output without prefix (to the current monitor or stderr). */
int error_vprintf(const char *fmt, va_list ap) VIREO_PRINTF(1, 0);
int error_printf(const char *fmt, ...) VIREO_PRINTF(1, 2);

/* One line with prefix; no trailing newline in @fmt. */
void error_vreport(const char *fmt, va_list ap) VIREO_PRINTF(1, 0);
void warn_vreport(const char *fmt, va_list ap) VIREO_PRINTF(1, 0);
void info_vreport(const char *fmt, va_list ap) VIREO_PRINTF(1, 0);
void error_report(const char *fmt, ...) VIREO_PRINTF(1, 2);
void warn_report(const char *fmt, ...) VIREO_PRINTF(1, 2);
void info_report(const char *fmt, ...) VIREO_PRINTF(1, 2);

/* Report only the first time *@printed is false; returns true if printed. */
bool error_report_once_cond(bool *printed, const char *fmt, ...)
    VIREO_PRINTF(2, 3);
bool warn_report_once_cond(bool *printed, const char *fmt, ...)
    VIREO_PRINTF(2, 3);
#define error_report_once(fmt, ...) \
    ({ static bool print_once_; \
       error_report_once_cond(&print_once_, fmt, ## __VA_ARGS__); })
#define warn_report_once(fmt, ...) \
    ({ static bool print_once_; \
       warn_report_once_cond(&print_once_, fmt, ## __VA_ARGS__); })

#endif
