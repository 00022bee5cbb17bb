/*
 * User-creatable objects: -object, object-add and object-del.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "vireo/error-report.h"
#include "vireo/cutils.h"
#include "vireo/keyval.h"
#include "qom/object_interfaces.h"
#include "qapi/visitor.h"
#include "qapi/qobject-input-visitor.h"
#include "qobject/qdict.h"
#include "qobject/qjson.h"
#include "qobject/qstring.h"

bool user_creatable_complete(UserCreatable *uc, Error **errp)
{
    UserCreatableClass *ucc = USER_CREATABLE_GET_CLASS(uc);
    Error *err = NULL;

    if (ucc->complete) {
        ucc->complete(uc, &err);
        error_propagate(errp, err);
    }
    return !err;
}

bool user_creatable_can_be_deleted(UserCreatable *uc)
{
    UserCreatableClass *ucc = USER_CREATABLE_GET_CLASS(uc);

    return !ucc->can_be_deleted || ucc->can_be_deleted(uc);
}

Object *user_creatable_add_type(const char *type, const char *id,
                                const QDict *qdict, Visitor *v,
                                Error **errp)
{
    ObjectClass *klass;
    Object *obj = NULL;
    Error *local_err = NULL;
    const QDictEntry *e;

    if (id != NULL && !id_wellformed(id)) {
        error_setg(errp, "Parameter '%s' expects %s", "id", "an identifier");
        error_append_hint(errp, "Identifiers consist of letters, digits, "
                          "'-', '.', '_', starting with a letter.\n");
        return NULL;
    }
    klass = object_class_by_name(type);
    if (!klass) {
        error_setg(errp, "invalid object type: %s", type);
        return NULL;
    }
    if (!object_class_dynamic_cast(klass, TYPE_USER_CREATABLE)) {
        error_setg(errp, "object type '%s' isn't supported by object-add",
                   type);
        return NULL;
    }
    if (object_class_is_abstract(klass)) {
        error_setg(errp, "object type '%s' is abstract", type);
        return NULL;
    }
    obj = object_new(type);
    if (!visit_start_struct(v, NULL, NULL, 0, &local_err)) {
        goto out;
    }
    for (e = qdict_first(qdict); e; e = qdict_next(qdict, e)) {
        if (!object_property_set(obj, e->key, v, &local_err)) {
            break;
        }
    }
    if (!local_err) {
        visit_check_struct(v, &local_err);
    }
    visit_end_struct(v, NULL);
    if (local_err) {
        goto out;
    }
    if (id != NULL) {
        if (!object_property_try_add_child(object_get_objects_root(), id, obj,
                                           &local_err)) {
            goto out;
        }
    }
    if (!user_creatable_complete(USER_CREATABLE(obj), &local_err)) {
        if (id != NULL) {
            object_property_del(object_get_objects_root(), id);
        }
        goto out;
    }
out:
    if (local_err) {
        error_propagate(errp, local_err);
        object_unref(obj);
        return NULL;
    }
    return obj;
}

Object *user_creatable_add_qdict(QDict *qdict, bool keyval, Error **errp)
{
    g_autofree char *type = g_strdup(qdict_get_try_str(qdict, "qom-type"));
    g_autofree char *id = g_strdup(qdict_get_try_str(qdict, "id"));
    QDict *props;
    Visitor *v;
    Object *obj;

    if (!type) {
        error_setg(errp, "Parameter '%s' is missing", "qom-type");
        return NULL;
    }
    if (!id) {
        error_setg(errp, "Parameter '%s' is missing", "id");
        return NULL;
    }
    props = qdict_clone_shallow(qdict);
    qdict_del(props, "qom-type");
    qdict_del(props, "id");
    v = keyval ? qobject_input_visitor_new_keyval(QOBJECT(props))
               : qobject_input_visitor_new(QOBJECT(props));
    obj = user_creatable_add_type(type, id, props, v, errp);
    visit_free(v);
    qobject_unref(props);
    if (obj) {
        object_unref(obj);      /* /objects holds it */
    }
    return obj;
}

static void print_type(ObjectClass *klass, void *opaque)
{
    printf("  %s\n", object_class_get_name(klass));
}

bool user_creatable_print_help(const char *type, QDict *opts)
{
    ObjectClass *klass;

    if (is_help_option(type)) {
        printf("List of user creatable objects:\n");
        object_class_foreach(print_type, TYPE_USER_CREATABLE, false, NULL);
        return true;
    }
    klass = object_class_by_name(type);
    if (klass && object_class_dynamic_cast(klass, TYPE_USER_CREATABLE) &&
        opts && qdict_haskey(opts, "help")) {
        ObjectPropertyIterator iter;
        ObjectProperty *prop;

        printf("%s options:\n", type);
        object_class_property_iter_init(&iter, klass);
        while ((prop = object_property_iter_next(&iter))) {
            if (prop->set) {
                printf("  %s=<%s>%s%s\n", prop->name, prop->type,
                       prop->description ? " - " : "",
                       prop->description ? prop->description : "");
            }
        }
        return true;
    }
    return false;
}

/* Parses -object / object_add text into a QDict (JSON or keyval). */
static QDict *parse_object_str(const char *str, bool *keyval, bool *help,
                               Error **errp)
{
    bool is_json;
    QDict *args = keyval_or_json_parse(str, "qom-type", help, &is_json, errp);

    *keyval = !is_json;
    return args;
}

bool user_creatable_add_from_str(const char *str, Error **errp)
{
    bool keyval, help;
    QDict *args = parse_object_str(str, &keyval, &help, errp);
    Object *obj;

    if (!args) {
        return false;
    }
    if (help) {
        const char *type = qdict_get_try_str(args, "qom-type");
        if (!type) {
            type = "help";
        }
        qdict_put_str(args, "help", "");
        user_creatable_print_help(type, args);
        qobject_unref(args);
        return true;
    }
    obj = user_creatable_add_qdict(args, keyval, errp);
    qobject_unref(args);
    return obj != NULL;
}

void user_creatable_process_cmdline(const char *cmdline)
{
    bool keyval, help;
    Error *err = NULL;
    QDict *args = parse_object_str(cmdline, &keyval, &help, &err);
    const char *type;

    if (!args) {
        error_report("%s", error_get_pretty(err));
        exit(1);
    }
    type = qdict_get_try_str(args, "qom-type");
    if (help || (type && is_help_option(type))) {
        qdict_put_str(args, "help", "");
        user_creatable_print_help(type ? type : "help", args);
        exit(0);
    }
    if (!user_creatable_add_qdict(args, keyval, &err)) {
        error_report("%s", error_get_pretty(err));
        exit(1);
    }
    qobject_unref(args);
}

bool user_creatable_del(const char *id, Error **errp)
{
    Object *container = object_get_objects_root();
    Object *obj = object_resolve_path_component(container, id);

    if (!obj) {
        error_setg(errp, "object '%s' not found", id);
        return false;
    }
    if (!user_creatable_can_be_deleted(USER_CREATABLE(obj))) {
        error_setg(errp, "object '%s' is in use, can not be deleted", id);
        return false;
    }
    object_unparent(obj);
    return true;
}

static int unparent_one(Object *obj, void *opaque)
{
    GPtrArray *list = opaque;

    g_ptr_array_add(list, obj);
    return 0;
}

void user_creatable_cleanup(void)
{
    g_autoptr(GPtrArray) list = g_ptr_array_new();

    object_child_foreach(object_get_objects_root(), unparent_one, list);
    for (guint i = 0; i < list->len; i++) {
        object_unparent(g_ptr_array_index(list, i));
    }
}

static const TypeInfo uc_interface_info = {
    .name = TYPE_USER_CREATABLE,
    .parent = TYPE_INTERFACE,
    .class_size = sizeof(UserCreatableClass),
};

static void register_types(void)
{
    type_register_static(&uc_interface_info);
}

type_init(register_types)
