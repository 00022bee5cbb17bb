/*
 * Deep copies of QAPI values, made by writing the value out as a QObject
 * and reading it back.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "qobject/qobject.h"
#include "qapi/clone-visitor.h"
#include "qapi/qobject-input-visitor.h"
#include "qapi/qobject-output-visitor.h"

void *qapi_clone(const void *src, QapiCloneVisitFn visit_type)
{
    QObject *obj = NULL;
    void *copy = NULL;
    void *in = (void *)src;
    Visitor *v;

    if (!src) {
        return NULL;
    }
    v = qobject_output_visitor_new(&obj);
    visit_type(v, NULL, &in, &error_abort);
    visit_complete(v, &obj);
    visit_free(v);

    v = qobject_input_visitor_new(obj);
    visit_type(v, NULL, &copy, &error_abort);
    visit_free(v);
    qobject_unref(obj);
    return copy;
}
