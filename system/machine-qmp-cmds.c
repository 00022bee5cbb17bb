/*
 * QMP commands about the machine, its CPUs and memory, and the
 * emulator's identity (name, UUID, target, accelerators, options).
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "vireo/option.h"
#include "hw/boards.h"
#include "system/arch.h"
#include "system/hostmem.h"
#include "system/system.h"
#include "exec/memory.h"
#include "qapi/qapi-commands-machine.h"
#include "qapi/qapi-commands-machine-target.h"
#include "qapi/qapi-commands-accelerator.h"
#include "qapi/qapi-commands-misc.h"

MachineInfoList *qmp_query_machines(Error **errp)
{
    g_autoptr(GSList) machines = machine_class_list();
    MachineInfoList *mach_list = NULL;

    for (GSList *el = machines; el; el = el->next) {
        MachineClass *mc = el->data;
        const char *type = object_class_get_name(OBJECT_CLASS(mc));
        MachineInfo *info = g_new0(MachineInfo, 1);

        info->name = g_strndup(type, strlen(type) -
                               strlen(TYPE_MACHINE_SUFFIX));
        if (mc->alias) {
            info->alias = g_strdup(mc->alias);
        }
        if (mc->is_default) {
            info->has_is_default = true;
            info->is_default = true;
        }
        info->cpu_max = !mc->max_cpus ? 1 : mc->max_cpus;
        info->hotpluggable_cpus = mc->has_hotpluggable_cpus;
        info->numa_mem_supported = false;
        info->deprecated = !!mc->deprecation_reason;
        info->acpi = false;
        if (mc->default_cpu_type) {
            info->default_cpu_type = g_strdup(mc->default_cpu_type);
        }
        if (mc->default_ram_id) {
            info->default_ram_id = g_strdup(mc->default_ram_id);
        }
        QAPI_LIST_PREPEND(mach_list, info);
    }
    return mach_list;
}

CurrentMachineParams *qmp_query_current_machine(Error **errp)
{
    return g_new0(CurrentMachineParams, 1);
}

TargetInfo *qmp_query_target(Error **errp)
{
    TargetInfo *info = g_new0(TargetInfo, 1);

    info->arch = arch_target;
    return info;
}

UuidInfo *qmp_query_uuid(Error **errp)
{
    UuidInfo *info = g_new0(UuidInfo, 1);
    const uint8_t *u = qemu_uuid;

    info->UUID = g_strdup_printf("%02x%02x%02x%02x-%02x%02x-%02x%02x-"
                                 "%02x%02x-%02x%02x%02x%02x%02x%02x",
                                 u[0], u[1], u[2], u[3], u[4], u[5], u[6],
                                 u[7], u[8], u[9], u[10], u[11], u[12],
                                 u[13], u[14], u[15]);
    return info;
}

NameInfo *qmp_query_name(Error **errp)
{
    NameInfo *info = g_new0(NameInfo, 1);

    info->name = g_strdup(qemu_name);
    return info;
}

KvmInfo *qmp_query_kvm(Error **errp)
{
    /* Vireo has no KVM accelerator: not present, not enabled. */
    return g_new0(KvmInfo, 1);
}

CpuInfoFastList *qmp_query_cpus_fast(Error **errp)
{
    CpuInfoFastList *head = NULL, **tail = &head;

    for (int i = 0; i < arch_cpu_count(); i++) {
        CpuInfoFast *value = g_new0(CpuInfoFast, 1);

        value->cpu_index = i;
        value->qom_path = object_get_canonical_path(arch_cpu_object(i));
        value->thread_id = arch_cpu_thread_id(i);
        value->target = arch_target;
        QAPI_LIST_APPEND(tail, value);
    }
    return head;
}

HotpluggableCPUList *qmp_query_hotpluggable_cpus(Error **errp)
{
    /* No Vireo machine hot-plugs CPUs. */
    error_setg(errp, "machine does not support hot-plugging CPUs");
    return NULL;
}

MemoryInfo *qmp_query_memory_size_summary(Error **errp)
{
    MemoryInfo *mem_info = g_new0(MemoryInfo, 1);

    mem_info->base_memory = current_machine ? current_machine->ram_size : 0;
    return mem_info;
}

static int query_memdev(Object *obj, void *opaque)
{
    MemdevList **list = opaque;
    HostMemoryBackend *backend;
    Memdev *m;

    if (!object_dynamic_cast(obj, TYPE_MEMORY_BACKEND)) {
        return 0;
    }
    backend = MEMORY_BACKEND(obj);
    m = g_new0(Memdev, 1);
    m->id = g_strdup(object_get_canonical_path_component(obj));
    m->size = backend->size;
    m->merge = backend->merge;
    m->dump = backend->dump;
    m->prealloc = backend->prealloc;
    m->share = backend->share;
    m->has_reserve = true;
    m->reserve = backend->reserve;
    m->policy = HOST_MEM_POLICY_DEFAULT;
    QAPI_LIST_PREPEND(*list, m);
    return 0;
}

MemdevList *qmp_query_memdev(Error **errp)
{
    MemdevList *list = NULL;

    object_child_foreach(object_get_objects_root(), query_memdev, &list);
    object_child_foreach(object_get_internal_root(), query_memdev, &list);
    return list;
}

static FILE *open_dump_file(const char *filename, Error **errp)
{
    FILE *f = fopen(filename, "wb");

    if (!f) {
        error_setg_file_open(errp, errno, filename);
    }
    return f;
}

void qmp_memsave(int64_t addr, int64_t size, const char *filename,
                 bool has_cpu_index, int64_t cpu_index, Error **errp)
{
    uint8_t buf[1024];
    FILE *f;

    if (!has_cpu_index) {
        cpu_index = 0;
    }
    if (cpu_index < 0 || cpu_index >= arch_cpu_count()) {
        error_setg(errp, "Parameter '%s' expects %s", "cpu-index",
                   "a CPU number");
        return;
    }
    f = open_dump_file(filename, errp);
    if (!f) {
        return;
    }
    for (int64_t done = 0; done < size;) {
        size_t l = MIN((int64_t)sizeof(buf), size - done);

        if (!arch_cpu_memory_read(cpu_index, addr + done, buf, l)) {
            error_setg(errp, "Invalid addr 0x%016" PRIx64 "/size %" PRId64
                       " specified", addr, size);
            break;
        }
        if (fwrite(buf, 1, l, f) != l) {
            error_setg_errno(errp, errno, "writing memory to '%s' failed",
                             filename);
            break;
        }
        done += l;
    }
    fclose(f);
}

void qmp_pmemsave(int64_t addr, int64_t size, const char *filename,
                  Error **errp)
{
    uint8_t buf[1024];
    FILE *f = open_dump_file(filename, errp);

    if (!f) {
        return;
    }
    for (int64_t done = 0; done < size;) {
        size_t l = MIN((int64_t)sizeof(buf), size - done);

        /* Unbacked addresses read as zeros, as on QEMU. */
        address_space_read(&address_space_memory, addr + done,
                           MEMTXATTRS_UNSPECIFIED, buf, l);
        if (fwrite(buf, 1, l, f) != l) {
            error_setg_errno(errp, errno, "writing memory to '%s' failed",
                             filename);
            break;
        }
        done += l;
    }
    fclose(f);
}

void qmp_inject_nmi(Error **errp)
{
    /* Neither target Vireo emulates has an NMI input. */
    error_setg(errp, "this feature or command is not currently supported");
}

CpuDefinitionInfoList *qmp_query_cpu_definitions(Error **errp)
{
    return arch_query_cpu_definitions(errp);
}

CpuModelExpansionInfo *qmp_query_cpu_model_expansion(
    CpuModelExpansionType type, CpuModelInfo *model, Error **errp)
{
    return arch_query_cpu_model_expansion(type, model, errp);
}

static CommandLineParameterInfoList *option_params(QemuOptsList *list)
{
    CommandLineParameterInfoList *head = NULL;

    for (const QemuOptDesc *d = list->desc; d->name; d++) {
        CommandLineParameterInfo *info = g_new0(CommandLineParameterInfo, 1);

        info->name = g_strdup(d->name);
        switch (d->type) {
        case QEMU_OPT_STRING:
            info->type = COMMAND_LINE_PARAMETER_TYPE_STRING;
            break;
        case QEMU_OPT_BOOL:
            info->type = COMMAND_LINE_PARAMETER_TYPE_BOOLEAN;
            break;
        case QEMU_OPT_NUMBER:
            info->type = COMMAND_LINE_PARAMETER_TYPE_NUMBER;
            break;
        case QEMU_OPT_SIZE:
            info->type = COMMAND_LINE_PARAMETER_TYPE_SIZE;
            break;
        }
        info->help = g_strdup(d->help);
        info->q_default = g_strdup(d->def_value_str);
        QAPI_LIST_PREPEND(head, info);
    }
    return head;
}

CommandLineOptionInfoList *qmp_query_command_line_options(const char *option,
                                                          Error **errp)
{
    CommandLineOptionInfoList *conf_list = NULL;
    GPtrArray *lists = qemu_opts_registry();

    for (guint i = 0; i < lists->len; i++) {
        QemuOptsList *list = g_ptr_array_index(lists, i);
        CommandLineOptionInfo *info;

        if (option && strcmp(option, list->name) != 0) {
            continue;
        }
        info = g_new0(CommandLineOptionInfo, 1);
        info->option = g_strdup(list->name);
        info->parameters = option_params(list);
        QAPI_LIST_PREPEND(conf_list, info);
    }
    if (!conf_list && option) {
        error_setg(errp, "Invalid parameter '%s'", "option");
    }
    return conf_list;
}
