/*
 * QMP commands of QOM: introspection (qom-list, qom-get, qom-set,
 * qom-list-types, qom-list-properties, device-list-properties) and
 * object-add / object-del.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "hw/qdev-core.h"
#include "qom/object_interfaces.h"
#include "qom/qom-qobject.h"
#include "qapi/qapi-commands-qom.h"
#include "qapi/qapi-commands-qdev.h"
#include "qapi/qapi-visit-qom.h"
#include "qapi/qobject-output-visitor.h"
#include "qapi/qobject-input-visitor.h"
#include "qobject/qdict.h"

static Object *resolve(const char *path, Error **errp)
{
    bool ambiguous = false;
    Object *obj = object_resolve_path(path, &ambiguous);

    if (obj == NULL) {
        if (ambiguous) {
            error_setg(errp, "Path '%s' is ambiguous", path);
        } else {
            error_set(errp, ERROR_CLASS_DEVICE_NOT_FOUND,
                      "Device '%s' not found", path);
        }
    }
    return obj;
}

ObjectPropertyInfoList *qmp_qom_list(const char *path, Error **errp)
{
    Object *obj = resolve(path, errp);
    ObjectPropertyInfoList *props = NULL;
    ObjectPropertyIterator iter;
    ObjectProperty *prop;

    if (!obj) {
        return NULL;
    }
    object_property_iter_init(&iter, obj);
    while ((prop = object_property_iter_next(&iter))) {
        ObjectPropertyInfo *value = g_new0(ObjectPropertyInfo, 1);

        QAPI_LIST_PREPEND(props, value);
        value->name = g_strdup(prop->name);
        value->type = g_strdup(prop->type);
    }
    return props;
}

void qmp_qom_set(const char *path, const char *property, QObject *value,
                 Error **errp)
{
    Object *obj = resolve(path, errp);

    if (obj) {
        object_property_set_qobject(obj, property, value, errp);
    }
}

QObject *qmp_qom_get(const char *path, const char *property, Error **errp)
{
    Object *obj = resolve(path, errp);

    return obj ? object_property_get_qobject(obj, property, errp) : NULL;
}

static void qom_list_types_tramp(ObjectClass *klass, void *data)
{
    ObjectTypeInfoList **pret = data;
    ObjectTypeInfo *info = g_new0(ObjectTypeInfo, 1);
    ObjectClass *parent = object_class_get_parent(klass);

    info->name = g_strdup(object_class_get_name(klass));
    info->has_abstract = info->abstract = object_class_is_abstract(klass);
    if (parent) {
        info->parent = g_strdup(object_class_get_name(parent));
    }
    QAPI_LIST_PREPEND(*pret, info);
}

ObjectTypeInfoList *qmp_qom_list_types(const char *implements,
                                       bool has_abstract, bool abstract,
                                       Error **errp)
{
    ObjectTypeInfoList *ret = NULL;

    object_class_foreach(qom_list_types_tramp, implements, abstract, &ret);
    return ret;
}

/* Properties of a type, as an instance would have them (not "realized"). */
static ObjectPropertyInfoList *list_type_properties(ObjectClass *klass,
                                                    bool device)
{
    ObjectPropertyInfoList *prop_list = NULL;
    ObjectPropertyIterator iter;
    ObjectProperty *prop;
    Object *obj = object_class_is_abstract(klass) ? NULL
                                                   : object_new_with_class(klass);

    if (obj) {
        object_property_iter_init(&iter, obj);
    } else {
        object_class_property_iter_init(&iter, klass);
    }
    while ((prop = object_property_iter_next(&iter))) {
        ObjectPropertyInfo *info;

        /* Internal machinery of devices, hidden as in QEMU. */
        if (device && (!strcmp(prop->name, "type") ||
                       !strcmp(prop->name, "realized") ||
                       !strcmp(prop->name, "hotpluggable") ||
                       !strcmp(prop->name, "hotplugged") ||
                       !strcmp(prop->name, "parent_bus"))) {
            continue;
        }
        info = g_new0(ObjectPropertyInfo, 1);
        info->name = g_strdup(prop->name);
        info->type = g_strdup(prop->type);
        info->description = g_strdup(prop->description);
        info->default_value = qobject_ref(prop->defval);
        QAPI_LIST_PREPEND(prop_list, info);
    }
    object_unref(obj);
    return prop_list;
}

ObjectPropertyInfoList *qmp_device_list_properties(const char *typename,
                                                   Error **errp)
{
    ObjectClass *klass = object_class_by_name(typename);

    if (klass == NULL) {
        error_set(errp, ERROR_CLASS_DEVICE_NOT_FOUND,
                  "Device '%s' not found", typename);
        return NULL;
    }
    if (!object_class_dynamic_cast(klass, TYPE_DEVICE) ||
        object_class_is_abstract(klass)) {
        error_setg(errp, "Parameter '%s' expects %s", "typename",
                   "a non-abstract device type");
        return NULL;
    }
    return list_type_properties(klass, true);
}

ObjectPropertyInfoList *qmp_qom_list_properties(const char *typename,
                                                Error **errp)
{
    ObjectClass *klass = object_class_by_name(typename);

    if (klass == NULL) {
        error_set(errp, ERROR_CLASS_DEVICE_NOT_FOUND,
                  "Class '%s' not found", typename);
        return NULL;
    }
    if (!object_class_dynamic_cast(klass, TYPE_OBJECT)) {
        error_setg(errp, "Parameter '%s' expects %s", "typename",
                   "a QOM type");
        return NULL;
    }
    return list_type_properties(klass, false);
}

void qmp_object_add(ObjectOptions *options, Error **errp)
{
    QObject *qobj = NULL;
    Visitor *v = qobject_output_visitor_new(&qobj);
    QDict *props;

    visit_type_ObjectOptions(v, NULL, &options, &error_abort);
    visit_complete(v, &qobj);
    visit_free(v);
    props = qobject_to(QDict, qobj);
    user_creatable_add_qdict(props, false, errp);
    qobject_unref(qobj);
}

void qmp_object_del(const char *id, Error **errp)
{
    user_creatable_del(id, errp);
}
