/*
 * QObject input visitor: builds QAPI values from QMP arguments (strict
 * JSON types) or from keyval-parsed option strings (every scalar is a
 * string converted to the type asked for).
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include <math.h>
#include "vireo/error.h"
#include "vireo/cutils.h"
#include "vireo/keyval.h"
#include "qobject/qbool.h"
#include "qobject/qdict.h"
#include "qobject/qjson.h"
#include "qobject/qlist.h"
#include "qobject/qnull.h"
#include "qobject/qnum.h"
#include "qobject/qstring.h"
#include "qapi/qobject-input-visitor.h"
#include "qapi/visitor-impl.h"

typedef struct StackObject {
    const char *name;            /* of this aggregate in its parent */
    QObject *obj;                /* QDict or QList being visited */
    const QListEntry *entry;     /* next list element */
    unsigned index;              /* index of the current list element */
    GHashTable *unvisited;       /* keys of a QDict not visited yet */
    struct StackObject *next;
} StackObject;

typedef struct QObjectInputVisitor {
    Visitor visitor;
    QObject *root;
    bool keyval;
    StackObject *stack;
    GString *errname;
} QObjectInputVisitor;

static QObjectInputVisitor *to_qiv(Visitor *v)
{
    return container_of(v, QObjectInputVisitor, visitor);
}

/*
 * The dotted name of @name inside the aggregate @n levels below the top
 * of the stack, such as "data.addr" or "list[2].x", for messages.
 */
static const char *full_name_nth(QObjectInputVisitor *qiv, const char *name,
                                 int n)
{
    StackObject *so;
    char buf[32];

    if (!qiv->errname) {
        qiv->errname = g_string_new("");
    }
    g_string_truncate(qiv->errname, 0);
    for (so = qiv->stack; so; so = so->next) {
        if (n) {
            n--;
            continue;
        }
        if (qobject_type(so->obj) == QTYPE_QDICT) {
            g_string_prepend(qiv->errname, name ? name : "<anonymous>");
            g_string_prepend_c(qiv->errname, '.');
        } else {
            snprintf(buf, sizeof(buf), qiv->keyval ? ".%u" : "[%u]",
                     so->index);
            g_string_prepend(qiv->errname, buf);
        }
        name = so->name;
    }
    if (name) {
        g_string_prepend(qiv->errname, name);
    } else if (qiv->errname->str[0] == '.') {
        g_string_erase(qiv->errname, 0, 1);
    } else if (!qiv->errname->str[0]) {
        return "<anonymous>";
    }
    return qiv->errname->str;
}

static const char *full_name(QObjectInputVisitor *qiv, const char *name)
{
    return full_name_nth(qiv, name, 0);
}

static QObject *try_get_object(QObjectInputVisitor *qiv, const char *name,
                               bool consume)
{
    StackObject *tos = qiv->stack;
    QObject *ret;

    if (!tos) {
        /* The root is the value visited first, whatever its name. */
        return qiv->root;
    }
    if (qobject_type(tos->obj) == QTYPE_QDICT) {
        assert(name);
        ret = qdict_get(qobject_to(QDict, tos->obj), name);
        if (ret && consume && tos->unvisited) {
            g_hash_table_remove(tos->unvisited, name);
        }
        return ret;
    }
    if (!tos->entry) {
        return NULL;
    }
    ret = qlist_entry_obj(tos->entry);
    if (consume) {
        tos->entry = qlist_next(tos->entry);
    }
    return ret;
}

static QObject *get_object(QObjectInputVisitor *qiv, const char *name,
                           bool consume, Error **errp)
{
    QObject *obj = try_get_object(qiv, name, consume);

    if (!obj) {
        error_setg(errp, "Parameter '%s' is missing", full_name(qiv, name));
    }
    return obj;
}

/* In keyval mode, the string value of scalar @name. */
static const char *get_keyval_str(QObjectInputVisitor *qiv,
                                  const char *name, Error **errp)
{
    QObject *obj = get_object(qiv, name, true, errp);
    QString *qstr;

    if (!obj) {
        return NULL;
    }
    qstr = qobject_to(QString, obj);
    if (!qstr) {
        if (qobject_type(obj) == QTYPE_QDICT ||
            qobject_type(obj) == QTYPE_QLIST) {
            error_setg(errp, "Parameters '%s.*' are unexpected",
                       full_name(qiv, name));
        } else {
            error_setg(errp, "Invalid parameter type for '%s', expected: %s",
                       full_name(qiv, name), "string");
        }
        return NULL;
    }
    return qstring_get_str(qstr);
}

static void push(QObjectInputVisitor *qiv, const char *name, QObject *obj)
{
    StackObject *so = g_new0(StackObject, 1);

    so->name = name;
    so->obj = obj;
    if (qobject_type(obj) == QTYPE_QDICT) {
        const QDictEntry *e;
        QDict *dict = qobject_to(QDict, obj);

        so->unvisited = g_hash_table_new(g_str_hash, g_str_equal);
        for (e = qdict_first(dict); e; e = qdict_next(dict, e)) {
            g_hash_table_add(so->unvisited, (gpointer)qdict_entry_key(e));
        }
    } else {
        so->entry = qlist_first(qobject_to(QList, obj));
    }
    so->next = qiv->stack;
    qiv->stack = so;
}

static void pop(QObjectInputVisitor *qiv)
{
    StackObject *so = qiv->stack;

    assert(so);
    qiv->stack = so->next;
    if (so->unvisited) {
        g_hash_table_unref(so->unvisited);
    }
    g_free(so);
}

static bool qiv_start_struct(Visitor *v, const char *name, void **obj,
                             size_t size, Error **errp)
{
    QObjectInputVisitor *qiv = to_qiv(v);
    QObject *qobj = get_object(qiv, name, true, errp);

    if (obj) {
        *obj = NULL;
    }
    if (!qobj) {
        return false;
    }
    if (qobject_type(qobj) != QTYPE_QDICT) {
        error_setg(errp, "Invalid parameter type for '%s', expected: %s",
                   full_name(qiv, name), "object");
        return false;
    }
    push(qiv, name, qobj);
    if (obj) {
        *obj = g_malloc0(size);
    }
    return true;
}

static bool qiv_check_struct(Visitor *v, Error **errp)
{
    QObjectInputVisitor *qiv = to_qiv(v);
    StackObject *tos = qiv->stack;
    GHashTableIter iter;
    const char *key;

    assert(tos && qobject_type(tos->obj) == QTYPE_QDICT);
    g_hash_table_iter_init(&iter, tos->unvisited);
    if (g_hash_table_iter_next(&iter, (void **)&key, NULL)) {
        error_setg(errp, "Parameter '%s' is unexpected",
                   full_name(qiv, key));
        return false;
    }
    return true;
}

static void qiv_end_struct(Visitor *v, void **obj)
{
    pop(to_qiv(v));
}

static bool qiv_start_list(Visitor *v, const char *name, GenericList **list,
                           size_t size, Error **errp)
{
    QObjectInputVisitor *qiv = to_qiv(v);
    QObject *qobj = get_object(qiv, name, true, errp);

    if (list) {
        *list = NULL;
    }
    if (!qobj) {
        return false;
    }
    if (qobject_type(qobj) != QTYPE_QLIST) {
        error_setg(errp, "Invalid parameter type for '%s', expected: %s",
                   full_name(qiv, name), "array");
        return false;
    }
    push(qiv, name, qobj);
    if (list && qiv->stack->entry) {
        *list = g_malloc0(size);
    }
    return true;
}

static GenericList *qiv_next_list(Visitor *v, GenericList *tail, size_t size)
{
    QObjectInputVisitor *qiv = to_qiv(v);
    StackObject *tos = qiv->stack;

    if (!tos->entry) {
        return NULL;
    }
    tos->index++;
    tail->next = g_malloc0(size);
    return tail->next;
}

static bool qiv_check_list(Visitor *v, Error **errp)
{
    QObjectInputVisitor *qiv = to_qiv(v);
    StackObject *tos = qiv->stack;

    if (tos->entry) {
        error_setg(errp, "Only %u list elements expected in %s",
                   tos->index + 1, full_name_nth(qiv, NULL, 1));
        return false;
    }
    return true;
}

static void qiv_end_list(Visitor *v, void **obj)
{
    pop(to_qiv(v));
}

static bool qiv_start_alternate(Visitor *v, const char *name,
                                GenericAlternate **obj, size_t size,
                                Error **errp)
{
    QObjectInputVisitor *qiv = to_qiv(v);
    QObject *qobj = get_object(qiv, name, false, errp);

    if (!qobj) {
        *obj = NULL;
        return false;
    }
    *obj = g_malloc0(size);
    (*obj)->type = qobject_type(qobj);
    return true;
}

static bool qiv_type_int64(Visitor *v, const char *name, int64_t *obj,
                           Error **errp)
{
    QObjectInputVisitor *qiv = to_qiv(v);
    QObject *qobj = get_object(qiv, name, true, errp);
    QNum *qnum;

    if (!qobj) {
        return false;
    }
    qnum = qobject_to(QNum, qobj);
    if (!qnum || !qnum_get_try_int(qnum, obj)) {
        error_setg(errp, "Invalid parameter type for '%s', expected: %s",
                   full_name(qiv, name), "integer");
        return false;
    }
    return true;
}

static bool qiv_type_int64_keyval(Visitor *v, const char *name,
                                  int64_t *obj, Error **errp)
{
    QObjectInputVisitor *qiv = to_qiv(v);
    const char *str = get_keyval_str(qiv, name, errp);

    if (!str) {
        return false;
    }
    if (qemu_strtoi64(str, NULL, 0, obj) < 0) {
        error_setg(errp, "Parameter '%s' expects %s", full_name(qiv, name),
                   "integer");
        return false;
    }
    return true;
}

static bool qiv_type_uint64(Visitor *v, const char *name, uint64_t *obj,
                            Error **errp)
{
    QObjectInputVisitor *qiv = to_qiv(v);
    QObject *qobj = get_object(qiv, name, true, errp);
    QNum *qnum;
    int64_t val;

    if (!qobj) {
        return false;
    }
    qnum = qobject_to(QNum, qobj);
    if (qnum) {
        if (qnum_get_try_uint(qnum, obj)) {
            return true;
        }
        /* Negative values wrap around, as they always have in QMP. */
        if (qnum_get_try_int(qnum, &val)) {
            *obj = val;
            return true;
        }
    }
    error_setg(errp, "Parameter '%s' expects %s", full_name(qiv, name),
               "uint64");
    return false;
}

static bool qiv_type_uint64_keyval(Visitor *v, const char *name,
                                   uint64_t *obj, Error **errp)
{
    QObjectInputVisitor *qiv = to_qiv(v);
    const char *str = get_keyval_str(qiv, name, errp);

    if (!str) {
        return false;
    }
    if (qemu_strtou64(str, NULL, 0, obj) < 0) {
        error_setg(errp, "Parameter '%s' expects %s", full_name(qiv, name),
                   "integer");
        return false;
    }
    return true;
}

static bool qiv_type_size_keyval(Visitor *v, const char *name,
                                 uint64_t *obj, Error **errp)
{
    QObjectInputVisitor *qiv = to_qiv(v);
    const char *str = get_keyval_str(qiv, name, errp);

    if (!str) {
        return false;
    }
    if (qemu_strtosz(str, NULL, obj) < 0) {
        error_setg(errp, "Parameter '%s' expects %s", full_name(qiv, name),
                   "size");
        return false;
    }
    return true;
}

static bool qiv_type_bool(Visitor *v, const char *name, bool *obj,
                          Error **errp)
{
    QObjectInputVisitor *qiv = to_qiv(v);
    QObject *qobj = get_object(qiv, name, true, errp);
    QBool *qbool;

    if (!qobj) {
        return false;
    }
    qbool = qobject_to(QBool, qobj);
    if (!qbool) {
        error_setg(errp, "Invalid parameter type for '%s', expected: %s",
                   full_name(qiv, name), "boolean");
        return false;
    }
    *obj = qbool_get_bool(qbool);
    return true;
}

static bool qiv_type_bool_keyval(Visitor *v, const char *name, bool *obj,
                                 Error **errp)
{
    QObjectInputVisitor *qiv = to_qiv(v);
    const char *str = get_keyval_str(qiv, name, errp);

    if (!str) {
        return false;
    }
    if (!qapi_bool_parse(full_name(qiv, name), str, obj, NULL)) {
        error_setg(errp, "Parameter '%s' expects %s", full_name(qiv, name),
                   "'on' or 'off'");
        return false;
    }
    return true;
}

static bool qiv_type_str(Visitor *v, const char *name, char **obj,
                         Error **errp)
{
    QObjectInputVisitor *qiv = to_qiv(v);
    QObject *qobj = get_object(qiv, name, true, errp);
    QString *qstr;

    *obj = NULL;
    if (!qobj) {
        return false;
    }
    qstr = qobject_to(QString, qobj);
    if (!qstr) {
        error_setg(errp, "Invalid parameter type for '%s', expected: %s",
                   full_name(qiv, name), "string");
        return false;
    }
    *obj = g_strdup(qstring_get_str(qstr));
    return true;
}

static bool qiv_type_str_keyval(Visitor *v, const char *name, char **obj,
                                Error **errp)
{
    const char *str = get_keyval_str(to_qiv(v), name, errp);

    *obj = g_strdup(str);
    return str != NULL;
}

static bool qiv_type_number(Visitor *v, const char *name, double *obj,
                            Error **errp)
{
    QObjectInputVisitor *qiv = to_qiv(v);
    QObject *qobj = get_object(qiv, name, true, errp);
    QNum *qnum;

    if (!qobj) {
        return false;
    }
    qnum = qobject_to(QNum, qobj);
    if (!qnum) {
        error_setg(errp, "Invalid parameter type for '%s', expected: %s",
                   full_name(qiv, name), "number");
        return false;
    }
    *obj = qnum_get_double(qnum);
    return true;
}

static bool qiv_type_number_keyval(Visitor *v, const char *name,
                                   double *obj, Error **errp)
{
    QObjectInputVisitor *qiv = to_qiv(v);
    const char *str = get_keyval_str(qiv, name, errp);
    char *end;
    double val;

    if (!str) {
        return false;
    }
    errno = 0;
    val = g_ascii_strtod(str, &end);
    if (!*str || *end || errno || !isfinite(val)) {
        error_setg(errp, "Invalid parameter type for '%s', expected: %s",
                   full_name(qiv, name), "number");
        return false;
    }
    *obj = val;
    return true;
}

static bool qiv_type_any(Visitor *v, const char *name, QObject **obj,
                         Error **errp)
{
    QObjectInputVisitor *qiv = to_qiv(v);
    QObject *qobj = get_object(qiv, name, true, errp);

    *obj = NULL;
    if (!qobj) {
        return false;
    }
    *obj = qobject_ref(qobj);
    return true;
}

static bool qiv_type_null(Visitor *v, const char *name, QNull **obj,
                          Error **errp)
{
    QObjectInputVisitor *qiv = to_qiv(v);
    QObject *qobj = get_object(qiv, name, true, errp);

    *obj = NULL;
    if (!qobj) {
        return false;
    }
    if (qobject_type(qobj) != QTYPE_QNULL) {
        error_setg(errp, "Invalid parameter type for '%s', expected: %s",
                   full_name(qiv, name), "null");
        return false;
    }
    *obj = qnull();
    return true;
}

static bool qiv_type_null_keyval(Visitor *v, const char *name, QNull **obj,
                                 Error **errp)
{
    QObjectInputVisitor *qiv = to_qiv(v);
    const char *str = get_keyval_str(qiv, name, errp);

    *obj = NULL;
    if (!str) {
        return false;
    }
    if (str[0]) {
        error_setg(errp, "Invalid parameter type for '%s', expected: %s",
                   full_name(qiv, name), "null");
        return false;
    }
    *obj = qnull();
    return true;
}

static bool qiv_optional(Visitor *v, const char *name, bool *present)
{
    *present = try_get_object(to_qiv(v), name, false) != NULL;
    return *present;
}

static void qiv_free(Visitor *v)
{
    QObjectInputVisitor *qiv = to_qiv(v);

    while (qiv->stack) {
        pop(qiv);
    }
    qobject_unref(qiv->root);
    if (qiv->errname) {
        g_string_free(qiv->errname, true);
    }
    g_free(qiv);
}

static QObjectInputVisitor *qiv_base(QObject *obj)
{
    QObjectInputVisitor *qiv = g_new0(QObjectInputVisitor, 1);

    assert(obj);
    qiv->visitor.type = VISITOR_INPUT;
    qiv->visitor.start_struct = qiv_start_struct;
    qiv->visitor.check_struct = qiv_check_struct;
    qiv->visitor.end_struct = qiv_end_struct;
    qiv->visitor.start_list = qiv_start_list;
    qiv->visitor.next_list = qiv_next_list;
    qiv->visitor.check_list = qiv_check_list;
    qiv->visitor.end_list = qiv_end_list;
    qiv->visitor.start_alternate = qiv_start_alternate;
    qiv->visitor.optional = qiv_optional;
    qiv->visitor.type_any = qiv_type_any;
    qiv->visitor.free = qiv_free;
    qiv->root = qobject_ref(obj);
    return qiv;
}

Visitor *qobject_input_visitor_new(QObject *obj)
{
    QObjectInputVisitor *qiv = qiv_base(obj);

    qiv->visitor.type_int64 = qiv_type_int64;
    qiv->visitor.type_uint64 = qiv_type_uint64;
    qiv->visitor.type_bool = qiv_type_bool;
    qiv->visitor.type_str = qiv_type_str;
    qiv->visitor.type_number = qiv_type_number;
    qiv->visitor.type_null = qiv_type_null;
    return &qiv->visitor;
}

Visitor *qobject_input_visitor_new_qmp(QObject *obj)
{
    return qobject_input_visitor_new(obj);
}

Visitor *qobject_input_visitor_new_keyval(QObject *obj)
{
    QObjectInputVisitor *qiv = qiv_base(obj);

    qiv->keyval = true;
    qiv->visitor.type_int64 = qiv_type_int64_keyval;
    qiv->visitor.type_uint64 = qiv_type_uint64_keyval;
    qiv->visitor.type_size = qiv_type_size_keyval;
    qiv->visitor.type_bool = qiv_type_bool_keyval;
    qiv->visitor.type_str = qiv_type_str_keyval;
    qiv->visitor.type_number = qiv_type_number_keyval;
    qiv->visitor.type_null = qiv_type_null_keyval;
    return &qiv->visitor;
}

Visitor *qobject_input_visitor_new_str(const char *str,
                                       const char *implied_key,
                                       Error **errp)
{
    bool is_json;
    QDict *args = keyval_or_json_parse(str, implied_key, NULL, &is_json,
                                       errp);
    Visitor *v;

    if (!args) {
        return NULL;
    }
    v = is_json ? qobject_input_visitor_new(QOBJECT(args))
                : qobject_input_visitor_new_keyval(QOBJECT(args));
    qobject_unref(args);
    return v;
}
