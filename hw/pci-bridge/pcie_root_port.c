/*
 * "pcie-root-port": the generic PCI Express root port libvirt builds its
 * PCIe topology from (one endpoint at slot 0 of each port's bus).  A PCIe
 * capability describes a root port with a slot; presence and link state
 * follow whether a device sits behind it.  The slot has no hotplug
 * controller, so devices are cold-plugged only.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "hw/pci/pci.h"
#include "hw/qdev-properties.h"
#include "migration/vmstate.h"

#define TYPE_PCIE_ROOT_PORT "pcie-root-port"
#define PCI_DEVICE_ID_REDHAT_PCIE_RP 0x000c

/* PCI Express capability (version 2), offsets inside it. */
#define EXP_FLAGS       0x02
#define  EXP_TYPE_ROOT_PORT     (4 << 4)
#define  EXP_FLAGS_SLOT         0x0100
#define EXP_DEVCAP      0x04
#define  EXP_DEVCAP_RBER        0x8000
#define EXP_DEVCTL      0x08
#define EXP_DEVSTA      0x0a
#define EXP_LNKCAP      0x0c
#define  EXP_LNKCAP_DLLLARC     0x00100000
#define EXP_LNKCTL      0x10
#define EXP_LNKSTA      0x12
#define  EXP_LNKSTA_DLLLA       0x2000
#define EXP_SLTCAP      0x14
#define EXP_SLTCTL      0x18
#define EXP_SLTSTA      0x1a
#define  EXP_SLTSTA_PDS         0x0040
#define EXP_RTCTL       0x1c
#define EXP_RTSTA       0x20
#define EXP_DEVCTL2     0x28
#define EXP_LNKCAP2     0x2c
#define EXP_LNKCTL2     0x30
#define EXP_SIZEOF      0x3c
#define LINK_2_5GT      1
#define LINK_X1         (1 << 4)

typedef struct PCIERootPort {
    PCIBridge parent_obj;
    uint8_t port;
    uint8_t chassis;
    uint16_t slot;
    uint8_t exp_cap;            /* offset of the PCIe capability */
} PCIERootPort;

DECLARE_INSTANCE_CHECKER(PCIERootPort, PCIE_ROOT_PORT, TYPE_PCIE_ROOT_PORT)

static void init_exp_cap(PCIERootPort *rp)
{
    PCIDevice *dev = PCI_DEVICE(rp);
    uint8_t cap = pci_add_capability(dev, PCI_CAP_ID_EXP, EXP_SIZEOF);
    uint8_t *c = dev->config + cap, *w = dev->wmask + cap,
            *w1c = dev->w1cmask + cap;

    rp->exp_cap = cap;
    pci_set_word(c + EXP_FLAGS, 2 | EXP_TYPE_ROOT_PORT | EXP_FLAGS_SLOT);
    pci_set_long(c + EXP_DEVCAP, EXP_DEVCAP_RBER);
    pci_set_long(c + EXP_LNKCAP, LINK_2_5GT | LINK_X1 | EXP_LNKCAP_DLLLARC |
                 ((uint32_t)rp->port << 24));
    pci_set_word(c + EXP_LNKSTA, LINK_2_5GT | LINK_X1);
    pci_set_long(c + EXP_SLTCAP, (uint32_t)rp->slot << 19);
    pci_set_long(c + EXP_LNKCAP2, 1 << LINK_2_5GT);  /* speeds supported */
    pci_set_word(c + EXP_LNKCTL2, LINK_2_5GT);
    pci_set_word(w + EXP_DEVCTL, 0x7fff);
    pci_set_word(w1c + EXP_DEVSTA, 0x000f);
    pci_set_word(w + EXP_LNKCTL, 0x0fff);
    pci_set_word(w + EXP_SLTCTL, 0x1fff);
    pci_set_word(w1c + EXP_SLTSTA, 0x011f);
    pci_set_word(w + EXP_RTCTL, 0x001f);
    pci_set_long(w1c + EXP_RTSTA, 0x00010000);
    pci_set_word(w + EXP_DEVCTL2, 0xffff);
    pci_set_word(w + EXP_LNKCTL2, 0xffff);
}

/* Presence and link state are whether a device sits at slot 0 behind. */
static uint32_t root_port_config_read(PCIDevice *dev, uint32_t addr, int len)
{
    PCIERootPort *rp = PCIE_ROOT_PORT(dev);
    bool present = PCI_BRIDGE(dev)->sec_bus->devices[0] != NULL;
    uint8_t *c = dev->config + rp->exp_cap;
    uint16_t lnksta = pci_get_word(c + EXP_LNKSTA) & ~EXP_LNKSTA_DLLLA;
    uint16_t sltsta = pci_get_word(c + EXP_SLTSTA) & ~EXP_SLTSTA_PDS;

    pci_set_word(c + EXP_LNKSTA, lnksta | (present ? EXP_LNKSTA_DLLLA : 0));
    pci_set_word(c + EXP_SLTSTA, sltsta | (present ? EXP_SLTSTA_PDS : 0));
    return pci_default_read_config(dev, addr, len);
}

static void root_port_realize(PCIDevice *dev, Error **errp)
{
    PCIERootPort *rp = PCIE_ROOT_PORT(dev);

    pci_bridge_initfn(dev, TYPE_PCIE_BUS);
    dev->config[PCI_INTERRUPT_PIN] = 1;
    init_exp_cap(rp);
}

static void root_port_reset(DeviceState *d)
{
    pci_bridge_reset(PCI_DEVICE(d));
}

static Property root_port_properties[] = {
    DEFINE_PROP_UINT8("port", PCIERootPort, port, 0),
    DEFINE_PROP_UINT8("chassis", PCIERootPort, chassis, 0),
    DEFINE_PROP_UINT16("slot", PCIERootPort, slot, 0),
    DEFINE_PROP_END_OF_LIST(),
};

static const VMStateDescription vmstate_root_port = {
    .name = "rp",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_STRUCT(parent_obj.parent_obj, PCIERootPort, 0,
                       vmstate_pci_device, PCIDevice),
        VMSTATE_END_OF_LIST()
    }
};

static void root_port_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *pc = PCI_DEVICE_CLASS(klass);

    dc->desc = "PCI Express Root Port";
    dc->bus_type = TYPE_PCIE_BUS;
    dc->vmsd = &vmstate_root_port;
    device_class_set_props(dc, root_port_properties);
    device_class_set_legacy_reset(dc, root_port_reset);
    set_bit_category(dc, DEVICE_CATEGORY_BRIDGE);
    pc->realize = root_port_realize;
    pc->config_read = root_port_config_read;
    pc->vendor_id = PCI_VENDOR_ID_REDHAT;
    pc->device_id = PCI_DEVICE_ID_REDHAT_PCIE_RP;
    pc->class_id = PCI_CLASS_BRIDGE_PCI;
    pc->is_express = true;
}

static const TypeInfo root_port_info = {
    .name = TYPE_PCIE_ROOT_PORT,
    .parent = TYPE_PCI_BRIDGE,
    .instance_size = sizeof(PCIERootPort),
    .class_init = root_port_class_init,
};

static void root_port_register_types(void)
{
    type_register_static(&root_port_info);
}

type_init(root_port_register_types)
