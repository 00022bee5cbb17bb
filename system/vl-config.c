/*
 * Command-line settings that configure the emulator itself: -rtc,
 * -action, -overcommit, -smp, -serial bookkeeping, -uuid, -cpu help.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "system/rtc.h"
#include <sys/mman.h>
#include "vireo/error.h"
#include "vireo/error-report.h"
#include "qapi/util.h"
#include "qapi/qapi-types-run-state.h"
#include "system/arch.h"
#include "system/runstate.h"
#include "system/system.h"
#include "system/vl.h"

static Chardev *serial_hds[MAX_SERIAL_PORTS];

Chardev *serial_hd(int i)
{
    return i >= 0 && i < MAX_SERIAL_PORTS ? serial_hds[i] : NULL;
}

int serial_max_hds(void)
{
    return MAX_SERIAL_PORTS;
}

void vl_set_serial_hd(int index, Chardev *chr)
{
    serial_hds[index] = chr;
}

void vl_configure_rtc(QemuOpts *opts)
{
    const char *value = qemu_opt_get(opts, "base");
    Error *err = NULL;

    if (value && !rtc_set_base(value, &err)) {
        error_report_err(err);
        exit(1);
    }
    value = qemu_opt_get(opts, "clock");
    if (value) {
        if (!strcmp(value, "host")) {
            rtc_clock = QEMU_CLOCK_HOST;
        } else if (!strcmp(value, "rt")) {
            rtc_clock = QEMU_CLOCK_REALTIME;
        } else if (!strcmp(value, "vm")) {
            rtc_clock = QEMU_CLOCK_VIRTUAL;
        } else {
            error_report("invalid option value '%s'", value);
            exit(1);
        }
    }
    /* driftfix=slew steers x86's MC146818 only; Vireo has none. */
    value = qemu_opt_get(opts, "driftfix");
    if (value && strcmp(value, "none")) {
        error_report("invalid option value '%s'", value);
        exit(1);
    }
}

static int parse_action(QemuOpts *opts, const char *name,
                        const QEnumLookup *lookup, int current)
{
    const char *value = qemu_opt_get(opts, name);
    Error *err = NULL;
    int v;

    if (!value) {
        return current;
    }
    v = qapi_enum_parse(lookup, value, -1, &err);
    if (v < 0) {
        error_report_err(err);
        exit(1);
    }
    return v;
}

void vl_configure_action(QemuOpts *opts)
{
    reboot_action = parse_action(opts, "reboot", &RebootAction_lookup,
                                 reboot_action);
    shutdown_action = parse_action(opts, "shutdown", &ShutdownAction_lookup,
                                   shutdown_action);
    panic_action = parse_action(opts, "panic", &PanicAction_lookup,
                                panic_action);
    watchdog_action = parse_action(opts, "watchdog", &WatchdogAction_lookup,
                                   watchdog_action);
}

void vl_configure_overcommit(QemuOpts *opts)
{
    const char *lock = qemu_opt_get(opts, "mem-lock");
    int flags = 0;

    if (!lock || !strcmp(lock, "off")) {
        return;
    }
    if (!strcmp(lock, "on")) {
        flags = MCL_CURRENT | MCL_FUTURE;
    } else if (!strcmp(lock, "on-fault")) {
        flags = MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT;
    } else {
        error_report("parameter 'mem-lock' expects 'on', 'off' or "
                     "'on-fault'");
        exit(1);
    }
    if (mlockall(flags) < 0) {
        error_report("mlockall: %s", strerror(errno));
        error_report("locking memory failed");
        exit(1);
    }
}

void vl_configure_smp(MachineState *ms, MachineClass *mc, QemuOpts *opts)
{
    unsigned cpus, sockets, cores, threads, maxcpus, dies, clusters;

    if (!opts) {
        ms->smp.cpus = mc->default_cpus ? mc->default_cpus : 1;
        ms->smp.max_cpus = ms->smp.cpus;
        return;
    }
    cpus = qemu_opt_get_number(opts, "cpus", 0);
    sockets = qemu_opt_get_number(opts, "sockets", 0);
    dies = qemu_opt_get_number(opts, "dies", 1);
    clusters = qemu_opt_get_number(opts, "clusters", 1);
    cores = qemu_opt_get_number(opts, "cores", 0);
    threads = qemu_opt_get_number(opts, "threads", 0);
    maxcpus = qemu_opt_get_number(opts, "maxcpus", 0);

    if ((qemu_opt_get(opts, "cpus") && !cpus) ||
        (qemu_opt_get(opts, "sockets") && !sockets) ||
        (qemu_opt_get(opts, "cores") && !cores) ||
        (qemu_opt_get(opts, "threads") && !threads) ||
        (qemu_opt_get(opts, "maxcpus") && !maxcpus)) {
        error_report("Invalid CPU topology: CPU topology parameters must be "
                     "greater than zero");
        exit(1);
    }
    /* Missing values are computed as QEMU does (sockets first). */
    threads = threads ? threads : 1;
    if (!cpus && !maxcpus) {
        cores = cores ? cores : 1;
        sockets = sockets ? sockets : 1;
    } else {
        maxcpus = maxcpus ? maxcpus : cpus;
        if (!sockets) {
            cores = cores ? cores : 1;
            sockets = maxcpus / (dies * clusters * cores * threads);
            sockets = sockets ? sockets : 1;
        } else if (!cores) {
            cores = maxcpus / (sockets * dies * clusters * threads);
            cores = cores ? cores : 1;
        }
    }
    maxcpus = maxcpus ? maxcpus : sockets * dies * clusters * cores * threads;
    cpus = cpus ? cpus : maxcpus;
    if (sockets * dies * clusters * cores * threads != maxcpus) {
        error_report("Invalid CPU topology: product of the hierarchy must "
                     "match maxcpus: sockets (%u) * dies (%u) * "
                     "clusters (%u) * cores (%u) * threads (%u) != "
                     "maxcpus (%u)", sockets, dies, clusters, cores, threads,
                     maxcpus);
        exit(1);
    }
    if (maxcpus < cpus) {
        error_report("Invalid CPU topology: maxcpus must be equal to or "
                     "greater than smp: sockets (%u) * dies (%u) * "
                     "clusters (%u) * cores (%u) * threads (%u) == "
                     "maxcpus (%u) < smp_cpus (%u)", sockets, dies, clusters,
                     cores, threads, maxcpus, cpus);
        exit(1);
    }
    if (cpus < (unsigned)(mc->min_cpus ? mc->min_cpus : 1)) {
        error_report("Invalid SMP CPUs %u. The min CPUs supported by "
                     "machine '%s' is %d", cpus, mc->name, mc->min_cpus);
        exit(1);
    }
    if (maxcpus > (unsigned)mc->max_cpus) {
        const char *type = object_class_get_name(OBJECT_CLASS(mc));
        g_autofree char *name = g_strndup(type, strlen(type) -
                                          strlen(TYPE_MACHINE_SUFFIX));
        error_report("Invalid SMP CPUs %u. The max CPUs supported by "
                     "machine '%s' is %d", maxcpus, name, mc->max_cpus);
        exit(1);
    }
    ms->smp.cpus = cpus;
    ms->smp.sockets = sockets;
    ms->smp.dies = dies;
    ms->smp.clusters = clusters;
    ms->smp.cores = cores;
    ms->smp.threads = threads;
    ms->smp.max_cpus = maxcpus;
}

void vl_cpu_help(void)
{
    g_autoptr(CpuDefinitionInfoList) defs = arch_query_cpu_definitions(NULL);

    printf("Available CPUs:\n");
    for (CpuDefinitionInfoList *l = defs; l; l = l->next) {
        printf("  %s\n", l->value->name);
    }
}

bool qemu_uuid_parse_str(const char *str, uint8_t *uuid)
{
    int n = 0;

    if (strlen(str) != 36) {
        return false;
    }
    for (int i = 0; i < 36; i++) {
        char c = str[i];

        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-') {
                return false;
            }
            continue;
        }
        if (!g_ascii_isxdigit(c) || !g_ascii_isxdigit(str[i + 1])) {
            return false;
        }
        uuid[n++] = g_ascii_xdigit_value(c) << 4 |
                    g_ascii_xdigit_value(str[i + 1]);
        i++;
    }
    return n == 16;
}
