/*
 * The "main-loop" object: -object main-loop,id=X configures the main
 * event loop's worker pool (thread-pool-min keeps that many workers alive,
 * thread-pool-max bounds them) at start and live with qom-set.  There is
 * one main loop, so at most one such object, and it cannot be deleted.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "vireo/thread-pool.h"
#include "system/event-loop-base.h"

#define TYPE_MAIN_LOOP "main-loop"

static EventLoopBase *main_loop_object;

static void main_loop_update_params(EventLoopBase *base, Error **errp)
{
    if (base->thread_pool_min > base->thread_pool_max ||
        base->thread_pool_max <= 0) {
        error_setg(errp, "bad thread-pool-min/thread-pool-max values");
        return;
    }
    /* aio-max-batch only matters to Linux AIO submission, which Vireo's
     * worker-thread I/O does not use (as QEMU with aio=threads). */
    thread_pool_set_params(base->thread_pool_min, base->thread_pool_max);
}

static void main_loop_init(EventLoopBase *base, Error **errp)
{
    Error *err = NULL;

    if (main_loop_object) {
        error_setg(errp, "only one main-loop instance allowed");
        return;
    }
    main_loop_update_params(base, &err);
    if (err) {
        error_propagate(errp, err);
        return;
    }
    main_loop_object = base;
}

static bool main_loop_can_be_deleted(EventLoopBase *base)
{
    return false;
}

static void main_loop_class_init(ObjectClass *klass, void *class_data)
{
    EventLoopBaseClass *bc = EVENT_LOOP_BASE_CLASS(klass);

    bc->init = main_loop_init;
    bc->update_params = main_loop_update_params;
    bc->can_be_deleted = main_loop_can_be_deleted;
}

static const TypeInfo main_loop_info = {
    .name = TYPE_MAIN_LOOP,
    .parent = TYPE_EVENT_LOOP_BASE,
    .instance_size = sizeof(EventLoopBase),
    .class_init = main_loop_class_init,
};

static void main_loop_register_types(void)
{
    type_register_static(&main_loop_info);
}

type_init(main_loop_register_types)
