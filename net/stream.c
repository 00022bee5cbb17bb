/*
 * The 'stream' backend: Ethernet frames over a stream socket (inet, unix
 * or a passed fd), each preceded by its length as a 32-bit big-endian
 * number, as QEMU's stream and socket backends frame them.  A server
 * takes one peer at a time and listens again when it leaves; a client
 * may reconnect after a delay.  The socket is non-blocking: reading stops
 * while the NIC cannot take frames, and output that the socket does not
 * accept waits in a bounded buffer before the NIC is pushed back.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include <arpa/inet.h>
#include <glib-unix.h>
#include <netdb.h>
#include <sys/socket.h>
#include "vireo/error.h"
#include "vireo/error-report.h"
#include "vireo/main-loop.h"
#include "vireo/sockets.h"
#include "vireo/timer.h"
#include "qapi/clone-visitor.h"
#include "qapi/qapi-events-net.h"
#include "qapi/qapi-visit-sockets.h"
#include "net/net.h"

/* The largest frame a peer may announce (QEMU's NET_BUFSIZE). */
#define STREAM_MAX_FRAME (4096 + 65536)
/* Output held for a slow peer before the NIC is told to wait. */
#define STREAM_OUT_MAX (256 * 1024)

typedef struct StreamState {
    NetClientState nc;
    SocketAddress *addr;
    bool server;
    int64_t reconnect_ms;
    int listen_fd;
    int fd;
    QEMUTimer *reconnect_timer;
    bool read_paused;           /* the NIC's queue is full */
    bool error_reported;        /* of the current run of failed connects */
    uint8_t hdr[4];
    uint32_t hdr_got;
    uint32_t frame_len;
    uint32_t frame_got;
    uint8_t *frame;
    GByteArray *out;
} StreamState;

static void stream_readable(void *opaque);
static void stream_writable(void *opaque);
static void stream_accept(void *opaque);

static void stream_update_handlers(StreamState *s)
{
    if (s->fd < 0) {
        return;
    }
    qemu_set_fd_handler(s->fd, s->read_paused ? NULL : stream_readable,
                        s->out->len ? stream_writable : NULL, s);
}

static void stream_set_disconnected_info(StreamState *s)
{
    qemu_set_info_str(&s->nc, s->server ? "listening" : "disconnected");
}

static void stream_disconnect(StreamState *s)
{
    qemu_set_fd_handler(s->fd, NULL, NULL, NULL);
    close(s->fd);
    s->fd = -1;
    s->hdr_got = s->frame_got = s->frame_len = 0;
    g_byte_array_set_size(s->out, 0);
    s->read_paused = false;
    stream_set_disconnected_info(s);
    qapi_event_send_netdev_stream_disconnected(s->nc.name);
    if (s->server) {
        qemu_set_fd_handler(s->listen_fd, stream_accept, NULL, s);
    } else if (s->reconnect_ms > 0) {
        timer_mod(s->reconnect_timer,
                  qemu_clock_get_ms(QEMU_CLOCK_REALTIME) + s->reconnect_ms);
    }
}

/* What NETDEV_STREAM_CONNECTED reports: the peer of an inet socket. */
static SocketAddress *stream_peer_address(StreamState *s, int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    char host[NI_MAXHOST], port[NI_MAXSERV];
    SocketAddress *a;

    if (s->addr->type != SOCKET_ADDRESS_TYPE_INET ||
        getpeername(fd, (struct sockaddr *)&ss, &len) < 0 ||
        getnameinfo((struct sockaddr *)&ss, len, host, sizeof(host), port,
                    sizeof(port), NI_NUMERICHOST | NI_NUMERICSERV)) {
        return QAPI_CLONE(SocketAddress, s->addr);
    }
    a = g_new0(SocketAddress, 1);
    a->type = SOCKET_ADDRESS_TYPE_INET;
    a->u.inet.host = g_strdup(host);
    a->u.inet.port = g_strdup(port);
    if (ss.ss_family == AF_INET6) {
        a->u.inet.has_ipv6 = a->u.inet.ipv6 = true;
    } else {
        a->u.inet.has_ipv4 = a->u.inet.ipv4 = true;
    }
    return a;
}

static void stream_connected(StreamState *s, int fd)
{
    g_autoptr(SocketAddress) peer = stream_peer_address(s, fd);

    g_unix_set_fd_nonblocking(fd, TRUE, NULL);
    s->fd = fd;
    s->error_reported = false;
    if (peer->type == SOCKET_ADDRESS_TYPE_INET) {
        qemu_set_info_str(&s->nc, "%s %s:%s", s->server ? "connection from"
                          : "connected to", peer->u.inet.host,
                          peer->u.inet.port);
    } else {
        qemu_set_info_str(&s->nc, s->server ? "connection accepted"
                          : "connected");
    }
    qapi_event_send_netdev_stream_connected(s->nc.name, peer);
    stream_update_handlers(s);
    qemu_flush_queued_packets(&s->nc);
}

static void stream_accept(void *opaque)
{
    StreamState *s = opaque;
    int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);

    if (fd < 0) {
        return;                 /* spurious wake-up or a peer gone already */
    }
    /* One peer at a time: stop listening until it leaves. */
    qemu_set_fd_handler(s->listen_fd, NULL, NULL, NULL);
    stream_connected(s, fd);
}

static void stream_try_connect(void *opaque)
{
    StreamState *s = opaque;
    Error *err = NULL;
    int fd = socket_connect(s->addr, &err);

    if (fd >= 0) {
        stream_connected(s, fd);
        return;
    }
    /* Say it once per outage, not on every retry. */
    if (!s->error_reported) {
        error_report_err(err);
        s->error_reported = true;
    } else {
        error_free(err);
    }
    if (s->reconnect_ms > 0) {
        timer_mod(s->reconnect_timer,
                  qemu_clock_get_ms(QEMU_CLOCK_REALTIME) + s->reconnect_ms);
    }
}

/* Feeds received bytes through the length-prefix framing. */
static bool stream_parse(StreamState *s, const uint8_t *buf, size_t len)
{
    while (len) {
        size_t n;

        if (s->hdr_got < 4) {
            n = MIN(len, 4 - s->hdr_got);
            memcpy(s->hdr + s->hdr_got, buf, n);
            s->hdr_got += n;
            buf += n;
            len -= n;
            if (s->hdr_got < 4) {
                break;
            }
            s->frame_len = (uint32_t)s->hdr[0] << 24 | s->hdr[1] << 16 |
                           s->hdr[2] << 8 | s->hdr[3];
            s->frame_got = 0;
            if (s->frame_len > STREAM_MAX_FRAME) {
                error_report("netdev %s: peer sent a frame of %u bytes, more "
                             "than %d; dropping the connection", s->nc.name,
                             s->frame_len, STREAM_MAX_FRAME);
                return false;
            }
        }
        n = MIN(len, s->frame_len - s->frame_got);
        memcpy(s->frame + s->frame_got, buf, n);
        s->frame_got += n;
        buf += n;
        len -= n;
        if (s->frame_got == s->frame_len) {
            s->hdr_got = 0;
            /* An empty frame carries nothing to deliver. */
            if (s->frame_len &&
                qemu_send_packet(&s->nc, s->frame, s->frame_len) == 0) {
                s->read_paused = true;
            }
        }
    }
    return true;
}

static void stream_readable(void *opaque)
{
    StreamState *s = opaque;
    uint8_t buf[65536];
    ssize_t n = recv(s->fd, buf, sizeof(buf), 0);

    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        return;
    }
    if (n <= 0 || !stream_parse(s, buf, n)) {
        stream_disconnect(s);
        return;
    }
    if (s->read_paused) {
        stream_update_handlers(s);
    }
}

static void stream_flush_out(StreamState *s)
{
    bool was_full = s->out->len >= STREAM_OUT_MAX;

    while (s->out->len) {
        ssize_t n = send(s->fd, s->out->data, s->out->len, MSG_NOSIGNAL);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && errno == EAGAIN) {
            break;
        }
        if (n <= 0) {
            stream_disconnect(s);
            return;
        }
        g_byte_array_remove_range(s->out, 0, n);
    }
    stream_update_handlers(s);
    if (was_full && s->out->len < STREAM_OUT_MAX) {
        qemu_flush_queued_packets(&s->nc);
    }
}

static void stream_writable(void *opaque)
{
    stream_flush_out(opaque);
}

static ssize_t stream_receive(NetClientState *nc, const uint8_t *buf,
                              size_t size)
{
    StreamState *s = container_of(nc, StreamState, nc);
    uint8_t hdr[4];

    if (s->fd < 0) {
        return size;            /* no peer: the frame is lost, as on a wire */
    }
    if (s->out->len >= STREAM_OUT_MAX) {
        return 0;
    }
    hdr[0] = size >> 24;
    hdr[1] = size >> 16;
    hdr[2] = size >> 8;
    hdr[3] = size;
    g_byte_array_append(s->out, hdr, sizeof(hdr));
    g_byte_array_append(s->out, buf, size);
    stream_flush_out(s);
    return size;
}

static void stream_send_resumed(NetClientState *nc)
{
    StreamState *s = container_of(nc, StreamState, nc);

    s->read_paused = false;
    stream_update_handlers(s);
}

static void stream_cleanup(NetClientState *nc)
{
    StreamState *s = container_of(nc, StreamState, nc);

    if (s->fd >= 0) {
        qemu_set_fd_handler(s->fd, NULL, NULL, NULL);
        close(s->fd);
    }
    if (s->listen_fd >= 0) {
        qemu_set_fd_handler(s->listen_fd, NULL, NULL, NULL);
        close(s->listen_fd);
    }
    timer_free(s->reconnect_timer);
    qapi_free_SocketAddress(s->addr);
    g_byte_array_free(s->out, TRUE);
    g_free(s->frame);
}

static NetClientInfo net_stream_info = {
    .type = NET_CLIENT_DRIVER_STREAM,
    .size = sizeof(StreamState),
    .receive = stream_receive,
    .send_resumed = stream_send_resumed,
    .cleanup = stream_cleanup,
};

bool net_init_stream(const Netdev *netdev, const char *name,
                     NetClientState *peer, Error **errp)
{
    const NetdevStreamOptions *o = &netdev->u.stream;
    bool server = o->has_server && o->server;
    int64_t reconnect_ms = 0;
    StreamState *s;
    int listen_fd = -1;

    switch (o->addr->type) {
    case SOCKET_ADDRESS_TYPE_INET:
    case SOCKET_ADDRESS_TYPE_UNIX:
    case SOCKET_ADDRESS_TYPE_FD:
        break;
    default:
        error_setg(errp, "only support inet, unix or fd type");
        return false;
    }
    if (o->has_reconnect && o->has_reconnect_ms) {
        error_setg(errp, "'reconnect' and 'reconnect-ms' are mutually "
                   "exclusive");
        return false;
    }
    if (server && (o->has_reconnect || o->has_reconnect_ms)) {
        error_setg(errp, "'%s' option is incompatible with socket in server "
                   "mode", o->has_reconnect ? "reconnect" : "reconnect-ms");
        return false;
    }
    if (o->has_reconnect) {
        reconnect_ms = o->reconnect * 1000;
    } else if (o->has_reconnect_ms) {
        reconnect_ms = o->reconnect_ms;
    }
    if (reconnect_ms < 0) {
        error_setg(errp, "Parameter 'reconnect%s' expects a non-negative "
                   "value", o->has_reconnect ? "" : "-ms");
        return false;
    }
    if (server) {
        listen_fd = socket_listen(o->addr, 1, errp);
        if (listen_fd < 0) {
            return false;
        }
        g_unix_set_fd_nonblocking(listen_fd, TRUE, NULL);
    }

    s = (StreamState *)qemu_new_net_client(&net_stream_info, peer, "stream",
                                           name);
    s->nc.is_netdev = !peer;
    s->addr = QAPI_CLONE(SocketAddress, o->addr);
    s->server = server;
    s->reconnect_ms = reconnect_ms;
    s->listen_fd = listen_fd;
    s->fd = -1;
    s->frame = g_malloc(STREAM_MAX_FRAME);
    s->out = g_byte_array_new();
    s->reconnect_timer = timer_new_ms(QEMU_CLOCK_REALTIME,
                                      stream_try_connect, s);
    stream_set_disconnected_info(s);
    if (server) {
        qemu_set_fd_handler(listen_fd, stream_accept, NULL, s);
    } else {
        /* As QEMU: a peer not there yet is reported, not fatal. */
        stream_try_connect(s);
    }
    return true;
}
