/*
 * virtio-rng-device: entropy for the guest from an rng backend (rng=;
 * without one, a built-in rng-builtin child as QEMU's), rate-limited by
 * max-bytes per period (ms).  One guest buffer is filled at a time: it is
 * held while the backend answers.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "vireo/timer.h"
#include "hw/qdev-properties.h"
#include "hw/virtio/virtio.h"
#include "migration/vmstate.h"
#include "qom/object_interfaces.h"
#include "system/rng.h"

#define TYPE_VIRTIO_RNG "virtio-rng-device"
#define VIRTIO_ID_RNG 4

typedef struct VirtIORNG {
    VirtIODevice parent_obj;
    VirtQueue *vq;
    RngBackend *rng;
    VirtQueueElement *waiting;  /* popped, waiting for the backend */
    uint64_t max_bytes;
    uint32_t period_ms;
    int64_t quota_remaining;
    QEMUTimer *rate_limit_timer;
} VirtIORNG;

DECLARE_INSTANCE_CHECKER(VirtIORNG, VIRTIO_RNG, TYPE_VIRTIO_RNG)

static void virtio_rng_process(VirtIORNG *vrng);

static void virtio_rng_receive(void *opaque, const void *data, size_t size)
{
    VirtIORNG *vrng = opaque;
    VirtIODevice *vdev = VIRTIO_DEVICE(vrng);
    VirtQueueElement *elem = vrng->waiting;
    size_t done = 0;

    vrng->waiting = NULL;
    if (!elem) {
        return;
    }
    for (unsigned i = 0; i < elem->in_num && done < size; i++) {
        size_t n = MIN(elem->in_sg[i].iov_len, size - done);

        memcpy(elem->in_sg[i].iov_base, (const uint8_t *)data + done, n);
        done += n;
    }
    vrng->quota_remaining -= done;
    virtqueue_push(vrng->vq, elem, done);
    g_free(elem);
    virtio_notify(vdev, vrng->vq);
    virtio_rng_process(vrng);
}

static void virtio_rng_process(VirtIORNG *vrng)
{
    VirtIODevice *vdev = VIRTIO_DEVICE(vrng);
    VirtQueueElement *elem;

    if (!(vdev->status & VIRTIO_CONFIG_S_DRIVER_OK) || vrng->waiting ||
        vrng->quota_remaining <= 0) {
        return;
    }
    elem = virtqueue_pop(vrng->vq);
    if (!elem) {
        return;
    }
    vrng->waiting = elem;
    rng_backend_request_entropy(vrng->rng,
                                MIN(elem->in_len,
                                    (size_t)vrng->quota_remaining),
                                virtio_rng_receive, vrng);
}

static void handle_input(VirtIODevice *vdev, VirtQueue *vq)
{
    virtio_rng_process(VIRTIO_RNG(vdev));
}

static void check_rate_limit(void *opaque)
{
    VirtIORNG *vrng = opaque;

    vrng->quota_remaining = vrng->max_bytes;
    virtio_rng_process(vrng);
    timer_mod(vrng->rate_limit_timer,
              qemu_clock_get_ms(QEMU_CLOCK_VIRTUAL) + vrng->period_ms);
}

static void virtio_rng_device_realize(DeviceState *dev, Error **errp)
{
    VirtIORNG *vrng = VIRTIO_RNG(dev);
    VirtIODevice *vdev = VIRTIO_DEVICE(dev);

    if (vrng->period_ms <= 0) {
        error_setg(errp, "'period' parameter expects a positive integer");
        return;
    }
    if (vrng->max_bytes > INT64_MAX) {
        error_setg(errp, "'max-bytes' parameter must be non-negative, "
                   "and less than 2^63");
        return;
    }
    if (!vrng->rng) {
        Object *def = object_new(TYPE_RNG_BUILTIN);

        object_property_add_child(OBJECT(dev), "default-backend", def);
        object_unref(def);
        if (!user_creatable_complete(USER_CREATABLE(def), errp)) {
            return;
        }
        object_property_set_link(OBJECT(dev), "rng", def, &error_abort);
    }
    virtio_init(vdev, VIRTIO_ID_RNG, 0);
    vrng->vq = virtio_add_queue(vdev, 8, handle_input);
    vrng->quota_remaining = vrng->max_bytes;
    vrng->rate_limit_timer = timer_new_ms(QEMU_CLOCK_VIRTUAL,
                                          check_rate_limit, vrng);
    timer_mod(vrng->rate_limit_timer,
              qemu_clock_get_ms(QEMU_CLOCK_VIRTUAL) + vrng->period_ms);
}

static void virtio_rng_device_unrealize(DeviceState *dev)
{
    VirtIORNG *vrng = VIRTIO_RNG(dev);

    rng_backend_cancel(vrng->rng, vrng);
    g_free(vrng->waiting);
    vrng->waiting = NULL;
    timer_free(vrng->rate_limit_timer);
}

static void virtio_rng_reset(VirtIODevice *vdev)
{
    VirtIORNG *vrng = VIRTIO_RNG(vdev);

    /* The ring the waiting buffer came from is gone. */
    rng_backend_cancel(vrng->rng, vrng);
    g_free(vrng->waiting);
    vrng->waiting = NULL;
}

static const VMStateDescription vmstate_virtio_rng = {
    .name = "virtio-rng",
    .minimum_version_id = 1,
    .version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8(parent_obj.status, VirtIORNG),
        VMSTATE_UINT64(parent_obj.guest_features, VirtIORNG),
        VMSTATE_INT64(quota_remaining, VirtIORNG),
        VMSTATE_END_OF_LIST()
    },
};

static Property virtio_rng_properties[] = {
    /* As QEMU: by default no limit beyond what the host can give. */
    DEFINE_PROP_UINT64("max-bytes", VirtIORNG, max_bytes, INT64_MAX),
    DEFINE_PROP_UINT32("period", VirtIORNG, period_ms, 1 << 16),
    DEFINE_PROP_LINK("rng", VirtIORNG, rng, TYPE_RNG_BACKEND, RngBackend *),
    DEFINE_PROP_END_OF_LIST(),
};

static void virtio_rng_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    VirtioDeviceClass *vdc = VIRTIO_DEVICE_CLASS(klass);

    device_class_set_props(dc, virtio_rng_properties);
    dc->vmsd = &vmstate_virtio_rng;
    dc->desc = "VirtIO RNG";
    dc->hotpluggable = false;
    vdc->realize = virtio_rng_device_realize;
    vdc->unrealize = virtio_rng_device_unrealize;
    vdc->reset = virtio_rng_reset;
}

static const TypeInfo virtio_rng_info = {
    .name = TYPE_VIRTIO_RNG,
    .parent = TYPE_VIRTIO_DEVICE,
    .instance_size = sizeof(VirtIORNG),
    .class_init = virtio_rng_class_init,
};

static void virtio_register_types(void)
{
    type_register_static(&virtio_rng_info);
}

type_init(virtio_register_types)
