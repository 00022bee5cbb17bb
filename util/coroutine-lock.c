/*
 * Queues, mutexes and rwlocks between coroutines of one thread, and
 * coroutine sleep.  Woken coroutines are entered through the main loop so a
 * waker never recurses into its waiters.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/coroutine.h"
#include "vireo/timer.h"

struct CoWaiter {
    Coroutine *co;
    QSIMPLEQ_ENTRY(CoWaiter) next;
};

void qemu_co_queue_init(CoQueue *queue)
{
    QSIMPLEQ_INIT(&queue->entries);
}

void coroutine_fn qemu_co_queue_wait(CoQueue *queue, CoMutex *lock)
{
    CoWaiter w = { .co = qemu_coroutine_self() };

    g_assert(w.co);
    QSIMPLEQ_INSERT_TAIL(&queue->entries, &w, next);
    if (lock) {
        qemu_co_mutex_unlock(lock);
    }
    qemu_coroutine_yield();
    if (lock) {
        qemu_co_mutex_lock(lock);
    }
}

bool qemu_co_queue_next(CoQueue *queue)
{
    CoWaiter *w = QSIMPLEQ_FIRST(&queue->entries);

    if (!w) {
        return false;
    }
    QSIMPLEQ_REMOVE_HEAD(&queue->entries, next);
    aio_co_schedule(w->co);
    return true;
}

void qemu_co_queue_restart_all(CoQueue *queue)
{
    while (qemu_co_queue_next(queue)) {
        /* keep waking */
    }
}

bool qemu_co_queue_empty(CoQueue *queue)
{
    return QSIMPLEQ_EMPTY(&queue->entries);
}

void qemu_co_mutex_init(CoMutex *mutex)
{
    mutex->locked = false;
    mutex->holder = NULL;
    qemu_co_queue_init(&mutex->waiters);
}

void coroutine_fn qemu_co_mutex_lock(CoMutex *mutex)
{
    Coroutine *self = qemu_coroutine_self();

    g_assert(self && mutex->holder != self);
    while (mutex->locked) {
        qemu_co_queue_wait(&mutex->waiters, NULL);
    }
    mutex->locked = true;
    mutex->holder = self;
}

void coroutine_fn qemu_co_mutex_unlock(CoMutex *mutex)
{
    g_assert(mutex->locked && mutex->holder == qemu_coroutine_self());
    mutex->locked = false;
    mutex->holder = NULL;
    qemu_co_queue_next(&mutex->waiters);
}

void qemu_co_rwlock_init(CoRwlock *lock)
{
    lock->readers = 0;
    lock->writer = false;
    qemu_co_queue_init(&lock->queue);
}

void coroutine_fn qemu_co_rwlock_rdlock(CoRwlock *lock)
{
    while (lock->writer) {
        qemu_co_queue_wait(&lock->queue, NULL);
    }
    lock->readers++;
}

void coroutine_fn qemu_co_rwlock_wrlock(CoRwlock *lock)
{
    while (lock->writer || lock->readers) {
        qemu_co_queue_wait(&lock->queue, NULL);
    }
    lock->writer = true;
}

void coroutine_fn qemu_co_rwlock_unlock(CoRwlock *lock)
{
    if (lock->writer) {
        lock->writer = false;
    } else {
        g_assert(lock->readers > 0);
        lock->readers--;
    }
    /* Waiters re-check their condition; wake them all. */
    qemu_co_queue_restart_all(&lock->queue);
}

static void co_sleep_cb(void *opaque)
{
    aio_co_wake(opaque);
}

void coroutine_fn qemu_co_sleep_ns(int64_t ns)
{
    QEMUTimer *t = timer_new_ns(QEMU_CLOCK_REALTIME, co_sleep_cb,
                                qemu_coroutine_self());

    timer_mod(t, qemu_clock_get_ns(QEMU_CLOCK_REALTIME) + ns);
    qemu_coroutine_yield();
    timer_free(t);
}
