/*
 * Coroutines: cooperative threads of control for I/O paths, in QEMU's shape.
 *
 * A coroutine runs until it yields; whoever enters it again resumes it.
 * They all run in the thread that enters them (the main loop thread for the
 * block layer), so data shared between coroutines needs no locking unless a
 * coroutine yields while it is being changed: that is what CoMutex is for.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef VIREO_COROUTINE_H
#define VIREO_COROUTINE_H

#include "vireo/osdep.h"
#include "vireo/queue.h"

/* Marks functions that may yield: call them only from a coroutine. */
#define coroutine_fn

typedef struct Coroutine Coroutine;
typedef void coroutine_fn CoroutineEntry(void *opaque);

/* A coroutine that will run @entry(@opaque) when first entered. */
Coroutine *qemu_coroutine_create(CoroutineEntry *entry, void *opaque);
/* Switch into @co until it yields or finishes (then it is freed). */
void qemu_coroutine_enter(Coroutine *co);
/* Enter @co only if it is not running (or waiting on a coroutine it
 * entered) right now. */
void qemu_coroutine_enter_if_inactive(Coroutine *co);
/* Give control back to whoever entered the current coroutine. */
void coroutine_fn qemu_coroutine_yield(void);
/* The running coroutine, or NULL outside any. */
Coroutine *qemu_coroutine_self(void);
bool qemu_in_coroutine(void);
/* True while @co is entered (running or has entered another one). */
bool qemu_coroutine_entered(Coroutine *co);
/* Enter @co from the main loop soon (safe from any thread). */
void aio_co_schedule(Coroutine *co);
/* Enter @co now if we are outside coroutines, else soon. */
void aio_co_wake(Coroutine *co);

/* Number of coroutine stacks kept for reuse (for tests). */
unsigned qemu_coroutine_pool_size(void);

/* ---- Locks between coroutines of one thread ---- */

typedef struct CoWaiter CoWaiter;

typedef struct CoQueue {
    QSIMPLEQ_HEAD(, CoWaiter) entries;
} CoQueue;

void qemu_co_queue_init(CoQueue *queue);
/* Wait until woken; releases @lock (a CoMutex, may be NULL) meanwhile. */
struct CoMutex;
void coroutine_fn qemu_co_queue_wait(CoQueue *queue, struct CoMutex *lock);
/* Wake one / all waiters; they run after the caller yields or returns. */
bool qemu_co_queue_next(CoQueue *queue);
void qemu_co_queue_restart_all(CoQueue *queue);
bool qemu_co_queue_empty(CoQueue *queue);

typedef struct CoMutex {
    bool locked;
    Coroutine *holder;
    CoQueue waiters;
} CoMutex;

void qemu_co_mutex_init(CoMutex *mutex);
void coroutine_fn qemu_co_mutex_lock(CoMutex *mutex);
void coroutine_fn qemu_co_mutex_unlock(CoMutex *mutex);

/* Many readers or one writer. */
typedef struct CoRwlock {
    int readers;
    bool writer;
    CoQueue queue;
} CoRwlock;

void qemu_co_rwlock_init(CoRwlock *lock);
void coroutine_fn qemu_co_rwlock_rdlock(CoRwlock *lock);
void coroutine_fn qemu_co_rwlock_wrlock(CoRwlock *lock);
void coroutine_fn qemu_co_rwlock_unlock(CoRwlock *lock);

/* Sleep in a coroutine for @ns nanoseconds of realtime (main loop timer). */
void coroutine_fn qemu_co_sleep_ns(int64_t ns);

#endif
