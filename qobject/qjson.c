/*
 * QObject <-> JSON text: one-shot parsing on top of the streaming
 * parser, and the writer (compact or pretty, always ASCII output).
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "qobject/qjson.h"
#include "qobject/qbool.h"
#include "qobject/qdict.h"
#include "qobject/qlist.h"
#include "qobject/qnum.h"
#include "qobject/qstring.h"
#include "json-parser-int.h"

typedef struct ParseOneState {
    QObject *result;
    Error *err;
} ParseOneState;

static void parse_one_emit(void *opaque, QObject *json, Error *err)
{
    ParseOneState *s = opaque;

    if (s->result) {
        /* A second value: the whole input is rejected. */
        qobject_unref(s->result);
        s->result = NULL;
        error_setg(&s->err, "Expecting at most one JSON value");
    }
    if (s->err) {
        qobject_unref(json);
        error_free(err);
        return;
    }
    s->result = json;
    s->err = err;
}

QObject *qobject_from_json(const char *string, Error **errp)
{
    ParseOneState state = { 0 };
    JSONMessageParser parser;

    json_message_parser_init(&parser, parse_one_emit, &state, NULL);
    json_message_parser_feed(&parser, string, strlen(string));
    json_message_parser_flush(&parser);
    json_message_parser_destroy(&parser);

    if (!state.result && !state.err) {
        error_setg(&state.err, "Expecting a JSON value");
    }
    error_propagate(errp, state.err);
    return state.result;
}

QDict *qdict_from_json(const char *string, Error **errp)
{
    QObject *obj = qobject_from_json(string, errp);
    QDict *dict = qobject_to(QDict, obj);

    if (obj && !dict) {
        error_setg(errp, "Expecting a JSON object");
        qobject_unref(obj);
    }
    return dict;
}

/* Characters that can be copied to the output unchanged. */
static inline bool json_plain_char(unsigned char c)
{
    return c >= 0x20 && c < 0x7F && c != '"' && c != '\\';
}

void json_append_quoted(GString *out, const char *str)
{
    const char *p = str;

    g_string_append_c(out, '"');
    while (*p) {
        const char *run = p;
        const char *next;
        int cp;

        while (json_plain_char(*p)) {
            p++;
        }
        if (p > run) {
            g_string_append_len(out, run, p - run);
            continue;
        }
        if (!*p) {
            break;
        }
        switch (*p) {
        case '"':
            g_string_append(out, "\\\"");
            p++;
            continue;
        case '\\':
            g_string_append(out, "\\\\");
            p++;
            continue;
        case '\b':
            g_string_append(out, "\\b");
            p++;
            continue;
        case '\f':
            g_string_append(out, "\\f");
            p++;
            continue;
        case '\n':
            g_string_append(out, "\\n");
            p++;
            continue;
        case '\r':
            g_string_append(out, "\\r");
            p++;
            continue;
        case '\t':
            g_string_append(out, "\\t");
            p++;
            continue;
        default:
            break;
        }
        cp = json_utf8_decode(p, 6, &next);
        p = next;
        if (cp < 0) {
            cp = 0xFFFD;                /* replacement character */
        }
        if (cp > 0xFFFF) {
            /* outside the BMP: a surrogate pair */
            g_string_append_printf(out, "\\u%04X\\u%04X",
                                   0xD800 + ((cp - 0x10000) >> 10),
                                   0xDC00 + ((cp - 0x10000) & 0x3FF));
        } else {
            g_string_append_printf(out, "\\u%04X", cp);
        }
    }
    g_string_append_c(out, '"');
}

static void newline_indent(GString *out, int depth)
{
    g_string_append_c(out, '\n');
    for (; depth > 0; depth--) {
        g_string_append(out, "    ");
    }
}

static void append_number(GString *out, const QNum *qn)
{
    char buf[G_ASCII_DTOSTR_BUF_SIZE];

    switch (qn->kind) {
    case QNUM_I64:
        g_string_append_printf(out, "%" PRId64, qn->u.i64);
        break;
    case QNUM_U64:
        g_string_append_printf(out, "%" PRIu64, qn->u.u64);
        break;
    case QNUM_DOUBLE:
        /* Locale-independent; the same digits QEMU writes. */
        g_string_append(out, g_ascii_formatd(buf, sizeof(buf), "%.17g",
                                             qn->u.dbl));
        break;
    }
}

static void append_value(GString *out, const QObject *obj, bool pretty,
                         int depth)
{
    switch (qobject_type(obj)) {
    case QTYPE_QNULL:
        g_string_append(out, "null");
        break;
    case QTYPE_QBOOL:
        g_string_append(out, qbool_get_bool(qobject_to(QBool, obj))
                             ? "true" : "false");
        break;
    case QTYPE_QNUM:
        append_number(out, qobject_to(QNum, obj));
        break;
    case QTYPE_QSTRING:
        json_append_quoted(out, qstring_get_str(qobject_to(QString, obj)));
        break;
    case QTYPE_QDICT: {
        const QDict *dict = qobject_to(QDict, obj);
        const QDictEntry *e;

        g_string_append_c(out, '{');
        for (e = qdict_first(dict); e; e = qdict_next(dict, e)) {
            if (e != qdict_first(dict)) {
                g_string_append_c(out, ',');
                if (!pretty) {
                    g_string_append_c(out, ' ');
                }
            }
            if (pretty) {
                newline_indent(out, depth + 1);
            }
            json_append_quoted(out, e->key);
            g_string_append(out, ": ");
            append_value(out, e->value, pretty, depth + 1);
        }
        if (pretty) {
            newline_indent(out, depth);
        }
        g_string_append_c(out, '}');
        break;
    }
    case QTYPE_QLIST: {
        const QList *list = qobject_to(QList, obj);
        const QListEntry *e;

        g_string_append_c(out, '[');
        for (e = qlist_first(list); e; e = qlist_next(e)) {
            if (e != qlist_first(list)) {
                g_string_append_c(out, ',');
                if (!pretty) {
                    g_string_append_c(out, ' ');
                }
            }
            if (pretty) {
                newline_indent(out, depth + 1);
            }
            append_value(out, e->value, pretty, depth + 1);
        }
        if (pretty) {
            newline_indent(out, depth);
        }
        g_string_append_c(out, ']');
        break;
    }
    default:
        g_assert_not_reached();
    }
}

void qobject_append_json(GString *out, const QObject *obj, bool pretty)
{
    append_value(out, obj, pretty, 0);
}

GString *qobject_to_json_pretty(const QObject *obj, bool pretty)
{
    GString *out = g_string_sized_new(256);

    append_value(out, obj, pretty, 0);
    return out;
}

GString *qobject_to_json(const QObject *obj)
{
    return qobject_to_json_pretty(obj, false);
}
