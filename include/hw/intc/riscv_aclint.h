/*
 * RISC-V ACLINT (and CLINT-compatible) MSWI and MTIMER devices.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef HW_RISCV_ACLINT_H
#define HW_RISCV_ACLINT_H

#include "hw/sysbus.h"

typedef struct QEMUTimer QEMUTimer;

#define TYPE_RISCV_ACLINT_MTIMER "riscv.aclint.mtimer"
OBJECT_DECLARE_SIMPLE_TYPE(RISCVAclintMTimerState, RISCV_ACLINT_MTIMER)

typedef struct RISCVAclintMTimerState RISCVAclintMTimerState;

/* What a hart's timer needs to find its device again from a callback. */
typedef struct RISCVAclintMTimerHart {
    RISCVAclintMTimerState *s;
    uint32_t index;
} RISCVAclintMTimerHart;

struct RISCVAclintMTimerState {
    SysBusDevice parent_obj;

    uint64_t time_delta;
    uint64_t *timecmp;
    QEMUTimer **timers;
    RISCVAclintMTimerHart *hart_ctx;
    MemoryRegion mmio;
    uint32_t hartid_base;
    uint32_t num_harts;
    uint32_t timecmp_base;
    uint32_t time_base;
    uint32_t aperture_size;
    uint32_t timebase_freq;
    qemu_irq *timer_irqs;
};

#define TYPE_RISCV_ACLINT_SWI "riscv.aclint.swi"
OBJECT_DECLARE_SIMPLE_TYPE(RISCVAclintSwiState, RISCV_ACLINT_SWI)

struct RISCVAclintSwiState {
    SysBusDevice parent_obj;

    MemoryRegion mmio;
    uint32_t hartid_base;
    uint32_t num_harts;
    uint32_t sswi;
    uint32_t *msip;             /* current level of each hart's line */
    qemu_irq *soft_irqs;
};

#define RISCV_ACLINT_DEFAULT_MTIMECMP      0x0
#define RISCV_ACLINT_DEFAULT_MTIME         0x7ff8
#define RISCV_ACLINT_DEFAULT_MTIMER_SIZE   0x8000
#define RISCV_ACLINT_DEFAULT_TIMEBASE_FREQ 10000000
#define RISCV_ACLINT_MAX_HARTS             4095
#define RISCV_ACLINT_SWI_SIZE              0x4000

DeviceState *riscv_aclint_swi_create(hwaddr addr, uint32_t hartid_base,
                                     uint32_t num_harts, bool sswi);
DeviceState *riscv_aclint_mtimer_create(hwaddr addr, hwaddr size,
                                        uint32_t hartid_base,
                                        uint32_t num_harts,
                                        uint32_t timecmp_base,
                                        uint32_t time_base,
                                        uint32_t timebase_freq,
                                        bool provide_rdtime);

/* mtime of @s now, in timebase ticks. */
uint64_t riscv_aclint_mtimer_read_mtime(RISCVAclintMTimerState *s);

#endif
