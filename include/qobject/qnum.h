/*
 * QNum: a JSON number, kept as int64, uint64 or double.
 *
 * Integers that fit int64 are stored as QNUM_I64; only values above
 * INT64_MAX use QNUM_U64.  The getters convert where the value fits.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef QOBJECT_QNUM_H
#define QOBJECT_QNUM_H

#include "qobject/qobject.h"

typedef enum {
    QNUM_I64,
    QNUM_U64,
    QNUM_DOUBLE,
} QNumKind;

struct QNum {
    struct QObjectBase_ base;
    QNumKind kind;
    union {
        int64_t i64;
        uint64_t u64;
        double dbl;
    } u;
};

QNum *qnum_from_int(int64_t value);
QNum *qnum_from_uint(uint64_t value);
QNum *qnum_from_double(double value);

/* False if the value is a double or does not fit. */
bool qnum_get_try_int(const QNum *qn, int64_t *val);
bool qnum_get_try_uint(const QNum *qn, uint64_t *val);
/* As above but assert that it fits. */
int64_t qnum_get_int(const QNum *qn);
uint64_t qnum_get_uint(const QNum *qn);
/* Any representation, converted to double. */
double qnum_get_double(const QNum *qn);

/* JSON text of the number (g_free() it); doubles round-trip. */
char *qnum_to_string(QNum *qn);

bool qnum_is_equal(const QObject *x, const QObject *y);
void qnum_destroy_obj(QObject *obj);

#endif
