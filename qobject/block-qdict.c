/*
 * Dotted-key QDict helpers: flatten, crumple, array split and subdict
 * extraction, used when options arrive as "a.b.c=val" pairs.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "qobject/qdict.h"
#include "qobject/qlist.h"

static void flatten_into(QObject *value, QDict *target, const char *key);

static void flatten_dict_into(QDict *qdict, QDict *target, const char *prefix)
{
    const QDictEntry *e;

    for (e = qdict_first(qdict); e; e = qdict_next(qdict, e)) {
        char *key = prefix ? g_strdup_printf("%s.%s", prefix, e->key)
                           : g_strdup(e->key);

        flatten_into(e->value, target, key);
        g_free(key);
    }
}

/* Copy @value to @target under @key, expanding non-empty containers. */
static void flatten_into(QObject *value, QDict *target, const char *key)
{
    QDict *dict = qobject_to(QDict, value);
    QList *list = qobject_to(QList, value);

    if (dict && qdict_size(dict)) {
        flatten_dict_into(dict, target, key);
    } else if (list && !qlist_empty(list)) {
        const QListEntry *le;
        int i = 0;

        QLIST_FOREACH_ENTRY(list, le) {
            char *k = g_strdup_printf("%s.%d", key, i++);

            flatten_into(le->value, target, k);
            g_free(k);
        }
    } else {
        qdict_put_obj(target, key, qobject_ref(value));
    }
}

void qdict_flatten(QDict *qdict)
{
    QDict *flat = qdict_new();
    const QDictEntry *e;

    /* Build the result in order, then move it into @qdict. */
    flatten_dict_into(qdict, flat, NULL);
    while ((e = qdict_first(qdict))) {
        qdict_del(qdict, e->key);
    }
    for (e = qdict_first(flat); e; e = qdict_next(flat, e)) {
        qdict_put_obj(qdict, e->key, qobject_ref(e->value));
    }
    qobject_unref(flat);
}

void qdict_extract_subqdict(QDict *src, QDict **dst, const char *start)
{
    const QDictEntry *e, *next;
    size_t len = strlen(start);

    if (dst) {
        *dst = qdict_new();
    }
    for (e = qdict_first(src); e; e = next) {
        next = qdict_next(src, e);
        if (!strncmp(e->key, start, len)) {
            if (dst) {
                qdict_put_obj(*dst, e->key + len, qobject_ref(e->value));
            }
            qdict_del(src, e->key);
        }
    }
}

static int count_prefixed(const QDict *src, const char *start)
{
    const QDictEntry *e;
    size_t len = strlen(start);
    int count = 0;

    for (e = qdict_first(src); e; e = qdict_next(src, e)) {
        if (!strncmp(e->key, start, len)) {
            if (count == INT_MAX) {
                return -ERANGE;
            }
            count++;
        }
    }
    return count;
}

void qdict_array_split(QDict *src, QList **dst)
{
    unsigned i;

    *dst = qlist_new();
    for (i = 0; i < UINT_MAX; i++) {
        char index[16], prefix[16];
        QObject *single;
        bool has_sub;

        snprintf(index, sizeof(index), "%u", i);
        snprintf(prefix, sizeof(prefix), "%u.", i);
        single = qdict_get(src, index);
        has_sub = count_prefixed(src, prefix) != 0;

        /* Element i is either "i" or a group "i.*", never both. */
        if (!single == !has_sub) {
            break;
        }
        if (has_sub) {
            QDict *sub;

            qdict_extract_subqdict(src, &sub, prefix);
            qlist_append(*dst, sub);
        } else {
            qlist_append_obj(*dst, qobject_ref(single));
            qdict_del(src, index);
        }
    }
}

int qdict_array_entries(QDict *src, const char *subqdict)
{
    const QDictEntry *e;
    size_t sublen = strlen(subqdict);
    unsigned handled = 0;
    int i;

    assert(!sublen || subqdict[sublen - 1] == '.');
    for (i = 0; i < INT_MAX; i++) {
        char *prefix = g_strdup_printf("%s%d.", subqdict, i);
        int nsub = count_prefixed(src, prefix);
        QObject *single;

        prefix[strlen(prefix) - 1] = 0;
        single = qdict_get(src, prefix);
        g_free(prefix);
        if (nsub < 0) {
            return nsub;
        }
        if (single && nsub) {
            return -EINVAL;
        }
        if (!single && !nsub) {
            break;
        }
        handled += nsub ? nsub : 1;
    }
    for (e = qdict_first(src); e; e = qdict_next(src, e)) {
        if (strncmp(e->key, subqdict, sublen)) {
            handled++;
        }
    }
    if (qdict_size(src) != handled) {
        return -EINVAL;
    }
    return i;
}

/*
 * Split @key at its first lone '.' ("a..b" stands for a key containing
 * a dot).  *@prefix gets the unescaped head, *@suffix the rest (still
 * escaped) or NULL.
 */
static void split_flat_key(const char *key, char **prefix,
                           const char **suffix)
{
    const char *sep = key;
    char *out;
    size_t i, j;

    for (;;) {
        sep = strchr(sep, '.');
        if (!sep || sep[1] != '.') {
            break;
        }
        sep += 2;
    }
    if (sep) {
        *prefix = g_strndup(key, sep - key);
        *suffix = sep + 1;
    } else {
        *prefix = g_strdup(key);
        *suffix = NULL;
    }
    out = *prefix;
    for (i = 0, j = 0; out[i]; i++, j++) {
        if (out[i] == '.') {
            i++;                        /* ".." becomes "." */
        }
        out[j] = out[i];
    }
    out[j] = 0;
}

static bool parse_index_key(const char *key, int64_t *val)
{
    char *end;

    if (!*key) {
        return false;
    }
    errno = 0;
    *val = strtoll(key, &end, 10);
    return errno == 0 && *end == 0;
}

/* 1 if @dict's keys are list indices 0..n-1, 0 if not, -1 on a mix. */
static int dict_is_list(QDict *dict, Error **errp)
{
    const QDictEntry *e;
    int64_t len = 0, max = -1, val;
    int is_list = -1;

    for (e = qdict_first(dict); e; e = qdict_next(dict, e)) {
        int is_index = parse_index_key(e->key, &val);

        if (is_list == -1) {
            is_list = is_index;
        }
        if (is_index != is_list) {
            error_setg(errp, "Cannot mix list and non-list keys");
            return -1;
        }
        if (is_index) {
            len++;
            max = MAX(max, val);
        }
    }
    if (is_list == -1) {
        is_list = 0;
    }
    if (len != max + 1) {
        error_setg(errp, "List indices are not contiguous, "
                   "saw %" PRId64 " elements but %" PRId64 " largest index",
                   len, max);
        return -1;
    }
    return is_list;
}

QObject *qdict_crumple(const QDict *src, Error **errp)
{
    QDict *two_level = qdict_new();
    QDict *multi_level = NULL;
    QObject *dst = NULL;
    const QDictEntry *e;
    char *prefix = NULL;
    int is_list;
    size_t i;

    /* Split "a.rest" keys one level deep. */
    for (e = qdict_first(src); e; e = qdict_next(src, e)) {
        QDict *dval = qobject_to(QDict, e->value);
        QList *lval = qobject_to(QList, e->value);
        const char *suffix;
        QObject *child;
        QDict *child_dict;

        if ((dval && qdict_size(dval)) || (lval && !qlist_empty(lval))) {
            error_setg(errp, "Value %s is not flat", e->key);
            goto fail;
        }
        split_flat_key(e->key, &prefix, &suffix);
        child = qdict_get(two_level, prefix);
        child_dict = qobject_to(QDict, child);
        if (child && (!child_dict || !suffix)) {
            error_setg(errp, "Cannot mix scalar and non-scalar keys");
            goto fail;
        }
        if (suffix) {
            if (!child_dict) {
                child_dict = qdict_new();
                qdict_put(two_level, prefix, child_dict);
            }
            qdict_put_obj(child_dict, suffix, qobject_ref(e->value));
        } else {
            qdict_put_obj(two_level, prefix, qobject_ref(e->value));
        }
        g_free(prefix);
        prefix = NULL;
    }

    /* Crumple each sub-dict recursively. */
    multi_level = qdict_new();
    for (e = qdict_first(two_level); e; e = qdict_next(two_level, e)) {
        QDict *dval = qobject_to(QDict, e->value);

        if (dval && qdict_size(dval)) {
            QObject *child = qdict_crumple(dval, errp);

            if (!child) {
                goto fail;
            }
            qdict_put_obj(multi_level, e->key, child);
        } else {
            qdict_put_obj(multi_level, e->key, qobject_ref(e->value));
        }
    }
    qobject_unref(two_level);
    two_level = NULL;

    /* Keys 0..n-1 make a list. */
    is_list = dict_is_list(multi_level, errp);
    if (is_list < 0) {
        goto fail;
    }
    if (!is_list) {
        return QOBJECT(multi_level);
    }
    dst = QOBJECT(qlist_new());
    for (i = 0; i < qdict_size(multi_level); i++) {
        char key[32];
        QObject *child;

        snprintf(key, sizeof(key), "%zu", i);
        child = qdict_get(multi_level, key);
        if (!child) {
            /* e.g. "+0" or "00" passed the index check */
            error_setg(errp, "Missing list index %zu", i);
            goto fail;
        }
        qlist_append_obj(qobject_to(QList, dst), qobject_ref(child));
    }
    qobject_unref(multi_level);
    return dst;

fail:
    g_free(prefix);
    qobject_unref(multi_level);
    qobject_unref(two_level);
    qobject_unref(dst);
    return NULL;
}
