/*
 * Output visitor turning a QAPI value into a QObject.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef QAPI_QOBJECT_OUTPUT_VISITOR_H
#define QAPI_QOBJECT_OUTPUT_VISITOR_H

#include "qapi/visitor.h"

/* visit_complete() stores the result (a new reference) in *result. */
Visitor *qobject_output_visitor_new(QObject **result);
Visitor *qobject_output_visitor_new_qmp(QObject **result);

#endif
