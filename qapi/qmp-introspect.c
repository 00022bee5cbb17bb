/*
 * query-qmp-schema: hands out the generated schema description, built
 * into a QObject once and shared by reference afterwards.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "qobject/qdict.h"
#include "qapi/qapi-commands-introspect.h"
#include "qapi/qapi-introspect.h"

void qmp_query_qmp_schema(QDict *args, QObject **ret, Error **errp)
{
    static QObject *schema;

    if (args && qdict_size(args)) {
        error_setg(errp, "Parameter '%s' is unexpected",
                   qdict_entry_key(qdict_first(args)));
        return;
    }
    if (!schema) {
        schema = qapi_lit_to_qobject(&qmp_schema_qlit);
    }
    *ret = qobject_ref(schema);
}
