/*
 * QString: an immutable NUL-terminated UTF-8 string.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef QOBJECT_QSTRING_H
#define QOBJECT_QSTRING_H

#include "qobject/qobject.h"

struct QString {
    struct QObjectBase_ base;
    const char *string;
};

QString *qstring_new(void);
QString *qstring_from_str(const char *str);
/* Bytes [@start, @end) of @str. */
QString *qstring_from_substr(const char *str, size_t start, size_t end);
/* Takes over @gstr's buffer and frees @gstr. */
QString *qstring_from_gstring(GString *gstr);
const char *qstring_get_str(const QString *qstring);
size_t qstring_get_length(const QString *qstring);
bool qstring_is_equal(const QObject *x, const QObject *y);
void qstring_destroy_obj(QObject *obj);

#endif
