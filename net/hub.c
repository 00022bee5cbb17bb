/*
 * Hubs: the shared segments of the legacy -net option.  A hub is a set
 * of ports, each a net client whose peer is a NIC or a backend; a frame
 * one port receives goes out of every other port.  -net puts everything
 * on hub 0; -netdev hubport,hubid=N makes ports explicitly.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "monitor/monitor.h"
#include "net/net.h"

typedef struct NetHub NetHub;

typedef struct NetHubPort {
    NetClientState nc;
    NetHub *hub;
} NetHubPort;

struct NetHub {
    int id;
    unsigned num_ports;         /* ever made: names stay unique */
    GList *ports;               /* newest first, as QEMU lists them */
};

static GList *hubs;

static NetHub *net_hub_find(int id, bool create)
{
    NetHub *hub;

    for (GList *l = hubs; l; l = l->next) {
        hub = l->data;
        if (hub->id == id) {
            return hub;
        }
    }
    if (!create) {
        return NULL;
    }
    hub = g_new0(NetHub, 1);
    hub->id = id;
    hubs = g_list_append(hubs, hub);
    return hub;
}

static ssize_t net_hub_port_receive(NetClientState *nc, const uint8_t *buf,
                                    size_t size)
{
    NetHubPort *src = container_of(nc, NetHubPort, nc);

    for (GList *l = src->hub->ports; l; l = l->next) {
        NetHubPort *port = l->data;

        if (port != src) {
            qemu_send_packet(&port->nc, buf, size);
        }
    }
    return size;
}

static void net_hub_port_cleanup(NetClientState *nc)
{
    NetHubPort *port = container_of(nc, NetHubPort, nc);

    port->hub->ports = g_list_remove(port->hub->ports, port);
}

static NetClientInfo net_hub_port_info = {
    .type = NET_CLIENT_DRIVER_HUBPORT,
    .size = sizeof(NetHubPort),
    .receive = net_hub_port_receive,
    .cleanup = net_hub_port_cleanup,
};

static NetHubPort *net_hub_port_new(NetHub *hub, const char *name,
                                    NetClientState *peer)
{
    g_autofree char *auto_name = NULL;
    NetHubPort *port;

    if (!name) {
        auto_name = g_strdup_printf("hub%dport%u", hub->id, hub->num_ports);
        name = auto_name;
    }
    hub->num_ports++;
    port = (NetHubPort *)qemu_new_net_client(&net_hub_port_info, peer,
                                             "hub", name);
    port->hub = hub;
    port->nc.is_netdev = true;  /* a NIC names it as its netdev */
    qemu_set_info_str(&port->nc, "hub=%d", hub->id);
    hub->ports = g_list_prepend(hub->ports, port);
    return port;
}

NetClientState *net_hub_add_port(int hub_id, const char *name)
{
    return &net_hub_port_new(net_hub_find(hub_id, true), name, NULL)->nc;
}

bool net_init_hubport(const Netdev *netdev, const char *name,
                      NetClientState *peer, Error **errp)
{
    const NetdevHubPortOptions *o = &netdev->u.hubport;
    NetClientState *hubpeer = NULL;

    if (o->netdev) {
        hubpeer = qemu_find_netdev(o->netdev);
        if (!hubpeer) {
            error_setg(errp, "netdev '%s' not found", o->netdev);
            return false;
        }
        if (hubpeer->peer) {
            error_setg(errp, "netdev '%s' is already in use", o->netdev);
            return false;
        }
    }
    net_hub_port_new(net_hub_find(o->hubid, true), name, hubpeer);
    return true;
}

bool net_hub_id_for_client(NetClientState *nc, int *id)
{
    NetClientState *port = nc->info == &net_hub_port_info ? nc
        : nc->peer && nc->peer->info == &net_hub_port_info ? nc->peer
        : NULL;

    if (!port) {
        return false;
    }
    if (id) {
        *id = container_of(port, NetHubPort, nc)->hub->id;
    }
    return true;
}

void net_hub_info(Monitor *mon)
{
    for (GList *h = hubs; h; h = h->next) {
        NetHub *hub = h->data;

        monitor_printf(mon, "hub %d\n", hub->id);
        for (GList *l = hub->ports; l; l = l->next) {
            NetHubPort *port = l->data;
            NetClientState *peer = port->nc.peer;

            monitor_printf(mon, " \\ %s", port->nc.name);
            if (peer) {
                monitor_printf(mon, ": %s: index=0,type=%s,%s\n", peer->name,
                               NetClientDriver_str(peer->info->type),
                               peer->info_str ? peer->info_str : "");
            } else {
                monitor_printf(mon, "\n");
            }
        }
    }
}
