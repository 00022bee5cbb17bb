/*
 * SiFive PLIC: level-triggered sources with priorities, per-context enable
 * bits and thresholds, and claim/complete.  A context's external interrupt
 * line (MEIP or SEIP of its hart) is high while some source is pending,
 * enabled, not claimed and above the context's threshold.
 *
 * Register layout (offsets are properties so boards can differ): source
 * priorities from priority-base (source 1 first), the pending bitmap at
 * pending-base, enable bitmaps at enable-base + ctx * enable-stride, and
 * threshold/claim at context-base + ctx * context-stride (+0 / +4).
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "vireo/log.h"
#include "hw/irq.h"
#include "hw/sysbus.h"
#include "hw/qdev-properties.h"
#include "hw/intc/sifive_plic.h"
#include "migration/vmstate.h"
#include "target/riscv/cpu-qom.h"

static bool in_range(hwaddr addr, hwaddr base, hwaddr len)
{
    return addr >= base && addr - base < len;
}

static bool bit_test(const uint32_t *bits, uint32_t n)
{
    return bits[n >> 5] & (1u << (n & 31));
}

static void bit_assign(uint32_t *bits, uint32_t n, bool value)
{
    if (value) {
        bits[n >> 5] |= 1u << (n & 31);
    } else {
        bits[n >> 5] &= ~(1u << (n & 31));
    }
}

/* The best source context @ctx could claim now, or 0. */
static uint32_t plic_best(SiFivePLICState *s, uint32_t ctx)
{
    uint32_t best = 0, best_prio = s->target_priority[ctx];
    const uint32_t *en = &s->enable[ctx * s->bitfield_words];

    for (uint32_t w = 0; w < s->bitfield_words; w++) {
        uint32_t cand = s->pending[w] & ~s->claimed[w] & en[w];

        while (cand) {
            uint32_t irq = w * 32 + __builtin_ctz(cand);
            cand &= cand - 1;
            if (irq == 0 || irq >= s->num_sources) {
                continue;
            }
            if (s->source_priority[irq] > best_prio) {
                best = irq;
                best_prio = s->source_priority[irq];
            }
        }
    }
    return best;
}

static void plic_update(SiFivePLICState *s)
{
    for (uint32_t ctx = 0; ctx < s->num_addrs; ctx++) {
        uint32_t hart = s->addr_config[ctx].hartid - s->hartid_base;
        int level = plic_best(s, ctx) != 0;

        switch (s->addr_config[ctx].mode) {
        case PLICMode_M:
            qemu_set_irq(s->m_external_irqs[hart], level);
            break;
        case PLICMode_S:
            qemu_set_irq(s->s_external_irqs[hart], level);
            break;
        default:
            break;
        }
    }
}

/* A device line changed. */
static void plic_irq_request(void *opaque, int irq, int level)
{
    SiFivePLICState *s = opaque;

    if (irq <= 0 || (uint32_t)irq >= s->num_sources) {
        return;
    }
    bit_assign(s->pending, irq, level > 0);
    plic_update(s);
}

/* Priorities and thresholds keep only the values the hardware holds. */
static uint32_t plic_clamp_priority(SiFivePLICState *s, uint32_t value,
                                    uint32_t old)
{
    if (((s->num_priorities + 1) & s->num_priorities) == 0) {
        return value & s->num_priorities;    /* WARL bits */
    }
    return value <= s->num_priorities ? value : old;
}

static uint64_t plic_read(void *opaque, hwaddr addr, unsigned size)
{
    SiFivePLICState *s = opaque;

    if (in_range(addr, s->priority_base, (hwaddr)(s->num_sources - 1) * 4)) {
        return s->source_priority[((addr - s->priority_base) >> 2) + 1];
    }
    if (in_range(addr, s->pending_base, (hwaddr)s->bitfield_words * 4)) {
        return s->pending[(addr - s->pending_base) >> 2];
    }
    if (in_range(addr, s->enable_base,
                 (hwaddr)s->num_addrs * s->enable_stride)) {
        uint32_t ctx = (addr - s->enable_base) / s->enable_stride;
        uint32_t word = ((addr - s->enable_base) % s->enable_stride) >> 2;

        if (word < s->bitfield_words) {
            return s->enable[ctx * s->bitfield_words + word];
        }
    } else if (in_range(addr, s->context_base,
                        (hwaddr)s->num_addrs * s->context_stride)) {
        uint32_t ctx = (addr - s->context_base) / s->context_stride;
        uint32_t reg = (addr - s->context_base) % s->context_stride;

        if (reg == 0) {
            return s->target_priority[ctx];
        }
        if (reg == 4) {
            uint32_t irq = plic_best(s, ctx);

            if (irq) {
                bit_assign(s->pending, irq, false);
                bit_assign(s->claimed, irq, true);
            }
            plic_update(s);
            return irq;
        }
    }
    qemu_log_mask(LOG_GUEST_ERROR, "sifive_plic: invalid register read 0x%"
                  HWADDR_PRIx "\n", addr);
    return 0;
}

static void plic_write(void *opaque, hwaddr addr, uint64_t value,
                       unsigned size)
{
    SiFivePLICState *s = opaque;

    if (in_range(addr, s->priority_base, (hwaddr)(s->num_sources - 1) * 4)) {
        uint32_t irq = ((addr - s->priority_base) >> 2) + 1;

        s->source_priority[irq] = plic_clamp_priority(s, value,
                                                      s->source_priority[irq]);
        plic_update(s);
        return;
    }
    if (in_range(addr, s->pending_base, (hwaddr)s->bitfield_words * 4)) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "sifive_plic: invalid pending write 0x%" HWADDR_PRIx
                      "\n", addr);
        return;
    }
    if (in_range(addr, s->enable_base,
                 (hwaddr)s->num_addrs * s->enable_stride)) {
        uint32_t ctx = (addr - s->enable_base) / s->enable_stride;
        uint32_t word = ((addr - s->enable_base) % s->enable_stride) >> 2;

        if (word < s->bitfield_words) {
            if (word == 0) {
                value &= ~1u;           /* source 0 does not exist */
            }
            s->enable[ctx * s->bitfield_words + word] = value;
            plic_update(s);
            return;
        }
    } else if (in_range(addr, s->context_base,
                        (hwaddr)s->num_addrs * s->context_stride)) {
        uint32_t ctx = (addr - s->context_base) / s->context_stride;
        uint32_t reg = (addr - s->context_base) % s->context_stride;

        if (reg == 0) {
            s->target_priority[ctx] =
                plic_clamp_priority(s, value, s->target_priority[ctx]);
            plic_update(s);
            return;
        }
        if (reg == 4) {
            /* Complete: only a source enabled for this context. */
            if (value && value < s->num_sources &&
                bit_test(&s->enable[ctx * s->bitfield_words], value)) {
                bit_assign(s->claimed, value, false);
                plic_update(s);
            }
            return;
        }
    }
    qemu_log_mask(LOG_GUEST_ERROR, "sifive_plic: invalid register write 0x%"
                  HWADDR_PRIx "\n", addr);
}

static const MemoryRegionOps plic_ops = {
    .read = plic_read,
    .write = plic_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 4 },
    .impl = { .min_access_size = 4, .max_access_size = 4 },
};

/* "MS,MS,U" names each hart's contexts in order, hart by hart. */
static bool plic_parse_hart_config(SiFivePLICState *s, Error **errp)
{
    g_auto(GStrv) harts = NULL;
    uint32_t ctx = 0;

    if (!s->hart_config) {
        error_setg(errp, "hart-config is not set");
        return false;
    }
    harts = g_strsplit(s->hart_config, ",", -1);
    if (g_strv_length(harts) != s->num_harts) {
        error_setg(errp, "hart-config names %u harts, num-harts is %u",
                   g_strv_length(harts), s->num_harts);
        return false;
    }
    s->addr_config = g_new0(PLICAddr, strlen(s->hart_config));
    for (uint32_t h = 0; harts[h]; h++) {
        for (const char *p = harts[h]; *p; p++) {
            PLICMode mode;

            switch (*p) {
            case 'U':
                mode = PLICMode_U;
                break;
            case 'S':
                mode = PLICMode_S;
                break;
            case 'H':
                mode = PLICMode_H;
                break;
            case 'M':
                mode = PLICMode_M;
                break;
            default:
                error_setg(errp, "invalid mode '%c' in hart-config", *p);
                return false;
            }
            s->addr_config[ctx].addrid = ctx;
            s->addr_config[ctx].hartid = s->hartid_base + h;
            s->addr_config[ctx].mode = mode;
            ctx++;
        }
    }
    s->num_addrs = ctx;
    return true;
}

static void plic_realize(DeviceState *dev, Error **errp)
{
    SiFivePLICState *s = SIFIVE_PLIC(dev);

    if (s->num_sources < 2 || s->num_sources > 1024) {
        error_setg(errp, "invalid num-sources");
        return;
    }
    if (s->enable_stride == 0 || s->context_stride == 0 ||
        (s->enable_stride & (s->enable_stride - 1)) ||
        (s->context_stride & (s->context_stride - 1))) {
        error_setg(errp, "enable-stride and context-stride must be powers "
                   "of two");
        return;
    }
    if (!plic_parse_hart_config(s, errp)) {
        return;
    }
    memory_region_init_io(&s->mmio, OBJECT(dev), &plic_ops, s,
                          TYPE_SIFIVE_PLIC, s->aperture_size);
    sysbus_init_mmio(SYS_BUS_DEVICE(dev), &s->mmio);

    s->bitfield_words = (s->num_sources + 31) >> 5;
    s->num_enables = s->bitfield_words * s->num_addrs;
    s->source_priority = g_new0(uint32_t, s->num_sources);
    s->target_priority = g_new0(uint32_t, s->num_addrs);
    s->pending = g_new0(uint32_t, s->bitfield_words);
    s->claimed = g_new0(uint32_t, s->bitfield_words);
    s->enable = g_new0(uint32_t, s->num_enables);

    qdev_init_gpio_in(dev, plic_irq_request, s->num_sources);
    s->s_external_irqs = g_new0(qemu_irq, s->num_harts);
    qdev_init_gpio_out(dev, s->s_external_irqs, s->num_harts);
    s->m_external_irqs = g_new0(qemu_irq, s->num_harts);
    qdev_init_gpio_out(dev, s->m_external_irqs, s->num_harts);
}

static void plic_reset(DeviceState *dev)
{
    SiFivePLICState *s = SIFIVE_PLIC(dev);

    memset(s->source_priority, 0, sizeof(uint32_t) * s->num_sources);
    memset(s->target_priority, 0, sizeof(uint32_t) * s->num_addrs);
    memset(s->pending, 0, sizeof(uint32_t) * s->bitfield_words);
    memset(s->claimed, 0, sizeof(uint32_t) * s->bitfield_words);
    memset(s->enable, 0, sizeof(uint32_t) * s->num_enables);
    for (uint32_t i = 0; i < s->num_harts; i++) {
        qemu_set_irq(s->m_external_irqs[i], 0);
        qemu_set_irq(s->s_external_irqs[i], 0);
    }
}

static int plic_post_load(void *opaque, int version_id)
{
    plic_update(opaque);
    return 0;
}

static const VMStateDescription vmstate_sifive_plic = {
    .name = "riscv_sifive_plic",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = plic_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_VARRAY_UINT32(source_priority, SiFivePLICState, num_sources,
                              0, vmstate_info_uint32, uint32_t),
        VMSTATE_VARRAY_UINT32(target_priority, SiFivePLICState, num_addrs, 0,
                              vmstate_info_uint32, uint32_t),
        VMSTATE_VARRAY_UINT32(pending, SiFivePLICState, bitfield_words, 0,
                              vmstate_info_uint32, uint32_t),
        VMSTATE_VARRAY_UINT32(claimed, SiFivePLICState, bitfield_words, 0,
                              vmstate_info_uint32, uint32_t),
        VMSTATE_VARRAY_UINT32(enable, SiFivePLICState, num_enables, 0,
                              vmstate_info_uint32, uint32_t),
        VMSTATE_END_OF_LIST()
    }
};

static Property plic_properties[] = {
    DEFINE_PROP_STRING("hart-config", SiFivePLICState, hart_config),
    DEFINE_PROP_UINT32("hartid-base", SiFivePLICState, hartid_base, 0),
    DEFINE_PROP_UINT32("num-harts", SiFivePLICState, num_harts, 1),
    DEFINE_PROP_UINT32("num-sources", SiFivePLICState, num_sources, 0),
    DEFINE_PROP_UINT32("num-priorities", SiFivePLICState, num_priorities, 0),
    DEFINE_PROP_UINT32("priority-base", SiFivePLICState, priority_base, 0),
    DEFINE_PROP_UINT32("pending-base", SiFivePLICState, pending_base, 0),
    DEFINE_PROP_UINT32("enable-base", SiFivePLICState, enable_base, 0),
    DEFINE_PROP_UINT32("enable-stride", SiFivePLICState, enable_stride, 0),
    DEFINE_PROP_UINT32("context-base", SiFivePLICState, context_base, 0),
    DEFINE_PROP_UINT32("context-stride", SiFivePLICState, context_stride, 0),
    DEFINE_PROP_UINT32("aperture-size", SiFivePLICState, aperture_size, 0),
    DEFINE_PROP_END_OF_LIST(),
};

static void plic_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->realize = plic_realize;
    dc->vmsd = &vmstate_sifive_plic;
    device_class_set_legacy_reset(dc, plic_reset);
    device_class_set_props(dc, plic_properties);
}

DeviceState *sifive_plic_create(hwaddr addr, char *hart_config,
                                uint32_t num_harts, uint32_t hartid_base,
                                uint32_t num_sources, uint32_t num_priorities,
                                uint32_t priority_base, uint32_t pending_base,
                                uint32_t enable_base, uint32_t enable_stride,
                                uint32_t context_base, uint32_t context_stride,
                                uint32_t aperture_size)
{
    DeviceState *dev = qdev_new(TYPE_SIFIVE_PLIC);
    SiFivePLICState *s = SIFIVE_PLIC(dev);

    qdev_prop_set_string(dev, "hart-config", hart_config);
    qdev_prop_set_uint32(dev, "num-harts", num_harts);
    qdev_prop_set_uint32(dev, "hartid-base", hartid_base);
    qdev_prop_set_uint32(dev, "num-sources", num_sources);
    qdev_prop_set_uint32(dev, "num-priorities", num_priorities);
    qdev_prop_set_uint32(dev, "priority-base", priority_base);
    qdev_prop_set_uint32(dev, "pending-base", pending_base);
    qdev_prop_set_uint32(dev, "enable-base", enable_base);
    qdev_prop_set_uint32(dev, "enable-stride", enable_stride);
    qdev_prop_set_uint32(dev, "context-base", context_base);
    qdev_prop_set_uint32(dev, "context-stride", context_stride);
    qdev_prop_set_uint32(dev, "aperture-size", aperture_size);
    sysbus_realize_and_unref(SYS_BUS_DEVICE(dev), &error_fatal);
    sysbus_mmio_map(SYS_BUS_DEVICE(dev), 0, addr);

    for (uint32_t ctx = 0; ctx < s->num_addrs; ctx++) {
        uint32_t hart = s->addr_config[ctx].hartid - hartid_base;
        RISCVCPU *cpu = riscv_cpu_by_hartid(s->addr_config[ctx].hartid);

        if (!cpu) {
            continue;
        }
        if (s->addr_config[ctx].mode == PLICMode_M) {
            qdev_connect_gpio_out(dev, num_harts + hart,
                                  qdev_get_gpio_in(DEVICE(cpu), IRQ_M_EXT));
        } else if (s->addr_config[ctx].mode == PLICMode_S) {
            qdev_connect_gpio_out(dev, hart,
                                  qdev_get_gpio_in(DEVICE(cpu), IRQ_S_EXT));
        }
    }
    return dev;
}

static const TypeInfo sifive_plic_info = {
    .name = TYPE_SIFIVE_PLIC,
    .parent = TYPE_SYS_BUS_DEVICE,
    .instance_size = sizeof(SiFivePLICState),
    .class_init = plic_class_init,
};

static void sifive_plic_register_types(void)
{
    type_register_static(&sifive_plic_info);
}

type_init(sifive_plic_register_types)
