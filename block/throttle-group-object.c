/*
 * The user-creatable 'throttle-group' object (-object throttle-group,
 * object-add): a named throttle group for throttle filter nodes and
 * -drive throttling.group.  Limits are set through 'limits'
 * (ThrottleLimits, also after creation with qom-set) or the unstable
 * x-bps-total style properties (only before creation), as in QEMU.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "block/throttle-groups.h"
#include "qom/object_interfaces.h"
#include "qapi/qapi-visit-block-core.h"
#include "qapi/qobject-input-visitor.h"
#include "qapi/qobject-output-visitor.h"
#include "qobject/qdict.h"
#include "qobject/qnum.h"

#define TYPE_THROTTLE_GROUP "throttle-group"

typedef struct ThrottleGroupObject {
    Object parent_obj;
    ThrottleConfig cfg;         /* until complete */
    ThrottleGroup *group;       /* once complete */
} ThrottleGroupObject;

DECLARE_INSTANCE_CHECKER(ThrottleGroupObject, THROTTLE_GROUP_OBJECT,
                         TYPE_THROTTLE_GROUP)

static void tg_obj_get_config(ThrottleGroupObject *tgo, ThrottleConfig *cfg)
{
    if (tgo->group) {
        throttle_group_get_config(tgo->group, cfg);
    } else {
        *cfg = tgo->cfg;
    }
}

/* A value for @param; burst lengths are unsigned ints in QEMU. */
static bool set_param(ThrottleConfig *cfg, const ThrottleParam *param,
                      const char *prefix, int64_t value, Error **errp)
{
    if (param->field == THROTTLE_FIELD_BURST_LENGTH && value > UINT_MAX) {
        /* QEMU's two messages differ by a space; both are kept. */
        error_setg(errp, "%s%s value must be in the%srange [0, %u]", prefix,
                   param->name, *prefix ? "" : " ", UINT_MAX);
        return false;
    }
    *throttle_param_ptr(cfg, param) = value;
    return true;
}

static void tg_obj_set_param(Object *obj, Visitor *v, const char *name,
                             void *opaque, Error **errp)
{
    ThrottleGroupObject *tgo = THROTTLE_GROUP_OBJECT(obj);
    int64_t value;

    /* Limits change together (some combinations are invalid), so only
     * through 'limits' once the group exists. */
    if (tgo->group) {
        error_setg(errp, "Property cannot be set after initialization");
        return;
    }
    if (!visit_type_int64(v, name, &value, errp)) {
        return;
    }
    if (value < 0) {
        error_setg(errp, "Property values cannot be negative");
        return;
    }
    set_param(&tgo->cfg, opaque, "x-", value, errp);
}

static void tg_obj_get_param(Object *obj, Visitor *v, const char *name,
                             void *opaque, Error **errp)
{
    ThrottleConfig cfg;
    int64_t value;

    tg_obj_get_config(THROTTLE_GROUP_OBJECT(obj), &cfg);
    value = *throttle_param_ptr(&cfg, opaque);
    visit_type_int64(v, name, &value, errp);
}

/* ThrottleLimits member names are the parameter names: go through a
 * QDict rather than naming all 19 members twice. */
static void tg_obj_set_limits(Object *obj, Visitor *v, const char *name,
                              void *opaque, Error **errp)
{
    ThrottleGroupObject *tgo = THROTTLE_GROUP_OBJECT(obj);
    g_autoptr(ThrottleLimits) limits = NULL;
    QObject *qobj = NULL;
    Visitor *ov;
    QDict *dict;
    ThrottleConfig cfg;
    bool ok = true;

    if (!visit_type_ThrottleLimits(v, name, &limits, errp)) {
        return;
    }
    ov = qobject_output_visitor_new(&qobj);
    visit_type_ThrottleLimits(ov, NULL, &limits, &error_abort);
    visit_complete(ov, &qobj);
    visit_free(ov);
    dict = qobject_to(QDict, qobj);
    tg_obj_get_config(tgo, &cfg);
    for (int i = 0; ok && i < THROTTLE_PARAM_COUNT; i++) {
        if (qdict_haskey(dict, throttle_params[i].name)) {
            ok = set_param(&cfg, &throttle_params[i], "",
                           qdict_get_int(dict, throttle_params[i].name),
                           errp);
        }
    }
    qobject_unref(qobj);
    if (!ok || !throttle_is_valid(&cfg, errp)) {
        return;
    }
    if (tgo->group) {
        throttle_group_config(tgo->group, &cfg);
    } else {
        tgo->cfg = cfg;
    }
}

static void tg_obj_get_limits(Object *obj, Visitor *v, const char *name,
                              void *opaque, Error **errp)
{
    g_autoptr(ThrottleLimits) limits = NULL;
    QDict *dict = qdict_new();
    ThrottleConfig cfg;
    Visitor *iv;

    tg_obj_get_config(THROTTLE_GROUP_OBJECT(obj), &cfg);
    for (int i = 0; i < THROTTLE_PARAM_COUNT; i++) {
        qdict_put_int(dict, throttle_params[i].name,
                      *throttle_param_ptr(&cfg, &throttle_params[i]));
    }
    iv = qobject_input_visitor_new(QOBJECT(dict));
    visit_type_ThrottleLimits(iv, NULL, &limits, &error_abort);
    visit_free(iv);
    qobject_unref(dict);
    visit_type_ThrottleLimits(v, name, &limits, errp);
}

static void tg_obj_complete(UserCreatable *uc, Error **errp)
{
    ThrottleGroupObject *tgo = THROTTLE_GROUP_OBJECT(uc);
    const char *name = object_get_canonical_path_component(OBJECT(uc));

    if (throttle_group_find(name)) {
        error_setg(errp, "A group with this name already exists");
        return;
    }
    if (!throttle_is_valid(&tgo->cfg, errp)) {
        return;
    }
    tgo->group = throttle_group_new(name, &tgo->cfg, errp);
}

/* Not while a drive or a filter node is in the group. */
static bool tg_obj_can_be_deleted(UserCreatable *uc)
{
    ThrottleGroupObject *tgo = THROTTLE_GROUP_OBJECT(uc);

    return !tgo->group || !throttle_group_has_members(tgo->group);
}

static void tg_obj_init(Object *obj)
{
    throttle_config_init(&THROTTLE_GROUP_OBJECT(obj)->cfg);
}

static void tg_obj_finalize(Object *obj)
{
    throttle_group_unref(THROTTLE_GROUP_OBJECT(obj)->group);
}

static void tg_obj_class_init(ObjectClass *oc, void *data)
{
    UserCreatableClass *ucc = USER_CREATABLE_CLASS(oc);

    ucc->complete = tg_obj_complete;
    ucc->can_be_deleted = tg_obj_can_be_deleted;
    for (int i = 0; i < THROTTLE_PARAM_COUNT; i++) {
        g_autofree char *prop = g_strconcat("x-", throttle_params[i].name,
                                            NULL);

        object_class_property_add(oc, prop, "int", tg_obj_get_param,
                                  tg_obj_set_param, NULL,
                                  (void *)&throttle_params[i]);
    }
    object_class_property_add(oc, "limits", "ThrottleLimits",
                              tg_obj_get_limits, tg_obj_set_limits, NULL,
                              NULL);
}

static const TypeInfo tg_obj_info = {
    .name = TYPE_THROTTLE_GROUP,
    .parent = TYPE_OBJECT,
    .instance_size = sizeof(ThrottleGroupObject),
    .instance_init = tg_obj_init,
    .instance_finalize = tg_obj_finalize,
    .class_init = tg_obj_class_init,
    .interfaces = (InterfaceInfo[]) {
        { TYPE_USER_CREATABLE },
        { }
    },
};

static void tg_obj_register(void)
{
    type_register_static(&tg_obj_info);
}

type_init(tg_obj_register)
