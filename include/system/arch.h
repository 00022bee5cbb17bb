/*
 * What the target-independent system code asks of the target a binary
 * emulates: its name for QMP, its vCPUs, CPU models and debug access.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef SYSTEM_ARCH_H
#define SYSTEM_ARCH_H

#include "qom/object.h"
#include "qapi/qapi-types-machine.h"
#include "qapi/qapi-types-machine-target.h"

extern const SysEmuTarget arch_target;

int arch_cpu_count(void);
Object *arch_cpu_object(int index);
int64_t arch_cpu_thread_id(int index);
/* Reads guest virtual memory as vCPU @index sees it; false on a fault. */
bool arch_cpu_memory_read(int index, uint64_t addr, void *buf, size_t len);
/*
 * Disassemble the instruction at guest address @pc from @buf (@len bytes
 * readable) as one line; returns its length, or 0 when @len is too short
 * or the target has no disassembler.
 */
unsigned arch_disas_line(GString *out, uint64_t pc, const uint8_t *buf,
                         size_t len);
/* "info registers" for vCPU @index. */
void arch_cpu_dump_state(int index, GString *out);

CpuDefinitionInfoList *arch_query_cpu_definitions(Error **errp);
CpuModelExpansionInfo *arch_query_cpu_model_expansion(
    CpuModelExpansionType type, CpuModelInfo *model, Error **errp);
/* The CPU type for -cpu NAME, or NULL. */
const char *arch_cpu_type_by_name(const char *name);

#endif
