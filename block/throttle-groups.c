/*
 * Throttle groups: shared leaky buckets, per-member request queues served
 * round robin, and a main-loop timer per direction for when the buckets
 * are full (see block/throttle-groups.h).
 *
 * Invariant: while any member has a queued request in a direction, that
 * direction's timer is armed.  A request that finds the timer armed only
 * queues; the timer callback (and a new config) serve the queues until
 * the buckets are full again, which re-arms the timer.  So a request that
 * arrives with the timer idle meets empty queues and is served at once if
 * the buckets allow.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/timer.h"
#include "block/throttle-groups.h"

struct ThrottleGroup {
    char *name;
    int refcnt;                     /* main loop only */
    QTAILQ_ENTRY(ThrottleGroup) list;

    GMutex lock;                    /* protects what follows */
    GCond wake;                     /* a blocked waiter was released */
    ThrottleState ts;
    QLIST_HEAD(, ThrottleGroupMember) members;
    ThrottleGroupMember *turn[THROTTLE_MAX];    /* served next if queued */
    QEMUTimer timers[THROTTLE_MAX];
    bool timer_armed[THROTTLE_MAX];
};

typedef QSIMPLEQ_HEAD(, ThrottleRequest) RequestList;

static QTAILQ_HEAD(, ThrottleGroup) groups = QTAILQ_HEAD_INITIALIZER(groups);

static int64_t now_ns(void)
{
    return qemu_clock_get_ns(QEMU_CLOCK_REALTIME);
}

static ThrottleGroupMember *next_member(ThrottleGroup *tg,
                                        ThrottleGroupMember *m)
{
    return QLIST_NEXT(m, round_robin) ?: QLIST_FIRST(&tg->members);
}

/* The member whose turn it is among those with a queued request. */
static ThrottleGroupMember *next_pending(ThrottleGroup *tg,
                                         ThrottleDirection dir)
{
    ThrottleGroupMember *start = tg->turn[dir] ?: QLIST_FIRST(&tg->members);
    ThrottleGroupMember *m = start;

    if (!m) {
        return NULL;
    }
    do {
        if (!QSIMPLEQ_EMPTY(&m->queue[dir])) {
            return m;
        }
        m = next_member(tg, m);
    } while (m != start);
    return NULL;
}

/* Charge @req and let it go: callbacks run later, outside the lock. */
static void admit_locked(ThrottleGroup *tg, ThrottleDirection dir,
                         ThrottleRequest *req, RequestList *ready)
{
    throttle_account(&tg->ts, dir, req->bytes);
    if (req->go) {
        QSIMPLEQ_INSERT_TAIL(ready, req, next);
    } else {
        req->released = true;
        g_cond_broadcast(&tg->wake);
    }
}

/* Serve queued requests while the buckets allow; arm the timer when they
 * are full. */
static void dispatch_locked(ThrottleGroup *tg, ThrottleDirection dir,
                            RequestList *ready)
{
    int64_t now = now_ns();
    ThrottleGroupMember *m;

    while (!tg->timer_armed[dir] && (m = next_pending(tg, dir))) {
        ThrottleRequest *req;
        int64_t wait = throttle_compute_wait_for(&tg->ts, dir, now);

        if (wait > 0) {
            tg->timer_armed[dir] = true;
            timer_mod_ns(&tg->timers[dir], now + wait);
            break;
        }
        req = QSIMPLEQ_FIRST(&m->queue[dir]);
        QSIMPLEQ_REMOVE_HEAD(&m->queue[dir], next);
        admit_locked(tg, dir, req, ready);
        tg->turn[dir] = next_member(tg, m);
    }
}

static void run_ready(RequestList *ready)
{
    ThrottleRequest *req;

    while ((req = QSIMPLEQ_FIRST(ready))) {
        QSIMPLEQ_REMOVE_HEAD(ready, next);
        req->go(req);           /* may free req */
    }
}

static void timer_fired(ThrottleGroup *tg, ThrottleDirection dir)
{
    RequestList ready = QSIMPLEQ_HEAD_INITIALIZER(ready);

    g_mutex_lock(&tg->lock);
    tg->timer_armed[dir] = false;
    dispatch_locked(tg, dir, &ready);
    g_mutex_unlock(&tg->lock);
    run_ready(&ready);
}

static void read_timer_cb(void *opaque)
{
    timer_fired(opaque, THROTTLE_READ);
}

static void write_timer_cb(void *opaque)
{
    timer_fired(opaque, THROTTLE_WRITE);
}

ThrottleGroup *throttle_group_find(const char *name)
{
    ThrottleGroup *tg;

    QTAILQ_FOREACH(tg, &groups, list) {
        if (!strcmp(tg->name, name)) {
            return tg;
        }
    }
    return NULL;
}

ThrottleGroup *throttle_group_new(const char *name, const ThrottleConfig *cfg,
                                  Error **errp)
{
    ThrottleGroup *tg;

    if (throttle_group_find(name)) {
        error_setg(errp, "A group with this name already exists");
        return NULL;
    }
    tg = g_new0(ThrottleGroup, 1);
    tg->name = g_strdup(name);
    tg->refcnt = 1;
    g_mutex_init(&tg->lock);
    g_cond_init(&tg->wake);
    throttle_init(&tg->ts);
    throttle_config(&tg->ts, cfg, now_ns());
    QLIST_INIT(&tg->members);
    timer_init_ns(&tg->timers[THROTTLE_READ], QEMU_CLOCK_REALTIME,
                  read_timer_cb, tg);
    timer_init_ns(&tg->timers[THROTTLE_WRITE], QEMU_CLOCK_REALTIME,
                  write_timer_cb, tg);
    QTAILQ_INSERT_TAIL(&groups, tg, list);
    return tg;
}

void throttle_group_ref(ThrottleGroup *tg)
{
    tg->refcnt++;
}

void throttle_group_unref(ThrottleGroup *tg)
{
    if (!tg || --tg->refcnt > 0) {
        return;
    }
    g_assert(QLIST_EMPTY(&tg->members));
    QTAILQ_REMOVE(&groups, tg, list);
    for (int dir = 0; dir < THROTTLE_MAX; dir++) {
        timer_del(&tg->timers[dir]);
    }
    g_cond_clear(&tg->wake);
    g_mutex_clear(&tg->lock);
    g_free(tg->name);
    g_free(tg);
}

const char *throttle_group_name(ThrottleGroup *tg)
{
    return tg->name;
}

bool throttle_group_has_members(ThrottleGroup *tg)
{
    bool ret;

    g_mutex_lock(&tg->lock);
    ret = !QLIST_EMPTY(&tg->members);
    g_mutex_unlock(&tg->lock);
    return ret;
}

void throttle_group_config(ThrottleGroup *tg, const ThrottleConfig *cfg)
{
    RequestList ready = QSIMPLEQ_HEAD_INITIALIZER(ready);

    g_mutex_lock(&tg->lock);
    throttle_config(&tg->ts, cfg, now_ns());
    for (int dir = 0; dir < THROTTLE_MAX; dir++) {
        timer_del(&tg->timers[dir]);
        tg->timer_armed[dir] = false;
        dispatch_locked(tg, dir, &ready);
    }
    g_mutex_unlock(&tg->lock);
    run_ready(&ready);
}

void throttle_group_get_config(ThrottleGroup *tg, ThrottleConfig *cfg)
{
    g_mutex_lock(&tg->lock);
    throttle_get_config(&tg->ts, cfg);
    g_mutex_unlock(&tg->lock);
}

void throttle_group_register_member(ThrottleGroupMember *tgm,
                                    const char *name)
{
    ThrottleGroup *tg = throttle_group_find(name);

    if (tg) {
        throttle_group_ref(tg);
    } else {
        ThrottleConfig cfg;

        throttle_config_init(&cfg);
        tg = throttle_group_new(name, &cfg, &error_abort);
    }
    memset(tgm, 0, sizeof(*tgm));
    tgm->group = tg;
    for (int dir = 0; dir < THROTTLE_MAX; dir++) {
        QSIMPLEQ_INIT(&tgm->queue[dir]);
    }
    g_mutex_lock(&tg->lock);
    QLIST_INSERT_HEAD(&tg->members, tgm, round_robin);
    g_mutex_unlock(&tg->lock);
}

void throttle_group_unregister_member(ThrottleGroupMember *tgm)
{
    ThrottleGroup *tg = tgm->group;

    if (!tg) {
        return;
    }
    g_mutex_lock(&tg->lock);
    for (int dir = 0; dir < THROTTLE_MAX; dir++) {
        g_assert(QSIMPLEQ_EMPTY(&tgm->queue[dir]));
        if (tg->turn[dir] == tgm) {
            ThrottleGroupMember *next = next_member(tg, tgm);

            tg->turn[dir] = next == tgm ? NULL : next;
        }
    }
    QLIST_REMOVE(tgm, round_robin);
    g_mutex_unlock(&tg->lock);
    tgm->group = NULL;
    throttle_group_unref(tg);
}

void throttle_group_member_disable(ThrottleGroupMember *tgm)
{
    ThrottleGroup *tg = tgm->group;
    RequestList ready = QSIMPLEQ_HEAD_INITIALIZER(ready);

    g_mutex_lock(&tg->lock);
    tgm->limits_disabled++;
    for (int dir = 0; dir < THROTTLE_MAX; dir++) {
        ThrottleRequest *req;

        while ((req = QSIMPLEQ_FIRST(&tgm->queue[dir]))) {
            QSIMPLEQ_REMOVE_HEAD(&tgm->queue[dir], next);
            admit_locked(tg, dir, req, &ready);
        }
    }
    g_mutex_unlock(&tg->lock);
    run_ready(&ready);
}

void throttle_group_member_enable(ThrottleGroupMember *tgm)
{
    g_mutex_lock(&tgm->group->lock);
    g_assert(tgm->limits_disabled > 0);
    tgm->limits_disabled--;
    g_mutex_unlock(&tgm->group->lock);
}

/* Queue @req behind the member's earlier requests and serve what can be
 * served; a disabled member's request is admitted at once. */
static void enqueue(ThrottleGroupMember *tgm, ThrottleDirection dir,
                    ThrottleRequest *req)
{
    ThrottleGroup *tg = tgm->group;
    RequestList ready = QSIMPLEQ_HEAD_INITIALIZER(ready);

    g_assert(dir < THROTTLE_MAX && req->bytes >= 0);
    req->released = false;
    g_mutex_lock(&tg->lock);
    if (tgm->limits_disabled) {
        admit_locked(tg, dir, req, &ready);
    } else {
        QSIMPLEQ_INSERT_TAIL(&tgm->queue[dir], req, next);
        dispatch_locked(tg, dir, &ready);
    }
    g_mutex_unlock(&tg->lock);
    run_ready(&ready);
}

void throttle_group_schedule(ThrottleGroupMember *tgm, ThrottleDirection dir,
                             ThrottleRequest *req)
{
    g_assert(req->go);
    enqueue(tgm, dir, req);
}

void throttle_group_wait(ThrottleGroupMember *tgm, ThrottleDirection dir,
                         int64_t bytes)
{
    ThrottleGroup *tg = tgm->group;
    ThrottleRequest req = { .bytes = bytes };

    enqueue(tgm, dir, &req);
    g_mutex_lock(&tg->lock);
    while (!req.released) {
        g_cond_wait(&tg->wake, &tg->lock);
    }
    g_mutex_unlock(&tg->lock);
}
