/*
 * QOM properties: the per-object and per-class tables, typed accessors
 * through QAPI visitors, child<> and link<> properties, the composition
 * tree's containers and path resolution (see qom/object.h).
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "qom/object.h"
#include "qom/object-internal.h"
#include "qom/qom-qobject.h"
#include "qapi/visitor.h"
#include "qapi/util.h"
#include "qapi/qobject-input-visitor.h"
#include "qapi/qobject-output-visitor.h"
#include "qobject/qbool.h"
#include "qobject/qjson.h"
#include "qobject/qnum.h"
#include "qobject/qstring.h"

/* ---- Tables ---- */

ObjectProperty *object_class_property_find(ObjectClass *klass,
                                           const char *name)
{
    for (; klass; klass = object_class_get_parent(klass)) {
        ObjectProperty *prop = g_hash_table_lookup(klass->properties, name);
        if (prop) {
            return prop;
        }
    }
    return NULL;
}

ObjectProperty *object_class_property_find_err(ObjectClass *klass,
                                               const char *name,
                                               Error **errp)
{
    ObjectProperty *prop = object_class_property_find(klass, name);

    if (!prop) {
        error_setg(errp, "Property '%s.%s' not found",
                   object_class_get_name(klass), name);
    }
    return prop;
}

ObjectProperty *object_property_find(Object *obj, const char *name)
{
    ObjectProperty *prop = object_class_property_find(obj->class, name);

    return prop ? prop : g_hash_table_lookup(obj->properties, name);
}

ObjectProperty *object_property_find_err(Object *obj, const char *name,
                                         Error **errp)
{
    ObjectProperty *prop = object_property_find(obj, name);

    if (!prop) {
        error_setg(errp, "Property '%s.%s' not found",
                   object_get_typename(obj), name);
    }
    return prop;
}

void object_property_iter_init(ObjectPropertyIterator *iter, Object *obj)
{
    g_hash_table_iter_init(&iter->iter, obj->properties);
    iter->nextclass = object_get_class(obj);
}

void object_class_property_iter_init(ObjectPropertyIterator *iter,
                                     ObjectClass *klass)
{
    g_hash_table_iter_init(&iter->iter, klass->properties);
    iter->nextclass = object_class_get_parent(klass);
}

ObjectProperty *object_property_iter_next(ObjectPropertyIterator *iter)
{
    gpointer key, val;

    while (!g_hash_table_iter_next(&iter->iter, &key, &val)) {
        if (!iter->nextclass) {
            return NULL;
        }
        g_hash_table_iter_init(&iter->iter, iter->nextclass->properties);
        iter->nextclass = object_class_get_parent(iter->nextclass);
    }
    return val;
}

ObjectProperty *object_property_try_add(Object *obj, const char *name,
                                        const char *type,
                                        ObjectPropertyAccessor *get,
                                        ObjectPropertyAccessor *set,
                                        ObjectPropertyRelease *release,
                                        void *opaque, Error **errp)
{
    ObjectProperty *prop;
    size_t name_len = strlen(name);

    /* "foo[*]" picks the first free index: foo[0], foo[1], ... */
    if (name_len >= 3 && !memcmp(name + name_len - 3, "[*]", 4)) {
        g_autofree char *base = g_strndup(name, name_len - 3);

        for (int i = 0; i < INT16_MAX; i++) {
            g_autofree char *full = g_strdup_printf("%s[%d]", base, i);
            if (!object_property_find(obj, full)) {
                return object_property_try_add(obj, full, type, get, set,
                                               release, opaque, errp);
            }
        }
        error_setg(errp, "Too many properties named %s", name);
        return NULL;
    }
    if (object_property_find(obj, name)) {
        error_setg(errp, "attempt to add duplicate property '%s' to object "
                   "(type '%s')", name, object_get_typename(obj));
        return NULL;
    }
    prop = g_new0(ObjectProperty, 1);
    prop->name = g_strdup(name);
    prop->type = g_strdup(type);
    prop->get = get;
    prop->set = set;
    prop->release = release;
    prop->opaque = opaque;
    g_hash_table_insert(obj->properties, prop->name, prop);
    return prop;
}

ObjectProperty *object_property_add(Object *obj, const char *name,
                                    const char *type,
                                    ObjectPropertyAccessor *get,
                                    ObjectPropertyAccessor *set,
                                    ObjectPropertyRelease *release,
                                    void *opaque)
{
    return object_property_try_add(obj, name, type, get, set, release,
                                   opaque, &error_abort);
}

ObjectProperty *object_class_property_add(ObjectClass *klass,
                                          const char *name,
                                          const char *type,
                                          ObjectPropertyAccessor *get,
                                          ObjectPropertyAccessor *set,
                                          ObjectPropertyRelease *release,
                                          void *opaque)
{
    ObjectProperty *prop;

    g_assert(!object_class_property_find(klass, name));
    prop = g_new0(ObjectProperty, 1);
    prop->name = g_strdup(name);
    prop->type = g_strdup(type);
    prop->get = get;
    prop->set = set;
    prop->release = release;
    prop->opaque = opaque;
    g_hash_table_insert(klass->properties, prop->name, prop);
    return prop;
}

void object_property_del(Object *obj, const char *name)
{
    ObjectProperty *prop = g_hash_table_lookup(obj->properties, name);

    if (!prop) {
        return;
    }
    if (prop->release) {
        prop->release(obj, name, prop->opaque);
    }
    g_hash_table_remove(obj->properties, name);
}

/* ---- Defaults ---- */

static void object_property_init_defval(Object *obj, ObjectProperty *prop)
{
    Visitor *v = qobject_input_visitor_new(prop->defval);

    g_assert(prop->set != NULL);
    prop->set(obj, v, prop->name, prop->opaque, &error_abort);
    visit_free(v);
}

static void set_default(ObjectProperty *prop, QObject *defval)
{
    g_assert(!prop->defval && !prop->init);
    prop->defval = defval;
    prop->init = object_property_init_defval;
}

void object_property_set_default_bool(ObjectProperty *prop, bool value)
{
    set_default(prop, QOBJECT(qbool_from_bool(value)));
}

void object_property_set_default_str(ObjectProperty *prop, const char *value)
{
    set_default(prop, QOBJECT(qstring_from_str(value)));
}

void object_property_set_default_int(ObjectProperty *prop, int64_t value)
{
    set_default(prop, QOBJECT(qnum_from_int(value)));
}

void object_property_set_default_uint(ObjectProperty *prop, uint64_t value)
{
    set_default(prop, QOBJECT(qnum_from_uint(value)));
}

/* ---- Access through visitors ---- */

bool object_property_get(Object *obj, const char *name, Visitor *v,
                         Error **errp)
{
    ObjectProperty *prop = object_property_find_err(obj, name, errp);
    Error *err = NULL;

    if (!prop) {
        return false;
    }
    if (!prop->get) {
        error_setg(errp, "Property '%s' is not readable", name);
        return false;
    }
    prop->get(obj, v, name, prop->opaque, &err);
    error_propagate(errp, err);
    return !err;
}

bool object_property_set(Object *obj, const char *name, Visitor *v,
                         Error **errp)
{
    ObjectProperty *prop = object_property_find_err(obj, name, errp);
    Error *err = NULL;

    if (!prop) {
        return false;
    }
    if (!prop->set) {
        error_setg(errp, "Property '%s' is not writable", name);
        return false;
    }
    prop->set(obj, v, name, prop->opaque, &err);
    error_propagate(errp, err);
    return !err;
}

bool object_property_set_qobject(Object *obj, const char *name,
                                 QObject *value, Error **errp)
{
    Visitor *v = qobject_input_visitor_new(value);
    bool ok = object_property_set(obj, name, v, errp);

    visit_free(v);
    return ok;
}

QObject *object_property_get_qobject(Object *obj, const char *name,
                                     Error **errp)
{
    QObject *ret = NULL;
    Visitor *v = qobject_output_visitor_new(&ret);

    if (object_property_get(obj, name, v, errp)) {
        visit_complete(v, &ret);
    }
    visit_free(v);
    return ret;
}

bool object_property_parse(Object *obj, const char *name,
                           const char *string, Error **errp)
{
    /* A string is converted to the property's type, as on -device. */
    QString *qs = qstring_from_str(string);
    Visitor *v = qobject_input_visitor_new_keyval(QOBJECT(qs));
    bool ok = object_property_set(obj, name, v, errp);

    visit_free(v);
    qobject_unref(qs);
    return ok;
}

char *object_property_print(Object *obj, const char *name, bool human,
                            Error **errp)
{
    QObject *ret = object_property_get_qobject(obj, name, errp);
    GString *str;

    if (!ret) {
        return NULL;
    }
    if (qobject_type(ret) == QTYPE_QSTRING && human) {
        char *s = g_strdup(qstring_get_str(qobject_to(QString, ret)));
        qobject_unref(ret);
        return s;
    }
    str = qobject_to_json(ret);
    qobject_unref(ret);
    return g_string_free(str, FALSE);
}

const char *object_property_get_type(Object *obj, const char *name,
                                     Error **errp)
{
    ObjectProperty *prop = object_property_find_err(obj, name, errp);

    return prop ? prop->type : NULL;
}

bool object_property_set_str(Object *obj, const char *name,
                             const char *value, Error **errp)
{
    QString *qstr = qstring_from_str(value);
    bool ok = object_property_set_qobject(obj, name, QOBJECT(qstr), errp);

    qobject_unref(qstr);
    return ok;
}

char *object_property_get_str(Object *obj, const char *name, Error **errp)
{
    QObject *ret = object_property_get_qobject(obj, name, errp);
    QString *qstring;
    char *retval;

    if (!ret) {
        return NULL;
    }
    qstring = qobject_to(QString, ret);
    if (!qstring) {
        error_setg(errp, "Invalid parameter type for '%s', expected: %s",
                   name, "string");
        retval = NULL;
    } else {
        retval = g_strdup(qstring_get_str(qstring));
    }
    qobject_unref(ret);
    return retval;
}

bool object_property_set_link(Object *obj, const char *name,
                              Object *value, Error **errp)
{
    g_autofree char *path = NULL;

    if (value) {
        path = object_get_canonical_path(value);
    }
    return object_property_set_str(obj, name, path ? path : "", errp);
}

Object *object_property_get_link(Object *obj, const char *name,
                                 Error **errp)
{
    g_autofree char *str = object_property_get_str(obj, name, errp);
    Object *target = NULL;

    if (str && *str) {
        target = object_resolve_path(str, NULL);
        if (!target) {
            error_set(errp, ERROR_CLASS_DEVICE_NOT_FOUND,
                      "Device '%s' not found", str);
        }
    }
    return target;
}

bool object_property_set_bool(Object *obj, const char *name,
                              bool value, Error **errp)
{
    QBool *qbool = qbool_from_bool(value);
    bool ok = object_property_set_qobject(obj, name, QOBJECT(qbool), errp);

    qobject_unref(qbool);
    return ok;
}

bool object_property_get_bool(Object *obj, const char *name, Error **errp)
{
    QObject *ret = object_property_get_qobject(obj, name, errp);
    QBool *qbool;
    bool retval = false;

    if (!ret) {
        return false;
    }
    qbool = qobject_to(QBool, ret);
    if (!qbool) {
        error_setg(errp, "Invalid parameter type for '%s', expected: %s",
                   name, "boolean");
    } else {
        retval = qbool_get_bool(qbool);
    }
    qobject_unref(ret);
    return retval;
}

bool object_property_set_int(Object *obj, const char *name,
                             int64_t value, Error **errp)
{
    QNum *qnum = qnum_from_int(value);
    bool ok = object_property_set_qobject(obj, name, QOBJECT(qnum), errp);

    qobject_unref(qnum);
    return ok;
}

int64_t object_property_get_int(Object *obj, const char *name, Error **errp)
{
    QObject *ret = object_property_get_qobject(obj, name, errp);
    QNum *qnum;
    int64_t retval = -1;

    if (!ret) {
        return -1;
    }
    qnum = qobject_to(QNum, ret);
    if (!qnum || !qnum_get_try_int(qnum, &retval)) {
        error_setg(errp, "Invalid parameter type for '%s', expected: %s",
                   name, "int");
        retval = -1;
    }
    qobject_unref(ret);
    return retval;
}

bool object_property_set_uint(Object *obj, const char *name,
                              uint64_t value, Error **errp)
{
    QNum *qnum = qnum_from_uint(value);
    bool ok = object_property_set_qobject(obj, name, QOBJECT(qnum), errp);

    qobject_unref(qnum);
    return ok;
}

uint64_t object_property_get_uint(Object *obj, const char *name,
                                  Error **errp)
{
    QObject *ret = object_property_get_qobject(obj, name, errp);
    QNum *qnum;
    uint64_t retval = 0;

    if (!ret) {
        return 0;
    }
    qnum = qobject_to(QNum, ret);
    if (!qnum || !qnum_get_try_uint(qnum, &retval)) {
        error_setg(errp, "Invalid parameter type for '%s', expected: %s",
                   name, "uint");
        retval = 0;
    }
    qobject_unref(ret);
    return retval;
}

typedef struct EnumProperty {
    const QEnumLookup *lookup;
    int (*get)(Object *, Error **);
    void (*set)(Object *, int, Error **);
} EnumProperty;

int object_property_get_enum(Object *obj, const char *name,
                             const char *typename, Error **errp)
{
    ObjectProperty *prop = object_property_find_err(obj, name, errp);
    g_autofree char *str = NULL;
    EnumProperty *enumprop;
    int ret;

    if (!prop) {
        return -1;
    }
    if (!g_str_equal(prop->type, typename)) {
        error_setg(errp, "Property %s on %s is not '%s' enum type",
                   name, object_class_get_name(object_get_class(obj)),
                   typename);
        return -1;
    }
    enumprop = prop->opaque;
    str = object_property_get_str(obj, name, errp);
    if (!str) {
        return -1;
    }
    ret = qapi_enum_parse(enumprop->lookup, str, -1, errp);
    return ret;
}

void object_property_set_description(Object *obj, const char *name,
                                     const char *description)
{
    ObjectProperty *op = object_property_find_err(obj, name, &error_abort);

    g_free(op->description);
    op->description = g_strdup(description);
}

void object_class_property_set_description(ObjectClass *klass,
                                           const char *name,
                                           const char *description)
{
    ObjectProperty *op = g_hash_table_lookup(klass->properties, name);

    g_assert(op);
    g_free(op->description);
    op->description = g_strdup(description);
}

/* ---- child<> ---- */

static void object_get_child_property(Object *obj, Visitor *v,
                                      const char *name, void *opaque,
                                      Error **errp)
{
    Object *child = opaque;
    g_autofree char *path = object_get_canonical_path(child);

    visit_type_str(v, name, &path, errp);
}

static Object *object_resolve_child_property(Object *parent, void *opaque,
                                             const char *part)
{
    return opaque;
}

static void object_finalize_child_property(Object *obj, const char *name,
                                           void *opaque)
{
    Object *child = opaque;
    ObjectClass *klass = object_get_class(child);

    if (klass->unparent) {
        klass->unparent(child);
    }
    child->parent = NULL;
    object_unref(child);
}

ObjectProperty *object_property_try_add_child(Object *obj, const char *name,
                                              Object *child, Error **errp)
{
    g_autofree char *type = NULL;
    ObjectProperty *op;

    g_assert(!child->parent);
    type = g_strdup_printf("child<%s>", object_get_typename(child));
    op = object_property_try_add(obj, name, type, object_get_child_property,
                                 NULL, object_finalize_child_property,
                                 child, errp);
    if (!op) {
        return NULL;
    }
    op->resolve = object_resolve_child_property;
    object_ref(child);
    child->parent = obj;
    return op;
}

ObjectProperty *object_property_add_child(Object *obj, const char *name,
                                          Object *child)
{
    return object_property_try_add_child(obj, name, child, &error_abort);
}

static bool object_property_is_child(ObjectProperty *prop)
{
    return g_str_has_prefix(prop->type, "child<");
}

void object_unparent(Object *obj)
{
    if (obj->parent) {
        object_property_del(obj->parent,
                            object_get_canonical_path_component(obj));
    }
}

static int do_child_foreach(Object *obj,
                            int (*fn)(Object *child, void *opaque),
                            void *opaque, bool recurse)
{
    GHashTableIter iter;
    ObjectProperty *prop;
    int ret = 0;

    g_hash_table_iter_init(&iter, obj->properties);
    while (g_hash_table_iter_next(&iter, NULL, (gpointer *)&prop)) {
        if (object_property_is_child(prop)) {
            Object *child = prop->opaque;

            ret = fn(child, opaque);
            if (ret != 0) {
                break;
            }
            if (recurse) {
                ret = do_child_foreach(child, fn, opaque, true);
                if (ret != 0) {
                    break;
                }
            }
        }
    }
    return ret;
}

int object_child_foreach(Object *obj, int (*fn)(Object *child, void *opaque),
                         void *opaque)
{
    return do_child_foreach(obj, fn, opaque, false);
}

int object_child_foreach_recursive(Object *obj,
                                   int (*fn)(Object *child, void *opaque),
                                   void *opaque)
{
    return do_child_foreach(obj, fn, opaque, true);
}

/* ---- link<> ---- */

typedef struct LinkProperty {
    Object **targetp;
    Object *target;         /* for OBJ_PROP_LINK_DIRECT */
    ptrdiff_t offset;       /* for OBJ_PROP_LINK_CLASS */
    void (*check)(const Object *, const char *, Object *, Error **);
    ObjectPropertyLinkFlags flags;
} LinkProperty;

static Object **link_targetp(Object *obj, LinkProperty *lprop)
{
    if (lprop->flags & OBJ_PROP_LINK_CLASS) {
        return (void *)obj + lprop->offset;
    }
    return lprop->targetp;
}

void object_property_allow_set_link(const Object *obj, const char *name,
                                    Object *child, Error **errp)
{
}

static void object_get_link_property(Object *obj, Visitor *v,
                                     const char *name, void *opaque,
                                     Error **errp)
{
    Object **targetp = link_targetp(obj, opaque);
    g_autofree char *path = NULL;

    path = *targetp ? object_get_canonical_path(*targetp) : g_strdup("");
    visit_type_str(v, name, &path, errp);
}

static Object *object_resolve_link(Object *obj, const char *name,
                                   const char *path, Error **errp)
{
    const char *type = object_property_get_type(obj, name, NULL);
    g_autofree char *target_type = g_strndup(&type[5], strlen(type) - 6);
    bool ambiguous = false;
    Object *target = object_resolve_path_type(path, target_type, &ambiguous);

    if (ambiguous) {
        error_setg(errp, "Path '%s' does not uniquely identify an object",
                   path);
    } else if (!target) {
        target = object_resolve_path(path, &ambiguous);
        if (target || ambiguous) {
            error_setg(errp, "Invalid parameter type for '%s', expected: %s",
                       name, target_type);
        } else {
            error_set(errp, ERROR_CLASS_DEVICE_NOT_FOUND,
                      "Device '%s' not found", path);
        }
        target = NULL;
    }
    return target;
}

static void object_set_link_property(Object *obj, Visitor *v,
                                     const char *name, void *opaque,
                                     Error **errp)
{
    LinkProperty *prop = opaque;
    Object **targetp = link_targetp(obj, prop);
    Object *old_target = *targetp;
    Object *new_target = NULL;
    g_autofree char *path = NULL;
    Error *local_err = NULL;

    if (!visit_type_str(v, name, &path, errp)) {
        return;
    }
    if (*path) {
        new_target = object_resolve_link(obj, name, path, errp);
        if (!new_target) {
            return;
        }
    }
    prop->check(obj, name, new_target, &local_err);
    if (local_err) {
        error_propagate(errp, local_err);
        return;
    }
    *targetp = new_target;
    if (prop->flags & OBJ_PROP_LINK_STRONG) {
        object_ref(new_target);
        object_unref(old_target);
    }
}

static Object *object_resolve_link_property(Object *parent, void *opaque,
                                            const char *part)
{
    return *link_targetp(parent, opaque);
}

static void object_release_link_property(Object *obj, const char *name,
                                         void *opaque)
{
    LinkProperty *prop = opaque;
    Object **targetp = link_targetp(obj, prop);

    if ((prop->flags & OBJ_PROP_LINK_STRONG) && *targetp) {
        object_unref(*targetp);
    }
    if (!(prop->flags & OBJ_PROP_LINK_CLASS)) {
        g_free(prop);
    }
}

ObjectProperty *object_property_add_link(Object *obj, const char *name,
    const char *type, Object **targetp,
    void (*check)(const Object *, const char *, Object *, Error **),
    ObjectPropertyLinkFlags flags)
{
    LinkProperty *prop = g_new0(LinkProperty, 1);
    g_autofree char *full_type = g_strdup_printf("link<%s>", type);
    ObjectProperty *op;

    prop->targetp = targetp;
    prop->check = check;
    prop->flags = flags;
    op = object_property_add(obj, name, full_type,
                             object_get_link_property,
                             check ? object_set_link_property : NULL,
                             object_release_link_property, prop);
    op->resolve = object_resolve_link_property;
    return op;
}

ObjectProperty *object_class_property_add_link(ObjectClass *oc,
    const char *name, const char *type, ptrdiff_t offset,
    void (*check)(const Object *, const char *, Object *, Error **),
    ObjectPropertyLinkFlags flags)
{
    LinkProperty *prop = g_new0(LinkProperty, 1);
    g_autofree char *full_type = g_strdup_printf("link<%s>", type);
    ObjectProperty *op;

    prop->offset = offset;
    prop->check = check;
    prop->flags = flags | OBJ_PROP_LINK_CLASS;
    op = object_class_property_add(oc, name, full_type,
                                   object_get_link_property,
                                   check ? object_set_link_property : NULL,
                                   object_release_link_property, prop);
    op->resolve = object_resolve_link_property;
    return op;
}

/* ---- Paths ---- */

static Object *root;

Object *object_get_root(void)
{
    if (!root) {
        root = object_new(TYPE_CONTAINER);
    }
    return root;
}

Object *object_get_objects_root(void)
{
    return container_get(object_get_root(), "/objects");
}

Object *object_get_internal_root(void)
{
    static Object *internal_root;

    if (!internal_root) {
        internal_root = object_new(TYPE_CONTAINER);
    }
    return internal_root;
}

Object *container_get(Object *rootobj, const char *path)
{
    g_auto(GStrv) parts = g_strsplit(path, "/", 0);
    Object *obj = rootobj, *child;

    g_assert(parts && parts[0] && !*parts[0]);
    for (int i = 1; parts[i]; i++, obj = child) {
        child = object_resolve_path_component(obj, parts[i]);
        if (!child) {
            child = object_new(TYPE_CONTAINER);
            object_property_add_child(obj, parts[i], child);
            object_unref(child);
        }
    }
    return obj;
}

const char *object_get_canonical_path_component(const Object *obj)
{
    ObjectProperty *prop;
    GHashTableIter iter;

    if (!obj->parent) {
        return NULL;
    }
    g_hash_table_iter_init(&iter, obj->parent->properties);
    while (g_hash_table_iter_next(&iter, NULL, (gpointer *)&prop)) {
        if (object_property_is_child(prop) && prop->opaque == obj) {
            return prop->name;
        }
    }
    g_assert_not_reached();
}

char *object_get_canonical_path(const Object *obj)
{
    Object *r = object_get_root();
    char *newpath, *path = NULL;

    if (obj == r) {
        return g_strdup("/");
    }
    do {
        const char *component = object_get_canonical_path_component(obj);

        if (!component) {
            /* Not in the tree. */
            g_free(path);
            return NULL;
        }
        if (path) {
            newpath = g_strdup_printf("/%s%s", component, path);
            g_free(path);
            path = newpath;
        } else {
            path = g_strdup_printf("/%s", component);
        }
        obj = obj->parent;
    } while (obj != r);
    return path;
}

Object *object_resolve_path_component(Object *parent, const char *part)
{
    ObjectProperty *prop = object_property_find(parent, part);

    if (prop == NULL) {
        return NULL;
    }
    if (prop->resolve) {
        return prop->resolve(parent, prop->opaque, part);
    }
    return NULL;
}

static Object *resolve_abs(Object *parent, char **parts,
                           const char *typename)
{
    Object *child;

    if (*parts == NULL) {
        return object_dynamic_cast(parent, typename);
    }
    if (strcmp(*parts, "") == 0) {
        return resolve_abs(parent, parts + 1, typename);
    }
    child = object_resolve_path_component(parent, *parts);
    if (!child) {
        return NULL;
    }
    return resolve_abs(child, parts + 1, typename);
}

/* Depth-first search for the unique suffix match below @parent. */
static Object *resolve_partial(Object *parent, char **parts,
                               const char *typename, bool *ambiguous)
{
    Object *obj;
    GHashTableIter iter;
    ObjectProperty *prop;

    obj = resolve_abs(parent, parts, typename);
    g_hash_table_iter_init(&iter, parent->properties);
    while (g_hash_table_iter_next(&iter, NULL, (gpointer *)&prop)) {
        Object *found;

        if (!object_property_is_child(prop)) {
            continue;
        }
        found = resolve_partial(prop->opaque, parts, typename, ambiguous);
        if (found) {
            if (obj) {
                *ambiguous = true;
                return NULL;
            }
            obj = found;
        }
        if (*ambiguous) {
            return NULL;
        }
    }
    return obj;
}

static Object *resolve_path_type(Object *parent, const char *path,
                                 const char *typename, bool *ambiguousp)
{
    g_auto(GStrv) parts = g_strsplit(path, "/", 0);
    bool ambiguous = false;
    Object *obj;

    g_assert(parts);
    if (parts[0] == NULL || strcmp(parts[0], "") != 0) {
        obj = resolve_partial(parent, parts, typename, &ambiguous);
    } else {
        obj = resolve_abs(parent, parts + 1, typename);
    }
    if (ambiguousp) {
        *ambiguousp = ambiguous;
    }
    return ambiguous ? NULL : obj;
}

Object *object_resolve_path_type(const char *path, const char *typename,
                                 bool *ambiguous)
{
    return resolve_path_type(object_get_root(), path, typename, ambiguous);
}

Object *object_resolve_path(const char *path, bool *ambiguous)
{
    return object_resolve_path_type(path, TYPE_OBJECT, ambiguous);
}

Object *object_resolve_path_at(Object *parent, const char *path)
{
    g_auto(GStrv) parts = g_strsplit(path, "/", 0);

    if (*path == '/') {
        return resolve_abs(object_get_root(), parts + 1, TYPE_OBJECT);
    }
    return resolve_abs(parent, parts, TYPE_OBJECT);
}

/* ---- Convenience properties ---- */

typedef struct StringProperty {
    char *(*get)(Object *, Error **);
    void (*set)(Object *, const char *, Error **);
} StringProperty;

static void property_get_str(Object *obj, Visitor *v, const char *name,
                             void *opaque, Error **errp)
{
    StringProperty *prop = opaque;
    Error *err = NULL;
    char *value = prop->get(obj, &err);

    if (err) {
        error_propagate(errp, err);
        return;
    }
    visit_type_str(v, name, &value, errp);
    g_free(value);
}

static void property_set_str(Object *obj, Visitor *v, const char *name,
                             void *opaque, Error **errp)
{
    StringProperty *prop = opaque;
    char *value;

    if (!visit_type_str(v, name, &value, errp)) {
        return;
    }
    prop->set(obj, value, errp);
    g_free(value);
}

static void property_release_data(Object *obj, const char *name,
                                  void *opaque)
{
    g_free(opaque);
}

ObjectProperty *object_property_add_str(Object *obj, const char *name,
    char *(*get)(Object *, Error **),
    void (*set)(Object *, const char *, Error **))
{
    StringProperty *prop = g_new0(StringProperty, 1);

    prop->get = get;
    prop->set = set;
    return object_property_add(obj, name, "string",
                               get ? property_get_str : NULL,
                               set ? property_set_str : NULL,
                               property_release_data, prop);
}

ObjectProperty *object_class_property_add_str(ObjectClass *klass,
    const char *name, char *(*get)(Object *, Error **),
    void (*set)(Object *, const char *, Error **))
{
    StringProperty *prop = g_new0(StringProperty, 1);

    prop->get = get;
    prop->set = set;
    return object_class_property_add(klass, name, "string",
                                     get ? property_get_str : NULL,
                                     set ? property_set_str : NULL,
                                     NULL, prop);
}

typedef struct BoolProperty {
    bool (*get)(Object *, Error **);
    void (*set)(Object *, bool, Error **);
} BoolProperty;

static void property_get_bool(Object *obj, Visitor *v, const char *name,
                              void *opaque, Error **errp)
{
    BoolProperty *prop = opaque;
    Error *err = NULL;
    bool value = prop->get(obj, &err);

    if (err) {
        error_propagate(errp, err);
        return;
    }
    visit_type_bool(v, name, &value, errp);
}

static void property_set_bool(Object *obj, Visitor *v, const char *name,
                              void *opaque, Error **errp)
{
    BoolProperty *prop = opaque;
    bool value;

    if (!visit_type_bool(v, name, &value, errp)) {
        return;
    }
    prop->set(obj, value, errp);
}

ObjectProperty *object_property_add_bool(Object *obj, const char *name,
    bool (*get)(Object *, Error **), void (*set)(Object *, bool, Error **))
{
    BoolProperty *prop = g_new0(BoolProperty, 1);

    prop->get = get;
    prop->set = set;
    return object_property_add(obj, name, "bool",
                               get ? property_get_bool : NULL,
                               set ? property_set_bool : NULL,
                               property_release_data, prop);
}

ObjectProperty *object_class_property_add_bool(ObjectClass *klass,
    const char *name, bool (*get)(Object *, Error **),
    void (*set)(Object *, bool, Error **))
{
    BoolProperty *prop = g_new0(BoolProperty, 1);

    prop->get = get;
    prop->set = set;
    return object_class_property_add(klass, name, "bool",
                                     get ? property_get_bool : NULL,
                                     set ? property_set_bool : NULL,
                                     NULL, prop);
}

static void property_get_enum(Object *obj, Visitor *v, const char *name,
                              void *opaque, Error **errp)
{
    EnumProperty *prop = opaque;
    Error *err = NULL;
    int value = prop->get(obj, &err);

    if (err) {
        error_propagate(errp, err);
        return;
    }
    visit_type_enum(v, name, &value, prop->lookup, errp);
}

static void property_set_enum(Object *obj, Visitor *v, const char *name,
                              void *opaque, Error **errp)
{
    EnumProperty *prop = opaque;
    int value;

    if (!visit_type_enum(v, name, &value, prop->lookup, errp)) {
        return;
    }
    prop->set(obj, value, errp);
}

ObjectProperty *object_property_add_enum(Object *obj, const char *name,
    const char *typename, const QEnumLookup *lookup,
    int (*get)(Object *, Error **), void (*set)(Object *, int, Error **))
{
    EnumProperty *prop = g_new0(EnumProperty, 1);

    prop->lookup = lookup;
    prop->get = get;
    prop->set = set;
    return object_property_add(obj, name, typename,
                               get ? property_get_enum : NULL,
                               set ? property_set_enum : NULL,
                               property_release_data, prop);
}

ObjectProperty *object_class_property_add_enum(ObjectClass *klass,
    const char *name, const char *typename, const QEnumLookup *lookup,
    int (*get)(Object *, Error **), void (*set)(Object *, int, Error **))
{
    EnumProperty *prop = g_new0(EnumProperty, 1);

    prop->lookup = lookup;
    prop->get = get;
    prop->set = set;
    return object_class_property_add(klass, name, typename,
                                     get ? property_get_enum : NULL,
                                     set ? property_set_enum : NULL,
                                     NULL, prop);
}

/* Pointer properties: read (and written) straight from a field. */
#define DEFINE_PTR_PROPERTY(bits) \
static void property_get_uint##bits##_ptr(Object *obj, Visitor *v, \
                                          const char *name, void *opaque, \
                                          Error **errp) \
{ \
    uint##bits##_t value = *(uint##bits##_t *)opaque; \
    visit_type_uint##bits(v, name, &value, errp); \
} \
static void property_set_uint##bits##_ptr(Object *obj, Visitor *v, \
                                          const char *name, void *opaque, \
                                          Error **errp) \
{ \
    uint##bits##_t value; \
    if (visit_type_uint##bits(v, name, &value, errp)) { \
        *(uint##bits##_t *)opaque = value; \
    } \
} \
ObjectProperty *object_property_add_uint##bits##_ptr(Object *obj, \
    const char *name, const uint##bits##_t *v, ObjectPropertyFlags flags) \
{ \
    return object_property_add(obj, name, "uint" #bits, \
        (flags & OBJ_PROP_FLAG_READ) ? property_get_uint##bits##_ptr : NULL, \
        (flags & OBJ_PROP_FLAG_WRITE) ? property_set_uint##bits##_ptr : NULL, \
        NULL, (void *)v); \
}

DEFINE_PTR_PROPERTY(8)
DEFINE_PTR_PROPERTY(16)
DEFINE_PTR_PROPERTY(32)
DEFINE_PTR_PROPERTY(64)

/* Class variants: @v is an offset into the instance, passed as a pointer. */
#define DEFINE_CLASS_PTR_PROPERTY(bits) \
static void class_get_uint##bits(Object *obj, Visitor *v, const char *name, \
                                 void *opaque, Error **errp) \
{ \
    uint##bits##_t value = *(uint##bits##_t *)((char *)obj + \
                                               (uintptr_t)opaque); \
    visit_type_uint##bits(v, name, &value, errp); \
} \
static void class_set_uint##bits(Object *obj, Visitor *v, const char *name, \
                                 void *opaque, Error **errp) \
{ \
    uint##bits##_t value; \
    if (visit_type_uint##bits(v, name, &value, errp)) { \
        *(uint##bits##_t *)((char *)obj + (uintptr_t)opaque) = value; \
    } \
} \
ObjectProperty *object_class_property_add_uint##bits##_ptr( \
    ObjectClass *klass, const char *name, const uint##bits##_t *v, \
    ObjectPropertyFlags flags) \
{ \
    return object_class_property_add(klass, name, "uint" #bits, \
        (flags & OBJ_PROP_FLAG_READ) ? class_get_uint##bits : NULL, \
        (flags & OBJ_PROP_FLAG_WRITE) ? class_set_uint##bits : NULL, \
        NULL, (void *)v); \
}

DEFINE_CLASS_PTR_PROPERTY(32)
DEFINE_CLASS_PTR_PROPERTY(64)

typedef struct AliasProperty {
    Object *target_obj;
    char *target_name;
} AliasProperty;

static void property_get_alias(Object *obj, Visitor *v, const char *name,
                               void *opaque, Error **errp)
{
    AliasProperty *prop = opaque;

    object_property_get(prop->target_obj, prop->target_name, v, errp);
}

static void property_set_alias(Object *obj, Visitor *v, const char *name,
                               void *opaque, Error **errp)
{
    AliasProperty *prop = opaque;

    object_property_set(prop->target_obj, prop->target_name, v, errp);
}

static Object *property_resolve_alias(Object *obj, void *opaque,
                                      const char *part)
{
    AliasProperty *prop = opaque;

    return object_resolve_path_component(prop->target_obj, prop->target_name);
}

static void property_release_alias(Object *obj, const char *name,
                                   void *opaque)
{
    AliasProperty *prop = opaque;

    g_free(prop->target_name);
    g_free(prop);
}

ObjectProperty *object_property_add_alias(Object *obj, const char *name,
                                          Object *target_obj,
                                          const char *target_name)
{
    ObjectProperty *target = object_property_find_err(target_obj, target_name,
                                                      &error_abort);
    AliasProperty *prop = g_new(AliasProperty, 1);
    g_autofree char *prop_type = NULL;
    ObjectProperty *op;

    /* A child<> alias shows as a link: it is not a second parent. */
    if (object_property_is_child(target)) {
        prop_type = g_strdup_printf("link%s", target->type + strlen("child"));
    } else {
        prop_type = g_strdup(target->type);
    }
    prop->target_obj = target_obj;
    prop->target_name = g_strdup(target_name);
    op = object_property_add(obj, name, prop_type, property_get_alias,
                             property_set_alias, property_release_alias,
                             prop);
    op->resolve = property_resolve_alias;
    if (target->defval) {
        op->defval = qobject_ref(target->defval);
    }
    object_property_set_description(obj, op->name, target->description);
    return op;
}

char *qom_get_type_str(Object *obj, Error **errp)
{
    return g_strdup(object_get_typename(obj));
}

static const TypeInfo container_info = {
    .name = TYPE_CONTAINER,
    .parent = TYPE_OBJECT,
    .instance_size = sizeof(Object),
};

static void container_register_types(void)
{
    type_register_static(&container_info);
}

type_init(container_register_types)
