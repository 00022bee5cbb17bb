/*
 * QMP events: the common part of every event message.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "qobject/qdict.h"
#include "qapi/qmp-event.h"

QDict *qmp_event_build_dict(const char *event_name)
{
    QDict *dict = qdict_new();
    QDict *stamp = qdict_new();
    int64_t now = g_get_real_time();

    qdict_put_str(dict, "event", event_name);
    qdict_put_int(stamp, "seconds", now / G_USEC_PER_SEC);
    qdict_put_int(stamp, "microseconds", now % G_USEC_PER_SEC);
    qdict_put(dict, "timestamp", stamp);
    return dict;
}
