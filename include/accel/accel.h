/*
 * Accelerators as QOM objects, as QEMU has them: the abstract "accel"
 * type and one "<name>-accel" class per accelerator (Vireo: tcg).  The
 * -accel option's parameters are the object's properties, and management
 * tools learn which accelerators exist from qom-list-types.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef ACCEL_ACCEL_H
#define ACCEL_ACCEL_H

#include "qom/object.h"

#define TYPE_ACCEL "accel"
#define ACCEL_CLASS_SUFFIX "-accel"

typedef struct MachineState MachineState;

typedef struct AccelState {
    Object parent_obj;
} AccelState;

typedef struct AccelClass {
    ObjectClass parent_class;
    const char *name;
    /* Check the properties against the machine; false with @errp set. */
    bool (*init_machine)(AccelState *accel, MachineState *ms, Error **errp);
} AccelClass;

DECLARE_OBJ_CHECKERS(AccelState, AccelClass, ACCEL, TYPE_ACCEL)

/* The class of accelerator @name ("tcg"), or NULL. */
AccelClass *accel_find(const char *name);
/* The accelerator the machine runs on, once configured. */
AccelState *current_accel(void);
bool accel_init_machine(AccelState *accel, MachineState *ms, Error **errp);

#endif
