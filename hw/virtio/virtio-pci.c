/*
 * The virtio PCI transport, modern interface (virtio 1.x section 4.1):
 * vendor capabilities point into BAR 4, which holds the common
 * configuration, the ISR byte, the device configuration and the queue
 * notification area, 4 KiB each; interrupts are INTx (the virt board has
 * no MSI controller, so no MSI-X table is offered).
 *
 * Each "virtio-X-pci" device is this transport with a "virtio-X-device"
 * child named "virtio-backend" on its own virtio bus, whose properties
 * the proxy exposes as its own, as in QEMU.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "vireo/log.h"
#include "hw/pci/pci.h"
#include "hw/virtio/virtio.h"
#include "migration/vmstate.h"

#define TYPE_VIRTIO_PCI "virtio-pci"
#define TYPE_VIRTIO_PCI_BUS "virtio-pci-bus"

#define VIRTIO_PCI_DEVICE_ID_MODERN_BASE 0x1040
#define PCI_SUBDEVICE_ID_QEMU 0x1100
#define VIRTIO_MSI_NO_VECTOR 0xffff

/* virtio_pci_cap.cfg_type */
enum {
    VIRTIO_PCI_CAP_COMMON_CFG = 1, VIRTIO_PCI_CAP_NOTIFY_CFG = 2,
    VIRTIO_PCI_CAP_ISR_CFG = 3, VIRTIO_PCI_CAP_DEVICE_CFG = 4,
    VIRTIO_PCI_CAP_PCI_CFG = 5,
};

/* struct virtio_pci_cap and its notify/pci-cfg extensions. */
#define CAP_CFG_TYPE 3
#define CAP_BAR 4
#define CAP_OFFSET 8
#define CAP_LENGTH 12
#define CAP_NOTIFY_MULTIPLIER 16
#define CAP_PCI_CFG_DATA 16

/* Common configuration structure (virtio_pci_common_cfg). */
enum {
    COMMON_DFSELECT = 0, COMMON_DF = 4, COMMON_GFSELECT = 8, COMMON_GF = 12,
    COMMON_MSIX = 16, COMMON_NUMQ = 18, COMMON_STATUS = 20,
    COMMON_CFGGENERATION = 21, COMMON_Q_SELECT = 22, COMMON_Q_SIZE = 24,
    COMMON_Q_MSIX = 26, COMMON_Q_ENABLE = 28, COMMON_Q_NOFF = 30,
    COMMON_Q_DESCLO = 32, COMMON_Q_DESCHI = 36, COMMON_Q_AVAILLO = 40,
    COMMON_Q_AVAILHI = 44, COMMON_Q_USEDLO = 48, COMMON_Q_USEDHI = 52,
    COMMON_END = 56,
};

/* BAR 4 layout. */
#define MODERN_BAR 4
#define REGION_SIZE 0x1000
#define NOTIFY_MULTIPLIER 4
enum { REGION_COMMON, REGION_ISR, REGION_DEVICE, REGION_NOTIFY, NR_REGIONS };

typedef struct VirtIOPCIQueue {
    uint16_t num;
    bool enabled;
    uint32_t desc[2], avail[2], used[2];
} VirtIOPCIQueue;

typedef struct VirtIOPCIProxy {
    PCIDevice parent_obj;
    MemoryRegion bar;
    MemoryRegion regions[NR_REGIONS];
    VirtioBusState bus;
    VirtIODevice *vdev;             /* the "virtio-backend" child */
    uint32_t dfselect, gfselect;
    uint32_t guest_features[2];
    uint16_t queue_sel;
    VirtIOPCIQueue vqs[VIRTIO_QUEUE_MAX];
    uint8_t pci_cfg_cap;            /* offset of the PCI_CFG capability */
} VirtIOPCIProxy;

/* What distinguishes one virtio-X-pci type from another. */
typedef struct VirtIOPCIModel {
    const char *name;
    const char *backend;
    uint16_t class_id;
} VirtIOPCIModel;

typedef struct VirtIOPCIClass {
    PCIDeviceClass parent_class;
    const VirtIOPCIModel *model;    /* NULL for the abstract base */
} VirtIOPCIClass;

DECLARE_OBJ_CHECKERS(VirtIOPCIProxy, VirtIOPCIClass, VIRTIO_PCI,
                     TYPE_VIRTIO_PCI)

static void update_irq(VirtIOPCIProxy *proxy)
{
    pci_set_irq(&proxy->parent_obj,
                __atomic_load_n(&proxy->vdev->isr, __ATOMIC_SEQ_CST) != 0);
}

static void virtio_pci_notify(DeviceState *transport, uint16_t vector)
{
    update_irq(VIRTIO_PCI(transport));
}

static void reset_transport(VirtIOPCIProxy *proxy)
{
    proxy->dfselect = proxy->gfselect = 0;
    proxy->guest_features[0] = proxy->guest_features[1] = 0;
    proxy->queue_sel = 0;
    memset(proxy->vqs, 0, sizeof(proxy->vqs));
}

/* ---- Common configuration ---- */

static uint32_t *queue_addr_word(VirtIOPCIQueue *q, hwaddr offset)
{
    uint32_t *regs = offset < COMMON_Q_AVAILLO ? q->desc :
                     offset < COMMON_Q_USEDLO ? q->avail : q->used;

    return &regs[(offset >> 2) & 1];
}

static uint64_t common_read(void *opaque, hwaddr offset, unsigned size)
{
    VirtIOPCIProxy *proxy = opaque;
    VirtIODevice *vdev = proxy->vdev;
    bool valid_q = proxy->queue_sel < vdev->nvq;
    VirtIOPCIQueue *q = &proxy->vqs[proxy->queue_sel];

    switch (offset) {
    case COMMON_DFSELECT:
        return proxy->dfselect;
    case COMMON_DF:
        return proxy->dfselect < 2 ?
               (uint32_t)(vdev->host_features >> (32 * proxy->dfselect)) : 0;
    case COMMON_GFSELECT:
        return proxy->gfselect;
    case COMMON_GF:
        return proxy->gfselect < 2 ? proxy->guest_features[proxy->gfselect]
                                   : 0;
    case COMMON_MSIX:
    case COMMON_Q_MSIX:
        return VIRTIO_MSI_NO_VECTOR;
    case COMMON_NUMQ:
        return vdev->nvq;
    case COMMON_STATUS:
        return vdev->status;
    case COMMON_CFGGENERATION:
        return vdev->generation & 0xff;
    case COMMON_Q_SELECT:
        return proxy->queue_sel;
    case COMMON_Q_SIZE:
        return valid_q ? q->num : 0;
    case COMMON_Q_ENABLE:
        return valid_q && q->enabled;
    case COMMON_Q_NOFF:
        return proxy->queue_sel;    /* notify_off = queue index */
    case COMMON_Q_DESCLO ... COMMON_Q_USEDHI:
        return valid_q ? *queue_addr_word(q, offset) : 0;
    default:
        return 0;
    }
}

static void common_write(void *opaque, hwaddr offset, uint64_t val,
                         unsigned size)
{
    VirtIOPCIProxy *proxy = opaque;
    VirtIODevice *vdev = proxy->vdev;
    bool valid_q = proxy->queue_sel < vdev->nvq;
    VirtIOPCIQueue *q = &proxy->vqs[proxy->queue_sel];

    switch (offset) {
    case COMMON_DFSELECT:
        proxy->dfselect = val;
        break;
    case COMMON_GFSELECT:
        proxy->gfselect = val;
        break;
    case COMMON_GF:
        if (proxy->gfselect < 2) {
            proxy->guest_features[proxy->gfselect] = val;
        }
        break;
    case COMMON_STATUS:
        if (!(val & 0xff)) {
            virtio_reset(vdev);
            reset_transport(proxy);
            for (int i = 0; i < vdev->nvq; i++) {
                proxy->vqs[i].num = vdev->queue_max[i];
            }
            update_irq(proxy);
            break;
        }
        virtio_driver_write_status(vdev, val,
                                   ((uint64_t)proxy->guest_features[1] << 32) |
                                   proxy->guest_features[0]);
        break;
    case COMMON_Q_SELECT:
        if (val < VIRTIO_QUEUE_MAX) {
            proxy->queue_sel = val;
        }
        break;
    case COMMON_Q_SIZE:
        if (valid_q && !q->enabled && val && val <= vdev->queue_max[
                proxy->queue_sel] && !(val & (val - 1))) {
            q->num = val;
            vdev->vq[proxy->queue_sel].num = val;
        }
        break;
    case COMMON_Q_ENABLE:
        if (valid_q && (val & 1) && !q->enabled) {
            q->enabled = true;
            virtio_queue_set_ready(vdev, proxy->queue_sel,
                                   ((uint64_t)q->desc[1] << 32) | q->desc[0],
                                   ((uint64_t)q->avail[1] << 32) | q->avail[0],
                                   ((uint64_t)q->used[1] << 32) | q->used[0],
                                   true);
        }
        break;
    case COMMON_Q_DESCLO ... COMMON_Q_USEDHI:
        if (valid_q && !q->enabled) {
            *queue_addr_word(q, offset) = val;
        }
        break;
    case COMMON_MSIX:
    case COMMON_Q_MSIX:
        break;          /* no MSI-X: reads keep saying NO_VECTOR */
    default:
        qemu_log_mask(LOG_GUEST_ERROR, "virtio-pci: write to read-only "
                      "common config field 0x%" PRIx64 "\n", offset);
        break;
    }
}

/* ---- ISR, device configuration, notifications ---- */

static uint64_t isr_read(void *opaque, hwaddr offset, unsigned size)
{
    VirtIOPCIProxy *proxy = opaque;
    uint8_t isr;

    if (offset) {
        return 0;
    }
    /* Reading the ISR acknowledges it. */
    isr = __atomic_exchange_n(&proxy->vdev->isr, 0, __ATOMIC_SEQ_CST);
    pci_set_irq(&proxy->parent_obj, 0);
    return isr;
}

static void ignore_write(void *opaque, hwaddr offset, uint64_t val,
                         unsigned size)
{
}

static uint64_t device_read(void *opaque, hwaddr offset, unsigned size)
{
    VirtIOPCIProxy *proxy = opaque;

    return virtio_config_read(proxy->vdev, offset, size);
}

static void device_write(void *opaque, hwaddr offset, uint64_t val,
                         unsigned size)
{
    VirtIOPCIProxy *proxy = opaque;

    virtio_config_write(proxy->vdev, offset, val, size);
}

static uint64_t notify_read(void *opaque, hwaddr offset, unsigned size)
{
    return 0;
}

static void notify_write(void *opaque, hwaddr offset, uint64_t val,
                         unsigned size)
{
    VirtIOPCIProxy *proxy = opaque;

    virtio_queue_notify(proxy->vdev, offset / NOTIFY_MULTIPLIER);
}

#define REGION_OPS(rd, wr) { \
        .read = rd, .write = wr, .endianness = DEVICE_LITTLE_ENDIAN, \
        .valid = { .min_access_size = 1, .max_access_size = 4 }, \
        .impl = { .min_access_size = 1, .max_access_size = 4 }, \
    }

static const MemoryRegionOps region_ops[NR_REGIONS] = {
    [REGION_COMMON] = REGION_OPS(common_read, common_write),
    [REGION_ISR] = REGION_OPS(isr_read, ignore_write),
    [REGION_DEVICE] = REGION_OPS(device_read, device_write),
    [REGION_NOTIFY] = REGION_OPS(notify_read, notify_write),
};

/* ---- Capabilities and the PCI_CFG access window ---- */

static uint8_t add_virtio_cap(PCIDevice *dev, uint8_t type, uint32_t offset,
                              uint32_t length, uint8_t cap_len)
{
    uint8_t cap = pci_add_capability(dev, PCI_CAP_ID_VNDR, cap_len);

    dev->config[cap + 2] = cap_len;
    dev->config[cap + CAP_CFG_TYPE] = type;
    dev->config[cap + CAP_BAR] = MODERN_BAR;
    pci_set_long(dev->config + cap + CAP_OFFSET, offset);
    pci_set_long(dev->config + cap + CAP_LENGTH, length);
    return cap;
}

/*
 * The PCI_CFG capability lets a driver reach BAR 4 through configuration
 * space: it names bar/offset/length, then reads or writes pci_cfg_data.
 */
static bool pci_cfg_window(VirtIOPCIProxy *proxy, MemoryRegion **mr,
                           hwaddr *offset, unsigned *len)
{
    uint8_t *cap = proxy->parent_obj.config + proxy->pci_cfg_cap;
    uint32_t off = pci_get_long(cap + CAP_OFFSET);

    *len = pci_get_long(cap + CAP_LENGTH);
    if (cap[CAP_BAR] != MODERN_BAR || (*len != 1 && *len != 2 && *len != 4) ||
        off % *len || off >= NR_REGIONS * REGION_SIZE) {
        return false;
    }
    *mr = &proxy->regions[off / REGION_SIZE];
    *offset = off % REGION_SIZE;
    return true;
}

static bool touches_cfg_data(VirtIOPCIProxy *proxy, uint32_t addr, int len)
{
    uint32_t data = proxy->pci_cfg_cap + CAP_PCI_CFG_DATA;

    return addr < data + 4 && data < addr + len;
}

static uint32_t virtio_pci_config_read(PCIDevice *dev, uint32_t addr,
                                       int len)
{
    VirtIOPCIProxy *proxy = VIRTIO_PCI(dev);
    MemoryRegion *mr;
    hwaddr off;
    unsigned wlen;

    if (touches_cfg_data(proxy, addr, len) &&
        pci_cfg_window(proxy, &mr, &off, &wlen)) {
        uint64_t v = 0;

        memory_region_dispatch_read(mr, off, &v, wlen,
                                    MEMTXATTRS_UNSPECIFIED);
        pci_set_long(dev->config + proxy->pci_cfg_cap + CAP_PCI_CFG_DATA, v);
    }
    return pci_default_read_config(dev, addr, len);
}

static void virtio_pci_config_write(PCIDevice *dev, uint32_t addr,
                                    uint32_t val, int len)
{
    VirtIOPCIProxy *proxy = VIRTIO_PCI(dev);
    MemoryRegion *mr;
    hwaddr off;
    unsigned wlen;

    pci_default_write_config(dev, addr, val, len);
    if (touches_cfg_data(proxy, addr, len) &&
        pci_cfg_window(proxy, &mr, &off, &wlen)) {
        uint32_t data = pci_get_long(dev->config + proxy->pci_cfg_cap +
                                     CAP_PCI_CFG_DATA);

        memory_region_dispatch_write(mr, off, data, wlen,
                                     MEMTXATTRS_UNSPECIFIED);
    }
}

/* ---- The device ---- */

static void virtio_pci_realize(PCIDevice *dev, Error **errp)
{
    VirtIOPCIProxy *proxy = VIRTIO_PCI(dev);
    const VirtIOPCIModel *model = VIRTIO_PCI_GET_CLASS(dev)->model;
    VirtIODevice *vdev = proxy->vdev;
    static const char *const names[NR_REGIONS] = {
        "virtio-pci-common", "virtio-pci-isr", "virtio-pci-device",
        "virtio-pci-notify",
    };
    uint8_t cap;

    qbus_init(&proxy->bus, sizeof(proxy->bus), TYPE_VIRTIO_PCI_BUS,
              DEVICE(dev), NULL);
    proxy->bus.notify = virtio_pci_notify;
    if (!qdev_realize(DEVICE(vdev), BUS(&proxy->bus), errp)) {
        return;
    }
    pci_set_word(dev->config + PCI_VENDOR_ID, PCI_VENDOR_ID_REDHAT_QUMRANET);
    pci_set_word(dev->config + PCI_DEVICE_ID,
                 VIRTIO_PCI_DEVICE_ID_MODERN_BASE + vdev->device_id);
    dev->config[PCI_REVISION_ID] = 1;
    pci_set_word(dev->config + PCI_CLASS_DEVICE, model->class_id);
    pci_set_word(dev->config + PCI_SUBSYSTEM_VENDOR_ID,
                 PCI_VENDOR_ID_REDHAT_QUMRANET);
    pci_set_word(dev->config + PCI_SUBSYSTEM_ID, PCI_SUBDEVICE_ID_QEMU);
    dev->config[PCI_INTERRUPT_PIN] = 1;         /* INTA */

    memory_region_init(&proxy->bar, OBJECT(dev), "virtio-pci",
                       NR_REGIONS * REGION_SIZE);
    for (int i = 0; i < NR_REGIONS; i++) {
        memory_region_init_io(&proxy->regions[i], OBJECT(dev), &region_ops[i],
                              proxy, names[i], REGION_SIZE);
        memory_region_add_subregion(&proxy->bar, i * REGION_SIZE,
                                    &proxy->regions[i]);
    }
    pci_register_bar(dev, MODERN_BAR, PCI_BASE_ADDRESS_MEM_TYPE_64 |
                     PCI_BASE_ADDRESS_MEM_PREFETCH, &proxy->bar);

    add_virtio_cap(dev, VIRTIO_PCI_CAP_COMMON_CFG,
                   REGION_COMMON * REGION_SIZE, COMMON_END, 16);
    add_virtio_cap(dev, VIRTIO_PCI_CAP_ISR_CFG, REGION_ISR * REGION_SIZE,
                   REGION_SIZE, 16);
    add_virtio_cap(dev, VIRTIO_PCI_CAP_DEVICE_CFG,
                   REGION_DEVICE * REGION_SIZE, REGION_SIZE, 16);
    cap = add_virtio_cap(dev, VIRTIO_PCI_CAP_NOTIFY_CFG,
                         REGION_NOTIFY * REGION_SIZE, REGION_SIZE, 20);
    pci_set_long(dev->config + cap + CAP_NOTIFY_MULTIPLIER,
                 NOTIFY_MULTIPLIER);
    proxy->pci_cfg_cap = add_virtio_cap(dev, VIRTIO_PCI_CAP_PCI_CFG, 0, 0,
                                        20);
    /* The window's bar, offset, length and data are the driver's. */
    memset(dev->wmask + proxy->pci_cfg_cap + CAP_BAR, 0xff, 1);
    memset(dev->wmask + proxy->pci_cfg_cap + CAP_OFFSET, 0xff, 12);
    dev->config[proxy->pci_cfg_cap + CAP_BAR] = 0;
    reset_transport(proxy);
    for (int i = 0; i < vdev->nvq; i++) {
        proxy->vqs[i].num = vdev->queue_max[i];
    }
}

static void virtio_pci_exit(PCIDevice *dev)
{
    VirtIOPCIProxy *proxy = VIRTIO_PCI(dev);

    object_property_set_bool(OBJECT(proxy->vdev), "realized", false, NULL);
}

static void virtio_pci_reset(DeviceState *d)
{
    VirtIOPCIProxy *proxy = VIRTIO_PCI(d);

    pci_device_reset(&proxy->parent_obj);
    virtio_reset(proxy->vdev);
    reset_transport(proxy);
    for (int i = 0; i < proxy->vdev->nvq; i++) {
        proxy->vqs[i].num = proxy->vdev->queue_max[i];
    }
}

/* The backend child and its properties, visible on the proxy. */
static void virtio_pci_instance_init(Object *obj)
{
    VirtIOPCIProxy *proxy = VIRTIO_PCI(obj);
    const VirtIOPCIModel *model = VIRTIO_PCI_GET_CLASS(obj)->model;
    Object *backend;
    ObjectPropertyIterator iter;
    ObjectProperty *prop;

    if (!model) {
        return;         /* the abstract base */
    }
    backend = object_new(model->backend);
    object_property_add_child(obj, "virtio-backend", backend);
    object_unref(backend);
    proxy->vdev = VIRTIO_DEVICE(backend);
    object_property_iter_init(&iter, backend);
    while ((prop = object_property_iter_next(&iter))) {
        if (!object_property_find(obj, prop->name) &&
            !g_str_has_prefix(prop->type, "child<") &&
            !g_str_has_prefix(prop->type, "link<")) {
            object_property_add_alias(obj, prop->name, backend, prop->name);
        }
    }
}

static const VMStateDescription vmstate_virtio_pci_queue = {
    .name = "virtio_pci/queue_state",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT16(num, VirtIOPCIQueue),
        VMSTATE_BOOL(enabled, VirtIOPCIQueue),
        VMSTATE_UINT32_ARRAY(desc, VirtIOPCIQueue, 2),
        VMSTATE_UINT32_ARRAY(avail, VirtIOPCIQueue, 2),
        VMSTATE_UINT32_ARRAY(used, VirtIOPCIQueue, 2),
        VMSTATE_END_OF_LIST()
    }
};

static const VMStateDescription vmstate_virtio_pci = {
    .name = "virtio_pci",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_STRUCT(parent_obj, VirtIOPCIProxy, 0, vmstate_pci_device,
                       PCIDevice),
        VMSTATE_UINT32(dfselect, VirtIOPCIProxy),
        VMSTATE_UINT32(gfselect, VirtIOPCIProxy),
        VMSTATE_UINT32_ARRAY(guest_features, VirtIOPCIProxy, 2),
        VMSTATE_UINT16(queue_sel, VirtIOPCIProxy),
        VMSTATE_STRUCT_ARRAY(vqs, VirtIOPCIProxy, VIRTIO_QUEUE_MAX, 1,
                             vmstate_virtio_pci_queue, VirtIOPCIQueue),
        VMSTATE_END_OF_LIST()
    }
};

static void virtio_pci_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *pc = PCI_DEVICE_CLASS(klass);
    const VirtIOPCIModel *model = data;

    pc->realize = virtio_pci_realize;
    pc->exit = virtio_pci_exit;
    pc->config_read = virtio_pci_config_read;
    pc->config_write = virtio_pci_config_write;
    pc->is_express = true;
    device_class_set_legacy_reset(dc, virtio_pci_reset);
    dc->vmsd = &vmstate_virtio_pci;
    dc->hotpluggable = true;        /* where the bus has a controller */
    if (model) {
        VIRTIO_PCI_CLASS(klass)->model = model;
        dc->desc = model->name;
    }
}

/*
 * Every model is modern-only (as QEMU's on a PCIe bus), so it also exists
 * under QEMU's "-non-transitional" name; the "-transitional" ones would
 * need the legacy interface, which Vireo does not have.
 */
#define MODEL(dev, class_id) \
    { "virtio-" dev "-pci", "virtio-" dev "-device", class_id }, \
    { "virtio-" dev "-pci-non-transitional", "virtio-" dev "-device", \
      class_id }

static const VirtIOPCIModel models[] = {
    MODEL("blk", 0x0100),           /* SCSI storage, as QEMU */
    MODEL("net", 0x0200),           /* Ethernet */
    MODEL("rng", 0x00ff),           /* other */
    MODEL("serial", 0x0780),        /* other communication */
    MODEL("balloon", 0x00ff),
};

static void virtio_pci_register_types(void)
{
    static const TypeInfo base = {
        .name = TYPE_VIRTIO_PCI,
        .parent = TYPE_PCI_DEVICE,
        .instance_size = sizeof(VirtIOPCIProxy),
        .instance_init = virtio_pci_instance_init,
        .abstract = true,
        .class_size = sizeof(VirtIOPCIClass),
        .class_init = virtio_pci_class_init,
    };
    static const TypeInfo bus = {
        .name = TYPE_VIRTIO_PCI_BUS,
        .parent = TYPE_VIRTIO_BUS,
        .instance_size = sizeof(VirtioBusState),
    };

    type_register_static(&base);
    type_register_static(&bus);
    for (size_t i = 0; i < G_N_ELEMENTS(models); i++) {
        TypeInfo info = {
            .name = models[i].name,
            .parent = TYPE_VIRTIO_PCI,
            .class_init = virtio_pci_class_init,
            .class_data = (void *)&models[i],
        };

        type_register_static(&info);
    }
}

type_init(virtio_pci_register_types)
