/*
 * The abstract entropy backend: a queue of requests that the concrete
 * backend fills, and the deprecated 'opened' property of QEMU.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "qom/object_interfaces.h"
#include "system/rng.h"

void rng_backend_request_entropy(RngBackend *s, size_t size,
                                 EntropyReceiveFunc *receive, void *opaque)
{
    RngRequest *req;

    if (!size) {
        return;
    }
    req = g_new0(RngRequest, 1);
    req->receive = receive;
    req->opaque = opaque;
    req->size = size;
    req->data = g_malloc(size);
    QTAILQ_INSERT_TAIL(&s->requests, req, next);
    RNG_BACKEND_GET_CLASS(s)->request_entropy(s, req);
}

static void rng_request_free(RngRequest *req)
{
    g_free(req->data);
    g_free(req);
}

void rng_backend_cancel(RngBackend *s, void *opaque)
{
    RngRequest *req, *next;

    QTAILQ_FOREACH_SAFE(req, &s->requests, next, next) {
        if (req->opaque == opaque) {
            QTAILQ_REMOVE(&s->requests, req, next);
            rng_request_free(req);
        }
    }
}

void rng_backend_finalize_request(RngBackend *s, RngRequest *req)
{
    QTAILQ_REMOVE(&s->requests, req, next);
    req->receive(req->opaque, req->data, req->offset);
    rng_request_free(req);
}

static bool rng_get_opened(Object *obj, Error **errp)
{
    return RNG_BACKEND(obj)->opened;
}

static void rng_set_opened(Object *obj, bool value, Error **errp)
{
    RngBackend *s = RNG_BACKEND(obj);

    if (value == s->opened) {
        return;
    }
    if (!value && s->opened) {
        error_setg(errp, "Property 'opened' can not be set to false once "
                   "it was true");
        return;
    }
    if (RNG_BACKEND_GET_CLASS(s)->opened) {
        Error *local = NULL;

        RNG_BACKEND_GET_CLASS(s)->opened(s, &local);
        if (local) {
            error_propagate(errp, local);
            return;
        }
    }
    s->opened = true;
}

static void rng_complete(UserCreatable *uc, Error **errp)
{
    object_property_set_bool(OBJECT(uc), "opened", true, errp);
}

static void rng_init(Object *obj)
{
    QTAILQ_INIT(&RNG_BACKEND(obj)->requests);
}

static void rng_finalize(Object *obj)
{
    RngBackend *s = RNG_BACKEND(obj);
    RngRequest *req;

    while ((req = QTAILQ_FIRST(&s->requests))) {
        QTAILQ_REMOVE(&s->requests, req, next);
        rng_request_free(req);
    }
}

static void rng_class_init(ObjectClass *oc, void *data)
{
    USER_CREATABLE_CLASS(oc)->complete = rng_complete;
    object_class_property_add_bool(oc, "opened", rng_get_opened,
                                   rng_set_opened);
}

static const TypeInfo rng_backend_info = {
    .name = TYPE_RNG_BACKEND,
    .parent = TYPE_OBJECT,
    .abstract = true,
    .instance_size = sizeof(RngBackend),
    .instance_init = rng_init,
    .instance_finalize = rng_finalize,
    .class_size = sizeof(RngBackendClass),
    .class_init = rng_class_init,
    .interfaces = (InterfaceInfo[]) {
        { TYPE_USER_CREATABLE },
        { }
    },
};

static void rng_register(void)
{
    type_register_static(&rng_backend_info);
}

type_init(rng_register)
