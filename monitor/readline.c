/*
 * HMP line editor: keeps the line being typed and its cursor, redraws
 * it with VT100 sequences, walks the history and completes words.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "monitor/readline.h"

enum { RS_NORM, RS_ESC, RS_CSI, RS_SS3 };

struct ReadLineState {
    char buf[READLINE_CMD_BUF_SIZE + 1];
    int len;
    int pos;
    int esc_state;
    int esc_param;

    char *history[READLINE_MAX_CMDS];
    int hist_len;
    int hist_idx;           /* entry shown while browsing, or hist_len */
    char *saved_line;       /* the line typed before browsing */

    char *completions[READLINE_MAX_COMPLETIONS];
    int nb_completions;
    int completion_index;

    char prompt[256];
    int read_password;
    ReadLineFunc *readline_func;
    void *readline_opaque;

    ReadLinePrintfFunc *printf_func;
    ReadLineFlushFunc *flush_func;
    ReadLineCompletionFunc *completion_finder;
    void *opaque;
};

ReadLineState *readline_init(ReadLinePrintfFunc *printf_func,
                             ReadLineFlushFunc *flush_func,
                             void *opaque,
                             ReadLineCompletionFunc *completion_finder)
{
    ReadLineState *rs = g_new0(ReadLineState, 1);

    rs->printf_func = printf_func;
    rs->flush_func = flush_func;
    rs->opaque = opaque;
    rs->completion_finder = completion_finder;
    return rs;
}

static void readline_clear_completions(ReadLineState *rs)
{
    int i;

    for (i = 0; i < rs->nb_completions; i++) {
        g_free(rs->completions[i]);
        rs->completions[i] = NULL;
    }
    rs->nb_completions = 0;
}

void readline_free(ReadLineState *rs)
{
    int i;

    if (!rs) {
        return;
    }
    for (i = 0; i < rs->hist_len; i++) {
        g_free(rs->history[i]);
    }
    readline_clear_completions(rs);
    g_free(rs->saved_line);
    g_free(rs);
}

/* Redraws prompt and line, then puts the terminal cursor at pos. */
static void readline_redraw(ReadLineState *rs)
{
    if (rs->read_password) {
        return;
    }
    rs->buf[rs->len] = '\0';
    rs->printf_func(rs->opaque, "\r%s%s\033[K", rs->prompt, rs->buf);
    if (rs->len > rs->pos) {
        rs->printf_func(rs->opaque, "\033[%dD", rs->len - rs->pos);
    }
    rs->flush_func(rs->opaque);
}

void readline_show_prompt(ReadLineState *rs)
{
    rs->printf_func(rs->opaque, "%s", rs->prompt);
    rs->flush_func(rs->opaque);
    if (rs->len) {
        readline_redraw(rs);
    }
}

static void readline_insert(ReadLineState *rs, const char *s, int n)
{
    if (rs->len + n > READLINE_CMD_BUF_SIZE) {
        n = READLINE_CMD_BUF_SIZE - rs->len;
    }
    if (n <= 0) {
        return;
    }
    memmove(rs->buf + rs->pos + n, rs->buf + rs->pos, rs->len - rs->pos);
    memcpy(rs->buf + rs->pos, s, n);
    rs->pos += n;
    rs->len += n;
    rs->buf[rs->len] = '\0';
}

static void readline_delete_range(ReadLineState *rs, int from, int to)
{
    if (from >= to) {
        return;
    }
    memmove(rs->buf + from, rs->buf + to, rs->len - to);
    rs->len -= to - from;
    if (rs->pos > to) {
        rs->pos -= to - from;
    } else if (rs->pos > from) {
        rs->pos = from;
    }
    rs->buf[rs->len] = '\0';
}

static void readline_set_line(ReadLineState *rs, const char *s)
{
    int n = MIN((int)strlen(s), READLINE_CMD_BUF_SIZE);

    memcpy(rs->buf, s, n);
    rs->len = rs->pos = n;
    rs->buf[n] = '\0';
}

static void readline_history_add(ReadLineState *rs, const char *line)
{
    int i;

    if (!line[0]) {
        return;
    }
    /* A repeated command moves to the end instead of appearing twice. */
    for (i = 0; i < rs->hist_len; i++) {
        if (!strcmp(rs->history[i], line)) {
            char *e = rs->history[i];

            memmove(&rs->history[i], &rs->history[i + 1],
                    (rs->hist_len - i - 1) * sizeof(char *));
            rs->history[rs->hist_len - 1] = e;
            return;
        }
    }
    if (rs->hist_len == READLINE_MAX_CMDS) {
        g_free(rs->history[0]);
        memmove(&rs->history[0], &rs->history[1],
                (READLINE_MAX_CMDS - 1) * sizeof(char *));
        rs->hist_len--;
    }
    rs->history[rs->hist_len++] = g_strdup(line);
}

static void readline_history_move(ReadLineState *rs, int dir)
{
    int idx = rs->hist_idx + dir;

    if (idx < 0 || idx > rs->hist_len) {
        return;
    }
    if (rs->hist_idx == rs->hist_len) {
        rs->buf[rs->len] = '\0';
        g_free(rs->saved_line);
        rs->saved_line = g_strdup(rs->buf);
    }
    rs->hist_idx = idx;
    readline_set_line(rs, idx == rs->hist_len ?
                      (rs->saved_line ? rs->saved_line : "") :
                      rs->history[idx]);
    readline_redraw(rs);
}

void readline_add_completion(ReadLineState *rs, const char *str)
{
    int i;

    if (rs->nb_completions >= READLINE_MAX_COMPLETIONS) {
        return;
    }
    for (i = 0; i < rs->nb_completions; i++) {
        if (!strcmp(rs->completions[i], str)) {
            return;
        }
    }
    rs->completions[rs->nb_completions++] = g_strdup(str);
}

void readline_add_completion_of(ReadLineState *rs, const char *pfx,
                                const char *str)
{
    if (!strncmp(str, pfx, strlen(pfx))) {
        readline_add_completion(rs, str);
    }
}

void readline_set_completion_index(ReadLineState *rs, int completion_index)
{
    rs->completion_index = completion_index;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void readline_complete(ReadLineState *rs)
{
    char *before;
    int i, common;

    if (!rs->completion_finder) {
        return;
    }
    readline_clear_completions(rs);
    rs->completion_index = 0;
    before = g_strndup(rs->buf, rs->pos);
    rs->completion_finder(rs->opaque, before);
    g_free(before);
    if (!rs->nb_completions) {
        return;
    }
    /* Extend the word by what every candidate has in common. */
    common = strlen(rs->completions[0]);
    for (i = 1; i < rs->nb_completions; i++) {
        int j = 0;

        while (j < common && rs->completions[i][j] == rs->completions[0][j]) {
            j++;
        }
        common = j;
    }
    if (common > rs->completion_index) {
        readline_insert(rs, rs->completions[0] + rs->completion_index,
                        common - rs->completion_index);
    }
    if (rs->nb_completions == 1) {
        if (rs->pos == rs->len) {
            readline_insert(rs, " ", 1);
        }
        readline_redraw(rs);
        return;
    }
    if (common > rs->completion_index) {
        readline_redraw(rs);
        return;
    }
    /* Ambiguous: list the candidates under the line. */
    qsort(rs->completions, rs->nb_completions, sizeof(char *), cmp_str);
    rs->printf_func(rs->opaque, "\n");
    for (i = 0; i < rs->nb_completions; i++) {
        rs->printf_func(rs->opaque, "%s%s", rs->completions[i],
                        (i + 1) % 4 && i + 1 < rs->nb_completions ?
                        "  " : "\n");
    }
    readline_show_prompt(rs);
}

static void readline_enter(ReadLineState *rs)
{
    char *line;
    ReadLineFunc *func = rs->readline_func;
    void *fop = rs->readline_opaque;

    rs->buf[rs->len] = '\0';
    line = g_strdup(rs->buf);
    if (!rs->read_password) {
        readline_history_add(rs, line);
    }
    rs->printf_func(rs->opaque, "\n");
    rs->flush_func(rs->opaque);
    rs->len = rs->pos = 0;
    rs->buf[0] = '\0';
    rs->hist_idx = rs->hist_len;
    g_free(rs->saved_line);
    rs->saved_line = NULL;
    rs->read_password = 0;
    rs->readline_func = NULL;
    if (func) {
        func(rs->opaque, line, fop);
    }
    g_free(line);
}

static int word_start(ReadLineState *rs)
{
    int p = rs->pos;

    while (p > 0 && rs->buf[p - 1] == ' ') {
        p--;
    }
    while (p > 0 && rs->buf[p - 1] != ' ') {
        p--;
    }
    return p;
}

static void readline_csi(ReadLineState *rs, int ch)
{
    switch (ch) {
    case 'A':
        readline_history_move(rs, -1);
        return;
    case 'B':
        readline_history_move(rs, 1);
        return;
    case 'C':
        if (rs->pos < rs->len) {
            rs->pos++;
        }
        break;
    case 'D':
        if (rs->pos > 0) {
            rs->pos--;
        }
        break;
    case 'H':
        rs->pos = 0;
        break;
    case 'F':
        rs->pos = rs->len;
        break;
    case '~':
        switch (rs->esc_param) {
        case 1:
        case 7:
            rs->pos = 0;
            break;
        case 4:
        case 8:
            rs->pos = rs->len;
            break;
        case 3:
            readline_delete_range(rs, rs->pos, MIN(rs->pos + 1, rs->len));
            break;
        default:
            return;
        }
        break;
    default:
        return;
    }
    readline_redraw(rs);
}

void readline_handle_byte(ReadLineState *rs, int ch)
{
    switch (rs->esc_state) {
    case RS_ESC:
        if (ch == '[') {
            rs->esc_state = RS_CSI;
            rs->esc_param = 0;
        } else if (ch == 'O') {
            rs->esc_state = RS_SS3;
            rs->esc_param = 0;
        } else {
            rs->esc_state = RS_NORM;
        }
        return;
    case RS_CSI:
        if (ch >= '0' && ch <= '9') {
            rs->esc_param = rs->esc_param * 10 + (ch - '0');
            return;
        }
        if (ch == ';') {
            return;
        }
        rs->esc_state = RS_NORM;
        readline_csi(rs, ch);
        return;
    case RS_SS3:
        rs->esc_state = RS_NORM;
        readline_csi(rs, ch);
        return;
    default:
        break;
    }

    switch (ch) {
    case 27:
        rs->esc_state = RS_ESC;
        return;
    case '\r':
    case '\n':
        readline_enter(rs);
        return;
    case 1:     /* ^A */
        rs->pos = 0;
        break;
    case 2:     /* ^B */
        if (rs->pos > 0) {
            rs->pos--;
        }
        break;
    case 4:     /* ^D: delete under the cursor */
        readline_delete_range(rs, rs->pos, MIN(rs->pos + 1, rs->len));
        break;
    case 5:     /* ^E */
        rs->pos = rs->len;
        break;
    case 6:     /* ^F */
        if (rs->pos < rs->len) {
            rs->pos++;
        }
        break;
    case 8:     /* ^H */
    case 127:
        readline_delete_range(rs, MAX(rs->pos - 1, 0), rs->pos);
        break;
    case 9:
        readline_complete(rs);
        return;
    case 11:    /* ^K */
        readline_delete_range(rs, rs->pos, rs->len);
        break;
    case 14:    /* ^N */
        readline_history_move(rs, 1);
        return;
    case 16:    /* ^P */
        readline_history_move(rs, -1);
        return;
    case 21:    /* ^U */
        readline_delete_range(rs, 0, rs->pos);
        break;
    case 23:    /* ^W */
        readline_delete_range(rs, word_start(rs), rs->pos);
        break;
    default:
        if (ch >= 32) {
            char c = ch;

            readline_insert(rs, &c, 1);
            break;
        }
        return;
    }
    readline_redraw(rs);
}

void readline_start(ReadLineState *rs, const char *prompt, int read_password,
                    ReadLineFunc *readline_func, void *readline_opaque)
{
    g_strlcpy(rs->prompt, prompt, sizeof(rs->prompt));
    rs->readline_func = readline_func;
    rs->readline_opaque = readline_opaque;
    rs->read_password = read_password;
    rs->hist_idx = rs->hist_len;
}

void readline_restart(ReadLineState *rs)
{
    rs->len = rs->pos = 0;
    rs->buf[0] = '\0';
}

const char *readline_get_history(ReadLineState *rs, unsigned int index)
{
    if (index >= (unsigned int)rs->hist_len) {
        return NULL;
    }
    return rs->history[index];
}

const char *readline_get_line(ReadLineState *rs, int *cursor)
{
    rs->buf[rs->len] = '\0';
    if (cursor) {
        *cursor = rs->pos;
    }
    return rs->buf;
}
