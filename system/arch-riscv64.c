/*
 * The riscv64 target as the system code sees it (see system/arch.h).
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "exec/memory.h"
#include "target/riscv/cpu-qom.h"
#include "target/riscv/decode.h"
#include "target/riscv/log.h"
#include "system/arch.h"

const SysEmuTarget arch_target = SYS_EMU_TARGET_RISCV64;

int arch_cpu_count(void)
{
    return riscv_cpu_count();
}

Object *arch_cpu_object(int index)
{
    RISCVCPU *cpu = riscv_cpu_by_index(index);

    return cpu ? OBJECT(cpu) : NULL;
}

int64_t arch_cpu_thread_id(int index)
{
    RISCVCPU *cpu = riscv_cpu_by_index(index);

    return cpu ? cpu->thread_id : 0;
}

bool arch_cpu_memory_read(int index, uint64_t addr, void *buf, size_t len)
{
    RISCVCPU *cpu = riscv_cpu_by_index(index);
    uint8_t *p = buf;

    if (!cpu) {
        return false;
    }
    while (len) {
        uint64_t page = addr & ~0xfffULL;
        size_t n = MIN(len, page + 0x1000 - addr);
        int64_t phys = riscv_cpu_get_phys_page_debug(cpu, page);

        if (phys < 0 ||
            address_space_read(&address_space_memory, phys + (addr - page),
                               MEMTXATTRS_UNSPECIFIED, p, n) != MEMTX_OK) {
            return false;
        }
        addr += n;
        p += n;
        len -= n;
    }
    return true;
}

unsigned arch_disas_line(GString *out, uint64_t pc, const uint8_t *buf,
                         size_t len)
{
    return riscv_disas_line(out, pc, buf, len);
}

void arch_cpu_dump_state(int index, GString *out)
{
    RISCVCPU *cpu = riscv_cpu_by_index(index);

    if (cpu) {
        riscv_dump_state(&cpu->env, out, RISCV_DUMP_FPU);
    }
}

const char *arch_cpu_type_by_name(const char *name)
{
    static char type[64];

    g_snprintf(type, sizeof(type), "%s" RISCV_CPU_TYPE_SUFFIX, name);
    if (!object_class_by_name(type)) {
        return NULL;
    }
    return type;
}

static void add_definition(ObjectClass *oc, void *opaque)
{
    CpuDefinitionInfoList **list = opaque;
    const char *typename = object_class_get_name(oc);
    CpuDefinitionInfo *info = g_new0(CpuDefinitionInfo, 1);

    info->name = g_strndup(typename,
                           strlen(typename) - strlen(RISCV_CPU_TYPE_SUFFIX));
    info->q_typename = g_strdup(typename);
    QAPI_LIST_PREPEND(*list, info);
}

CpuDefinitionInfoList *arch_query_cpu_definitions(Error **errp)
{
    CpuDefinitionInfoList *list = NULL;

    object_class_foreach(add_definition, TYPE_RISCV_CPU, false, &list);
    return list;
}

CpuModelExpansionInfo *arch_query_cpu_model_expansion(
    CpuModelExpansionType type, CpuModelInfo *model, Error **errp)
{
    const char *typename;
    CpuModelExpansionInfo *info;

    if (type != CPU_MODEL_EXPANSION_TYPE_FULL) {
        error_setg(errp, "The requested expansion type is not supported");
        return NULL;
    }
    typename = arch_cpu_type_by_name(model->name);
    if (!typename) {
        error_setg(errp, "The CPU type '%s' is not a known RISC-V CPU type",
                   model->name);
        return NULL;
    }
    if (model->props) {
        error_setg(errp, "Vireo's RISC-V CPU models take no properties");
        return NULL;
    }
    info = g_new0(CpuModelExpansionInfo, 1);
    info->model = g_new0(CpuModelInfo, 1);
    info->model->name = g_strdup(model->name);
    return info;
}
