/*
 * QObject reference counting, destruction and structural equality.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "qobject/qobject.h"
#include "qobject/qnull.h"
#include "qobject/qnum.h"
#include "qobject/qstring.h"
#include "qobject/qbool.h"
#include "qobject/qdict.h"
#include "qobject/qlist.h"

static void (*const destroy_fn[QTYPE__MAX])(QObject *) = {
    [QTYPE_QNUM] = qnum_destroy_obj,
    [QTYPE_QSTRING] = qstring_destroy_obj,
    [QTYPE_QDICT] = qdict_destroy_obj,
    [QTYPE_QLIST] = qlist_destroy_obj,
    [QTYPE_QBOOL] = qbool_destroy_obj,
};

static bool (*const equal_fn[QTYPE__MAX])(const QObject *,
                                          const QObject *) = {
    [QTYPE_QNUM] = qnum_is_equal,
    [QTYPE_QSTRING] = qstring_is_equal,
    [QTYPE_QDICT] = qdict_is_equal,
    [QTYPE_QLIST] = qlist_is_equal,
    [QTYPE_QBOOL] = qbool_is_equal,
};

void qobject_ref_impl(QObject *obj)
{
    if (obj) {
        obj->base.refcnt++;
    }
}

void qobject_unref_impl(QObject *obj)
{
    if (obj) {
        assert(obj->base.refcnt);
        if (--obj->base.refcnt == 0) {
            qobject_destroy(obj);
        }
    }
}

void qobject_destroy(QObject *obj)
{
    QType type = qobject_type(obj);

    /* The null singleton is static and never reaches zero in practice. */
    assert(type != QTYPE_QNULL);
    assert(destroy_fn[type]);
    destroy_fn[type](obj);
}

bool qobject_is_equal(const QObject *x, const QObject *y)
{
    if (x == y) {
        /* NaN is the only value unequal to itself. */
        if (x && qobject_type(x) == QTYPE_QNUM) {
            return qnum_is_equal(x, y);
        }
        return true;
    }
    if (!x || !y || qobject_type(x) != qobject_type(y)) {
        return false;
    }
    if (qobject_type(x) == QTYPE_QNULL) {
        return true;
    }
    return equal_fn[qobject_type(x)](x, y);
}
