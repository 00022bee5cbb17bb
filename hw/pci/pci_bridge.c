/*
 * PCI-to-PCI bridges (see hw/pci/pci.h): the type 1 header with its
 * writable bus numbers and windows, and the secondary bus behind it.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "hw/pci/pci.h"

/* Bus numbers and windows as after reset (closed windows, their types). */
static void pci_bridge_clear_windows(uint8_t *c)
{
    c[PCI_PRIMARY_BUS] = c[PCI_SECONDARY_BUS] = 0;
    c[PCI_SUBORDINATE_BUS] = c[PCI_SEC_LATENCY_TIMER] = 0;
    /* 32-bit I/O and 64-bit prefetchable windows (the type nibbles). */
    c[PCI_IO_BASE] = c[PCI_IO_LIMIT] = 0x01;
    pci_set_word(c + PCI_MEMORY_BASE, 0);
    pci_set_word(c + PCI_MEMORY_LIMIT, 0);
    pci_set_word(c + PCI_PREF_MEMORY_BASE, 0x0001);
    pci_set_word(c + PCI_PREF_MEMORY_LIMIT, 0x0001);
    pci_set_long(c + PCI_PREF_BASE_UPPER32, 0);
    pci_set_long(c + PCI_PREF_LIMIT_UPPER32, 0);
    pci_set_long(c + PCI_IO_BASE_UPPER16, 0);
    pci_set_word(c + PCI_BRIDGE_CONTROL, 0);
}

static void pci_bridge_init_header(PCIDevice *dev)
{
    uint8_t *c = dev->config, *w = dev->wmask;

    c[PCI_HEADER_TYPE] = (c[PCI_HEADER_TYPE] &
                          PCI_HEADER_TYPE_MULTI_FUNCTION) |
                         PCI_HEADER_TYPE_BRIDGE;
    pci_bridge_clear_windows(c);
    w[PCI_PRIMARY_BUS] = w[PCI_SECONDARY_BUS] = 0xff;
    w[PCI_SUBORDINATE_BUS] = w[PCI_SEC_LATENCY_TIMER] = 0xff;
    w[PCI_IO_BASE] = w[PCI_IO_LIMIT] = 0xf0;
    pci_set_word(w + PCI_MEMORY_BASE, 0xfff0);
    pci_set_word(w + PCI_MEMORY_LIMIT, 0xfff0);
    pci_set_word(w + PCI_PREF_MEMORY_BASE, 0xfff0);
    pci_set_word(w + PCI_PREF_MEMORY_LIMIT, 0xfff0);
    pci_set_long(w + PCI_PREF_BASE_UPPER32, UINT32_MAX);
    pci_set_long(w + PCI_PREF_LIMIT_UPPER32, UINT32_MAX);
    pci_set_word(w + PCI_IO_BASE_UPPER16, 0xffff);
    pci_set_word(w + PCI_IO_LIMIT_UPPER16, 0xffff);
    pci_set_word(w + PCI_BRIDGE_CONTROL, 0x0fff);
    pci_set_word(dev->w1cmask + PCI_SEC_STATUS, 0xf900);
    pci_set_word(c + PCI_CLASS_DEVICE, PCI_CLASS_BRIDGE_PCI);
}

/* Called by bridge models from their realize, before their own parts. */
void pci_bridge_initfn(PCIDevice *dev, const char *bus_type)
{
    PCIBridge *br = PCI_BRIDGE(dev);
    PCIBus *parent = pci_get_bus(dev);
    DeviceState *d = DEVICE(dev);

    pci_bridge_init_header(dev);
    br->sec_bus = PCI_BUS(qbus_new(bus_type, d, d->id));
    br->sec_bus->address_space_mem = parent->address_space_mem;
    br->sec_bus->address_space_io = parent->address_space_io;
    br->sec_bus->map_irq = pci_swizzle_map_irq;
}

/* The header part of a bridge reset: bus numbers and windows cleared. */
void pci_bridge_reset(PCIDevice *dev)
{
    pci_device_reset(dev);
    pci_bridge_clear_windows(dev->config);
}

static const TypeInfo pci_bridge_info = {
    .name = TYPE_PCI_BRIDGE,
    .parent = TYPE_PCI_DEVICE,
    .instance_size = sizeof(PCIBridge),
    .abstract = true,
};

static void pci_bridge_register_types(void)
{
    type_register_static(&pci_bridge_info);
}

type_init(pci_bridge_register_types)
