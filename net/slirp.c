/*
 * The 'user' backend: the real libslirp as the guest's router, DHCP and
 * DNS server, with host port forwards (hostfwd) and guest forwards
 * (guestfwd: a guest connection to SERVER:PORT reaches a chardev or a
 * command's stdin/stdout, through libslirp's guestfwd/exec API as QEMU
 * uses it).  Slirp's sockets join the main loop through a GSource whose
 * prepare step asks slirp which fds to poll and whose dispatch hands it
 * the results; its timers are virtual-clock timers, so a stopped VM's
 * TCP timers stand still too.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include <arpa/inet.h>
#include <libslirp.h>
#include "chardev/char.h"
#include "chardev/char-fe.h"
#include "vireo/cutils.h"
#include "vireo/error.h"
#include "vireo/error-report.h"
#include "vireo/main-loop.h"
#include "vireo/timer.h"
#include "monitor/monitor.h"
#include "qobject/qdict.h"
#include "net/net.h"

/* A guestfwd to a chardev: the guest's connection to server:port. */
typedef struct GuestFwd {
    CharBackend hd;
    struct in_addr server;      /* as slirp completed it */
    int port;
    Slirp *slirp;
} GuestFwd;

typedef struct SlirpState {
    NetClientState nc;
    Slirp *slirp;
    GSource *source;
    GPtrArray *pollfds;         /* GPollFD *, registered with source */
    struct in_addr guest_net;   /* for the default guest address of fwds */
    GSList *fwd;                /* GuestFwd *: the chardev guestfwds */
} SlirpState;

typedef struct SlirpSource {
    GSource source;
    SlirpState *s;
    gint64 deadline;            /* when slirp wants polling without I/O */
    GArray *want;               /* GPollFD: what slirp asked for */
} SlirpSource;

static ssize_t slirp_send_to_guest(const void *buf, size_t len, void *opaque)
{
    SlirpState *s = opaque;

    qemu_send_packet(&s->nc, buf, len);
    return len;
}

static void slirp_report_guest_error(const char *msg, void *opaque)
{
    error_report("%s", msg);
}

static int64_t slirp_clock_get_ns(void *opaque)
{
    return qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
}

typedef struct SlirpTimer {
    QEMUTimer *timer;
    SlirpTimerCb cb;
    void *cb_opaque;
} SlirpTimer;

static void slirp_timer_fire(void *opaque)
{
    SlirpTimer *t = opaque;

    t->cb(t->cb_opaque);
}

static void *slirp_timer_new(SlirpTimerCb cb, void *cb_opaque, void *opaque)
{
    SlirpTimer *t = g_new0(SlirpTimer, 1);

    t->cb = cb;
    t->cb_opaque = cb_opaque;
    t->timer = timer_new_ms(QEMU_CLOCK_VIRTUAL, slirp_timer_fire, t);
    return t;
}

static void slirp_timer_free(void *timer, void *opaque)
{
    SlirpTimer *t = timer;

    timer_free(t->timer);
    g_free(t);
}

static void slirp_timer_mod(void *timer, int64_t expire_ms, void *opaque)
{
    timer_mod(((SlirpTimer *)timer)->timer, expire_ms);
}

static void slirp_register_poll_fd(int fd, void *opaque)
{
    /* Polled through the GSource's prepare step instead. */
}

static void slirp_unregister_poll_fd(int fd, void *opaque)
{
}

static void slirp_notify(void *opaque)
{
    qemu_notify_event();
}

static const SlirpCb slirp_callbacks = {
    .send_packet = slirp_send_to_guest,
    .guest_error = slirp_report_guest_error,
    .clock_get_ns = slirp_clock_get_ns,
    .timer_new = slirp_timer_new,
    .timer_free = slirp_timer_free,
    .timer_mod = slirp_timer_mod,
    .register_poll_fd = slirp_register_poll_fd,
    .unregister_poll_fd = slirp_unregister_poll_fd,
    .notify = slirp_notify,
};

/* ---- Main loop integration ---- */

/*
 * Adding or removing a GPollFD wakes the main loop, so doing it on every
 * prepare would keep the loop spinning: slirp's wishes are collected in
 * @want first, and the registered set is rebuilt only when its fds
 * changed (GLib keeps them sorted by fd, so fds are never rewritten in
 * place; events are).
 */
static int slirp_add_poll(int fd, int events, void *opaque)
{
    SlirpSource *src = opaque;
    GPollFD pfd = {
        .fd = fd,
        .events = (events & SLIRP_POLL_IN ? G_IO_IN : 0) |
                  (events & SLIRP_POLL_OUT ? G_IO_OUT : 0) |
                  (events & SLIRP_POLL_PRI ? G_IO_PRI : 0) |
                  (events & SLIRP_POLL_ERR ? G_IO_ERR : 0) |
                  (events & SLIRP_POLL_HUP ? G_IO_HUP : 0),
    };

    g_array_append_val(src->want, pfd);
    return src->want->len - 1;
}

static void slirp_clear_polls(SlirpSource *src)
{
    GPtrArray *fds = src->s->pollfds;

    for (guint i = 0; i < fds->len; i++) {
        g_source_remove_poll(&src->source, g_ptr_array_index(fds, i));
    }
    g_ptr_array_set_size(fds, 0);
}

static void slirp_sync_polls(SlirpSource *src)
{
    GPtrArray *fds = src->s->pollfds;
    bool same = fds->len == src->want->len;

    for (guint i = 0; same && i < fds->len; i++) {
        same = ((GPollFD *)g_ptr_array_index(fds, i))->fd ==
               g_array_index(src->want, GPollFD, i).fd;
    }
    if (!same) {
        slirp_clear_polls(src);
        for (guint i = 0; i < src->want->len; i++) {
            GPollFD *pfd = g_new0(GPollFD, 1);

            /* GLib files it by fd: set that first. */
            pfd->fd = g_array_index(src->want, GPollFD, i).fd;
            g_source_add_poll(&src->source, pfd);
            g_ptr_array_add(fds, pfd);
        }
    }
    for (guint i = 0; i < fds->len; i++) {
        GPollFD *pfd = g_ptr_array_index(fds, i);

        pfd->events = g_array_index(src->want, GPollFD, i).events;
        pfd->revents = 0;
    }
}

static int slirp_get_revents(int idx, void *opaque)
{
    SlirpSource *src = opaque;
    GPollFD *pfd = g_ptr_array_index(src->s->pollfds, idx);
    int r = pfd->revents;

    return (r & G_IO_IN ? SLIRP_POLL_IN : 0) |
           (r & G_IO_OUT ? SLIRP_POLL_OUT : 0) |
           (r & G_IO_PRI ? SLIRP_POLL_PRI : 0) |
           (r & G_IO_ERR ? SLIRP_POLL_ERR : 0) |
           (r & G_IO_HUP ? SLIRP_POLL_HUP : 0);
}

static gboolean slirp_source_prepare(GSource *source, gint *timeout)
{
    SlirpSource *src = (SlirpSource *)source;
    uint32_t t = UINT32_MAX;

    g_array_set_size(src->want, 0);
    slirp_pollfds_fill(src->s->slirp, &t, slirp_add_poll, src);
    slirp_sync_polls(src);
    *timeout = t == UINT32_MAX ? -1 : (gint)MIN(t, (uint32_t)G_MAXINT);
    src->deadline = *timeout < 0 ? G_MAXINT64
                    : g_source_get_time(source) + *timeout * 1000LL;
    return FALSE;
}

static gboolean slirp_source_check(GSource *source)
{
    SlirpSource *src = (SlirpSource *)source;
    GPtrArray *fds = src->s->pollfds;

    for (guint i = 0; i < fds->len; i++) {
        if (((GPollFD *)g_ptr_array_index(fds, i))->revents) {
            return TRUE;
        }
    }
    /* Slirp's TCP timers (delayed ACKs) run from its poll step too. */
    return g_source_get_time(source) >= src->deadline;
}

static gboolean slirp_source_dispatch(GSource *source, GSourceFunc cb,
                                      gpointer data)
{
    SlirpSource *src = (SlirpSource *)source;

    slirp_pollfds_poll(src->s->slirp, 0, slirp_get_revents, src);
    return G_SOURCE_CONTINUE;
}

static GSourceFuncs slirp_source_funcs = {
    .prepare = slirp_source_prepare,
    .check = slirp_source_check,
    .dispatch = slirp_source_dispatch,
};

/* ---- The net client ---- */

static ssize_t slirp_receive(NetClientState *nc, const uint8_t *buf,
                             size_t size)
{
    SlirpState *s = container_of(nc, SlirpState, nc);

    slirp_input(s->slirp, buf, size);
    return size;
}

static void slirp_free_fwd(gpointer data)
{
    GuestFwd *fwd = data;

    /* As QEMU: the chardev goes with the forward. */
    qemu_chr_fe_deinit(&fwd->hd, true);
    g_free(fwd);
}

static void net_slirp_cleanup(NetClientState *nc)
{
    SlirpState *s = container_of(nc, SlirpState, nc);

    g_slist_free_full(s->fwd, slirp_free_fwd);
    s->fwd = NULL;
    if (s->source) {
        slirp_clear_polls((SlirpSource *)s->source);
        g_array_free(((SlirpSource *)s->source)->want, TRUE);
        g_source_destroy(s->source);
        g_source_unref(s->source);
    }
    if (s->slirp) {
        slirp_cleanup(s->slirp);
    }
    g_ptr_array_free(s->pollfds, TRUE);
}

static NetClientInfo net_slirp_info = {
    .type = NET_CLIENT_DRIVER_USER,
    .size = sizeof(SlirpState),
    .receive = slirp_receive,
    .cleanup = net_slirp_cleanup,
};

/* One side of a forward, "[addr]:port"; an empty address stays 0. */
static bool parse_fwd_side(const char *str, struct in_addr *addr, int *port)
{
    const char *colon = strrchr(str, ':');
    g_autofree char *host = NULL;
    char *end;
    long v;

    if (!colon) {
        return false;
    }
    host = g_strndup(str, colon - str);
    if (*host && !inet_aton(host, addr)) {
        return false;
    }
    v = strtol(colon + 1, &end, 10);
    if (!colon[1] || *end || v < 0 || v > 65535) {
        return false;
    }
    *port = v;
    return true;
}

/* "[tcp|udp]:[hostaddr]:hostport-[guestaddr]:guestport", as QEMU's. */
static bool slirp_hostfwd(SlirpState *s, const char *spec, Error **errp)
{
    const char *p = spec;
    bool udp = false;
    struct in_addr haddr = { INADDR_ANY }, gaddr = { 0 };
    int hport, gport;
    g_auto(GStrv) sides = NULL;

    if (g_str_has_prefix(p, "udp:")) {
        udp = true;
        p += 4;
    } else if (g_str_has_prefix(p, "tcp:")) {
        p += 4;
    } else if (p[0] == ':') {
        p++;
    }
    sides = g_strsplit(p, "-", 2);
    if (!sides[0] || !sides[1] ||
        !parse_fwd_side(sides[0], &haddr, &hport) ||
        !parse_fwd_side(sides[1], &gaddr, &gport) || gport == 0) {
        error_setg(errp, "Invalid host forwarding rule '%s'", spec);
        return false;
    }
    if (!gaddr.s_addr) {
        /* The default guest address: the first DHCP lease. */
        gaddr.s_addr = htonl(ntohl(s->guest_net.s_addr) | 15);
    }
    if (slirp_add_hostfwd(s->slirp, udp, haddr, hport, gaddr, gport) < 0) {
        error_setg(errp, "Could not set up host forwarding rule '%s'", spec);
        return false;
    }
    return true;
}

/* The text up to @sep in *@pp, moving *@pp past it; false without @sep. */
static bool take_until(const char **pp, char sep, char **out)
{
    const char *end = strchr(*pp, sep);

    if (!end) {
        return false;
    }
    *out = g_strndup(*pp, end - *pp);
    *pp = end + 1;
    return true;
}

static int guestfwd_can_read(void *opaque)
{
    GuestFwd *fwd = opaque;

    return slirp_socket_can_recv(fwd->slirp, fwd->server, fwd->port);
}

static void guestfwd_read(void *opaque, const uint8_t *buf, int size)
{
    GuestFwd *fwd = opaque;

    slirp_socket_recv(fwd->slirp, fwd->server, fwd->port, buf, size);
}

/* What the guest sends on the connection goes to the chardev. */
static ssize_t guestfwd_write(const void *buf, size_t len, void *opaque)
{
    return qemu_chr_fe_write_all(opaque, buf, len);
}

/*
 * "[tcp]:[server]:port-cmd:COMMAND" or "[tcp]:[server]:port-DEV", DEV a
 * legacy chardev spec ("tcp:host:port", "unix:path", ...) or
 * "chardev:ID"; QEMU's parsing and errors.  An empty server is slirp's
 * default (the network's .4).
 */
static bool slirp_guestfwd(SlirpState *s, const char *spec, Error **errp)
{
    struct in_addr server = { 0 };
    g_autofree char *proto = NULL, *addr = NULL, *portstr = NULL;
    g_autofree char *label = NULL;
    const char *p = spec;
    GuestFwd *fwd;
    Chardev *chr;
    char *end;
    long port;

    if (!take_until(&p, ':', &proto) || (strcmp(proto, "tcp") && *proto) ||
        !take_until(&p, ':', &addr) || (*addr && !inet_aton(addr, &server)) ||
        !take_until(&p, '-', &portstr)) {
        goto fail_syntax;
    }
    port = strtol(portstr, &end, 10);
    if (*end || port < 1 || port > 65535) {
        goto fail_syntax;
    }
    label = g_strdup_printf("guestfwd.tcp.%ld", port);

    if (g_str_has_prefix(p, "cmd:")) {
        /* libslirp runs it when the guest connects, on the socket. */
        if (slirp_add_exec(s->slirp, p + 4, &server, port) < 0) {
            error_setg(errp, "Conflicting/invalid host:port in guest "
                       "forwarding rule '%s'", spec);
            return false;
        }
        return true;
    }
    /* A legacy spec is created as "guestfwd.tcp.PORT"; "chardev:ID" found. */
    chr = qemu_chr_new_mux_mon(label, p, NULL);
    if (!chr) {
        error_setg(errp, "Could not open guest forwarding device '%s'",
                   label);
        return false;
    }
    fwd = g_new0(GuestFwd, 1);
    if (!qemu_chr_fe_init(&fwd->hd, chr, errp)) {
        /* QEMU destroys even a named chardev here; keep that one. */
        if (!g_str_has_prefix(p, "chardev:")) {
            object_unparent(OBJECT(chr));
        }
        g_free(fwd);
        return false;
    }
    if (slirp_add_guestfwd(s->slirp, guestfwd_write, &fwd->hd, &server,
                           port) < 0) {
        error_setg(errp, "Conflicting/invalid host:port in guest "
                   "forwarding rule '%s'", spec);
        qemu_chr_fe_deinit(&fwd->hd, true);
        g_free(fwd);
        return false;
    }
    fwd->server = server;
    fwd->port = port;
    fwd->slirp = s->slirp;
    qemu_chr_fe_set_handlers(&fwd->hd, guestfwd_can_read, guestfwd_read,
                             NULL, NULL, fwd, NULL, true);
    s->fwd = g_slist_append(s->fwd, fwd);
    return true;

fail_syntax:
    error_setg(errp, "Invalid guest forwarding rule '%s'", spec);
    return false;
}

static bool parse_net(const char *net, struct in_addr *addr,
                      struct in_addr *mask, Error **errp)
{
    g_auto(GStrv) parts = g_strsplit(net, "/", 2);
    int bits = 24;

    if (!inet_aton(parts[0], addr)) {
        error_setg(errp, "Invalid network address '%s'", net);
        return false;
    }
    if (parts[1]) {
        char *end;

        bits = strtol(parts[1], &end, 10);
        if (*end || bits < 0 || bits > 32) {
            if (!inet_aton(parts[1], mask)) {
                error_setg(errp, "Invalid netmask provided (must be in "
                           "range 0-32)");
                return false;
            }
            addr->s_addr &= mask->s_addr;
            return true;
        }
    }
    mask->s_addr = bits ? htonl(~0u << (32 - bits)) : 0;
    addr->s_addr &= mask->s_addr;
    return true;
}

static bool parse_addr(const char *str, const char *what,
                       struct in_addr *addr, Error **errp)
{
    if (!inet_aton(str, addr)) {
        error_setg(errp, "Failed to parse %s address '%s'", what, str);
        return false;
    }
    return true;
}

/* Each rule of @l through @add, the last one first. */
static bool slirp_add_rules(SlirpState *s, StringList *l,
                            bool (*add)(SlirpState *, const char *, Error **),
                            Error **errp)
{
    g_autoptr(GPtrArray) rules = g_ptr_array_new();

    for (; l; l = l->next) {
        g_ptr_array_add(rules, l->value->str);
    }
    for (guint i = rules->len; i > 0; i--) {
        if (!add(s, g_ptr_array_index(rules, i - 1), errp)) {
            return false;
        }
    }
    return true;
}

bool net_init_slirp(const Netdev *netdev, const char *name,
                    NetClientState *peer, Error **errp)
{
    const NetdevUserOptions *o = &netdev->u.user;
    struct in_addr net = { htonl(0x0a000200) }, mask = { htonl(0xffffff00) };
    struct in_addr host, dhcp, dns;
    SlirpConfig cfg = { .version = 1 };
    g_autofree const char **dnssearch = NULL;
    SlirpState *s;
    SlirpSource *src;
    guint n = 0;

    if (o->net && !parse_net(o->net, &net, &mask, errp)) {
        return false;
    }
    host.s_addr = htonl(ntohl(net.s_addr) | 2);
    dhcp.s_addr = htonl(ntohl(net.s_addr) | 15);
    dns.s_addr = htonl(ntohl(net.s_addr) | 3);
    if ((o->host && !parse_addr(o->host, "host", &host, errp)) ||
        (o->dhcpstart && !parse_addr(o->dhcpstart, "DHCP start", &dhcp,
                                     errp)) ||
        (o->dns && !parse_addr(o->dns, "DNS", &dns, errp))) {
        return false;
    }
    if ((host.s_addr & mask.s_addr) != net.s_addr) {
        error_setg(errp, "The host address must be in the network");
        return false;
    }
    for (StringList *l = o->dnssearch; l; l = l->next) {
        n++;
    }
    dnssearch = g_new0(const char *, n + 1);
    n = 0;
    for (StringList *l = o->dnssearch; l; l = l->next) {
        dnssearch[n++] = l->value->str;
    }
    cfg.restricted = o->has_q_restrict && o->q_restrict;
    cfg.in_enabled = !o->has_ipv4 || o->ipv4;
    cfg.vnetwork = net;
    cfg.vnetmask = mask;
    cfg.vhost = host;
    cfg.in6_enabled = !o->has_ipv6 || o->ipv6;
    inet_pton(AF_INET6, o->ipv6_prefix ? o->ipv6_prefix : "fec0::",
              &cfg.vprefix_addr6);
    cfg.vprefix_len = o->has_ipv6_prefixlen ? o->ipv6_prefixlen : 64;
    inet_pton(AF_INET6, o->ipv6_host ? o->ipv6_host : "fec0::2",
              &cfg.vhost6);
    inet_pton(AF_INET6, o->ipv6_dns ? o->ipv6_dns : "fec0::3",
              &cfg.vnameserver6);
    cfg.vhostname = o->hostname;
    cfg.tftp_path = o->tftp;
    cfg.bootfile = o->bootfile;
    cfg.vdhcp_start = dhcp;
    cfg.vnameserver = dns;
    cfg.vdnssearch = n ? dnssearch : NULL;
    cfg.vdomainname = o->domainname;
    if (!cfg.in_enabled && !cfg.in6_enabled) {
        error_setg(errp, "IPv4 and IPv6 cannot both be disabled");
        return false;
    }

    s = (SlirpState *)qemu_new_net_client(&net_slirp_info, peer, "user",
                                          name);
    s->nc.is_netdev = !peer;
    s->guest_net = net;
    qemu_set_info_str(&s->nc, "net=%s,restrict=%s", inet_ntoa(net),
                      cfg.restricted ? "on" : "off");
    s->pollfds = g_ptr_array_new_with_free_func(g_free);
    s->slirp = slirp_new(&cfg, &slirp_callbacks, s);
    if (!s->slirp) {
        error_setg(errp, "Failed to start the user network stack");
        qemu_del_net_client(&s->nc);
        return false;
    }
    src = (SlirpSource *)g_source_new(&slirp_source_funcs,
                                      sizeof(SlirpSource));
    src->s = s;
    src->want = g_array_new(FALSE, TRUE, sizeof(GPollFD));
    s->source = &src->source;
    g_source_attach(s->source, NULL);
    /*
     * As QEMU, which stacks the rules up: guestfwds before hostfwds,
     * each list from its last rule to its first.
     */
    if (!slirp_add_rules(s, o->guestfwd, slirp_guestfwd, errp) ||
        !slirp_add_rules(s, o->hostfwd, slirp_hostfwd, errp)) {
        qemu_del_net_client(&s->nc);
        return false;
    }
    return true;
}

/* ---- HMP ---- */

/* The stack @id names, or the first one; NULL after telling @mon why. */
static SlirpState *slirp_lookup(Monitor *mon, const char *id)
{
    NetClientState *nc;

    if (id) {
        nc = qemu_find_netdev(id);
        if (!nc) {
            monitor_printf(mon, "unrecognized netdev id '%s'\n", id);
            return NULL;
        }
        if (nc->info != &net_slirp_info) {
            monitor_printf(mon, "invalid device specified\n");
            return NULL;
        }
        return container_of(nc, SlirpState, nc);
    }
    QEMU_FOREACH_NET_CLIENT(nc) {
        if (nc->info == &net_slirp_info) {
            return container_of(nc, SlirpState, nc);
        }
    }
    monitor_printf(mon, "user mode network stack not in use\n");
    return NULL;
}

void hmp_info_usernet(Monitor *mon, const QDict *qdict)
{
    NetClientState *nc;

    QEMU_FOREACH_NET_CLIENT(nc) {
        if (nc->info == &net_slirp_info) {
            SlirpState *s = container_of(nc, SlirpState, nc);
            g_autofree char *info = slirp_connection_info(s->slirp);
            int hub = -1;       /* as QEMU, for a stack on no hub */

            net_hub_id_for_client(nc, &hub);
            monitor_printf(mon, "Hub %d (%s):\n%s", hub, nc->name, info);
        }
    }
}

/* hostfwd_add [netdev_id] rule: with one argument, the first stack. */
void hmp_hostfwd_add(Monitor *mon, const QDict *qdict)
{
    const char *arg1 = qdict_get_str(qdict, "arg1");
    const char *arg2 = qdict_get_try_str(qdict, "arg2");
    SlirpState *s = slirp_lookup(mon, arg2 ? arg1 : NULL);
    Error *err = NULL;

    if (s && !slirp_hostfwd(s, arg2 ? arg2 : arg1, &err)) {
        monitor_printf(mon, "%s\n", error_get_pretty(err));
        error_free(err);
    }
}

/* hostfwd_remove [netdev_id] [tcp|udp]:[hostaddr]:hostport */
void hmp_hostfwd_remove(Monitor *mon, const QDict *qdict)
{
    const char *arg1 = qdict_get_str(qdict, "arg1");
    const char *arg2 = qdict_get_try_str(qdict, "arg2");
    const char *spec = arg2 ? arg2 : arg1;
    SlirpState *s = slirp_lookup(mon, arg2 ? arg1 : NULL);
    g_auto(GStrv) f = NULL;
    struct in_addr haddr = { INADDR_ANY };
    bool udp;
    char *end;
    long port;

    if (!s) {
        return;
    }
    f = g_strsplit(spec, ":", 3);
    if (g_strv_length(f) != 3 ||
        (strcmp(f[0], "tcp") && strcmp(f[0], "udp") && f[0][0]) ||
        (f[1][0] && !inet_aton(f[1], &haddr))) {
        monitor_printf(mon, "invalid format\n");
        return;
    }
    udp = !strcmp(f[0], "udp");
    port = strtol(f[2], &end, 10);
    if (!f[2][0] || *end || port < 0 || port > 65535) {
        monitor_printf(mon, "invalid format\n");
        return;
    }
    monitor_printf(mon, "host forwarding rule for %s %s\n", spec,
                   slirp_remove_hostfwd(s->slirp, udp, haddr, port) ?
                   "not found" : "removed");
}
