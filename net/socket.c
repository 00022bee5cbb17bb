/*
 * The legacy 'socket' backend, on top of 'stream' and 'dgram' (which
 * QEMU introduced to replace it, with the same wire formats):
 * listen=/connect= are a stream server/client, udp= with localaddr= a
 * unicast datagram link, mcast= a multicast group, fd= either kind.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include <sys/socket.h>
#include "vireo/error.h"
#include "vireo/sockets.h"
#include "monitor/monitor.h"
#include "qapi/qapi-visit-net.h"
#include "net/net.h"

bool net_init_socket(const Netdev *netdev, const char *name,
                     NetClientState *peer, Error **errp)
{
    const NetdevSocketOptions *o = &netdev->u.socket;
    g_autoptr(Netdev) nd = g_new0(Netdev, 1);
    int given = !!o->fd + !!o->listen + !!o->connect + !!o->mcast + !!o->udp;

    if (given != 1) {
        error_setg(errp, "exactly one of listen=, connect=, mcast= or udp= "
                   "is required");
        return false;
    }
    if (o->localaddr && !o->mcast && !o->udp) {
        error_setg(errp, "localaddr= is only valid with mcast= or udp=");
        return false;
    }
    nd->id = g_strdup(name);
    if (o->listen || o->connect) {
        nd->type = NET_CLIENT_DRIVER_STREAM;
        nd->u.stream.addr = socket_parse(o->listen ? o->listen : o->connect,
                                         errp);
        if (!nd->u.stream.addr) {
            return false;
        }
        nd->u.stream.has_server = true;
        nd->u.stream.server = !!o->listen;
        return net_init_stream(nd, name, peer, errp);
    }
    if (o->fd) {
        int fd = monitor_fd_param(monitor_cur(), o->fd, errp);
        int type;
        socklen_t len = sizeof(type);

        if (fd < 0) {
            return false;
        }
        if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0) {
            error_setg(errp, "fd=%d is not a socket", fd);
            close(fd);
            return false;
        }
        if (type == SOCK_STREAM) {
            /* A connected stream: the stream backend takes it as a
             * client that is already there. */
            nd->type = NET_CLIENT_DRIVER_STREAM;
            nd->u.stream.addr = g_new0(SocketAddress, 1);
            nd->u.stream.addr->type = SOCKET_ADDRESS_TYPE_FD;
            nd->u.stream.addr->u.fd.str = g_strdup_printf("%d", fd);
            return net_init_stream(nd, name, peer, errp);
        }
        nd->type = NET_CLIENT_DRIVER_DGRAM;
        nd->u.dgram.local = g_new0(SocketAddress, 1);
        nd->u.dgram.local->type = SOCKET_ADDRESS_TYPE_FD;
        nd->u.dgram.local->u.fd.str = g_strdup_printf("%d", fd);
        return net_init_dgram(nd, name, peer, errp);
    }
    if (o->udp && !o->localaddr) {
        error_setg(errp, "localaddr= is mandatory with udp=");
        return false;
    }
    nd->type = NET_CLIENT_DRIVER_DGRAM;
    nd->u.dgram.remote = socket_parse(o->udp ? o->udp : o->mcast, errp);
    if (!nd->u.dgram.remote) {
        return false;
    }
    if (o->localaddr) {
        /* For mcast= it is only the interface address, without a port. */
        g_autofree char *local = o->udp ? g_strdup(o->localaddr)
                                 : g_strdup_printf("%s:0", o->localaddr);

        nd->u.dgram.local = socket_parse(local, errp);
        if (!nd->u.dgram.local) {
            return false;
        }
    }
    return net_init_dgram(nd, name, peer, errp);
}
