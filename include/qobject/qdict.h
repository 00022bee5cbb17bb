/*
 * QDict: a JSON object.  Keys are unique strings; iteration follows
 * insertion order, so output built from a QDict is deterministic.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef QOBJECT_QDICT_H
#define QOBJECT_QDICT_H

#include "qobject/qobject.h"

typedef struct QDictEntry {
    char *key;
    QObject *value;
    struct QDictEntry *next;    /* insertion order */
    struct QDictEntry *prev;
    struct QDictEntry *hnext;   /* hash chain */
    unsigned int hash;
} QDictEntry;

struct QDict {
    struct QObjectBase_ base;
    size_t size;
    QDictEntry *first;
    QDictEntry *last;
    QDictEntry **buckets;       /* NULL while the dict is small */
    size_t nbuckets;
};

QDict *qdict_new(void);
const char *qdict_entry_key(const QDictEntry *entry);
QObject *qdict_entry_value(const QDictEntry *entry);
size_t qdict_size(const QDict *qdict);

/*
 * Store @value under @key, taking over the caller's reference.  A value
 * already stored under @key is released and replaced (in its place).
 */
void qdict_put_obj(QDict *qdict, const char *key, QObject *value);
#define qdict_put(qdict, key, obj) qdict_put_obj(qdict, key, QOBJECT(obj))
void qdict_put_int(QDict *qdict, const char *key, int64_t value);
void qdict_put_bool(QDict *qdict, const char *key, bool value);
void qdict_put_str(QDict *qdict, const char *key, const char *value);
void qdict_put_null(QDict *qdict, const char *key);

void qdict_del(QDict *qdict, const char *key);
int qdict_haskey(const QDict *qdict, const char *key);
/* Borrowed reference or NULL. */
QObject *qdict_get(const QDict *qdict, const char *key);

/* Iterate in insertion order.  Deleting the current entry is allowed once
 * its successor has been fetched. */
const QDictEntry *qdict_first(const QDict *qdict);
const QDictEntry *qdict_next(const QDict *qdict, const QDictEntry *entry);

/* Typed getters: the key must exist with that type (asserted). */
double qdict_get_double(const QDict *qdict, const char *key);
int64_t qdict_get_int(const QDict *qdict, const char *key);
bool qdict_get_bool(const QDict *qdict, const char *key);
QList *qdict_get_qlist(const QDict *qdict, const char *key);
QDict *qdict_get_qdict(const QDict *qdict, const char *key);
const char *qdict_get_str(const QDict *qdict, const char *key);

/* Typed getters returning a default (or NULL) when absent/mistyped. */
int64_t qdict_get_try_int(const QDict *qdict, const char *key,
                          int64_t def_value);
bool qdict_get_try_bool(const QDict *qdict, const char *key, bool def_value);
const char *qdict_get_try_str(const QDict *qdict, const char *key);

/* New dict holding new references to @src's values. */
QDict *qdict_clone_shallow(const QDict *src);
/* Copy @key from @src to @dst unless @dst already has it. */
void qdict_copy_default(QDict *dst, QDict *src, const char *key);
void qdict_set_default_str(QDict *dst, const char *key, const char *val);
/* Move every entry of @src whose key @dest lacks (or all, if @overwrite). */
void qdict_join(QDict *dest, QDict *src, bool overwrite);

bool qdict_is_equal(const QObject *x, const QObject *y);
void qdict_destroy_obj(QObject *obj);

/*
 * Dotted-key conversions used by -blockdev/-object option parsing:
 * qdict_flatten() turns {"a": {"b": 1}, "l": [2]} into {"a.b": 1, "l.0": 2}
 * (empty dicts/lists are kept as values); qdict_crumple() is the reverse,
 * turning dicts whose keys are 0, 1, ... into lists.
 */
void qdict_flatten(QDict *qdict);
QObject *qdict_crumple(const QDict *src, Error **errp);
/* Move entries "<start>key" of @src into a new dict as "key". */
void qdict_extract_subqdict(QDict *src, QDict **dst, const char *start);
/* Split "<n>.key" entries into a list of dicts (n = 0, 1, ...). */
void qdict_array_split(QDict *src, QList **dst);
/* Number of entries "<prefix>0", "<prefix>1"...; -EINVAL on a gap. */
int qdict_array_entries(QDict *src, const char *subqdict);

static inline void qdict_unref(QDict *qdict)
{
    qobject_unref(qdict);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(QDict, qdict_unref)

#endif
