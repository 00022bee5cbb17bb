/*
 * qdev properties that name backends: chardev=ID attaches the device's
 * CharBackend to that chardev.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "hw/qdev-properties-system.h"
#include "chardev/char.h"
#include "qapi/visitor.h"

static void get_chr(Object *obj, Visitor *v, const char *name, void *opaque,
                    Error **errp)
{
    CharBackend *be = object_field_prop_ptr(obj, opaque);
    char *p = g_strdup(be->chr && be->chr->label ? be->chr->label : "");

    visit_type_str(v, name, &p, errp);
    g_free(p);
}

static void set_chr(Object *obj, Visitor *v, const char *name, void *opaque,
                    Error **errp)
{
    Property *prop = opaque;
    CharBackend *be = object_field_prop_ptr(obj, prop);
    g_autofree char *str = NULL;
    Chardev *s;

    if (!visit_type_str(v, name, &str, errp)) {
        return;
    }
    /* An empty string clears the backend (devices accept chardev=""). */
    if (!*str) {
        qemu_chr_fe_deinit(be, false);
        return;
    }
    s = qemu_chr_find(str);
    if (s == NULL) {
        error_setg(errp, "Property '%s.%s' can't find value '%s'",
                   object_get_typename(obj), name, str);
        return;
    }
    if (be->chr) {
        qemu_chr_fe_deinit(be, false);
    }
    if (!qemu_chr_fe_init(be, s, errp)) {
        error_prepend(errp, "Property '%s.%s' can't take value '%s': ",
                      object_get_typename(obj), name, str);
    }
}

static void release_chr(Object *obj, const char *name, void *opaque)
{
    CharBackend *be = object_field_prop_ptr(obj, opaque);

    qemu_chr_fe_deinit(be, false);
}

const PropertyInfo qdev_prop_chr = {
    .name  = "str",
    .description = "ID of a chardev to use as a backend",
    .get   = get_chr,
    .set   = set_chr,
    .release = release_chr,
};

void qdev_prop_set_chr(DeviceState *dev, const char *name, Chardev *value)
{
    g_assert(!value || value->label);
    object_property_set_str(OBJECT(dev), name, value ? value->label : "",
                            &error_abort);
}
