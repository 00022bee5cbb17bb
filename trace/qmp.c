/*
 * QMP trace-event-get-state / trace-event-set-state.  No Vireo event is
 * per-vCPU, so a vcpu argument only narrows the match to nothing (or is
 * an error for an exact name), as in QEMU.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "qapi/qapi-commands-trace.h"
#include "trace/control.h"

static bool check_name(const char *name, bool has_vcpu,
                       bool ignore_unavailable, Error **errp)
{
    TraceEvent *ev;

    if (!trace_event_is_pattern(name)) {
        ev = trace_event_by_name(name);
        if (!ev) {
            error_setg(errp, "unknown event \"%s\"", name);
            return false;
        }
        if (has_vcpu) {
            error_setg(errp, "event \"%s\" is not vCPU-specific", name);
            return false;
        }
        if (!ignore_unavailable && !ev->sstate) {
            error_setg(errp, "event \"%s\" is disabled", name);
            return false;
        }
        return true;
    }
    for (size_t i = 0; (ev = trace_event_iter(name, &i));) {
        if (!ignore_unavailable && !ev->sstate) {
            error_setg(errp, "event \"%s\" is disabled", ev->name);
            return false;
        }
    }
    return true;
}

TraceEventInfoList *qmp_trace_event_get_state(const char *name,
                                              bool has_vcpu, int64_t vcpu,
                                              Error **errp)
{
    TraceEventInfoList *head = NULL, **tail = &head;
    TraceEvent *ev;

    if (!check_name(name, has_vcpu, true, errp)) {
        return NULL;
    }
    if (has_vcpu) {
        return NULL;            /* only per-vCPU events would match */
    }
    for (size_t i = 0; (ev = trace_event_iter(name, &i));) {
        TraceEventInfo *info = g_new0(TraceEventInfo, 1);
        info->name = g_strdup(ev->name);
        info->vcpu = false;
        info->state = !ev->sstate ? TRACE_EVENT_STATE_UNAVAILABLE :
                      trace_event_get_state_dynamic(ev) ?
                      TRACE_EVENT_STATE_ENABLED : TRACE_EVENT_STATE_DISABLED;
        QAPI_LIST_APPEND(tail, info);
    }
    return head;
}

void qmp_trace_event_set_state(const char *name, bool enable,
                               bool has_ignore_unavailable,
                               bool ignore_unavailable,
                               bool has_vcpu, int64_t vcpu, Error **errp)
{
    TraceEvent *ev;

    if (!check_name(name, has_vcpu,
                    has_ignore_unavailable && ignore_unavailable, errp)) {
        return;
    }
    if (has_vcpu) {
        return;
    }
    for (size_t i = 0; (ev = trace_event_iter(name, &i));) {
        trace_event_set_state_dynamic(ev, enable);
    }
}
