/*
 * The riscv64 "virt" board.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef HW_RISCV_VIRT_H
#define HW_RISCV_VIRT_H

#include "hw/boards.h"
#include "hw/sysbus.h"
#include "hw/riscv/riscv_hart.h"
#include "target/riscv/cpu-qom.h"

#define VIRT_CPUS_MAX 512

#define TYPE_RISCV_VIRT_MACHINE MACHINE_TYPE_NAME("virt")
OBJECT_DECLARE_SIMPLE_TYPE(RISCVVirtState, RISCV_VIRT_MACHINE)

struct RISCVVirtState {
    MachineState parent;

    RISCVHartArrayState soc[1];
    RISCVCPU **harts;
    int num_harts;
    DeviceState *irqchip;
    struct FWCfgState *fw_cfg;
    DeviceState *virtio_mmio[8];
    DeviceState *gpex;
    hwaddr high_pcie_mmio_base;
    int fdt_size;
    uint32_t plic_phandle;
    uint32_t test_phandle;
    uint32_t *intc_phandles;
    MemoryRegion mrom;
};

enum {
    VIRT_DEBUG,
    VIRT_MROM,
    VIRT_TEST,
    VIRT_RTC,
    VIRT_CLINT,
    VIRT_PLIC,
    VIRT_UART0,
    VIRT_VIRTIO,
    VIRT_FW_CFG,
    VIRT_PCIE_PIO,
    VIRT_PCIE_ECAM,
    VIRT_PCIE_MMIO,
    VIRT_DRAM,
};

/* The 64-bit PCIe window above RAM, as QEMU places it for RAM below it. */
#define VIRT_HIGH_PCIE_MMIO_SIZE (16ULL << 30)

enum {
    UART0_IRQ = 10,
    RTC_IRQ = 11,
    VIRTIO_IRQ = 1,             /* 1 to 8 */
    VIRTIO_COUNT = 8,
    VIRTIO_NDEV = 96,
    PCIE_IRQ = 0x20,            /* 0x20 to 0x23: INTA to INTD of slot 0 */
};

#define VIRT_IRQCHIP_NUM_SOURCES VIRTIO_NDEV
#define VIRT_IRQCHIP_NUM_PRIO_BITS 3
#define VIRT_PLIC_PRIORITY_BASE 0x04
#define VIRT_PLIC_PENDING_BASE 0x1000
#define VIRT_PLIC_ENABLE_BASE 0x2000
#define VIRT_PLIC_ENABLE_STRIDE 0x80
#define VIRT_PLIC_CONTEXT_BASE 0x200000
#define VIRT_PLIC_CONTEXT_STRIDE 0x1000
#define VIRT_PLIC_SIZE(__num_context) \
    (VIRT_PLIC_CONTEXT_BASE + (__num_context) * VIRT_PLIC_CONTEXT_STRIDE)

typedef struct MemMapEntry {
    hwaddr base;
    hwaddr size;
} MemMapEntry;

extern const MemMapEntry virt_memmap[];

void virt_machine_init(MachineState *machine);

/*
 * The eight virtio-mmio transports at 0x10001000 + i * 0x1000, IRQs 1-8,
 * with their FDT nodes.  Created only when the "virtio-mmio" type exists.
 */
void virt_create_virtio_mmio(RISCVVirtState *s);

#endif
