/*
 * The 'tap' backend: a Linux tap interface, opened here (ifname=, with
 * the optional script/downscript QEMU runs), handed over by a manager
 * (fd=/fds= as a number or a monitor fd name) or by the bridge helper
 * (tap,helper= and the 'bridge' backend, see tap-helper.c).  With
 * vnet_hdr=on the interface carries a virtio-net header before each
 * frame; no offloads are enabled, so that header is always the plain
 * one.  The fd is non-blocking: reading pauses while the NIC's queue is
 * full and a frame the kernel does not take now waits in the net core
 * until it can.
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
#define TAP_BUFSIZE (4096 + 65536 + 12)

typedef struct TAPState {
    NetClientState nc;
    int fd;
    char ifname[IFNAMSIZ];
    char *downscript;           /* run at cleanup, NULL for none */
    size_t vnet_hdr_len;        /* 0 without vnet_hdr */
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
    uint8_t buf[TAP_BUFSIZE];

    /* A bounded batch per wake-up, so the loop serves others too. */
    for (int i = 0; i < 64 && !s->read_paused; i++) {
        ssize_t n = read(s->fd, buf, sizeof(buf));

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= (ssize_t)s->vnet_hdr_len) {
            break;              /* EAGAIN, or nothing past the header */
        }
        if (qemu_send_packet(&s->nc, buf + s->vnet_hdr_len,
                             n - s->vnet_hdr_len) == 0) {
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
    uint8_t hdr[12] = { 0 };
    struct iovec iov[2] = {
        { hdr, s->vnet_hdr_len },
        { (void *)buf, size },
    };
    ssize_t n;

    do {
        n = writev(s->fd, s->vnet_hdr_len ? iov : iov + 1,
                   s->vnet_hdr_len ? 2 : 1);
    } while (n < 0 && errno == EINTR);
    if (n < 0 && errno == EAGAIN) {
        /* The core keeps it; we flush when the fd is writable again. */
        s->write_waiting = true;
        tap_update_handlers(s);
        return 0;
    }
    return size;                /* other errors lose the frame, as QEMU */
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
};

static int tap_open(const char *ifname, bool vnet_hdr, char *actual,
                    Error **errp)
{
    struct ifreq ifr = { 0 };
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

    if (fd < 0) {
        error_setg_errno(errp, errno, "could not open %s", "/dev/net/tun");
        return -1;
    }
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI | (vnet_hdr ? IFF_VNET_HDR : 0);
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

/* The client on @fd (which it owns from now on), reading already. */
static TAPState *tap_new_client(const char *model, const char *name,
                                NetClientState *peer, int fd, bool vnet)
{
    TAPState *s;

    if (vnet) {
        int len = 12;           /* the header with num_buffers */

        if (ioctl(fd, TUNSETVNETHDRSZ, &len) < 0) {
            len = 10;
        }
        ioctl(fd, TUNSETOFFLOAD, 0);
    }
    g_unix_set_fd_nonblocking(fd, TRUE, NULL);

    s = (TAPState *)qemu_new_net_client(&net_tap_info, peer, model, name);
    s->nc.is_netdev = !peer;
    s->fd = fd;
    s->vnet_hdr_len = 0;
    if (vnet) {
        int len = 0;

        s->vnet_hdr_len = ioctl(fd, TUNGETVNETHDRSZ, &len) == 0 ? len : 10;
    }
    tap_update_handlers(s);
    return s;
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
    s = tap_new_client("bridge", name, peer, fd,
                       ifr.ifr_flags & IFF_VNET_HDR);
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
    const char *fdstr = o->fd;
    char ifname[IFNAMSIZ] = "";
    g_autofree char *script = NULL, *downscript = NULL;
    bool want_vnet = o->has_vnet_hdr && o->vnet_hdr;
    TAPState *s;
    int fd;

    if (o->fds) {
        /* One queue only: fds= with a single fd is fd=. */
        if (strchr(o->fds, ':')) {
            error_setg(errp, "Multiple fds (multiqueue tap) are not "
                       "supported");
            return false;
        }
        if (fdstr) {
            error_setg(errp, "ifname=, script=, downscript=, vnet_hdr=, "
                       "helper=, queues=, fds=, and vhostfds= are invalid "
                       "with fd=");
            return false;
        }
        fdstr = o->fds;
    }
    if (fdstr) {
        if (o->ifname || o->script || o->downscript || o->helper) {
            error_setg(errp, "ifname=, script=, downscript=, vnet_hdr=, "
                       "helper=, queues=, fds=, and vhostfds= are invalid "
                       "with fd=");
            return false;
        }
        fd = monitor_fd_param(monitor_cur(), fdstr, errp);
        if (fd < 0) {
            return false;
        }
        if (want_vnet && !tap_fd_has_vnet_hdr(fd)) {
            error_setg(errp, "vnet_hdr=1 requested, but no kernel support "
                       "for IFF_VNET_HDR available");
            close(fd);
            return false;
        }
        want_vnet = tap_fd_has_vnet_hdr(fd);
    } else if (o->helper) {
        if (o->ifname || o->script || o->downscript || o->has_vnet_hdr) {
            error_setg(errp, "ifname=, script=, downscript=, vnet_hdr=, "
                       "queues=, and vhostfds= are invalid with helper=");
            return false;
        }
        return tap_from_helper(o->helper, o->br, false, name, peer, errp);
    } else {
        script = g_strdup(o->script ? o->script : DEFAULT_NETWORK_SCRIPT);
        downscript = g_strdup(o->downscript ? o->downscript
                                            : DEFAULT_NETWORK_DOWN_SCRIPT);
        fd = tap_open(o->ifname, want_vnet, ifname, errp);
        if (fd < 0) {
            return false;
        }
        if (strcmp(script, "no") &&
            !tap_run_script(script, ifname, errp)) {
            close(fd);
            return false;
        }
    }
    s = tap_new_client("tap", name, peer, fd, want_vnet);
    if (fdstr) {
        qemu_set_info_str(&s->nc, "fd=%d", fd);
    } else {
        g_strlcpy(s->ifname, ifname, sizeof(s->ifname));
        qemu_set_info_str(&s->nc, "ifname=%s,script=%s,downscript=%s",
                          ifname, script, downscript);
        if (strcmp(downscript, "no")) {
            s->downscript = g_steal_pointer(&downscript);
        }
    }
    return true;
}
