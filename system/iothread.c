/*
 * The iothread object: a thread running its own event loop, for device
 * work that should not share the main loop.  poll-max-ns makes the loop
 * busy-poll for up to that long before it sleeps (adaptive polling: the
 * window grows by poll-grow and shrinks by poll-shrink); 0 disables it.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include <sys/syscall.h>
#include "vireo/error.h"
#include "vireo/timer.h"
#include "qapi/qapi-commands-misc.h"
#include "qom/object_interfaces.h"
#include "system/event-loop-base.h"

#define TYPE_IOTHREAD "iothread"

typedef struct IOThread {
    EventLoopBase parent_obj;
    GThread *thread;
    GMainContext *ctx;
    GMainLoop *loop;
    int64_t thread_id;
    int64_t poll_max_ns, poll_grow, poll_shrink;
    int64_t poll_ns;            /* the current polling window */
    bool stopping;
    GMutex init_lock;
    GCond init_cond;
} IOThread;

DECLARE_INSTANCE_CHECKER(IOThread, IOTHREAD, TYPE_IOTHREAD)

static int64_t now_ns(void)
{
    return qemu_clock_get_ns(QEMU_CLOCK_REALTIME);
}

static gpointer iothread_run(gpointer opaque)
{
    IOThread *iot = opaque;

    g_main_context_push_thread_default(iot->ctx);
    g_mutex_lock(&iot->init_lock);
    iot->thread_id = syscall(SYS_gettid);
    g_cond_signal(&iot->init_cond);
    g_mutex_unlock(&iot->init_lock);

    while (!__atomic_load_n(&iot->stopping, __ATOMIC_ACQUIRE)) {
        bool progress = false;

        if (iot->poll_ns > 0) {
            int64_t deadline = now_ns() + iot->poll_ns;
            while (!progress && now_ns() < deadline) {
                progress = g_main_context_iteration(iot->ctx, FALSE);
            }
        }
        if (!progress) {
            g_main_context_iteration(iot->ctx, TRUE);
            /* Polling found nothing: shrink the window. */
            if (iot->poll_ns) {
                iot->poll_ns = iot->poll_shrink ? iot->poll_ns /
                               iot->poll_shrink : 0;
            }
        } else if (iot->poll_max_ns) {
            /* Polling paid off: grow the window up to the maximum. */
            iot->poll_ns = MIN(iot->poll_max_ns,
                               iot->poll_ns ? iot->poll_ns *
                               (iot->poll_grow ? iot->poll_grow : 2)
                               : 4000);
        }
    }
    g_main_context_pop_thread_default(iot->ctx);
    return NULL;
}

static void iothread_start(EventLoopBase *base, Error **errp)
{
    IOThread *iot = IOTHREAD(base);
    g_autofree char *name = g_strdup_printf(
        "IO %s", object_get_canonical_path_component(OBJECT(base)));

    iot->ctx = g_main_context_new();
    g_mutex_init(&iot->init_lock);
    g_cond_init(&iot->init_cond);
    g_mutex_lock(&iot->init_lock);
    iot->thread = g_thread_new(name, iothread_run, iot);
    while (!iot->thread_id) {
        g_cond_wait(&iot->init_cond, &iot->init_lock);
    }
    g_mutex_unlock(&iot->init_lock);
}

static gboolean iothread_stop_cb(gpointer opaque)
{
    return G_SOURCE_REMOVE;
}

static void iothread_finalize(Object *obj)
{
    IOThread *iot = IOTHREAD(obj);

    if (!iot->thread) {
        return;
    }
    __atomic_store_n(&iot->stopping, true, __ATOMIC_RELEASE);
    g_main_context_invoke(iot->ctx, iothread_stop_cb, NULL);
    g_main_context_wakeup(iot->ctx);
    g_thread_join(iot->thread);
    g_main_context_unref(iot->ctx);
}

static const EventLoopIntParam poll_params[] = {
    { "poll-max-ns", offsetof(IOThread, poll_max_ns), INT64_MAX },
    { "poll-grow", offsetof(IOThread, poll_grow), INT64_MAX },
    { "poll-shrink", offsetof(IOThread, poll_shrink), INT64_MAX },
};

static void iothread_init(Object *obj)
{
    IOThread *iot = IOTHREAD(obj);

    /* QEMU's default on Linux: adaptive polling up to 32 us. */
    iot->poll_max_ns = 32768;
}

static void iothread_class_init(ObjectClass *klass, void *class_data)
{
    EventLoopBaseClass *bc = EVENT_LOOP_BASE_CLASS(klass);

    bc->init = iothread_start;
    event_loop_add_int_params(klass, poll_params, G_N_ELEMENTS(poll_params));
}

static const TypeInfo iothread_info = {
    .name = TYPE_IOTHREAD,
    .parent = TYPE_EVENT_LOOP_BASE,
    .class_init = iothread_class_init,
    .instance_size = sizeof(IOThread),
    .instance_init = iothread_init,
    .instance_finalize = iothread_finalize,
};

static void iothread_register_types(void)
{
    type_register_static(&iothread_info);
}

type_init(iothread_register_types)

static int query_one_iothread(Object *object, void *opaque)
{
    IOThreadInfoList ***tail = opaque;
    IOThreadInfo *info;
    IOThread *iot = (IOThread *)object_dynamic_cast(object, TYPE_IOTHREAD);

    if (!iot) {
        return 0;
    }
    info = g_new0(IOThreadInfo, 1);
    info->id = g_strdup(object_get_canonical_path_component(object));
    info->thread_id = iot->thread_id;
    info->poll_max_ns = iot->poll_max_ns;
    info->poll_grow = iot->poll_grow;
    info->poll_shrink = iot->poll_shrink;
    info->aio_max_batch = iot->parent_obj.aio_max_batch;
    QAPI_LIST_APPEND(*tail, info);
    return 0;
}

IOThreadInfoList *qmp_query_iothreads(Error **errp)
{
    IOThreadInfoList *head = NULL, **tail = &head;
    IOThreadInfoList ***ptail = &tail;

    object_child_foreach(object_get_objects_root(), query_one_iothread,
                         ptail);
    return head;
}
