/*
 * Socket addresses (QAPI SocketAddress) to listening and connected
 * stream sockets: inet (IPv4/IPv6), unix (incl. Linux abstract) and
 * file descriptors passed by a management layer.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef VIREO_SOCKETS_H
#define VIREO_SOCKETS_H

#include "vireo/osdep.h"
#include "vireo/error.h"
#include "qapi/qapi-types-sockets.h"

/* A listening socket (close-on-exec, non-blocking accept). */
int socket_listen(SocketAddress *addr, int num, Error **errp);
/* A connected socket (blocking connect). */
int socket_connect(SocketAddress *addr, Error **errp);
/* The socket an fd address names: a number, or a monitor fd name. */
int socket_get_fd(const char *fdstr, Error **errp);
SocketAddress *socket_address_flatten(SocketAddressLegacy *addr);
/* "host:port", "unix:path", "fd:name", "vsock:cid:port" -> SocketAddress. */
SocketAddress *socket_parse(const char *str, Error **errp);
/* Whether @fd is a listening socket. */
bool socket_is_listening(int fd);

#endif
