/*
 * User-facing messages: program name and location prefixes, optional
 * timestamps, and redirection to the current human monitor.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error-report.h"

typedef enum {
    REPORT_ERROR,
    REPORT_WARNING,
    REPORT_INFO,
} ReportType;

bool message_with_timestamp;
bool error_with_guestname;
const char *error_guest_name;

static char *progname;
static int (*monitor_hook)(const char *fmt, va_list ap);

static Location base_loc = { .kind = LOC_NONE };
static Location *cur_loc = &base_loc;

void error_set_progname(const char *argv0)
{
    const char *slash = strrchr(argv0, '/');

    g_free(progname);
    progname = g_strdup(slash ? slash + 1 : argv0);
}

const char *error_get_progname(void)
{
    return progname;
}

void error_vprintf_set_monitor_hook(int (*fn)(const char *fmt, va_list ap))
{
    monitor_hook = fn;
}

int error_vprintf(const char *fmt, va_list ap)
{
    if (monitor_hook) {
        va_list copy;
        int ret;

        va_copy(copy, ap);
        ret = monitor_hook(fmt, copy);
        va_end(copy);
        if (ret >= 0) {
            return ret;
        }
    }
    return vfprintf(stderr, fmt, ap);
}

int error_printf(const char *fmt, ...)
{
    va_list ap;
    int ret;

    va_start(ap, fmt);
    ret = error_vprintf(fmt, ap);
    va_end(ap);
    return ret;
}

Location *loc_push_restore(Location *loc)
{
    assert(!loc->prev);
    loc->prev = cur_loc;
    cur_loc = loc;
    return loc;
}

Location *loc_push_none(Location *loc)
{
    assert(!loc->prev);
    loc->kind = LOC_NONE;
    loc->num = 0;
    loc->ptr = NULL;
    loc->prev = cur_loc;
    cur_loc = loc;
    return loc;
}

Location *loc_pop(Location *loc)
{
    assert(cur_loc == loc && loc->prev);
    cur_loc = loc->prev;
    loc->prev = NULL;
    return loc;
}

Location *loc_save(Location *loc)
{
    *loc = *cur_loc;
    loc->prev = NULL;
    return loc;
}

void loc_restore(Location *loc)
{
    Location *prev = cur_loc->prev;

    assert(!loc->prev);
    *cur_loc = *loc;
    cur_loc->prev = prev;
}

void loc_set_none(void)
{
    cur_loc->kind = LOC_NONE;
    cur_loc->num = 0;
    cur_loc->ptr = NULL;
}

void loc_set_cmdline(char **argv, int idx, int cnt)
{
    cur_loc->kind = LOC_CMDLINE;
    cur_loc->num = cnt;
    cur_loc->ptr = argv + idx;
}

void loc_set_file(const char *fname, int lno)
{
    assert(fname || cur_loc->kind == LOC_FILE);
    cur_loc->kind = LOC_FILE;
    cur_loc->num = lno;
    if (fname) {
        cur_loc->ptr = fname;
    }
}

/*
 * Append "<progname>: <location>: " to @out.  The program name is left
 * out when the message goes to a monitor, as the user knows who speaks.
 */
static void append_location(GString *out, bool with_progname)
{
    const char *name = progname ? progname : g_get_prgname();
    const char *sep = "";
    int i;

    if (with_progname && name) {
        g_string_append_printf(out, "%s:", name);
        sep = " ";
    }
    switch (cur_loc->kind) {
    case LOC_CMDLINE: {
        char *const *argv = cur_loc->ptr;

        for (i = 0; i < cur_loc->num; i++) {
            g_string_append_printf(out, "%s%s", sep, argv[i]);
            sep = " ";
        }
        g_string_append(out, ": ");
        break;
    }
    case LOC_FILE:
        g_string_append_printf(out, "%s%s:", sep,
                               (const char *)cur_loc->ptr);
        if (cur_loc->num) {
            g_string_append_printf(out, "%d:", cur_loc->num);
        }
        g_string_append_c(out, ' ');
        break;
    default:
        g_string_append(out, sep);
        break;
    }
}

static const char *const report_prefix[] = {
    [REPORT_ERROR] = "",
    [REPORT_WARNING] = "warning: ",
    [REPORT_INFO] = "info: ",
};

static int call_hook(const char *fmt, ...)
{
    va_list ap;
    int ret;

    va_start(ap, fmt);
    ret = monitor_hook(fmt, ap);
    va_end(ap);
    return ret;
}

static void vreport(ReportType type, const char *fmt, va_list ap)
{
    GString *line = g_string_new(NULL);
    char *body = g_strdup_vprintf(fmt, ap);

    if (monitor_hook) {
        append_location(line, false);
        g_string_append_printf(line, "%s%s\n", report_prefix[type], body);
        if (call_hook("%s", line->str) >= 0) {
            goto out;
        }
        g_string_truncate(line, 0);
    }

    if (message_with_timestamp) {
        GDateTime *now = g_date_time_new_now_utc();
        gchar *stamp = g_date_time_format_iso8601(now);

        g_string_append_printf(line, "%s ", stamp);
        g_free(stamp);
        g_date_time_unref(now);
    }
    if (error_with_guestname && error_guest_name) {
        g_string_append_printf(line, "%s ", error_guest_name);
    }
    append_location(line, true);
    g_string_append_printf(line, "%s%s\n", report_prefix[type], body);
    /* One write, so concurrent messages do not interleave mid-line. */
    fputs(line->str, stderr);
    fflush(stderr);
out:
    g_free(body);
    g_string_free(line, true);
}

void error_vreport(const char *fmt, va_list ap)
{
    vreport(REPORT_ERROR, fmt, ap);
}

void warn_vreport(const char *fmt, va_list ap)
{
    vreport(REPORT_WARNING, fmt, ap);
}

void info_vreport(const char *fmt, va_list ap)
{
    vreport(REPORT_INFO, fmt, ap);
}

void error_report(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vreport(REPORT_ERROR, fmt, ap);
    va_end(ap);
}

void warn_report(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vreport(REPORT_WARNING, fmt, ap);
    va_end(ap);
}

void info_report(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vreport(REPORT_INFO, fmt, ap);
    va_end(ap);
}

bool error_report_once_cond(bool *printed, const char *fmt, ...)
{
    va_list ap;

    if (*printed) {
        return false;
    }
    *printed = true;
    va_start(ap, fmt);
    vreport(REPORT_ERROR, fmt, ap);
    va_end(ap);
    return true;
}

bool warn_report_once_cond(bool *printed, const char *fmt, ...)
{
    va_list ap;

    if (*printed) {
        return false;
    }
    *printed = true;
    va_start(ap, fmt);
    vreport(REPORT_WARNING, fmt, ap);
    va_end(ap);
    return true;
}
