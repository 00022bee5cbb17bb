/*
 * The riscv hart as a QOM device ("rv64-riscv-cpu"): properties, reset,
 * local interrupt lines fed by the ACLINT and PLIC, and the VMState of the
 * architectural state.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "vireo/main-loop.h"
#include "hw/qdev-core.h"
#include "hw/qdev-properties.h"
#include "migration/vmstate.h"
#include "system/reset.h"
#include "exec/memory.h"
#include "exec/tb.h"
#include "accel/tcg/tcg-cpus.h"
#include "target/riscv/cpu-qom.h"
#include "target/riscv/mmu.h"
#include "target/riscv/arch_dump.h"

#define DEFAULT_RSTVEC 0x1000

static GPtrArray *riscv_cpus;

RISCVCPU *riscv_cpu_by_index(int index)
{
    if (!riscv_cpus || index < 0 || index >= (int)riscv_cpus->len) {
        return NULL;
    }
    return g_ptr_array_index(riscv_cpus, index);
}

RISCVCPU *riscv_cpu_by_hartid(uint64_t hartid)
{
    for (int i = 0; riscv_cpus && i < (int)riscv_cpus->len; i++) {
        RISCVCPU *cpu = g_ptr_array_index(riscv_cpus, i);
        if (cpu->env.mhartid == hartid) {
            return cpu;
        }
    }
    return NULL;
}

int riscv_cpu_count(void)
{
    return riscv_cpus ? riscv_cpus->len : 0;
}

/*
 * Walk the page table for the monitor (x, memsave, dump-guest-memory):
 * no A/D updates, no PMP, no faults.  Returns -1 when unmapped.
 */
int64_t riscv_cpu_get_phys_page_debug(RISCVCPU *cpu, uint64_t addr)
{
    CPURISCVState *env = &cpu->env;
    unsigned mode = env->satp >> SATP_MODE_SHIFT;
    int levels;
    uint64_t table;

    if (env->priv == PRV_M || mode == SATP_MODE_BARE) {
        return addr & TARGET_PAGE_MASK;
    }
    if (mode == SATP_MODE_SV39) {
        levels = 3;
    } else if (mode == SATP_MODE_SV48) {
        levels = 4;
    } else {
        return -1;
    }
    /* The upper bits must copy the top translated bit. */
    if (((int64_t)addr << (64 - 12 - 9 * levels)) >> (64 - 12 - 9 * levels)
        != (int64_t)addr) {
        return -1;
    }
    table = (env->satp & SATP_PPN_MASK) << 12;
    for (int level = levels - 1; level >= 0; level--) {
        unsigned shift = 12 + 9 * level;
        uint64_t idx = (addr >> shift) & 0x1ff;
        MemTxResult res;
        uint64_t pte = address_space_ldq_le(env->as, table + idx * 8,
                                            MEMTXATTRS_UNSPECIFIED, &res);
        uint64_t ppn = (pte >> 10) & ((1ULL << 44) - 1);

        if (res != MEMTX_OK || !(pte & PTE_V) ||
            (!(pte & PTE_R) && (pte & PTE_W))) {
            return -1;
        }
        if (pte & (PTE_R | PTE_X)) {
            /* A leaf; superpages keep the low virtual bits. */
            uint64_t mask = (1ULL << shift) - 1;
            return ((ppn << 12) & ~mask) | (addr & mask & TARGET_PAGE_MASK);
        }
        table = ppn << 12;
    }
    return -1;
}

/*
 * A device raised or lowered one of the hart's local interrupt lines.
 * Called with the big lock held, from the main loop (timers) or from the
 * vCPU thread (MMIO); the vCPU thread may be asleep in wfi, so kick it.
 */
static void riscv_cpu_set_irq(void *opaque, int irq, int level)
{
    RISCVCPU *cpu = opaque;

    riscv_set_pending(&cpu->env, 1ULL << irq, level != 0);
    if (level) {
        tcg_cpus_kick(cpu);
    }
}

/* The whole machine reset is over (bottom halves run after it). */
static void riscv_cpu_reset_done(void *opaque)
{
    tcg_cpus_resume();
}

/*
 * Machine reset: the vCPU thread must not run the hart meanwhile, nor
 * until the other reset handlers (devices, boot images) have run.
 */
static void riscv_cpu_machine_reset(void *opaque)
{
    RISCVCPU *cpu = opaque;

    tcg_cpus_pause();
    riscv_cpu_reset(&cpu->env, cpu->resetvec);
    cpu->halted = false;
    qemu_bh_schedule(cpu->reset_done_bh);
}

static void riscv_cpu_realize(DeviceState *dev, Error **errp)
{
    RISCVCPU *cpu = RISCV_CPU(dev);

    if (riscv_cpu_by_hartid(cpu->env.mhartid)) {
        error_setg(errp, "mhartid %" PRIu64 " is already in use",
                   cpu->env.mhartid);
        return;
    }
    if (!riscv_cpus) {
        riscv_cpus = g_ptr_array_new();
    }
    cpu->cpu_index = riscv_cpus->len;
    g_ptr_array_add(riscv_cpus, cpu);
    cpu->env.as = &address_space_memory;
    riscv_dump_register();
    riscv_cpu_reset(&cpu->env, cpu->resetvec);
    cpu->reset_done_bh = qemu_bh_new(riscv_cpu_reset_done, cpu);
    qemu_register_reset(riscv_cpu_machine_reset, cpu);
    tcg_cpus_add(cpu);
}

static void riscv_cpu_instance_init(Object *obj)
{
    RISCVCPU *cpu = RISCV_CPU(obj);

    cpu->cpu_index = -1;
    qdev_init_gpio_in(DEVICE(obj), riscv_cpu_set_irq, RISCV_CPU_LOCAL_IRQS);
}

/* State derived from what was loaded. */
static int riscv_cpu_post_load(void *opaque, int version_id)
{
    RISCVCPU *cpu = opaque;

    riscv_pmp_update(&cpu->env);
    riscv_tlb_flush(&cpu->env);
    return 0;
}

const VMStateDescription vmstate_riscv_cpu = {
    .name = "cpu",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = riscv_cpu_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT64_ARRAY(env.gpr, RISCVCPU, 32),
        VMSTATE_UINT64_ARRAY(env.fpr, RISCVCPU, 32),
        VMSTATE_UINT64(env.pc, RISCVCPU),
        VMSTATE_UINT32(env.priv, RISCVCPU),
        VMSTATE_UINT64(env.misa, RISCVCPU),
        VMSTATE_UINT64(env.mhartid, RISCVCPU),
        VMSTATE_UINT64(env.mstatus, RISCVCPU),
        VMSTATE_UINT64(env.medeleg, RISCVCPU),
        VMSTATE_UINT64(env.mideleg, RISCVCPU),
        VMSTATE_UINT64(env.mie, RISCVCPU),
        VMSTATE_UINT64(env.mip, RISCVCPU),
        VMSTATE_UINT64(env.mtvec, RISCVCPU),
        VMSTATE_UINT64(env.stvec, RISCVCPU),
        VMSTATE_UINT64(env.mscratch, RISCVCPU),
        VMSTATE_UINT64(env.sscratch, RISCVCPU),
        VMSTATE_UINT64(env.mepc, RISCVCPU),
        VMSTATE_UINT64(env.sepc, RISCVCPU),
        VMSTATE_UINT64(env.mcause, RISCVCPU),
        VMSTATE_UINT64(env.scause, RISCVCPU),
        VMSTATE_UINT64(env.mtval, RISCVCPU),
        VMSTATE_UINT64(env.stval, RISCVCPU),
        VMSTATE_UINT64(env.satp, RISCVCPU),
        VMSTATE_UINT64(env.mcounteren, RISCVCPU),
        VMSTATE_UINT64(env.scounteren, RISCVCPU),
        VMSTATE_UINT64(env.mcountinhibit, RISCVCPU),
        VMSTATE_UINT64(env.menvcfg, RISCVCPU),
        VMSTATE_UINT64(env.senvcfg, RISCVCPU),
        VMSTATE_UINT64(env.mcycle_base, RISCVCPU),
        VMSTATE_UINT64(env.minstret_base, RISCVCPU),
        VMSTATE_UINT64(env.icount, RISCVCPU),
        VMSTATE_UINT32(env.fflags, RISCVCPU),
        VMSTATE_UINT32(env.frm, RISCVCPU),
        VMSTATE_UINT8_ARRAY(env.pmpcfg, RISCVCPU, RISCV_PMP_ENTRIES),
        VMSTATE_UINT64_ARRAY(env.pmpaddr, RISCVCPU, RISCV_PMP_ENTRIES),
        VMSTATE_UINT64(env.load_res, RISCVCPU),
        VMSTATE_UINT64(env.load_val, RISCVCPU),
        VMSTATE_BOOL(env.wfi, RISCVCPU),
        VMSTATE_END_OF_LIST()
    }
};

static Property riscv_cpu_properties[] = {
    DEFINE_PROP_UINT64("mhartid", RISCVCPU, env.mhartid, 0),
    DEFINE_PROP_UINT64("resetvec", RISCVCPU, resetvec, DEFAULT_RSTVEC),
    DEFINE_PROP_END_OF_LIST(),
};

static void riscv_cpu_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->realize = riscv_cpu_realize;
    dc->vmsd = &vmstate_riscv_cpu;
    dc->user_creatable = false;
    device_class_set_props(dc, riscv_cpu_properties);
}

static const TypeInfo riscv_cpu_types[] = {
    {
        .name = TYPE_RISCV_CPU,
        .parent = TYPE_DEVICE,
        .instance_size = sizeof(RISCVCPU),
        .instance_init = riscv_cpu_instance_init,
        .abstract = true,
        .class_init = riscv_cpu_class_init,
    },
    {
        .name = TYPE_RISCV_CPU_BASE64,
        .parent = TYPE_RISCV_CPU,
    },
};

DEFINE_TYPES(riscv_cpu_types)
