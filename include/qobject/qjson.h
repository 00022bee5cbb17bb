/*
 * Converting between QObjects and JSON text.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef QOBJECT_QJSON_H
#define QOBJECT_QJSON_H

#include "qobject/qobject.h"

/*
 * Parse exactly one JSON value from @string (QEMU's JSON dialect: also
 * single-quoted strings).  Returns NULL with *@errp set on a syntax
 * error, on trailing garbage ("Expecting at most one JSON value") and
 * on empty input ("Expecting a JSON value").
 */
QObject *qobject_from_json(const char *string, Error **errp);
/* As qobject_from_json(), requiring a JSON object. */
QDict *qdict_from_json(const char *string, Error **errp);

/*
 * Serialise @obj.  Output is pure ASCII: non-ASCII characters and
 * control characters are written as \uXXXX escapes.  Compact form:
 * {"a": 1, "b": [1, 2]}.  Pretty form: two-space indent, one member
 * per line.  Returns a GString the caller frees.
 */
GString *qobject_to_json(const QObject *obj);
GString *qobject_to_json_pretty(const QObject *obj, bool pretty);

/* Append the serialisation of @obj to @out (QMP hot path, no copy). */
void qobject_append_json(GString *out, const QObject *obj, bool pretty);
/* Append @str as a quoted, escaped JSON string to @out. */
void json_append_quoted(GString *out, const char *str);

#endif
