/*
 * QList: a JSON array.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef QOBJECT_QLIST_H
#define QOBJECT_QLIST_H

#include "qobject/qobject.h"

typedef struct QListEntry {
    QObject *value;
    struct QListEntry *next;
} QListEntry;

struct QList {
    struct QObjectBase_ base;
    QListEntry *head;
    QListEntry **tail;      /* the last entry's "next" (or &head) */
    size_t size;
};

/* Append a value of any QObject subtype, taking over the reference. */
#define qlist_append(qlist, obj) qlist_append_obj(qlist, QOBJECT(obj))

/* Walk @qlist's entries; @var is a (const) QListEntry *. */
#define QLIST_FOREACH_ENTRY(qlist, var)                 \
    for ((var) = qlist_first(qlist); (var); (var) = qlist_next(var))

QList *qlist_new(void);
QList *qlist_copy(QList *src);      /* shallow: elements get a new ref */
void qlist_append_obj(QList *qlist, QObject *obj);
void qlist_append_int(QList *qlist, int64_t value);
void qlist_append_bool(QList *qlist, bool value);
void qlist_append_str(QList *qlist, const char *value);
void qlist_append_null(QList *qlist);
/* Remove the first element and return it (caller owns it), or NULL. */
QObject *qlist_pop(QList *qlist);
/* The first element, still owned by the list, or NULL. */
QObject *qlist_peek(QList *qlist);
int qlist_empty(const QList *qlist);
size_t qlist_size(const QList *qlist);
bool qlist_is_equal(const QObject *x, const QObject *y);
void qlist_destroy_obj(QObject *obj);

static inline const QListEntry *qlist_first(const QList *qlist)
{
    return qlist->head;
}

static inline const QListEntry *qlist_next(const QListEntry *entry)
{
    return entry->next;
}

static inline QObject *qlist_entry_obj(const QListEntry *entry)
{
    return entry->value;
}

static inline void qlist_unref(QList *qlist)
{
    qobject_unref(qlist);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(QList, qlist_unref)

#endif
