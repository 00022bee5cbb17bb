/*
 * Generic PCI Express host bridge (see gpex.h): configuration requests
 * arrive through ECAM (bus << 20 | devfn << 12 | register), buses past 0
 * reached through the bridges' bus numbers; the root bus is "pcie.0" with
 * the bridge's own function, "gpex-root", at 00.0.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "hw/pci-host/gpex.h"
#include "hw/qdev-properties.h"
#include "migration/vmstate.h"

#define PCI_DEVICE_ID_REDHAT_PCIE_HOST 0x0008

static uint64_t ecam_read(void *opaque, hwaddr addr, unsigned size)
{
    GPEXHost *s = opaque;
    PCIBus *bus = pci_find_bus_nr(s->bus, addr >> 20);

    /* A bus no bridge leads to reads as absent devices. */
    if (!bus) {
        return size == 4 ? UINT32_MAX : (1ull << (8 * size)) - 1;
    }
    return pci_host_config_read(bus, (addr >> 12) & 0xff, addr & 0xfff,
                                size);
}

static void ecam_write(void *opaque, hwaddr addr, uint64_t val,
                       unsigned size)
{
    GPEXHost *s = opaque;
    PCIBus *bus = pci_find_bus_nr(s->bus, addr >> 20);

    if (bus) {
        pci_host_config_write(bus, (addr >> 12) & 0xff, addr & 0xfff, val,
                              size);
    }
}

static const MemoryRegionOps ecam_ops = {
    .read = ecam_read,
    .write = ecam_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 4 },
};

static void gpex_set_irq(void *opaque, int line, int level)
{
    GPEXHost *s = opaque;

    qemu_set_irq(s->irq[line], level);
}

static void gpex_host_init(Object *obj)
{
    GPEXHost *s = GPEX_HOST(obj);
    SysBusDevice *sbd = SYS_BUS_DEVICE(obj);

    memory_region_init_io(&s->ecam, obj, &ecam_ops, s, "pcie-mmcfg-mmio",
                          PCIE_MMCFG_SIZE_MAX);
    /* PCI addresses equal CPU addresses: the board aliases windows of it. */
    memory_region_init(&s->mmio, obj, "gpex_mmio_window", 1ULL << 40);
    memory_region_init(&s->ioport, obj, "gpex_ioport_window", 0x10000);
    sysbus_init_mmio(sbd, &s->ecam);
    sysbus_init_mmio(sbd, &s->mmio);
    sysbus_init_mmio(sbd, &s->ioport);
    for (int i = 0; i < GPEX_NUM_IRQS; i++) {
        sysbus_init_irq(sbd, &s->irq[i]);
    }
}

static void gpex_host_realize(DeviceState *dev, Error **errp)
{
    GPEXHost *s = GPEX_HOST(dev);
    DeviceState *root;

    s->bus = pci_root_bus_new(dev, "pcie.0", &s->mmio, &s->ioport,
                              pci_swizzle_map_irq, gpex_set_irq, s,
                              TYPE_PCIE_BUS);
    root = qdev_new(TYPE_GPEX_ROOT_DEVICE);
    qdev_prop_set_int32(root, "addr", PCI_DEVFN(0, 0));
    qdev_realize_and_unref(root, BUS(s->bus), errp);
}

static void gpex_host_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->realize = gpex_host_realize;
    dc->fw_name = "pci";
}

static void gpex_root_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *pc = PCI_DEVICE_CLASS(klass);

    dc->desc = "QEMU generic PCIe host bridge";
    dc->user_creatable = false;     /* part of the host bridge */
    dc->vmsd = &vmstate_pci_device;
    pc->vendor_id = PCI_VENDOR_ID_REDHAT;
    pc->device_id = PCI_DEVICE_ID_REDHAT_PCIE_HOST;
    pc->class_id = PCI_CLASS_BRIDGE_HOST;
    pc->is_express = true;
}

static const TypeInfo gpex_types[] = {
    {
        .name = TYPE_GPEX_HOST,
        .parent = TYPE_SYS_BUS_DEVICE,
        .instance_size = sizeof(GPEXHost),
        .instance_init = gpex_host_init,
        .class_init = gpex_host_class_init,
    }, {
        .name = TYPE_GPEX_ROOT_DEVICE,
        .parent = TYPE_PCI_DEVICE,
        .instance_size = sizeof(PCIDevice),
        .class_init = gpex_root_class_init,
    },
};

DEFINE_TYPES(gpex_types)
