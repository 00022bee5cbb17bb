/*
 * The debug log: -d selects items, -D names the file (stderr otherwise).
 * Lines from different threads never interleave: each qemu_log() call is
 * formatted first and written with one locked fwrite.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/log.h"
#include "trace/control.h"

int qemu_loglevel;

static FILE *log_file;              /* NULL: stderr */
static char *log_filename;
static bool log_opened;
static GMutex log_lock;

typedef struct LogItem {
    int mask;
    const char *name;
    const char *help;
} LogItem;

static const LogItem log_items[] = {
    { CPU_LOG_TB_OUT_ASM, "out_asm",
      "show generated host code (as bytes) for each compiled TB" },
    { CPU_LOG_TB_IN_ASM, "in_asm", "show target assembly code for each "
      "compiled TB" },
    { CPU_LOG_INT, "int", "show interrupts/exceptions in short format" },
    { CPU_LOG_EXEC, "exec", "show trace before each executed TB (lots of "
      "logs)" },
    { CPU_LOG_TB_CPU, "cpu", "show CPU registers before entering a TB "
      "(lots of logs)" },
    { CPU_LOG_TB_FPU, "fpu", "include FPU registers in the 'cpu' logging" },
    { CPU_LOG_MMU, "mmu", "log MMU-related activities" },
    { CPU_LOG_RESET, "cpu_reset", "show CPU state before CPU resets" },
    { LOG_UNIMP, "unimp", "log unimplemented functionality" },
    { LOG_GUEST_ERROR, "guest_errors", "log when the guest OS does something "
      "invalid (eg accessing a\nnon-existent register)" },
    { CPU_LOG_TB_NOCHAIN, "nochain", "do not chain compiled TBs so that "
      "\"exec\" and \"cpu\" show\ncomplete traces" },
    { 0, NULL, NULL },
};

void qemu_log_vprintf(const char *fmt, va_list ap)
{
    g_autofree char *line = g_strdup_vprintf(fmt, ap);
    FILE *f;

    g_mutex_lock(&log_lock);
    f = log_file ? log_file : stderr;
    fwrite(line, 1, strlen(line), f);
    fflush(f);
    g_mutex_unlock(&log_lock);
}

void qemu_log(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    qemu_log_vprintf(fmt, ap);
    va_end(ap);
}

int qemu_str_to_log_mask(const char *str)
{
    g_auto(GStrv) parts = g_strsplit(str, ",", -1);
    int mask = 0;

    for (char **p = parts; *p; p++) {
        const LogItem *item;

        if (!strcmp(*p, "all")) {
            for (item = log_items; item->mask; item++) {
                mask |= item->mask;
            }
            continue;
        }
        if (g_str_has_prefix(*p, "trace:") && (*p)[6]) {
            trace_enable_events(*p + 6);
            mask |= LOG_TRACE;
            continue;
        }
        for (item = log_items; item->mask; item++) {
            if (!strcmp(item->name, *p)) {
                break;
            }
        }
        if (!item->mask) {
            return 0;
        }
        mask |= item->mask;
    }
    return mask;
}

void qemu_print_log_usage(FILE *f)
{
    fprintf(f, "Log items (comma separated):\n");
    for (const LogItem *item = log_items; item->mask; item++) {
        fprintf(f, "%-15s %s\n", item->name, item->help);
    }
    fprintf(f, "trace:PATTERN   enable trace events\n");
    fprintf(f, "\nUse \"-d trace:help\" to get a list of trace events.\n\n");
}

bool qemu_set_log_filename(const char *filename, Error **errp)
{
    if (g_strcmp0(filename, log_filename)) {
        log_opened = false;     /* a new file starts afresh */
    }
    g_free(log_filename);
    log_filename = filename ? g_strdup(filename) : NULL;
    return true;
}

bool qemu_set_log(int mask, Error **errp)
{
    FILE *f = NULL;

    if (log_filename) {
        /* Like QEMU: the first open starts the file afresh, later ones
         * (the HMP "log" command, re-setting -D) append to it. */
        f = fopen(log_filename, log_opened ? "a" : "w");
        if (!f) {
            error_setg_errno(errp, errno, "Error opening logfile %s",
                             log_filename);
            return false;
        }
        setvbuf(f, NULL, _IOLBF, 0);
        log_opened = true;
    }
    g_mutex_lock(&log_lock);
    if (log_file) {
        fclose(log_file);
    }
    log_file = f;
    g_mutex_unlock(&log_lock);
    qemu_loglevel = mask;
    return true;
}
