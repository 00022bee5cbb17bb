/*
 * "pcie-root-port": the generic PCI Express root port libvirt builds its
 * PCIe topology from (one endpoint at slot 0 of each port's bus).  A PCIe
 * capability describes a root port with a slot; presence and link state
 * follow whether a device sits behind it.
 *
 * The slot is a native PCIe hotplug controller, as QEMU's: device_add
 * sets presence-detect-changed and the guest powers the slot on and scans
 * it; device_del presses the attention button and the device goes when
 * the guest powers the slot off.  Slot events raise the port's INTx.
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
#define  EXP_SLTCAP_ABP         0x00000001  /* attention button */
#define  EXP_SLTCAP_PCP         0x00000002  /* power controller */
#define  EXP_SLTCAP_AIP         0x00000008  /* attention indicator */
#define  EXP_SLTCAP_PIP         0x00000010  /* power indicator */
#define  EXP_SLTCAP_HPC         0x00000040  /* hot-plug capable */
#define  EXP_SLTCAP_NCCS        0x00040000  /* no command completed */
#define EXP_SLTCTL      0x18
#define  EXP_SLTCTL_ABPE        0x0001
#define  EXP_SLTCTL_PDCE        0x0008
#define  EXP_SLTCTL_HPIE        0x0020
#define  EXP_SLTCTL_PIC         0x0300      /* power indicator */
#define  EXP_SLTCTL_PIC_OFF     0x0300
#define  EXP_SLTCTL_PCC         0x0400      /* 1: power off */
#define  EXP_SLTCTL_DLLSCE      0x1000
#define EXP_SLTSTA      0x1a
#define  EXP_SLTSTA_ABP         0x0001
#define  EXP_SLTSTA_PDC         0x0008
#define  EXP_SLTSTA_PDS         0x0040
#define  EXP_SLTSTA_DLLSC       0x0100
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
    pci_set_long(c + EXP_SLTCAP, EXP_SLTCAP_ABP | EXP_SLTCAP_PCP |
                 EXP_SLTCAP_AIP | EXP_SLTCAP_PIP | EXP_SLTCAP_HPC |
                 EXP_SLTCAP_NCCS | ((uint32_t)rp->slot << 19));
    /* Indicators off, power on (PCC clear): cold-plugged devices run. */
    pci_set_word(c + EXP_SLTCTL, EXP_SLTCTL_PIC_OFF | 0x00c0);
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

static uint16_t slot_word(PCIERootPort *rp, int reg)
{
    return pci_get_word(PCI_DEVICE(rp)->config + rp->exp_cap + reg);
}

static void set_slot_word(PCIERootPort *rp, int reg, uint16_t v)
{
    pci_set_word(PCI_DEVICE(rp)->config + rp->exp_cap + reg, v);
}

/* A slot event the guest enabled is pending: interrupt. */
static void hotplug_update_irq(PCIERootPort *rp)
{
    uint16_t ctl = slot_word(rp, EXP_SLTCTL), sta = slot_word(rp, EXP_SLTSTA);
    bool pending = ((sta & EXP_SLTSTA_ABP) && (ctl & EXP_SLTCTL_ABPE)) ||
                   ((sta & EXP_SLTSTA_PDC) && (ctl & EXP_SLTCTL_PDCE)) ||
                   ((sta & EXP_SLTSTA_DLLSC) && (ctl & EXP_SLTCTL_DLLSCE));

    pci_set_irq(PCI_DEVICE(rp), pending && (ctl & EXP_SLTCTL_HPIE));
}

static void hotplug_event(PCIERootPort *rp, uint16_t events)
{
    set_slot_word(rp, EXP_SLTSTA, slot_word(rp, EXP_SLTSTA) | events);
    hotplug_update_irq(rp);
}

static PCIERootPort *port_of_bus(BusState *bus)
{
    return PCIE_ROOT_PORT(bus->parent);
}

static void root_port_plug(BusState *bus, DeviceState *dev, Error **errp)
{
    PCIERootPort *rp = port_of_bus(bus);
    PCIDevice *pdev = PCI_DEVICE(dev);

    if (PCI_SLOT(pdev->devfn)) {
        error_setg(errp, "Unsupported PCI slot %d for standard hotplug "
                   "controller. Valid slots are between 0 and 0.",
                   PCI_SLOT(pdev->devfn));
        return;
    }
    /* The slot is powered as the guest left it: it powers it on. */
    hotplug_event(rp, EXP_SLTSTA_PDC | EXP_SLTSTA_DLLSC);
}

static void root_port_unplug_request(BusState *bus, DeviceState *dev,
                                     Error **errp)
{
    PCIERootPort *rp = port_of_bus(bus);

    dev->pending_deleted_event = true;
    /* Powered off already: nothing for the guest to let go of. */
    if (slot_word(rp, EXP_SLTCTL) & EXP_SLTCTL_PCC) {
        qdev_unplug_done(dev);
        hotplug_event(rp, EXP_SLTSTA_PDC | EXP_SLTSTA_DLLSC);
        return;
    }
    hotplug_event(rp, EXP_SLTSTA_ABP);
}

static const BusHotplug root_port_hotplug = {
    .plug = root_port_plug,
    .unplug_request = root_port_unplug_request,
};

/* The guest wrote slot control: a slot powered off lets its devices go. */
static void root_port_config_write(PCIDevice *dev, uint32_t addr,
                                   uint32_t val, int len)
{
    PCIERootPort *rp = PCIE_ROOT_PORT(dev);
    PCIBus *sec = PCI_BRIDGE(dev)->sec_bus;
    uint16_t old_ctl = slot_word(rp, EXP_SLTCTL);
    uint16_t ctl;

    pci_default_write_config(dev, addr, val, len);
    ctl = slot_word(rp, EXP_SLTCTL);
    if (!(old_ctl & EXP_SLTCTL_PCC) && (ctl & EXP_SLTCTL_PCC) &&
        (ctl & EXP_SLTCTL_PIC) == EXP_SLTCTL_PIC_OFF) {
        bool removed = false;

        for (int devfn = 0; devfn < 256; devfn++) {
            PCIDevice *d = sec->devices[devfn];

            if (d && DEVICE(d)->pending_deleted_event) {
                qdev_unplug_done(DEVICE(d));
                removed = true;
            }
        }
        if (removed) {
            hotplug_event(rp, EXP_SLTSTA_PDC | EXP_SLTSTA_DLLSC);
        }
    }
    hotplug_update_irq(rp);
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
    BUS(PCI_BRIDGE(dev)->sec_bus)->hotplug = &root_port_hotplug;
    dev->config[PCI_INTERRUPT_PIN] = 1;
    init_exp_cap(rp);
}

static void root_port_reset(DeviceState *d)
{
    PCIERootPort *rp = PCIE_ROOT_PORT(d);
    PCIBus *sec = PCI_BRIDGE(d)->sec_bus;

    /* A reset ends any unplug the guest was asked for, as in QEMU. */
    for (int devfn = 0; devfn < 256; devfn++) {
        PCIDevice *dev = sec->devices[devfn];

        if (dev && DEVICE(dev)->pending_deleted_event) {
            qdev_unplug_done(DEVICE(dev));
        }
    }
    pci_bridge_reset(PCI_DEVICE(d));
    set_slot_word(rp, EXP_SLTCTL, EXP_SLTCTL_PIC_OFF | 0x00c0);
    set_slot_word(rp, EXP_SLTSTA, 0);
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
    pc->config_write = root_port_config_write;
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
