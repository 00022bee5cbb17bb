/*
 * QOM core: the type registry, class initialisation, object lifetime,
 * dynamic casts and the property table (see qom/object.h).
 *
 * Types register from constructors before main(); classes are built on
 * first use, parents first, so a class_init sees its parent's class fully
 * initialised.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "qom/object.h"
#include "qom/object-internal.h"
#include "qapi/visitor.h"
#include "qobject/qobject.h"

typedef struct InterfaceImpl {
    const char *typename;
} InterfaceImpl;

struct TypeImpl {
    const char *name;
    size_t class_size;
    size_t instance_size;
    size_t instance_align;
    void (*class_init)(ObjectClass *klass, void *data);
    void (*class_base_init)(ObjectClass *klass, void *data);
    void *class_data;
    void (*instance_init)(Object *obj);
    void (*instance_post_init)(Object *obj);
    void (*instance_finalize)(Object *obj);
    bool abstract;
    const char *parent;
    TypeImpl *parent_type;
    ObjectClass *class;
    int num_interfaces;
    InterfaceImpl interfaces[32];
};

static GHashTable *type_table;

static GHashTable *type_table_get(void)
{
    if (!type_table) {
        type_table = g_hash_table_new(g_str_hash, g_str_equal);
    }
    return type_table;
}

static TypeImpl *type_new(const TypeInfo *info)
{
    TypeImpl *ti = g_new0(TypeImpl, 1);

    if (g_hash_table_lookup(type_table_get(), info->name)) {
        fprintf(stderr, "Registering `%s' which already exists\n",
                info->name);
        abort();
    }
    ti->name = g_strdup(info->name);
    ti->parent = g_strdup(info->parent);
    ti->class_size = info->class_size;
    ti->instance_size = info->instance_size;
    ti->instance_align = info->instance_align;
    ti->class_init = info->class_init;
    ti->class_base_init = info->class_base_init;
    ti->class_data = info->class_data;
    ti->instance_init = info->instance_init;
    ti->instance_post_init = info->instance_post_init;
    ti->instance_finalize = info->instance_finalize;
    ti->abstract = info->abstract;
    for (int i = 0; info->interfaces && info->interfaces[i].type; i++) {
        g_assert(i < (int)G_N_ELEMENTS(ti->interfaces));
        ti->interfaces[i].typename = g_strdup(info->interfaces[i].type);
        ti->num_interfaces = i + 1;
    }
    g_hash_table_insert(type_table_get(), (void *)ti->name, ti);
    return ti;
}

Type type_register_static(const TypeInfo *info)
{
    g_assert(info->parent || !strcmp(info->name, TYPE_OBJECT) ||
             !strcmp(info->name, TYPE_INTERFACE));
    return type_new(info);
}

Type type_register(const TypeInfo *info)
{
    return type_register_static(info);
}

void type_register_static_array(const TypeInfo *infos, int nr_infos)
{
    for (int i = 0; i < nr_infos; i++) {
        type_register_static(&infos[i]);
    }
}

static TypeImpl *type_get_by_name(const char *name)
{
    return name ? g_hash_table_lookup(type_table_get(), name) : NULL;
}

static TypeImpl *type_get_parent(TypeImpl *type)
{
    if (!type->parent_type && type->parent) {
        type->parent_type = type_get_by_name(type->parent);
        if (!type->parent_type) {
            fprintf(stderr, "Type '%s' is missing its parent '%s'\n",
                    type->name, type->parent);
            abort();
        }
    }
    return type->parent_type;
}

static size_t type_class_get_size(TypeImpl *ti)
{
    if (ti->class_size) {
        return ti->class_size;
    }
    return type_get_parent(ti) ? type_class_get_size(type_get_parent(ti))
                               : sizeof(ObjectClass);
}

static size_t type_object_get_size(TypeImpl *ti)
{
    if (ti->instance_size) {
        return ti->instance_size;
    }
    return type_get_parent(ti) ? type_object_get_size(type_get_parent(ti))
                               : 0;
}

static bool type_is_ancestor(TypeImpl *type, TypeImpl *target)
{
    for (; type; type = type_get_parent(type)) {
        if (type == target) {
            return true;
        }
    }
    return false;
}

static void type_initialize(TypeImpl *ti);

static void type_initialize_interface(TypeImpl *ti, TypeImpl *interface_type,
                                      TypeImpl *parent_type)
{
    InterfaceClass *new_iface;
    TypeInfo info = { };
    TypeImpl *iface_impl;

    info.parent = parent_type->name;
    info.name = g_strdup_printf("%s::%s", ti->name, interface_type->name);
    info.abstract = true;
    iface_impl = type_new(&info);
    iface_impl->parent_type = parent_type;
    type_initialize(iface_impl);
    g_free((char *)info.name);

    new_iface = (InterfaceClass *)iface_impl->class;
    new_iface->concrete_class = ti->class;
    new_iface->interface_type = interface_type;
    ti->class->interfaces = g_slist_append(ti->class->interfaces,
                                           iface_impl->class);
}

static void object_property_free(gpointer data)
{
    ObjectProperty *prop = data;

    if (prop->defval) {
        qobject_unref(prop->defval);
        prop->defval = NULL;
    }
    g_free(prop->name);
    g_free(prop->type);
    g_free(prop->description);
    g_free(prop);
}

static void type_initialize(TypeImpl *ti)
{
    TypeImpl *parent;

    if (ti->class) {
        return;
    }
    ti->class_size = type_class_get_size(ti);
    ti->instance_size = type_object_get_size(ti);
    if (ti->instance_size == 0) {
        ti->abstract = true;
    }
    ti->class = g_malloc0(ti->class_size);
    parent = type_get_parent(ti);
    if (parent) {
        type_initialize(parent);
        g_assert(parent->class_size <= ti->class_size);
        memcpy(ti->class, parent->class, parent->class_size);
        ti->class->interfaces = NULL;
        for (GSList *e = parent->class->interfaces; e; e = e->next) {
            InterfaceClass *iface = e->data;
            ObjectClass *klass = OBJECT_CLASS(iface);
            type_initialize_interface(ti, iface->interface_type,
                                      klass->type);
        }
        for (int i = 0; i < ti->num_interfaces; i++) {
            TypeImpl *t = type_get_by_name(ti->interfaces[i].typename);
            bool have = false;

            if (!t) {
                fprintf(stderr, "missing interface '%s' for object '%s'\n",
                        ti->interfaces[i].typename, parent->name);
                abort();
            }
            for (GSList *e = ti->class->interfaces; e; e = e->next) {
                TypeImpl *target = OBJECT_CLASS(e->data)->type;
                if (type_is_ancestor(target, t)) {
                    have = true;
                    break;
                }
            }
            if (!have) {
                type_initialize_interface(ti, t, t);
            }
        }
    }
    ti->class->properties = g_hash_table_new_full(g_str_hash, g_str_equal,
                                                  NULL, object_property_free);
    ti->class->type = ti;
    for (TypeImpl *p = parent; p; p = type_get_parent(p)) {
        if (p->class_base_init) {
            p->class_base_init(ti->class, ti->class_data);
        }
    }
    if (ti->class_init) {
        ti->class_init(ti->class, ti->class_data);
    }
}

/* ---- Instances ---- */

static void object_init_with_type(Object *obj, TypeImpl *ti)
{
    if (type_get_parent(ti)) {
        object_init_with_type(obj, type_get_parent(ti));
    }
    if (ti->instance_init) {
        ti->instance_init(obj);
    }
}

static void object_post_init_with_type(Object *obj, TypeImpl *ti)
{
    if (ti->instance_post_init) {
        ti->instance_post_init(obj);
    }
    if (type_get_parent(ti)) {
        object_post_init_with_type(obj, type_get_parent(ti));
    }
}

/* Class properties with defaults initialise the instance first. */
static void object_class_property_init_all(Object *obj)
{
    ObjectPropertyIterator iter;
    ObjectProperty *prop;

    object_class_property_iter_init(&iter, object_get_class(obj));
    while ((prop = object_property_iter_next(&iter))) {
        if (prop->init) {
            prop->init(obj, prop);
        }
    }
}

static void object_initialize_with_type(Object *obj, size_t size,
                                        TypeImpl *type)
{
    type_initialize(type);
    g_assert(type->instance_size >= sizeof(Object));
    if (type->abstract) {
        fprintf(stderr, "cannot instantiate abstract type '%s'\n",
                type->name);
        abort();
    }
    g_assert(size >= type->instance_size);
    memset(obj, 0, type->instance_size);
    obj->class = type->class;
    object_ref(obj);
    object_class_property_init_all(obj);
    obj->properties = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                            object_property_free);
    object_init_with_type(obj, type);
    object_post_init_with_type(obj, type);
}

void object_initialize(void *data, size_t size, const char *typename)
{
    TypeImpl *type = type_get_by_name(typename);

    if (!type) {
        fprintf(stderr, "missing object type '%s'\n", typename);
        abort();
    }
    object_initialize_with_type(data, size, type);
}

void object_initialize_child_internal(Object *parent, const char *propname,
                                      void *childobj, size_t size,
                                      const char *type)
{
    object_initialize(childobj, size, type);
    object_property_add_child(parent, propname, OBJECT(childobj));
    /* The parent's child<> reference is now the only one. */
    object_unref(childobj);
}

static Object *object_new_with_type(TypeImpl *type)
{
    Object *obj;

    type_initialize(type);
    obj = g_malloc(type->instance_size);
    object_initialize_with_type(obj, type->instance_size, type);
    obj->free = g_free;
    return obj;
}

Object *object_new_with_class(ObjectClass *klass)
{
    return object_new_with_type(klass->type);
}

Object *object_new(const char *typename)
{
    TypeImpl *ti = type_get_by_name(typename);

    if (!ti) {
        fprintf(stderr, "missing object type '%s'\n", typename);
        abort();
    }
    return object_new_with_type(ti);
}

static void object_property_del_all(Object *obj)
{
    g_autoptr(GHashTable) done = g_hash_table_new(NULL, NULL);
    ObjectProperty *prop;
    ObjectPropertyIterator iter;
    bool released;

    /* Releasing a property may remove others: iterate until stable. */
    do {
        released = false;
        object_property_iter_init(&iter, obj);
        while ((prop = object_property_iter_next(&iter)) != NULL) {
            if (g_hash_table_add(done, prop)) {
                if (prop->release) {
                    prop->release(obj, prop->name, prop->opaque);
                    released = true;
                    break;
                }
            }
        }
    } while (released);
    g_hash_table_unref(obj->properties);
}

static void object_deinit(Object *obj, TypeImpl *type)
{
    if (type->instance_finalize) {
        type->instance_finalize(obj);
    }
    if (type_get_parent(type)) {
        object_deinit(obj, type_get_parent(type));
    }
}

static void object_finalize(void *data)
{
    Object *obj = data;
    TypeImpl *ti = obj->class->type;

    object_property_del_all(obj);
    object_deinit(obj, ti);
    g_assert(obj->ref == 0);
    g_assert(obj->parent == NULL);
    if (obj->free) {
        obj->free(obj);
    }
}

Object *object_ref(void *objptr)
{
    Object *obj = OBJECT(objptr);

    if (!obj) {
        return NULL;
    }
    __atomic_add_fetch(&obj->ref, 1, __ATOMIC_SEQ_CST);
    return obj;
}

void object_unref(void *objptr)
{
    Object *obj = OBJECT(objptr);

    if (!obj) {
        return;
    }
    g_assert(obj->ref > 0);
    if (__atomic_sub_fetch(&obj->ref, 1, __ATOMIC_SEQ_CST) == 0) {
        object_finalize(obj);
    }
}

/* ---- Casts and class queries ---- */

ObjectClass *object_get_class(Object *obj)
{
    return obj->class;
}

const char *object_get_typename(const Object *obj)
{
    return obj->class->type->name;
}

const char *object_class_get_name(ObjectClass *klass)
{
    return klass->type->name;
}

bool object_class_is_abstract(ObjectClass *klass)
{
    return klass->type->abstract;
}

ObjectClass *object_class_dynamic_cast(ObjectClass *klass,
                                       const char *typename)
{
    TypeImpl *target_type, *type;

    if (!klass) {
        return NULL;
    }
    type = klass->type;
    if (type->name == typename || !strcmp(type->name, typename)) {
        return klass;
    }
    target_type = type_get_by_name(typename);
    if (!target_type) {
        return NULL;
    }
    type_initialize(target_type);
    if (type->class->interfaces &&
        type_is_ancestor(target_type, type_get_by_name(TYPE_INTERFACE))) {
        ObjectClass *found = NULL;
        int found_count = 0;

        for (GSList *i = klass->interfaces; i; i = i->next) {
            ObjectClass *target_class = i->data;
            if (type_is_ancestor(target_class->type, target_type)) {
                found = target_class;
                found_count++;
            }
        }
        return found_count == 1 ? found : NULL;
    }
    return type_is_ancestor(type, target_type) ? klass : NULL;
}

ObjectClass *object_class_dynamic_cast_assert(ObjectClass *klass,
                                              const char *typename,
                                              const char *file, int line,
                                              const char *func)
{
    ObjectClass *ret;

    if (!klass || !klass->interfaces) {
        /* Fast path: a plain class cast needs no search when it holds. */
        ret = klass;
        if (klass && !object_class_dynamic_cast(klass, typename)) {
            ret = NULL;
        }
    } else {
        ret = object_class_dynamic_cast(klass, typename);
    }
    if (!ret && klass) {
        fprintf(stderr, "%s:%d:%s: Object %p is not an instance of type %s\n",
                file, line, func, klass, typename);
        abort();
    }
    return ret;
}

Object *object_dynamic_cast(Object *obj, const char *typename)
{
    if (obj && object_class_dynamic_cast(object_get_class(obj), typename)) {
        return obj;
    }
    return NULL;
}

Object *object_dynamic_cast_assert(Object *obj, const char *typename,
                                   const char *file, int line,
                                   const char *func)
{
    if (obj && !object_dynamic_cast(obj, typename)) {
        fprintf(stderr, "%s:%d:%s: Object %p is not an instance of type %s\n",
                file, line, func, obj, typename);
        abort();
    }
    return obj;
}

ObjectClass *object_class_by_name(const char *typename)
{
    TypeImpl *type = type_get_by_name(typename);

    if (!type) {
        return NULL;
    }
    type_initialize(type);
    return type->class;
}

ObjectClass *module_object_class_by_name(const char *typename)
{
    return object_class_by_name(typename);
}

ObjectClass *object_class_get_parent(ObjectClass *klass)
{
    TypeImpl *type = type_get_parent(klass->type);

    if (!type) {
        return NULL;
    }
    type_initialize(type);
    return type->class;
}

typedef struct ClassForeachData {
    void (*fn)(ObjectClass *klass, void *opaque);
    void *opaque;
    TypeImpl *implements_type;
    bool include_abstract;
} ClassForeachData;

static void class_foreach_one(gpointer key, gpointer value, gpointer opaque)
{
    ClassForeachData *data = opaque;
    TypeImpl *type = value;
    ObjectClass *k;

    type_initialize(type);
    k = type->class;
    if (!data->include_abstract && type->abstract) {
        return;
    }
    if (data->implements_type &&
        !object_class_dynamic_cast(k, data->implements_type->name)) {
        return;
    }
    data->fn(k, data->opaque);
}

void object_class_foreach(void (*fn)(ObjectClass *klass, void *opaque),
                          const char *implements_type, bool include_abstract,
                          void *opaque)
{
    ClassForeachData data = {
        .fn = fn, .opaque = opaque, .include_abstract = include_abstract,
        .implements_type = type_get_by_name(implements_type),
    };
    /* Initialising a class may register interface types: snapshot first. */
    g_autoptr(GList) types = g_hash_table_get_values(type_table_get());

    if (implements_type && !data.implements_type) {
        return;
    }
    for (GList *l = types; l; l = l->next) {
        class_foreach_one(NULL, l->data, &data);
    }
}

static void class_list_add(ObjectClass *klass, void *opaque)
{
    GSList **list = opaque;

    *list = g_slist_prepend(*list, klass);
}

GSList *object_class_get_list(const char *implements_type,
                              bool include_abstract)
{
    GSList *list = NULL;

    object_class_foreach(class_list_add, implements_type, include_abstract,
                         &list);
    return list;
}

static gint class_cmp(gconstpointer a, gconstpointer b)
{
    return strcasecmp(object_class_get_name((ObjectClass *)a),
                      object_class_get_name((ObjectClass *)b));
}

GSList *object_class_get_list_sorted(const char *implements_type,
                                     bool include_abstract)
{
    return g_slist_sort(object_class_get_list(implements_type,
                                              include_abstract), class_cmp);
}

/* ---- The base types ---- */

static void object_class_init(ObjectClass *klass, void *data)
{
    object_class_property_add_str(klass, "type", qom_get_type_str, NULL);
}

static const TypeInfo base_types[] = {
    {
        .name = TYPE_INTERFACE,
        .class_size = sizeof(InterfaceClass),
        .abstract = true,
    },
    {
        .name = TYPE_OBJECT,
        .instance_size = sizeof(Object),
        .class_init = object_class_init,
        .abstract = true,
    },
};

static void register_base_types(void)
{
    type_register_static_array(base_types, ARRAY_SIZE(base_types));
}

/* Before every other type's constructor: they name "object" as parent. */
static void __attribute__((constructor(101))) qom_early_init(void)
{
    register_base_types();
}
