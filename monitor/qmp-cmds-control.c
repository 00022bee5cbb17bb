/*
 * QMP commands about the monitor itself: query-version, query-commands
 * and human-monitor-command.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "qapi/qapi-commands-control.h"
#include "qapi/qapi-commands-monitor.h"
#include "monitor/hmp.h"
#include "monitor-internal.h"

VersionInfo *qmp_query_version(Error **errp)
{
    VersionInfo *info = g_new0(VersionInfo, 1);

    info->qemu = g_new0(VersionTriple, 1);
    info->qemu->major = VIREO_QEMU_ABI_MAJOR;
    info->qemu->minor = VIREO_QEMU_ABI_MINOR;
    info->qemu->micro = VIREO_QEMU_ABI_MICRO;
    info->package = g_strdup(VIREO_PKGVERSION);
    return info;
}

static void query_commands_cb(const QmpCommand *cmd, void *opaque)
{
    CommandInfoList **list = opaque;
    CommandInfo *info;

    if (!qmp_command_is_enabled(cmd)) {
        return;
    }
    info = g_new0(CommandInfo, 1);
    info->name = g_strdup(qmp_command_name(cmd));
    QAPI_LIST_PREPEND(*list, info);
}

CommandInfoList *qmp_query_commands(Error **errp)
{
    CommandInfoList *list = NULL;
    Monitor *cur = monitor_cur();
    const QmpCommandList *cmds = &qmp_commands;

    if (cur && cur->is_qmp &&
        !container_of(cur, MonitorQMP, common)->negotiated) {
        cmds = &qmp_cap_negotiation_commands;
    }
    qmp_for_each_command(cmds, query_commands_cb, &list);
    return list;
}

char *qmp_human_monitor_command(const char *command_line, bool has_cpu_index,
                                int64_t cpu_index, Error **errp)
{
    MonitorHMP hmp = { 0 };
    Monitor *old;
    char *out;

    if (has_cpu_index) {
        /* No CPU can be selected by index (no vCPUs are addressable). */
        error_setg(errp, "Parameter '%s' expects %s", "cpu-index",
                   "a CPU number");
        return NULL;
    }
    monitor_data_init_hmp(&hmp, false);
    hmp.capture = g_string_new(NULL);
    old = monitor_set_cur(&hmp.common);
    handle_hmp_command(&hmp, command_line);
    monitor_set_cur(old);
    out = g_string_free(hmp.capture, false);
    hmp.capture = NULL;
    monitor_data_destroy(&hmp.common);
    return out;
}
