/*
 * QOM properties read and written as QObjects.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef QOM_QOM_QOBJECT_H
#define QOM_QOM_QOBJECT_H

#include "qom/object.h"
#include "qobject/qobject.h"

QObject *object_property_get_qobject(Object *obj, const char *name,
                                     Error **errp);
bool object_property_set_qobject(Object *obj, const char *name,
                                 QObject *value, Error **errp);

#endif
