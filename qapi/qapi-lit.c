/*
 * Conversion of static JSON literals (QAPILit) into QObjects.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "qobject/qbool.h"
#include "qobject/qdict.h"
#include "qobject/qlist.h"
#include "qobject/qnull.h"
#include "qobject/qstring.h"
#include "qapi/qapi-lit.h"

QObject *qapi_lit_to_qobject(const QAPILit *lit)
{
    switch (lit->kind) {
    case QAPI_LIT_STR:
        return QOBJECT(qstring_from_str(lit->u.str));
    case QAPI_LIT_BOOL:
        return QOBJECT(qbool_from_bool(lit->u.b));
    case QAPI_LIT_NULL:
        return QOBJECT(qnull());
    case QAPI_LIT_LIST: {
        QList *list = qlist_new();
        const QAPILit *e;

        for (e = lit->u.list; e->kind != QAPI_LIT_END; e++) {
            qlist_append_obj(list, qapi_lit_to_qobject(e));
        }
        return QOBJECT(list);
    }
    case QAPI_LIT_DICT: {
        QDict *dict = qdict_new();
        const QAPILitEntry *e;

        for (e = lit->u.dict; e->key; e++) {
            qdict_put_obj(dict, e->key, qapi_lit_to_qobject(&e->value));
        }
        return QOBJECT(dict);
    }
    case QAPI_LIT_END:
        break;
    }
    abort();
}
