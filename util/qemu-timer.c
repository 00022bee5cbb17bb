/*
 * Clocks and timer lists (see vireo/timer.h).  One sorted list per clock,
 * guarded by a mutex because devices arm timers from vCPU threads too; the
 * main loop sleeps until the earliest deadline and is woken when a new
 * timer becomes the earliest.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/main-loop.h"
#include "vireo/timer.h"

static GMutex timer_lock;
static QEMUTimer *active[QEMU_CLOCK_MAX];   /* sorted by expire_time */

/* Guest time: offset from host monotonic time while running. */
static int64_t virtual_offset;
static int64_t virtual_frozen;
static bool ticks_enabled;

static int64_t monotonic_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * NANOSECONDS_PER_SECOND + ts.tv_nsec;
}

int64_t qemu_clock_get_ns(QEMUClockType type)
{
    switch (type) {
    case QEMU_CLOCK_REALTIME:
        return monotonic_ns();
    case QEMU_CLOCK_HOST:
        return g_get_real_time() * SCALE_US;
    case QEMU_CLOCK_VIRTUAL:
    case QEMU_CLOCK_VIRTUAL_RT: {
        int64_t v;
        g_mutex_lock(&timer_lock);
        v = ticks_enabled ? monotonic_ns() - virtual_offset : virtual_frozen;
        g_mutex_unlock(&timer_lock);
        return v;
    }
    default:
        g_assert_not_reached();
    }
}

void cpu_enable_ticks(void)
{
    g_mutex_lock(&timer_lock);
    if (!ticks_enabled) {
        virtual_offset = monotonic_ns() - virtual_frozen;
        ticks_enabled = true;
    }
    g_mutex_unlock(&timer_lock);
    qemu_notify_event();        /* virtual timers may now be due */
}

void cpu_disable_ticks(void)
{
    g_mutex_lock(&timer_lock);
    if (ticks_enabled) {
        virtual_frozen = monotonic_ns() - virtual_offset;
        ticks_enabled = false;
    }
    g_mutex_unlock(&timer_lock);
}

void timer_init_full(QEMUTimer *ts, QEMUClockType type, int scale,
                     QEMUTimerCB *cb, void *opaque)
{
    *ts = (QEMUTimer) {
        .expire_time = -1, .type = type, .cb = cb, .opaque = opaque,
        .scale = scale,
    };
}

QEMUTimer *timer_new_full(QEMUClockType type, int scale, QEMUTimerCB *cb,
                          void *opaque)
{
    QEMUTimer *ts = g_new(QEMUTimer, 1);

    timer_init_full(ts, type, scale, cb, opaque);
    return ts;
}

/* timer_lock held. */
static void unlink_locked(QEMUTimer *ts)
{
    for (QEMUTimer **p = &active[ts->type]; *p; p = &(*p)->next) {
        if (*p == ts) {
            *p = ts->next;
            break;
        }
    }
    ts->expire_time = -1;
    ts->next = NULL;
}

/* timer_lock held; true if @ts became the clock's first timer. */
static bool insert_locked(QEMUTimer *ts, int64_t expire_ns)
{
    QEMUTimer **p = &active[ts->type];

    ts->expire_time = MAX(expire_ns, 0);
    while (*p && (*p)->expire_time <= ts->expire_time) {
        p = &(*p)->next;
    }
    ts->next = *p;
    *p = ts;
    return p == &active[ts->type];
}

void timer_mod_ns(QEMUTimer *ts, int64_t expire_time)
{
    bool first;

    g_mutex_lock(&timer_lock);
    unlink_locked(ts);
    first = insert_locked(ts, expire_time);
    g_mutex_unlock(&timer_lock);
    if (first) {
        qemu_notify_event();
    }
}

void timer_mod(QEMUTimer *ts, int64_t expire_time)
{
    timer_mod_ns(ts, expire_time * ts->scale);
}

void timer_mod_anticipate(QEMUTimer *ts, int64_t expire_time)
{
    int64_t ns = expire_time * ts->scale;
    bool first = false;

    g_mutex_lock(&timer_lock);
    if (ts->expire_time < 0 || ts->expire_time > ns) {
        unlink_locked(ts);
        first = insert_locked(ts, ns);
    }
    g_mutex_unlock(&timer_lock);
    if (first) {
        qemu_notify_event();
    }
}

void timer_del(QEMUTimer *ts)
{
    g_mutex_lock(&timer_lock);
    if (ts->expire_time >= 0) {
        unlink_locked(ts);
    }
    g_mutex_unlock(&timer_lock);
}

void timer_free(QEMUTimer *ts)
{
    if (ts) {
        timer_del(ts);
        g_free(ts);
    }
}

bool timer_pending(QEMUTimer *ts)
{
    return __atomic_load_n(&ts->expire_time, __ATOMIC_RELAXED) >= 0;
}

bool timer_expired(QEMUTimer *ts, int64_t current_time)
{
    return timer_pending(ts) && ts->expire_time <= current_time * ts->scale;
}

int64_t timer_expire_time_ns(QEMUTimer *ts)
{
    return timer_pending(ts) ? ts->expire_time : -1;
}

/* Virtual timers only count while guest time runs. */
static bool clock_running(QEMUClockType type)
{
    return (type != QEMU_CLOCK_VIRTUAL && type != QEMU_CLOCK_VIRTUAL_RT) ||
           ticks_enabled;
}

int64_t timerlist_deadline_ns(void)
{
    int64_t deadline = -1;

    for (int type = 0; type < QEMU_CLOCK_MAX; type++) {
        int64_t now, delta;

        g_mutex_lock(&timer_lock);
        if (!active[type] || !clock_running(type)) {
            g_mutex_unlock(&timer_lock);
            continue;
        }
        delta = active[type]->expire_time;
        g_mutex_unlock(&timer_lock);
        now = qemu_clock_get_ns(type);
        delta = MAX(delta - now, 0);
        deadline = deadline < 0 ? delta : MIN(deadline, delta);
    }
    return deadline;
}

bool timerlist_run_expired(void)
{
    bool ran = false;

    for (int type = 0; type < QEMU_CLOCK_MAX; type++) {
        for (;;) {
            QEMUTimer *ts;
            int64_t now = qemu_clock_get_ns(type);

            g_mutex_lock(&timer_lock);
            ts = active[type];
            if (!ts || !clock_running(type) || ts->expire_time > now) {
                g_mutex_unlock(&timer_lock);
                break;
            }
            /* Disarm before the callback: it may re-arm the timer. */
            unlink_locked(ts);
            g_mutex_unlock(&timer_lock);
            ts->cb(ts->opaque);
            ran = true;
        }
    }
    return ran;
}
