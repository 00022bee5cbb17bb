/*
 * Visitor that frees a QAPI value.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef QAPI_DEALLOC_VISITOR_H
#define QAPI_DEALLOC_VISITOR_H

#include "qapi/visitor.h"

Visitor *qapi_dealloc_visitor_new(void);

#endif
