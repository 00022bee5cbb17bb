/*
 * QObject: the reference-counted base of QNull, QNum, QString, QDict,
 * QList and QBool, as in QEMU.
 *
 * Every concrete type starts with "struct QObjectBase_ base"; QOBJECT()
 * upcasts any of them (or NULL), qobject_to(QDict, obj) downcasts with a
 * type check (NULL when @obj is NULL or of another type).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef QOBJECT_QOBJECT_H
#define QOBJECT_QOBJECT_H

/* QType (QTYPE_NONE ... QTYPE_QBOOL) is a QAPI built-in enum. */
#include "qapi/qapi-builtin-types.h"

typedef struct QNum QNum;
typedef struct QString QString;
typedef struct QDict QDict;
typedef struct QList QList;
typedef struct QBool QBool;

struct QObjectBase_ {
    QType type;
    size_t refcnt;
};

struct QObject {
    struct QObjectBase_ base;
};

/* Type-checked upcast; evaluates @obj once. */
#define QOBJECT(obj) ({                                           \
    typeof(obj) o_ = (obj);                                       \
    o_ ? container_of(&o_->base, QObject, base) : NULL;           \
})

/* Used by qobject_to(). */
#define QTYPE_CAST_TO_QNull     QTYPE_QNULL
#define QTYPE_CAST_TO_QNum      QTYPE_QNUM
#define QTYPE_CAST_TO_QString   QTYPE_QSTRING
#define QTYPE_CAST_TO_QDict     QTYPE_QDICT
#define QTYPE_CAST_TO_QList     QTYPE_QLIST
#define QTYPE_CAST_TO_QBool     QTYPE_QBOOL

#define qobject_to(type, obj) \
    ((type *)qobject_check_type(obj, QTYPE_CAST_TO_##type))

static inline void qobject_init(QObject *obj, QType type)
{
    obj->base.refcnt = 1;
    obj->base.type = type;
}

void qobject_ref_impl(QObject *obj);
void qobject_unref_impl(QObject *obj);
/* Free @obj (its refcount reached zero); internal to qobject_unref. */
void qobject_destroy(QObject *obj);

/* Take a reference; returns @obj with its own type.  NULL is allowed. */
#define qobject_ref(obj) ({                     \
    typeof(obj) r_ = (obj);                     \
    qobject_ref_impl(QOBJECT(r_));              \
    r_;                                         \
})

/* Drop a reference, freeing at zero.  NULL is allowed. */
#define qobject_unref(obj) qobject_unref_impl(QOBJECT(obj))

static inline QType qobject_type(const QObject *obj)
{
    assert(QTYPE_NONE < obj->base.type && obj->base.type < QTYPE__MAX);
    return obj->base.type;
}

static inline QObject *qobject_check_type(const QObject *obj, QType type)
{
    if (obj && qobject_type(obj) == type) {
        return (QObject *)obj;
    }
    return NULL;
}

/*
 * Deep structural equality.  Integers compare by value whether stored
 * signed or unsigned; as in QEMU a double never equals an integer, and
 * NaN equals nothing.
 */
bool qobject_is_equal(const QObject *x, const QObject *y);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(QObject, qobject_unref_impl)

#endif
