/*
 * Yank registry and the yank/query-yank commands.  yank is allowed
 * out-of-band, so the registry has its own lock.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "qapi/qapi-commands-yank.h"
#include "qapi/qapi-visit-yank.h"
#include "monitor/yank.h"
#include <sys/socket.h>

typedef struct YankFuncEntry {
    YankFn *func;
    void *opaque;
} YankFuncEntry;

typedef struct YankEntry {
    YankInstance *instance;
    GList *funcs;           /* YankFuncEntry */
} YankEntry;

static GList *yank_entries;
static GMutex yank_lock;

static bool yank_instance_equal(const YankInstance *a, const YankInstance *b)
{
    if (a->type != b->type) {
        return false;
    }
    switch (a->type) {
    case YANK_INSTANCE_TYPE_BLOCK_NODE:
        return !strcmp(a->u.block_node.node_name, b->u.block_node.node_name);
    case YANK_INSTANCE_TYPE_CHARDEV:
        return !strcmp(a->u.chardev.id, b->u.chardev.id);
    default:
        return true;
    }
}

static YankEntry *yank_find(const YankInstance *instance)
{
    GList *l;

    for (l = yank_entries; l; l = l->next) {
        YankEntry *e = l->data;

        if (yank_instance_equal(e->instance, instance)) {
            return e;
        }
    }
    return NULL;
}

static YankInstance *yank_instance_copy(const YankInstance *in)
{
    YankInstance *out = g_new0(YankInstance, 1);

    out->type = in->type;
    switch (in->type) {
    case YANK_INSTANCE_TYPE_BLOCK_NODE:
        out->u.block_node.node_name = g_strdup(in->u.block_node.node_name);
        break;
    case YANK_INSTANCE_TYPE_CHARDEV:
        out->u.chardev.id = g_strdup(in->u.chardev.id);
        break;
    default:
        break;
    }
    return out;
}

bool yank_register_instance(const YankInstance *instance, Error **errp)
{
    YankEntry *e;

    g_mutex_lock(&yank_lock);
    if (yank_find(instance)) {
        g_mutex_unlock(&yank_lock);
        error_setg(errp, "duplicate yank instance");
        return false;
    }
    e = g_new0(YankEntry, 1);
    e->instance = yank_instance_copy(instance);
    yank_entries = g_list_append(yank_entries, e);
    g_mutex_unlock(&yank_lock);
    return true;
}

void yank_unregister_instance(const YankInstance *instance)
{
    YankEntry *e;

    g_mutex_lock(&yank_lock);
    e = yank_find(instance);
    assert(e && !e->funcs);
    yank_entries = g_list_remove(yank_entries, e);
    g_mutex_unlock(&yank_lock);
    qapi_free_YankInstance(e->instance);
    g_free(e);
}

void yank_register_function(const YankInstance *instance, YankFn *func,
                            void *opaque)
{
    YankEntry *e;
    YankFuncEntry *f = g_new0(YankFuncEntry, 1);

    f->func = func;
    f->opaque = opaque;
    g_mutex_lock(&yank_lock);
    e = yank_find(instance);
    assert(e);
    e->funcs = g_list_append(e->funcs, f);
    g_mutex_unlock(&yank_lock);
}

void yank_unregister_function(const YankInstance *instance, YankFn *func,
                              void *opaque)
{
    YankEntry *e;
    GList *l;

    g_mutex_lock(&yank_lock);
    e = yank_find(instance);
    assert(e);
    for (l = e->funcs; l; l = l->next) {
        YankFuncEntry *f = l->data;

        if (f->func == func && f->opaque == opaque) {
            e->funcs = g_list_delete_link(e->funcs, l);
            g_free(f);
            g_mutex_unlock(&yank_lock);
            return;
        }
    }
    g_mutex_unlock(&yank_lock);
    g_assert_not_reached();
}

void yank_generic_fd(void *opaque)
{
    int fd = *(int *)opaque;

    if (fd >= 0) {
        shutdown(fd, SHUT_RDWR);
    }
}

void qmp_yank(YankInstanceList *instances, Error **errp)
{
    YankInstanceList *l;
    GList *f;

    g_mutex_lock(&yank_lock);
    /* Check all first: either every instance is yanked or none. */
    for (l = instances; l; l = l->next) {
        if (!yank_find(l->value)) {
            g_mutex_unlock(&yank_lock);
            error_set(errp, ERROR_CLASS_DEVICE_NOT_FOUND,
                      "Instance not found");
            return;
        }
    }
    for (l = instances; l; l = l->next) {
        YankEntry *e = yank_find(l->value);

        for (f = e->funcs; f; f = f->next) {
            YankFuncEntry *fe = f->data;

            fe->func(fe->opaque);
        }
    }
    g_mutex_unlock(&yank_lock);
}

YankInstanceList *qmp_query_yank(Error **errp)
{
    YankInstanceList *list = NULL;
    GList *l;

    g_mutex_lock(&yank_lock);
    for (l = g_list_last(yank_entries); l; l = l->prev) {
        YankEntry *e = l->data;

        QAPI_LIST_PREPEND(list, yank_instance_copy(e->instance));
    }
    g_mutex_unlock(&yank_lock);
    return list;
}
