/*
 * virtio-net-device: a NIC on a net backend (netdev=).  Received frames
 * fill guest buffers, merged over several when VIRTIO_NET_F_MRG_RXBUF is
 * negotiated; without buffers the frame waits in the net core's queue and
 * the backend stops until the guest adds some.  Link state (set_link) is
 * reported through the config status and a config interrupt.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "vireo/log.h"
#include "hw/qdev-properties.h"
#include "hw/virtio/virtio.h"
#include "hw/pci/pci.h"
#include "migration/vmstate.h"
#include "qapi/visitor.h"
#include "qapi/qapi-events-net.h"
#include "net/net.h"

#define TYPE_VIRTIO_NET "virtio-net-device"
#define VIRTIO_ID_NET 1

#define VIRTIO_NET_F_MAC       5
#define VIRTIO_NET_F_MRG_RXBUF 15
#define VIRTIO_NET_F_STATUS    16
#define VIRTIO_NET_F_CTRL_VQ   17
#define VIRTIO_NET_F_CTRL_RX   18
#define VIRTIO_NET_F_CTRL_VLAN 19
#define VIRTIO_NET_F_CTRL_RX_EXTRA 20
#define VIRTIO_NET_S_LINK_UP   1

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
#define VIRTIO_NET_OK                  0
#define VIRTIO_NET_ERR                 1

#define MAC_TABLE_ENTRIES 64        /* as QEMU's */
#define MAX_VLAN 4096
#define CTRL_QUEUE_SIZE 64

#define RX_QUEUE_SIZE 256
#define TX_QUEUE_SIZE 256
#define MAX_FRAME (64 * 1024 + 32)

typedef struct __attribute__((packed)) VirtIONetHdr {
    uint8_t flags;
    uint8_t gso_type;
    uint16_t hdr_len;
    uint16_t gso_size;
    uint16_t csum_start;
    uint16_t csum_offset;
    uint16_t num_buffers;
} VirtIONetHdr;

typedef struct __attribute__((packed)) VirtIONetConfig {
    uint8_t mac[6];
    uint16_t status;
} VirtIONetConfig;

typedef struct VirtIONet VirtIONet;

typedef struct NICState {
    NetClientState nc;
    VirtIONet *n;
} NICState;

struct VirtIONet {
    VirtIODevice parent_obj;
    VirtQueue *rx_vq, *tx_vq, *ctrl_vq;
    char *netdev_id;
    NICState *nic;
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
    VirtIONet *n = ((NICState *)nc)->n;
    VirtIODevice *vdev = VIRTIO_DEVICE(n);

    return (vdev->status & VIRTIO_CONFIG_S_DRIVER_OK) && n->rx_vq->ready &&
           !virtqueue_empty(n->rx_vq);
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

/* One frame into one or (mergeable) several guest buffers. */
static ssize_t virtio_net_receive(NetClientState *nc, const uint8_t *buf,
                                  size_t size)
{
    VirtIONet *n = ((NICState *)nc)->n;
    VirtIONetHdr hdr = { 0 };
    VirtQueueElement *elems[VIRTQUEUE_MAX_SIZE];
    size_t lens[VIRTQUEUE_MAX_SIZE];
    unsigned used = 0;
    size_t offset = 0;
    bool first = true;

    if (!virtio_net_can_receive(nc)) {
        return 0;
    }
    if (!virtio_net_filter(n, buf, size)) {
        return size;            /* filtered out: consumed, not delivered */
    }
    while (offset < size || first) {
        VirtQueueElement *elem = virtqueue_pop(n->rx_vq);
        size_t copied = 0;

        if (!elem) {
            /* Out of buffers mid-frame: give them back, retry later. */
            for (unsigned i = used; i-- > 0;) {
                virtqueue_unpop(n->rx_vq, elems[i]);
                g_free(elems[i]);
            }
            return 0;
        }
        if (first) {
            if (elem->in_len < sizeof(hdr)) {
                qemu_log_mask(LOG_GUEST_ERROR, "virtio-net: rx buffer too "
                              "small for the header\n");
                n->rx_vq->broken = true;
                g_free(elem);
                return size;
            }
            copied = sizeof(hdr);
        }
        copied += copy_to_elem(elem, copied, buf + offset,
                               MIN(elem->in_len - copied, size - offset));
        offset += copied - (first ? sizeof(hdr) : 0);
        lens[used] = copied;
        elems[used++] = elem;
        first = false;
        if (!virtio_net_mergeable(n) && offset < size) {
            /* Without mergeable buffers a frame must fit in one. */
            qemu_log_mask(LOG_GUEST_ERROR, "virtio-net: frame of %zu bytes "
                          "does not fit the rx buffer\n", size);
            break;
        }
        if (used == VIRTQUEUE_MAX_SIZE) {
            break;
        }
    }
    hdr.num_buffers = GUINT16_TO_LE(used);
    copy_to_elem(elems[0], 0, (const uint8_t *)&hdr, sizeof(hdr));
    for (unsigned i = 0; i < used; i++) {
        virtqueue_fill(n->rx_vq, elems[i], lens[i], i);
        g_free(elems[i]);
    }
    virtqueue_flush(n->rx_vq, used);
    virtio_notify(VIRTIO_DEVICE(n), n->rx_vq);
    return size;
}

static void virtio_net_flush_tx(VirtIONet *n)
{
    VirtIODevice *vdev = VIRTIO_DEVICE(n);
    VirtQueueElement *elem;
    g_autofree uint8_t *frame = g_malloc(MAX_FRAME);
    bool pushed = false;

    if (!(vdev->status & VIRTIO_CONFIG_S_DRIVER_OK)) {
        return;
    }
    while ((elem = virtqueue_pop(n->tx_vq))) {
        size_t len = 0, skip = sizeof(VirtIONetHdr);

        for (unsigned i = 0; i < elem->out_num; i++) {
            size_t l = elem->out_sg[i].iov_len;
            size_t take;

            if (skip >= l) {
                skip -= l;
                continue;
            }
            take = MIN(l - skip, MAX_FRAME - len);
            memcpy(frame + len, (uint8_t *)elem->out_sg[i].iov_base + skip,
                   take);
            len += take;
            skip = 0;
        }
        if (elem->out_len < sizeof(VirtIONetHdr)) {
            qemu_log_mask(LOG_GUEST_ERROR, "virtio-net: tx buffer without "
                          "a header\n");
        } else if (len) {
            qemu_send_packet(&n->nic->nc, frame, len);
        }
        virtqueue_push(n->tx_vq, elem, 0);
        g_free(elem);
        pushed = true;
    }
    if (pushed) {
        virtio_notify(vdev, n->tx_vq);
    }
}

static void virtio_net_handle_tx(VirtIODevice *vdev, VirtQueue *vq)
{
    virtio_net_flush_tx(VIRTIO_NET(vdev));
}

static void virtio_net_handle_rx(VirtIODevice *vdev, VirtQueue *vq)
{
    /* New buffers: deliver what waited and let the backend go on. */
    qemu_flush_queued_packets(&VIRTIO_NET(vdev)->nic->nc);
}

static void virtio_net_set_status(VirtIODevice *vdev, uint8_t status)
{
    VirtIONet *n = VIRTIO_NET(vdev);

    if (status & VIRTIO_CONFIG_S_DRIVER_OK) {
        qemu_flush_queued_packets(&n->nic->nc);
    }
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
            memcpy(n->nic->nc.macaddr, data, 6);
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
            if (status == VIRTIO_NET_OK) {
                virtio_net_rxfilter_changed(n);
            }
        }
        copy_to_elem(elem, 0, &status, 1);
        virtqueue_push(vq, elem, elem->in_len ? 1 : 0);
        g_free(elem);
    }
    virtio_notify(vdev, vq);
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
}

static void virtio_net_link_changed(NetClientState *nc)
{
    VirtIONet *n = ((NICState *)nc)->n;
    uint16_t old = n->status;

    n->status = nc->link_down ? 0 : VIRTIO_NET_S_LINK_UP;
    if (n->status != old) {
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
};

static void virtio_net_get_config(VirtIODevice *vdev, uint8_t *config)
{
    VirtIONet *n = VIRTIO_NET(vdev);
    VirtIONetConfig c;

    memcpy(c.mac, n->mac, sizeof(c.mac));
    c.status = GUINT16_TO_LE(n->status);
    memcpy(config, &c, sizeof(c));
}

static void virtio_net_realize(DeviceState *dev, Error **errp)
{
    VirtIONet *n = VIRTIO_NET(dev);
    VirtIODevice *vdev = VIRTIO_DEVICE(dev);
    NetClientState *peer = NULL;

    if (n->netdev_id) {
        peer = qemu_find_netdev(n->netdev_id);
        if (!peer) {
            error_setg(errp, "Property 'virtio-net-device.netdev' can't "
                       "find value '%s'", n->netdev_id);
            return;
        }
        if (peer->peer) {
            error_setg(errp, "Property 'virtio-net-device.netdev' can't "
                       "take value '%s', it's in use", n->netdev_id);
            return;
        }
    }
    if (!n->mac_set) {
        qemu_macaddr_default(n->mac);
    }
    virtio_init(vdev, VIRTIO_ID_NET, sizeof(VirtIONetConfig));
    vdev->host_features |= 1ULL << VIRTIO_NET_F_MAC |
                           1ULL << VIRTIO_NET_F_STATUS |
                           1ULL << VIRTIO_NET_F_MRG_RXBUF |
                           1ULL << VIRTIO_NET_F_CTRL_VQ |
                           1ULL << VIRTIO_NET_F_CTRL_RX |
                           1ULL << VIRTIO_NET_F_CTRL_VLAN |
                           1ULL << VIRTIO_NET_F_CTRL_RX_EXTRA;
    n->rx_vq = virtio_add_queue(vdev, RX_QUEUE_SIZE, virtio_net_handle_rx);
    n->tx_vq = virtio_add_queue(vdev, TX_QUEUE_SIZE, virtio_net_handle_tx);
    n->ctrl_vq = virtio_add_queue(vdev, CTRL_QUEUE_SIZE,
                                  virtio_net_handle_ctrl);
    n->rxfilter_notify = true;
    virtio_net_reset(vdev);
    n->nic = (NICState *)qemu_new_net_client(&net_virtio_info, peer,
                                             TYPE_VIRTIO_NET,
                                             virtio_net_user_id(dev));
    n->nic->n = n;
    memcpy(n->nic->nc.macaddr, n->mac, 6);
    qemu_set_info_str(&n->nic->nc, "model=%s,macaddr=%02x:%02x:%02x:%02x:"
                      "%02x:%02x", TYPE_VIRTIO_NET, n->mac[0], n->mac[1],
                      n->mac[2], n->mac[3], n->mac[4], n->mac[5]);
    n->status = VIRTIO_NET_S_LINK_UP;
}

static void virtio_net_unrealize(DeviceState *dev)
{
    VirtIONet *n = VIRTIO_NET(dev);

    qemu_del_net_client(&n->nic->nc);
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

static const VMStateDescription vmstate_virtio_net = {
    .name = "virtio-net",
    .minimum_version_id = 11,
    .version_id = 11,
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
        VMSTATE_END_OF_LIST()
    },
};

static Property virtio_net_properties[] = {
    DEFINE_PROP_STRING("netdev", VirtIONet, netdev_id),
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
