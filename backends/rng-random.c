/*
 * rng-random: entropy read from a host file (default /dev/urandom, as
 * QEMU's), through a main-loop fd handler that is armed only while
 * requests are waiting, so a slow source (/dev/random, a hardware RNG)
 * never blocks the emulator.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "vireo/main-loop.h"
#include "system/rng.h"

typedef struct RngRandom {
    RngBackend parent_obj;
    char *filename;
    int fd;
} RngRandom;

DECLARE_INSTANCE_CHECKER(RngRandom, RNG_RANDOM, TYPE_RNG_RANDOM)

static void rng_random_read(void *opaque)
{
    RngRandom *s = opaque;
    RngBackend *b = RNG_BACKEND(s);
    RngRequest *req;

    while ((req = QTAILQ_FIRST(&b->requests))) {
        ssize_t n = read(s->fd, req->data, req->size);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;              /* EAGAIN: wait for the fd again */
        }
        req->offset = n;
        rng_backend_finalize_request(b, req);
    }
    if (QTAILQ_EMPTY(&b->requests)) {
        qemu_set_fd_handler(s->fd, NULL, NULL, NULL);
    }
}

static void rng_random_request_entropy(RngBackend *b, RngRequest *req)
{
    RngRandom *s = RNG_RANDOM(b);

    qemu_set_fd_handler(s->fd, rng_random_read, NULL, s);
}

static void rng_random_opened(RngBackend *b, Error **errp)
{
    RngRandom *s = RNG_RANDOM(b);

    if (!s->filename) {
        error_setg(errp, "Parameter 'filename' is missing");
        return;
    }
    s->fd = open(s->filename, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (s->fd < 0) {
        error_setg_errno(errp, errno, "Could not open '%s'", s->filename);
    }
}

static char *rng_random_get_filename(Object *obj, Error **errp)
{
    return g_strdup(RNG_RANDOM(obj)->filename);
}

static void rng_random_set_filename(Object *obj, const char *value,
                                    Error **errp)
{
    RngRandom *s = RNG_RANDOM(obj);

    if (RNG_BACKEND(obj)->opened) {
        error_setg(errp, "Property 'filename' can't be set after the "
                   "backend was opened");
        return;
    }
    g_free(s->filename);
    s->filename = g_strdup(value);
}

static void rng_random_init(Object *obj)
{
    RngRandom *s = RNG_RANDOM(obj);

    s->filename = g_strdup("/dev/urandom");
    s->fd = -1;
}

static void rng_random_finalize(Object *obj)
{
    RngRandom *s = RNG_RANDOM(obj);

    if (s->fd >= 0) {
        qemu_set_fd_handler(s->fd, NULL, NULL, NULL);
        close(s->fd);
    }
    g_free(s->filename);
}

static void rng_random_class_init(ObjectClass *oc, void *data)
{
    RngBackendClass *rbc = RNG_BACKEND_CLASS(oc);

    rbc->request_entropy = rng_random_request_entropy;
    rbc->opened = rng_random_opened;
    object_class_property_add_str(oc, "filename", rng_random_get_filename,
                                  rng_random_set_filename);
}

static const TypeInfo rng_random_info = {
    .name = TYPE_RNG_RANDOM,
    .parent = TYPE_RNG_BACKEND,
    .instance_size = sizeof(RngRandom),
    .instance_init = rng_random_init,
    .instance_finalize = rng_random_finalize,
    .class_init = rng_random_class_init,
};

static void rng_random_register(void)
{
    type_register_static(&rng_random_info);
}

type_init(rng_random_register)
