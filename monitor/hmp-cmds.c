/*
 * HMP command handlers and the command tables.  Each handler calls the
 * QMP handler doing the work and prints the result as QEMU's HMP does.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "vireo/option.h"
#include "qobject/qdict.h"
#include "qobject/qjson.h"
#include "qapi/qapi-commands.h"
#include "qom/object.h"
#include "qom/object_interfaces.h"
#include "hw/qdev-core.h"
#include "chardev/char.h"
#include "monitor/hmp.h"
#include "net/net.h"
#include "monitor-internal.h"

void hmp_info_version(Monitor *mon, const QDict *qdict)
{
    VersionInfo *info = qmp_query_version(NULL);

    /* QEMU prints the package right after the number, no separator. */
    monitor_printf(mon, "%" PRId64 ".%" PRId64 ".%" PRId64 "%s\n",
                   info->qemu->major, info->qemu->minor, info->qemu->micro,
                   info->package);
    qapi_free_VersionInfo(info);
}

void hmp_info_status(Monitor *mon, const QDict *qdict)
{
    StatusInfo *info = qmp_query_status(NULL);

    monitor_printf(mon, "VM status: %s", info->running ? "running" : "paused");
    if (!info->running && info->status != RUN_STATE_PAUSED) {
        monitor_printf(mon, " (%s)", RunState_str(info->status));
    }
    monitor_printf(mon, "\n");
    qapi_free_StatusInfo(info);
}

void hmp_info_name(Monitor *mon, const QDict *qdict)
{
    NameInfo *info = qmp_query_name(NULL);

    if (info->name) {
        monitor_printf(mon, "%s\n", info->name);
    }
    qapi_free_NameInfo(info);
}

void hmp_info_uuid(Monitor *mon, const QDict *qdict)
{
    UuidInfo *info = qmp_query_uuid(NULL);

    monitor_printf(mon, "%s\n", info->UUID);
    qapi_free_UuidInfo(info);
}

void hmp_info_chardev(Monitor *mon, const QDict *qdict)
{
    ChardevInfoList *list = qmp_query_chardev(NULL);
    ChardevInfoList *l;

    for (l = list; l; l = l->next) {
        monitor_printf(mon, "%s: filename=%s\n", l->value->label,
                       l->value->filename);
    }
    qapi_free_ChardevInfoList(list);
}

void hmp_info_kvm(Monitor *mon, const QDict *qdict)
{
    KvmInfo *info = qmp_query_kvm(NULL);

    monitor_printf(mon, "kvm support: ");
    if (info->present) {
        monitor_printf(mon, "%s\n", info->enabled ? "enabled" : "disabled");
    } else {
        monitor_printf(mon, "not compiled\n");
    }
    qapi_free_KvmInfo(info);
}

void hmp_info_iothreads(Monitor *mon, const QDict *qdict)
{
    IOThreadInfoList *list = qmp_query_iothreads(NULL);
    IOThreadInfoList *l;

    for (l = list; l; l = l->next) {
        IOThreadInfo *v = l->value;

        monitor_printf(mon, "%s:\n", v->id);
        monitor_printf(mon, "  thread_id=%" PRId64 "\n", v->thread_id);
        monitor_printf(mon, "  poll-max-ns=%" PRId64 "\n", v->poll_max_ns);
        monitor_printf(mon, "  poll-grow=%" PRId64 "\n", v->poll_grow);
        monitor_printf(mon, "  poll-shrink=%" PRId64 "\n", v->poll_shrink);
        monitor_printf(mon, "  aio-max-batch=%" PRId64 "\n",
                       v->aio_max_batch);
    }
    qapi_free_IOThreadInfoList(list);
}

/* info qom-tree: the composition tree, children sorted by name. */

static int collect_child(Object *child, void *opaque)
{
    g_ptr_array_add(opaque, child);
    return 0;
}

static gint child_name_cmp(gconstpointer a, gconstpointer b)
{
    Object *x = *(Object *const *)a;
    Object *y = *(Object *const *)b;

    return g_strcmp0(object_get_canonical_path_component(x),
                     object_get_canonical_path_component(y));
}

static void print_qom_tree(Monitor *mon, Object *obj, int indent)
{
    GPtrArray *kids = g_ptr_array_new();
    const char *name = "";
    guint i;

    if (obj != object_get_root()) {
        name = object_get_canonical_path_component(obj);
    }
    monitor_printf(mon, "%*s/%s (%s)\n", indent, "", name,
                   object_get_typename(obj));
    object_child_foreach(obj, collect_child, kids);
    g_ptr_array_sort(kids, child_name_cmp);
    for (i = 0; i < kids->len; i++) {
        print_qom_tree(mon, g_ptr_array_index(kids, i), indent + 2);
    }
    g_ptr_array_free(kids, true);
}

void hmp_info_qom_tree(Monitor *mon, const QDict *qdict)
{
    const char *path = qdict_get_try_str(qdict, "path");
    bool ambiguous = false;
    Object *obj;

    obj = object_resolve_path(path ? path : "/machine", &ambiguous);
    if (!obj) {
        monitor_printf(mon, "Path '%s' could not be resolved.\n",
                       path ? path : "/machine");
        return;
    }
    if (ambiguous) {
        monitor_printf(mon, "Warning: Path '%s' is ambiguous.\n", path);
        return;
    }
    print_qom_tree(mon, obj, 0);
}

/* info qtree: buses and the devices plugged into them. */

static void qtree_print_bus(Monitor *mon, BusState *bus, int indent);

static void qtree_print_dev(Monitor *mon, DeviceState *dev, int indent)
{
    BusState *child;

    monitor_printf(mon, "%*sdev: %s, id \"%s\"\n", indent, "",
                   object_get_typename(OBJECT(dev)), dev->id ? dev->id : "");
    QLIST_FOREACH(child, &dev->child_bus, sibling) {
        qtree_print_bus(mon, child, indent + 2);
    }
}

static void qtree_print_bus(Monitor *mon, BusState *bus, int indent)
{
    BusChild *kid;

    monitor_printf(mon, "%*sbus: %s\n", indent, "", bus->name);
    indent += 2;
    monitor_printf(mon, "%*stype %s\n", indent, "",
                   object_get_typename(OBJECT(bus)));
    QTAILQ_FOREACH(kid, &bus->children, sibling) {
        qtree_print_dev(mon, kid->child, indent);
    }
}

void hmp_info_qtree(Monitor *mon, const QDict *qdict)
{
    Object *obj = object_resolve_path("/machine/unattached/sysbus", NULL);

    if (obj && object_dynamic_cast(obj, TYPE_BUS)) {
        qtree_print_bus(mon, BUS(obj), 0);
    }
}

void hmp_stop(Monitor *mon, const QDict *qdict)
{
    qmp_stop(NULL);
}

void hmp_cont(Monitor *mon, const QDict *qdict)
{
    Error *err = NULL;

    qmp_cont(&err);
    hmp_handle_error(mon, err);
}

void hmp_quit(Monitor *mon, const QDict *qdict)
{
    /* No more input from this monitor: the process is going away. */
    monitor_suspend(mon);
    qmp_quit(NULL);
}

void hmp_system_reset(Monitor *mon, const QDict *qdict)
{
    qmp_system_reset(NULL);
}

void hmp_system_powerdown(Monitor *mon, const QDict *qdict)
{
    Error *err = NULL;

    qmp_system_powerdown(&err);
    hmp_handle_error(mon, err);
}

void hmp_qom_list(Monitor *mon, const QDict *qdict)
{
    const char *path = qdict_get_try_str(qdict, "path");
    ObjectPropertyInfoList *list, *l;
    Error *err = NULL;

    if (!path) {
        monitor_printf(mon, "/\n");
        return;
    }
    list = qmp_qom_list(path, &err);
    for (l = list; l; l = l->next) {
        monitor_printf(mon, "%s (%s)\n", l->value->name, l->value->type);
    }
    qapi_free_ObjectPropertyInfoList(list);
    hmp_handle_error(mon, err);
}

void hmp_qom_get(Monitor *mon, const QDict *qdict)
{
    const char *path = qdict_get_str(qdict, "path");
    const char *property = qdict_get_str(qdict, "property");
    Error *err = NULL;
    QObject *obj = qmp_qom_get(path, property, &err);

    if (!err) {
        GString *str = qobject_to_json_pretty(obj, true);

        monitor_printf(mon, "%s\n", str->str);
        g_string_free(str, true);
    }
    qobject_unref(obj);
    hmp_handle_error(mon, err);
}

void hmp_qom_set(Monitor *mon, const QDict *qdict)
{
    bool json = qdict_get_try_bool(qdict, "json", false);
    const char *path = qdict_get_str(qdict, "path");
    const char *property = qdict_get_str(qdict, "property");
    const char *value = qdict_get_str(qdict, "value");
    Error *err = NULL;

    if (json) {
        QObject *obj = qobject_from_json(value, &err);

        if (!err) {
            qmp_qom_set(path, property, obj, &err);
        }
        qobject_unref(obj);
    } else {
        Object *obj = object_resolve_path(path, NULL);

        if (!obj) {
            error_set(&err, ERROR_CLASS_DEVICE_NOT_FOUND,
                      "Device '%s' not found", path);
        } else {
            object_property_parse(obj, property, value, &err);
        }
    }
    hmp_handle_error(mon, err);
}

void hmp_object_add(Monitor *mon, const QDict *qdict)
{
    Error *err = NULL;

    user_creatable_add_from_str(qdict_get_str(qdict, "object"), &err);
    hmp_handle_error(mon, err);
}

void hmp_object_del(Monitor *mon, const QDict *qdict)
{
    Error *err = NULL;

    user_creatable_del(qdict_get_str(qdict, "id"), &err);
    hmp_handle_error(mon, err);
}

void hmp_chardev_add(Monitor *mon, const QDict *qdict)
{
    const char *args = qdict_get_str(qdict, "args");
    Error *err = NULL;
    QemuOpts *opts;

    opts = qemu_opts_parse_noisily(qemu_find_opts("chardev"), args, true);
    if (!opts) {
        error_setg(&err, "Parsing chardev args failed");
    } else {
        qemu_chr_new_from_opts(opts, NULL, &err);
        qemu_opts_del(opts);
    }
    hmp_handle_error(mon, err);
}

void hmp_chardev_remove(Monitor *mon, const QDict *qdict)
{
    Error *err = NULL;

    qmp_chardev_remove(qdict_get_str(qdict, "id"), &err);
    hmp_handle_error(mon, err);
}

void hmp_ringbuf_write(Monitor *mon, const QDict *qdict)
{
    Error *err = NULL;

    qmp_ringbuf_write(qdict_get_str(qdict, "device"),
                      qdict_get_str(qdict, "data"), false, 0, &err);
    hmp_handle_error(mon, err);
}

void hmp_ringbuf_read(Monitor *mon, const QDict *qdict)
{
    int64_t size = qdict_get_int(qdict, "size");
    Error *err = NULL;
    char *data;
    int i;

    data = qmp_ringbuf_read(qdict_get_str(qdict, "device"), size, false, 0,
                            &err);
    if (hmp_handle_error(mon, err)) {
        return;
    }
    /* Control characters are shown escaped, as QEMU does. */
    for (i = 0; data[i]; i++) {
        unsigned char ch = data[i];

        if (ch == '\\') {
            monitor_printf(mon, "\\\\");
        } else if ((ch < 0x20 && ch != '\n' && ch != '\t') || ch == 0x7f) {
            monitor_printf(mon, "\\u%04X", ch);
        } else {
            monitor_printf(mon, "%c", ch);
        }
    }
    monitor_printf(mon, "\n");
    g_free(data);
}

void hmp_getfd(Monitor *mon, const QDict *qdict)
{
    Error *err = NULL;

    qmp_getfd(qdict_get_str(qdict, "fdname"), &err);
    hmp_handle_error(mon, err);
}

void hmp_closefd(Monitor *mon, const QDict *qdict)
{
    Error *err = NULL;

    qmp_closefd(qdict_get_str(qdict, "fdname"), &err);
    hmp_handle_error(mon, err);
}

const HMPCommand hmp_info_cmds[] = {
    { "registers", "cpustate_all:-a", "[-a]",
      "show the cpu registers (-a: all - show register info for all cpus)",
      hmp_info_registers },
    { "cpus", "", "", "show infos for each CPU", hmp_info_cpus },
    { "mtree", "flatview:-f", "[-f]",
      "show memory tree (-f: dump flat view for address spaces)",
      hmp_info_mtree },
    { "version", "", "", "show the version of QEMU", hmp_info_version },
    { "status", "", "", "show the current VM status (running|paused)",
      hmp_info_status },
    { "name", "", "", "show the current VM name", hmp_info_name },
    { "uuid", "", "", "show the current VM UUID", hmp_info_uuid },
    { "chardev", "", "", "show the character devices", hmp_info_chardev },
    { "qom-tree", "path:s?", "[path]",
      "show QOM composition tree", hmp_info_qom_tree },
    { "qtree", "brief:-b", "[-b]", "show device tree", hmp_info_qtree },
    { "kvm", "", "", "show KVM information", hmp_info_kvm },
    { "iothreads", "", "", "show iothreads", hmp_info_iothreads },
    { "pci", "", "", "show PCI info", hmp_info_pci },
    { "history", "", "", "show the command line history",
      hmp_info_history },
    { "network", "", "", "show the network state", hmp_info_network },
    { "usernet", "", "", "show user network stack connection states",
      hmp_info_usernet },
    { NULL },
};

const HMPCommand hmp_cmds[] = {
    { "help|?", "name:S?", "[cmd]", "show the help", hmp_help },
    { "x", "fmt:/,addr:l", "/fmt addr",
      "virtual memory dump starting at 'addr'", hmp_memory_dump },
    { "xp", "fmt:/,addr:l", "/fmt addr",
      "physical memory dump starting at 'addr'", hmp_physical_memory_dump },
    { "quit|q", "", "", "quit the emulator", hmp_quit },
    { "stop|s", "", "", "stop emulation", hmp_stop },
    { "cont|c", "", "", "resume emulation", hmp_cont },
    { "system_reset", "", "", "reset the system", hmp_system_reset },
    { "system_powerdown", "", "", "send system power down event",
      hmp_system_powerdown },
    { "ringbuf_write", "device:s,data:s", "device data",
      "Write to a ring buffer character device", hmp_ringbuf_write },
    { "ringbuf_read", "device:s,size:i", "device size",
      "Read from a ring buffer character device", hmp_ringbuf_read },
    { "object_add", "object:S", "[qom-type=]type,id=str[,prop=value][,...]",
      "create QOM object", hmp_object_add },
    { "object_del", "id:s", "id", "destroy QOM object", hmp_object_del },
    { "getfd", "fdname:s", "getfd name",
      "receive a file descriptor via SCM rights and assign it a name",
      hmp_getfd },
    { "closefd", "fdname:s", "closefd name",
      "close a file descriptor previously passed via SCM rights",
      hmp_closefd },
    { "chardev-add", "args:s", "args", "add chardev", hmp_chardev_add },
    { "chardev-remove", "id:s", "id", "remove chardev", hmp_chardev_remove },
    { "qom-list", "path:s?", "path", "list QOM properties", hmp_qom_list },
    { "qom-get", "path:s,property:s", "path property",
      "print QOM property", hmp_qom_get },
    { "qom-set", "json:-j,path:s,property:s,value:S",
      "[-j] path property value",
      "set QOM property.\n\t\t\t-j: the value is specified in json format.",
      hmp_qom_set },
    { "netdev_add", "netdev:S", "[user],id=str[,prop=value][,...]",
      "add host network device", hmp_netdev_add },
    { "netdev_del", "id:s", "id", "remove host network device",
      hmp_netdev_del },
    { "set_link", "name:s,up:s", "name on|off",
      "change the link status of a network adapter", hmp_set_link },
    { "hostfwd_add", "arg1:s,arg2:s?",
      "[netdev_id] [tcp|udp]:[hostaddr]:hostport-[guestaddr]:guestport",
      "redirect TCP or UDP connections from host to guest (requires -net "
      "user)", hmp_hostfwd_add },
    { "hostfwd_remove", "arg1:s,arg2:s?",
      "[netdev_id] [tcp|udp]:[hostaddr]:hostport",
      "remove host-to-guest TCP or UDP redirection", hmp_hostfwd_remove },
    { "info", "item:s?", "[subcommand]",
      "show various information about the system state", hmp_info_help,
      hmp_info_cmds },
    { NULL },
};
