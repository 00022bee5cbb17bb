/*
 * Monitor start-up: registering every generated QMP command and the
 * HMP command tables.  Kept apart from the core so unit tests can run
 * monitors with their own small command sets.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error-report.h"
#include "qapi/qapi-init-commands.h"
#include "qapi/qapi-commands-control.h"
#include "monitor/hmp.h"
#include "monitor-internal.h"

void monitor_init_globals_core(void)
{
    /* Negotiation mode knows exactly one command. */
    qmp_register_command(&qmp_cap_negotiation_commands, "qmp_capabilities",
                         qmp_marshal_qmp_capabilities, QCO_ALLOW_PRECONFIG,
                         0);
    /* error_report()/error_printf() during an HMP command go to it. */
    error_vprintf_set_monitor_hook(monitor_vprintf_cur);
}

void monitor_init_globals(void)
{
    qmp_init_marshal(&qmp_commands);
    monitor_init_globals_core();
    hmp_set_command_tables(hmp_cmds, hmp_info_cmds);
}
