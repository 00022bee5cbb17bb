/*
 * RISC-V ACLINT: the machine-level timer (MTIMER: mtime and one mtimecmp
 * per hart) and software interrupt (MSWI/SSWI: one msip per hart) devices,
 * laid out as the SiFive CLINT when placed 0x4000 apart.
 *
 * mtime counts the virtual clock at timebase-freq, so a stopped VM's time
 * stands still.  Each hart's MTIP line is level: high while
 * mtime >= mtimecmp; a virtual-clock timer raises it when that happens.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "vireo/log.h"
#include "vireo/timer.h"
#include "hw/irq.h"
#include "hw/sysbus.h"
#include "hw/qdev-properties.h"
#include "hw/intc/riscv_aclint.h"
#include "migration/vmstate.h"
#include "target/riscv/cpu-qom.h"

static uint64_t mul_div_u64(uint64_t a, uint64_t b, uint64_t c)
{
    return (uint64_t)(((unsigned __int128)a * b) / c);
}

static uint64_t mtimer_raw_ticks(RISCVAclintMTimerState *s)
{
    return mul_div_u64(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL),
                       s->timebase_freq, NANOSECONDS_PER_SECOND);
}

uint64_t riscv_aclint_mtimer_read_mtime(RISCVAclintMTimerState *s)
{
    return mtimer_raw_ticks(s) + s->time_delta;
}

/* The `time` CSR: called from the vCPU thread without the big lock. */
static uint64_t mtimer_read_time_hook(void *opaque)
{
    return riscv_aclint_mtimer_read_mtime(opaque);
}

/* Re-evaluate hart @i's MTIP and (re)arm its timer. */
static void mtimer_update(RISCVAclintMTimerState *s, uint32_t i)
{
    uint64_t now = riscv_aclint_mtimer_read_mtime(s);
    uint64_t cmp = s->timecmp[i];
    uint64_t diff_ns;
    int64_t now_ns, expire;

    if (now >= cmp) {
        timer_del(s->timers[i]);
        qemu_irq_raise(s->timer_irqs[i]);
        return;
    }
    qemu_irq_lower(s->timer_irqs[i]);
    diff_ns = mul_div_u64(cmp - now, NANOSECONDS_PER_SECOND,
                          s->timebase_freq);
    now_ns = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    /* A far-away compare value (e.g. all ones) must not wrap around. */
    if (diff_ns >= (uint64_t)(INT64_MAX - now_ns)) {
        expire = INT64_MAX;
    } else {
        /* Round up so the timer never fires a tick early. */
        expire = now_ns + (int64_t)diff_ns + 1;
    }
    timer_mod(s->timers[i], expire);
}

static void mtimer_cb(void *opaque)
{
    RISCVAclintMTimerHart *h = opaque;

    mtimer_update(h->s, h->index);
}

static uint64_t mtimer_read(void *opaque, hwaddr addr, unsigned size)
{
    RISCVAclintMTimerState *s = opaque;
    uint64_t value;
    hwaddr base;

    if (addr >= s->timecmp_base &&
        addr < s->timecmp_base + (hwaddr)s->num_harts * 8) {
        uint32_t i = (addr - s->timecmp_base) >> 3;
        base = s->timecmp_base + (hwaddr)i * 8;
        value = s->timecmp[i];
    } else if (addr >= s->time_base && addr < s->time_base + 8) {
        base = s->time_base;
        value = riscv_aclint_mtimer_read_mtime(s);
    } else {
        qemu_log_mask(LOG_GUEST_ERROR, "aclint-mtimer: invalid read: %08x\n",
                      (uint32_t)addr);
        return 0;
    }
    if (size == 4) {
        return (addr - base) ? value >> 32 : (uint32_t)value;
    }
    if (addr != base) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "aclint-mtimer: misaligned read: %08x\n", (uint32_t)addr);
        return 0;
    }
    return value;
}

/* Merge a 4- or 8-byte write at @off into @old. */
static uint64_t merge(uint64_t old, hwaddr off, uint64_t value, unsigned size)
{
    if (size == 8) {
        return value;
    }
    if (off) {
        return (old & 0xffffffffULL) | (value << 32);
    }
    return (old & ~0xffffffffULL) | (uint32_t)value;
}

static void mtimer_write(void *opaque, hwaddr addr, uint64_t value,
                         unsigned size)
{
    RISCVAclintMTimerState *s = opaque;

    if (size == 8 && (addr & 7)) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "aclint-mtimer: misaligned write: %08x\n",
                      (uint32_t)addr);
        return;
    }
    if (addr >= s->timecmp_base &&
        addr < s->timecmp_base + (hwaddr)s->num_harts * 8) {
        uint32_t i = (addr - s->timecmp_base) >> 3;
        hwaddr off = (addr - s->timecmp_base) & 7;
        s->timecmp[i] = merge(s->timecmp[i], off, value, size);
        mtimer_update(s, i);
    } else if (addr >= s->time_base && addr < s->time_base + 8) {
        uint64_t now = riscv_aclint_mtimer_read_mtime(s);
        uint64_t mtime = merge(now, addr - s->time_base, value, size);
        s->time_delta = mtime - mtimer_raw_ticks(s);
        for (uint32_t i = 0; i < s->num_harts; i++) {
            mtimer_update(s, i);
        }
    } else {
        qemu_log_mask(LOG_GUEST_ERROR, "aclint-mtimer: invalid write: %08x\n",
                      (uint32_t)addr);
    }
}

static const MemoryRegionOps mtimer_ops = {
    .read = mtimer_read,
    .write = mtimer_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 8 },
    .impl = { .min_access_size = 4, .max_access_size = 8 },
};

static void mtimer_realize(DeviceState *dev, Error **errp)
{
    RISCVAclintMTimerState *s = RISCV_ACLINT_MTIMER(dev);

    if (s->num_harts == 0 || s->num_harts > RISCV_ACLINT_MAX_HARTS) {
        error_setg(errp, "invalid num-harts");
        return;
    }
    if (s->timebase_freq == 0) {
        error_setg(errp, "invalid timebase-freq");
        return;
    }
    memory_region_init_io(&s->mmio, OBJECT(dev), &mtimer_ops, s,
                          TYPE_RISCV_ACLINT_MTIMER, s->aperture_size);
    sysbus_init_mmio(SYS_BUS_DEVICE(dev), &s->mmio);

    s->timer_irqs = g_new0(qemu_irq, s->num_harts);
    qdev_init_gpio_out(dev, s->timer_irqs, s->num_harts);
    s->timecmp = g_new0(uint64_t, s->num_harts);
    s->timers = g_new0(QEMUTimer *, s->num_harts);
    s->hart_ctx = g_new0(RISCVAclintMTimerHart, s->num_harts);
    for (uint32_t i = 0; i < s->num_harts; i++) {
        s->hart_ctx[i].s = s;
        s->hart_ctx[i].index = i;
        s->timers[i] = timer_new_ns(QEMU_CLOCK_VIRTUAL, mtimer_cb,
                                    &s->hart_ctx[i]);
    }
}

/* Device reset clears mtime (ACLINT spec); compare values keep theirs. */
static void mtimer_reset(DeviceState *dev)
{
    RISCVAclintMTimerState *s = RISCV_ACLINT_MTIMER(dev);

    s->time_delta = -mtimer_raw_ticks(s);
    for (uint32_t i = 0; i < s->num_harts; i++) {
        mtimer_update(s, i);
    }
}

static int mtimer_post_load(void *opaque, int version_id)
{
    RISCVAclintMTimerState *s = opaque;

    for (uint32_t i = 0; i < s->num_harts; i++) {
        mtimer_update(s, i);
    }
    return 0;
}

static const VMStateDescription vmstate_riscv_mtimer = {
    .name = "riscv_mtimer",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = mtimer_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT64(time_delta, RISCVAclintMTimerState),
        VMSTATE_VARRAY_UINT32(timecmp, RISCVAclintMTimerState, num_harts, 0,
                              vmstate_info_uint64, uint64_t),
        VMSTATE_END_OF_LIST()
    }
};

static Property mtimer_properties[] = {
    DEFINE_PROP_UINT32("hartid-base", RISCVAclintMTimerState, hartid_base, 0),
    DEFINE_PROP_UINT32("num-harts", RISCVAclintMTimerState, num_harts, 1),
    DEFINE_PROP_UINT32("timecmp-base", RISCVAclintMTimerState, timecmp_base,
                       RISCV_ACLINT_DEFAULT_MTIMECMP),
    DEFINE_PROP_UINT32("time-base", RISCVAclintMTimerState, time_base,
                       RISCV_ACLINT_DEFAULT_MTIME),
    DEFINE_PROP_UINT32("aperture-size", RISCVAclintMTimerState, aperture_size,
                       RISCV_ACLINT_DEFAULT_MTIMER_SIZE),
    DEFINE_PROP_UINT32("timebase-freq", RISCVAclintMTimerState, timebase_freq,
                       0),
    DEFINE_PROP_END_OF_LIST(),
};

static void mtimer_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->realize = mtimer_realize;
    dc->vmsd = &vmstate_riscv_mtimer;
    device_class_set_legacy_reset(dc, mtimer_reset);
    device_class_set_props(dc, mtimer_properties);
}

DeviceState *riscv_aclint_mtimer_create(hwaddr addr, hwaddr size,
                                        uint32_t hartid_base,
                                        uint32_t num_harts,
                                        uint32_t timecmp_base,
                                        uint32_t time_base,
                                        uint32_t timebase_freq,
                                        bool provide_rdtime)
{
    DeviceState *dev = qdev_new(TYPE_RISCV_ACLINT_MTIMER);
    RISCVAclintMTimerState *s = RISCV_ACLINT_MTIMER(dev);

    qdev_prop_set_uint32(dev, "hartid-base", hartid_base);
    qdev_prop_set_uint32(dev, "num-harts", num_harts);
    qdev_prop_set_uint32(dev, "timecmp-base", timecmp_base);
    qdev_prop_set_uint32(dev, "time-base", time_base);
    qdev_prop_set_uint32(dev, "aperture-size", size);
    qdev_prop_set_uint32(dev, "timebase-freq", timebase_freq);
    sysbus_realize_and_unref(SYS_BUS_DEVICE(dev), &error_fatal);
    sysbus_mmio_map(SYS_BUS_DEVICE(dev), 0, addr);

    for (uint32_t i = 0; i < num_harts; i++) {
        RISCVCPU *cpu = riscv_cpu_by_hartid(hartid_base + i);

        if (!cpu) {
            continue;
        }
        if (provide_rdtime) {
            cpu->env.hooks.read_time = mtimer_read_time_hook;
            cpu->env.hooks.opaque = s;
        }
        qdev_connect_gpio_out(dev, i, qdev_get_gpio_in(DEVICE(cpu),
                                                       IRQ_M_TIMER));
    }
    return dev;
}

static void swi_set(RISCVAclintSwiState *s, uint32_t i, uint32_t level)
{
    s->msip[i] = level & 1;
    qemu_set_irq(s->soft_irqs[i], s->msip[i]);
}

static uint64_t swi_read(void *opaque, hwaddr addr, unsigned size)
{
    RISCVAclintSwiState *s = opaque;

    if (addr < (hwaddr)s->num_harts * 4 && !(addr & 3)) {
        /* SSWI registers read as zero (the spec's edge-triggered view). */
        return s->sswi ? 0 : s->msip[addr >> 2];
    }
    qemu_log_mask(LOG_GUEST_ERROR, "aclint-swi: invalid read: %08x\n",
                  (uint32_t)addr);
    return 0;
}

static void swi_write(void *opaque, hwaddr addr, uint64_t value,
                      unsigned size)
{
    RISCVAclintSwiState *s = opaque;

    if (addr < (hwaddr)s->num_harts * 4 && !(addr & 3)) {
        if (s->sswi) {
            /* SSWI: writing 1 sets SSIP; software clears it in sip. */
            if (value & 1) {
                qemu_irq_raise(s->soft_irqs[addr >> 2]);
            }
            return;
        }
        swi_set(s, addr >> 2, value);
        return;
    }
    qemu_log_mask(LOG_GUEST_ERROR, "aclint-swi: invalid write: %08x\n",
                  (uint32_t)addr);
}

static const MemoryRegionOps swi_ops = {
    .read = swi_read,
    .write = swi_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 4 },
    .impl = { .min_access_size = 4, .max_access_size = 4 },
};

static void swi_realize(DeviceState *dev, Error **errp)
{
    RISCVAclintSwiState *s = RISCV_ACLINT_SWI(dev);

    if (s->num_harts == 0 || s->num_harts > RISCV_ACLINT_MAX_HARTS) {
        error_setg(errp, "invalid num-harts");
        return;
    }
    memory_region_init_io(&s->mmio, OBJECT(dev), &swi_ops, s,
                          TYPE_RISCV_ACLINT_SWI, RISCV_ACLINT_SWI_SIZE);
    sysbus_init_mmio(SYS_BUS_DEVICE(dev), &s->mmio);
    s->soft_irqs = g_new0(qemu_irq, s->num_harts);
    s->msip = g_new0(uint32_t, s->num_harts);
    qdev_init_gpio_out(dev, s->soft_irqs, s->num_harts);
}

static void swi_reset(DeviceState *dev)
{
    RISCVAclintSwiState *s = RISCV_ACLINT_SWI(dev);

    for (uint32_t i = 0; i < s->num_harts; i++) {
        swi_set(s, i, 0);
    }
}

static int swi_post_load(void *opaque, int version_id)
{
    RISCVAclintSwiState *s = opaque;

    for (uint32_t i = 0; !s->sswi && i < s->num_harts; i++) {
        qemu_set_irq(s->soft_irqs[i], s->msip[i]);
    }
    return 0;
}

static const VMStateDescription vmstate_riscv_aclint_swi = {
    .name = "riscv_aclint_swi",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = swi_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_VARRAY_UINT32(msip, RISCVAclintSwiState, num_harts, 0,
                              vmstate_info_uint32, uint32_t),
        VMSTATE_END_OF_LIST()
    }
};

static Property swi_properties[] = {
    DEFINE_PROP_UINT32("hartid-base", RISCVAclintSwiState, hartid_base, 0),
    DEFINE_PROP_UINT32("num-harts", RISCVAclintSwiState, num_harts, 1),
    DEFINE_PROP_UINT32("sswi", RISCVAclintSwiState, sswi, false),
    DEFINE_PROP_END_OF_LIST(),
};

static void swi_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->realize = swi_realize;
    dc->vmsd = &vmstate_riscv_aclint_swi;
    device_class_set_legacy_reset(dc, swi_reset);
    device_class_set_props(dc, swi_properties);
}

DeviceState *riscv_aclint_swi_create(hwaddr addr, uint32_t hartid_base,
                                     uint32_t num_harts, bool sswi)
{
    DeviceState *dev = qdev_new(TYPE_RISCV_ACLINT_SWI);

    qdev_prop_set_uint32(dev, "hartid-base", hartid_base);
    qdev_prop_set_uint32(dev, "num-harts", num_harts);
    qdev_prop_set_uint32(dev, "sswi", sswi);
    sysbus_realize_and_unref(SYS_BUS_DEVICE(dev), &error_fatal);
    sysbus_mmio_map(SYS_BUS_DEVICE(dev), 0, addr);

    for (uint32_t i = 0; i < num_harts; i++) {
        RISCVCPU *cpu = riscv_cpu_by_hartid(hartid_base + i);

        if (cpu) {
            qdev_connect_gpio_out(dev, i, qdev_get_gpio_in(DEVICE(cpu),
                                  sswi ? IRQ_S_SOFT : IRQ_M_SOFT));
        }
    }
    return dev;
}

static const TypeInfo riscv_aclint_types[] = {
    {
        .name = TYPE_RISCV_ACLINT_MTIMER,
        .parent = TYPE_SYS_BUS_DEVICE,
        .instance_size = sizeof(RISCVAclintMTimerState),
        .class_init = mtimer_class_init,
    },
    {
        .name = TYPE_RISCV_ACLINT_SWI,
        .parent = TYPE_SYS_BUS_DEVICE,
        .instance_size = sizeof(RISCVAclintSwiState),
        .class_init = swi_class_init,
    },
};

DEFINE_TYPES(riscv_aclint_types)
