/*
 * QDict: JSON objects.  Entries form a doubly linked list in insertion
 * order; dicts with more than a few keys also get a chained hash index.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "qobject/qdict.h"
#include "qobject/qbool.h"
#include "qobject/qlist.h"
#include "qobject/qnull.h"
#include "qobject/qnum.h"
#include "qobject/qstring.h"

/* Up to this many entries a linear scan beats hashing. */
#define QDICT_LINEAR_MAX 8

static unsigned int key_hash(const char *key)
{
    unsigned int h = 2166136261u;

    while (*key) {
        h = (h ^ (unsigned char)*key++) * 16777619u;
    }
    return h;
}

QDict *qdict_new(void)
{
    QDict *qdict = g_new0(QDict, 1);

    qobject_init(QOBJECT(qdict), QTYPE_QDICT);
    return qdict;
}

const char *qdict_entry_key(const QDictEntry *entry)
{
    return entry->key;
}

QObject *qdict_entry_value(const QDictEntry *entry)
{
    return entry->value;
}

size_t qdict_size(const QDict *qdict)
{
    return qdict->size;
}

static void index_insert(QDict *qdict, QDictEntry *entry)
{
    size_t b = entry->hash & (qdict->nbuckets - 1);

    entry->hnext = qdict->buckets[b];
    qdict->buckets[b] = entry;
}

static void rebuild_index(QDict *qdict, size_t nbuckets)
{
    QDictEntry *e;

    g_free(qdict->buckets);
    qdict->nbuckets = nbuckets;
    qdict->buckets = g_new0(QDictEntry *, nbuckets);
    for (e = qdict->first; e; e = e->next) {
        index_insert(qdict, e);
    }
}

static QDictEntry *find_entry(const QDict *qdict, const char *key,
                              unsigned int hash)
{
    QDictEntry *e;

    if (qdict->buckets) {
        e = qdict->buckets[hash & (qdict->nbuckets - 1)];
        for (; e; e = e->hnext) {
            if (e->hash == hash && !strcmp(e->key, key)) {
                return e;
            }
        }
        return NULL;
    }
    for (e = qdict->first; e; e = e->next) {
        if (e->hash == hash && !strcmp(e->key, key)) {
            return e;
        }
    }
    return NULL;
}

void qdict_put_obj(QDict *qdict, const char *key, QObject *value)
{
    unsigned int hash = key_hash(key);
    QDictEntry *entry = find_entry(qdict, key, hash);

    assert(value);
    if (entry) {
        qobject_unref(entry->value);
        entry->value = value;
        return;
    }

    entry = g_new(QDictEntry, 1);
    entry->key = g_strdup(key);
    entry->value = value;
    entry->hash = hash;
    entry->next = NULL;
    entry->prev = qdict->last;
    entry->hnext = NULL;
    if (qdict->last) {
        qdict->last->next = entry;
    } else {
        qdict->first = entry;
    }
    qdict->last = entry;
    qdict->size++;

    if (qdict->buckets) {
        if (qdict->size > qdict->nbuckets) {
            rebuild_index(qdict, qdict->nbuckets * 2);
        } else {
            index_insert(qdict, entry);
        }
    } else if (qdict->size > QDICT_LINEAR_MAX) {
        rebuild_index(qdict, 32);
    }
}

void qdict_put_int(QDict *qdict, const char *key, int64_t value)
{
    qdict_put(qdict, key, qnum_from_int(value));
}

void qdict_put_bool(QDict *qdict, const char *key, bool value)
{
    qdict_put(qdict, key, qbool_from_bool(value));
}

void qdict_put_str(QDict *qdict, const char *key, const char *value)
{
    qdict_put(qdict, key, qstring_from_str(value));
}

void qdict_put_null(QDict *qdict, const char *key)
{
    qdict_put(qdict, key, qnull());
}

static void free_entry(QDictEntry *entry)
{
    qobject_unref(entry->value);
    g_free(entry->key);
    g_free(entry);
}

void qdict_del(QDict *qdict, const char *key)
{
    unsigned int hash = key_hash(key);
    QDictEntry *entry = find_entry(qdict, key, hash);

    if (!entry) {
        return;
    }
    if (qdict->buckets) {
        QDictEntry **pp = &qdict->buckets[hash & (qdict->nbuckets - 1)];

        while (*pp != entry) {
            pp = &(*pp)->hnext;
        }
        *pp = entry->hnext;
    }
    if (entry->prev) {
        entry->prev->next = entry->next;
    } else {
        qdict->first = entry->next;
    }
    if (entry->next) {
        entry->next->prev = entry->prev;
    } else {
        qdict->last = entry->prev;
    }
    qdict->size--;
    free_entry(entry);
}

int qdict_haskey(const QDict *qdict, const char *key)
{
    return find_entry(qdict, key, key_hash(key)) != NULL;
}

QObject *qdict_get(const QDict *qdict, const char *key)
{
    QDictEntry *entry = find_entry(qdict, key, key_hash(key));

    return entry ? entry->value : NULL;
}

const QDictEntry *qdict_first(const QDict *qdict)
{
    return qdict->first;
}

const QDictEntry *qdict_next(const QDict *qdict, const QDictEntry *entry)
{
    return entry->next;
}

double qdict_get_double(const QDict *qdict, const char *key)
{
    return qnum_get_double(qobject_to(QNum, qdict_get(qdict, key)));
}

int64_t qdict_get_int(const QDict *qdict, const char *key)
{
    return qnum_get_int(qobject_to(QNum, qdict_get(qdict, key)));
}

bool qdict_get_bool(const QDict *qdict, const char *key)
{
    return qbool_get_bool(qobject_to(QBool, qdict_get(qdict, key)));
}

QList *qdict_get_qlist(const QDict *qdict, const char *key)
{
    return qobject_to(QList, qdict_get(qdict, key));
}

QDict *qdict_get_qdict(const QDict *qdict, const char *key)
{
    return qobject_to(QDict, qdict_get(qdict, key));
}

const char *qdict_get_str(const QDict *qdict, const char *key)
{
    return qstring_get_str(qobject_to(QString, qdict_get(qdict, key)));
}

int64_t qdict_get_try_int(const QDict *qdict, const char *key,
                          int64_t def_value)
{
    QNum *qnum = qobject_to(QNum, qdict_get(qdict, key));
    int64_t val;

    if (!qnum || !qnum_get_try_int(qnum, &val)) {
        return def_value;
    }
    return val;
}

bool qdict_get_try_bool(const QDict *qdict, const char *key, bool def_value)
{
    QBool *qbool = qobject_to(QBool, qdict_get(qdict, key));

    return qbool ? qbool_get_bool(qbool) : def_value;
}

const char *qdict_get_try_str(const QDict *qdict, const char *key)
{
    QString *qstr = qobject_to(QString, qdict_get(qdict, key));

    return qstr ? qstring_get_str(qstr) : NULL;
}

QDict *qdict_clone_shallow(const QDict *src)
{
    QDict *dest = qdict_new();
    const QDictEntry *e;

    for (e = src->first; e; e = e->next) {
        qdict_put_obj(dest, e->key, qobject_ref(e->value));
    }
    return dest;
}

void qdict_copy_default(QDict *dst, QDict *src, const char *key)
{
    QObject *val;

    if (qdict_haskey(dst, key)) {
        return;
    }
    val = qdict_get(src, key);
    if (val) {
        qdict_put_obj(dst, key, qobject_ref(val));
    }
}

void qdict_set_default_str(QDict *dst, const char *key, const char *val)
{
    if (!qdict_haskey(dst, key)) {
        qdict_put_str(dst, key, val);
    }
}

void qdict_join(QDict *dest, QDict *src, bool overwrite)
{
    const QDictEntry *e = src->first;

    while (e) {
        const QDictEntry *next = e->next;

        if (overwrite || !qdict_haskey(dest, e->key)) {
            qdict_put_obj(dest, e->key, qobject_ref(e->value));
            qdict_del(src, e->key);
        }
        e = next;
    }
}

bool qdict_is_equal(const QObject *x, const QObject *y)
{
    const QDict *a = qobject_to(QDict, x);
    const QDict *b = qobject_to(QDict, y);
    const QDictEntry *e;

    if (a->size != b->size) {
        return false;
    }
    for (e = a->first; e; e = e->next) {
        if (!qobject_is_equal(e->value, qdict_get(b, e->key))) {
            return false;
        }
    }
    return true;
}

void qdict_destroy_obj(QObject *obj)
{
    QDict *qdict = qobject_to(QDict, obj);
    QDictEntry *e, *next;

    for (e = qdict->first; e; e = next) {
        next = e->next;
        free_entry(e);
    }
    g_free(qdict->buckets);
    g_free(qdict);
}
