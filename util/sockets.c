/*
 * Socket helpers (see vireo/sockets.h).
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "vireo/cutils.h"
#include "vireo/sockets.h"
#include "monitor/monitor.h"
#include "qapi/clone-visitor.h"
#include "qapi/qapi-visit-sockets.h"

static int unix_sockaddr(UnixSocketAddress *saddr, struct sockaddr_un *un,
                         socklen_t *len, Error **errp)
{
    bool abstract = saddr->has_abstract && saddr->abstract;
    bool tight = !saddr->has_tight || saddr->tight;
    size_t pathlen = strlen(saddr->path);
    size_t max = sizeof(un->sun_path) - (abstract ? 1 : 1);

    memset(un, 0, sizeof(*un));
    un->sun_family = AF_UNIX;
    if (pathlen > max) {
        error_setg(errp, "UNIX socket path '%s' is too long", saddr->path);
        error_append_hint(errp, "Path must be less than %zu bytes\n",
                          sizeof(un->sun_path));
        return -1;
    }
    if (abstract) {
        un->sun_path[0] = '\0';
        memcpy(un->sun_path + 1, saddr->path, pathlen);
        *len = tight ? offsetof(struct sockaddr_un, sun_path) + 1 + pathlen
                     : sizeof(*un);
    } else {
        memcpy(un->sun_path, saddr->path, pathlen);
        *len = sizeof(*un);
    }
    return 0;
}

static int unix_listen_saddr(UnixSocketAddress *saddr, int num, Error **errp)
{
    struct sockaddr_un un;
    socklen_t len;
    int sock;

    if (unix_sockaddr(saddr, &un, &len, errp) < 0) {
        return -1;
    }
    sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (sock < 0) {
        error_setg_errno(errp, errno, "Failed to create Unix socket");
        return -1;
    }
    if (!(saddr->has_abstract && saddr->abstract)) {
        unlink(saddr->path);
    }
    if (bind(sock, (struct sockaddr *)&un, len) < 0) {
        error_setg_errno(errp, errno, "Failed to bind socket to %s",
                         saddr->path);
        close(sock);
        return -1;
    }
    if (listen(sock, num) < 0) {
        error_setg_errno(errp, errno, "Failed to listen on socket");
        close(sock);
        return -1;
    }
    return sock;
}

static int unix_connect_saddr(UnixSocketAddress *saddr, Error **errp)
{
    struct sockaddr_un un;
    socklen_t len;
    int sock, rc;

    if (unix_sockaddr(saddr, &un, &len, errp) < 0) {
        return -1;
    }
    sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (sock < 0) {
        error_setg_errno(errp, errno, "Failed to create socket");
        return -1;
    }
    do {
        rc = connect(sock, (struct sockaddr *)&un, len);
    } while (rc < 0 && errno == EINTR);
    if (rc < 0) {
        error_setg_errno(errp, errno, "Failed to connect to '%s'",
                         saddr->path);
        close(sock);
        return -1;
    }
    return sock;
}

static struct addrinfo *inet_resolve(InetSocketAddress *saddr, bool passive,
                                     Error **errp)
{
    struct addrinfo ai = { 0 }, *res = NULL;
    const char *host = saddr->host;
    int rc;

    ai.ai_flags = (passive ? AI_PASSIVE : 0) | AI_ADDRCONFIG;
    if (saddr->has_numeric && saddr->numeric) {
        ai.ai_flags |= AI_NUMERICHOST | AI_NUMERICSERV;
    }
    ai.ai_family = AF_UNSPEC;
    if (saddr->has_ipv4 && saddr->ipv4 && !(saddr->has_ipv6 && saddr->ipv6)) {
        ai.ai_family = AF_INET;
    } else if (saddr->has_ipv6 && saddr->ipv6 &&
               !(saddr->has_ipv4 && saddr->ipv4)) {
        ai.ai_family = AF_INET6;
    }
    ai.ai_socktype = SOCK_STREAM;
    if (host && (!*host || !strcmp(host, "0") || !strcmp(host, "*"))) {
        host = NULL;
    }
    if (!passive && !host) {
        host = "localhost";
    }
    rc = getaddrinfo(host, saddr->port, &ai, &res);
    if (rc != 0) {
        error_setg(errp, "address resolution failed for %s:%s: %s",
                   host ? host : "", saddr->port, gai_strerror(rc));
        return NULL;
    }
    return res;
}

static int inet_listen_saddr(InetSocketAddress *saddr, int num, Error **errp)
{
    struct addrinfo *res = inet_resolve(saddr, true, errp), *e;
    int sock = -1, saved_errno = 0, on = 1;

    if (!res) {
        return -1;
    }
    for (e = res; e; e = e->ai_next) {
        sock = socket(e->ai_family, e->ai_socktype | SOCK_CLOEXEC,
                      e->ai_protocol);
        if (sock < 0) {
            saved_errno = errno;
            continue;
        }
        setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
        if (e->ai_family == AF_INET6) {
            int v6only = saddr->has_ipv4 && !saddr->ipv4;
            setsockopt(sock, IPPROTO_IPV6, IPV6_V6ONLY, &v6only,
                       sizeof(v6only));
        }
        if (bind(sock, e->ai_addr, e->ai_addrlen) == 0 &&
            listen(sock, num) == 0) {
            break;
        }
        saved_errno = errno;
        close(sock);
        sock = -1;
    }
    freeaddrinfo(res);
    if (sock < 0) {
        error_setg_errno(errp, saved_errno, "Failed to bind socket");
    }
    return sock;
}

static int inet_connect_saddr(InetSocketAddress *saddr, Error **errp)
{
    struct addrinfo *res = inet_resolve(saddr, false, errp), *e;
    int sock = -1, saved_errno = 0;

    if (!res) {
        return -1;
    }
    for (e = res; e; e = e->ai_next) {
        int rc;

        sock = socket(e->ai_family, e->ai_socktype | SOCK_CLOEXEC,
                      e->ai_protocol);
        if (sock < 0) {
            saved_errno = errno;
            continue;
        }
        do {
            rc = connect(sock, e->ai_addr, e->ai_addrlen);
        } while (rc < 0 && errno == EINTR);
        if (rc == 0) {
            break;
        }
        saved_errno = errno;
        close(sock);
        sock = -1;
    }
    freeaddrinfo(res);
    if (sock < 0) {
        error_setg_errno(errp, saved_errno, "Failed to connect to '%s:%s'",
                         saddr->host, saddr->port);
        return -1;
    }
    if (saddr->has_keep_alive && saddr->keep_alive) {
        int on = 1;
        setsockopt(sock, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
    }
    return sock;
}

int socket_get_fd(const char *fdstr, Error **errp)
{
    Monitor *cur_mon = monitor_cur();
    int fd;

    if (cur_mon) {
        fd = monitor_get_fd(cur_mon, fdstr, errp);
        if (fd < 0) {
            return -1;
        }
    } else {
        if (qemu_strtoi(fdstr, NULL, 10, &fd) < 0 || fd < 0) {
            error_setg(errp, "Unable to parse FD number %s", fdstr);
            return -1;
        }
    }
    {
        int type;
        socklen_t optlen = sizeof(type);
        if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &optlen) < 0) {
            error_setg_errno(errp, errno, "File descriptor '%s' is not a "
                             "socket", fdstr);
            return -1;
        }
    }
    return fd;
}

bool socket_is_listening(int fd)
{
    int val;
    socklen_t len = sizeof(val);

    return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &val, &len) == 0 && val;
}

int socket_listen(SocketAddress *addr, int num, Error **errp)
{
    int fd;

    switch (addr->type) {
    case SOCKET_ADDRESS_TYPE_INET:
        return inet_listen_saddr(&addr->u.inet, num, errp);
    case SOCKET_ADDRESS_TYPE_UNIX:
        return unix_listen_saddr(&addr->u.q_unix, num, errp);
    case SOCKET_ADDRESS_TYPE_FD:
        fd = socket_get_fd(addr->u.fd.str, errp);
        if (fd < 0) {
            return -1;
        }
        /* An inherited socket may still need listen() (QEMU does it). */
        if (!socket_is_listening(fd) && listen(fd, num) != 0) {
            error_setg_errno(errp, errno, "Failed to listen on fd socket");
            close(fd);
            return -1;
        }
        return fd;
    default:
        error_setg(errp, "socket family %s unsupported",
                   SocketAddressType_str(addr->type));
        return -1;
    }
}

int socket_connect(SocketAddress *addr, Error **errp)
{
    switch (addr->type) {
    case SOCKET_ADDRESS_TYPE_INET:
        return inet_connect_saddr(&addr->u.inet, errp);
    case SOCKET_ADDRESS_TYPE_UNIX:
        return unix_connect_saddr(&addr->u.q_unix, errp);
    case SOCKET_ADDRESS_TYPE_FD:
        return socket_get_fd(addr->u.fd.str, errp);
    default:
        error_setg(errp, "socket family %s unsupported",
                   SocketAddressType_str(addr->type));
        return -1;
    }
}

SocketAddress *socket_address_flatten(SocketAddressLegacy *addr_legacy)
{
    SocketAddress *addr = g_new0(SocketAddress, 1);

    switch (addr_legacy->type) {
    case SOCKET_ADDRESS_TYPE_INET:
        addr->type = SOCKET_ADDRESS_TYPE_INET;
        {
            InetSocketAddress *c = QAPI_CLONE(InetSocketAddress, addr_legacy->u.inet.data);
            addr->u.inet = *c;       /* take the clone's contents */
            g_free(c);
        }
        break;
    case SOCKET_ADDRESS_TYPE_UNIX:
        addr->type = SOCKET_ADDRESS_TYPE_UNIX;
        {
            UnixSocketAddress *c = QAPI_CLONE(UnixSocketAddress, addr_legacy->u.q_unix.data);
            addr->u.q_unix = *c;       /* take the clone's contents */
            g_free(c);
        }
        break;
    case SOCKET_ADDRESS_TYPE_VSOCK:
        addr->type = SOCKET_ADDRESS_TYPE_VSOCK;
        {
            VsockSocketAddress *c = QAPI_CLONE(VsockSocketAddress, addr_legacy->u.vsock.data);
            addr->u.vsock = *c;       /* take the clone's contents */
            g_free(c);
        }
        break;
    case SOCKET_ADDRESS_TYPE_FD:
        addr->type = SOCKET_ADDRESS_TYPE_FD;
        {
            FdSocketAddress *c = QAPI_CLONE(FdSocketAddress, addr_legacy->u.fd.data);
            addr->u.fd = *c;       /* take the clone's contents */
            g_free(c);
        }
        break;
    default:
        g_assert_not_reached();
    }
    return addr;
}

SocketAddress *socket_parse(const char *str, Error **errp)
{
    SocketAddress *addr = g_new0(SocketAddress, 1);
    const char *p;

    if (strstart(str, "unix:", &p)) {
        if (!*p) {
            error_setg(errp, "invalid Unix socket address");
            goto fail;
        }
        addr->type = SOCKET_ADDRESS_TYPE_UNIX;
        addr->u.q_unix.path = g_strdup(p);
    } else if (strstart(str, "fd:", &p)) {
        if (!*p) {
            error_setg(errp, "invalid file descriptor address");
            goto fail;
        }
        addr->type = SOCKET_ADDRESS_TYPE_FD;
        addr->u.fd.str = g_strdup(p);
    } else {
        const char *colon = strrchr(str, ':');

        if (!colon) {
            error_setg(errp, "error parsing address '%s'", str);
            goto fail;
        }
        addr->type = SOCKET_ADDRESS_TYPE_INET;
        if (str[0] == '[' && colon > str && colon[-1] == ']') {
            addr->u.inet.host = g_strndup(str + 1, colon - str - 2);
        } else {
            addr->u.inet.host = g_strndup(str, colon - str);
        }
        addr->u.inet.port = g_strdup(colon + 1);
    }
    return addr;
fail:
    qapi_free_SocketAddress(addr);
    return NULL;
}
