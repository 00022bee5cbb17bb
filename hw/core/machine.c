/*
 * The machine base type: the properties every board shares (kernel,
 * initrd, append, dtb, dumpdtb, firmware, memory-backend, ...), the
 * list of boards, and the RAM every board gets from a memory backend.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "hw/boards.h"
#include "hw/qdev-properties.h"
#include "qapi/visitor.h"
#include "system/hostmem.h"

MachineState *current_machine;

#define MACHINE_STR_PROP(field, prop) \
static char *machine_get_##field(Object *obj, Error **errp) \
{ \
    return g_strdup(MACHINE(obj)->field); \
} \
static void machine_set_##field(Object *obj, const char *value, \
                                Error **errp) \
{ \
    MachineState *ms = MACHINE(obj); \
    g_free(ms->field); \
    ms->field = g_strdup(value); \
}

MACHINE_STR_PROP(kernel_filename, "kernel")
MACHINE_STR_PROP(initrd_filename, "initrd")
MACHINE_STR_PROP(kernel_cmdline, "append")
MACHINE_STR_PROP(dtb, "dtb")
MACHINE_STR_PROP(dumpdtb, "dumpdtb")
MACHINE_STR_PROP(firmware, "firmware")
MACHINE_STR_PROP(dt_compatible, "dt-compatible")

static char *machine_get_memdev(Object *obj, Error **errp)
{
    return g_strdup(MACHINE(obj)->ram_memdev_id);
}

static void machine_set_memdev(Object *obj, const char *value, Error **errp)
{
    MachineState *ms = MACHINE(obj);

    g_free(ms->ram_memdev_id);
    ms->ram_memdev_id = g_strdup(value);
}

#define MACHINE_BOOL_PROP(field) \
static bool machine_get_##field(Object *obj, Error **errp) \
{ \
    return MACHINE(obj)->field; \
} \
static void machine_set_##field(Object *obj, bool value, Error **errp) \
{ \
    MACHINE(obj)->field = value; \
}

MACHINE_BOOL_PROP(dump_guest_core)
MACHINE_BOOL_PROP(mem_merge)
MACHINE_BOOL_PROP(suppress_vmdesc)
MACHINE_BOOL_PROP(enable_graphics)

static bool machine_get_usb(Object *obj, Error **errp)
{
    return MACHINE(obj)->usb;
}

static void machine_set_usb(Object *obj, bool value, Error **errp)
{
    MachineState *ms = MACHINE(obj);

    ms->usb = value;
    ms->usb_disabled = !value;
}

static void machine_get_phandle_start(Object *obj, Visitor *v,
                                      const char *name, void *opaque,
                                      Error **errp)
{
    int64_t value = MACHINE(obj)->phandle_start;

    visit_type_int(v, name, &value, errp);
}

static void machine_set_phandle_start(Object *obj, Visitor *v,
                                      const char *name, void *opaque,
                                      Error **errp)
{
    int64_t value;

    if (visit_type_int(v, name, &value, errp)) {
        MACHINE(obj)->phandle_start = value;
    }
}

static void machine_class_init(ObjectClass *oc, void *data)
{
    MachineClass *mc = MACHINE_CLASS(oc);

    mc->default_ram_size = 128 * 1024 * 1024;
    mc->max_cpus = mc->min_cpus = 1;

    object_class_property_add_str(oc, "kernel", machine_get_kernel_filename,
                                  machine_set_kernel_filename);
    object_class_property_set_description(oc, "kernel",
                                          "Linux kernel image file");
    object_class_property_add_str(oc, "initrd", machine_get_initrd_filename,
                                  machine_set_initrd_filename);
    object_class_property_set_description(oc, "initrd",
                                          "Linux initial ramdisk file");
    object_class_property_add_str(oc, "append", machine_get_kernel_cmdline,
                                  machine_set_kernel_cmdline);
    object_class_property_set_description(oc, "append",
                                          "Linux kernel command line");
    object_class_property_add_str(oc, "dtb", machine_get_dtb,
                                  machine_set_dtb);
    object_class_property_set_description(oc, "dtb",
                                          "Linux kernel device tree file");
    object_class_property_add_str(oc, "dumpdtb", machine_get_dumpdtb,
                                  machine_set_dumpdtb);
    object_class_property_set_description(oc, "dumpdtb",
                                          "Dump current dtb to a file and "
                                          "quit");
    object_class_property_add(oc, "phandle-start", "int",
                              machine_get_phandle_start,
                              machine_set_phandle_start, NULL, NULL);
    object_class_property_set_description(oc, "phandle-start",
                                          "The first phandle ID we may "
                                          "generate dynamically");
    object_class_property_add_str(oc, "dt-compatible",
                                  machine_get_dt_compatible,
                                  machine_set_dt_compatible);
    object_class_property_set_description(oc, "dt-compatible",
                                          "Overrides the \"compatible\" "
                                          "property of the dt root node");
    object_class_property_add_bool(oc, "dump-guest-core",
                                   machine_get_dump_guest_core,
                                   machine_set_dump_guest_core);
    object_class_property_set_description(oc, "dump-guest-core",
                                          "Include guest memory in a core "
                                          "dump");
    object_class_property_add_bool(oc, "mem-merge", machine_get_mem_merge,
                                   machine_set_mem_merge);
    object_class_property_set_description(oc, "mem-merge",
                                          "Enable/disable memory merge "
                                          "support");
    object_class_property_add_bool(oc, "usb", machine_get_usb,
                                   machine_set_usb);
    object_class_property_set_description(oc, "usb",
                                          "Set on/off to enable/disable usb");
    object_class_property_add_bool(oc, "graphics",
                                   machine_get_enable_graphics,
                                   machine_set_enable_graphics);
    object_class_property_set_description(oc, "graphics",
                                          "Set on/off to enable/disable "
                                          "graphics emulation");
    object_class_property_add_str(oc, "firmware", machine_get_firmware,
                                  machine_set_firmware);
    object_class_property_set_description(oc, "firmware",
                                          "Firmware image");
    object_class_property_add_bool(oc, "suppress-vmdesc",
                                   machine_get_suppress_vmdesc,
                                   machine_set_suppress_vmdesc);
    object_class_property_set_description(oc, "suppress-vmdesc",
                                          "Set on to disable self-describing "
                                          "migration");
    object_class_property_add_str(oc, "memory-backend", machine_get_memdev,
                                  machine_set_memdev);
    object_class_property_set_description(oc, "memory-backend",
                                          "Set RAM backend"
                                          "Valid value is ID of "
                                          "hostmem based backend");
}

static void machine_initfn(Object *obj)
{
    MachineState *ms = MACHINE(obj);
    MachineClass *mc = MACHINE_GET_CLASS(obj);

    ms->dump_guest_core = true;
    ms->mem_merge = true;
    ms->enable_graphics = true;
    ms->ram_size = mc->default_ram_size;
    ms->maxram_size = mc->default_ram_size;
    ms->smp.cpus = mc->default_cpus ? mc->default_cpus : 1;
    ms->smp.max_cpus = ms->smp.cpus;
    ms->smp.sockets = ms->smp.cores = ms->smp.threads = 1;
    ms->smp.dies = ms->smp.clusters = ms->smp.modules = 1;
    ms->smp.books = ms->smp.drawers = 1;
}

static void machine_finalize(Object *obj)
{
    MachineState *ms = MACHINE(obj);

    g_free(ms->kernel_filename);
    g_free(ms->initrd_filename);
    g_free(ms->kernel_cmdline);
    g_free(ms->dtb);
    g_free(ms->dumpdtb);
    g_free(ms->dt_compatible);
    g_free(ms->firmware);
    g_free(ms->ram_memdev_id);
}

static const TypeInfo machine_info = {
    .name = TYPE_MACHINE,
    .parent = TYPE_OBJECT,
    .abstract = true,
    .class_size = sizeof(MachineClass),
    .class_init = machine_class_init,
    .instance_size = sizeof(MachineState),
    .instance_init = machine_initfn,
    .instance_finalize = machine_finalize,
};

static void machine_register_types(void)
{
    type_register_static(&machine_info);
}

type_init(machine_register_types)

/* ---- The list of boards ---- */

static gint machine_class_cmp(gconstpointer a, gconstpointer b)
{
    return strcmp(object_class_get_name((ObjectClass *)a),
                  object_class_get_name((ObjectClass *)b));
}

GSList *machine_class_list(void)
{
    return g_slist_sort(object_class_get_list(TYPE_MACHINE, false),
                        machine_class_cmp);
}

static char *machine_name_of(MachineClass *mc)
{
    const char *type = object_class_get_name(OBJECT_CLASS(mc));

    return g_strndup(type, strlen(type) - strlen(TYPE_MACHINE_SUFFIX));
}

MachineClass *find_machine_class(const char *name)
{
    g_autoptr(GSList) list = machine_class_list();
    MachineClass *found = NULL;

    for (GSList *l = list; l; l = l->next) {
        MachineClass *mc = l->data;
        g_autofree char *n = machine_name_of(mc);
        if (!strcmp(n, name) || (mc->alias && !strcmp(mc->alias, name))) {
            found = mc;
            break;
        }
    }
    return found;
}

MachineClass *find_default_machine_class(void)
{
    g_autoptr(GSList) list = machine_class_list();
    MachineClass *found = NULL;

    for (GSList *l = list; l; l = l->next) {
        if (((MachineClass *)l->data)->is_default) {
            found = l->data;
        }
    }
    return found;
}

static void machine_class_base_name(ObjectClass *oc, void *data)
{
    MachineClass *mc = MACHINE_CLASS(oc);

    if (!mc->name && !object_class_is_abstract(oc)) {
        mc->name = machine_name_of(mc);
    }
}

/* Names are filled lazily: subclasses register after this file. */
static void machine_fill_names(void)
{
    object_class_foreach(machine_class_base_name, TYPE_MACHINE, false, NULL);
}

bool machine_create_ram(MachineState *ms, Error **errp)
{
    MachineClass *mc = MACHINE_GET_CLASS(ms);
    Object *backend;

    machine_fill_names();
    if ((!mc->default_ram_id || !ms->ram_size) && !ms->ram_memdev_id) {
        return true;        /* a board without RAM (none without -m) */
    }
    if (ms->ram_memdev_id) {
        backend = object_resolve_path_type(ms->ram_memdev_id,
                                           TYPE_MEMORY_BACKEND, NULL);
        if (!backend) {
            error_setg(errp, "Memory backend '%s' not found",
                       ms->ram_memdev_id);
            return false;
        }
        if (host_memory_backend_get_size(MEMORY_BACKEND(backend)) !=
            ms->ram_size && ms->ram_size != mc->default_ram_size) {
            error_setg(errp, "backend memory size must be equal to "
                       "'-m' size");
            return false;
        }
        ms->ram_size = host_memory_backend_get_size(MEMORY_BACKEND(backend));
    } else {
        backend = host_memory_backend_new_ram(mc->default_ram_id,
                                              ms->ram_size, errp);
        if (!backend) {
            return false;
        }
    }
    if (host_memory_backend_is_mapped(MEMORY_BACKEND(backend))) {
        error_setg(errp, "memory backend %s can't be used multiple times.",
                   object_get_canonical_path_component(backend));
        return false;
    }
    host_memory_backend_set_mapped(MEMORY_BACKEND(backend), true);
    ms->ram = host_memory_backend_get_memory(MEMORY_BACKEND(backend));
    ms->maxram_size = ms->ram_size;
    return true;
}

bool machine_run_board_init(MachineState *ms, Error **errp)
{
    MachineClass *mc = MACHINE_GET_CLASS(ms);

    if (!machine_create_ram(ms, errp)) {
        return false;
    }
    if (!ms->cpu_type) {
        ms->cpu_type = mc->default_cpu_type;
    }
    mc->init(ms);
    return true;
}
