/*
 * Static qdev properties: scalar, string and link fields of a device
 * struct exposed as QOM class properties with defaults, writable only
 * before realize; -global defaults.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "vireo/error-report.h"
#include "hw/qdev-properties.h"
#include "qapi/visitor.h"

void *object_field_prop_ptr(Object *obj, const Property *prop)
{
    return (char *)obj + prop->offset;
}

static bool prop_settable(Object *obj, const char *name,
                          const Property *prop, Error **errp)
{
    DeviceState *dev = DEVICE(obj);

    if (dev->realized && !prop->info->realized_set_allowed) {
        error_setg(errp, "Attempt to set property '%s' on device '%s' "
                   "(type '%s') after it was realized", name,
                   dev->id ? dev->id : "<anon>", object_get_typename(obj));
        return false;
    }
    return true;
}

static void field_prop_get(Object *obj, Visitor *v, const char *name,
                           void *opaque, Error **errp)
{
    Property *prop = opaque;

    prop->info->get(obj, v, name, opaque, errp);
}

static void field_prop_set(Object *obj, Visitor *v, const char *name,
                           void *opaque, Error **errp)
{
    Property *prop = opaque;

    if (!prop_settable(obj, name, prop, errp)) {
        return;
    }
    prop->info->set(obj, v, name, opaque, errp);
}

/* ---- bit, bool ---- */

static void prop_get_bit(Object *obj, Visitor *v, const char *name,
                         void *opaque, Error **errp)
{
    Property *prop = opaque;
    uint32_t *p = object_field_prop_ptr(obj, prop);
    bool value = (*p >> prop->bitnr) & 1;

    visit_type_bool(v, name, &value, errp);
}

static void prop_set_bit(Object *obj, Visitor *v, const char *name,
                         void *opaque, Error **errp)
{
    Property *prop = opaque;
    uint32_t *p = object_field_prop_ptr(obj, prop);
    bool value;

    if (!visit_type_bool(v, name, &value, errp)) {
        return;
    }
    if (value) {
        *p |= 1U << prop->bitnr;
    } else {
        *p &= ~(1U << prop->bitnr);
    }
}

static void set_default_value_bool(ObjectProperty *op, const Property *prop)
{
    object_property_set_default_bool(op, prop->defval.u);
}

const PropertyInfo qdev_prop_bit = {
    .name = "bool",
    .description = "on/off",
    .get = prop_get_bit,
    .set = prop_set_bit,
    .set_default_value = set_default_value_bool,
};

static void prop_get_bool(Object *obj, Visitor *v, const char *name,
                          void *opaque, Error **errp)
{
    bool *p = object_field_prop_ptr(obj, opaque);

    visit_type_bool(v, name, p, errp);
}

static void prop_set_bool(Object *obj, Visitor *v, const char *name,
                          void *opaque, Error **errp)
{
    bool *p = object_field_prop_ptr(obj, opaque);

    visit_type_bool(v, name, p, errp);
}

const PropertyInfo qdev_prop_bool = {
    .name = "bool",
    .get = prop_get_bool,
    .set = prop_set_bool,
    .set_default_value = set_default_value_bool,
};

/* ---- integers ---- */

static void set_default_value_int(ObjectProperty *op, const Property *prop)
{
    object_property_set_default_int(op, prop->defval.i);
}

static void set_default_value_uint(ObjectProperty *op, const Property *prop)
{
    object_property_set_default_uint(op, prop->defval.u);
}

#define DEFINE_INT_PROP(tname, ctype, vtype, defset) \
static void prop_get_##tname(Object *obj, Visitor *v, const char *name, \
                             void *opaque, Error **errp) \
{ \
    ctype *p = object_field_prop_ptr(obj, opaque); \
    visit_type_##vtype(v, name, p, errp); \
} \
static void prop_set_##tname(Object *obj, Visitor *v, const char *name, \
                             void *opaque, Error **errp) \
{ \
    ctype *p = object_field_prop_ptr(obj, opaque); \
    visit_type_##vtype(v, name, p, errp); \
} \
const PropertyInfo qdev_prop_##tname = { \
    .name = #vtype, \
    .get = prop_get_##tname, \
    .set = prop_set_##tname, \
    .set_default_value = defset, \
};

DEFINE_INT_PROP(uint8, uint8_t, uint8, set_default_value_uint)
DEFINE_INT_PROP(uint16, uint16_t, uint16, set_default_value_uint)
DEFINE_INT_PROP(uint32, uint32_t, uint32, set_default_value_uint)
DEFINE_INT_PROP(uint64, uint64_t, uint64, set_default_value_uint)
DEFINE_INT_PROP(int32, int32_t, int32, set_default_value_int)
DEFINE_INT_PROP(int64, int64_t, int64, set_default_value_int)
DEFINE_INT_PROP(size, uint64_t, size, set_default_value_uint)

/* ---- string ---- */

static void prop_release_string(Object *obj, const char *name, void *opaque)
{
    char **p = object_field_prop_ptr(obj, opaque);

    g_free(*p);
    *p = NULL;
}

static void prop_get_string(Object *obj, Visitor *v, const char *name,
                            void *opaque, Error **errp)
{
    char **p = object_field_prop_ptr(obj, opaque);

    if (!*p) {
        char *str = (char *)"";
        visit_type_str(v, name, &str, errp);
    } else {
        visit_type_str(v, name, p, errp);
    }
}

static void prop_set_string(Object *obj, Visitor *v, const char *name,
                            void *opaque, Error **errp)
{
    char **p = object_field_prop_ptr(obj, opaque);
    char *str;

    if (!visit_type_str(v, name, &str, errp)) {
        return;
    }
    g_free(*p);
    *p = str;
}

const PropertyInfo qdev_prop_string = {
    .name = "str",
    .release = prop_release_string,
    .get = prop_get_string,
    .set = prop_set_string,
};

/* ---- link ---- */

const PropertyInfo qdev_prop_link = {
    .name = "link",
};

/* ---- Registration ---- */

static void field_prop_release(Object *obj, const char *name, void *opaque)
{
    Property *prop = opaque;

    if (prop->info->release) {
        prop->info->release(obj, name, opaque);
    }
}

static void qdev_class_add_property(DeviceClass *klass, const char *name,
                                    Property *prop)
{
    ObjectClass *oc = OBJECT_CLASS(klass);
    ObjectProperty *op;

    if (prop->info == &qdev_prop_link) {
        op = object_class_property_add_link(oc, name, prop->link_type,
                                            prop->offset,
                                            object_property_allow_set_link,
                                            OBJ_PROP_LINK_STRONG);
    } else {
        op = object_class_property_add(oc, name, prop->info->name,
                                       prop->info->get ? field_prop_get : NULL,
                                       prop->info->set ? field_prop_set : NULL,
                                       field_prop_release, prop);
    }
    if (prop->set_default && prop->info->set_default_value) {
        prop->info->set_default_value(op, prop);
    }
    if (prop->info->description) {
        object_class_property_set_description(oc, name,
                                              prop->info->description);
    }
}

void device_class_set_props(DeviceClass *dc, Property *props)
{
    dc->props_ = props;
    for (Property *prop = props; prop && prop->name; prop++) {
        qdev_class_add_property(dc, prop->name, prop);
    }
}

void qdev_prop_set_bit(DeviceState *dev, const char *name, bool value)
{
    object_property_set_bool(OBJECT(dev), name, value, &error_abort);
}

void qdev_prop_set_uint8(DeviceState *dev, const char *name, uint8_t value)
{
    object_property_set_uint(OBJECT(dev), name, value, &error_abort);
}

void qdev_prop_set_uint16(DeviceState *dev, const char *name, uint16_t value)
{
    object_property_set_uint(OBJECT(dev), name, value, &error_abort);
}

void qdev_prop_set_uint32(DeviceState *dev, const char *name, uint32_t value)
{
    object_property_set_uint(OBJECT(dev), name, value, &error_abort);
}

void qdev_prop_set_int32(DeviceState *dev, const char *name, int32_t value)
{
    object_property_set_int(OBJECT(dev), name, value, &error_abort);
}

void qdev_prop_set_uint64(DeviceState *dev, const char *name, uint64_t value)
{
    object_property_set_uint(OBJECT(dev), name, value, &error_abort);
}

void qdev_prop_set_string(DeviceState *dev, const char *name,
                          const char *value)
{
    object_property_set_str(OBJECT(dev), name, value, &error_abort);
}

/* ---- -global ---- */

typedef struct GlobalProperty {
    char *driver;
    char *property;
    char *value;
} GlobalProperty;

static GPtrArray *global_props;

void qdev_prop_register_global(const char *driver, const char *property,
                               const char *value)
{
    GlobalProperty *g = g_new0(GlobalProperty, 1);

    if (!global_props) {
        global_props = g_ptr_array_new();
    }
    g->driver = g_strdup(driver);
    g->property = g_strdup(property);
    g->value = g_strdup(value);
    g_ptr_array_add(global_props, g);
}

void qdev_prop_set_globals(DeviceState *dev)
{
    for (guint i = 0; global_props && i < global_props->len; i++) {
        GlobalProperty *g = g_ptr_array_index(global_props, i);
        Error *err = NULL;

        if (!object_dynamic_cast(OBJECT(dev), g->driver)) {
            continue;
        }
        if (!object_property_parse(OBJECT(dev), g->property, g->value,
                                   &err)) {
            error_prepend(&err, "can't apply global %s.%s=%s: ", g->driver,
                          g->property, g->value);
            error_report_err(err);
            exit(1);
        }
    }
}
