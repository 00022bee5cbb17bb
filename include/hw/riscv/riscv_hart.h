/*
 * A socket's worth of riscv harts ("riscv.hart_array").
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef HW_RISCV_HART_H
#define HW_RISCV_HART_H

#include "hw/sysbus.h"
#include "target/riscv/cpu-qom.h"

#define TYPE_RISCV_HART_ARRAY "riscv.hart_array"
OBJECT_DECLARE_SIMPLE_TYPE(RISCVHartArrayState, RISCV_HART_ARRAY)

struct RISCVHartArrayState {
    SysBusDevice parent_obj;

    uint32_t num_harts;
    uint32_t hartid_base;
    char *cpu_type;
    uint64_t resetvec;
    RISCVCPU *harts;
};

#endif
