/*
 * Static literals of JSON values (the introspection data), turned into
 * QObjects at run time.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef QAPI_QAPI_LIT_H
#define QAPI_QAPI_LIT_H

typedef struct QObject QObject;

typedef enum QAPILitKind {
    QAPI_LIT_END,       /* terminates a list */
    QAPI_LIT_STR,
    QAPI_LIT_BOOL,
    QAPI_LIT_NULL,
    QAPI_LIT_LIST,
    QAPI_LIT_DICT,
} QAPILitKind;

typedef struct QAPILit QAPILit;
typedef struct QAPILitEntry QAPILitEntry;

struct QAPILit {
    QAPILitKind kind;
    union {
        const char *str;
        bool b;
        const QAPILit *list;        /* ends with QAPI_LIT_END */
        const QAPILitEntry *dict;   /* ends with a NULL key */
    } u;
};

struct QAPILitEntry {
    const char *key;
    QAPILit value;
};

QObject *qapi_lit_to_qobject(const QAPILit *lit);

#endif
