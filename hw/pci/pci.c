/*
 * The PCI core (see hw/pci/pci.h): devices on a bus by devfn, the
 * standard configuration header with write masks, BARs mapped into the
 * bus's address spaces while the command register enables decoding,
 * capability chains and INTx lines shared through the host bridge.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "vireo/log.h"
#include "hw/pci/pci.h"
#include "hw/qdev-properties.h"
#include "migration/vmstate.h"
#include "qapi/visitor.h"

PCIBus *pci_root_bus_new(DeviceState *parent, const char *name,
                         MemoryRegion *mem, MemoryRegion *io,
                         PCIMapIRQFunc map_irq, PCISetIRQFunc set_irq,
                         void *irq_opaque, const char *typename)
{
    PCIBus *bus = PCI_BUS(qbus_new(typename, parent, name));

    bus->address_space_mem = mem;
    bus->address_space_io = io;
    bus->map_irq = map_irq;
    bus->set_irq = set_irq;
    bus->irq_opaque = irq_opaque;
    return bus;
}

int pci_swizzle_map_irq(PCIDevice *dev, int pin)
{
    return (pin + PCI_SLOT(dev->devfn)) % PCI_NUM_PINS;
}

PCIBus *pci_get_bus(const PCIDevice *dev)
{
    return PCI_BUS(DEVICE(dev)->parent_bus);
}

/* ---- INTx ---- */

bool pci_bus_is_root(PCIBus *bus)
{
    return !object_dynamic_cast(OBJECT(BUS(bus)->parent), TYPE_PCI_BRIDGE);
}

PCIBus *pci_find_bus_nr(PCIBus *bus, int nr)
{
    if (pci_bus_is_root(bus) && nr == 0) {
        return bus;
    }
    for (int devfn = 0; devfn < 256; devfn++) {
        PCIDevice *d = bus->devices[devfn];
        uint8_t sec, sub;

        if (!d || !object_dynamic_cast(OBJECT(d), TYPE_PCI_BRIDGE)) {
            continue;
        }
        sec = d->config[PCI_SECONDARY_BUS];
        sub = d->config[PCI_SUBORDINATE_BUS];
        if (sec && sec == nr) {
            return PCI_BRIDGE(d)->sec_bus;
        }
        if (sec && sec < nr && nr <= sub) {
            return pci_find_bus_nr(PCI_BRIDGE(d)->sec_bus, nr);
        }
    }
    return NULL;
}

static void pci_change_irq(PCIDevice *dev, int change)
{
    PCIBus *bus = pci_get_bus(dev);
    int pin = dev->config[PCI_INTERRUPT_PIN] - 1;
    int line;

    if (pin < 0 || pin >= PCI_NUM_PINS) {
        return;
    }
    /* Behind bridges the pin is swizzled by slot at each level. */
    while (!pci_bus_is_root(bus)) {
        pin = pci_swizzle_map_irq(dev, pin);
        dev = PCI_DEVICE(BUS(bus)->parent);
        bus = pci_get_bus(dev);
    }
    line = bus->map_irq(dev, pin);
    bus->irq_count[line] += change;
    g_assert(bus->irq_count[line] >= 0);
    bus->set_irq(bus->irq_opaque, line, bus->irq_count[line] != 0);
}

static bool intx_disabled(const PCIDevice *dev)
{
    return pci_get_word(dev->config + PCI_COMMAND) & PCI_COMMAND_INTX_DISABLE;
}

void pci_set_irq(PCIDevice *dev, int level)
{
    level = !!level;
    if (dev->irq_level == level) {
        return;
    }
    dev->irq_level = level;
    if (level) {
        dev->config[PCI_STATUS] |= PCI_STATUS_INTERRUPT;
    } else {
        dev->config[PCI_STATUS] &= ~PCI_STATUS_INTERRUPT;
    }
    if (!intx_disabled(dev)) {
        pci_change_irq(dev, level ? 1 : -1);
    }
}

/* ---- BARs ---- */

static int bar_offset(int n)
{
    return PCI_BASE_ADDRESS_0 + 4 * n;
}

void pci_register_bar(PCIDevice *dev, int n, uint8_t type,
                      MemoryRegion *memory)
{
    PCIIORegion *r = &dev->io_regions[n];
    uint64_t size = memory_region_size(memory);
    uint64_t mask = ~(size - 1);
    int off = bar_offset(n);

    g_assert(n < PCI_NUM_REGIONS && size && !(size & (size - 1)));
    g_assert(!(type & PCI_BASE_ADDRESS_MEM_TYPE_64) ||
             n + 1 < PCI_NUM_REGIONS);
    r->size = size;
    r->type = type;
    r->memory = memory;
    r->addr = PCI_BAR_UNMAPPED;
    pci_set_long(dev->config + off, type);
    if (type & PCI_BASE_ADDRESS_SPACE_IO) {
        pci_set_long(dev->wmask + off, (uint32_t)mask & ~3u);
    } else {
        pci_set_long(dev->wmask + off, (uint32_t)mask & ~0xfu);
        if (type & PCI_BASE_ADDRESS_MEM_TYPE_64) {
            pci_set_long(dev->wmask + off + 4, mask >> 32);
        }
    }
}

/* Where BAR @r should be decoded now, or PCI_BAR_UNMAPPED. */
static uint64_t bar_address(PCIDevice *dev, int n)
{
    PCIIORegion *r = &dev->io_regions[n];
    uint16_t cmd = pci_get_word(dev->config + PCI_COMMAND);
    uint64_t addr, limit;

    if (r->type & PCI_BASE_ADDRESS_SPACE_IO) {
        if (!(cmd & PCI_COMMAND_IO)) {
            return PCI_BAR_UNMAPPED;
        }
        addr = pci_get_long(dev->config + bar_offset(n)) & ~3u;
        limit = 0xffff;
    } else {
        if (!(cmd & PCI_COMMAND_MEMORY)) {
            return PCI_BAR_UNMAPPED;
        }
        addr = pci_get_long(dev->config + bar_offset(n)) & ~0xfu;
        limit = UINT32_MAX;
        if (r->type & PCI_BASE_ADDRESS_MEM_TYPE_64) {
            addr |= (uint64_t)pci_get_long(dev->config + bar_offset(n) + 4)
                    << 32;
            limit = UINT64_MAX;
        }
    }
    /* 0 is unassigned; the all-ones sizing pattern lands past the limit. */
    if (!addr || addr > limit - r->size + 1) {
        return PCI_BAR_UNMAPPED;
    }
    return addr;
}

static void pci_update_mappings(PCIDevice *dev)
{
    PCIBus *bus = pci_get_bus(dev);

    memory_region_transaction_begin();
    for (int n = 0; n < PCI_NUM_REGIONS; n++) {
        PCIIORegion *r = &dev->io_regions[n];
        MemoryRegion *space;
        uint64_t addr;

        if (!r->size) {
            continue;
        }
        space = (r->type & PCI_BASE_ADDRESS_SPACE_IO) ?
                bus->address_space_io : bus->address_space_mem;
        addr = bar_address(dev, n);
        if (addr == r->addr) {
            continue;
        }
        if (r->addr != PCI_BAR_UNMAPPED) {
            memory_region_del_subregion(space, r->memory);
        }
        r->addr = addr;
        if (addr != PCI_BAR_UNMAPPED) {
            memory_region_add_subregion_overlap(space, addr, r->memory, 1);
        }
    }
    memory_region_transaction_commit();
}

/* ---- Configuration space ---- */

uint32_t pci_default_read_config(PCIDevice *dev, uint32_t addr, int len)
{
    uint32_t val = 0;

    memcpy(&val, dev->config + addr, len);
    return val;                 /* little-endian host */
}

static bool ranges_overlap(uint32_t a, int alen, uint32_t b, int blen)
{
    return a < b + blen && b < a + alen;
}

void pci_default_write_config(PCIDevice *dev, uint32_t addr, uint32_t val,
                              int len)
{
    bool was_disabled = intx_disabled(dev);

    for (int i = 0; i < len; i++) {
        uint8_t b = val >> (8 * i);
        uint32_t a = addr + i;

        dev->config[a] = (dev->config[a] & ~dev->wmask[a]) |
                         (b & dev->wmask[a]);
        dev->config[a] &= ~(b & dev->w1cmask[a]);
    }
    if (ranges_overlap(addr, len, PCI_BASE_ADDRESS_0, 4 * PCI_NUM_REGIONS) ||
        ranges_overlap(addr, len, PCI_COMMAND, 2)) {
        pci_update_mappings(dev);
    }
    if (was_disabled != intx_disabled(dev) && dev->irq_level) {
        pci_change_irq(dev, was_disabled ? 1 : -1);
    }
}

static bool config_access_ok(PCIDevice *dev, uint32_t addr, int len)
{
    return (len == 1 || len == 2 || len == 4) && !(addr & (len - 1)) &&
           addr + len <= dev->config_size;
}

uint32_t pci_host_config_read(PCIBus *bus, uint8_t devfn, uint32_t addr,
                              int len)
{
    PCIDevice *dev = bus->devices[devfn];
    PCIDeviceClass *pc;

    if (!dev) {
        return len == 4 ? UINT32_MAX : (1u << (8 * len)) - 1;
    }
    if (!config_access_ok(dev, addr, len)) {
        /* Past a conventional device's 256 bytes reads as nothing. */
        return 0;
    }
    pc = PCI_DEVICE_GET_CLASS(dev);
    return pc->config_read ? pc->config_read(dev, addr, len)
                           : pci_default_read_config(dev, addr, len);
}

void pci_host_config_write(PCIBus *bus, uint8_t devfn, uint32_t addr,
                           uint32_t val, int len)
{
    PCIDevice *dev = bus->devices[devfn];
    PCIDeviceClass *pc;

    if (!dev || !config_access_ok(dev, addr, len)) {
        return;
    }
    pc = PCI_DEVICE_GET_CLASS(dev);
    if (pc->config_write) {
        pc->config_write(dev, addr, val, len);
    } else {
        pci_default_write_config(dev, addr, val, len);
    }
}

uint8_t pci_add_capability(PCIDevice *dev, uint8_t cap_id, uint8_t size)
{
    uint8_t off = dev->next_cap;
    uint8_t *prev = dev->config + PCI_CAPABILITY_LIST;

    g_assert(off + size <= PCI_CONFIG_SPACE_SIZE);
    while (*prev) {
        prev = dev->config + *prev + 1;
    }
    *prev = off;
    dev->config[off] = cap_id;
    dev->config[off + 1] = 0;
    dev->config[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
    dev->next_cap = ROUND_UP(off + size, 4);
    return off;
}

/* ---- The device type ---- */

static void pci_init_header(PCIDevice *dev, PCIDeviceClass *pc)
{
    uint8_t *c = dev->config;

    pci_set_word(c + PCI_VENDOR_ID, pc->vendor_id);
    pci_set_word(c + PCI_DEVICE_ID, pc->device_id);
    c[PCI_REVISION_ID] = pc->revision;
    pci_set_word(c + PCI_CLASS_DEVICE, pc->class_id);
    pci_set_word(c + PCI_SUBSYSTEM_VENDOR_ID, pc->subsystem_vendor_id);
    pci_set_word(c + PCI_SUBSYSTEM_ID, pc->subsystem_id);
    if (dev->multifunction) {
        c[PCI_HEADER_TYPE] |= PCI_HEADER_TYPE_MULTI_FUNCTION;
    }
    pci_set_word(dev->wmask + PCI_COMMAND, PCI_COMMAND_IO |
                 PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
                 PCI_COMMAND_PARITY | PCI_COMMAND_SERR |
                 PCI_COMMAND_INTX_DISABLE);
    dev->wmask[PCI_CACHE_LINE_SIZE] = 0xff;
    dev->wmask[PCI_LATENCY_TIMER] = 0xff;
    dev->wmask[PCI_INTERRUPT_LINE] = 0xff;
    dev->next_cap = PCI_CONFIG_HEADER_SIZE;
}

/* Checks QEMU makes before a device takes @devfn. */
static bool pci_devfn_usable(PCIBus *bus, PCIDevice *dev, int devfn,
                             Error **errp)
{
    PCIDevice *f0 = bus->devices[PCI_DEVFN(PCI_SLOT(devfn), 0)];
    PCIDevice *other = bus->devices[devfn];

    if (other) {
        error_setg(errp, "PCI: slot %d function %d not available for %s, in "
                   "use by %s,id=%s", PCI_SLOT(devfn), PCI_FUNC(devfn),
                   dev->name, other->name,
                   DEVICE(other)->id ? DEVICE(other)->id : "");
        return false;
    }
    if (PCI_FUNC(devfn) && f0 && !f0->multifunction) {
        error_setg(errp, "PCI: single function device can't be populated "
                   "in function %x.%x", PCI_SLOT(devfn), PCI_FUNC(devfn));
        return false;
    }
    if (!PCI_FUNC(devfn) && !dev->multifunction) {
        for (int f = 1; f < 8; f++) {
            if (bus->devices[PCI_DEVFN(PCI_SLOT(devfn), f)]) {
                error_setg(errp, "PCI: %x.0 indicates single function, but "
                           "%x.%x is already populated.", PCI_SLOT(devfn),
                           PCI_SLOT(devfn), f);
                return false;
            }
        }
    }
    return true;
}

static void pci_qdev_realize(DeviceState *qdev, Error **errp)
{
    PCIDevice *dev = PCI_DEVICE(qdev);
    PCIDeviceClass *pc = PCI_DEVICE_GET_CLASS(dev);
    PCIBus *bus = pci_get_bus(dev);
    Error *err = NULL;
    int devfn = dev->devfn;

    g_strlcpy(dev->name, object_get_typename(OBJECT(dev)), sizeof(dev->name));
    if (devfn < 0) {
        for (devfn = 0; devfn < 256 && bus->devices[devfn]; devfn += 8) {
        }
        if (devfn >= 256) {
            error_setg(errp, "PCI: no slot/function available for %s, all "
                       "in use or reserved", dev->name);
            return;
        }
    }
    if (!pci_devfn_usable(bus, dev, devfn, errp)) {
        return;
    }
    dev->devfn = devfn;
    dev->config_size = pc->is_express ? PCIE_CONFIG_SPACE_SIZE
                                      : PCI_CONFIG_SPACE_SIZE;
    pci_init_header(dev, pc);
    if (pc->realize) {
        pc->realize(dev, &err);
        if (err) {
            error_propagate(errp, err);
            return;
        }
    }
    bus->devices[devfn] = dev;
}

static void pci_qdev_unrealize(DeviceState *qdev)
{
    PCIDevice *dev = PCI_DEVICE(qdev);
    PCIDeviceClass *pc = PCI_DEVICE_GET_CLASS(dev);
    PCIBus *bus = pci_get_bus(dev);

    pci_set_irq(dev, 0);
    pci_set_word(dev->config + PCI_COMMAND, 0);
    pci_update_mappings(dev);
    bus->devices[dev->devfn] = NULL;
    if (pc->exit) {
        pc->exit(dev);
    }
}

/* The header part of a reset; devices reset their own state after it. */
void pci_device_reset(PCIDevice *dev)
{
    pci_set_irq(dev, 0);
    pci_set_word(dev->config + PCI_COMMAND, 0);
    dev->config[PCI_STATUS] &= PCI_STATUS_CAP_LIST;
    dev->config[PCI_CACHE_LINE_SIZE] = 0;
    dev->config[PCI_LATENCY_TIMER] = 0;
    dev->config[PCI_INTERRUPT_LINE] = 0;
    for (int n = 0; n < PCI_NUM_REGIONS; n++) {
        PCIIORegion *r = &dev->io_regions[n];

        if (r->size) {
            pci_set_long(dev->config + bar_offset(n), r->type);
            if (r->type & PCI_BASE_ADDRESS_MEM_TYPE_64) {
                pci_set_long(dev->config + bar_offset(n) + 4, 0);
            }
        }
    }
    pci_update_mappings(dev);
}

/* "addr": "SLOT[.FUNC]" in hex, or the devfn as a number; -1 is auto. */
static void prop_get_devfn(Object *obj, Visitor *v, const char *name,
                           void *opaque, Error **errp)
{
    int32_t *p = object_field_prop_ptr(obj, opaque);

    visit_type_int32(v, name, p, errp);
}

static void prop_set_devfn(Object *obj, Visitor *v, const char *name,
                           void *opaque, Error **errp)
{
    int32_t *p = object_field_prop_ptr(obj, opaque);
    g_autofree char *str = NULL;
    unsigned long slot, fn = 0;
    char *end;
    int32_t value;

    if (!visit_type_str(v, name, &str, NULL)) {
        if (!visit_type_int32(v, name, &value, errp)) {
            return;
        }
        if (value < -1 || value > 255) {
            error_setg(errp, "Parameter '%s' expects a value between -1 and "
                       "255", name);
            return;
        }
        *p = value;
        return;
    }
    errno = 0;
    slot = strtoul(str, &end, 16);
    if (*end == '.') {
        const char *f = end + 1;
        fn = strtoul(f, &end, 16);
        if (end == f) {
            goto bad;
        }
    }
    if (errno || end == str || *end || slot > 31 || fn > 7) {
        goto bad;
    }
    *p = PCI_DEVFN(slot, fn);
    return;
bad:
    error_setg(errp, "Property '%s.%s' doesn't take value '%s'",
               object_get_typename(obj), name, str);
}

static void prop_set_default_devfn(ObjectProperty *op, const Property *prop)
{
    object_property_set_default_int(op, prop->defval.i);
}

static const PropertyInfo prop_pci_devfn = {
    .name = "int32",
    .description = "Slot and optional function number, example: 06.0 or 06",
    .get = prop_get_devfn,
    .set = prop_set_devfn,
    .set_default_value = prop_set_default_devfn,
};

static Property pci_device_properties[] = {
    DEFINE_PROP_SIGNED("addr", PCIDevice, devfn, -1, prop_pci_devfn,
                       int32_t),
    DEFINE_PROP_BOOL("multifunction", PCIDevice, multifunction, false),
    DEFINE_PROP_END_OF_LIST(),
};

const VMStateDescription vmstate_pci_device = {
    .name = "PCIDevice",
    .version_id = 2,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8_ARRAY(config, PCIDevice, PCIE_CONFIG_SPACE_SIZE),
        VMSTATE_INT32(irq_level, PCIDevice),
        VMSTATE_END_OF_LIST()
    }
};

static void pci_device_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->realize = pci_qdev_realize;
    dc->unrealize = pci_qdev_unrealize;
    dc->bus_type = TYPE_PCI_BUS;
    device_class_set_props(dc, pci_device_properties);
}

static char *pcibus_get_dev_path(DeviceState *dev)
{
    PCIDevice *d = PCI_DEVICE(dev);

    PCIBus *bus = pci_get_bus(d);
    int nr = pci_bus_is_root(bus) ? 0 :
             PCI_DEVICE(BUS(bus)->parent)->config[PCI_SECONDARY_BUS];

    /* QEMU's "DOMAIN:BUS:SLOT.FUNC" (one domain here). */
    return g_strdup_printf("0000:%02x:%02x.%x", nr, PCI_SLOT(d->devfn),
                           PCI_FUNC(d->devfn));
}

static void pci_bus_class_init(ObjectClass *klass, void *data)
{
    BUS_CLASS(klass)->get_dev_path = pcibus_get_dev_path;
}

static const TypeInfo pci_types[] = {
    {
        .name = TYPE_PCI_BUS,
        .parent = TYPE_BUS,
        .instance_size = sizeof(PCIBus),
        .class_init = pci_bus_class_init,
    }, {
        .name = TYPE_PCIE_BUS,
        .parent = TYPE_PCI_BUS,
    }, {
        .name = TYPE_PCI_DEVICE,
        .parent = TYPE_DEVICE,
        .instance_size = sizeof(PCIDevice),
        .abstract = true,
        .class_size = sizeof(PCIDeviceClass),
        .class_init = pci_device_class_init,
    },
};

DEFINE_TYPES(pci_types)
