/*
 * The abstract "event-loop-base" QOM type shared by iothread and
 * main-loop: the parameters every event loop has (aio-max-batch and the
 * bounds of its worker thread pool), settable at creation and live.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef SYSTEM_EVENT_LOOP_BASE_H
#define SYSTEM_EVENT_LOOP_BASE_H

#include "qom/object.h"
#include "qom/object_interfaces.h"

#define TYPE_EVENT_LOOP_BASE "event-loop-base"
OBJECT_DECLARE_TYPE(EventLoopBase, EventLoopBaseClass, EVENT_LOOP_BASE)

struct EventLoopBaseClass {
    ObjectClass parent_class;

    /* Start the loop once the properties are set (user-creatable complete). */
    void (*init)(EventLoopBase *base, Error **errp);
    /* Apply changed parameters to a running loop. */
    void (*update_params)(EventLoopBase *base, Error **errp);
    bool (*can_be_deleted)(EventLoopBase *base);
};

struct EventLoopBase {
    Object parent_obj;

    int64_t aio_max_batch;
    int64_t thread_pool_min;
    int64_t thread_pool_max;
    bool complete;          /* init ran: later changes go to update_params */
};

/*
 * Integer properties kept as int64_t fields of an event loop object, set
 * within [0, max] (QEMU's "%s value must be in range" otherwise); once
 * the loop runs, a change goes through the class's update_params.
 */
typedef struct EventLoopIntParam {
    const char *name;
    size_t offset;
    int64_t max;
} EventLoopIntParam;

void event_loop_add_int_params(ObjectClass *klass,
                               const EventLoopIntParam *params, size_t n);

#endif
