/*
 * rng-egd: entropy from an EGD daemon (or anything speaking its protocol)
 * behind a chardev: the request "0x02 <len>" asks for up to 255 bytes,
 * which arrive as raw bytes.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "chardev/char.h"
#include "chardev/char-fe.h"
#include "system/rng.h"

typedef struct RngEgd {
    RngBackend parent_obj;
    CharBackend chr;
    char *chr_name;
} RngEgd;

DECLARE_INSTANCE_CHECKER(RngEgd, RNG_EGD, TYPE_RNG_EGD)

static void rng_egd_request_entropy(RngBackend *b, RngRequest *req)
{
    RngEgd *s = RNG_EGD(b);
    size_t size = req->size;

    while (size > 0) {
        uint8_t header[2] = { 0x02, MIN(size, 255) };

        /* Blocking writes of two bytes, as QEMU's. */
        qemu_chr_fe_write_all(&s->chr, header, sizeof(header));
        size -= header[1];
    }
}

static int rng_egd_can_read(void *opaque)
{
    RngRequest *req = QTAILQ_FIRST(&RNG_BACKEND(opaque)->requests);

    return req ? req->size - req->offset : 0;
}

static void rng_egd_read(void *opaque, const uint8_t *buf, int size)
{
    RngBackend *b = RNG_BACKEND(opaque);

    while (size > 0) {
        RngRequest *req = QTAILQ_FIRST(&b->requests);
        size_t n;

        if (!req) {
            return;         /* more than asked for: dropped */
        }
        n = MIN((size_t)size, req->size - req->offset);
        memcpy(req->data + req->offset, buf, n);
        req->offset += n;
        buf += n;
        size -= n;
        if (req->offset == req->size) {
            rng_backend_finalize_request(b, req);
        }
    }
}

static void rng_egd_opened(RngBackend *b, Error **errp)
{
    RngEgd *s = RNG_EGD(b);
    Chardev *chr;

    if (!s->chr_name) {
        error_setg(errp, "Parameter 'chardev' is missing");
        return;
    }
    chr = qemu_chr_find(s->chr_name);
    if (!chr) {
        error_setg(errp, "Device '%s' not found", s->chr_name);
        return;
    }
    if (!qemu_chr_fe_init(&s->chr, chr, errp)) {
        return;
    }
    qemu_chr_fe_set_handlers(&s->chr, rng_egd_can_read, rng_egd_read, NULL,
                             NULL, s, NULL, true);
}

static char *rng_egd_get_chardev(Object *obj, Error **errp)
{
    return g_strdup(RNG_EGD(obj)->chr_name);
}

static void rng_egd_set_chardev(Object *obj, const char *value, Error **errp)
{
    RngEgd *s = RNG_EGD(obj);

    if (RNG_BACKEND(obj)->opened) {
        error_setg(errp, "Property 'chardev' can't be set after the "
                   "backend was opened");
        return;
    }
    g_free(s->chr_name);
    s->chr_name = g_strdup(value);
}

static void rng_egd_finalize(Object *obj)
{
    RngEgd *s = RNG_EGD(obj);

    qemu_chr_fe_deinit(&s->chr, false);
    g_free(s->chr_name);
}

static void rng_egd_class_init(ObjectClass *oc, void *data)
{
    RngBackendClass *rbc = RNG_BACKEND_CLASS(oc);

    rbc->request_entropy = rng_egd_request_entropy;
    rbc->opened = rng_egd_opened;
    object_class_property_add_str(oc, "chardev", rng_egd_get_chardev,
                                  rng_egd_set_chardev);
}

static const TypeInfo rng_egd_info = {
    .name = TYPE_RNG_EGD,
    .parent = TYPE_RNG_BACKEND,
    .instance_size = sizeof(RngEgd),
    .instance_finalize = rng_egd_finalize,
    .class_init = rng_egd_class_init,
};

static void rng_egd_register(void)
{
    type_register_static(&rng_egd_info);
}

type_init(rng_egd_register)
