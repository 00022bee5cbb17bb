/*
 * The abstract accelerator type and the current accelerator.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "accel/accel.h"

static AccelState *accel_in_use;

AccelClass *accel_find(const char *name)
{
    g_autofree char *typename = g_strconcat(name, ACCEL_CLASS_SUFFIX, NULL);
    ObjectClass *oc = object_class_by_name(typename);

    return oc ? (AccelClass *)object_class_dynamic_cast(oc, TYPE_ACCEL)
              : NULL;
}

AccelState *current_accel(void)
{
    return accel_in_use;
}

bool accel_init_machine(AccelState *accel, MachineState *ms, Error **errp)
{
    AccelClass *ac = ACCEL_GET_CLASS(accel);

    if (ac->init_machine && !ac->init_machine(accel, ms, errp)) {
        return false;
    }
    accel_in_use = accel;
    return true;
}

static const TypeInfo accel_info = {
    .name = TYPE_ACCEL,
    .parent = TYPE_OBJECT,
    .abstract = true,
    .instance_size = sizeof(AccelState),
    .class_size = sizeof(AccelClass),
};

static void accel_register(void)
{
    type_register_static(&accel_info);
}

type_init(accel_register)
