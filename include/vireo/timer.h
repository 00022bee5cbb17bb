/*
 * Clocks and timers.  QEMU_CLOCK_VIRTUAL is guest time: it advances with
 * the host's monotonic clock only while the VM runs (cpu_enable_ticks),
 * so a stopped guest's time stands still.  Timer callbacks run in the
 * main loop with the big lock held; timers may be armed from any thread.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef VIREO_TIMER_H
#define VIREO_TIMER_H

#include "vireo/osdep.h"

#define NANOSECONDS_PER_SECOND 1000000000LL
#define SCALE_MS 1000000
#define SCALE_US 1000
#define SCALE_NS 1

typedef enum {
    QEMU_CLOCK_REALTIME = 0,    /* host monotonic time, always runs */
    QEMU_CLOCK_VIRTUAL = 1,     /* guest time: stops while the VM is stopped */
    QEMU_CLOCK_HOST = 2,        /* host wall clock (follows host changes) */
    QEMU_CLOCK_VIRTUAL_RT = 3,  /* real time while the VM runs */
    QEMU_CLOCK_MAX
} QEMUClockType;

typedef struct QEMUTimer QEMUTimer;
typedef void QEMUTimerCB(void *opaque);

struct QEMUTimer {
    int64_t expire_time;        /* in the clock's ns; -1 when not armed */
    QEMUClockType type;
    QEMUTimerCB *cb;
    void *opaque;
    int scale;
    QEMUTimer *next;
};

int64_t qemu_clock_get_ns(QEMUClockType type);
static inline int64_t qemu_clock_get_us(QEMUClockType type)
{
    return qemu_clock_get_ns(type) / SCALE_US;
}
static inline int64_t qemu_clock_get_ms(QEMUClockType type)
{
    return qemu_clock_get_ns(type) / SCALE_MS;
}

void timer_init_full(QEMUTimer *ts, QEMUClockType type, int scale,
                     QEMUTimerCB *cb, void *opaque);
static inline void timer_init_ns(QEMUTimer *ts, QEMUClockType type,
                                 QEMUTimerCB *cb, void *opaque)
{
    timer_init_full(ts, type, SCALE_NS, cb, opaque);
}
QEMUTimer *timer_new_full(QEMUClockType type, int scale, QEMUTimerCB *cb,
                          void *opaque);
static inline QEMUTimer *timer_new_ns(QEMUClockType type, QEMUTimerCB *cb,
                                      void *opaque)
{
    return timer_new_full(type, SCALE_NS, cb, opaque);
}
static inline QEMUTimer *timer_new_us(QEMUClockType type, QEMUTimerCB *cb,
                                      void *opaque)
{
    return timer_new_full(type, SCALE_US, cb, opaque);
}
static inline QEMUTimer *timer_new_ms(QEMUClockType type, QEMUTimerCB *cb,
                                      void *opaque)
{
    return timer_new_full(type, SCALE_MS, cb, opaque);
}
/* Arm at @expire_time, in the timer's scale (ns for timer_new_ns). */
void timer_mod(QEMUTimer *ts, int64_t expire_time);
void timer_mod_ns(QEMUTimer *ts, int64_t expire_time);
/* Arm only if that is earlier than the current expiry. */
void timer_mod_anticipate(QEMUTimer *ts, int64_t expire_time);
void timer_del(QEMUTimer *ts);
/* Disarms and frees a timer_new_*() timer. */
void timer_free(QEMUTimer *ts);
bool timer_pending(QEMUTimer *ts);
bool timer_expired(QEMUTimer *ts, int64_t current_time);
/* Expiry in ns, or -1. */
int64_t timer_expire_time_ns(QEMUTimer *ts);

/* Guest time runs (VM running) or stands still. */
void cpu_enable_ticks(void);
void cpu_disable_ticks(void);

/* Main loop internals: ns until the next timer (-1: none); run due ones. */
int64_t timerlist_deadline_ns(void);
bool timerlist_run_expired(void);

#endif
