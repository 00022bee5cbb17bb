/*
 * The generic PCI Express host bridge ("gpex-pcihost"): ECAM configuration
 * space, a memory and an I/O window into the PCI address spaces, and four
 * INTx lines.  Boards map the windows and wire the lines.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef HW_PCI_HOST_GPEX_H
#define HW_PCI_HOST_GPEX_H

#include "hw/sysbus.h"
#include "hw/pci/pci.h"

#define TYPE_GPEX_HOST "gpex-pcihost"
#define TYPE_GPEX_ROOT_DEVICE "gpex-root"
OBJECT_DECLARE_SIMPLE_TYPE(GPEXHost, GPEX_HOST)

#define GPEX_NUM_IRQS 4
#define PCIE_MMCFG_SIZE_MAX (1ULL << 28)    /* 256 buses of 1 MiB */

/* sysbus MMIO regions of the bridge. */
enum { GPEX_MMIO_ECAM, GPEX_MMIO_WINDOW, GPEX_MMIO_IOPORT };

struct GPEXHost {
    SysBusDevice parent_obj;

    MemoryRegion ecam;
    MemoryRegion mmio;          /* the PCI memory space */
    MemoryRegion ioport;        /* the PCI I/O space */
    qemu_irq irq[GPEX_NUM_IRQS];
    PCIBus *bus;
};

#endif
