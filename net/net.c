/*
 * The net core: client registry, delivery with per-receiver queues and
 * flow control, -netdev/-nic/netdev_add/netdev_del/set_link.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "vireo/keyval.h"
#include "qapi/qobject-input-visitor.h"
#include "qobject/qlist.h"
#include "qobject/qstring.h"
#include "qapi/qapi-commands-net.h"
#include "qapi/qapi-visit-net.h"
#include "vireo/main-loop.h"
#include "net/net.h"
#include "qom/object.h"

/* Frames that may wait for one receiver, as QEMU's net queue. */
#define NET_QUEUE_MAX_PACKETS 10000

static QTAILQ_HEAD(, NetClientState) net_clients =
    QTAILQ_HEAD_INITIALIZER(net_clients);

NetClientState *qemu_new_net_client(NetClientInfo *info,
                                    NetClientState *peer,
                                    const char *model, const char *name)
{
    NetClientState *nc = g_malloc0(info->size);

    nc->info = info;
    nc->model = g_strdup(model);
    if (name) {
        nc->name = g_strdup(name);
    } else {
        /* QEMU names an anonymous client after its model: model.N. */
        NetClientState *o;
        unsigned id = 0;

        QTAILQ_FOREACH(o, &net_clients, next) {
            if (!strcmp(o->model, model)) {
                id++;
            }
        }
        nc->name = g_strdup_printf("%s.%u", model, id);
    }
    g_queue_init(&nc->queue);
    if (peer) {
        nc->peer = peer;
        peer->peer = nc;
    }
    QTAILQ_INSERT_TAIL(&net_clients, nc, next);
    return nc;
}

static void net_rsc_drop(void *opaque, const VirtioNetHdr *hdr,
                         const uint8_t *frame, size_t len)
{
}

static void net_queue_purge(NetClientState *nc)
{
    GBytes *frame;

    while ((frame = g_queue_pop_head(&nc->queue))) {
        g_bytes_unref(frame);
    }
    nc->queued_bytes = 0;
}

void qemu_purge_queued_packets(NetClientState *nc)
{
    net_queue_purge(nc);
    if (nc->rsc && net_offload_rsc_pending(nc->rsc)) {
        /* Nothing kept for it either. */
        net_offload_rsc_flush(nc->rsc, net_rsc_drop, NULL);
    }
    if (nc->sender_blocked) {
        qemu_flush_queued_packets(nc);      /* lets the sender go on */
    }
}

void qemu_del_net_client(NetClientState *nc)
{
    if (nc->peer) {
        nc->peer->peer = NULL;
    }
    net_queue_purge(nc);
    if (nc->rsc) {
        qemu_bh_delete(nc->rsc_bh);
        net_offload_rsc_free(nc->rsc);
    }
    netfilter_dump_detach_all(nc);
    QTAILQ_REMOVE(&net_clients, nc, next);
    if (nc->info->cleanup) {
        nc->info->cleanup(nc);
    }
    g_free(nc->model);
    g_free(nc->name);
    g_free(nc->info_str);
    g_free(nc);
}

NetClientState *qemu_find_netdev(const char *id)
{
    NetClientState *nc;

    QTAILQ_FOREACH(nc, &net_clients, next) {
        if (nc->is_netdev && !strcmp(nc->name, id)) {
            return nc;
        }
    }
    return NULL;
}

NetClientState *qemu_find_net_client(const char *name)
{
    NetClientState *nc;

    QTAILQ_FOREACH(nc, &net_clients, next) {
        if (!strcmp(nc->name, name)) {
            return nc;
        }
    }
    return NULL;
}

NetClientState *qemu_net_client_first(void)
{
    return QTAILQ_FIRST(&net_clients);
}

NetClientState *qemu_net_client_next(NetClientState *nc)
{
    return QTAILQ_NEXT(nc, next);
}

void qemu_set_info_str(NetClientState *nc, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    g_free(nc->info_str);
    nc->info_str = g_strdup_vprintf(fmt, ap);
    va_end(ap);
}

/* Hands @buf to @to and counts it on both ends. */
static ssize_t net_deliver(NetClientState *sender, NetClientState *to,
                           const uint8_t *buf, size_t size)
{
    ssize_t r = to->info->receive(to, buf, size);
    size_t frame = size - (to->vnet_hdr ? VIRTIO_NET_HDR_LEN : 0);

    if (r > 0) {
        to->rx_packets++;
        to->rx_bytes += frame;
        if (sender) {
            sender->tx_packets++;
            sender->tx_bytes += frame;
        }
    }
    return r;
}

/*
 * -nic and -net nic models: "virtio" (the default) is virtio-net-pci where
 * the binary has PCI, as QEMU's alias, else virtio-net-device; the device
 * types themselves are accepted by name.
 */
static const char *nic_device_type(const char *model)
{
    if (model && strcmp(model, "virtio")) {
        return model;
    }
    return object_class_by_name("virtio-net-pci") ? "virtio-net-pci"
                                                  : "virtio-net-device";
}

static bool nic_model_ok(const char *model, Error **errp)
{
    if (model && strcmp(model, "virtio") &&
        strcmp(model, "virtio-net-device") &&
        !(object_class_by_name("virtio-net-pci") &&
          !strcmp(model, "virtio-net-pci"))) {
        error_setg(errp, "Unsupported NIC model: %s", model);
        return false;
    }
    return true;
}

static bool net_can_deliver(NetClientState *to)
{
    return !to->info->can_receive || to->info->can_receive(to);
}

/* @buf (in @to's format) to @to now, or into its queue. */
static ssize_t net_queue_or_deliver(NetClientState *sender,
                                    NetClientState *to, const uint8_t *buf,
                                    size_t size)
{
    /* Older frames go first; the receiver may have room again already
     * without having told us (notifications can be suppressed). */
    if (!g_queue_is_empty(&to->queue)) {
        qemu_flush_queued_packets(to);
    }
    if (g_queue_is_empty(&to->queue) && net_can_deliver(to) &&
        net_deliver(sender, to, buf, size) > 0) {
        return size;
    }
    if (g_queue_get_length(&to->queue) >= NET_QUEUE_MAX_PACKETS) {
        /* Full, as QEMU's queue of 10000: the frame is lost, and the
         * sender is asked to pause if it can. */
        to->sender_blocked = true;
        return 0;
    }
    g_queue_push_tail(&to->queue, g_bytes_new(buf, size));
    to->queued_bytes += size;
    return size;
}

/* One frame with @hdr (NULL: none) in the format @to takes. */
static ssize_t net_send_frame(NetClientState *sender, NetClientState *to,
                              const VirtioNetHdr *hdr, const uint8_t *frame,
                              size_t len)
{
    static const VirtioNetHdr none;
    uint8_t small[2048];
    g_autofree uint8_t *big = NULL;
    uint8_t *buf;

    if (!to->vnet_hdr) {
        return net_queue_or_deliver(sender, to, frame, len);
    }
    hdr = hdr ? hdr : &none;
    if ((const uint8_t *)hdr + VIRTIO_NET_HDR_LEN == frame) {
        /* Already in one piece, as a NIC or tap sent it. */
        return net_queue_or_deliver(sender, to, (const uint8_t *)hdr,
                                    len + VIRTIO_NET_HDR_LEN);
    }
    buf = len + VIRTIO_NET_HDR_LEN <= sizeof(small) ? small
          : (big = g_malloc(len + VIRTIO_NET_HDR_LEN));
    memcpy(buf, hdr, VIRTIO_NET_HDR_LEN);
    memcpy(buf + VIRTIO_NET_HDR_LEN, frame, len);
    return net_queue_or_deliver(sender, to, buf, len + VIRTIO_NET_HDR_LEN);
}

static void net_dump(NetClientState *sender, NetClientState *to,
                     const uint8_t *frame, size_t len)
{
    /* Capture at the netdev, whichever way the frame goes. */
    if (sender->dump_filters) {
        netfilter_dump_frame(sender, frame, len);
    }
    if (to->dump_filters) {
        netfilter_dump_frame(to, frame, len);
    }
}

typedef struct NetSendCtx {
    NetClientState *sender, *to;
    ssize_t ret;
} NetSendCtx;

static void net_rsc_emit(void *opaque, const VirtioNetHdr *hdr,
                         const uint8_t *frame, size_t len);

static void net_rsc_flush(NetClientState *to)
{
    if (to->rsc && net_offload_rsc_pending(to->rsc)) {
        NetSendCtx ctx = { to->peer, to, 0 };

        net_offload_rsc_flush(to->rsc, net_rsc_emit, &ctx);
    }
}

static void net_rsc_bh(void *opaque)
{
    net_rsc_flush(opaque);
}

/*
 * An ordinary frame (a wire frame) for @to.  A receiver that takes
 * headers learns when its checksum was checked here, and one that takes
 * TCP super-packets gets consecutive segments joined.
 */
static ssize_t net_send_plain(NetClientState *sender, NetClientState *to,
                              const uint8_t *frame, size_t len)
{
    VirtioNetHdr hdr = { 0 };

    net_dump(sender, to, frame, len);
    if (!to->vnet_hdr) {
        return net_queue_or_deliver(sender, to, frame, len);
    }
    if (to->offloads.tso4 || to->offloads.tso6) {
        NetSendCtx ctx = { sender, to, len };

        if (!to->rsc) {
            to->rsc = net_offload_rsc_new();
            to->rsc_bh = qemu_bh_new(net_rsc_bh, to);
        }
        if (net_offload_rsc_add(to->rsc, &to->offloads, frame, len,
                                net_rsc_emit, &ctx)) {
            /* Joined with what follows in this burst, if anything. */
            qemu_bh_schedule(to->rsc_bh);
            return to->sender_blocked ? 0 : len;
        }
    } else {
        net_rsc_flush(to);
    }
    if (to->offloads.csum && net_offload_csum_ok(frame, len)) {
        hdr.flags = VIRTIO_NET_HDR_F_DATA_VALID;
    }
    return net_send_frame(sender, to, &hdr, frame, len);
}

static void net_resolve_emit(void *opaque, const uint8_t *frame, size_t len)
{
    NetSendCtx *ctx = opaque;

    if (net_send_plain(ctx->sender, ctx->to, frame, len) == 0) {
        ctx->ret = 0;
    }
}

/* A frame with @hdr (NULL: none) from @sender to its peer. */
static ssize_t net_send(NetClientState *sender, const VirtioNetHdr *hdr,
                        const uint8_t *frame, size_t len)
{
    NetClientState *to = sender->peer;
    NetSendCtx ctx = { sender, to, len };

    /* A link that is down loses frames, as a cable pulled out would. */
    if (!to || sender->link_down || to->link_down) {
        return len;
    }
    if (!hdr || net_offload_hdr_plain(hdr)) {
        if (hdr && to->vnet_hdr && to->offloads.csum) {
            /* A tap's word that the checksum was checked. */
            net_dump(sender, to, frame, len);
            net_rsc_flush(to);
            return net_send_frame(sender, to, hdr, frame, len);
        }
        return net_send_plain(sender, to, frame, len);
    }
    if (to->vnet_hdr && net_offload_accepts(&to->offloads, hdr)) {
        /* Both ends speak virtio-net headers: as it is, as QEMU. */
        net_dump(sender, to, frame, len);
        net_rsc_flush(to);
        return net_send_frame(sender, to, hdr, frame, len);
    }
    /* The receiver cannot take it: do here what a NIC would do. */
    if (net_offload_resolve(hdr, frame, len, net_resolve_emit, &ctx) < 0) {
        return len;             /* malformed: dropped, as a NIC would */
    }
    return ctx.ret;
}

static void net_rsc_emit_plain(void *opaque, const uint8_t *frame,
                               size_t len)
{
    NetSendCtx *ctx = opaque;
    VirtioNetHdr hdr = { 0 };

    if (ctx->to->offloads.csum && net_offload_csum_ok(frame, len)) {
        hdr.flags = VIRTIO_NET_HDR_F_DATA_VALID;
    }
    net_send_frame(ctx->sender, ctx->to, &hdr, frame, len);
}

static void net_rsc_emit(void *opaque, const VirtioNetHdr *hdr,
                         const uint8_t *frame, size_t len)
{
    NetSendCtx *ctx = opaque;
    NetClientState *to = ctx->to;

    if (!to->peer || to->link_down || to->peer->link_down) {
        return;
    }
    if (net_offload_accepts(&to->offloads, hdr)) {
        net_send_frame(to->peer, to, hdr, frame, len);
    } else {
        /* The receiver turned its offloads off meanwhile: cut it again. */
        NetSendCtx inner = { to->peer, to, len };
        g_autofree uint8_t *copy = g_memdup2(frame, len);

        net_offload_resolve(hdr, copy, len, net_rsc_emit_plain, &inner);
    }
}

ssize_t qemu_send_packet(NetClientState *sender, const uint8_t *buf,
                         size_t size)
{
    if (sender->vnet_hdr) {
        if (size < VIRTIO_NET_HDR_LEN) {
            return size;
        }
        return net_send(sender, (const VirtioNetHdr *)buf,
                        buf + VIRTIO_NET_HDR_LEN, size - VIRTIO_NET_HDR_LEN);
    }
    return net_send(sender, NULL, buf, size);
}

ssize_t qemu_send_packet_raw(NetClientState *sender, const uint8_t *buf,
                             size_t size)
{
    return net_send(sender, NULL, buf, size);
}

void qemu_set_offload(NetClientState *nc, const NetOffloads *o)
{
    nc->offloads = *o;
    if (!o->tso4 && !o->tso6) {
        net_rsc_flush(nc);
    }
    if (nc->peer && nc->peer->vnet_hdr && nc->peer->info->set_offload) {
        nc->peer->info->set_offload(nc->peer, o);
    }
}

int qemu_find_netdev_queues(const char *id, NetClientState **ncs, int max)
{
    NetClientState *nc;
    int n = 0;

    QTAILQ_FOREACH(nc, &net_clients, next) {
        if (nc->is_netdev && !strcmp(nc->name, id)) {
            if (nc->queue_index < max) {
                ncs[nc->queue_index] = nc;
            }
            n++;
        }
    }
    return n;
}

void qemu_flush_queued_packets(NetClientState *nc)
{
    GBytes *frame;

    while ((frame = g_queue_peek_head(&nc->queue)) && net_can_deliver(nc)) {
        gsize len;
        const uint8_t *data = g_bytes_get_data(frame, &len);

        if (net_deliver(nc->peer, nc, data, len) <= 0) {
            break;
        }
        g_queue_pop_head(&nc->queue);
        nc->queued_bytes -= len;
        g_bytes_unref(frame);
    }
    if (nc->sender_blocked &&
        g_queue_get_length(&nc->queue) < NET_QUEUE_MAX_PACKETS / 2) {
        nc->sender_blocked = false;
        if (nc->peer && nc->peer->info->send_resumed) {
            nc->peer->info->send_resumed(nc->peer);
        }
    }
}

void qemu_macaddr_default(uint8_t mac[6])
{
    static unsigned index;

    mac[0] = 0x52;
    mac[1] = 0x54;
    mac[2] = 0x00;
    mac[3] = 0x12;
    mac[4] = 0x34;
    mac[5] = 0x56 + index++;
}

/* ---- Creating and deleting backends ---- */

bool net_client_init(Netdev *netdev, Error **errp)
{
    if (qemu_find_net_client(netdev->id)) {
        error_setg(errp, "Duplicate ID '%s' for netdev", netdev->id);
        return false;
    }
    switch (netdev->type) {
    case NET_CLIENT_DRIVER_USER:
        return net_init_slirp(netdev, netdev->id, NULL, errp);
    case NET_CLIENT_DRIVER_STREAM:
        return net_init_stream(netdev, netdev->id, NULL, errp);
    case NET_CLIENT_DRIVER_HUBPORT:
        return net_init_hubport(netdev, netdev->id, NULL, errp);
    case NET_CLIENT_DRIVER_TAP:
        return net_init_tap(netdev, netdev->id, NULL, errp);
    case NET_CLIENT_DRIVER_BRIDGE:
        return net_init_bridge(netdev, netdev->id, NULL, errp);
    case NET_CLIENT_DRIVER_DGRAM:
        return net_init_dgram(netdev, netdev->id, NULL, errp);
    case NET_CLIENT_DRIVER_SOCKET:
        return net_init_socket(netdev, netdev->id, NULL, errp);
    default:
        error_setg(errp, "Parameter 'type' does not accept value '%s'",
                   NetClientDriver_str(netdev->type));
        return false;
    }
}

/*
 * -netdev user,hostfwd=A,hostfwd=B (and guestfwd=, dnssearch=): QEMU's
 * option syntax repeats a key for each element of a list of strings.
 * Those keys come out of @optarg as lists of {"str": value}; the rest is
 * left for keyval.
 */
static char *netdev_take_string_lists(const char *optarg, QDict *lists)
{
    static const char *const list_keys[] = { "hostfwd", "guestfwd",
                                             "dnssearch" };
    GString *rest = g_string_new(NULL);
    const char *p = optarg;

    while (*p) {
        GString *item = g_string_new(NULL);
        bool taken = false;

        /* One item up to an unescaped comma (",," is a literal comma). */
        for (; *p; p++) {
            if (*p == ',' && p[1] == ',') {
                g_string_append_c(item, ',');
                p++;
            } else if (*p == ',') {
                p++;
                break;
            } else {
                g_string_append_c(item, *p);
            }
        }
        for (size_t k = 0; k < G_N_ELEMENTS(list_keys); k++) {
            size_t n = strlen(list_keys[k]);

            if (!strncmp(item->str, list_keys[k], n) && item->str[n] == '=') {
                QList *list = qobject_to(QList, qdict_get(lists,
                                                          list_keys[k]));
                QDict *elem = qdict_new();

                if (!list) {
                    list = qlist_new();
                    qdict_put(lists, list_keys[k], list);
                }
                qdict_put_str(elem, "str", item->str + n + 1);
                qlist_append(list, elem);
                taken = true;
            }
        }
        if (!taken) {
            if (rest->len) {
                g_string_append_c(rest, ',');
            }
            for (const char *c = item->str; *c; c++) {
                if (*c == ',') {
                    g_string_append_c(rest, ',');
                }
                g_string_append_c(rest, *c);
            }
        }
        g_string_free(item, TRUE);
    }
    return g_string_free(rest, FALSE);
}

static QDict *netdev_parse(const char *optarg, bool *is_json, Error **errp)
{
    g_autoptr(QDict) lists = qdict_new();
    g_autofree char *rest = NULL;
    QDict *dict;

    if (optarg[0] == '{') {
        return keyval_or_json_parse(optarg, "type", NULL, is_json, errp);
    }
    rest = netdev_take_string_lists(optarg, lists);
    dict = keyval_or_json_parse(rest, "type", NULL, is_json, errp);
    if (!dict) {
        return NULL;
    }
    for (const QDictEntry *e = qdict_first(lists); e;
         e = qdict_next(lists, e)) {
        qdict_put_obj(dict, qdict_entry_key(e),
                      qobject_ref(qdict_entry_value(e)));
    }
    /* The lists are typed already: visit the whole as JSON would be. */
    *is_json = false;
    return dict;
}

static Netdev *netdev_from_qdict(QDict *dict, bool is_json, Error **errp)
{
    Visitor *v = is_json ? qobject_input_visitor_new(QOBJECT(dict))
                         : qobject_input_visitor_new_keyval(QOBJECT(dict));
    Netdev *netdev = NULL;

    visit_type_Netdev(v, NULL, &netdev, errp);
    visit_free(v);
    return netdev;
}

bool net_init_netdev_cmdline(const char *optarg, Error **errp)
{
    bool is_json;
    QDict *dict = netdev_parse(optarg, &is_json, errp);
    Netdev *netdev;
    bool ok;

    if (!dict) {
        return false;
    }
    netdev = netdev_from_qdict(dict, is_json, errp);
    qobject_unref(dict);
    ok = netdev && net_client_init(netdev, errp);
    qapi_free_Netdev(netdev);
    return ok;
}

bool net_init_nic_cmdline(const char *optarg, char **device_opts,
                          Error **errp)
{
    static unsigned nic_count;
    bool is_json;
    QDict *dict = netdev_parse(optarg, &is_json, errp);
    g_autofree char *model = NULL, *mac = NULL;
    g_autofree char *id = NULL;
    Netdev *netdev;
    bool ok;

    if (!dict) {
        return false;
    }
    model = g_strdup(qdict_get_try_str(dict, "model"));
    mac = g_strdup(qdict_get_try_str(dict, "mac"));
    qdict_del(dict, "model");
    qdict_del(dict, "mac");
    id = g_strdup_printf("__org.qemu.nic%u", nic_count++);
    qdict_put_str(dict, "id", id);
    if (!nic_model_ok(model, errp)) {
        qobject_unref(dict);
        return false;
    }
    netdev = netdev_from_qdict(dict, is_json, errp);
    qobject_unref(dict);
    ok = netdev && net_client_init(netdev, errp);
    qapi_free_Netdev(netdev);
    if (ok) {
        *device_opts = g_strdup_printf("%s,netdev=%s%s%s",
                                       nic_device_type(model), id,
                                       mac ? ",mac=" : "", mac ? mac : "");
    }
    return ok;
}

/* -net nic[,model=][,macaddr=][,netdev=][,id=|name=]: a NIC on hub 0. */
static bool net_legacy_nic(QDict *dict, char **device_opts, Error **errp)
{
    const char *model = qdict_get_try_str(dict, "model");
    const char *mac = qdict_get_try_str(dict, "macaddr");
    const char *netdev = qdict_get_try_str(dict, "netdev");
    const char *id = qdict_get_try_str(dict, "id");
    GString *dev;

    for (const QDictEntry *e = qdict_first(dict); e;
         e = qdict_next(dict, e)) {
        const char *k = qdict_entry_key(e);

        if (strcmp(k, "type") && strcmp(k, "model") && strcmp(k, "macaddr")
            && strcmp(k, "netdev") && strcmp(k, "id") && strcmp(k, "name")) {
            error_setg(errp, "Invalid parameter '%s'", k);
            return false;
        }
    }
    if (!id) {
        id = qdict_get_try_str(dict, "name");
    }
    if (!nic_model_ok(model, errp)) {
        return false;
    }
    if (netdev && !qemu_find_netdev(netdev)) {
        error_setg(errp, "netdev '%s' not found", netdev);
        return false;
    }
    dev = g_string_new(nic_device_type(model));
    g_string_append(dev, ",netdev=");
    g_string_append(dev, netdev ? netdev : net_hub_add_port(0, NULL)->name);
    if (mac) {
        g_string_append_printf(dev, ",mac=%s", mac);
    }
    if (id) {
        g_string_append_printf(dev, ",id=%s", id);
    }
    *device_opts = g_string_free(dev, FALSE);
    return true;
}

bool net_init_net_cmdline(const char *optarg, char **device_opts,
                          Error **errp)
{
    static unsigned legacy_count;
    bool is_json;
    g_autoptr(QDict) dict = netdev_parse(optarg, &is_json, errp);
    const char *type;
    g_autofree char *id = NULL;
    NetClientState *port;
    Netdev *netdev;
    bool ok = false;

    *device_opts = NULL;
    if (!dict) {
        return false;
    }
    type = qdict_get_try_str(dict, "type");
    if (!type) {
        error_setg(errp, "Parameter 'type' is missing");
        return false;
    }
    if (!strcmp(type, "none")) {
        return true;
    }
    if (!strcmp(type, "nic")) {
        return net_legacy_nic(dict, device_opts, errp);
    }
    /* A backend: named by id=, name= or after its type, on hub 0. */
    id = g_strdup(qdict_get_try_str(dict, "id"));
    if (!id && qdict_get_try_str(dict, "name")) {
        id = g_strdup(qdict_get_try_str(dict, "name"));
    }
    if (!id) {
        id = g_strdup_printf("%s.%u", type, legacy_count++);
    }
    qdict_del(dict, "name");
    qdict_put_str(dict, "id", id);
    netdev = netdev_from_qdict(dict, is_json, errp);
    if (!netdev) {
        return false;
    }
    if (qemu_find_net_client(id)) {
        error_setg(errp, "Duplicate ID '%s' for net", id);
        goto out;
    }
    switch (netdev->type) {
    case NET_CLIENT_DRIVER_USER:
        port = net_hub_add_port(0, NULL);
        ok = net_init_slirp(netdev, id, port, errp);
        break;
    case NET_CLIENT_DRIVER_STREAM:
        port = net_hub_add_port(0, NULL);
        ok = net_init_stream(netdev, id, port, errp);
        break;
    case NET_CLIENT_DRIVER_TAP:
        port = net_hub_add_port(0, NULL);
        ok = net_init_tap(netdev, id, port, errp);
        break;
    case NET_CLIENT_DRIVER_BRIDGE:
        port = net_hub_add_port(0, NULL);
        ok = net_init_bridge(netdev, id, port, errp);
        break;
    case NET_CLIENT_DRIVER_DGRAM:
        port = net_hub_add_port(0, NULL);
        ok = net_init_dgram(netdev, id, port, errp);
        break;
    case NET_CLIENT_DRIVER_SOCKET:
        port = net_hub_add_port(0, NULL);
        ok = net_init_socket(netdev, id, port, errp);
        break;
    default:
        error_setg(errp, "Parameter 'type' does not accept value '%s'",
                   type);
        goto out;
    }
    if (!ok) {
        qemu_del_net_client(port);
    }
out:
    qapi_free_Netdev(netdev);
    return ok;
}

void qmp_netdev_add(Netdev *netdev, Error **errp)
{
    net_client_init(netdev, errp);
}

void qmp_netdev_del(const char *id, Error **errp)
{
    NetClientState *nc = qemu_find_netdev(id);

    if (!nc) {
        error_set(errp, ERROR_CLASS_DEVICE_NOT_FOUND,
                  "Device '%s' not found", id);
        return;
    }
    /* As QEMU: a backend a NIC still uses cannot go. */
    if (nc->peer) {
        error_setg(errp, "Device '%s' is still in use by '%s'", id,
                   nc->peer->name);
        return;
    }
    /* Every queue of it. */
    while ((nc = qemu_find_netdev(id))) {
        qemu_del_net_client(nc);
    }
}

void qmp_set_link(const char *name, bool up, Error **errp)
{
    NetClientState *nc = qemu_find_net_client(name);

    if (!nc) {
        error_set(errp, ERROR_CLASS_DEVICE_NOT_FOUND,
                  "Device '%s' not found", name);
        return;
    }
    /* Both ends see the link change, as QEMU does for a NIC's peer,
     * every queue of them; the first queue tells the device. */
    QTAILQ_FOREACH(nc, &net_clients, next) {
        if (strcmp(nc->name, name)) {
            continue;
        }
        for (NetClientState *c = nc; c; c = c == nc ? nc->peer : NULL) {
            c->link_down = !up;
            if (c->queue_index == 0 && c->info->link_status_changed) {
                c->info->link_status_changed(c);
            }
        }
    }
}

RxFilterInfoList *qmp_query_rx_filter(const char *name, Error **errp)
{
    RxFilterInfoList *head = NULL, **tail = &head;
    NetClientState *nc;

    QTAILQ_FOREACH(nc, &net_clients, next) {
        if (name && strcmp(nc->name, name)) {
            continue;
        }
        /* Only NICs filter; naming anything else is an error. */
        if (nc->info->type != NET_CLIENT_DRIVER_NIC) {
            if (name) {
                error_setg(errp, "net client(%s) isn't a NIC", name);
                goto fail;
            }
            continue;
        }
        if (!nc->info->query_rx_filter) {
            if (name) {
                error_setg(errp, "net client(%s) doesn't support rx-filter "
                           "querying", name);
                goto fail;
            }
            continue;
        }
        QAPI_LIST_APPEND(tail, nc->info->query_rx_filter(nc));
        if (name) {
            break;
        }
    }
    if (name && !head) {
        error_setg(errp, "invalid net client name: %s", name);
    }
    return head;
fail:
    qapi_free_RxFilterInfoList(head);
    return NULL;
}
