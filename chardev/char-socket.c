/*
 * The socket chardev: a stream socket (unix, tcp or an inherited fd) as
 * server (listening, one client at a time) or client (with reconnect).
 * Receives file descriptors with SCM_RIGHTS (QMP getfd/add-fd) and
 * speaks enough telnet to put the client in character mode.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "vireo/error.h"
#include "vireo/error-report.h"
#include "vireo/sockets.h"
#include "chardev/char.h"
#include "chardev/char-io.h"
#include "qapi/qapi-visit-sockets.h"

#define TYPE_CHARDEV_SOCKET "chardev-socket"
#define MAX_FDS 16

typedef enum {
    TCP_CHARDEV_STATE_DISCONNECTED,
    TCP_CHARDEV_STATE_CONNECTED,
} TCPChardevState;

typedef struct SocketChardev {
    Chardev parent;
    int listen_fd;
    int fd;
    TCPChardevState state;
    bool is_listen;
    bool is_telnet;
    bool do_nodelay;
    int64_t reconnect_ms;
    SocketAddress *addr;
    GSource *read_watch;
    GSource *accept_watch;
    GSource *reconnect_timer;
    int read_msgfds[MAX_FDS];
    int read_msgfds_num;
    int write_msgfds[MAX_FDS];
    int write_msgfds_num;
    int telnet_state;       /* bytes of an IAC sequence still to skip */
} SocketChardev;

DECLARE_INSTANCE_CHECKER(SocketChardev, SOCKET_CHARDEV, TYPE_CHARDEV_SOCKET)

static void tcp_chr_disconnect(Chardev *chr);
static void tcp_chr_start_reconnect(Chardev *chr);

static char *sockaddr_to_str(int fd, bool local, bool *is_unix)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    char host[NI_MAXHOST], serv[NI_MAXSERV];
    int rc = local ? getsockname(fd, (struct sockaddr *)&ss, &len)
                   : getpeername(fd, (struct sockaddr *)&ss, &len);

    *is_unix = false;
    if (rc < 0) {
        return g_strdup("");
    }
    if (ss.ss_family == AF_UNIX) {
        *is_unix = true;
        return g_strdup(((struct sockaddr_un *)&ss)->sun_path);
    }
    getnameinfo((struct sockaddr *)&ss, len, host, sizeof(host), serv,
                sizeof(serv), NI_NUMERICHOST | NI_NUMERICSERV);
    if (ss.ss_family == AF_INET6) {
        return g_strdup_printf("[%s]:%s", host, serv);
    }
    return g_strdup_printf("%s:%s", host, serv);
}

/* QEMU's query-chardev filename for the current state. */
static void update_filename(SocketChardev *s)
{
    Chardev *chr = CHARDEV(s);
    int fd = s->state == TCP_CHARDEV_STATE_CONNECTED ? s->fd : s->listen_fd;
    bool is_unix;
    g_autofree char *local = NULL, *peer = NULL;

    g_free(chr->filename);
    if (fd < 0) {
        chr->filename = g_strdup("disconnected:socket");
        return;
    }
    local = sockaddr_to_str(fd, true, &is_unix);
    if (is_unix) {
        chr->filename = g_strdup_printf("%sunix:%s%s",
                                        s->state == TCP_CHARDEV_STATE_CONNECTED
                                        ? "" : "disconnected:", local,
                                        s->is_listen ? ",server=on" : "");
        return;
    }
    if (s->state != TCP_CHARDEV_STATE_CONNECTED) {
        chr->filename = g_strdup_printf("disconnected:%s:%s%s",
                                        s->is_telnet ? "telnet" : "tcp",
                                        local,
                                        s->is_listen ? ",server=on" : "");
        return;
    }
    peer = sockaddr_to_str(fd, false, &is_unix);
    chr->filename = g_strdup_printf("%s:%s%s <-> %s",
                                    s->is_telnet ? "telnet" : "tcp", local,
                                    s->is_listen ? ",server=on" : "", peer);
}

static int tcp_chr_write(Chardev *chr, const uint8_t *buf, int len)
{
    SocketChardev *s = SOCKET_CHARDEV(chr);
    struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
    char control[CMSG_SPACE(sizeof(int) * MAX_FDS)];
    ssize_t n;

    if (s->state != TCP_CHARDEV_STATE_CONNECTED) {
        /* As QEMU: output while nobody is connected is dropped. */
        return len;
    }
    if (s->write_msgfds_num) {
        struct cmsghdr *cmsg;
        size_t fdsize = sizeof(int) * s->write_msgfds_num;

        memset(control, 0, sizeof(control));
        msg.msg_control = control;
        msg.msg_controllen = CMSG_SPACE(fdsize);
        cmsg = CMSG_FIRSTHDR(&msg);
        cmsg->cmsg_len = CMSG_LEN(fdsize);
        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_RIGHTS;
        memcpy(CMSG_DATA(cmsg), s->write_msgfds, fdsize);
    }
    do {
        n = sendmsg(s->fd, &msg, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n >= 0) {
        s->write_msgfds_num = 0;
    } else if (errno != EAGAIN) {
        /* The peer went away: the data is lost as on a real wire. */
        tcp_chr_disconnect(chr);
        return len;
    }
    return n;
}

static int tcp_get_msgfds(Chardev *chr, int *fds, int num)
{
    SocketChardev *s = SOCKET_CHARDEV(chr);
    int to_copy = MIN(num, s->read_msgfds_num);

    if (to_copy <= 0) {
        return -1;
    }
    memcpy(fds, s->read_msgfds, to_copy * sizeof(int));
    /* Fds not taken are closed: nobody else will. */
    for (int i = to_copy; i < s->read_msgfds_num; i++) {
        close(s->read_msgfds[i]);
    }
    s->read_msgfds_num = 0;
    return to_copy;
}

static int tcp_set_msgfds(Chardev *chr, int *fds, int num)
{
    SocketChardev *s = SOCKET_CHARDEV(chr);

    if (num > MAX_FDS) {
        return -1;
    }
    memcpy(s->write_msgfds, fds, num * sizeof(int));
    s->write_msgfds_num = num;
    return 0;
}

/* Strips telnet IAC sequences (negotiation replies from the client). */
static int telnet_filter(SocketChardev *s, uint8_t *buf, int len)
{
    int j = 0;

    for (int i = 0; i < len; i++) {
        uint8_t c = buf[i];

        if (s->telnet_state > 0) {
            /* WILL/WONT/DO/DONT take one option byte after the command. */
            if (s->telnet_state == 2 && c >= 251 && c <= 254) {
                s->telnet_state = 1;
            } else if (s->telnet_state == 2 && c == 255) {
                buf[j++] = 255;         /* IAC IAC is a literal 0xff */
                s->telnet_state = 0;
            } else {
                s->telnet_state = s->telnet_state == 2 ? 0
                                                       : s->telnet_state - 1;
            }
            continue;
        }
        if (c == 255) {
            s->telnet_state = 2;
            continue;
        }
        buf[j++] = c;
    }
    return j;
}

static void tcp_chr_ready(Chardev *chr, int max)
{
    SocketChardev *s = SOCKET_CHARDEV(chr);
    uint8_t buf[4096];
    struct iovec iov = { .iov_base = buf,
                         .iov_len = MIN((int)sizeof(buf), max) };
    char control[CMSG_SPACE(sizeof(int) * MAX_FDS)];
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
                          .msg_control = control,
                          .msg_controllen = sizeof(control) };
    struct cmsghdr *cmsg;
    ssize_t n;

    do {
        n = recvmsg(s->fd, &msg, MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    if (n == 0 || (n < 0 && errno != EAGAIN)) {
        tcp_chr_disconnect(chr);
        return;
    }
    if (n < 0) {
        return;
    }
    for (cmsg = CMSG_FIRSTHDR(&msg); cmsg; cmsg = CMSG_NXTHDR(&msg, cmsg)) {
        if (cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS) {
            int nfds = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            int *fds = (int *)CMSG_DATA(cmsg);

            /* Only the fds of the latest message are kept. */
            for (int i = 0; i < s->read_msgfds_num; i++) {
                close(s->read_msgfds[i]);
            }
            s->read_msgfds_num = 0;
            for (int i = 0; i < nfds; i++) {
                if (s->read_msgfds_num < MAX_FDS) {
                    s->read_msgfds[s->read_msgfds_num++] = fds[i];
                } else {
                    close(fds[i]);
                }
            }
        }
    }
    if (s->is_telnet) {
        n = telnet_filter(s, buf, n);
    }
    if (n > 0) {
        qemu_chr_be_write(chr, buf, n);
    }
}

static void tcp_chr_update_read_handler(Chardev *chr)
{
    SocketChardev *s = SOCKET_CHARDEV(chr);

    chr_fd_read_watch_remove(&s->read_watch);
    if (s->state == TCP_CHARDEV_STATE_CONNECTED) {
        s->read_watch = chr_fd_read_watch_add(chr, s->fd, tcp_chr_ready);
    }
}

static GSource *tcp_chr_add_watch(Chardev *chr, GIOCondition cond)
{
    SocketChardev *s = SOCKET_CHARDEV(chr);

    if (s->state != TCP_CHARDEV_STATE_CONNECTED) {
        /* Writes are dropped while disconnected: always "writable". */
        return g_idle_source_new();
    }
    return chr_fd_cond_watch_new(s->fd, cond);
}

static gboolean tcp_chr_accept(void *unused, GIOCondition c,
                               gpointer opaque);

static void tcp_chr_listen_watch(Chardev *chr)
{
    SocketChardev *s = SOCKET_CHARDEV(chr);

    if (s->listen_fd >= 0 && !s->accept_watch) {
        s->accept_watch = chr_fd_cond_watch_new(s->listen_fd, G_IO_IN);
        g_source_set_callback(s->accept_watch, (GSourceFunc)(void (*)(void))tcp_chr_accept,
                              chr, NULL);
        g_source_attach(s->accept_watch, chr->gcontext);
    }
}

static void tcp_chr_new_client(Chardev *chr, int fd)
{
    SocketChardev *s = SOCKET_CHARDEV(chr);

    s->fd = fd;
    g_unix_set_fd_nonblocking(fd, true, NULL);
    if (s->do_nodelay) {
        int on = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
    }
    s->state = TCP_CHARDEV_STATE_CONNECTED;
    s->telnet_state = 0;
    if (s->is_telnet) {
        /* IAC WILL ECHO, IAC WILL SUPPRESS-GO-AHEAD, IAC DO
         * SUPPRESS-GO-AHEAD, IAC DONT LINEMODE: character mode. */
        static const uint8_t init[] = { 255, 251, 1, 255, 251, 3,
                                        255, 253, 3, 255, 254, 34 };
        if (write(fd, init, sizeof(init)) < 0) {
            /* a dead client shows up on the first read */
        }
    }
    if (s->accept_watch) {
        g_source_destroy(s->accept_watch);
        g_source_unref(s->accept_watch);
        s->accept_watch = NULL;
    }
    update_filename(s);
    tcp_chr_update_read_handler(chr);
    qemu_chr_be_event(chr, CHR_EVENT_OPENED);
}

static gboolean tcp_chr_accept(void *unused, GIOCondition c,
                               gpointer opaque)
{
    Chardev *chr = opaque;
    SocketChardev *s = SOCKET_CHARDEV(chr);
    int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);

    if (fd < 0) {
        return G_SOURCE_CONTINUE;
    }
    tcp_chr_new_client(chr, fd);
    return G_SOURCE_REMOVE;
}

static void tcp_chr_disconnect(Chardev *chr)
{
    SocketChardev *s = SOCKET_CHARDEV(chr);

    if (s->state != TCP_CHARDEV_STATE_CONNECTED) {
        return;
    }
    chr_fd_read_watch_remove(&s->read_watch);
    close(s->fd);
    s->fd = -1;
    for (int i = 0; i < s->read_msgfds_num; i++) {
        close(s->read_msgfds[i]);
    }
    s->read_msgfds_num = 0;
    s->state = TCP_CHARDEV_STATE_DISCONNECTED;
    update_filename(s);
    qemu_chr_be_event(chr, CHR_EVENT_CLOSED);
    if (s->is_listen) {
        tcp_chr_listen_watch(chr);
    } else if (s->reconnect_ms > 0) {
        tcp_chr_start_reconnect(chr);
    }
}

static gboolean tcp_chr_reconnect(gpointer opaque)
{
    Chardev *chr = opaque;
    SocketChardev *s = SOCKET_CHARDEV(chr);
    Error *err = NULL;
    int fd = socket_connect(s->addr, &err);

    if (fd < 0) {
        error_free(err);
        return G_SOURCE_CONTINUE;
    }
    g_source_unref(s->reconnect_timer);
    s->reconnect_timer = NULL;
    tcp_chr_new_client(chr, fd);
    return G_SOURCE_REMOVE;
}

static void tcp_chr_start_reconnect(Chardev *chr)
{
    SocketChardev *s = SOCKET_CHARDEV(chr);

    if (s->reconnect_timer) {
        return;
    }
    s->reconnect_timer = g_timeout_source_new(s->reconnect_ms);
    g_source_set_callback(s->reconnect_timer, tcp_chr_reconnect, chr, NULL);
    g_source_attach(s->reconnect_timer, chr->gcontext);
}

static void tcp_chr_disconnect_api(Chardev *chr)
{
    tcp_chr_disconnect(chr);
}

static void tcp_chr_set_fe_open(Chardev *chr, int fe_open)
{
}

static void qmp_chardev_open_socket(Chardev *chr, ChardevBackend *backend,
                                    bool *be_opened, Error **errp)
{
    SocketChardev *s = SOCKET_CHARDEV(chr);
    ChardevSocket *sock = backend->u.socket.data;
    bool is_listen = !sock->has_server || sock->server;
    bool is_waitconnect = is_listen && sock->has_wait && sock->wait;

    s->addr = socket_address_flatten(sock->addr);
    s->is_listen = is_listen;
    s->is_telnet = sock->has_telnet && sock->telnet;
    s->do_nodelay = sock->has_nodelay && sock->nodelay;
    if (sock->has_reconnect_ms) {
        s->reconnect_ms = sock->reconnect_ms;
    } else if (sock->has_reconnect) {
        s->reconnect_ms = sock->reconnect * 1000;
    }
    if (s->addr->type == SOCKET_ADDRESS_TYPE_FD && s->reconnect_ms) {
        error_setg(errp, "'reconnect' option is incompatible with 'fd' "
                   "address type");
        return;
    }
    if (is_listen && (sock->has_reconnect || sock->has_reconnect_ms)) {
        error_setg(errp, "'reconnect' option is incompatible with socket in "
                   "server listen mode");
        return;
    }
    qemu_chr_set_feature(chr, QEMU_CHAR_FEATURE_FD_PASS);
    *be_opened = false;

    if (is_listen) {
        s->listen_fd = socket_listen(s->addr, 1, errp);
        if (s->listen_fd < 0) {
            return;
        }
        g_unix_set_fd_nonblocking(s->listen_fd, true, NULL);
        update_filename(s);
        if (is_waitconnect) {
            int fd;

            info_report("QEMU waiting for connection on: %s", chr->filename);
            g_unix_set_fd_nonblocking(s->listen_fd, false, NULL);
            fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
            g_unix_set_fd_nonblocking(s->listen_fd, true, NULL);
            if (fd >= 0) {
                tcp_chr_new_client(chr, fd);
                return;
            }
        }
        tcp_chr_listen_watch(chr);
        return;
    }
    s->fd = socket_connect(s->addr, s->reconnect_ms ? NULL : errp);
    if (s->fd < 0) {
        if (s->reconnect_ms) {
            update_filename(s);
            tcp_chr_start_reconnect(chr);
        }
        return;
    }
    tcp_chr_new_client(chr, s->fd);
}

static void qemu_chr_parse_socket(QemuOpts *opts, ChardevBackend *backend,
                                  Error **errp)
{
    const char *path = qemu_opt_get(opts, "path");
    const char *host = qemu_opt_get(opts, "host");
    const char *port = qemu_opt_get(opts, "port");
    const char *fd = qemu_opt_get(opts, "fd");
    SocketAddressLegacy *addr;
    ChardevSocket *sock;

    if ((!!path + !!fd + !!host) > 1) {
        error_setg(errp,
                   "None or one of 'path', 'fd' or 'host' option required.");
        return;
    }
    if (host && !port) {
        error_setg(errp, "chardev: socket: no port given");
        return;
    }
    backend->type = CHARDEV_BACKEND_KIND_SOCKET;
    sock = backend->u.socket.data = g_new0(ChardevSocket, 1);
    qemu_chr_parse_common(opts, qapi_ChardevSocket_base(sock));
    if (qemu_opt_get(opts, "delay") && qemu_opt_get(opts, "nodelay")) {
        error_setg(errp, "'delay' and 'nodelay' are mutually exclusive");
        return;
    }
    sock->has_nodelay = qemu_opt_get(opts, "delay") ||
                        qemu_opt_get(opts, "nodelay");
    sock->nodelay = !qemu_opt_get_bool(opts, "delay", true) ||
                    qemu_opt_get_bool(opts, "nodelay", false);
    sock->has_server = true;
    sock->server = qemu_opt_get_bool(opts, "server", false);
    sock->has_telnet = qemu_opt_get(opts, "telnet");
    sock->telnet = qemu_opt_get_bool(opts, "telnet", false);
    /*
     * QEMU 9.2's default: wait=on for servers unless wait= says otherwise;
     * libvirt always says wait=off.
     */
    sock->has_wait = qemu_opt_get(opts, "wait");
    sock->wait = qemu_opt_get_bool(opts, "wait", true);
    sock->has_reconnect = qemu_opt_find(opts, "reconnect");
    sock->reconnect = qemu_opt_get_number(opts, "reconnect", 0);
    sock->has_reconnect_ms = qemu_opt_find(opts, "reconnect-ms");
    sock->reconnect_ms = qemu_opt_get_number(opts, "reconnect-ms", 0);
    if (sock->has_reconnect && sock->has_reconnect_ms) {
        error_setg(errp, "'reconnect' and 'reconnect-ms' are mutually "
                   "exclusive");
        return;
    }

    addr = g_new0(SocketAddressLegacy, 1);
    if (path) {
        UnixSocketAddress *q_unix;
        addr->type = SOCKET_ADDRESS_TYPE_UNIX;
        q_unix = addr->u.q_unix.data = g_new0(UnixSocketAddress, 1);
        q_unix->path = g_strdup(path);
        q_unix->has_tight = true;
        q_unix->tight = qemu_opt_get_bool(opts, "tight", true);
        q_unix->has_abstract = true;
        q_unix->abstract = qemu_opt_get_bool(opts, "abstract", false);
    } else if (host) {
        addr->type = SOCKET_ADDRESS_TYPE_INET;
        addr->u.inet.data = g_new(InetSocketAddress, 1);
        *addr->u.inet.data = (InetSocketAddress) {
            .host = g_strdup(host),
            .port = g_strdup(port),
            .has_to = qemu_opt_get(opts, "to"),
            .to = qemu_opt_get_number(opts, "to", 0),
            .has_ipv4 = qemu_opt_get(opts, "ipv4"),
            .ipv4 = qemu_opt_get_bool(opts, "ipv4", 0),
            .has_ipv6 = qemu_opt_get(opts, "ipv6"),
            .ipv6 = qemu_opt_get_bool(opts, "ipv6", 0),
            .has_keep_alive = qemu_opt_get(opts, "keep-alive"),
            .keep_alive = qemu_opt_get_bool(opts, "keep-alive", 0),
        };
    } else if (fd) {
        addr->type = SOCKET_ADDRESS_TYPE_FD;
        addr->u.fd.data = g_new(FdSocketAddress, 1);
        addr->u.fd.data->str = g_strdup(fd);
    } else {
        qapi_free_SocketAddressLegacy(addr);
        error_setg(errp, "chardev: socket: no host given");
        return;
    }
    sock->addr = addr;
}

static void tcp_chr_init(Object *obj)
{
    SocketChardev *s = SOCKET_CHARDEV(obj);

    s->fd = s->listen_fd = -1;
}

static void tcp_chr_finalize(Object *obj)
{
    Chardev *chr = CHARDEV(obj);
    SocketChardev *s = SOCKET_CHARDEV(obj);

    tcp_chr_disconnect(chr);
    if (s->accept_watch) {
        g_source_destroy(s->accept_watch);
        g_source_unref(s->accept_watch);
    }
    if (s->reconnect_timer) {
        g_source_destroy(s->reconnect_timer);
        g_source_unref(s->reconnect_timer);
    }
    if (s->listen_fd >= 0) {
        close(s->listen_fd);
        if (s->addr && s->addr->type == SOCKET_ADDRESS_TYPE_UNIX &&
            !(s->addr->u.q_unix.has_abstract && s->addr->u.q_unix.abstract)) {
            unlink(s->addr->u.q_unix.path);
        }
    }
    qapi_free_SocketAddress(s->addr);
}

static void char_socket_class_init(ObjectClass *oc, void *data)
{
    ChardevClass *cc = CHARDEV_CLASS(oc);

    cc->parse = qemu_chr_parse_socket;
    cc->open = qmp_chardev_open_socket;
    cc->chr_write = tcp_chr_write;
    cc->chr_add_watch = tcp_chr_add_watch;
    cc->chr_update_read_handler = tcp_chr_update_read_handler;
    cc->get_msgfds = tcp_get_msgfds;
    cc->set_msgfds = tcp_set_msgfds;
    cc->chr_disconnect = tcp_chr_disconnect_api;
    cc->chr_set_fe_open = tcp_chr_set_fe_open;
}

static const TypeInfo char_socket_type_info = {
    .name = TYPE_CHARDEV_SOCKET,
    .parent = TYPE_CHARDEV,
    .instance_size = sizeof(SocketChardev),
    .instance_init = tcp_chr_init,
    .instance_finalize = tcp_chr_finalize,
    .class_init = char_socket_class_init,
};

static void register_types(void)
{
    type_register_static(&char_socket_type_info);
}

type_init(register_types)
