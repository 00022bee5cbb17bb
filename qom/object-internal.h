/*
 * QOM internals shared by object.c and object-prop.c.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef QOM_OBJECT_INTERNAL_H
#define QOM_OBJECT_INTERNAL_H

#include "qom/object.h"

/* Getter of the read-only "type" property every object has. */
char *qom_get_type_str(Object *obj, Error **errp);

#endif
