/*
 * Deep copies of QAPI values: QAPI_CLONE(Type, src).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef QAPI_CLONE_VISITOR_H
#define QAPI_CLONE_VISITOR_H

#include "qapi/visitor.h"

typedef bool (*QapiCloneVisitFn)(Visitor *v, const char *name, void **obj,
                                 Error **errp);

void *qapi_clone(const void *src, QapiCloneVisitFn visit_type);

/* A deep copy of the QAPI object *src of type @type (NULL gives NULL). */
#define QAPI_CLONE(type, src) \
    ((type *)qapi_clone(src, (QapiCloneVisitFn)visit_type_ ## type))

#endif
