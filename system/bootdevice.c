/*
 * Boot device registry behind the bootindex property: indexes must be
 * unique; the list is ordered by index for fw_cfg's "bootorder".
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "qapi/visitor.h"
#include "system/bootdevice.h"

typedef struct BootIndexProperty {
    int32_t *bootindex;
    const char *suffix;
    DeviceState *dev;
} BootIndexProperty;

static GList *boot_entries;     /* of BootIndexProperty, by index */

static gint by_index(gconstpointer a, gconstpointer b)
{
    const BootIndexProperty *x = a, *y = b;

    return *x->bootindex - *y->bootindex;
}

static void get_bootindex(Object *obj, Visitor *v, const char *name,
                          void *opaque, Error **errp)
{
    BootIndexProperty *prop = opaque;

    visit_type_int32(v, name, prop->bootindex, errp);
}

static void set_bootindex(Object *obj, Visitor *v, const char *name,
                          void *opaque, Error **errp)
{
    BootIndexProperty *prop = opaque;
    int32_t value;

    if (!visit_type_int32(v, name, &value, errp)) {
        return;
    }
    if (value < -1) {
        error_setg(errp, "Invalid bootindex %" PRId32 ": must be -1 or "
                   "non-negative", value);
        return;
    }
    for (GList *l = boot_entries; l && value >= 0; l = l->next) {
        BootIndexProperty *other = l->data;

        if (other != prop && *other->bootindex == value) {
            error_setg(errp, "The bootindex %" PRId32 " has already been "
                       "used", value);
            return;
        }
    }
    boot_entries = g_list_remove(boot_entries, prop);
    *prop->bootindex = value;
    if (value >= 0) {
        boot_entries = g_list_insert_sorted(boot_entries, prop, by_index);
    }
}

static void release_bootindex(Object *obj, const char *name, void *opaque)
{
    boot_entries = g_list_remove(boot_entries, opaque);
    g_free(opaque);
}

void device_add_bootindex_property(Object *obj, int32_t *bootindex,
                                   const char *name, const char *suffix,
                                   DeviceState *dev)
{
    BootIndexProperty *prop = g_new0(BootIndexProperty, 1);

    prop->bootindex = bootindex;
    prop->suffix = suffix;
    prop->dev = dev;
    *bootindex = -1;
    object_property_add(obj, name, "int32", get_bootindex, set_bootindex,
                        release_bootindex, prop);
}

char *get_boot_devices_list(size_t *size)
{
    GString *list = g_string_new(NULL);

    for (GList *l = boot_entries; l; l = l->next) {
        BootIndexProperty *prop = l->data;
        g_autofree char *path = object_get_canonical_path(OBJECT(prop->dev));

        g_string_append_printf(list, "%s%s\n", path,
                               prop->suffix ? prop->suffix : "");
    }
    *size = list->len;
    if (!list->len) {
        g_string_free(list, TRUE);
        return NULL;
    }
    /* The firmware reads a NUL-terminated list, as QEMU gives it. */
    *size = list->len + 1;
    return g_string_free(list, FALSE);
}
