/*
 * The net core: clients joined in pairs (a NIC front end and its backend
 * peer).  A packet sent by one is delivered to its peer at once when the
 * peer can take it, otherwise it waits in the peer's queue (bounded) and
 * the sender is told to stop; the peer calls qemu_flush_queued_packets()
 * when it has room again, which also lets the sender resume.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef NET_NET_H
#define NET_NET_H

#include "vireo/osdep.h"
#include "vireo/queue.h"
#include "qapi/qapi-types-net.h"
#include "net/offload.h"

typedef struct NetClientState NetClientState;
typedef struct Monitor Monitor;
typedef struct QDict QDict;

typedef struct NetClientInfo {
    NetClientDriver type;
    size_t size;                /* of the struct that embeds the state */
    /* Take one frame; 0 when it cannot now (it will be queued). */
    ssize_t (*receive)(NetClientState *nc, const uint8_t *buf, size_t size);
    bool (*can_receive)(NetClientState *nc);
    /* The peer drained its queue: the sender may produce again. */
    void (*send_resumed)(NetClientState *nc);
    void (*link_status_changed)(NetClientState *nc);
    /* NICs with a receive filter: its state (and rearm the event). */
    RxFilterInfo *(*query_rx_filter)(NetClientState *nc);
    void (*cleanup)(NetClientState *nc);
    /* A vnet_hdr backend: configure what it may hand its peer. */
    void (*set_offload)(NetClientState *nc, const NetOffloads *o);
    /* A queue of a multiqueue backend: let traffic use it or not. */
    int (*set_queue_enabled)(NetClientState *nc, bool enabled);
    /* A NIC's own announcement (besides the RARP), as QEMU's. */
    void (*announce)(NetClientState *nc);
} NetClientInfo;

struct NetClientState {
    NetClientInfo *info;
    NetClientState *peer;
    char *model;
    char *name;
    char *info_str;             /* what 'info network' shows after type */
    uint8_t macaddr[6];         /* a NIC's, for announce-self */
    bool link_down;
    bool is_netdev;             /* created by -netdev/netdev_add */
    int queue_index;            /* of a multiqueue NIC or backend */
    /*
     * Frames this client sends and receives begin with a VirtioNetHdr;
     * @offloads says what it takes in the headers it receives.  Between
     * such a client and one without, the core does the work (offload.c).
     */
    bool vnet_hdr;
    NetOffloads offloads;
    struct NetRsc *rsc;         /* receive coalescing towards this client */
    struct QEMUBH *rsc_bh;
    GQueue queue;               /* frames waiting for this client */
    size_t queued_bytes;
    bool sender_blocked;        /* our peer was told to stop */
    /* Frames this client sent and received (delivered to it). */
    uint64_t tx_packets, tx_bytes, rx_packets, rx_bytes;
    GSList *dump_filters;       /* filter-dump objects watching this */
    QTAILQ_ENTRY(NetClientState) next;
};

NetClientState *qemu_new_net_client(NetClientInfo *info,
                                    NetClientState *peer,
                                    const char *model, const char *name);
void qemu_del_net_client(NetClientState *nc);
NetClientState *qemu_find_netdev(const char *id);
/* The client a device or set_link names: netdev id or NIC name. */
NetClientState *qemu_find_net_client(const char *name);

/* Send @buf to @sender's peer; returns @size when delivered or queued,
 * 0 when queued and the sender should wait for send_resumed.  @buf
 * begins with a VirtioNetHdr when @sender->vnet_hdr. */
ssize_t qemu_send_packet(NetClientState *sender, const uint8_t *buf,
                         size_t size);
/* The same for a frame without header, whatever the sender. */
ssize_t qemu_send_packet_raw(NetClientState *sender, const uint8_t *buf,
                             size_t size);
/* @nc takes @o in the headers it receives (a NIC: what its driver
 * negotiated); a vnet_hdr peer is told so it produces only those. */
void qemu_set_offload(NetClientState *nc, const NetOffloads *o);
/*
 * The queues of netdev @id in queue order, at most @max; returns how many
 * there are (0: no such netdev).
 */
int qemu_find_netdev_queues(const char *id, NetClientState **ncs, int max);
/* @nc can receive again: deliver what waits for it. */
void qemu_flush_queued_packets(NetClientState *nc);
/* Drop what waits for @nc (a NIC being reset). */
void qemu_purge_queued_packets(NetClientState *nc);

/* -netdev and netdev_add; -nic. */
bool net_client_init(Netdev *netdev, Error **errp);
bool net_init_netdev_cmdline(const char *optarg, Error **errp);
/* -nic TYPE,...: a backend plus the -device string for its NIC. */
bool net_init_nic_cmdline(const char *optarg, char **device_opts,
                          Error **errp);
/* Sets the text 'info network' shows for @nc. */
void qemu_set_info_str(NetClientState *nc, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);
/* Visits every client, in creation order. */
#define QEMU_FOREACH_NET_CLIENT(nc) \
    for (nc = qemu_net_client_first(); nc; nc = qemu_net_client_next(nc))
NetClientState *qemu_net_client_first(void);
NetClientState *qemu_net_client_next(NetClientState *nc);

void hmp_info_network(Monitor *mon, const QDict *qdict);
void hmp_info_usernet(Monitor *mon, const QDict *qdict);
void hmp_netdev_add(Monitor *mon, const QDict *qdict);
void hmp_netdev_del(Monitor *mon, const QDict *qdict);
void hmp_set_link(Monitor *mon, const QDict *qdict);
void hmp_hostfwd_add(Monitor *mon, const QDict *qdict);
void hmp_hostfwd_remove(Monitor *mon, const QDict *qdict);

/* Default MACs, as QEMU's: 52:54:00:12:34:56, then :57, ... */
void qemu_macaddr_default(uint8_t mac[6]);

/* filter-dump (filter-dump.c): record a frame @nc sends or receives;
 * forget the filters of a client that goes away. */
void netfilter_dump_frame(NetClientState *nc, const uint8_t *buf,
                          size_t size);
void netfilter_dump_detach_all(NetClientState *nc);

/* Backends. */
/* Backends: @peer is a hub port for -net, NULL for -netdev. */
bool net_init_slirp(const Netdev *netdev, const char *name,
                    NetClientState *peer, Error **errp);
bool net_init_stream(const Netdev *netdev, const char *name,
                     NetClientState *peer, Error **errp);
bool net_init_tap(const Netdev *netdev, const char *name,
                  NetClientState *peer, Error **errp);
bool net_init_bridge(const Netdev *netdev, const char *name,
                     NetClientState *peer, Error **errp);
/* tap-helper.c: a tap fd on @bridge from @helper (NULL: the default). */
int net_bridge_run_helper(const char *helper, const char *bridge,
                          Error **errp);
bool net_init_dgram(const Netdev *netdev, const char *name,
                    NetClientState *peer, Error **errp);
bool net_init_socket(const Netdev *netdev, const char *name,
                     NetClientState *peer, Error **errp);

/* Hubs (hub.c): the -net segments, every port hears every other one. */
NetClientState *net_hub_add_port(int hub_id, const char *name);
bool net_init_hubport(const Netdev *netdev, const char *name,
                      NetClientState *peer, Error **errp);
/* The hub @nc is a port of, or whose port is @nc's peer. */
bool net_hub_id_for_client(NetClientState *nc, int *id);
void net_hub_info(Monitor *mon);
/* -net TYPE,...: the backend on hub 0, or for nic the -device string. */
bool net_init_net_cmdline(const char *optarg, char **device_opts,
                          Error **errp);

#endif
