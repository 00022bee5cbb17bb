/*
 * HMP core: the human monitor on a chardev, command-line parsing into
 * argument dicts, dispatch, help and completion.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "qobject/qdict.h"
#include "qobject/qbool.h"
#include "qobject/qnum.h"
#include "qobject/qstring.h"
#include "chardev/char.h"
#include "monitor/hmp.h"
#include "monitor-internal.h"

/*
 * The prompt stays QEMU's "(qemu) ": scripts and tools (expect, avocado,
 * libvirt's qemu-monitor-command users) wait for exactly that string.
 */
#define HMP_PROMPT "(qemu) "

static const HMPCommand *hmp_table;
static const HMPCommand *hmp_info_table;

void hmp_set_command_tables(const HMPCommand *cmds,
                            const HMPCommand *info_cmds)
{
    hmp_table = cmds;
    hmp_info_table = info_cmds;
}

bool hmp_handle_error(Monitor *mon, Error *err)
{
    if (!err) {
        return false;
    }
    monitor_printf(mon, "Error: %s\n", error_get_pretty(err));
    error_free(err);
    return true;
}

/* Whether @name matches one of the '|'-separated names of @list. */
static bool hmp_compare_cmd(const char *name, size_t len, const char *list)
{
    const char *p = list;

    for (;;) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);

        if (n == len && !strncmp(p, name, len)) {
            return true;
        }
        if (!bar) {
            return false;
        }
        p = bar + 1;
    }
}

static const HMPCommand *hmp_find(const HMPCommand *table, const char *name,
                                  size_t len)
{
    const HMPCommand *cmd;

    for (cmd = table; cmd && cmd->name; cmd++) {
        if (hmp_compare_cmd(name, len, cmd->name)) {
            return cmd;
        }
    }
    return NULL;
}

static const char *skip_spaces(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
        p++;
    }
    return p;
}

/*
 * Reads one word at *pp into a new string: up to white space, or a
 * double-quoted string with \n \r \t \\ \' \" escapes.  NULL on error.
 */
static char *get_word(const char **pp)
{
    const char *p = skip_spaces(*pp);
    GString *s = g_string_new(NULL);

    if (*p == '"') {
        p++;
        while (*p && *p != '"') {
            if (*p == '\\') {
                p++;
                switch (*p) {
                case 'n':
                    g_string_append_c(s, '\n');
                    break;
                case 'r':
                    g_string_append_c(s, '\r');
                    break;
                case 't':
                    g_string_append_c(s, '\t');
                    break;
                case '\\':
                case '\'':
                case '"':
                    g_string_append_c(s, *p);
                    break;
                default:
                    g_string_free(s, true);
                    return NULL;
                }
                p++;
            } else {
                g_string_append_c(s, *p++);
            }
        }
        if (*p != '"') {
            g_string_free(s, true);
            return NULL;
        }
        p++;
    } else {
        while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') {
            g_string_append_c(s, *p++);
        }
    }
    *pp = p;
    return g_string_free(s, false);
}

static bool parse_int(const char *s, int64_t *val)
{
    char *end;
    long long v;

    errno = 0;
    v = strtoll(s, &end, 0);
    if (errno || end == s || *end) {
        return false;
    }
    *val = v;
    return true;
}

/*
 * Fills @qdict from @p per @cmd->args_type; prints the problem and
 * returns false on bad input.
 */
static bool hmp_parse_args(Monitor *mon, const HMPCommand *cmd,
                           const char *p, QDict *qdict)
{
    gchar **specs = g_strsplit(cmd->args_type ? cmd->args_type : "", ",", -1);
    bool ok = false;
    int i;

    for (i = 0; specs[i] && specs[i][0]; i++) {
        char *colon = strchr(specs[i], ':');
        const char *type;
        bool optional;
        size_t tlen;

        if (!colon) {
            continue;
        }
        *colon = '\0';
        type = colon + 1;
        tlen = strlen(type);
        optional = tlen > 1 && type[tlen - 1] == '?';
        p = skip_spaces(p);

        if (type[0] == '/') {
            /*
             * QEMU's "/fmt" of x and xp: /[count][format][size] with
             * format one of x d u o c i and size b h w g; defaults 1 x w.
             */
            int64_t count = 1;
            int format = 'x', size = 4;

            if (*p == '/') {
                char *end;

                p++;
                if (g_ascii_isdigit(*p)) {
                    count = strtol(p, &end, 10);
                    p = end;
                }
                while (*p && *p != ' ' && *p != '\t') {
                    switch (*p) {
                    case 'x': case 'd': case 'u': case 'o': case 'c':
                    case 'i':
                        format = *p;
                        break;
                    case 'b':
                        size = 1;
                        break;
                    case 'h':
                        size = 2;
                        break;
                    case 'w':
                        size = 4;
                        break;
                    case 'g':
                    case 'L':
                        size = 8;
                        break;
                    default:
                        monitor_printf(mon, "invalid char in format: '%c'\n",
                                       *p);
                        goto out;
                    }
                    p++;
                }
                if (format == 'c') {
                    size = 1;
                }
            }
            qdict_put_int(qdict, "count", count);
            qdict_put_int(qdict, "format", format);
            qdict_put_int(qdict, "size", size);
            continue;
        }
        if (type[0] == '-') {
            /* A flag such as -j. */
            if (p[0] == '-' && p[1] == type[1] &&
                (!p[2] || p[2] == ' ' || p[2] == '\t')) {
                qdict_put_bool(qdict, specs[i], true);
                p += 2;
            }
            continue;
        }
        if (!*p) {
            if (optional) {
                continue;
            }
            if (type[0] == 'i') {
                monitor_printf(mon, "%s: integer expected\n", cmd->name);
            } else {
                monitor_printf(mon, "%s: string expected\n", cmd->name);
            }
            goto out;
        }
        switch (type[0]) {
        case 'S': {
            size_t n = strlen(p);

            while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' ||
                         p[n - 1] == '\n' || p[n - 1] == '\r')) {
                n--;
            }
            qdict_put_obj(qdict, specs[i],
                          QOBJECT(qstring_from_substr(p, 0, n)));
            p += strlen(p);
            break;
        }
        case 's': {
            char *w = get_word(&p);

            if (!w) {
                monitor_printf(mon, "%s: string expected\n", cmd->name);
                goto out;
            }
            qdict_put_str(qdict, specs[i], w);
            g_free(w);
            break;
        }
        case 'l':
        case 'i': {
            char *w = get_word(&p);
            int64_t v;

            if (!w || !parse_int(w, &v)) {
                monitor_printf(mon, "%s: invalid integer '%s'\n", cmd->name,
                               w ? w : "");
                g_free(w);
                goto out;
            }
            qdict_put_int(qdict, specs[i], v);
            g_free(w);
            break;
        }
        default:
            monitor_printf(mon, "%s: unknown type '%c'\n", cmd->name,
                           type[0]);
            goto out;
        }
    }
    p = skip_spaces(p);
    if (*p) {
        monitor_printf(mon, "%s: extraneous characters at the end of line\n",
                       cmd->name);
        goto out;
    }
    ok = true;
out:
    g_strfreev(specs);
    return ok;
}

static bool hmp_preconfig;

void monitor_set_preconfig(bool on)
{
    hmp_preconfig = on;
}

/* Commands (and "info" items) that work before the board is built. */
static bool available_in_preconfig(const HMPCommand *cmd, bool is_info)
{
    static const char *const top[] = {
        "help|?", "info", "quit|q", "qom-list", "qom-get", "qom-set",
        "object_add", "object_del", "chardev-add", "chardev-change",
        "chardev-remove", "ringbuf_write", "ringbuf_read", NULL,
    };
    static const char *const info[] = {
        "version", "status", "name", "uuid", "chardev", "qom-tree", "kvm",
        "iothreads", "history", NULL,
    };

    return g_strv_contains(is_info ? info : top, cmd->name);
}

void handle_hmp_command(MonitorHMP *hmp, const char *cmdline)
{
    Monitor *mon = &hmp->common;
    const HMPCommand *table = hmp_table;
    const HMPCommand *cmd = NULL;
    const char *p = cmdline;
    const char *start = NULL;
    Monitor *old;
    QDict *qdict;

    p = skip_spaces(p);
    if (!*p) {
        return;
    }
    old = monitor_set_cur(mon);
    start = p;
    for (;;) {
        const char *w = skip_spaces(p);
        size_t len = 0;

        while (w[len] && w[len] != ' ' && w[len] != '\t' && w[len] != '\n') {
            len++;
        }
        cmd = len ? hmp_find(table, w, len) : NULL;
        if (!cmd) {
            monitor_printf(mon, "unknown command: '%.*s'\n",
                           (int)(w + len - start), start);
            goto done;
        }
        if (hmp_preconfig &&
            !available_in_preconfig(cmd, table != hmp_table)) {
            monitor_printf(mon, "Command '%.*s' not available until machine "
                           "initialization has completed.\n",
                           (int)(w + len - start), start);
            goto done;
        }
        p = w + len;
        if (!cmd->sub_table || !*skip_spaces(p)) {
            break;
        }
        table = cmd->sub_table;
    }
    qdict = qdict_new();
    if (hmp_parse_args(mon, cmd, p, qdict)) {
        cmd->cmd(mon, qdict);
    }
    qobject_unref(qdict);
done:
    monitor_set_cur(old);
}

static void help_cmd_dump(Monitor *mon, const HMPCommand *table,
                          const char *prefix)
{
    const HMPCommand *cmd;

    for (cmd = table; cmd && cmd->name; cmd++) {
        monitor_printf(mon, "%s%s %s -- %s\n", prefix, cmd->name,
                       cmd->params, cmd->help);
    }
}

void hmp_help(Monitor *mon, const QDict *qdict)
{
    const char *name = qdict_get_try_str(qdict, "name");
    const HMPCommand *cmd;

    if (!name || !*name) {
        help_cmd_dump(mon, hmp_table, "");
        return;
    }
    if (!strcmp(name, "info")) {
        help_cmd_dump(mon, hmp_info_table, "info ");
        return;
    }
    if (g_str_has_prefix(name, "info ")) {
        const char *sub = skip_spaces(name + 5);

        cmd = hmp_find(hmp_info_table, sub, strlen(sub));
        if (cmd) {
            monitor_printf(mon, "info %s %s -- %s\n", cmd->name, cmd->params,
                           cmd->help);
            return;
        }
    } else {
        cmd = hmp_find(hmp_table, name, strlen(name));
        if (cmd) {
            monitor_printf(mon, "%s %s -- %s\n", cmd->name, cmd->params,
                           cmd->help);
            return;
        }
    }
    monitor_printf(mon, "unknown command: '%s'\n", name);
}

void hmp_info_help(Monitor *mon, const QDict *qdict)
{
    help_cmd_dump(mon, hmp_info_table, "info ");
}

void hmp_info_history(Monitor *mon, const QDict *qdict)
{
    ReadLineState *rs = monitor_hmp_readline(mon);
    const char *str;
    int i;

    if (!rs) {
        return;
    }
    for (i = 0; (str = readline_get_history(rs, i)); i++) {
        monitor_printf(mon, "%d: '%s'\n", i, str);
    }
}

ReadLineState *monitor_hmp_readline(Monitor *mon)
{
    if (!mon || mon->is_qmp) {
        return NULL;
    }
    return container_of(mon, MonitorHMP, common)->rs;
}

/* Completion: command names, then "info" subcommand names. */
static void complete_names(ReadLineState *rs, const HMPCommand *table,
                           const char *word)
{
    const HMPCommand *cmd;

    readline_set_completion_index(rs, strlen(word));
    for (cmd = table; cmd && cmd->name; cmd++) {
        gchar **names = g_strsplit(cmd->name, "|", -1);
        int i;

        for (i = 0; names[i]; i++) {
            readline_add_completion_of(rs, word, names[i]);
        }
        g_strfreev(names);
    }
}

static void monitor_find_completion(void *opaque, const char *cmdline)
{
    MonitorHMP *hmp = opaque;
    gchar **words;
    int n;
    bool trailing_space;

    trailing_space = *cmdline && (cmdline[strlen(cmdline) - 1] == ' ' ||
                                  cmdline[strlen(cmdline) - 1] == '\t');
    words = g_strsplit_set(cmdline, " \t", -1);
    /* Drop the empty pieces repeated spaces leave. */
    {
        int i, j = 0;

        for (i = 0; words[i]; i++) {
            if (words[i][0]) {
                words[j++] = words[i];
            } else {
                g_free(words[i]);
            }
        }
        words[j] = NULL;
        n = j;
    }
    if (n == 0 || (n == 1 && !trailing_space)) {
        complete_names(hmp->rs, hmp_table, n ? words[0] : "");
    } else if ((n == 1 && trailing_space) || (n == 2 && !trailing_space)) {
        const HMPCommand *cmd = hmp_find(hmp_table, words[0],
                                         strlen(words[0]));

        if (cmd && cmd->sub_table) {
            complete_names(hmp->rs, cmd->sub_table, n == 2 ? words[1] : "");
        } else if (cmd && cmd->cmd == hmp_help) {
            complete_names(hmp->rs, hmp_table, n == 2 ? words[1] : "");
        }
    }
    g_strfreev(words);
}

static void monitor_readline_printf(void *opaque, const char *fmt, ...)
{
    MonitorHMP *hmp = opaque;
    va_list ap;

    va_start(ap, fmt);
    monitor_vprintf(&hmp->common, fmt, ap);
    va_end(ap);
}

static void monitor_readline_flush(void *opaque)
{
    MonitorHMP *hmp = opaque;

    monitor_flush(&hmp->common);
}

static void monitor_command_cb(void *opaque, const char *cmdline,
                               void *readline_opaque)
{
    MonitorHMP *hmp = opaque;

    monitor_suspend(&hmp->common);
    handle_hmp_command(hmp, cmdline);
    if (!hmp->common.dead) {
        monitor_resume(&hmp->common);
        readline_start(hmp->rs, HMP_PROMPT, 0, monitor_command_cb, NULL);
        if (!hmp->common.suspend_cnt) {
            readline_show_prompt(hmp->rs);
        }
    }
}

static int monitor_hmp_can_read(void *opaque)
{
    MonitorHMP *hmp = opaque;

    /* One byte at a time, so a suspend (quit, focus switch) stops input. */
    return !hmp->common.suspend_cnt;
}

static void monitor_hmp_read(void *opaque, const uint8_t *buf, int size)
{
    MonitorHMP *hmp = opaque;
    int i;

    if (hmp->rs) {
        for (i = 0; i < size; i++) {
            readline_handle_byte(hmp->rs, buf[i]);
        }
        return;
    }
    /* Without line editing: collect bytes up to a newline. */
    for (i = 0; i < size; i++) {
        if (buf[i] == '\n' || buf[i] == '\r') {
            char *line;

            if (!hmp->linebuf) {
                continue;
            }
            line = g_string_free(hmp->linebuf, false);
            hmp->linebuf = NULL;
            handle_hmp_command(hmp, line);
            g_free(line);
        } else if (buf[i]) {
            if (!hmp->linebuf) {
                hmp->linebuf = g_string_new(NULL);
            }
            if (hmp->linebuf->len < READLINE_CMD_BUF_SIZE) {
                g_string_append_c(hmp->linebuf, buf[i]);
            }
        }
    }
}

static void monitor_hmp_event(void *opaque, QEMUChrEvent event)
{
    MonitorHMP *hmp = opaque;
    Monitor *mon = &hmp->common;

    switch (event) {
    case CHR_EVENT_OPENED:
        mon->connected = true;
        hmp->banner_pending = true;
        if (hmp->mux_out) {
            /* A shared terminal showing another front end: wait. */
            break;
        }
        /* fall through */
    case CHR_EVENT_MUX_IN:
        if (event == CHR_EVENT_MUX_IN && hmp->mux_out) {
            hmp->mux_out = false;
            monitor_resume(mon);
        }
        if (hmp->banner_pending) {
            hmp->banner_pending = false;
            monitor_printf(mon, "Vireo %s (QEMU %d.%d.%d) monitor - type "
                           "'help' for more information\n", VIREO_VERSION,
                           VIREO_QEMU_ABI_MAJOR, VIREO_QEMU_ABI_MINOR,
                           VIREO_QEMU_ABI_MICRO);
        }
        if (hmp->rs) {
            readline_restart(hmp->rs);
            readline_show_prompt(hmp->rs);
        }
        break;
    case CHR_EVENT_MUX_OUT:
        if (hmp->mux_out) {
            break;
        }
        if (hmp->rs && !hmp->banner_pending) {
            monitor_printf(mon, "\n");
        }
        monitor_flush(mon);
        hmp->mux_out = true;
        monitor_suspend(mon);
        break;
    case CHR_EVENT_CLOSED:
        mon->connected = false;
        monitor_fdsets_cleanup();
        break;
    default:
        break;
    }
}

void monitor_data_init_hmp(MonitorHMP *hmp, bool use_chr)
{
    monitor_data_init(&hmp->common, false, use_chr);
}

void monitor_init_hmp(Chardev *chr, bool use_readline, Error **errp)
{
    MonitorHMP *hmp = g_new0(MonitorHMP, 1);

    if (!qemu_chr_fe_init(&hmp->common.chr, chr, errp)) {
        g_free(hmp);
        return;
    }
    monitor_data_init_hmp(hmp, true);
    if (use_readline) {
        hmp->rs = readline_init(monitor_readline_printf,
                                monitor_readline_flush, hmp,
                                monitor_find_completion);
        readline_start(hmp->rs, HMP_PROMPT, 0, monitor_command_cb, NULL);
    }
    monitor_list_append(&hmp->common);
    qemu_chr_fe_set_handlers(&hmp->common.chr, monitor_hmp_can_read,
                             monitor_hmp_read, monitor_hmp_event, NULL, hmp,
                             NULL, true);
}

void monitor_hmp_destroy(MonitorHMP *hmp)
{
    hmp->common.dead = true;
    monitor_data_destroy(&hmp->common);
    readline_free(hmp->rs);
    if (hmp->capture) {
        g_string_free(hmp->capture, true);
    }
    if (hmp->linebuf) {
        g_string_free(hmp->linebuf, true);
    }
    g_free(hmp);
}
