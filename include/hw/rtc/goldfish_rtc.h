/*
 * Goldfish real-time clock.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef HW_RTC_GOLDFISH_RTC_H
#define HW_RTC_GOLDFISH_RTC_H

#include "hw/sysbus.h"

typedef struct QEMUTimer QEMUTimer;

#define TYPE_GOLDFISH_RTC "goldfish_rtc"
OBJECT_DECLARE_SIMPLE_TYPE(GoldfishRTCState, GOLDFISH_RTC)

struct GoldfishRTCState {
    SysBusDevice parent_obj;

    MemoryRegion iomem;
    QEMUTimer *timer;
    qemu_irq irq;

    uint64_t tick_offset;       /* ns: guest wall time at rtc_clock 0 */
    uint64_t alarm_next;
    uint32_t alarm_running;
    uint32_t irq_pending;
    uint32_t irq_enabled;
    uint32_t time_high;
};

#endif
