/*
 * JSON parser: turns the tokens of one message into a QObject.
 *
 * Only the first error of a message is reported, with QEMU's wording
 * ("JSON parse error, <what>").  Strings are decoded and validated here:
 * escapes, surrogate pairs and modified UTF-8 (U+0000 is stored as the
 * two bytes C0 80 so strings stay NUL-terminated).
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "qobject/qbool.h"
#include "qobject/qdict.h"
#include "qobject/qlist.h"
#include "qobject/qnull.h"
#include "qobject/qnum.h"
#include "qobject/qstring.h"
#include "json-parser-int.h"

typedef struct ParserContext {
    const JSONToken *tokens;
    size_t count;
    size_t pos;
    const char *text;
    Error *err;
} ParserContext;

static QObject *parse_value(ParserContext *ctxt);

static void VIREO_PRINTF(2, 3) parse_error(ParserContext *ctxt,
                                           const char *fmt, ...)
{
    va_list ap;
    char *msg;

    if (ctxt->err) {
        return;
    }
    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    error_setg(&ctxt->err, "JSON parse error, %s", msg);
    g_free(msg);
}

static const JSONToken *peek_token(ParserContext *ctxt)
{
    return ctxt->pos < ctxt->count ? &ctxt->tokens[ctxt->pos] : NULL;
}

static const JSONToken *pop_token(ParserContext *ctxt)
{
    return ctxt->pos < ctxt->count ? &ctxt->tokens[ctxt->pos++] : NULL;
}

static const char *token_str(ParserContext *ctxt, const JSONToken *token)
{
    return ctxt->text + token->offset;
}

static bool is_valid_codepoint(uint32_t cp)
{
    if (cp > 0x10FFFF) {
        return false;
    }
    if (cp >= 0xD800 && cp <= 0xDFFF) {
        return false;                   /* surrogate */
    }
    if ((cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE) {
        return false;                   /* non-character */
    }
    return true;
}

int json_utf8_decode(const char *s, size_t n, const char **end)
{
    static const uint32_t min_for_len[7] = {
        0, 0, 0x80, 0x800, 0x10000, 0x200000, 0x4000000
    };
    const unsigned char *p = (const unsigned char *)s;
    unsigned char lead;
    unsigned len, i;
    uint32_t cp;

    if (n == 0 || *p == 0) {
        *end = s;
        return -1;
    }
    lead = *p++;
    if (lead < 0x80) {
        *end = (const char *)p;
        return lead;
    }
    if (lead >= 0xFE || (lead & 0xC0) == 0x80) {
        /* impossible byte, or a continuation byte out of place */
        *end = (const char *)p;
        return -1;
    }
    for (len = 1; lead & (0x80 >> len); len++) {
        /* count the leading one bits */
    }
    cp = lead & ((1u << (7 - len)) - 1);
    for (i = 1; i < len; i++) {
        if (i >= n || (*p & 0xC0) != 0x80) {
            *end = (const char *)p;
            return -1;
        }
        cp = (cp << 6) | (*p++ & 0x3F);
    }
    *end = (const char *)p;
    if (!is_valid_codepoint(cp)) {
        return -1;
    }
    if (cp < min_for_len[len] && !(cp == 0 && len == 2)) {
        return -1;                      /* overlong, other than C0 80 */
    }
    return cp;
}

int json_utf8_encode(char *buf, int cp)
{
    if (cp < 0 || !is_valid_codepoint(cp)) {
        return -1;
    }
    if (cp > 0 && cp < 0x80) {
        buf[0] = cp;
        buf[1] = 0;
        return 1;
    }
    if (cp < 0x800) {
        /* includes U+0000 as C0 80 */
        buf[0] = 0xC0 | (cp >> 6);
        buf[1] = 0x80 | (cp & 0x3F);
        buf[2] = 0;
        return 2;
    }
    if (cp < 0x10000) {
        buf[0] = 0xE0 | (cp >> 12);
        buf[1] = 0x80 | ((cp >> 6) & 0x3F);
        buf[2] = 0x80 | (cp & 0x3F);
        buf[3] = 0;
        return 3;
    }
    buf[0] = 0xF0 | (cp >> 18);
    buf[1] = 0x80 | ((cp >> 12) & 0x3F);
    buf[2] = 0x80 | ((cp >> 6) & 0x3F);
    buf[3] = 0x80 | (cp & 0x3F);
    buf[4] = 0;
    return 4;
}

/* Four hex digits at @s (stopping at @end), or -1. */
static int hex4(const char *s, const char *end)
{
    int val = 0;
    int i;

    for (i = 0; i < 4; i++) {
        int d;

        if (s + i >= end) {
            return -1;
        }
        d = g_ascii_xdigit_value(s[i]);
        if (d < 0) {
            return -1;
        }
        val = (val << 4) | d;
    }
    return val;
}

static QString *parse_string(ParserContext *ctxt, const JSONToken *token)
{
    const char *ptr = token_str(ctxt, token);
    const char *end = ptr + token->len - 1;     /* the closing quote */
    GString *str = g_string_sized_new(token->len);
    char utf8[5];

    ptr++;                                      /* the opening quote */
    while (ptr < end) {
        const char *run = ptr;
        const char *next;
        int cp;

        /* Plain ASCII needs no decoding. */
        while (ptr < end && (unsigned char)*ptr >= 0x20 &&
               (unsigned char)*ptr < 0x80 && *ptr != '\\') {
            ptr++;
        }
        if (ptr > run) {
            g_string_append_len(str, run, ptr - run);
            continue;
        }

        if (*ptr == '\\') {
            const char *esc = ptr;

            ptr += 2;
            switch (esc[1]) {
            case '"':
            case '\'':
            case '\\':
            case '/':
                g_string_append_c(str, esc[1]);
                break;
            case 'b':
                g_string_append_c(str, '\b');
                break;
            case 'f':
                g_string_append_c(str, '\f');
                break;
            case 'n':
                g_string_append_c(str, '\n');
                break;
            case 'r':
                g_string_append_c(str, '\r');
                break;
            case 't':
                g_string_append_c(str, '\t');
                break;
            case 'u':
                cp = hex4(ptr, end);
                ptr = MIN(ptr + 4, end);
                if (cp >= 0xD800 && cp <= 0xDBFF &&
                    end - ptr >= 2 && ptr[0] == '\\' && ptr[1] == 'u') {
                    /* a leading surrogate needs its trailing half */
                    int low = hex4(ptr + 2, end);

                    if (low >= 0xDC00 && low <= 0xDFFF) {
                        cp = 0x10000 + ((cp & 0x3FF) << 10) + (low & 0x3FF);
                        ptr += 6;
                    } else {
                        cp = -1;
                    }
                }
                if (json_utf8_encode(utf8, cp) < 0) {
                    parse_error(ctxt, "%.*s is not a valid Unicode character",
                                (int)(ptr - esc), esc);
                    goto fail;
                }
                g_string_append(str, utf8);
                break;
            default:
                parse_error(ctxt, "invalid escape sequence in string");
                goto fail;
            }
            continue;
        }

        cp = json_utf8_decode(ptr, MIN(end - ptr, 6), &next);
        if (cp < 0) {
            parse_error(ctxt, "invalid UTF-8 sequence in string");
            goto fail;
        }
        /* Re-encode so that U+0000 always reads C0 80. */
        json_utf8_encode(utf8, cp);
        g_string_append(str, utf8);
        ptr = next;
    }
    return qstring_from_gstring(str);

fail:
    g_string_free(str, true);
    return NULL;
}

static QObject *parse_number(ParserContext *ctxt, const JSONToken *token)
{
    const char *s = token_str(ctxt, token);

    if (token->type == JSON_INTEGER) {
        char *endp;
        int64_t i;
        uint64_t u;

        /* int64 if it fits, else uint64 if it fits, else double */
        errno = 0;
        i = strtoll(s, &endp, 10);
        if (errno == 0) {
            return QOBJECT(qnum_from_int(i));
        }
        if (s[0] != '-') {
            errno = 0;
            u = strtoull(s, &endp, 10);
            if (errno == 0) {
                return QOBJECT(qnum_from_uint(u));
            }
        }
    }
    return QOBJECT(qnum_from_double(g_ascii_strtod(s, NULL)));
}

static QObject *parse_keyword(ParserContext *ctxt, const JSONToken *token)
{
    const char *s = token_str(ctxt, token);

    if (!strcmp(s, "true")) {
        return QOBJECT(qbool_from_bool(true));
    }
    if (!strcmp(s, "false")) {
        return QOBJECT(qbool_from_bool(false));
    }
    if (!strcmp(s, "null")) {
        return QOBJECT(qnull());
    }
    parse_error(ctxt, "invalid keyword '%s'", s);
    return NULL;
}

/* One "key": value member; false on error. */
static bool parse_member(ParserContext *ctxt, QDict *dict)
{
    const JSONToken *token;
    QObject *key_obj;
    QString *key;
    QObject *value;

    if (!peek_token(ctxt)) {
        parse_error(ctxt, "premature EOI");
        return false;
    }
    key_obj = parse_value(ctxt);
    key = qobject_to(QString, key_obj);
    if (!key) {
        parse_error(ctxt, "key is not a string in object");
        goto fail;
    }

    token = pop_token(ctxt);
    if (!token) {
        parse_error(ctxt, "premature EOI");
        goto fail;
    }
    if (token->type != JSON_COLON) {
        parse_error(ctxt, "missing : in object pair");
        goto fail;
    }

    value = parse_value(ctxt);
    if (!value) {
        parse_error(ctxt, "Missing value in dict");
        goto fail;
    }
    if (qdict_haskey(dict, qstring_get_str(key))) {
        qobject_unref(value);
        parse_error(ctxt, "duplicate key");
        goto fail;
    }
    qdict_put_obj(dict, qstring_get_str(key), value);
    qobject_unref(key_obj);
    return true;

fail:
    qobject_unref(key_obj);
    return false;
}

static QObject *parse_object(ParserContext *ctxt)
{
    QDict *dict = qdict_new();
    const JSONToken *token;

    pop_token(ctxt);                            /* the '{' */
    token = peek_token(ctxt);
    if (!token) {
        parse_error(ctxt, "premature EOI");
        goto fail;
    }
    if (token->type == JSON_RCURLY) {
        pop_token(ctxt);
        return QOBJECT(dict);
    }

    for (;;) {
        if (!parse_member(ctxt, dict)) {
            goto fail;
        }
        token = pop_token(ctxt);
        if (!token) {
            parse_error(ctxt, "premature EOI");
            goto fail;
        }
        if (token->type == JSON_RCURLY) {
            return QOBJECT(dict);
        }
        if (token->type != JSON_COMMA) {
            parse_error(ctxt, "expected separator in dict");
            goto fail;
        }
    }

fail:
    qobject_unref(dict);
    return NULL;
}

static QObject *parse_array(ParserContext *ctxt)
{
    QList *list = qlist_new();
    const JSONToken *token;
    QObject *elt;

    pop_token(ctxt);                            /* the '[' */
    token = peek_token(ctxt);
    if (!token) {
        parse_error(ctxt, "premature EOI");
        goto fail;
    }
    if (token->type == JSON_RSQUARE) {
        pop_token(ctxt);
        return QOBJECT(list);
    }

    for (;;) {
        elt = parse_value(ctxt);
        if (!elt) {
            parse_error(ctxt, "expecting value");
            goto fail;
        }
        qlist_append_obj(list, elt);
        token = pop_token(ctxt);
        if (!token) {
            parse_error(ctxt, "premature EOI");
            goto fail;
        }
        if (token->type == JSON_RSQUARE) {
            return QOBJECT(list);
        }
        if (token->type != JSON_COMMA) {
            parse_error(ctxt, "expected separator in list");
            goto fail;
        }
    }

fail:
    qobject_unref(list);
    return NULL;
}

static QObject *parse_value(ParserContext *ctxt)
{
    const JSONToken *token = peek_token(ctxt);

    if (!token) {
        parse_error(ctxt, "premature EOI");
        return NULL;
    }
    switch (token->type) {
    case JSON_LCURLY:
        return parse_object(ctxt);
    case JSON_LSQUARE:
        return parse_array(ctxt);
    case JSON_STRING:
        pop_token(ctxt);
        return QOBJECT(parse_string(ctxt, token));
    case JSON_INTEGER:
    case JSON_FLOAT:
        pop_token(ctxt);
        return parse_number(ctxt, token);
    case JSON_KEYWORD:
        pop_token(ctxt);
        return parse_keyword(ctxt, token);
    default:
        parse_error(ctxt, "expecting value");
        return NULL;
    }
}

QObject *json_parser_parse(const JSONToken *tokens, size_t count,
                           const char *text, Error **errp)
{
    ParserContext ctxt = {
        .tokens = tokens,
        .count = count,
        .text = text,
    };
    QObject *result = parse_value(&ctxt);

    /* The splitter hands over exactly one value's tokens. */
    assert(ctxt.err || ctxt.pos == ctxt.count);
    error_propagate(errp, ctxt.err);
    return result;
}
