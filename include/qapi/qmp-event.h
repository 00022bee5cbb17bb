/*
 * QMP events: building the event dictionary.  qapi_event_emit() is
 * declared in the generated qapi-emit-events.h and implemented by the
 * monitor.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef QAPI_QMP_EVENT_H
#define QAPI_QMP_EVENT_H

#include "qapi/qapi-emit-events.h"

/* A new dict {"event": @event_name, "timestamp": {...now...}}. */
QDict *qmp_event_build_dict(const char *event_name);

#endif
