/*
 * HMP commands of the net core: info network, netdev_add, netdev_del,
 * set_link.  They call the same code as the QMP commands.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "monitor/hmp.h"
#include "monitor/monitor.h"
#include "qobject/qdict.h"
#include "qapi/qapi-commands-net.h"
#include "net/net.h"

static void print_net_client(Monitor *mon, NetClientState *nc)
{
    monitor_printf(mon, "%s: index=%d,type=%s,%s\n", nc->name,
                   nc->queue_index, NetClientDriver_str(nc->info->type),
                   nc->info_str ? nc->info_str : "");
}

/* As QEMU: hubs with their ports, then each NIC with its backend below
 * it, and clients without a peer. */
void hmp_info_network(Monitor *mon, const QDict *qdict)
{
    NetClientState *nc;

    net_hub_info(mon);
    QEMU_FOREACH_NET_CLIENT(nc) {
        bool is_nic = nc->info->type == NET_CLIENT_DRIVER_NIC;

        if (net_hub_id_for_client(nc, NULL)) {
            continue;           /* listed with its hub */
        }
        if (!nc->peer || is_nic) {
            print_net_client(mon, nc);
        }
        if (nc->peer && is_nic) {
            monitor_printf(mon, " \\ ");
            print_net_client(mon, nc->peer);
        }
    }
}

void hmp_netdev_add(Monitor *mon, const QDict *qdict)
{
    Error *err = NULL;

    net_init_netdev_cmdline(qdict_get_str(qdict, "netdev"), &err);
    hmp_handle_error(mon, err);
}

void hmp_netdev_del(Monitor *mon, const QDict *qdict)
{
    Error *err = NULL;

    qmp_netdev_del(qdict_get_str(qdict, "id"), &err);
    hmp_handle_error(mon, err);
}

void hmp_set_link(Monitor *mon, const QDict *qdict)
{
    const char *up = qdict_get_str(qdict, "up");
    Error *err = NULL;

    /* HMP's boolean arguments are the words on and off. */
    if (strcmp(up, "on") && strcmp(up, "off")) {
        monitor_printf(mon, "Expected 'on' or 'off'\n");
        return;
    }
    qmp_set_link(qdict_get_str(qdict, "name"), !strcmp(up, "on"), &err);
    hmp_handle_error(mon, err);
}
