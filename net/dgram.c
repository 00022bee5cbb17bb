/*
 * The 'dgram' backend: one Ethernet frame per datagram, over UDP (unicast
 * or a multicast group shared by several emulators), unix datagram
 * sockets, or a datagram socket passed as fd.  As QEMU's: local= is the
 * address to bind, remote= where frames go; a multicast remote needs no
 * local.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include <arpa/inet.h>
#include <glib-unix.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "vireo/error.h"
#include "vireo/main-loop.h"
#include "vireo/sockets.h"
#include "monitor/monitor.h"
#include "net/net.h"

#define DGRAM_BUFSIZE (4096 + 65536)

typedef struct DgramState {
    NetClientState nc;
    int fd;
    struct sockaddr_storage dest;
    socklen_t dest_len;         /* 0: the socket is connected or has none */
    bool read_paused;
    bool write_waiting;
} DgramState;

static void dgram_readable(void *opaque);
static void dgram_writable(void *opaque);

static void dgram_update_handlers(DgramState *s)
{
    qemu_set_fd_handler(s->fd, s->read_paused ? NULL : dgram_readable,
                        s->write_waiting ? dgram_writable : NULL, s);
}

static void dgram_readable(void *opaque)
{
    DgramState *s = opaque;
    g_autofree uint8_t *buf = g_malloc(DGRAM_BUFSIZE);

    for (int i = 0; i < 64 && !s->read_paused; i++) {
        ssize_t n = recv(s->fd, buf, DGRAM_BUFSIZE, 0);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            break;
        }
        if (n > 0 && qemu_send_packet(&s->nc, buf, n) == 0) {
            s->read_paused = true;
            dgram_update_handlers(s);
        }
    }
}

static void dgram_writable(void *opaque)
{
    DgramState *s = opaque;

    s->write_waiting = false;
    dgram_update_handlers(s);
    qemu_flush_queued_packets(&s->nc);
}

static ssize_t dgram_receive(NetClientState *nc, const uint8_t *buf,
                             size_t size)
{
    DgramState *s = container_of(nc, DgramState, nc);
    ssize_t n;

    do {
        n = sendto(s->fd, buf, size, MSG_NOSIGNAL,
                   s->dest_len ? (struct sockaddr *)&s->dest : NULL,
                   s->dest_len);
    } while (n < 0 && errno == EINTR);
    if (n < 0 && errno == EAGAIN) {
        s->write_waiting = true;
        dgram_update_handlers(s);
        return 0;
    }
    return size;        /* no receiver yet, or an error: lost, as on a wire */
}

static void dgram_send_resumed(NetClientState *nc)
{
    DgramState *s = container_of(nc, DgramState, nc);

    s->read_paused = false;
    dgram_update_handlers(s);
}

static void dgram_cleanup(NetClientState *nc)
{
    DgramState *s = container_of(nc, DgramState, nc);

    qemu_set_fd_handler(s->fd, NULL, NULL, NULL);
    close(s->fd);
}

static NetClientInfo net_dgram_info = {
    .type = NET_CLIENT_DRIVER_DGRAM,
    .size = sizeof(DgramState),
    .receive = dgram_receive,
    .send_resumed = dgram_send_resumed,
    .cleanup = dgram_cleanup,
};

/* An inet or unix SocketAddress as a sockaddr for datagrams. */
static bool dgram_resolve(const SocketAddress *a, struct sockaddr_storage *ss,
                          socklen_t *len, Error **errp)
{
    if (a->type == SOCKET_ADDRESS_TYPE_INET) {
        struct addrinfo hints = { .ai_socktype = SOCK_DGRAM };
        struct addrinfo *res;
        int r;

        hints.ai_family = a->u.inet.has_ipv6 && a->u.inet.ipv6 ? AF_INET6
                          : a->u.inet.has_ipv4 && a->u.inet.ipv4 ? AF_INET
                          : AF_UNSPEC;
        r = getaddrinfo(*a->u.inet.host ? a->u.inet.host : NULL,
                        a->u.inet.port, &hints, &res);
        if (r) {
            error_setg(errp, "address resolution failed for %s:%s: %s",
                       a->u.inet.host, a->u.inet.port, gai_strerror(r));
            return false;
        }
        memcpy(ss, res->ai_addr, res->ai_addrlen);
        *len = res->ai_addrlen;
        freeaddrinfo(res);
        return true;
    }
    if (a->type == SOCKET_ADDRESS_TYPE_UNIX) {
        struct sockaddr_un *un = (struct sockaddr_un *)ss;

        if (strlen(a->u.q_unix.path) >= sizeof(un->sun_path)) {
            error_setg(errp, "UNIX socket path '%s' is too long",
                       a->u.q_unix.path);
            return false;
        }
        memset(un, 0, sizeof(*un));
        un->sun_family = AF_UNIX;
        strcpy(un->sun_path, a->u.q_unix.path);
        *len = sizeof(*un);
        return true;
    }
    error_setg(errp, "only support inet or unix");
    return false;
}

static bool sockaddr_is_multicast(const struct sockaddr_storage *ss)
{
    return ss->ss_family == AF_INET &&
           IN_MULTICAST(ntohl(((struct sockaddr_in *)ss)->sin_addr.s_addr));
}

bool net_init_dgram(const Netdev *netdev, const char *name,
                    NetClientState *peer, Error **errp)
{
    const NetdevDgramOptions *o = &netdev->u.dgram;
    struct sockaddr_storage rss = { 0 }, lss = { 0 };
    socklen_t rlen = 0, llen = 0;
    bool mcast = false;
    DgramState *s;
    int fd = -1, one = 1;

    if (!o->remote && !o->local) {
        error_setg(errp, "remote or local address should be given");
        return false;
    }
    if (o->remote) {
        if (o->remote->type == SOCKET_ADDRESS_TYPE_FD) {
            error_setg(errp, "type=fd is not supported for remote address");
            return false;
        }
        if (!dgram_resolve(o->remote, &rss, &rlen, errp)) {
            return false;
        }
        mcast = sockaddr_is_multicast(&rss);
    }
    if (!mcast && !o->local) {
        error_setg(errp, "dgram requires local= parameter");
        return false;
    }
    if (o->local && o->local->type == SOCKET_ADDRESS_TYPE_FD) {
        fd = monitor_fd_param(monitor_cur(), o->local->u.fd.str, errp);
        if (fd < 0) {
            return false;
        }
    } else {
        if (o->local && !mcast && !dgram_resolve(o->local, &lss, &llen,
                                                 errp)) {
            return false;
        }
        if (mcast) {
            /* Every member binds the group's port on any address. */
            struct sockaddr_in *any = (struct sockaddr_in *)&lss;

            any->sin_family = AF_INET;
            any->sin_port = ((struct sockaddr_in *)&rss)->sin_port;
            llen = sizeof(*any);
        }
        if (o->remote && lss.ss_family != AF_UNIX &&
            rss.ss_family != lss.ss_family && llen) {
            error_setg(errp, "local and remote addresses must be of the "
                       "same family");
            return false;
        }
        fd = socket(lss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            error_setg_errno(errp, errno, "can't create datagram socket");
            return false;
        }
        if (lss.ss_family != AF_UNIX) {
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        }
        if (bind(fd, (struct sockaddr *)&lss, llen) < 0) {
            error_setg_errno(errp, errno, "can't bind datagram socket");
            close(fd);
            return false;
        }
        if (mcast) {
            struct ip_mreq mreq = {
                .imr_multiaddr = ((struct sockaddr_in *)&rss)->sin_addr,
                .imr_interface.s_addr = htonl(INADDR_ANY),
            };

            if (o->local && o->local->type == SOCKET_ADDRESS_TYPE_INET) {
                inet_pton(AF_INET, o->local->u.inet.host,
                          &mreq.imr_interface);
            }
            if (setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq,
                           sizeof(mreq)) < 0 ||
                setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &one,
                           sizeof(one)) < 0) {
                error_setg_errno(errp, errno, "can't join multicast group");
                close(fd);
                return false;
            }
            setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mreq.imr_interface,
                       sizeof(mreq.imr_interface));
        }
    }
    g_unix_set_fd_nonblocking(fd, TRUE, NULL);

    s = (DgramState *)qemu_new_net_client(&net_dgram_info, peer, "dgram",
                                          name);
    s->nc.is_netdev = !peer;
    s->fd = fd;
    memcpy(&s->dest, &rss, sizeof(rss));
    s->dest_len = rlen;
    if (mcast) {
        qemu_set_info_str(&s->nc, "mcast=%s:%s", o->remote->u.inet.host,
                          o->remote->u.inet.port);
    } else if (o->remote && o->remote->type == SOCKET_ADDRESS_TYPE_UNIX) {
        qemu_set_info_str(&s->nc, "local=%s,remote=%s",
                          o->local->type == SOCKET_ADDRESS_TYPE_UNIX ?
                          o->local->u.q_unix.path : "fd",
                          o->remote->u.q_unix.path);
    } else if (o->remote) {
        qemu_set_info_str(&s->nc, "udp=%s:%s", o->remote->u.inet.host,
                          o->remote->u.inet.port);
    } else {
        qemu_set_info_str(&s->nc, "fd=%d", fd);
    }
    dgram_update_handlers(s);
    return true;
}
