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
#include "migration/vmstate.h"
#include "qapi/visitor.h"
#include "net/net.h"

#define TYPE_VIRTIO_NET "virtio-net-device"
#define VIRTIO_ID_NET 1

#define VIRTIO_NET_F_MAC       5
#define VIRTIO_NET_F_MRG_RXBUF 15
#define VIRTIO_NET_F_STATUS    16
#define VIRTIO_NET_S_LINK_UP   1

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
    VirtQueue *rx_vq, *tx_vq;
    char *netdev_id;
    NICState *nic;
    uint8_t mac[6];
    bool mac_set;
    uint16_t status;
};

DECLARE_INSTANCE_CHECKER(VirtIONet, VIRTIO_NET, TYPE_VIRTIO_NET)

static bool virtio_net_mergeable(VirtIONet *n)
{
    return virtio_has_feature(VIRTIO_DEVICE(n)->guest_features,
                              VIRTIO_NET_F_MRG_RXBUF);
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

static void virtio_net_link_changed(NetClientState *nc)
{
    VirtIONet *n = ((NICState *)nc)->n;
    uint16_t old = n->status;

    n->status = nc->link_down ? 0 : VIRTIO_NET_S_LINK_UP;
    if (n->status != old) {
        virtio_notify_config(VIRTIO_DEVICE(n));
    }
}

static NetClientInfo net_virtio_info = {
    .type = NET_CLIENT_DRIVER_NIC,
    .size = sizeof(NICState),
    .receive = virtio_net_receive,
    .can_receive = virtio_net_can_receive,
    .link_status_changed = virtio_net_link_changed,
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
                           1ULL << VIRTIO_NET_F_MRG_RXBUF;
    n->rx_vq = virtio_add_queue(vdev, RX_QUEUE_SIZE, virtio_net_handle_rx);
    n->tx_vq = virtio_add_queue(vdev, TX_QUEUE_SIZE, virtio_net_handle_tx);
    n->nic = (NICState *)qemu_new_net_client(&net_virtio_info, peer,
                                             TYPE_VIRTIO_NET, dev->id);
    n->nic->n = n;
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
