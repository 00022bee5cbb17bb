/*
 * Goldfish RTC ("google,goldfish-rtc"): nanoseconds since the epoch, read
 * low word first (which latches the high word), and a one-shot alarm with
 * an interrupt.  Time starts from the -rtc base and advances with the
 * -rtc clock (host by default, as QEMU; clock=vm stands still while the
 * VM is stopped).
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "vireo/log.h"
#include "vireo/timer.h"
#include "hw/irq.h"
#include "hw/sysbus.h"
#include "hw/rtc/goldfish_rtc.h"
#include "system/rtc.h"
#include "migration/vmstate.h"

#define RTC_TIME_LOW            0x00
#define RTC_TIME_HIGH           0x04
#define RTC_ALARM_LOW           0x08
#define RTC_ALARM_HIGH          0x0c
#define RTC_IRQ_ENABLED         0x10
#define RTC_CLEAR_ALARM         0x14
#define RTC_ALARM_STATUS        0x18
#define RTC_CLEAR_INTERRUPT     0x1c

static uint64_t goldfish_rtc_get_count(GoldfishRTCState *s)
{
    return s->tick_offset + (uint64_t)qemu_clock_get_ns(rtc_clock);
}

static void goldfish_rtc_update(GoldfishRTCState *s)
{
    qemu_set_irq(s->irq, (s->irq_pending & s->irq_enabled) ? 1 : 0);
}

static void goldfish_rtc_interrupt(void *opaque)
{
    GoldfishRTCState *s = opaque;

    s->alarm_running = 0;
    s->irq_pending = 1;
    goldfish_rtc_update(s);
}

static void goldfish_rtc_clear_alarm(GoldfishRTCState *s)
{
    timer_del(s->timer);
    s->alarm_running = 0;
}

static void goldfish_rtc_set_alarm(GoldfishRTCState *s)
{
    uint64_t ticks = goldfish_rtc_get_count(s);

    if (s->alarm_next <= ticks) {
        goldfish_rtc_clear_alarm(s);
        goldfish_rtc_interrupt(s);
        return;
    }
    /* Virtual time at which the count reaches alarm_next. */
    s->alarm_running = 1;
    timer_mod(s->timer, qemu_clock_get_ns(rtc_clock) +
              (int64_t)MIN(s->alarm_next - ticks, (uint64_t)INT64_MAX / 2));
}

static uint64_t goldfish_rtc_read(void *opaque, hwaddr offset, unsigned size)
{
    GoldfishRTCState *s = opaque;
    uint64_t r;

    switch (offset) {
    case RTC_TIME_LOW:
        r = goldfish_rtc_get_count(s);
        s->time_high = r >> 32;
        return r & 0xffffffff;
    case RTC_TIME_HIGH:
        return s->time_high;
    case RTC_ALARM_LOW:
        return s->alarm_next & 0xffffffff;
    case RTC_ALARM_HIGH:
        return s->alarm_next >> 32;
    case RTC_IRQ_ENABLED:
        return s->irq_enabled;
    case RTC_ALARM_STATUS:
        return s->alarm_running;
    default:
        qemu_log_mask(LOG_GUEST_ERROR, "%s: offset 0x%x is UNIMP.\n",
                      __func__, (uint32_t)offset);
        return 0;
    }
}

static void goldfish_rtc_write(void *opaque, hwaddr offset, uint64_t value,
                               unsigned size)
{
    GoldfishRTCState *s = opaque;
    uint64_t now;

    switch (offset) {
    case RTC_TIME_LOW:
        now = goldfish_rtc_get_count(s);
        s->tick_offset += ((now & ~0xffffffffULL) | (uint32_t)value) - now;
        break;
    case RTC_TIME_HIGH:
        now = goldfish_rtc_get_count(s);
        s->tick_offset += ((value << 32) | (now & 0xffffffffULL)) - now;
        break;
    case RTC_ALARM_LOW:
        s->alarm_next = (s->alarm_next & ~0xffffffffULL) | (uint32_t)value;
        goldfish_rtc_set_alarm(s);
        break;
    case RTC_ALARM_HIGH:
        s->alarm_next = (s->alarm_next & 0xffffffffULL) | (value << 32);
        break;
    case RTC_IRQ_ENABLED:
        s->irq_enabled = value & 1;
        goldfish_rtc_update(s);
        break;
    case RTC_CLEAR_ALARM:
        goldfish_rtc_clear_alarm(s);
        break;
    case RTC_CLEAR_INTERRUPT:
        s->irq_pending = 0;
        goldfish_rtc_update(s);
        break;
    default:
        qemu_log_mask(LOG_GUEST_ERROR, "%s: offset 0x%x is UNIMP.\n",
                      __func__, (uint32_t)offset);
        break;
    }
}

static const MemoryRegionOps goldfish_rtc_ops = {
    .read = goldfish_rtc_read,
    .write = goldfish_rtc_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 4 },
};

static int goldfish_rtc_post_load(void *opaque, int version_id)
{
    GoldfishRTCState *s = opaque;

    if (s->alarm_running) {
        goldfish_rtc_set_alarm(s);
    }
    goldfish_rtc_update(s);
    return 0;
}

static const VMStateDescription goldfish_rtc_vmstate = {
    .name = TYPE_GOLDFISH_RTC,
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = goldfish_rtc_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT64(tick_offset, GoldfishRTCState),
        VMSTATE_UINT64(alarm_next, GoldfishRTCState),
        VMSTATE_UINT32(alarm_running, GoldfishRTCState),
        VMSTATE_UINT32(irq_pending, GoldfishRTCState),
        VMSTATE_UINT32(irq_enabled, GoldfishRTCState),
        VMSTATE_UINT32(time_high, GoldfishRTCState),
        VMSTATE_END_OF_LIST()
    }
};

static void goldfish_rtc_reset(DeviceState *dev)
{
    GoldfishRTCState *s = GOLDFISH_RTC(dev);

    timer_del(s->timer);
    s->alarm_next = 0;
    s->alarm_running = 0;
    s->irq_pending = 0;
    s->irq_enabled = 0;
    goldfish_rtc_update(s);
}

static void goldfish_rtc_realize(DeviceState *d, Error **errp)
{
    SysBusDevice *dev = SYS_BUS_DEVICE(d);
    GoldfishRTCState *s = GOLDFISH_RTC(d);

    memory_region_init_io(&s->iomem, OBJECT(s), &goldfish_rtc_ops, s,
                          "goldfish_rtc", 0x24);
    sysbus_init_mmio(dev, &s->iomem);
    sysbus_init_irq(dev, &s->irq);
    s->timer = timer_new_ns(rtc_clock, goldfish_rtc_interrupt, s);
    s->tick_offset = (uint64_t)rtc_guest_time_ns() -
                     (uint64_t)qemu_clock_get_ns(rtc_clock);
}

static void goldfish_rtc_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->realize = goldfish_rtc_realize;
    device_class_set_legacy_reset(dc, goldfish_rtc_reset);
    dc->vmsd = &goldfish_rtc_vmstate;
}

static const TypeInfo goldfish_rtc_info = {
    .name = TYPE_GOLDFISH_RTC,
    .parent = TYPE_SYS_BUS_DEVICE,
    .instance_size = sizeof(GoldfishRTCState),
    .class_init = goldfish_rtc_class_init,
};

static void goldfish_rtc_register_types(void)
{
    type_register_static(&goldfish_rtc_info);
}

type_init(goldfish_rtc_register_types)
