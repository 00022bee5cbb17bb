/*
 * tcg-accel: the TCG accelerator object.  Vireo runs one vCPU at a time
 * (each in its own host thread, passing a baton), so thread=multi is
 * refused rather than silently ignored.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "accel/accel.h"

#define TYPE_TCG_ACCEL "tcg" ACCEL_CLASS_SUFFIX

typedef struct TCGState {
    AccelState parent_obj;
    bool multi_thread;
} TCGState;

DECLARE_INSTANCE_CHECKER(TCGState, TCG_STATE, TYPE_TCG_ACCEL)

static char *tcg_get_thread(Object *obj, Error **errp)
{
    return g_strdup(TCG_STATE(obj)->multi_thread ? "multi" : "single");
}

static void tcg_set_thread(Object *obj, const char *value, Error **errp)
{
    if (!strcmp(value, "single")) {
        TCG_STATE(obj)->multi_thread = false;
    } else if (!strcmp(value, "multi")) {
        TCG_STATE(obj)->multi_thread = true;
    } else {
        error_setg(errp, "Invalid 'thread' setting %s", value);
    }
}

static bool tcg_init_machine(AccelState *accel, MachineState *ms,
                             Error **errp)
{
    TCGState *s = TCG_STATE(accel);

    if (s->multi_thread) {
        error_setg(errp, "thread=multi is not available: Vireo's TCG runs "
                   "one vCPU at a time");
        return false;
    }
    return true;
}

static void tcg_accel_class_init(ObjectClass *oc, void *data)
{
    AccelClass *ac = ACCEL_CLASS(oc);

    ac->name = "tcg";
    ac->init_machine = tcg_init_machine;
    object_class_property_add_str(oc, "thread", tcg_get_thread,
                                  tcg_set_thread);
    object_class_property_set_description(oc, "thread",
                                          "TCG thread type: single (Vireo "
                                          "runs one vCPU at a time)");
}

static const TypeInfo tcg_accel_info = {
    .name = TYPE_TCG_ACCEL,
    .parent = TYPE_ACCEL,
    .instance_size = sizeof(TCGState),
    .class_init = tcg_accel_class_init,
};

static void tcg_accel_register(void)
{
    type_register_static(&tcg_accel_info);
}

type_init(tcg_accel_register)
