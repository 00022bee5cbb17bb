/*
 * virtio-net-device: a NIC on a net backend (netdev=).  Received frames
 * fill guest buffers, merged over several when VIRTIO_NET_F_MRG_RXBUF is
 * negotiated; without buffers the frame waits in the net core's queue and
 * the backend stops until the guest adds some.  Every frame carries the
 * virtio-net header through the net core, which passes it to a vnet_hdr
 * tap as it is and does the offloads itself for other backends, so
 * checksum offload and TSO/UFO are offered whatever the backend (QEMU
 * drops them without vnet_hdr).  A multiqueue backend (tap queues=N)
 * gives N queue pairs, used when the guest asks (VIRTIO_NET_F_MQ).
 * Transmission runs in a bottom half, beside the vCPU, as QEMU's tx=bh.
 * Link state (set_link) is reported through the config status and a
 * config interrupt.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "vireo/log.h"
#include "vireo/main-loop.h"
#include "hw/qdev-properties.h"
#include "hw/virtio/virtio.h"
#include "hw/pci/pci.h"
#include "migration/vmstate.h"
#include "qapi/visitor.h"
#include "qapi/qapi-events-net.h"
#include "system/runstate.h"
#include "net/net.h"

#define TYPE_VIRTIO_NET "virtio-net-device"
#define VIRTIO_ID_NET 1

#define VIRTIO_NET_F_CSUM               0
#define VIRTIO_NET_F_GUEST_CSUM         1
#define VIRTIO_NET_F_CTRL_GUEST_OFFLOADS 2
#define VIRTIO_NET_F_MAC                5
#define VIRTIO_NET_F_GSO                6
#define VIRTIO_NET_F_GUEST_TSO4         7
#define VIRTIO_NET_F_GUEST_TSO6         8
#define VIRTIO_NET_F_GUEST_ECN          9
#define VIRTIO_NET_F_GUEST_UFO          10
#define VIRTIO_NET_F_HOST_TSO4          11
#define VIRTIO_NET_F_HOST_TSO6          12
#define VIRTIO_NET_F_HOST_ECN           13
#define VIRTIO_NET_F_HOST_UFO           14
#define VIRTIO_NET_F_MRG_RXBUF          15
#define VIRTIO_NET_F_STATUS             16
#define VIRTIO_NET_F_CTRL_VQ            17
#define VIRTIO_NET_F_CTRL_RX            18
#define VIRTIO_NET_F_CTRL_VLAN          19
#define VIRTIO_NET_F_CTRL_RX_EXTRA      20
#define VIRTIO_NET_F_GUEST_ANNOUNCE     21
#define VIRTIO_NET_F_MQ                 22
#define VIRTIO_NET_F_CTRL_MAC_ADDR      23
#define NET_FEATURES                    24
#define VIRTIO_NET_S_LINK_UP   1
#define VIRTIO_NET_S_ANNOUNCE  2

/* The offloads of received frames the driver may turn on and off. */
#define GUEST_OFFLOADS (1ULL << VIRTIO_NET_F_GUEST_CSUM | \
                        1ULL << VIRTIO_NET_F_GUEST_TSO4 | \
                        1ULL << VIRTIO_NET_F_GUEST_TSO6 | \
                        1ULL << VIRTIO_NET_F_GUEST_ECN | \
                        1ULL << VIRTIO_NET_F_GUEST_UFO)

/* Control virtqueue classes and commands (virtio spec 5.1.6.5). */
#define VIRTIO_NET_CTRL_RX             0
#define VIRTIO_NET_CTRL_RX_PROMISC     0
#define VIRTIO_NET_CTRL_RX_ALLMULTI    1
#define VIRTIO_NET_CTRL_RX_ALLUNI      2
#define VIRTIO_NET_CTRL_RX_NOMULTI     3
#define VIRTIO_NET_CTRL_RX_NOUNI       4
#define VIRTIO_NET_CTRL_RX_NOBCAST     5
#define VIRTIO_NET_CTRL_MAC            1
#define VIRTIO_NET_CTRL_MAC_TABLE_SET  0
#define VIRTIO_NET_CTRL_MAC_ADDR_SET   1
#define VIRTIO_NET_CTRL_VLAN           2
#define VIRTIO_NET_CTRL_VLAN_ADD       0
#define VIRTIO_NET_CTRL_VLAN_DEL       1
#define VIRTIO_NET_CTRL_ANNOUNCE       3
#define VIRTIO_NET_CTRL_ANNOUNCE_ACK   0
#define VIRTIO_NET_CTRL_MQ             4
#define VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET 0
#define VIRTIO_NET_CTRL_GUEST_OFFLOADS 5
#define VIRTIO_NET_CTRL_GUEST_OFFLOADS_SET 0
#define VIRTIO_NET_OK                  0
#define VIRTIO_NET_ERR                 1

#define MAC_TABLE_ENTRIES 64        /* as QEMU's */
#define MAX_VLAN 4096
#define CTRL_QUEUE_SIZE 64
#define MAX_QUEUE_PAIRS ((VIRTIO_QUEUE_MAX - 1) / 2)

#define RX_QUEUE_SIZE 256
#define TX_QUEUE_SIZE 256
#define TX_BURST 256                /* frames per bottom half, as QEMU */
/* The largest frame with its header: a 64 KiB super-packet and tags. */
#define MAX_FRAME (VIRTIO_NET_HDR_LEN + 14 + 8 + 65535)

typedef struct __attribute__((packed)) VirtIONetConfig {
    uint8_t mac[6];
    uint16_t status;
    uint16_t max_virtqueue_pairs;
} VirtIONetConfig;

typedef struct VirtIONet VirtIONet;

/* One queue pair: its rings, its net client and its transmit half. */
typedef struct NICState {
    NetClientState nc;
    VirtIONet *n;
    VirtQueue *rx_vq, *tx_vq;
    QEMUBH *tx_bh;
    bool tx_waiting;            /* the bottom half will run */
} NICState;

struct VirtIONet {
    VirtIODevice parent_obj;
    char *netdev_id;
    bool props[NET_FEATURES];   /* csum=, guest_tso4=, ... */
    NICState *nic[MAX_QUEUE_PAIRS];
    uint16_t max_queue_pairs;
    uint16_t curr_queue_pairs;
    uint64_t curr_guest_offloads;
    uint8_t *tx_buf;            /* one frame being sent, header first */
    VMChangeStateEntry *vmstate_change;
    uint8_t mac[6];
    bool mac_set;
    uint16_t status;
    /* Receive filter, set by the guest through the control queue. */
    uint8_t promisc, allmulti, alluni, nomulti, nouni, nobcast;
    uint32_t mac_table_in_use;      /* entries: unicast, then multicast */
    uint32_t mac_table_first_multi;
    uint8_t uni_overflow, multi_overflow;
    uint8_t mac_table[MAC_TABLE_ENTRIES * 6];
    uint32_t vlans[MAX_VLAN / 32];
    bool rxfilter_notify;           /* NIC_RX_FILTER_CHANGED armed */
};

DECLARE_INSTANCE_CHECKER(VirtIONet, VIRTIO_NET, TYPE_VIRTIO_NET)

static bool virtio_net_mergeable(VirtIONet *n)
{
    return virtio_has_feature(VIRTIO_DEVICE(n)->guest_features,
                              VIRTIO_NET_F_MRG_RXBUF);
}

static bool virtio_net_has(VirtIONet *n, unsigned bit)
{
    return virtio_has_feature(VIRTIO_DEVICE(n)->guest_features, bit);
}

/* Whether the guest's receive filter lets @buf in. */
static bool virtio_net_filter(VirtIONet *n, const uint8_t *buf, size_t size)
{
    static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

    if (size < 14) {
        return false;
    }
    if (virtio_net_has(n, VIRTIO_NET_F_CTRL_VLAN) && buf[12] == 0x81 &&
        buf[13] == 0x00 && size >= 16) {
        unsigned vid = ((buf[14] << 8) | buf[15]) & 0xfff;

        if (!(n->vlans[vid / 32] & (1u << (vid % 32)))) {
            return false;
        }
    }
    if (n->promisc) {
        return true;
    }
    if (buf[0] & 1) {
        if (!memcmp(buf, bcast, 6)) {
            return !n->nobcast;
        }
        if (n->nomulti) {
            return false;
        }
        if (n->allmulti || n->multi_overflow) {
            return true;
        }
        for (uint32_t i = n->mac_table_first_multi; i < n->mac_table_in_use;
             i++) {
            if (!memcmp(buf, &n->mac_table[i * 6], 6)) {
                return true;
            }
        }
        return false;
    }
    if (n->nouni) {
        return false;
    }
    if (n->alluni || n->uni_overflow || !memcmp(buf, n->mac, 6)) {
        return true;
    }
    for (uint32_t i = 0; i < n->mac_table_first_multi; i++) {
        if (!memcmp(buf, &n->mac_table[i * 6], 6)) {
            return true;
        }
    }
    return false;
}

static bool virtio_net_can_receive(NetClientState *nc)
{
    NICState *q = (NICState *)nc;
    VirtIONet *n = q->n;
    VirtIODevice *vdev = VIRTIO_DEVICE(n);

    /* Nothing goes into a stopped guest's memory (it may be saved). */
    return (vdev->status & VIRTIO_CONFIG_S_DRIVER_OK) &&
           nc->queue_index < n->curr_queue_pairs && q->rx_vq->ready &&
           runstate_is_running() && !virtqueue_empty(q->rx_vq);
}

static size_t copy_to_elem(VirtQueueElement *elem, size_t skip,
                           const uint8_t *buf, size_t len)
{
    size_t done = 0;

    for (unsigned i = 0; i < elem->in_num && done < len; i++) {
        size_t room = elem->in_sg[i].iov_len;
        size_t n;

        if (skip >= room) {
            skip -= room;
            continue;
        }
        n = MIN(room - skip, len - done);
        memcpy((uint8_t *)elem->in_sg[i].iov_base + skip, buf + done, n);
        done += n;
        skip = 0;
    }
    return done;
}

/*
 * One frame, behind its header (@buf holds both), into one or
 * (mergeable) several guest buffers.
 */
static ssize_t virtio_net_receive(NetClientState *nc, const uint8_t *buf,
                                  size_t size)
{
    NICState *q = (NICState *)nc;
    VirtIONet *n = q->n;
    VirtQueueElement *elems[VIRTQUEUE_MAX_SIZE];
    size_t lens[VIRTQUEUE_MAX_SIZE];
    unsigned used = 0;
    size_t offset = 0;
    uint16_t num_buffers;

    if (!virtio_net_can_receive(nc)) {
        return 0;
    }
    if (size <= VIRTIO_NET_HDR_LEN ||
        !virtio_net_filter(n, buf + VIRTIO_NET_HDR_LEN,
                           size - VIRTIO_NET_HDR_LEN)) {
        return size;            /* filtered out: consumed, not delivered */
    }
    while (offset < size) {
        VirtQueueElement *elem = virtqueue_pop(q->rx_vq);
        size_t copied;

        if (!elem) {
            /* Out of buffers mid-frame: give them back, retry later. */
            for (unsigned i = used; i-- > 0;) {
                virtqueue_unpop(q->rx_vq, elems[i]);
                g_free(elems[i]);
            }
            return 0;
        }
        if (!used && elem->in_len < VIRTIO_NET_HDR_LEN) {
            qemu_log_mask(LOG_GUEST_ERROR, "virtio-net: rx buffer too "
                          "small for the header\n");
            q->rx_vq->broken = true;
            g_free(elem);
            return size;
        }
        copied = copy_to_elem(elem, 0, buf + offset,
                              MIN(elem->in_len, size - offset));
        offset += copied;
        lens[used] = copied;
        elems[used++] = elem;
        if (!virtio_net_mergeable(n) && offset < size) {
            /* Without mergeable buffers a frame must fit in one. */
            qemu_log_mask(LOG_GUEST_ERROR, "virtio-net: frame of %zu bytes "
                          "does not fit the rx buffer\n",
                          size - VIRTIO_NET_HDR_LEN);
            break;
        }
        if (used == VIRTQUEUE_MAX_SIZE) {
            break;
        }
    }
    num_buffers = GUINT16_TO_LE(used);
    copy_to_elem(elems[0], offsetof(VirtioNetHdr, num_buffers),
                 (const uint8_t *)&num_buffers, 2);
    for (unsigned i = 0; i < used; i++) {
        virtqueue_fill(q->rx_vq, elems[i], lens[i], i);
        g_free(elems[i]);
    }
    virtqueue_flush(q->rx_vq, used);
    virtio_notify(VIRTIO_DEVICE(n), q->rx_vq);
    return size;
}

/* Sends what the driver queued, at most TX_BURST frames; how many. */
static int virtio_net_flush_tx(NICState *q)
{
    VirtIONet *n = q->n;
    VirtIODevice *vdev = VIRTIO_DEVICE(n);
    VirtQueueElement *elem;
    int sent = 0;

    if (!(vdev->status & VIRTIO_CONFIG_S_DRIVER_OK) || !q->tx_vq->ready ||
        !runstate_is_running()) {
        return 0;
    }
    while (sent < TX_BURST && (elem = virtqueue_pop(q->tx_vq))) {
        size_t len = 0;

        if (elem->out_len < VIRTIO_NET_HDR_LEN ||
            elem->out_len > MAX_FRAME) {
            qemu_log_mask(LOG_GUEST_ERROR, "virtio-net: tx buffer of %zu "
                          "bytes dropped\n", elem->out_len);
        } else {
            for (unsigned i = 0; i < elem->out_num; i++) {
                memcpy(n->tx_buf + len, elem->out_sg[i].iov_base,
                       elem->out_sg[i].iov_len);
                len += elem->out_sg[i].iov_len;
            }
            /* The header goes along: the net core knows what to do. */
            qemu_send_packet(&q->nc, n->tx_buf, len);
        }
        virtqueue_push(q->tx_vq, elem, 0);
        g_free(elem);
        sent++;
    }
    if (sent) {
        virtio_notify(vdev, q->tx_vq);
    }
    return sent;
}

/*
 * Transmission in the main loop while the vCPU goes on, as QEMU's tx=bh:
 * the driver's notifications stay off while frames keep coming.
 */
static void virtio_net_tx_bh(void *opaque)
{
    NICState *q = opaque;

    q->tx_waiting = false;
    if (virtio_net_flush_tx(q) >= TX_BURST) {
        q->tx_waiting = true;
        qemu_bh_schedule(q->tx_bh);
        return;
    }
    /* Notifications on again, then one more look for what raced. */
    virtqueue_set_notification(q->tx_vq, true);
    if (virtio_net_flush_tx(q) > 0) {
        virtqueue_set_notification(q->tx_vq, false);
        q->tx_waiting = true;
        qemu_bh_schedule(q->tx_bh);
    }
}

static void virtio_net_handle_tx(NICState *q)
{
    if (q->tx_waiting) {
        return;
    }
    q->tx_waiting = true;
    virtqueue_set_notification(q->tx_vq, false);
    qemu_bh_schedule(q->tx_bh);
}

static void virtio_net_handle_rx(NICState *q)
{
    /* New buffers: deliver what waited and let the backend go on. */
    qemu_flush_queued_packets(&q->nc);
}

/*
 * The NIC's name for the user: its own id, or for virtio-net-pci the
 * proxy's id (the backend has none), as QEMU names the net client.
 */
static const char *virtio_net_user_id(DeviceState *dev)
{
    DeviceState *transport = dev->parent_bus ? dev->parent_bus->parent
                                             : NULL;

    if (!dev->id && transport &&
        object_dynamic_cast(OBJECT(transport), TYPE_PCI_DEVICE)) {
        return transport->id;
    }
    return dev->id;
}

static void virtio_net_rxfilter_changed(VirtIONet *n)
{
    DeviceState *dev = DEVICE(n);

    /* Once until the next query-rx-filter, as QEMU. */
    if (n->rxfilter_notify) {
        g_autofree char *path = object_get_canonical_path(OBJECT(n));

        qapi_event_send_nic_rx_filter_changed(virtio_net_user_id(dev),
                                              path);
        n->rxfilter_notify = false;
    }
}

/* What the guest takes in received frames now, to the core and the
 * backend (a vnet_hdr tap then produces nothing else). */
static void virtio_net_apply_offloads(VirtIONet *n)
{
    uint64_t f = n->curr_guest_offloads;
    NetOffloads o = {
        .csum = f & 1ULL << VIRTIO_NET_F_GUEST_CSUM,
        .tso4 = f & 1ULL << VIRTIO_NET_F_GUEST_TSO4,
        .tso6 = f & 1ULL << VIRTIO_NET_F_GUEST_TSO6,
        .ecn = f & 1ULL << VIRTIO_NET_F_GUEST_ECN,
        .ufo = f & 1ULL << VIRTIO_NET_F_GUEST_UFO,
    };

    for (int i = 0; i < n->max_queue_pairs; i++) {
        qemu_set_offload(&n->nic[i]->nc, &o);
    }
}

/* Backend queues beyond those the guest uses are detached, so a
 * multiqueue tap does not steer traffic to them. */
static void virtio_net_set_queue_pairs(VirtIONet *n)
{
    if (n->max_queue_pairs == 1) {
        return;
    }
    for (int i = 0; i < n->max_queue_pairs; i++) {
        NetClientState *peer = n->nic[i]->nc.peer;

        if (peer && peer->info->set_queue_enabled) {
            peer->info->set_queue_enabled(peer, i < n->curr_queue_pairs);
        }
    }
}

/* The control queue is the last one with VIRTIO_NET_F_MQ, else the third. */
static int virtio_net_ctrl_index(VirtIONet *n)
{
    return virtio_net_has(n, VIRTIO_NET_F_MQ) ? 2 * n->max_queue_pairs : 2;
}

static void virtio_net_handle_ctrl(VirtIODevice *vdev, VirtQueue *vq);

/* Queue 2i receives for pair i, 2i + 1 transmits; then the control queue. */
static void virtio_net_handle_queue(VirtIODevice *vdev, VirtQueue *vq)
{
    VirtIONet *n = VIRTIO_NET(vdev);
    int idx = vq - vdev->vq;

    if (idx == virtio_net_ctrl_index(n)) {
        virtio_net_handle_ctrl(vdev, vq);
    } else if (idx < 2 * n->max_queue_pairs) {
        if (idx & 1) {
            virtio_net_handle_tx(n->nic[idx / 2]);
        } else {
            virtio_net_handle_rx(n->nic[idx / 2]);
        }
    }
}

/* Reads the MAC table of one class: le32 count, then 6-byte entries. */
static bool ctrl_read_mac_table(const uint8_t **p, size_t *left,
                                VirtIONet *n, uint8_t *overflow)
{
    uint32_t entries;

    if (*left < 4) {
        return false;
    }
    entries = (*p)[0] | (*p)[1] << 8 | (*p)[2] << 16 | (uint32_t)(*p)[3] << 24;
    *p += 4;
    *left -= 4;
    if (entries > *left / 6) {
        return false;
    }
    if (n->mac_table_in_use + entries <= MAC_TABLE_ENTRIES) {
        memcpy(&n->mac_table[n->mac_table_in_use * 6], *p, entries * 6);
        n->mac_table_in_use += entries;
    } else {
        *overflow = 1;
    }
    *p += entries * 6;
    *left -= entries * 6;
    return true;
}

static uint8_t virtio_net_ctrl(VirtIONet *n, uint8_t cls, uint8_t cmd,
                               const uint8_t *data, size_t len)
{
    switch (cls) {
    case VIRTIO_NET_CTRL_RX: {
        uint8_t *flags[] = {
            [VIRTIO_NET_CTRL_RX_PROMISC] = &n->promisc,
            [VIRTIO_NET_CTRL_RX_ALLMULTI] = &n->allmulti,
            [VIRTIO_NET_CTRL_RX_ALLUNI] = &n->alluni,
            [VIRTIO_NET_CTRL_RX_NOMULTI] = &n->nomulti,
            [VIRTIO_NET_CTRL_RX_NOUNI] = &n->nouni,
            [VIRTIO_NET_CTRL_RX_NOBCAST] = &n->nobcast,
        };

        if (len != 1 || cmd >= G_N_ELEMENTS(flags) ||
            (cmd > VIRTIO_NET_CTRL_RX_ALLMULTI &&
             !virtio_net_has(n, VIRTIO_NET_F_CTRL_RX_EXTRA))) {
            return VIRTIO_NET_ERR;
        }
        *flags[cmd] = !!data[0];
        return VIRTIO_NET_OK;
    }
    case VIRTIO_NET_CTRL_MAC:
        if (cmd == VIRTIO_NET_CTRL_MAC_ADDR_SET && len == 6) {
            memcpy(n->mac, data, 6);
            for (int i = 0; i < n->max_queue_pairs; i++) {
                memcpy(n->nic[i]->nc.macaddr, data, 6);
            }
            return VIRTIO_NET_OK;
        }
        if (cmd == VIRTIO_NET_CTRL_MAC_TABLE_SET) {
            n->mac_table_in_use = 0;
            n->uni_overflow = n->multi_overflow = 0;
            if (!ctrl_read_mac_table(&data, &len, n, &n->uni_overflow)) {
                goto bad_table;
            }
            n->mac_table_first_multi = n->mac_table_in_use;
            if (!ctrl_read_mac_table(&data, &len, n, &n->multi_overflow) ||
                len) {
                goto bad_table;
            }
            return VIRTIO_NET_OK;
        }
        return VIRTIO_NET_ERR;
    bad_table:
        n->mac_table_in_use = n->mac_table_first_multi = 0;
        return VIRTIO_NET_ERR;
    case VIRTIO_NET_CTRL_VLAN: {
        unsigned vid;

        if (len != 2) {
            return VIRTIO_NET_ERR;
        }
        vid = data[0] | data[1] << 8;
        if (vid >= MAX_VLAN) {
            return VIRTIO_NET_ERR;
        }
        if (cmd == VIRTIO_NET_CTRL_VLAN_ADD) {
            n->vlans[vid / 32] |= 1u << (vid % 32);
        } else if (cmd == VIRTIO_NET_CTRL_VLAN_DEL) {
            n->vlans[vid / 32] &= ~(1u << (vid % 32));
        } else {
            return VIRTIO_NET_ERR;
        }
        return VIRTIO_NET_OK;
    }
    case VIRTIO_NET_CTRL_ANNOUNCE:
        /* The driver announced itself as asked. */
        if (cmd != VIRTIO_NET_CTRL_ANNOUNCE_ACK ||
            !(n->status & VIRTIO_NET_S_ANNOUNCE)) {
            return VIRTIO_NET_ERR;
        }
        n->status &= ~VIRTIO_NET_S_ANNOUNCE;
        return VIRTIO_NET_OK;
    case VIRTIO_NET_CTRL_MQ: {
        unsigned pairs;

        if (cmd != VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET || len != 2 ||
            !virtio_net_has(n, VIRTIO_NET_F_MQ)) {
            return VIRTIO_NET_ERR;
        }
        pairs = data[0] | data[1] << 8;
        if (pairs < 1 || pairs > n->max_queue_pairs) {
            return VIRTIO_NET_ERR;
        }
        n->curr_queue_pairs = pairs;
        virtio_net_set_queue_pairs(n);
        return VIRTIO_NET_OK;
    }
    case VIRTIO_NET_CTRL_GUEST_OFFLOADS: {
        uint64_t offloads;

        if (cmd != VIRTIO_NET_CTRL_GUEST_OFFLOADS_SET || len != 8 ||
            !virtio_net_has(n, VIRTIO_NET_F_CTRL_GUEST_OFFLOADS)) {
            return VIRTIO_NET_ERR;
        }
        memcpy(&offloads, data, 8);
        offloads = GUINT64_FROM_LE(offloads);
        /* Only those negotiated may be turned on. */
        if (offloads & ~(VIRTIO_DEVICE(n)->guest_features &
                         GUEST_OFFLOADS)) {
            return VIRTIO_NET_ERR;
        }
        n->curr_guest_offloads = offloads;
        virtio_net_apply_offloads(n);
        return VIRTIO_NET_OK;
    }
    default:
        return VIRTIO_NET_ERR;
    }
}

static void virtio_net_handle_ctrl(VirtIODevice *vdev, VirtQueue *vq)
{
    VirtIONet *n = VIRTIO_NET(vdev);
    VirtQueueElement *elem;

    while ((elem = virtqueue_pop(vq))) {
        g_autofree uint8_t *req = NULL;
        size_t off = 0;
        uint8_t status = VIRTIO_NET_ERR;

        /* Real requests are small; a huge one is refused, not copied. */
        if (elem->out_len > 64 * 1024) {
            qemu_log_mask(LOG_GUEST_ERROR, "virtio-net: control request "
                          "of %zu bytes refused\n", elem->out_len);
            copy_to_elem(elem, 0, &status, 1);
            virtqueue_push(vq, elem, elem->in_len ? 1 : 0);
            g_free(elem);
            continue;
        }
        req = g_malloc(MAX(elem->out_len, 2));

        for (unsigned i = 0; i < elem->out_num; i++) {
            memcpy(req + off, elem->out_sg[i].iov_base,
                   elem->out_sg[i].iov_len);
            off += elem->out_sg[i].iov_len;
        }
        if (elem->out_len < 2 || elem->in_len < 1) {
            qemu_log_mask(LOG_GUEST_ERROR, "virtio-net: malformed control "
                          "request\n");
        } else {
            status = virtio_net_ctrl(n, req[0], req[1], req + 2,
                                     elem->out_len - 2);
            if (status == VIRTIO_NET_OK && req[0] <= VIRTIO_NET_CTRL_VLAN) {
                virtio_net_rxfilter_changed(n);
            }
        }
        copy_to_elem(elem, 0, &status, 1);
        virtqueue_push(vq, elem, elem->in_len ? 1 : 0);
        g_free(elem);
    }
    virtio_notify(vdev, vq);
}

static void virtio_net_set_status(VirtIODevice *vdev, uint8_t status)
{
    VirtIONet *n = VIRTIO_NET(vdev);

    if (status & VIRTIO_CONFIG_S_DRIVER_OK) {
        for (int i = 0; i < n->max_queue_pairs; i++) {
            qemu_flush_queued_packets(&n->nic[i]->nc);
        }
    }
}

/* Back to running: what the guest queued or was sent meanwhile goes. */
static void virtio_net_vm_state_change(void *opaque, bool running,
                                       RunState state)
{
    VirtIONet *n = opaque;

    if (!running) {
        return;
    }
    for (int i = 0; i < n->max_queue_pairs; i++) {
        virtio_net_handle_tx(n->nic[i]);
        qemu_flush_queued_packets(&n->nic[i]->nc);
    }
}

static void virtio_net_set_features(VirtIODevice *vdev, uint64_t features)
{
    VirtIONet *n = VIRTIO_NET(vdev);

    n->curr_guest_offloads = features & GUEST_OFFLOADS;
    virtio_net_apply_offloads(n);
    if (!virtio_has_feature(features, VIRTIO_NET_F_MQ)) {
        n->curr_queue_pairs = 1;
    }
    virtio_net_set_queue_pairs(n);
}

/* Power-on filter, as QEMU's: promiscuous until the guest says. */
static void virtio_net_reset(VirtIODevice *vdev)
{
    VirtIONet *n = VIRTIO_NET(vdev);

    n->promisc = 1;
    n->allmulti = n->alluni = n->nomulti = n->nouni = n->nobcast = 0;
    n->mac_table_in_use = n->mac_table_first_multi = 0;
    n->uni_overflow = n->multi_overflow = 0;
    memset(n->vlans, 0, sizeof(n->vlans));
    n->status &= ~VIRTIO_NET_S_ANNOUNCE;
    for (int i = 0; i < n->max_queue_pairs; i++) {
        NICState *q = n->nic[i];

        if (q) {
            qemu_bh_cancel(q->tx_bh);
            q->tx_waiting = false;
            /* Frames for the old driver, in its offloads, are stale. */
            qemu_purge_queued_packets(&q->nc);
        }
    }
    if (n->nic[0]) {
        n->curr_queue_pairs = 1;
        n->curr_guest_offloads = 0;
        virtio_net_apply_offloads(n);
        virtio_net_set_queue_pairs(n);
    }
}

static void virtio_net_link_changed(NetClientState *nc)
{
    VirtIONet *n = ((NICState *)nc)->n;
    uint16_t old = n->status;

    n->status = (nc->link_down ? 0 : VIRTIO_NET_S_LINK_UP) |
                (n->status & VIRTIO_NET_S_ANNOUNCE);
    if (n->status != old) {
        virtio_notify_config(VIRTIO_DEVICE(n));
    }
}

/* announce-self: a driver that can announce itself is asked to. */
static void virtio_net_announce(NetClientState *nc)
{
    VirtIONet *n = ((NICState *)nc)->n;

    if (virtio_net_has(n, VIRTIO_NET_F_GUEST_ANNOUNCE) &&
        virtio_net_has(n, VIRTIO_NET_F_CTRL_VQ)) {
        n->status |= VIRTIO_NET_S_ANNOUNCE;
        virtio_notify_config(VIRTIO_DEVICE(n));
    }
}

static strList *mac_list(const uint8_t *table, uint32_t from, uint32_t to)
{
    strList *head = NULL, **tail = &head;

    for (uint32_t i = from; i < to; i++) {
        const uint8_t *m = &table[i * 6];

        QAPI_LIST_APPEND(tail, g_strdup_printf(
            "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4],
            m[5]));
    }
    return head;
}

static RxFilterInfo *virtio_net_query_rx_filter(NetClientState *nc)
{
    VirtIONet *n = ((NICState *)nc)->n;
    RxFilterInfo *info = g_new0(RxFilterInfo, 1);
    intList **vtail = &info->vlan_table;

    info->name = g_strdup(nc->name);
    info->promiscuous = n->promisc;
    info->unicast = n->nouni ? RX_STATE_NONE
                    : n->alluni ? RX_STATE_ALL : RX_STATE_NORMAL;
    info->multicast = n->nomulti ? RX_STATE_NONE
                      : n->allmulti ? RX_STATE_ALL : RX_STATE_NORMAL;
    info->broadcast_allowed = !n->nobcast;
    info->unicast_overflow = n->uni_overflow;
    info->multicast_overflow = n->multi_overflow;
    info->main_mac = mac_list(n->mac, 0, 1)->value;
    info->unicast_table = mac_list(n->mac_table, 0,
                                   n->mac_table_first_multi);
    info->multicast_table = mac_list(n->mac_table, n->mac_table_first_multi,
                                     n->mac_table_in_use);
    if (virtio_net_has(n, VIRTIO_NET_F_CTRL_VLAN)) {
        info->vlan = RX_STATE_NORMAL;
        for (int v = 0; v < MAX_VLAN; v++) {
            if (n->vlans[v / 32] & (1u << (v % 32))) {
                QAPI_LIST_APPEND(vtail, v);
            }
        }
    } else {
        info->vlan = RX_STATE_ALL;
    }
    n->rxfilter_notify = true;
    return info;
}

static NetClientInfo net_virtio_info = {
    .type = NET_CLIENT_DRIVER_NIC,
    .size = sizeof(NICState),
    .receive = virtio_net_receive,
    .can_receive = virtio_net_can_receive,
    .link_status_changed = virtio_net_link_changed,
    .query_rx_filter = virtio_net_query_rx_filter,
    .announce = virtio_net_announce,
};

static void virtio_net_get_config(VirtIODevice *vdev, uint8_t *config)
{
    VirtIONet *n = VIRTIO_NET(vdev);
    VirtIONetConfig c;

    memcpy(c.mac, n->mac, sizeof(c.mac));
    c.status = GUINT16_TO_LE(n->status);
    c.max_virtqueue_pairs = GUINT16_TO_LE(n->max_queue_pairs);
    memcpy(config, &c, vdev->config_len);
}

#define BIT(b) (1ULL << VIRTIO_NET_F_##b)

/* Features and what they require (any one of), in an order where the
 * requirement is settled first. */
static const struct {
    unsigned bit;
    uint64_t needs;
} feature_deps[] = {
    { VIRTIO_NET_F_HOST_TSO4, BIT(CSUM) },
    { VIRTIO_NET_F_HOST_TSO6, BIT(CSUM) },
    { VIRTIO_NET_F_HOST_UFO, BIT(CSUM) },
    { VIRTIO_NET_F_HOST_ECN, BIT(HOST_TSO4) | BIT(HOST_TSO6) },
    { VIRTIO_NET_F_GUEST_TSO4, BIT(GUEST_CSUM) },
    { VIRTIO_NET_F_GUEST_TSO6, BIT(GUEST_CSUM) },
    { VIRTIO_NET_F_GUEST_UFO, BIT(GUEST_CSUM) },
    { VIRTIO_NET_F_GUEST_ECN, BIT(GUEST_TSO4) | BIT(GUEST_TSO6) },
    { VIRTIO_NET_F_CTRL_RX, BIT(CTRL_VQ) },
    { VIRTIO_NET_F_CTRL_VLAN, BIT(CTRL_VQ) },
    { VIRTIO_NET_F_GUEST_ANNOUNCE, BIT(CTRL_VQ) },
    { VIRTIO_NET_F_MQ, BIT(CTRL_VQ) },
    { VIRTIO_NET_F_CTRL_MAC_ADDR, BIT(CTRL_VQ) },
    { VIRTIO_NET_F_CTRL_GUEST_OFFLOADS, BIT(CTRL_VQ) },
    { VIRTIO_NET_F_CTRL_RX_EXTRA, BIT(CTRL_RX) },
};

/*
 * The features offered: the properties, less what the backend cannot
 * back.  Without a vnet_hdr backend the core does checksums, TSO and UFO
 * for the guest's frames, checks received checksums and joins received
 * TCP segments, but never makes UFO super-packets for the guest.
 */
static uint64_t virtio_net_host_features(VirtIONet *n, NetClientState *peer)
{
    uint64_t f = 1ULL << VIRTIO_NET_F_MAC;

    for (int i = 0; i < NET_FEATURES; i++) {
        if (n->props[i]) {
            f |= 1ULL << i;
        }
    }
    if (!peer || !peer->vnet_hdr || !peer->offloads.ufo) {
        f &= ~(1ULL << VIRTIO_NET_F_GUEST_UFO);
    }
    if (peer && peer->vnet_hdr && !peer->offloads.ufo) {
        f &= ~(1ULL << VIRTIO_NET_F_HOST_UFO);
    }
    /* Nothing whose prerequisite is off (virtio 1.x 5.1.3.1). */
    for (size_t i = 0; i < G_N_ELEMENTS(feature_deps); i++) {
        if ((f & 1ULL << feature_deps[i].bit) &&
            !(f & feature_deps[i].needs)) {
            f &= ~(1ULL << feature_deps[i].bit);
        }
    }
    return f;
}

static void virtio_net_realize(DeviceState *dev, Error **errp)
{
    VirtIONet *n = VIRTIO_NET(dev);
    VirtIODevice *vdev = VIRTIO_DEVICE(dev);
    NetClientState *peers[MAX_QUEUE_PAIRS] = { NULL };
    int npeers = 0;

    if (n->netdev_id) {
        npeers = qemu_find_netdev_queues(n->netdev_id, peers,
                                         MAX_QUEUE_PAIRS);
        if (!npeers) {
            error_setg(errp, "Property 'virtio-net-device.netdev' can't "
                       "find value '%s'", n->netdev_id);
            return;
        }
        if (npeers > MAX_QUEUE_PAIRS) {
            error_setg(errp, "Invalid number of queue pairs (= %d), must "
                       "be a positive integer less than %d.", npeers,
                       MAX_QUEUE_PAIRS);
            return;
        }
        for (int i = 0; i < npeers; i++) {
            if (peers[i]->peer) {
                error_setg(errp, "Property 'virtio-net-device.netdev' "
                           "can't take value '%s', it's in use",
                           n->netdev_id);
                return;
            }
        }
    }
    if (!n->mac_set) {
        qemu_macaddr_default(n->mac);
    }
    n->max_queue_pairs = MAX(npeers, 1);
    n->curr_queue_pairs = 1;
    /* max_virtqueue_pairs is there only with VIRTIO_NET_F_MQ, as QEMU. */
    virtio_init(vdev, VIRTIO_ID_NET,
                n->props[VIRTIO_NET_F_MQ]
                ? sizeof(VirtIONetConfig)
                : offsetof(VirtIONetConfig, max_virtqueue_pairs));
    vdev->host_features |= virtio_net_host_features(n, peers[0]);
    for (int i = 0; i < n->max_queue_pairs; i++) {
        virtio_add_queue(vdev, RX_QUEUE_SIZE, virtio_net_handle_queue);
        virtio_add_queue(vdev, TX_QUEUE_SIZE, virtio_net_handle_queue);
    }
    virtio_add_queue(vdev, CTRL_QUEUE_SIZE, virtio_net_handle_queue);
    n->tx_buf = g_malloc(MAX_FRAME);
    n->rxfilter_notify = true;
    for (int i = 0; i < n->max_queue_pairs; i++) {
        /* Every queue goes by the NIC's name, as QEMU's. */
        NICState *q = (NICState *)qemu_new_net_client(
            &net_virtio_info, peers[i], TYPE_VIRTIO_NET,
            i ? n->nic[0]->nc.name : virtio_net_user_id(dev));

        q->n = n;
        q->nc.queue_index = i;
        q->nc.vnet_hdr = true;
        q->rx_vq = &vdev->vq[2 * i];
        q->tx_vq = &vdev->vq[2 * i + 1];
        q->tx_bh = qemu_bh_new(virtio_net_tx_bh, q);
        memcpy(q->nc.macaddr, n->mac, 6);
        qemu_set_info_str(&q->nc, "model=%s,macaddr=%02x:%02x:%02x:%02x:"
                          "%02x:%02x", TYPE_VIRTIO_NET, n->mac[0],
                          n->mac[1], n->mac[2], n->mac[3], n->mac[4],
                          n->mac[5]);
        n->nic[i] = q;
    }
    n->vmstate_change = qemu_add_vm_change_state_handler(
        virtio_net_vm_state_change, n);
    virtio_net_reset(vdev);
    n->status = VIRTIO_NET_S_LINK_UP;
}

static void virtio_net_unrealize(DeviceState *dev)
{
    VirtIONet *n = VIRTIO_NET(dev);

    qemu_del_vm_change_state_handler(n->vmstate_change);
    for (int i = 0; i < n->max_queue_pairs; i++) {
        qemu_bh_delete(n->nic[i]->tx_bh);
        qemu_del_net_client(&n->nic[i]->nc);
        n->nic[i] = NULL;
    }
    g_free(n->tx_buf);
    virtio_cleanup(VIRTIO_DEVICE(dev));
}

static void virtio_net_get_mac(Object *obj, Visitor *v, const char *name,
                               void *opaque, Error **errp)
{
    VirtIONet *n = VIRTIO_NET(obj);
    g_autofree char *str = g_strdup_printf(
        "%02x:%02x:%02x:%02x:%02x:%02x", n->mac[0], n->mac[1], n->mac[2],
        n->mac[3], n->mac[4], n->mac[5]);

    visit_type_str(v, name, &str, errp);
}

static void virtio_net_set_mac(Object *obj, Visitor *v, const char *name,
                               void *opaque, Error **errp)
{
    VirtIONet *n = VIRTIO_NET(obj);
    g_autofree char *str = NULL;
    unsigned b[6];
    char extra;

    if (!visit_type_str(v, name, &str, errp)) {
        return;
    }
    if (sscanf(str, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
               &b[4], &b[5], &extra) != 6) {
        error_setg(errp, "Property '%s.%s' doesn't take value '%s'",
                   object_get_typename(obj), name, str);
        return;
    }
    for (int i = 0; i < 6; i++) {
        n->mac[i] = b[i];
    }
    n->mac_set = true;
}

static void virtio_net_instance_init(Object *obj)
{
    object_property_add(obj, "mac", "str", virtio_net_get_mac,
                        virtio_net_set_mac, NULL, NULL);
}

static int virtio_net_post_load(void *opaque, int version_id)
{
    VirtIONet *n = opaque;

    if (n->curr_queue_pairs < 1 || n->curr_queue_pairs > n->max_queue_pairs
        || (n->curr_guest_offloads & ~GUEST_OFFLOADS)) {
        return -EINVAL;
    }
    virtio_net_apply_offloads(n);
    virtio_net_set_queue_pairs(n);
    return 0;
}

static const VMStateDescription vmstate_virtio_net = {
    .name = "virtio-net",
    .minimum_version_id = 11,
    .version_id = 11,
    .post_load = virtio_net_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8(parent_obj.status, VirtIONet),
        VMSTATE_UINT64(parent_obj.guest_features, VirtIONet),
        VMSTATE_UINT16(status, VirtIONet),
        VMSTATE_UINT8_ARRAY(mac, VirtIONet, 6),
        VMSTATE_UINT8(promisc, VirtIONet),
        VMSTATE_UINT8(allmulti, VirtIONet),
        VMSTATE_UINT8(alluni, VirtIONet),
        VMSTATE_UINT8(nomulti, VirtIONet),
        VMSTATE_UINT8(nouni, VirtIONet),
        VMSTATE_UINT8(nobcast, VirtIONet),
        VMSTATE_UINT32(mac_table_in_use, VirtIONet),
        VMSTATE_UINT32(mac_table_first_multi, VirtIONet),
        VMSTATE_UINT8(uni_overflow, VirtIONet),
        VMSTATE_UINT8(multi_overflow, VirtIONet),
        VMSTATE_UINT8_ARRAY(mac_table, VirtIONet, MAC_TABLE_ENTRIES * 6),
        VMSTATE_UINT32_ARRAY(vlans, VirtIONet, MAX_VLAN / 32),
        VMSTATE_UINT16(curr_queue_pairs, VirtIONet),
        VMSTATE_UINT64(curr_guest_offloads, VirtIONet),
        VMSTATE_END_OF_LIST()
    },
};

#define NET_FEATURE(name, bit, on) \
    DEFINE_PROP_BOOL(name, VirtIONet, props[VIRTIO_NET_F_##bit], on)

/* QEMU's names and defaults. */
static Property virtio_net_properties[] = {
    DEFINE_PROP_STRING("netdev", VirtIONet, netdev_id),
    NET_FEATURE("csum", CSUM, true),
    NET_FEATURE("guest_csum", GUEST_CSUM, true),
    NET_FEATURE("gso", GSO, true),
    NET_FEATURE("guest_tso4", GUEST_TSO4, true),
    NET_FEATURE("guest_tso6", GUEST_TSO6, true),
    NET_FEATURE("guest_ecn", GUEST_ECN, true),
    NET_FEATURE("guest_ufo", GUEST_UFO, true),
    NET_FEATURE("guest_announce", GUEST_ANNOUNCE, true),
    NET_FEATURE("host_tso4", HOST_TSO4, true),
    NET_FEATURE("host_tso6", HOST_TSO6, true),
    NET_FEATURE("host_ecn", HOST_ECN, true),
    NET_FEATURE("host_ufo", HOST_UFO, true),
    NET_FEATURE("mrg_rxbuf", MRG_RXBUF, true),
    NET_FEATURE("status", STATUS, true),
    NET_FEATURE("ctrl_vq", CTRL_VQ, true),
    NET_FEATURE("ctrl_rx", CTRL_RX, true),
    NET_FEATURE("ctrl_vlan", CTRL_VLAN, true),
    NET_FEATURE("ctrl_rx_extra", CTRL_RX_EXTRA, true),
    NET_FEATURE("ctrl_mac_addr", CTRL_MAC_ADDR, true),
    NET_FEATURE("ctrl_guest_offloads", CTRL_GUEST_OFFLOADS, true),
    NET_FEATURE("mq", MQ, false),
    DEFINE_PROP_END_OF_LIST(),
};

static void virtio_net_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    VirtioDeviceClass *vdc = VIRTIO_DEVICE_CLASS(klass);

    device_class_set_props(dc, virtio_net_properties);
    dc->vmsd = &vmstate_virtio_net;
    dc->desc = "Virtio network device";
    dc->hotpluggable = false;
    vdc->realize = virtio_net_realize;
    vdc->unrealize = virtio_net_unrealize;
    vdc->get_config = virtio_net_get_config;
    vdc->set_status = virtio_net_set_status;
    vdc->set_features = virtio_net_set_features;
    vdc->reset = virtio_net_reset;
}

static const TypeInfo virtio_net_info = {
    .name = TYPE_VIRTIO_NET,
    .parent = TYPE_VIRTIO_DEVICE,
    .instance_size = sizeof(VirtIONet),
    .instance_init = virtio_net_instance_init,
    .class_init = virtio_net_class_init,
};

static void virtio_net_register(void)
{
    type_register_static(&virtio_net_info);
}

type_init(virtio_net_register)
