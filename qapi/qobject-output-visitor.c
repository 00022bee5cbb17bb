/*
 * QObject output visitor: turns a QAPI value into QDicts, QLists and
 * scalars (command return values, event data).
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
#include "qapi/qobject-output-visitor.h"
#include "qapi/visitor-impl.h"

typedef struct OutputStack {
    QObject *value;              /* QDict or QList being filled */
    void *qapi;                  /* the QAPI object it comes from */
    struct OutputStack *next;
} OutputStack;

typedef struct QObjectOutputVisitor {
    Visitor visitor;
    OutputStack *stack;
    QObject *root;
    QObject **result;
} QObjectOutputVisitor;

static QObjectOutputVisitor *to_qov(Visitor *v)
{
    return container_of(v, QObjectOutputVisitor, visitor);
}

/* Store @value (a reference we own) as @name of the current aggregate. */
static void add_value(QObjectOutputVisitor *qov, const char *name,
                      QObject *value)
{
    OutputStack *tos = qov->stack;

    if (!tos) {
        assert(!qov->root);
        qov->root = value;
        return;
    }
    if (qobject_type(tos->value) == QTYPE_QDICT) {
        assert(name);
        qdict_put_obj(qobject_to(QDict, tos->value), name, value);
    } else {
        qlist_append_obj(qobject_to(QList, tos->value), value);
    }
}

static void push(QObjectOutputVisitor *qov, QObject *value, void *qapi)
{
    OutputStack *so = g_new(OutputStack, 1);

    so->value = value;
    so->qapi = qapi;
    so->next = qov->stack;
    qov->stack = so;
}

static void pop(QObjectOutputVisitor *qov, void *qapi)
{
    OutputStack *so = qov->stack;

    assert(so && so->qapi == qapi);
    qov->stack = so->next;
    g_free(so);
}

static bool qov_start_struct(Visitor *v, const char *name, void **obj,
                             size_t unused, Error **errp)
{
    QObjectOutputVisitor *qov = to_qov(v);
    QDict *dict = qdict_new();

    add_value(qov, name, QOBJECT(dict));
    push(qov, QOBJECT(dict), obj);
    return true;
}

static void qov_end_struct(Visitor *v, void **obj)
{
    pop(to_qov(v), obj);
}

static bool qov_start_list(Visitor *v, const char *name, GenericList **list,
                           size_t size, Error **errp)
{
    QObjectOutputVisitor *qov = to_qov(v);
    QList *l = qlist_new();

    add_value(qov, name, QOBJECT(l));
    push(qov, QOBJECT(l), list);
    return true;
}

static GenericList *qov_next_list(Visitor *v, GenericList *tail, size_t size)
{
    return tail->next;
}

static void qov_end_list(Visitor *v, void **obj)
{
    pop(to_qov(v), obj);
}

static bool qov_start_alternate(Visitor *v, const char *name,
                                GenericAlternate **obj, size_t size,
                                Error **errp)
{
    /* The branch is visited with the alternate's own name. */
    return true;
}

static bool qov_type_int64(Visitor *v, const char *name, int64_t *obj,
                           Error **errp)
{
    add_value(to_qov(v), name, QOBJECT(qnum_from_int(*obj)));
    return true;
}

static bool qov_type_uint64(Visitor *v, const char *name, uint64_t *obj,
                            Error **errp)
{
    add_value(to_qov(v), name, QOBJECT(qnum_from_uint(*obj)));
    return true;
}

static bool qov_type_bool(Visitor *v, const char *name, bool *obj,
                          Error **errp)
{
    add_value(to_qov(v), name, QOBJECT(qbool_from_bool(*obj)));
    return true;
}

static bool qov_type_str(Visitor *v, const char *name, char **obj,
                         Error **errp)
{
    /* A NULL string is output as "", as QEMU does. */
    add_value(to_qov(v), name,
              QOBJECT(qstring_from_str(*obj ? *obj : "")));
    return true;
}

static bool qov_type_number(Visitor *v, const char *name, double *obj,
                            Error **errp)
{
    add_value(to_qov(v), name, QOBJECT(qnum_from_double(*obj)));
    return true;
}

static bool qov_type_any(Visitor *v, const char *name, QObject **obj,
                         Error **errp)
{
    add_value(to_qov(v), name, qobject_ref(*obj));
    return true;
}

static bool qov_type_null(Visitor *v, const char *name, QNull **obj,
                          Error **errp)
{
    add_value(to_qov(v), name, QOBJECT(qnull()));
    return true;
}

static void qov_complete(Visitor *v, void *opaque)
{
    QObjectOutputVisitor *qov = to_qov(v);

    assert(opaque == qov->result);
    assert(qov->root && !qov->stack);
    *qov->result = qobject_ref(qov->root);
}

static void qov_free(Visitor *v)
{
    QObjectOutputVisitor *qov = to_qov(v);

    while (qov->stack) {
        OutputStack *so = qov->stack;

        qov->stack = so->next;
        g_free(so);
    }
    qobject_unref(qov->root);
    g_free(qov);
}

Visitor *qobject_output_visitor_new(QObject **result)
{
    QObjectOutputVisitor *qov = g_new0(QObjectOutputVisitor, 1);

    qov->visitor.type = VISITOR_OUTPUT;
    qov->visitor.start_struct = qov_start_struct;
    qov->visitor.end_struct = qov_end_struct;
    qov->visitor.start_list = qov_start_list;
    qov->visitor.next_list = qov_next_list;
    qov->visitor.end_list = qov_end_list;
    qov->visitor.start_alternate = qov_start_alternate;
    qov->visitor.type_int64 = qov_type_int64;
    qov->visitor.type_uint64 = qov_type_uint64;
    qov->visitor.type_bool = qov_type_bool;
    qov->visitor.type_str = qov_type_str;
    qov->visitor.type_number = qov_type_number;
    qov->visitor.type_any = qov_type_any;
    qov->visitor.type_null = qov_type_null;
    qov->visitor.complete = qov_complete;
    qov->visitor.free = qov_free;
    qov->result = result;
    *result = NULL;
    return &qov->visitor;
}

Visitor *qobject_output_visitor_new_qmp(QObject **result)
{
    return qobject_output_visitor_new(result);
}
