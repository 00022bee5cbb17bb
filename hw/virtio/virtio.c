/*
 * The virtio device core (see hw/virtio/virtio.h): feature negotiation,
 * status, reset, queues and notifications, independent of the transport.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "hw/virtio/virtio.h"
#include "migration/vmstate.h"

void virtio_init(VirtIODevice *vdev, uint16_t device_id, size_t config_size)
{
    vdev->device_id = device_id;
    vdev->config_len = config_size;
    vdev->config = config_size ? g_malloc0(config_size) : NULL;
    vdev->host_features |= 1ULL << VIRTIO_F_VERSION_1 |
                           1ULL << VIRTIO_RING_F_INDIRECT_DESC |
                           1ULL << VIRTIO_RING_F_EVENT_IDX;
    for (int i = 0; i < VIRTIO_QUEUE_MAX; i++) {
        virtqueue_init(&vdev->vq[i], &address_space_memory);
    }
}

void virtio_cleanup(VirtIODevice *vdev)
{
    g_free(vdev->config);
    vdev->config = NULL;
}

VirtQueue *virtio_add_queue(VirtIODevice *vdev, int queue_size,
                            VirtIOHandleOutput handle_output)
{
    int i = vdev->nvq++;

    g_assert(i < VIRTIO_QUEUE_MAX && queue_size <= VIRTQUEUE_MAX_SIZE);
    vdev->queue_max[i] = queue_size;
    vdev->vq[i].num = queue_size;
    vdev->handle[i] = handle_output;
    return &vdev->vq[i];
}

static void virtio_bus_notify(VirtIODevice *vdev)
{
    DeviceState *dev = DEVICE(vdev);
    VirtioBusState *bus = dev->parent_bus ? VIRTIO_BUS(dev->parent_bus)
                                          : NULL;

    if (bus && bus->notify) {
        bus->notify(BUS(bus)->parent, 0);
    }
}

void virtio_notify(VirtIODevice *vdev, VirtQueue *vq)
{
    if (!virtqueue_should_notify(vq)) {
        return;
    }
    __atomic_or_fetch(&vdev->isr, VIRTIO_ISR_QUEUE, __ATOMIC_SEQ_CST);
    virtio_bus_notify(vdev);
}

void virtio_notify_config(VirtIODevice *vdev)
{
    if (!(vdev->status & VIRTIO_CONFIG_S_DRIVER_OK)) {
        return;
    }
    vdev->generation++;
    __atomic_or_fetch(&vdev->isr, VIRTIO_ISR_CONFIG, __ATOMIC_SEQ_CST);
    virtio_bus_notify(vdev);
}

void virtio_reset(VirtIODevice *vdev)
{
    VirtioDeviceClass *k = VIRTIO_DEVICE_GET_CLASS(vdev);

    if (k->reset) {
        k->reset(vdev);
    }
    vdev->status = 0;
    vdev->isr = 0;
    vdev->guest_features = 0;
    for (int i = 0; i < vdev->nvq; i++) {
        virtqueue_reset(&vdev->vq[i]);
        vdev->vq[i].num = vdev->queue_max[i];
    }
}

void virtio_set_status(VirtIODevice *vdev, uint8_t val)
{
    VirtioDeviceClass *k = VIRTIO_DEVICE_GET_CLASS(vdev);

    vdev->status = val;
    if (k->set_status) {
        k->set_status(vdev, val);
    }
}

bool virtio_set_features(VirtIODevice *vdev, uint64_t val)
{
    VirtioDeviceClass *k = VIRTIO_DEVICE_GET_CLASS(vdev);

    if (val & ~vdev->host_features) {
        return false;
    }
    vdev->guest_features = val;
    for (int i = 0; i < vdev->nvq; i++) {
        vdev->vq[i].event_idx = virtio_has_feature(val,
                                                   VIRTIO_RING_F_EVENT_IDX);
        vdev->vq[i].indirect = virtio_has_feature(val,
                                                  VIRTIO_RING_F_INDIRECT_DESC);
    }
    if (k->set_features) {
        k->set_features(vdev, val);
    }
    return true;
}

uint64_t virtio_config_read(VirtIODevice *vdev, uint32_t offset,
                            unsigned size)
{
    VirtioDeviceClass *k = VIRTIO_DEVICE_GET_CLASS(vdev);
    uint64_t v = 0;

    if (size > sizeof(v) || offset + size > vdev->config_len) {
        return 0;
    }
    if (k->get_config) {
        k->get_config(vdev, vdev->config);
    }
    memcpy(&v, vdev->config + offset, size);
    return v;
}

void virtio_config_write(VirtIODevice *vdev, uint32_t offset, uint64_t value,
                         unsigned size)
{
    VirtioDeviceClass *k = VIRTIO_DEVICE_GET_CLASS(vdev);

    if (size > sizeof(value) || offset + size > vdev->config_len) {
        return;
    }
    memcpy(vdev->config + offset, &value, size);
    if (k->set_config) {
        k->set_config(vdev, vdev->config);
    }
}

void virtio_driver_write_status(VirtIODevice *vdev, uint8_t status,
                                uint64_t driver_features)
{
    if ((status & VIRTIO_CONFIG_S_FEATURES_OK) &&
        !(vdev->status & VIRTIO_CONFIG_S_FEATURES_OK)) {
        if (!virtio_has_feature(driver_features, VIRTIO_F_VERSION_1) ||
            !virtio_set_features(vdev, driver_features)) {
            status &= ~VIRTIO_CONFIG_S_FEATURES_OK;
        }
    }
    virtio_set_status(vdev, status);
}

void virtio_queue_set_ready(VirtIODevice *vdev, int n, hwaddr desc,
                            hwaddr avail, hwaddr used, bool ready)
{
    VirtQueue *vq = &vdev->vq[n];

    if (ready) {
        virtqueue_set_ready(vq, desc, avail, used);
    } else {
        unsigned int num = vq->num;
        virtqueue_reset(vq);
        vq->num = num;
    }
}

void virtio_queue_notify(VirtIODevice *vdev, int n)
{
    if (n < 0 || n >= vdev->nvq || !vdev->vq[n].ready ||
        vdev->vq[n].broken || !vdev->handle[n]) {
        return;
    }
    vdev->handle[n](vdev, &vdev->vq[n]);
}

static void virtio_device_realize(DeviceState *dev, Error **errp)
{
    VirtioDeviceClass *vdc = VIRTIO_DEVICE_GET_CLASS(dev);

    if (!dev->parent_bus) {
        error_setg(errp, "No 'virtio-bus' bus found for device '%s'",
                   object_get_typename(OBJECT(dev)));
        return;
    }
    if (vdc->realize) {
        vdc->realize(dev, errp);
    }
}

static void virtio_device_unrealize(DeviceState *dev)
{
    VirtioDeviceClass *vdc = VIRTIO_DEVICE_GET_CLASS(dev);

    if (vdc->unrealize) {
        vdc->unrealize(dev);
    }
    virtio_cleanup(VIRTIO_DEVICE(dev));
}

static void virtio_device_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->realize = virtio_device_realize;
    dc->unrealize = virtio_device_unrealize;
    dc->bus_type = TYPE_VIRTIO_BUS;
}

static void virtio_bus_class_init(ObjectClass *klass, void *data)
{
    BUS_CLASS(klass)->max_dev = 1;
}

static const TypeInfo virtio_types[] = {
    {
        .name = TYPE_VIRTIO_DEVICE,
        .parent = TYPE_DEVICE,
        .instance_size = sizeof(VirtIODevice),
        .class_init = virtio_device_class_init,
        .abstract = true,
        .class_size = sizeof(VirtioDeviceClass),
    }, {
        .name = TYPE_VIRTIO_BUS,
        .parent = TYPE_BUS,
        .instance_size = sizeof(VirtioBusState),
        .abstract = true,
        .class_init = virtio_bus_class_init,
    },
};

DEFINE_TYPES(virtio_types)
