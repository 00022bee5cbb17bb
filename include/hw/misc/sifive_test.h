/*
 * SiFive test finisher: guest-controlled poweroff, exit status and reset.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef HW_SIFIVE_TEST_H
#define HW_SIFIVE_TEST_H

#include "hw/sysbus.h"

#define TYPE_SIFIVE_TEST "riscv.sifive.test"
OBJECT_DECLARE_SIMPLE_TYPE(SiFiveTestState, SIFIVE_TEST)

struct SiFiveTestState {
    SysBusDevice parent_obj;
    MemoryRegion mmio;
};

enum {
    FINISHER_FAIL = 0x3333,
    FINISHER_PASS = 0x5555,
    FINISHER_RESET = 0x7777
};

DeviceState *sifive_test_create(hwaddr addr);

#endif
