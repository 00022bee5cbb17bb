/*
 * announce-self: every NIC (or those named) broadcasts a RARP frame with
 * its MAC so switches relearn where it lives (and a virtio-net guest
 * that negotiated GUEST_ANNOUNCE is asked to announce itself too), once
 * at once and then
 * @rounds - 1 more times, @initial ms apart growing by @step up to @max.
 * A call with an @id already running replaces that announcement.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "vireo/timer.h"
#include "qapi/clone-visitor.h"
#include "qapi/qapi-commands-net.h"
#include "qapi/qapi-visit-net.h"
#include "net/net.h"

#define ETH_P_RARP 0x8035
#define ARPOP_RREQUEST 3

typedef struct AnnounceTimer {
    AnnounceParameters *params;
    QEMUTimer *timer;
    int64_t sent;
} AnnounceTimer;

static GHashTable *announce_timers;     /* id ("" if none) -> timer */

static bool announce_wanted(const AnnounceParameters *p,
                            NetClientState *nc)
{
    if (!p->interfaces) {
        return true;
    }
    for (strList *l = p->interfaces; l; l = l->next) {
        if (!strcmp(l->value, nc->name)) {
            return true;
        }
    }
    return false;
}

static void announce_rarp(NetClientState *nc)
{
    uint8_t f[60] = { 0 };      /* the minimum Ethernet frame */

    memset(f, 0xff, 6);                         /* broadcast */
    memcpy(f + 6, nc->macaddr, 6);
    f[12] = ETH_P_RARP >> 8;
    f[13] = ETH_P_RARP & 0xff;
    f[15] = 1;                                  /* hardware: Ethernet */
    f[16] = 0x08;                               /* protocol: IPv4 */
    f[18] = 6;
    f[19] = 4;
    f[21] = ARPOP_RREQUEST;
    memcpy(f + 22, nc->macaddr, 6);             /* sender MAC */
    memcpy(f + 32, nc->macaddr, 6);             /* target MAC */
    qemu_send_packet_raw(nc, f, sizeof(f));
}

static void announce_round(void *opaque)
{
    AnnounceTimer *t = opaque;
    const AnnounceParameters *p = t->params;
    NetClientState *nc;
    int64_t delay;

    QEMU_FOREACH_NET_CLIENT(nc) {
        if (nc->info->type == NET_CLIENT_DRIVER_NIC &&
            nc->queue_index == 0 && announce_wanted(p, nc)) {
            announce_rarp(nc);
            /* A NIC that can also have its guest announce itself does. */
            if (nc->info->announce) {
                nc->info->announce(nc);
            }
        }
    }
    if (++t->sent >= p->rounds) {
        return;
    }
    delay = MIN(p->initial + (t->sent - 1) * p->step, p->max);
    timer_mod(t->timer, qemu_clock_get_ms(QEMU_CLOCK_REALTIME) + delay);
}

static void announce_timer_free(gpointer data)
{
    AnnounceTimer *t = data;

    timer_free(t->timer);
    qapi_free_AnnounceParameters(t->params);
    g_free(t);
}

void qmp_announce_self(AnnounceParameters *params, Error **errp)
{
    AnnounceTimer *t;

    if (params->initial < 0 || params->max < 0 || params->step < 0 ||
        params->rounds < 0) {
        error_setg(errp, "announce-self: initial, max, rounds and step must "
                   "not be negative");
        return;
    }
    if (!announce_timers) {
        announce_timers = g_hash_table_new_full(g_str_hash, g_str_equal,
                                                g_free, announce_timer_free);
    }
    t = g_new0(AnnounceTimer, 1);
    t->params = QAPI_CLONE(AnnounceParameters, params);
    t->timer = timer_new_ms(QEMU_CLOCK_REALTIME, announce_round, t);
    g_hash_table_replace(announce_timers, g_strdup(params->id ?: ""), t);
    if (params->rounds > 0) {
        announce_round(t);
    }
}
