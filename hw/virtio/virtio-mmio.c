/*
 * The virtio-mmio transport (virtio 1.x register layout, "version 2"):
 * one device per transport, 0x200 bytes of registers, one interrupt.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "vireo/log.h"
#include "hw/irq.h"
#include "hw/sysbus.h"
#include "hw/qdev-properties.h"
#include "hw/virtio/virtio.h"
#include "migration/vmstate.h"

#define TYPE_VIRTIO_MMIO "virtio-mmio"
#define TYPE_VIRTIO_MMIO_BUS "virtio-mmio-bus"

#define VIRT_MAGIC 0x74726976           /* "virt" */
#define VIRT_VENDOR 0x554d4551          /* "QEMU", as QEMU reports */

enum {
    MMIO_MAGIC = 0x000, MMIO_VERSION = 0x004, MMIO_DEVICE_ID = 0x008,
    MMIO_VENDOR_ID = 0x00c, MMIO_DEVICE_FEATURES = 0x010,
    MMIO_DEVICE_FEATURES_SEL = 0x014, MMIO_DRIVER_FEATURES = 0x020,
    MMIO_DRIVER_FEATURES_SEL = 0x024, MMIO_QUEUE_SEL = 0x030,
    MMIO_QUEUE_NUM_MAX = 0x034, MMIO_QUEUE_NUM = 0x038,
    MMIO_QUEUE_READY = 0x044, MMIO_QUEUE_NOTIFY = 0x050,
    MMIO_INTERRUPT_STATUS = 0x060, MMIO_INTERRUPT_ACK = 0x064,
    MMIO_STATUS = 0x070, MMIO_QUEUE_DESC_LOW = 0x080,
    MMIO_QUEUE_DESC_HIGH = 0x084, MMIO_QUEUE_AVAIL_LOW = 0x090,
    MMIO_QUEUE_AVAIL_HIGH = 0x094, MMIO_QUEUE_USED_LOW = 0x0a0,
    MMIO_QUEUE_USED_HIGH = 0x0a4, MMIO_CONFIG_GENERATION = 0x0fc,
    MMIO_CONFIG = 0x100,
};

typedef struct VirtIOMMIOQueue {
    uint16_t num;
    bool ready;
    uint32_t desc[2], avail[2], used[2];
} VirtIOMMIOQueue;

typedef struct VirtIOMMIOProxy {
    SysBusDevice parent_obj;
    MemoryRegion iomem;
    qemu_irq irq;
    VirtioBusState bus;
    uint32_t host_features_sel;
    uint32_t guest_features_sel;
    uint32_t guest_features[2];
    uint32_t queue_sel;
    VirtIOMMIOQueue vqs[VIRTIO_QUEUE_MAX];
    bool format_transport_address;
} VirtIOMMIOProxy;

DECLARE_INSTANCE_CHECKER(VirtIOMMIOProxy, VIRTIO_MMIO, TYPE_VIRTIO_MMIO)

static VirtIODevice *proxy_device(VirtIOMMIOProxy *proxy)
{
    BusChild *kid = QTAILQ_FIRST(&BUS(&proxy->bus)->children);

    return kid ? VIRTIO_DEVICE(kid->child) : NULL;
}

static void update_irq(VirtIOMMIOProxy *proxy)
{
    VirtIODevice *vdev = proxy_device(proxy);

    qemu_set_irq(proxy->irq, vdev && __atomic_load_n(&vdev->isr,
                                                     __ATOMIC_SEQ_CST));
}

static void mmio_notify(DeviceState *transport, uint16_t vector)
{
    update_irq(VIRTIO_MMIO(transport));
}

static uint64_t mmio_read(void *opaque, hwaddr offset, unsigned size)
{
    VirtIOMMIOProxy *proxy = opaque;
    VirtIODevice *vdev = proxy_device(proxy);

    if (!vdev) {
        /* No device: DeviceID 0 tells the driver to skip the slot. */
        switch (offset) {
        case MMIO_MAGIC:
            return VIRT_MAGIC;
        case MMIO_VERSION:
            return 2;
        case MMIO_VENDOR_ID:
            return VIRT_VENDOR;
        default:
            return 0;
        }
    }
    if (offset >= MMIO_CONFIG) {
        return virtio_config_read(vdev, offset - MMIO_CONFIG, size);
    }
    if (size != 4) {
        qemu_log_mask(LOG_GUEST_ERROR, "virtio-mmio: wrong size access to "
                      "register 0x%" PRIx64 "\n", offset);
        return 0;
    }
    switch (offset) {
    case MMIO_MAGIC:
        return VIRT_MAGIC;
    case MMIO_VERSION:
        return 2;
    case MMIO_DEVICE_ID:
        return vdev->device_id;
    case MMIO_VENDOR_ID:
        return VIRT_VENDOR;
    case MMIO_DEVICE_FEATURES:
        return proxy->host_features_sel < 2 ?
               (uint32_t)(vdev->host_features >>
                          (32 * proxy->host_features_sel)) : 0;
    case MMIO_QUEUE_NUM_MAX:
        return proxy->queue_sel < VIRTIO_QUEUE_MAX ?
               vdev->queue_max[proxy->queue_sel] : 0;
    case MMIO_QUEUE_READY:
        return proxy->queue_sel < VIRTIO_QUEUE_MAX &&
               proxy->vqs[proxy->queue_sel].ready;
    case MMIO_INTERRUPT_STATUS:
        return __atomic_load_n(&vdev->isr, __ATOMIC_SEQ_CST);
    case MMIO_STATUS:
        return vdev->status;
    case MMIO_CONFIG_GENERATION:
        return vdev->generation;
    case MMIO_QUEUE_DESC_LOW ... MMIO_QUEUE_USED_HIGH:
        if (proxy->queue_sel < VIRTIO_QUEUE_MAX) {
            VirtIOMMIOQueue *q = &proxy->vqs[proxy->queue_sel];
            uint32_t *regs = offset < MMIO_QUEUE_AVAIL_LOW ? q->desc :
                             offset < MMIO_QUEUE_USED_LOW ? q->avail : q->used;
            return regs[(offset >> 2) & 1];
        }
        return 0;
    default:
        qemu_log_mask(LOG_GUEST_ERROR, "virtio-mmio: read of write-only or "
                      "unknown register 0x%" PRIx64 "\n", offset);
        return 0;
    }
}

static void mmio_reset_transport(VirtIOMMIOProxy *proxy)
{
    proxy->host_features_sel = proxy->guest_features_sel = 0;
    proxy->guest_features[0] = proxy->guest_features[1] = 0;
    proxy->queue_sel = 0;
    memset(proxy->vqs, 0, sizeof(proxy->vqs));
}

static void mmio_write(void *opaque, hwaddr offset, uint64_t value,
                       unsigned size)
{
    VirtIOMMIOProxy *proxy = opaque;
    VirtIODevice *vdev = proxy_device(proxy);
    VirtIOMMIOQueue *q;

    if (!vdev) {
        return;
    }
    if (offset >= MMIO_CONFIG) {
        virtio_config_write(vdev, offset - MMIO_CONFIG, value, size);
        return;
    }
    if (size != 4) {
        qemu_log_mask(LOG_GUEST_ERROR, "virtio-mmio: wrong size access to "
                      "register 0x%" PRIx64 "\n", offset);
        return;
    }
    q = proxy->queue_sel < VIRTIO_QUEUE_MAX ? &proxy->vqs[proxy->queue_sel]
                                            : NULL;
    switch (offset) {
    case MMIO_DEVICE_FEATURES_SEL:
        proxy->host_features_sel = value;
        break;
    case MMIO_DRIVER_FEATURES:
        if (proxy->guest_features_sel < 2) {
            proxy->guest_features[proxy->guest_features_sel] = value;
        }
        break;
    case MMIO_DRIVER_FEATURES_SEL:
        proxy->guest_features_sel = value;
        break;
    case MMIO_QUEUE_SEL:
        proxy->queue_sel = value;
        break;
    case MMIO_QUEUE_NUM:
        if (q && value && value <= vdev->queue_max[proxy->queue_sel] &&
            !(value & (value - 1))) {
            q->num = value;
            vdev->vq[proxy->queue_sel].num = value;
        }
        break;
    case MMIO_QUEUE_READY:
        if (q && proxy->queue_sel < (uint32_t)vdev->nvq) {
            q->ready = value & 1;
            virtio_queue_set_ready(vdev, proxy->queue_sel,
                                   ((uint64_t)q->desc[1] << 32) | q->desc[0],
                                   ((uint64_t)q->avail[1] << 32) | q->avail[0],
                                   ((uint64_t)q->used[1] << 32) | q->used[0],
                                   q->ready);
        }
        break;
    case MMIO_QUEUE_NOTIFY:
        virtio_queue_notify(vdev, value & 0xffff);
        break;
    case MMIO_INTERRUPT_ACK:
        __atomic_and_fetch(&vdev->isr, ~value, __ATOMIC_SEQ_CST);
        update_irq(proxy);
        break;
    case MMIO_STATUS:
        if (value == 0) {
            virtio_reset(vdev);
            mmio_reset_transport(proxy);
            update_irq(proxy);
            break;
        }
        /* Version 2 transports are modern only. */
        virtio_driver_write_status(vdev, value,
                                   ((uint64_t)proxy->guest_features[1] << 32) |
                                   proxy->guest_features[0]);
        break;
    case MMIO_QUEUE_DESC_LOW ... MMIO_QUEUE_USED_HIGH:
        if (q && !q->ready) {
            uint32_t *regs = offset < MMIO_QUEUE_AVAIL_LOW ? q->desc :
                             offset < MMIO_QUEUE_USED_LOW ? q->avail : q->used;
            regs[(offset >> 2) & 1] = value;
        }
        break;
    default:
        qemu_log_mask(LOG_GUEST_ERROR, "virtio-mmio: write to read-only or "
                      "unknown register 0x%" PRIx64 "\n", offset);
        break;
    }
}

static const MemoryRegionOps mmio_ops = {
    .read = mmio_read,
    .write = mmio_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
};

static void virtio_mmio_reset(DeviceState *d)
{
    VirtIOMMIOProxy *proxy = VIRTIO_MMIO(d);
    VirtIODevice *vdev = proxy_device(proxy);

    if (vdev) {
        virtio_reset(vdev);
    }
    mmio_reset_transport(proxy);
}

static void virtio_mmio_init(Object *obj)
{
    VirtIOMMIOProxy *proxy = VIRTIO_MMIO(obj);

    memory_region_init_io(&proxy->iomem, obj, &mmio_ops, proxy,
                          TYPE_VIRTIO_MMIO, 0x200);
    sysbus_init_mmio(SYS_BUS_DEVICE(obj), &proxy->iomem);
    sysbus_init_irq(SYS_BUS_DEVICE(obj), &proxy->irq);
}

static void virtio_mmio_realize(DeviceState *d, Error **errp)
{
    VirtIOMMIOProxy *proxy = VIRTIO_MMIO(d);

    qbus_init(&proxy->bus, sizeof(proxy->bus), TYPE_VIRTIO_MMIO_BUS, d,
              NULL);
    proxy->bus.notify = mmio_notify;
}

static const VMStateDescription vmstate_virtio_mmio_queue = {
    .name = "virtio_mmio/queue_state",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT16(num, VirtIOMMIOQueue),
        VMSTATE_BOOL(ready, VirtIOMMIOQueue),
        VMSTATE_UINT32_ARRAY(desc, VirtIOMMIOQueue, 2),
        VMSTATE_UINT32_ARRAY(avail, VirtIOMMIOQueue, 2),
        VMSTATE_UINT32_ARRAY(used, VirtIOMMIOQueue, 2),
        VMSTATE_END_OF_LIST()
    }
};

static const VMStateDescription vmstate_virtio_mmio = {
    .name = "virtio_mmio",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(host_features_sel, VirtIOMMIOProxy),
        VMSTATE_UINT32(guest_features_sel, VirtIOMMIOProxy),
        VMSTATE_UINT32_ARRAY(guest_features, VirtIOMMIOProxy, 2),
        VMSTATE_UINT32(queue_sel, VirtIOMMIOProxy),
        VMSTATE_STRUCT_ARRAY(vqs, VirtIOMMIOProxy, VIRTIO_QUEUE_MAX, 1,
                             vmstate_virtio_mmio_queue, VirtIOMMIOQueue),
        VMSTATE_END_OF_LIST()
    }
};

static Property virtio_mmio_properties[] = {
    DEFINE_PROP_BOOL("format_transport_address", VirtIOMMIOProxy,
                     format_transport_address, true),
    DEFINE_PROP_END_OF_LIST(),
};

static void virtio_mmio_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->realize = virtio_mmio_realize;
    device_class_set_legacy_reset(dc, virtio_mmio_reset);
    dc->vmsd = &vmstate_virtio_mmio;
    device_class_set_props(dc, virtio_mmio_properties);
}

static const TypeInfo virtio_mmio_types[] = {
    {
        .name = TYPE_VIRTIO_MMIO,
        .parent = TYPE_SYS_BUS_DEVICE,
        .instance_size = sizeof(VirtIOMMIOProxy),
        .instance_init = virtio_mmio_init,
        .class_init = virtio_mmio_class_init,
    }, {
        .name = TYPE_VIRTIO_MMIO_BUS,
        .parent = TYPE_VIRTIO_BUS,
        .instance_size = sizeof(VirtioBusState),
    },
};

DEFINE_TYPES(virtio_mmio_types)
