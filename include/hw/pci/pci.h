/*
 * PCI: buses, devices and their configuration space.  A host bridge owns
 * the root bus and gives it the address spaces BARs are mapped into and a
 * way to raise its interrupt lines; devices describe their BARs and
 * capabilities, and the core does the rest of the header (BAR sizing and
 * mapping when the command register enables decoding, INTx routing).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef HW_PCI_PCI_H
#define HW_PCI_PCI_H

#include "exec/memory.h"
#include "hw/qdev-core.h"
#include "hw/irq.h"

/* Configuration header (type 0), offsets and bits from the PCI spec. */
#define PCI_VENDOR_ID           0x00
#define PCI_DEVICE_ID           0x02
#define PCI_COMMAND             0x04
#define  PCI_COMMAND_IO         0x0001
#define  PCI_COMMAND_MEMORY     0x0002
#define  PCI_COMMAND_MASTER     0x0004
#define  PCI_COMMAND_PARITY     0x0040
#define  PCI_COMMAND_SERR       0x0100
#define  PCI_COMMAND_INTX_DISABLE 0x0400
#define PCI_STATUS              0x06
#define  PCI_STATUS_INTERRUPT   0x0008
#define  PCI_STATUS_CAP_LIST    0x0010
#define PCI_REVISION_ID         0x08
#define PCI_CLASS_PROG          0x09
#define PCI_CLASS_DEVICE        0x0a
#define PCI_CACHE_LINE_SIZE     0x0c
#define PCI_LATENCY_TIMER       0x0d
#define PCI_HEADER_TYPE         0x0e
#define  PCI_HEADER_TYPE_MULTI_FUNCTION 0x80
#define PCI_BASE_ADDRESS_0      0x10
#define  PCI_BASE_ADDRESS_SPACE_IO     0x01
#define  PCI_BASE_ADDRESS_MEM_TYPE_64  0x04
#define  PCI_BASE_ADDRESS_MEM_PREFETCH 0x08
#define PCI_SUBSYSTEM_VENDOR_ID 0x2c
#define PCI_SUBSYSTEM_ID        0x2e
#define PCI_CAPABILITY_LIST     0x34
#define PCI_INTERRUPT_LINE      0x3c
#define PCI_INTERRUPT_PIN       0x3d

#define PCI_CONFIG_HEADER_SIZE  0x40
#define PCI_CONFIG_SPACE_SIZE   0x100
#define PCIE_CONFIG_SPACE_SIZE  0x1000
#define PCI_NUM_REGIONS         6
#define PCI_NUM_PINS            4
#define PCI_CAP_ID_VNDR         0x09
#define PCI_CAP_ID_EXP          0x10

/* Type 1 (PCI-to-PCI bridge) header. */
#define PCI_HEADER_TYPE_BRIDGE  0x01
#define PCI_PRIMARY_BUS         0x18
#define PCI_SECONDARY_BUS       0x19
#define PCI_SUBORDINATE_BUS     0x1a
#define PCI_SEC_LATENCY_TIMER   0x1b
#define PCI_IO_BASE             0x1c
#define PCI_IO_LIMIT            0x1d
#define PCI_SEC_STATUS          0x1e
#define PCI_MEMORY_BASE         0x20
#define PCI_MEMORY_LIMIT        0x22
#define PCI_PREF_MEMORY_BASE    0x24
#define PCI_PREF_MEMORY_LIMIT   0x26
#define PCI_PREF_BASE_UPPER32   0x28
#define PCI_PREF_LIMIT_UPPER32  0x2c
#define PCI_IO_BASE_UPPER16     0x30
#define PCI_IO_LIMIT_UPPER16    0x32
#define PCI_BRIDGE_CONTROL      0x3e
#define PCI_CLASS_BRIDGE_PCI    0x0604

#define PCI_DEVFN(slot, func)   ((((slot) & 0x1f) << 3) | ((func) & 0x07))
#define PCI_SLOT(devfn)         (((devfn) >> 3) & 0x1f)
#define PCI_FUNC(devfn)         ((devfn) & 0x07)

#define PCI_VENDOR_ID_REDHAT_QUMRANET 0x1af4
#define PCI_VENDOR_ID_REDHAT          0x1b36
#define PCI_CLASS_BRIDGE_HOST         0x0600

#define TYPE_PCI_BUS "PCI"
#define TYPE_PCIE_BUS "PCIE"
#define TYPE_PCI_DEVICE "pci-device"

typedef struct PCIBus PCIBus;
typedef struct PCIDevice PCIDevice;

/* Which bus interrupt line a device's pin (0 = INTA) drives. */
typedef int (*PCIMapIRQFunc)(PCIDevice *dev, int pin);
typedef void (*PCISetIRQFunc)(void *opaque, int irq_num, int level);

struct PCIBus {
    BusState parent_obj;
    MemoryRegion *address_space_mem;
    MemoryRegion *address_space_io;
    PCIMapIRQFunc map_irq;
    PCISetIRQFunc set_irq;
    void *irq_opaque;
    int irq_count[PCI_NUM_PINS];    /* devices asserting each line */
    PCIDevice *devices[256];        /* by devfn */
};

typedef struct PCIIORegion {
    uint64_t size;                  /* 0: no BAR */
    uint8_t type;                   /* PCI_BASE_ADDRESS_* bits */
    MemoryRegion *memory;
    uint64_t addr;                  /* where it is mapped, or PCI_BAR_UNMAPPED */
} PCIIORegion;

#define PCI_BAR_UNMAPPED UINT64_MAX

struct PCIDevice {
    DeviceState parent_obj;

    uint8_t config[PCIE_CONFIG_SPACE_SIZE];
    uint8_t wmask[PCIE_CONFIG_SPACE_SIZE];  /* bits the guest may write */
    uint8_t w1cmask[PCIE_CONFIG_SPACE_SIZE]; /* bits a 1 clears */
    uint32_t config_size;
    int32_t devfn;                  /* "addr"; -1: first free slot */
    bool multifunction;             /* "multifunction" */
    PCIIORegion io_regions[PCI_NUM_REGIONS];
    int irq_level;                  /* INTx asserted by the device model */
    uint8_t next_cap;               /* where the next capability goes */
    char name[64];
};

typedef struct PCIDeviceClass {
    DeviceClass parent_class;
    void (*realize)(PCIDevice *dev, Error **errp);
    void (*exit)(PCIDevice *dev);
    /* Hooks for device-specific registers; defaults handle the rest. */
    uint32_t (*config_read)(PCIDevice *dev, uint32_t addr, int len);
    void (*config_write)(PCIDevice *dev, uint32_t addr, uint32_t val,
                         int len);
    uint16_t vendor_id;
    uint16_t device_id;
    uint8_t revision;
    uint16_t class_id;
    uint16_t subsystem_vendor_id;
    uint16_t subsystem_id;
    bool is_express;                /* 4 KiB configuration space */
} PCIDeviceClass;

DECLARE_OBJ_CHECKERS(PCIDevice, PCIDeviceClass, PCI_DEVICE, TYPE_PCI_DEVICE)
DECLARE_INSTANCE_CHECKER(PCIBus, PCI_BUS, TYPE_PCI_BUS)

#define TYPE_PCI_BRIDGE "base-pci-bridge"

/*
 * A PCI-to-PCI bridge: a type 1 header and the secondary bus behind it,
 * named after the bridge's id as in QEMU.  All buses share the root's
 * address spaces (the guest programs windows to match the BARs it
 * assigns; they are not used to filter).
 */
typedef struct PCIBridge {
    PCIDevice parent_obj;
    PCIBus *sec_bus;
} PCIBridge;

DECLARE_INSTANCE_CHECKER(PCIBridge, PCI_BRIDGE, TYPE_PCI_BRIDGE)

/* For bridge models: set up the header and the secondary bus. */
void pci_bridge_initfn(PCIDevice *dev, const char *bus_type);
void pci_bridge_reset(PCIDevice *dev);

/* The host bridge's root bus. */
PCIBus *pci_root_bus_new(DeviceState *parent, const char *name,
                         MemoryRegion *mem, MemoryRegion *io,
                         PCIMapIRQFunc map_irq, PCISetIRQFunc set_irq,
                         void *irq_opaque, const char *typename);
/* The conventional INTx swizzle of a root bus: (pin + slot) % 4. */
int pci_swizzle_map_irq(PCIDevice *dev, int pin);
PCIBus *pci_get_bus(const PCIDevice *dev);

/* The bus numbered @nr below @root (following bridges), or NULL. */
PCIBus *pci_find_bus_nr(PCIBus *root, int nr);
bool pci_bus_is_root(PCIBus *bus);

/* Configuration space access as a host bridge performs it. */
uint32_t pci_host_config_read(PCIBus *bus, uint8_t devfn, uint32_t addr,
                              int len);
void pci_host_config_write(PCIBus *bus, uint8_t devfn, uint32_t addr,
                           uint32_t val, int len);
/* The defaults a device's own hooks fall back to. */
uint32_t pci_default_read_config(PCIDevice *dev, uint32_t addr, int len);
void pci_default_write_config(PCIDevice *dev, uint32_t addr, uint32_t val,
                              int len);

/* BAR @n of @type (PCI_BASE_ADDRESS_*), sized like @memory (a power of 2). */
void pci_register_bar(PCIDevice *dev, int n, uint8_t type,
                      MemoryRegion *memory);
/* A capability of @size bytes in the chain; returns its offset. */
uint8_t pci_add_capability(PCIDevice *dev, uint8_t cap_id, uint8_t size);
/* Reset the header (command, BARs, INTx); devices reset the rest. */
void pci_device_reset(PCIDevice *dev);
/* Level of the device's INTx pin (the one in PCI_INTERRUPT_PIN). */
void pci_set_irq(PCIDevice *dev, int level);

static inline void pci_set_word(uint8_t *p, uint16_t v)
{
    p[0] = v;
    p[1] = v >> 8;
}

static inline void pci_set_long(uint8_t *p, uint32_t v)
{
    pci_set_word(p, v);
    pci_set_word(p + 2, v >> 16);
}

static inline uint16_t pci_get_word(const uint8_t *p)
{
    return p[0] | (p[1] << 8);
}

static inline uint32_t pci_get_long(const uint8_t *p)
{
    return pci_get_word(p) | ((uint32_t)pci_get_word(p + 2) << 16);
}

extern const VMStateDescription vmstate_pci_device;

#endif
