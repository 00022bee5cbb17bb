/*
 * The 'tap' backend: a Linux tap interface, opened here (ifname=, with
 * the optional script/downscript QEMU runs), handed over by a manager
 * (fd=/fds= as numbers or monitor fd names) or by the bridge helper
 * (tap,helper= and the 'bridge' backend, see tap-helper.c).  With a
 * virtio-net header
 * (vnet_hdr, on by default where the kernel has it, as QEMU) frames and
 * their headers pass between the NIC and the kernel as they are, and the
 * kernel is told which offloads the guest takes (TUNSETOFFLOAD).
 * queues=N (or N fds) opens one queue per NIC queue pair
 * (IFF_MULTI_QUEUE); queues the guest does not use are detached.  Each
 * fd is non-blocking: reading pauses while the NIC's queue is full and a
 * frame the kernel does not take now waits in the net core until it can.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include <fcntl.h>
#include <glib-unix.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include "vireo/error.h"
#include "vireo/error-report.h"
#include "vireo/main-loop.h"
#include "monitor/monitor.h"
#include "net/net.h"

#define DEFAULT_NETWORK_SCRIPT "/etc/qemu-ifup"
#define DEFAULT_NETWORK_DOWN_SCRIPT "/etc/qemu-ifdown"
#define DEFAULT_BRIDGE "br0"
#define TAP_BUFSIZE (4096 + 65536 + VIRTIO_NET_HDR_LEN)
#define MAX_TAP_QUEUES 1024             /* as QEMU */

typedef struct TAPState {
    NetClientState nc;
    int fd;
    char ifname[IFNAMSIZ];
    char *downscript;           /* run at cleanup, NULL for none */
    bool has_ufo;               /* the kernel takes UFO super-packets */
    bool enabled;               /* attached (multiqueue) */
    bool read_paused;
    bool write_waiting;
} TAPState;

static void tap_readable(void *opaque);
static void tap_writable(void *opaque);

static void tap_update_handlers(TAPState *s)
{
    qemu_set_fd_handler(s->fd, s->read_paused ? NULL : tap_readable,
                        s->write_waiting ? tap_writable : NULL, s);
}

static void tap_readable(void *opaque)
{
    TAPState *s = opaque;
    size_t hl = s->nc.vnet_hdr ? VIRTIO_NET_HDR_LEN : 0;
    uint8_t buf[TAP_BUFSIZE];

    /* A bounded batch per wake-up, so the loop serves others too. */
    for (int i = 0; i < 64 && !s->read_paused; i++) {
        ssize_t n = read(s->fd, buf, sizeof(buf));

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= (ssize_t)hl) {
            break;              /* EAGAIN, or nothing past the header */
        }
        /* The header, if any, goes along: the core knows what to do. */
        if (qemu_send_packet(&s->nc, buf, n) == 0) {
            s->read_paused = true;
            tap_update_handlers(s);
        }
    }
}

static void tap_writable(void *opaque)
{
    TAPState *s = opaque;

    s->write_waiting = false;
    tap_update_handlers(s);
    qemu_flush_queued_packets(&s->nc);
}

static ssize_t tap_receive(NetClientState *nc, const uint8_t *buf,
                           size_t size)
{
    TAPState *s = container_of(nc, TAPState, nc);
    ssize_t n;

    /* With vnet_hdr the core hands us the header in front already. */
    do {
        n = write(s->fd, buf, size);
    } while (n < 0 && errno == EINTR);
    if (n < 0 && errno == EAGAIN) {
        /* The core keeps it; we flush when the fd is writable again. */
        s->write_waiting = true;
        tap_update_handlers(s);
        return 0;
    }
    return size;                /* other errors lose the frame, as QEMU */
}

/* What the kernel may hand us: what the guest takes (TUNSETOFFLOAD). */
static void tap_set_offload(NetClientState *nc, const NetOffloads *o)
{
    TAPState *s = container_of(nc, TAPState, nc);
    unsigned flags = 0;

    if (o->csum) {
        /* The kernel refuses segmentation without checksum offload. */
        flags = TUN_F_CSUM | (o->tso4 ? TUN_F_TSO4 : 0) |
                (o->tso6 ? TUN_F_TSO6 : 0) | (o->ecn ? TUN_F_TSO_ECN : 0) |
                (o->ufo && s->has_ufo ? TUN_F_UFO : 0);
    }
    if (ioctl(s->fd, TUNSETOFFLOAD, flags) < 0) {
        error_report("TUNSETOFFLOAD ioctl() failed: %s", strerror(errno));
    }
}

static int tap_set_queue_enabled(NetClientState *nc, bool enabled)
{
    TAPState *s = container_of(nc, TAPState, nc);
    struct ifreq ifr = { 0 };

    if (s->enabled == enabled) {
        return 0;
    }
    ifr.ifr_flags = enabled ? IFF_ATTACH_QUEUE : IFF_DETACH_QUEUE;
    if (ioctl(s->fd, TUNSETQUEUE, &ifr) < 0) {
        error_report("could not %s tap queue %d: %s",
                     enabled ? "attach" : "detach", nc->queue_index,
                     strerror(errno));
        return -1;
    }
    s->enabled = enabled;
    return 0;
}

static void tap_send_resumed(NetClientState *nc)
{
    TAPState *s = container_of(nc, TAPState, nc);

    s->read_paused = false;
    tap_update_handlers(s);
}

static bool tap_run_script(const char *script, const char *ifname,
                           Error **errp)
{
    const char *argv[] = { script, ifname, NULL };
    g_autoptr(GError) gerr = NULL;
    int status;

    if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL,
                      NULL, NULL, NULL, &status, &gerr)) {
        error_setg(errp, "could not launch network script %s", script);
        return false;
    }
    if (!g_spawn_check_wait_status(status, NULL)) {
        error_setg(errp, "network script %s failed with status %d", script,
                   status);
        return false;
    }
    return true;
}

static void tap_cleanup(NetClientState *nc)
{
    TAPState *s = container_of(nc, TAPState, nc);
    Error *err = NULL;

    qemu_set_fd_handler(s->fd, NULL, NULL, NULL);
    if (s->downscript && !tap_run_script(s->downscript, s->ifname, &err)) {
        error_report_err(err);
    }
    close(s->fd);
    g_free(s->downscript);
}

static NetClientInfo net_tap_info = {
    .type = NET_CLIENT_DRIVER_TAP,
    .size = sizeof(TAPState),
    .receive = tap_receive,
    .send_resumed = tap_send_resumed,
    .cleanup = tap_cleanup,
    .set_offload = tap_set_offload,
    .set_queue_enabled = tap_set_queue_enabled,
};

/*
 * Opens a queue of the tap @ifname ("" for a new tapN, its name left in
 * @actual).  @vnet_hdr: -1 when wanted if the kernel has it, 1 required.
 */
static int tap_open(const char *ifname, int vnet_hdr, bool mq,
                    char *actual, Error **errp)
{
    struct ifreq ifr = { 0 };
    unsigned features = 0;
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

    if (fd < 0) {
        error_setg_errno(errp, errno, "could not open %s", "/dev/net/tun");
        return -1;
    }
    ioctl(fd, TUNGETFEATURES, &features);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    if (vnet_hdr && (features & IFF_VNET_HDR)) {
        ifr.ifr_flags |= IFF_VNET_HDR;
    } else if (vnet_hdr == 1) {
        error_setg(errp, "vnet_hdr=1 requested, but no kernel support for "
                   "IFF_VNET_HDR available");
        close(fd);
        return -1;
    }
    if (mq) {
        if (!(features & IFF_MULTI_QUEUE)) {
            error_setg(errp, "multiqueue required, but no kernel support "
                       "for IFF_MULTI_QUEUE available");
            close(fd);
            return -1;
        }
        ifr.ifr_flags |= IFF_MULTI_QUEUE;
    }
    g_strlcpy(ifr.ifr_name, ifname && *ifname ? ifname : "tap%d",
              IFNAMSIZ);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        if (ifname && *ifname) {
            error_setg_errno(errp, errno, "could not configure %s (%s)",
                             "/dev/net/tun", ifname);
        } else {
            error_setg_errno(errp, errno, "could not configure %s",
                             "/dev/net/tun");
        }
        close(fd);
        return -1;
    }
    g_strlcpy(actual, ifr.ifr_name, IFNAMSIZ);
    return fd;
}

/* Whether @fd was opened with IFF_VNET_HDR. */
static bool tap_fd_has_vnet_hdr(int fd)
{
    struct ifreq ifr = { 0 };

    return ioctl(fd, TUNGETIFF, &ifr) == 0 && (ifr.ifr_flags & IFF_VNET_HDR);
}

/* One queue on @fd (which it owns from now on); @model names the backend. */
static bool tap_add_queue(const char *model, const char *name,
                          NetClientState *peer, int index, int fd, bool vnet,
                          Error **errp)
{
    TAPState *s;

    if (vnet) {
        int len = VIRTIO_NET_HDR_LEN;   /* the header with num_buffers */

        if (ioctl(fd, TUNSETVNETHDRSZ, &len) < 0) {
            error_setg_errno(errp, errno, "could not set the virtio-net "
                             "header size of the tap");
            close(fd);
            return false;
        }
    }
    g_unix_set_fd_nonblocking(fd, TRUE, NULL);
    s = (TAPState *)qemu_new_net_client(&net_tap_info, peer, model, name);
    s->nc.is_netdev = !peer;
    s->nc.queue_index = index;
    s->fd = fd;
    s->enabled = true;
    s->nc.vnet_hdr = vnet;
    if (vnet) {
        /* The kernel takes whatever super-packets the guest makes. */
        s->has_ufo = ioctl(fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_UFO) == 0;
        s->nc.offloads = (NetOffloads) {
            .csum = true, .tso4 = true, .tso6 = true, .ecn = true,
            .ufo = s->has_ufo,
        };
        ioctl(fd, TUNSETOFFLOAD, 0);
    }
    tap_update_handlers(s);
    return true;
}

static void tap_del_queues(const char *name)
{
    NetClientState *nc;

    while ((nc = qemu_find_netdev(name)) && nc->info == &net_tap_info) {
        qemu_del_net_client(nc);
    }
}

/* Remove the queues a failed set-up made (under a hub, only one). */
static void tap_undo_queues(const char *name, NetClientState *peer)
{
    if (!peer) {
        tap_del_queues(name);
    } else if (peer->peer) {
        qemu_del_net_client(peer->peer);
    }
}

static TAPState *tap_queue(const char *name, NetClientState *peer,
                           int index)
{
    NetClientState *nc = peer ? peer->peer : NULL;
    NetClientState *ncs[MAX_TAP_QUEUES];

    if (!nc && qemu_find_netdev_queues(name, ncs, MAX_TAP_QUEUES) > index) {
        nc = ncs[index];
    }
    return container_of(nc, TAPState, nc);
}

static bool tap_from_fds(const NetdevTapOptions *o, const char *name,
                         NetClientState *peer, Error **errp)
{
    /* fd= is one name, which may hold a colon; fds= lists them. */
    g_auto(GStrv) fds = o->fd ? g_strdupv((char *[]) { o->fd, NULL })
                              : g_strsplit(o->fds, ":", MAX_TAP_QUEUES);
    bool vnet = false;

    for (int i = 0; fds[i]; i++) {
        int fd = monitor_fd_param(monitor_cur(), fds[i], errp);

        if (fd < 0) {
            goto fail;
        }
        if (i == 0) {
            vnet = tap_fd_has_vnet_hdr(fd);
        } else if (vnet != tap_fd_has_vnet_hdr(fd)) {
            error_setg(errp, "vnet_hdr not consistent across given tap "
                       "fds");
            close(fd);
            goto fail;
        }
        if (!tap_add_queue("tap", name, peer, i, fd, vnet, errp)) {
            goto fail;
        }
        qemu_set_info_str(&tap_queue(name, peer, i)->nc, "fd=%d", fd);
    }
    return true;
fail:
    tap_undo_queues(name, peer);
    return false;
}

/*
 * A tap the bridge helper makes (-netdev bridge, -netdev tap,helper=):
 * the helper asks for a virtio-net header (--use-vnet), and the client
 * takes one when the kernel gave it.  Info, as QEMU's: "helper=H" for
 * tap, "helper=H,br=B" for bridge (a helper not given printed "(null)").
 */
static bool tap_from_helper(const char *helper, const char *br,
                            bool is_bridge, const char *name,
                            NetClientState *peer, Error **errp)
{
    int fd = net_bridge_run_helper(helper, br ? br : DEFAULT_BRIDGE,
                                   errp);
    struct ifreq ifr = { 0 };
    TAPState *s;

    if (fd < 0) {
        return false;
    }
    if (ioctl(fd, TUNGETIFF, &ifr) < 0) {
        error_setg_errno(errp, errno, "Unable to query TUNGETIFF on FD %d",
                         fd);
        close(fd);
        return false;
    }
    if (!tap_add_queue("bridge", name, peer, 0, fd,
                       ifr.ifr_flags & IFF_VNET_HDR, errp)) {
        return false;
    }
    s = tap_queue(name, peer, 0);
    if (is_bridge) {
        qemu_set_info_str(&s->nc, "helper=%s,br=%s",
                          helper ? helper : "(null)",
                          br ? br : DEFAULT_BRIDGE);
    } else {
        qemu_set_info_str(&s->nc, "helper=%s", helper);
    }
    return true;
}

bool net_init_bridge(const Netdev *netdev, const char *name,
                     NetClientState *peer, Error **errp)
{
    const NetdevBridgeOptions *o = &netdev->u.bridge;

    return tap_from_helper(o->helper, o->br, true, name, peer, errp);
}

bool net_init_tap(const Netdev *netdev, const char *name,
                  NetClientState *peer, Error **errp)
{
    const NetdevTapOptions *o = &netdev->u.tap;
    char ifname[IFNAMSIZ] = "";
    g_autofree char *script = NULL, *downscript = NULL;
    int vnet_hdr = o->has_vnet_hdr ? o->vnet_hdr : -1;
    uint32_t queues = o->has_queues ? o->queues : 1;

    /* -net puts the backend on a hub, which has one queue. */
    if (peer && (o->has_queues || o->fds)) {
        error_setg(errp, "Multiqueue tap cannot be used with hubs");
        return false;
    }
    if (o->fd) {
        if (o->ifname || o->script || o->downscript || o->has_vnet_hdr ||
            o->has_queues || o->fds || o->helper) {
            error_setg(errp, "ifname=, script=, downscript=, vnet_hdr=, "
                       "helper=, queues=, fds=, and vhostfds= are invalid "
                       "with fd=");
            return false;
        }
        return tap_from_fds(o, name, peer, errp);
    }
    if (o->fds) {
        if (o->ifname || o->script || o->downscript || o->has_vnet_hdr ||
            o->has_queues || o->helper) {
            error_setg(errp, "ifname=, script=, downscript=, vnet_hdr=, "
                       "helper=, queues=, and vhostfd= are invalid with "
                       "fds=");
            return false;
        }
        return tap_from_fds(o, name, peer, errp);
    }
    if (o->helper) {
        if (o->ifname || o->script || o->downscript || o->has_vnet_hdr ||
            o->has_queues) {
            error_setg(errp, "ifname=, script=, downscript=, vnet_hdr=, "
                       "queues=, and vhostfds= are invalid with helper=");
            return false;
        }
        return tap_from_helper(o->helper, o->br, false, name, peer, errp);
    }
    if (queues < 1 || queues > MAX_TAP_QUEUES) {
        error_setg(errp, "Parameter 'queues' expects a number of queues "
                   "between 1 and %d", MAX_TAP_QUEUES);
        return false;
    }
    script = g_strdup(o->script ? o->script : DEFAULT_NETWORK_SCRIPT);
    downscript = g_strdup(o->downscript ? o->downscript
                                        : DEFAULT_NETWORK_DOWN_SCRIPT);
    g_strlcpy(ifname, o->ifname ? o->ifname : "", sizeof(ifname));
    for (uint32_t i = 0; i < queues; i++) {
        TAPState *s;
        int fd = tap_open(ifname, vnet_hdr, queues > 1, ifname, errp);

        if (fd < 0) {
            goto fail;
        }
        /* The script sets up the interface once, with its first queue. */
        if (i == 0 && strcmp(script, "no") &&
            !tap_run_script(script, ifname, errp)) {
            close(fd);
            return false;
        }
        if (!tap_add_queue("tap", name, peer, i, fd, tap_fd_has_vnet_hdr(fd),
                           errp)) {
            goto fail;
        }
        s = tap_queue(name, peer, i);
        g_strlcpy(s->ifname, ifname, sizeof(s->ifname));
        qemu_set_info_str(&s->nc, "ifname=%s,script=%s,downscript=%s",
                          ifname, i ? "no" : script, i ? "no" : downscript);
        if (i == 0 && strcmp(downscript, "no")) {
            s->downscript = g_strdup(downscript);
        }
    }
    return true;
fail:
    tap_undo_queues(name, peer);
    return false;
}
