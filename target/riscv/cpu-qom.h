/*
 * The riscv hart as a QOM device: type names as QEMU spells them
 * ("rv64-riscv-cpu"), local interrupt inputs as GPIO lines.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef TARGET_RISCV_CPU_QOM_H
#define TARGET_RISCV_CPU_QOM_H

#include "hw/qdev-core.h"
#include "target/riscv/cpu.h"

typedef struct QEMUBH QEMUBH;

#define TYPE_RISCV_CPU "riscv-cpu"
#define RISCV_CPU_TYPE_SUFFIX "-" TYPE_RISCV_CPU
#define RISCV_CPU_TYPE_NAME(name) (name RISCV_CPU_TYPE_SUFFIX)
#define TYPE_RISCV_CPU_BASE64 RISCV_CPU_TYPE_NAME("rv64")
#define TYPE_RISCV_CPU_BASE TYPE_RISCV_CPU_BASE64

/* GPIO inputs: one per local interrupt number (mip bit). */
#define RISCV_CPU_LOCAL_IRQS 16

OBJECT_DECLARE_SIMPLE_TYPE(RISCVCPU, RISCV_CPU)

struct RISCVCPU {
    DeviceState parent_obj;

    CPURISCVState env;
    uint64_t resetvec;          /* "resetvec" property */
    int cpu_index;              /* position in the machine's hart list */
    int thread_id;              /* host thread running this hart */
    bool halted;                /* sitting in wfi (for query-cpus-fast) */
    QEMUBH *reset_done_bh;      /* resumes the vCPU after a machine reset */
};

/* Harts in creation order; NULL past the end. */
RISCVCPU *riscv_cpu_by_index(int index);
RISCVCPU *riscv_cpu_by_hartid(uint64_t hartid);
int riscv_cpu_count(void);

extern const VMStateDescription vmstate_riscv_cpu;

/* Guest-physical page of @addr in the hart's current mode, or -1. */
int64_t riscv_cpu_get_phys_page_debug(RISCVCPU *cpu, uint64_t addr);

#endif
