/*
 * "event-loop-base": the properties iothread and main-loop share.  Values
 * are checked as QEMU checks them; once the loop runs, a change is handed
 * to the subclass's update_params and undone if it refuses it.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "qapi/visitor.h"
#include "system/event-loop-base.h"

static const EventLoopIntParam params[] = {
    { "aio-max-batch", offsetof(EventLoopBase, aio_max_batch), INT64_MAX },
    { "thread-pool-min", offsetof(EventLoopBase, thread_pool_min), INT_MAX },
    { "thread-pool-max", offsetof(EventLoopBase, thread_pool_max), INT_MAX },
};

static void get_param(Object *obj, Visitor *v, const char *name,
                      void *opaque, Error **errp)
{
    const EventLoopIntParam *p = opaque;
    int64_t value = *(int64_t *)((char *)obj + p->offset);

    visit_type_int64(v, name, &value, errp);
}

static void set_param(Object *obj, Visitor *v, const char *name,
                      void *opaque, Error **errp)
{
    const EventLoopIntParam *p = opaque;
    EventLoopBase *base = EVENT_LOOP_BASE(obj);
    EventLoopBaseClass *bc = EVENT_LOOP_BASE_GET_CLASS(obj);
    int64_t *field = (int64_t *)((char *)obj + p->offset);
    int64_t value, old;
    Error *err = NULL;

    if (!visit_type_int64(v, name, &value, errp)) {
        return;
    }
    if (value < 0 || value > p->max) {
        error_setg(errp, "%s value must be in range [0, %" PRId64 "]",
                   p->name, p->max);
        return;
    }
    old = *field;
    *field = value;
    if (base->complete && bc->update_params) {
        bc->update_params(base, &err);
        if (err) {
            *field = old;
            error_propagate(errp, err);
        }
    }
}

void event_loop_add_int_params(ObjectClass *klass,
                               const EventLoopIntParam *params, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        object_class_property_add(klass, params[i].name, "int", get_param,
                                  set_param, NULL, (void *)&params[i]);
    }
}

static void event_loop_base_complete(UserCreatable *uc, Error **errp)
{
    EventLoopBase *base = EVENT_LOOP_BASE(uc);
    EventLoopBaseClass *bc = EVENT_LOOP_BASE_GET_CLASS(uc);
    Error *err = NULL;

    if (bc->init) {
        bc->init(base, &err);
        if (err) {
            error_propagate(errp, err);
            return;
        }
    }
    base->complete = true;
}

static bool event_loop_base_can_be_deleted(UserCreatable *uc)
{
    EventLoopBaseClass *bc = EVENT_LOOP_BASE_GET_CLASS(uc);

    return !bc->can_be_deleted || bc->can_be_deleted(EVENT_LOOP_BASE(uc));
}

static void event_loop_base_instance_init(Object *obj)
{
    /* QEMU's defaults: no lower bound on workers, at most 64. */
    EVENT_LOOP_BASE(obj)->thread_pool_max = 64;
}

static void event_loop_base_class_init(ObjectClass *klass, void *class_data)
{
    UserCreatableClass *ucc = USER_CREATABLE_CLASS(klass);

    ucc->complete = event_loop_base_complete;
    ucc->can_be_deleted = event_loop_base_can_be_deleted;
    event_loop_add_int_params(klass, params, G_N_ELEMENTS(params));
}

static const TypeInfo event_loop_base_info = {
    .name = TYPE_EVENT_LOOP_BASE,
    .parent = TYPE_OBJECT,
    .abstract = true,
    .instance_size = sizeof(EventLoopBase),
    .instance_init = event_loop_base_instance_init,
    .class_size = sizeof(EventLoopBaseClass),
    .class_init = event_loop_base_class_init,
    .interfaces = (InterfaceInfo[]) {
        { TYPE_USER_CREATABLE },
        { }
    },
};

static void event_loop_base_register_types(void)
{
    type_register_static(&event_loop_base_info);
}

type_init(event_loop_base_register_types)
