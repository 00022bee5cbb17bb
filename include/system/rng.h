/*
 * Entropy backends for virtio-rng: rng-random (a host file such as
 * /dev/urandom), rng-builtin (getrandom()) and rng-egd (the EGD protocol
 * over a chardev).  A device asks for up to @size bytes and is called
 * back in the main loop with what arrived, possibly less.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef SYSTEM_RNG_H
#define SYSTEM_RNG_H

#include "qom/object.h"
#include "vireo/queue.h"

#define TYPE_RNG_BACKEND "rng-backend"
#define TYPE_RNG_RANDOM "rng-random"
#define TYPE_RNG_BUILTIN "rng-builtin"
#define TYPE_RNG_EGD "rng-egd"

typedef void EntropyReceiveFunc(void *opaque, const void *data, size_t size);

typedef struct RngRequest {
    EntropyReceiveFunc *receive;
    void *opaque;
    size_t size;
    size_t offset;              /* filled so far (rng-egd collects) */
    uint8_t *data;
    QTAILQ_ENTRY(RngRequest) next;
} RngRequest;

typedef struct RngBackend {
    Object parent_obj;
    bool opened;
    QTAILQ_HEAD(, RngRequest) requests;
} RngBackend;

typedef struct RngBackendClass {
    ObjectClass parent_class;
    /* Start serving the queue (a new request was added). */
    void (*request_entropy)(RngBackend *s, RngRequest *req);
    void (*opened)(RngBackend *s, Error **errp);
} RngBackendClass;

DECLARE_OBJ_CHECKERS(RngBackend, RngBackendClass, RNG_BACKEND,
                     TYPE_RNG_BACKEND)

void rng_backend_request_entropy(RngBackend *s, size_t size,
                                 EntropyReceiveFunc *receive, void *opaque);
/* Drop the requests of @opaque (the device resets or goes away). */
void rng_backend_cancel(RngBackend *s, void *opaque);
/* For backends: complete and free the oldest request with @size bytes. */
void rng_backend_finalize_request(RngBackend *s, RngRequest *req);

#endif
