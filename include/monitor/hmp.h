/*
 * HMP: the human monitor's command table and handlers.  Every handler
 * takes the arguments parsed from the command line as a QDict and calls
 * the QMP handler that does the work.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MONITOR_HMP_H
#define MONITOR_HMP_H

#include "vireo/error.h"
#include "monitor/monitor.h"

typedef struct Monitor Monitor;
typedef struct QDict QDict;

/*
 * A command.  @args_type lists the arguments as "name:T" separated by
 * commas, T being 's' (one word, quotes allowed), 'S' (the rest of the
 * line), 'i' (an integer) or '-c' (a flag -c, stored as bool "name");
 * a trailing '?' makes an argument optional.  @name may carry aliases
 * separated by '|'.  @sub_table makes this a command group (like info).
 */
typedef struct HMPCommand {
    const char *name;
    const char *args_type;
    const char *params;
    const char *help;
    void (*cmd)(Monitor *mon, const QDict *qdict);
    const struct HMPCommand *sub_table;
} HMPCommand;

/* Guest CPU and memory inspection (hmp-target.c). */
void hmp_info_registers(Monitor *mon, const QDict *qdict);
void hmp_info_cpus(Monitor *mon, const QDict *qdict);
void hmp_info_mtree(Monitor *mon, const QDict *qdict);
void hmp_info_pci(Monitor *mon, const QDict *qdict);
void hmp_memory_dump(Monitor *mon, const QDict *qdict);
void hmp_physical_memory_dump(Monitor *mon, const QDict *qdict);

/* Installs the top-level and "info" tables (NULL-name terminated). */
void hmp_set_command_tables(const HMPCommand *cmds,
                            const HMPCommand *info_cmds);
/* The built-in tables of hmp-cmds.c. */
extern const HMPCommand hmp_cmds[];
extern const HMPCommand hmp_info_cmds[];

/* Parses and runs one command line on @mon. */
void handle_hmp_command(MonitorHMP *mon, const char *cmdline);

/* Prints "Error: <msg>" on @mon and frees @err; true if there was one. */
bool hmp_handle_error(Monitor *mon, Error *err);

void hmp_help(Monitor *mon, const QDict *qdict);
void hmp_info_help(Monitor *mon, const QDict *qdict);
void hmp_info_version(Monitor *mon, const QDict *qdict);
void hmp_info_status(Monitor *mon, const QDict *qdict);
void hmp_info_name(Monitor *mon, const QDict *qdict);
void hmp_info_uuid(Monitor *mon, const QDict *qdict);
void hmp_info_chardev(Monitor *mon, const QDict *qdict);
void hmp_info_qom_tree(Monitor *mon, const QDict *qdict);
void hmp_info_qtree(Monitor *mon, const QDict *qdict);
void hmp_info_kvm(Monitor *mon, const QDict *qdict);
void hmp_info_iothreads(Monitor *mon, const QDict *qdict);
void hmp_info_history(Monitor *mon, const QDict *qdict);
void hmp_stop(Monitor *mon, const QDict *qdict);
void hmp_cont(Monitor *mon, const QDict *qdict);
void hmp_quit(Monitor *mon, const QDict *qdict);
void hmp_system_reset(Monitor *mon, const QDict *qdict);
void hmp_system_powerdown(Monitor *mon, const QDict *qdict);
void hmp_qom_list(Monitor *mon, const QDict *qdict);
void hmp_qom_get(Monitor *mon, const QDict *qdict);
void hmp_qom_set(Monitor *mon, const QDict *qdict);
void hmp_object_add(Monitor *mon, const QDict *qdict);
void hmp_object_del(Monitor *mon, const QDict *qdict);
void hmp_chardev_add(Monitor *mon, const QDict *qdict);
void hmp_chardev_remove(Monitor *mon, const QDict *qdict);
void hmp_ringbuf_write(Monitor *mon, const QDict *qdict);
void hmp_ringbuf_read(Monitor *mon, const QDict *qdict);
void hmp_getfd(Monitor *mon, const QDict *qdict);
void hmp_closefd(Monitor *mon, const QDict *qdict);

#endif
