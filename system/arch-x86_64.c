/*
 * The x86_64 target as the system code sees it: Vireo has no x86 CPU
 * model yet, so the binary offers the "none" machine only.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "system/arch.h"

const SysEmuTarget arch_target = SYS_EMU_TARGET_X86_64;

int arch_cpu_count(void)
{
    return 0;
}

Object *arch_cpu_object(int index)
{
    return NULL;
}

int64_t arch_cpu_thread_id(int index)
{
    return 0;
}

bool arch_cpu_memory_read(int index, uint64_t addr, void *buf, size_t len)
{
    return false;
}

unsigned arch_disas_line(GString *out, uint64_t pc, const uint8_t *buf,
                         size_t len)
{
    return 0;
}

void arch_cpu_dump_state(int index, GString *out)
{
}

const char *arch_cpu_type_by_name(const char *name)
{
    return NULL;
}

CpuDefinitionInfoList *arch_query_cpu_definitions(Error **errp)
{
    return NULL;
}

CpuModelExpansionInfo *arch_query_cpu_model_expansion(
    CpuModelExpansionType type, CpuModelInfo *model, Error **errp)
{
    error_setg(errp, "The requested expansion type is not supported");
    return NULL;
}
