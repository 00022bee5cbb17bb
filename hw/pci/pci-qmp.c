/*
 * query-pci and HMP "info pci": the PCI topology as the guest configured
 * it (bus numbers, BAR addresses, bridge windows).  Built into every
 * emulator; without PCI types (the x86_64 binary) there are no buses.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "hw/pci/pci.h"
#include "monitor/hmp.h"
#include "monitor/monitor.h"
#include "qapi/qapi-commands-pci.h"

static const char *class_desc(uint16_t class_id)
{
    switch (class_id) {
    case 0x0100: return "SCSI controller";
    case 0x0200: return "Ethernet controller";
    case PCI_CLASS_BRIDGE_HOST: return "Host bridge";
    case PCI_CLASS_BRIDGE_PCI: return "PCI bridge";
    default: return NULL;
    }
}

/* Only QOM here, no PCI core calls: the x86_64 binary has no PCI core. */
static bool is_root(PCIBus *bus)
{
    return !object_dynamic_cast(OBJECT(BUS(bus)->parent), TYPE_PCI_BRIDGE);
}

static int bus_number(PCIBus *bus)
{
    return is_root(bus) ? 0 :
           PCI_DEVICE(BUS(bus)->parent)->config[PCI_SECONDARY_BUS];
}

static PciMemoryRange *window(uint64_t base, uint64_t limit)
{
    PciMemoryRange *r = g_new0(PciMemoryRange, 1);

    r->base = base;
    r->limit = limit;
    return r;
}

static PciDeviceInfoList *devices_on(PCIBus *bus);

static PciBridgeInfo *bridge_info(PCIDevice *dev)
{
    const uint8_t *c = dev->config;
    PciBridgeInfo *info = g_new0(PciBridgeInfo, 1);
    PciBusInfo *b = g_new0(PciBusInfo, 1);
    uint64_t pbase = (uint64_t)(pci_get_word(c + PCI_PREF_MEMORY_BASE) &
                                0xfff0) << 16;
    uint64_t plimit = ((uint64_t)(pci_get_word(c + PCI_PREF_MEMORY_LIMIT) &
                                  0xfff0) << 16) | 0xfffff;

    b->number = c[PCI_PRIMARY_BUS];
    b->secondary = c[PCI_SECONDARY_BUS];
    b->subordinate = c[PCI_SUBORDINATE_BUS];
    b->io_range = window(
        ((c[PCI_IO_BASE] & 0xf0) << 8) |
        ((uint32_t)pci_get_word(c + PCI_IO_BASE_UPPER16) << 16),
        ((c[PCI_IO_LIMIT] & 0xf0) << 8) | 0xfff |
        ((uint32_t)pci_get_word(c + PCI_IO_LIMIT_UPPER16) << 16));
    b->memory_range = window(
        (uint64_t)(pci_get_word(c + PCI_MEMORY_BASE) & 0xfff0) << 16,
        ((uint64_t)(pci_get_word(c + PCI_MEMORY_LIMIT) & 0xfff0) << 16) |
        0xfffff);
    if (c[PCI_PREF_MEMORY_BASE] & 1) {           /* 64-bit window */
        pbase |= (uint64_t)pci_get_long(c + PCI_PREF_BASE_UPPER32) << 32;
        plimit |= (uint64_t)pci_get_long(c + PCI_PREF_LIMIT_UPPER32) << 32;
    }
    b->prefetchable_range = window(pbase, plimit);
    info->bus = b;
    info->devices = devices_on(PCI_BRIDGE(dev)->sec_bus);
    info->has_devices = info->devices != NULL;
    return info;
}

static PciDeviceInfo *device_info(PCIDevice *dev)
{
    PciDeviceInfo *info = g_new0(PciDeviceInfo, 1);
    PciMemoryRegionList **tail = &info->regions;
    const uint8_t *c = dev->config;
    uint16_t class_id = pci_get_word(c + PCI_CLASS_DEVICE);
    bool bridge = object_dynamic_cast(OBJECT(dev), TYPE_PCI_BRIDGE);

    info->bus = bus_number(PCI_BUS(DEVICE(dev)->parent_bus));
    info->slot = PCI_SLOT(dev->devfn);
    info->function = PCI_FUNC(dev->devfn);
    info->class_info = g_new0(PciDeviceClass, 1);
    info->class_info->q_class = class_id;
    info->class_info->desc = g_strdup(class_desc(class_id));
    info->id = g_new0(PciDeviceId, 1);
    info->id->vendor = pci_get_word(c + PCI_VENDOR_ID);
    info->id->device = pci_get_word(c + PCI_DEVICE_ID);
    if (!bridge) {
        info->id->has_subsystem = info->id->has_subsystem_vendor = true;
        info->id->subsystem = pci_get_word(c + PCI_SUBSYSTEM_ID);
        info->id->subsystem_vendor = pci_get_word(c +
                                                  PCI_SUBSYSTEM_VENDOR_ID);
    }
    info->irq_pin = c[PCI_INTERRUPT_PIN];
    if (info->irq_pin) {
        info->has_irq = true;
        info->irq = c[PCI_INTERRUPT_LINE];
    }
    info->qdev_id = g_strdup(DEVICE(dev)->id ? DEVICE(dev)->id : "");
    for (int n = 0; n < PCI_NUM_REGIONS; n++) {
        const PCIIORegion *r = &dev->io_regions[n];
        PciMemoryRegion *region;

        if (!r->size) {
            continue;
        }
        region = g_new0(PciMemoryRegion, 1);
        region->bar = n;
        region->address = r->addr == PCI_BAR_UNMAPPED ? -1 : r->addr;
        region->size = r->size;
        if (r->type & PCI_BASE_ADDRESS_SPACE_IO) {
            region->type = g_strdup("io");
        } else {
            region->type = g_strdup("memory");
            region->has_prefetch = region->has_mem_type_64 = true;
            region->prefetch = r->type & PCI_BASE_ADDRESS_MEM_PREFETCH;
            region->mem_type_64 = r->type & PCI_BASE_ADDRESS_MEM_TYPE_64;
        }
        QAPI_LIST_APPEND(tail, region);
    }
    if (bridge) {
        info->pci_bridge = bridge_info(dev);
    }
    return info;
}

static PciDeviceInfoList *devices_on(PCIBus *bus)
{
    PciDeviceInfoList *head = NULL, **tail = &head;

    for (int devfn = 0; devfn < 256; devfn++) {
        if (bus->devices[devfn]) {
            QAPI_LIST_APPEND(tail, device_info(bus->devices[devfn]));
        }
    }
    return head;
}

static int add_root_bus(Object *obj, void *opaque)
{
    PciInfoList ***tail = opaque;
    PciInfo *info;

    if (!object_dynamic_cast(obj, TYPE_PCI_BUS) ||
        !is_root(PCI_BUS(obj))) {
        return 0;
    }
    info = g_new0(PciInfo, 1);
    info->bus = 0;
    info->devices = devices_on(PCI_BUS(obj));
    QAPI_LIST_APPEND(*tail, info);
    return 0;
}

PciInfoList *qmp_query_pci(Error **errp)
{
    PciInfoList *head = NULL, **tail = &head;

    if (object_class_by_name(TYPE_PCI_BUS)) {
        object_child_foreach_recursive(object_get_root(), add_root_bus,
                                       &tail);
    }
    return head;
}

static void print_device(Monitor *mon, const PciDeviceInfo *d)
{
    static const char pins[] = "?ABCD";

    monitor_printf(mon, "  Bus %2" PRId64 ", device %3" PRId64
                   ", function %" PRId64 ":\n", d->bus, d->slot, d->function);
    if (d->class_info->desc) {
        monitor_printf(mon, "    %s", d->class_info->desc);
    } else {
        monitor_printf(mon, "    Class %04" PRIx64, d->class_info->q_class);
    }
    monitor_printf(mon, ": PCI device %04" PRIx64 ":%04" PRIx64 "\n",
                   d->id->vendor, d->id->device);
    if (d->id->has_subsystem) {
        monitor_printf(mon, "      PCI subsystem %04" PRIx64 ":%04" PRIx64
                       "\n", d->id->subsystem_vendor, d->id->subsystem);
    }
    if (d->has_irq) {
        monitor_printf(mon, "      IRQ %" PRId64 ", pin %c\n", d->irq,
                       pins[d->irq_pin < 5 ? d->irq_pin : 0]);
    }
    if (d->pci_bridge) {
        const PciBusInfo *b = d->pci_bridge->bus;

        monitor_printf(mon, "      BUS %" PRId64 ".\n"
                       "      secondary bus %" PRId64 ".\n"
                       "      subordinate bus %" PRId64 ".\n",
                       b->number, b->secondary, b->subordinate);
    }
    for (PciMemoryRegionList *r = d->regions; r; r = r->next) {
        const PciMemoryRegion *m = r->value;

        monitor_printf(mon, "      BAR%" PRId64 ": ", m->bar);
        if (!strcmp(m->type, "io")) {
            monitor_printf(mon, "I/O at 0x%04" PRIx64 " [0x%04" PRIx64
                           "].\n", m->address, m->address + m->size - 1);
        } else {
            monitor_printf(mon, "%s%s memory at 0x%08" PRIx64 " [0x%08"
                           PRIx64 "].\n", m->mem_type_64 ? "64 bit" :
                           "32 bit", m->prefetch ? " prefetchable" : "",
                           m->address, m->address + m->size - 1);
        }
    }
    monitor_printf(mon, "      id \"%s\"\n", d->qdev_id);
    if (d->pci_bridge) {
        for (PciDeviceInfoList *l = d->pci_bridge->devices; l; l = l->next) {
            print_device(mon, l->value);
        }
    }
}

void hmp_info_pci(Monitor *mon, const QDict *qdict)
{
    PciInfoList *info = qmp_query_pci(NULL);

    for (PciInfoList *b = info; b; b = b->next) {
        for (PciDeviceInfoList *d = b->value->devices; d; d = d->next) {
            print_device(mon, d->value);
        }
    }
    qapi_free_PciInfoList(info);
}
