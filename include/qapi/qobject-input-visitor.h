/*
 * Input visitor building QAPI values from a QObject (QMP arguments) or
 * from a keyval-parsed QDict whose scalars are all strings.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef QAPI_QOBJECT_INPUT_VISITOR_H
#define QAPI_QOBJECT_INPUT_VISITOR_H

#include "qapi/visitor.h"

/* Strict: scalars must have the right JSON type, no member unvisited. */
Visitor *qobject_input_visitor_new(QObject *obj);
/* The same, for QMP command arguments. */
Visitor *qobject_input_visitor_new_qmp(QObject *obj);
/* Scalars are strings converted to the visited type (-object foo=1). */
Visitor *qobject_input_visitor_new_keyval(QObject *obj);
/*
 * Parse @str as JSON if it starts with '{', else as keyval with
 * @implied_key, and return a visitor over the result (NULL on error).
 */
Visitor *qobject_input_visitor_new_str(const char *str,
                                       const char *implied_key,
                                       Error **errp);

#endif
