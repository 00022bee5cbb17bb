/*
 * The drive= qdev property: a -drive id, or a node name for which the
 * device gets a backend of its own (as QEMU's); werror=/rerror=.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "qapi/visitor.h"
#include "qapi/qapi-visit-block-core.h"
#include "hw/qdev-properties-block.h"

static void get_drive(Object *obj, Visitor *v, const char *name,
                      void *opaque, Error **errp)
{
    DriveInfo **ptr = object_field_prop_ptr(obj, opaque);
    DriveInfo *di = *ptr;
    g_autofree char *str = NULL;

    if (di) {
        BlockDriverState *bs = blk_bs(di->blk);

        str = g_strdup(di->id ? di->id : bs ? bs->node_name : "");
    }
    visit_type_str(v, name, &str, errp);
}

static void set_drive(Object *obj, Visitor *v, const char *name,
                      void *opaque, Error **errp)
{
    DriveInfo **ptr = object_field_prop_ptr(obj, opaque);
    g_autofree char *str = NULL;
    Error *local = NULL;
    DriveInfo *di;

    if (!visit_type_str(v, name, &str, errp) || !*str) {
        return;
    }
    di = drive_lookup_for_device(str, true, &local);
    if (!di) {
        if (local) {
            error_propagate_prepend(errp, local,
                                    "Property '%s.%s' can't take value "
                                    "'%s': ", object_get_typename(obj),
                                    name, str);
        } else {
            error_setg(errp, "Property '%s.%s' can't find value '%s'",
                       object_get_typename(obj), name, str);
        }
        return;
    }
    if (!drive_attach_dev(di, DEVICE(obj), errp)) {
        if (!di->id) {
            drive_detach_dev(di);       /* frees the one we just made */
        }
        return;
    }
    *ptr = di;
}

static void release_drive(Object *obj, const char *name, void *opaque)
{
    DriveInfo **ptr = object_field_prop_ptr(obj, opaque);

    if (*ptr) {
        drive_detach_dev(*ptr);
        *ptr = NULL;
    }
}

const PropertyInfo qdev_prop_drive = {
    .name  = "str",
    .description = "Node name or ID of a block device to use as a backend",
    .get   = get_drive,
    .set   = set_drive,
    .release = release_drive,
};

/* werror=/rerror=: what an I/O error does (BlockdevOnError); the
 * visitor reads or writes the field, so one accessor serves both. */
static void access_on_error(Object *obj, Visitor *v, const char *name,
                            void *opaque, Error **errp)
{
    BlockdevOnError *p = object_field_prop_ptr(obj, opaque);

    visit_type_BlockdevOnError(v, name, p, errp);
}

static void set_default_on_error(ObjectProperty *op, const Property *prop)
{
    object_property_set_default_str(op, BlockdevOnError_str(prop->defval.i));
}

const PropertyInfo qdev_prop_blockdev_on_error = {
    .name = "BlockdevOnError",
    .description = "Error handling policy, report/ignore/enospc/stop/auto",
    .enum_table = &BlockdevOnError_lookup,
    .get = access_on_error,
    .set = access_on_error,
    .set_default_value = set_default_on_error,
};
