/*
 * rng-builtin: entropy from the host kernel's getrandom(), handed over in
 * a bottom half so the device's callback never runs inside its request.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include <sys/random.h>
#include "vireo/main-loop.h"
#include "system/rng.h"

typedef struct RngBuiltin {
    RngBackend parent_obj;
    QEMUBH *bh;
} RngBuiltin;

DECLARE_INSTANCE_CHECKER(RngBuiltin, RNG_BUILTIN, TYPE_RNG_BUILTIN)

static void rng_builtin_fill(void *opaque)
{
    RngBackend *b = opaque;
    RngRequest *req;

    while ((req = QTAILQ_FIRST(&b->requests))) {
        ssize_t n = getrandom(req->data, req->size, 0);

        req->offset = n > 0 ? n : 0;
        rng_backend_finalize_request(b, req);
    }
}

static void rng_builtin_request_entropy(RngBackend *b, RngRequest *req)
{
    qemu_bh_schedule(RNG_BUILTIN(b)->bh);
}

static void rng_builtin_init(Object *obj)
{
    RNG_BUILTIN(obj)->bh = qemu_bh_new_full(rng_builtin_fill, obj,
                                            TYPE_RNG_BUILTIN);
}

static void rng_builtin_finalize(Object *obj)
{
    qemu_bh_delete(RNG_BUILTIN(obj)->bh);
}

static void rng_builtin_class_init(ObjectClass *oc, void *data)
{
    RNG_BACKEND_CLASS(oc)->request_entropy = rng_builtin_request_entropy;
}

static const TypeInfo rng_builtin_info = {
    .name = TYPE_RNG_BUILTIN,
    .parent = TYPE_RNG_BACKEND,
    .instance_size = sizeof(RngBuiltin),
    .instance_init = rng_builtin_init,
    .instance_finalize = rng_builtin_finalize,
    .class_init = rng_builtin_class_init,
};

static void rng_builtin_register(void)
{
    type_register_static(&rng_builtin_info);
}

type_init(rng_builtin_register)
