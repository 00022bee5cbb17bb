/*
 * KEY=VALUE,... parsing (see vireo/keyval.h), with QEMU's grammar and
 * error messages.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/cutils.h"
#include "vireo/keyval.h"
#include "qobject/qlist.h"
#include "qobject/qstring.h"
#include "qobject/qjson.h"

#define KEY_FRAGMENT_MAX 127

/* Leading digits of @key as a list index, or -1. */
static int key_to_index(const char *key, size_t len)
{
    int64_t idx = 0;

    if (!len) {
        return -1;
    }
    for (size_t i = 0; i < len; i++) {
        if (!g_ascii_isdigit(key[i])) {
            return -1;
        }
        idx = MIN(idx * 10 + (key[i] - '0'), (int64_t)INT_MAX);
    }
    return idx;
}

/* A QAPI name: optional __RFQDN_ prefix, then a letter and [A-Za-z0-9_-]. */
static bool is_qapi_name(const char *s, size_t len)
{
    size_t i = 0;

    if (len > 2 && s[0] == '_' && s[1] == '_') {
        const char *u = memchr(s + 2, '_', len - 2);
        if (!u) {
            return false;
        }
        for (const char *p = s + 2; p < u; p++) {
            if (!g_ascii_islower(*p) && !g_ascii_isdigit(*p) &&
                *p != '.' && *p != '-') {
                return false;
            }
        }
        i = u - s + 1;
    }
    if (i >= len || !g_ascii_isalpha(s[i])) {
        return false;
    }
    for (i++; i < len; i++) {
        if (!g_ascii_isalnum(s[i]) && s[i] != '_' && s[i] != '-') {
            return false;
        }
    }
    return true;
}

/* Length of a "help"/"?" at @s ending at '\0' or ','; 0 if none. */
static size_t help_at(const char *s)
{
    static const char *const words[] = { "help", "?" };

    for (unsigned i = 0; i < G_N_ELEMENTS(words); i++) {
        size_t n = strlen(words[i]);
        if (!strncmp(s, words[i], n) && (s[n] == '\0' || s[n] == ',')) {
            return n;
        }
    }
    return 0;
}

/*
 * Stores @value at the path @key (length @len) below @root, creating
 * objects on the way.  Returns false (with errp set) on a conflict.
 */
static bool put_path(QDict *root, const char *key, size_t len, char *value,
                     Error **errp)
{
    QDict *cur = root;
    const char *frag = key;

    for (;;) {
        const char *dot = memchr(frag, '.', key + len - frag);
        size_t flen = dot ? (size_t)(dot - frag) : (size_t)(key + len - frag);
        g_autofree char *name = g_strndup(frag, flen);
        QObject *old = qdict_get(cur, name);

        if (!dot) {
            if (old && qobject_type(old) == QTYPE_QDICT) {
                error_setg(errp, "Parameters '%.*s.*' used inconsistently",
                           (int)len, key);
                g_free(value);
                return false;
            }
            qdict_put_str(cur, name, value);
            g_free(value);
            return true;
        }
        if (!old) {
            QDict *d = qdict_new();
            qdict_put(cur, name, d);
            cur = d;
        } else if (qobject_type(old) == QTYPE_QDICT) {
            cur = qobject_to(QDict, old);
        } else {
            error_setg(errp, "Parameter '%.*s' used inconsistently",
                       (int)(frag + flen - key), key);
            g_free(value);
            return false;
        }
        frag = dot + 1;
    }
}

/* Parses one key-val at @s; returns the position after it, or NULL. */
static const char *parse_one(QDict *qdict, const char *s,
                             const char *implied_key, bool *help,
                             Error **errp)
{
    const char *key = s, *frag;
    size_t len = strcspn(s, "=,");
    GString *val;

    if (key[len] != '=') {
        size_t h = help_at(s);
        if (h && h == len) {
            *help = true;
            s += len;
            return *s == ',' ? s + 1 : s;
        }
        if (!implied_key) {
            error_setg(errp, "Expected '=' after parameter '%.*s'",
                       (int)len, key);
            return NULL;
        }
        key = implied_key;
        len = strlen(implied_key);
    } else {
        s += len + 1;
    }
    /* Every fragment must be a QAPI name or a list index. */
    for (frag = key; frag < key + len;) {
        const char *dot = memchr(frag, '.', key + len - frag);
        size_t flen = dot ? (size_t)(dot - frag) : (size_t)(key + len - frag);

        if (!is_qapi_name(frag, flen) && key_to_index(frag, flen) < 0) {
            error_setg(errp, "Invalid parameter '%.*s'",
                       (int)(frag + flen - key), key);
            return NULL;
        }
        if (flen > KEY_FRAGMENT_MAX) {
            error_setg(errp, "Parameter%s '%.*s' is too long",
                       frag + flen < key + len ? " starting with" : "",
                       (int)(frag + KEY_FRAGMENT_MAX - key), key);
            return NULL;
        }
        frag += flen + (dot ? 1 : 0);
        if (dot && frag == key + len) {
            error_setg(errp, "Invalid parameter '%.*s'", (int)len, key);
            return NULL;
        }
    }
    val = g_string_new(NULL);
    for (;;) {
        if (!*s) {
            break;
        }
        if (*s == ',') {
            if (s[1] != ',') {
                s++;
                break;
            }
            s++;
        }
        g_string_append_c(val, *s++);
    }
    if (!put_path(qdict, key, len, g_string_free(val, FALSE), errp)) {
        return NULL;
    }
    return s;
}

static int compare_index(gconstpointer a, gconstpointer b)
{
    return *(const int *)a - *(const int *)b;
}

/* Turns every object whose keys are all indexes into a list. */
static QObject *listify(QDict *cur, const char *prefix, Error **errp)
{
    const QDictEntry *e;
    int n = 0, nidx = 0;
    g_autoptr(GArray) idx = g_array_new(FALSE, FALSE, sizeof(int));
    g_autoptr(GPtrArray) replace = g_ptr_array_new();

    for (e = qdict_first(cur); e; e = qdict_next(cur, e)) {
        QObject *v = qdict_entry_value(e);
        const char *k = qdict_entry_key(e);
        n++;
        if (key_to_index(k, strlen(k)) >= 0) {
            nidx++;
        }
        if (qobject_type(v) == QTYPE_QDICT) {
            g_autofree char *p = g_strdup_printf("%s%s.", prefix, k);
            QObject *sub = listify(qobject_to(QDict, v), p, errp);
            if (!sub) {
                for (guint i = 1; i < replace->len; i += 2) {
                    qobject_unref((QObject *)g_ptr_array_index(replace, i));
                }
                return NULL;
            }
            if (sub != v) {
                /* Replaced after the walk: the dict must not change under it. */
                g_ptr_array_add(replace, (gpointer)k);
                g_ptr_array_add(replace, sub);
            }
        }
    }
    for (guint i = 0; i < replace->len; i += 2) {
        g_autofree char *k = g_strdup(g_ptr_array_index(replace, i));
        qdict_put_obj(cur, k, g_ptr_array_index(replace, i + 1));
    }
    if (nidx == 0) {
        return QOBJECT(cur);
    }
    if (nidx != n) {
        error_setg(errp, "Parameters '%s*' used inconsistently", prefix);
        return NULL;
    }
    for (e = qdict_first(cur); e; e = qdict_next(cur, e)) {
        const char *k = qdict_entry_key(e);
        int i = key_to_index(k, strlen(k));
        g_array_append_val(idx, i);
    }
    g_array_sort(idx, compare_index);
    for (guint i = 0; i < idx->len; i++) {
        if (g_array_index(idx, int, i) != (int)i) {
            error_setg(errp, "Parameter '%s%u' missing", prefix, i);
            return NULL;
        }
    }
    QList *list = qlist_new();
    for (guint i = 0; i < idx->len; i++) {
        g_autofree char *k = g_strdup_printf("%u", i);
        qlist_append_obj(list, qobject_ref(qdict_get(cur, k)));
    }
    return QOBJECT(list);
}

QDict *keyval_parse_into(QDict *qdict, const char *params,
                         const char *implied_key, bool *p_help, Error **errp)
{
    const char *s = params;
    bool help = false;
    QObject *top;

    while (*s) {
        s = parse_one(qdict, s, implied_key, &help, errp);
        if (!s) {
            return NULL;
        }
        implied_key = NULL;
    }
    if (p_help) {
        *p_help = help;
    } else if (help) {
        error_setg(errp, "Help is not available for this option");
        return NULL;
    }
    top = listify(qdict, "", errp);
    if (!top) {
        return NULL;
    }
    if (top != QOBJECT(qdict)) {
        qobject_unref(top);
        error_setg(errp, "Parameters '*' used inconsistently");
        return NULL;
    }
    return qdict;
}

QDict *keyval_parse(const char *params, const char *implied_key,
                    bool *p_help, Error **errp)
{
    QDict *qdict = qdict_new();

    if (!keyval_parse_into(qdict, params, implied_key, p_help, errp)) {
        qobject_unref(qdict);
        return NULL;
    }
    return qdict;
}

void keyval_merge(QDict *dest, const QDict *merged, Error **errp)
{
    for (const QDictEntry *e = qdict_first(merged); e;
         e = qdict_next(merged, e)) {
        QObject *v = qdict_entry_value(e), *old = qdict_get(dest,
                                                           qdict_entry_key(e));
        if (old && qobject_type(old) == QTYPE_QDICT &&
            qobject_type(v) == QTYPE_QDICT) {
            keyval_merge(qobject_to(QDict, old), qobject_to(QDict, v), errp);
        } else if (old && qobject_type(old) == QTYPE_QLIST &&
                   qobject_type(v) == QTYPE_QLIST) {
            const QListEntry *le;
            QLIST_FOREACH_ENTRY(qobject_to(QList, v), le) {
                qlist_append_obj(qobject_to(QList, old),
                                 qobject_ref(qlist_entry_obj(le)));
            }
        } else {
            qdict_put_obj(dest, qdict_entry_key(e), qobject_ref(v));
        }
    }
}

QDict *keyval_or_json_parse(const char *str, const char *implied_key,
                            bool *p_help, bool *is_json, Error **errp)
{
    QObject *obj;
    QDict *d;

    *is_json = str[0] == '{';
    if (!*is_json) {
        return keyval_parse(str, implied_key, p_help, errp);
    }
    if (p_help) {
        *p_help = false;
    }
    obj = qobject_from_json(str, errp);
    if (!obj) {
        return NULL;
    }
    d = qobject_to(QDict, obj);
    if (!d) {
        qobject_unref(obj);
        error_setg(errp, "JSON value must be an object");
    }
    return d;
}
