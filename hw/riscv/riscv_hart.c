/*
 * riscv hart array: creates num-harts CPUs of cpu-type as its children
 * "harts[i]" with mhartid hartid-base + i, so they appear under the board
 * at the QOM paths QEMU uses (/machine/soc0/harts[0]).
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "hw/sysbus.h"
#include "hw/qdev-properties.h"
#include "hw/riscv/riscv_hart.h"
#include "migration/vmstate.h"

static void riscv_harts_realize(DeviceState *dev, Error **errp)
{
    RISCVHartArrayState *s = RISCV_HART_ARRAY(dev);

    if (!s->num_harts) {
        error_setg(errp, "num-harts must be at least 1");
        return;
    }
    if (!s->cpu_type || !object_class_by_name(s->cpu_type)) {
        error_setg(errp, "invalid cpu-type");
        return;
    }
    s->harts = g_new0(RISCVCPU, s->num_harts);
    for (uint32_t i = 0; i < s->num_harts; i++) {
        g_autofree char *name = g_strdup_printf("harts[%u]", i);
        DeviceState *cpu;

        object_initialize_child_internal(OBJECT(s), name, &s->harts[i],
                                         sizeof(RISCVCPU), s->cpu_type);
        cpu = DEVICE(&s->harts[i]);
        qdev_prop_set_uint64(cpu, "mhartid", s->hartid_base + i);
        qdev_prop_set_uint64(cpu, "resetvec", s->resetvec);
        if (!qdev_realize(cpu, NULL, errp)) {
            return;
        }
    }
}

/* The harts carry their own state; the array has none. */
static const VMStateDescription vmstate_riscv_harts = {
    .name = TYPE_RISCV_HART_ARRAY,
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_END_OF_LIST()
    }
};

static Property riscv_harts_props[] = {
    DEFINE_PROP_UINT32("num-harts", RISCVHartArrayState, num_harts, 1),
    DEFINE_PROP_UINT32("hartid-base", RISCVHartArrayState, hartid_base, 0),
    DEFINE_PROP_STRING("cpu-type", RISCVHartArrayState, cpu_type),
    DEFINE_PROP_UINT64("resetvec", RISCVHartArrayState, resetvec, 0x1000),
    DEFINE_PROP_END_OF_LIST(),
};

static void riscv_harts_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    device_class_set_props(dc, riscv_harts_props);
    dc->realize = riscv_harts_realize;
    dc->vmsd = &vmstate_riscv_harts;
}

static const TypeInfo riscv_harts_info = {
    .name = TYPE_RISCV_HART_ARRAY,
    .parent = TYPE_SYS_BUS_DEVICE,
    .instance_size = sizeof(RISCVHartArrayState),
    .class_init = riscv_harts_class_init,
};

static void riscv_harts_register_types(void)
{
    type_register_static(&riscv_harts_info);
}

type_init(riscv_harts_register_types)
