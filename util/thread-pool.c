/*
 * Worker threads for blocking jobs.  Workers start on demand up to a bound
 * and exit after idling a while, down to a minimum kept alive; finished
 * jobs are handed to the main loop through one bottom half so callbacks
 * run under the big lock.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/thread-pool.h"
#include "vireo/main-loop.h"

#define WORKER_IDLE_US (10 * G_USEC_PER_SEC)

typedef struct ThreadPoolJob {
    ThreadPoolFunc *func;
    void *arg;
    BlockCompletionFunc *cb;
    void *opaque;
    int ret;
    QSIMPLEQ_ENTRY(ThreadPoolJob) next;
} ThreadPoolJob;

static GMutex lock;
static GCond job_cond;
static QSIMPLEQ_HEAD(, ThreadPoolJob) pending =
    QSIMPLEQ_HEAD_INITIALIZER(pending);
static QSIMPLEQ_HEAD(, ThreadPoolJob) done = QSIMPLEQ_HEAD_INITIALIZER(done);
static int nb_workers, idle_workers, min_workers, max_workers = 64;
/*
 * Idle workers signalled but not yet awake.  A burst of submissions wakes
 * only as many workers as are idle, not one per job: a woken worker takes
 * jobs until none are left, and each extra wake-up is a context switch.
 */
static int wakeups_pending;
static QEMUBH *done_bh;

static gpointer worker_thread(gpointer unused)
{
    g_mutex_lock(&lock);
    for (;;) {
        ThreadPoolJob *job = QSIMPLEQ_FIRST(&pending);

        if (!job) {
            gint64 deadline = g_get_monotonic_time() + WORKER_IDLE_US;
            bool timed_out;

            idle_workers++;
            timed_out = !g_cond_wait_until(&job_cond, &lock, deadline);
            idle_workers--;
            if (wakeups_pending > 0) {
                wakeups_pending--;
            }
            if (QSIMPLEQ_EMPTY(&pending) &&
                (nb_workers > max_workers ||
                 (timed_out && nb_workers > min_workers))) {
                break;
            }
            continue;
        }
        QSIMPLEQ_REMOVE_HEAD(&pending, next);
        g_mutex_unlock(&lock);
        job->ret = job->func(job->arg);
        g_mutex_lock(&lock);
        QSIMPLEQ_INSERT_TAIL(&done, job, next);
        qemu_bh_schedule(done_bh);
    }
    nb_workers--;
    g_mutex_unlock(&lock);
    return NULL;
}

/* Completions run in the main loop, all that are there in one go. */
static void done_bh_cb(void *opaque)
{
    for (;;) {
        ThreadPoolJob *job, *next;

        g_mutex_lock(&lock);
        job = QSIMPLEQ_FIRST(&done);
        QSIMPLEQ_INIT(&done);
        g_mutex_unlock(&lock);
        if (!job) {
            break;
        }
        for (; job; job = next) {
            next = QSIMPLEQ_NEXT(job, next);
            job->cb(job->opaque, job->ret);
            g_free(job);
        }
    }
}

static void spawn_worker_locked(void)
{
    nb_workers++;
    g_thread_unref(g_thread_new("worker", worker_thread, NULL));
}

void thread_pool_submit_aio(ThreadPoolFunc *func, void *arg,
                            BlockCompletionFunc *cb, void *opaque)
{
    ThreadPoolJob *job = g_new0(ThreadPoolJob, 1);

    job->func = func;
    job->arg = arg;
    job->cb = cb;
    job->opaque = opaque;
    g_mutex_lock(&lock);
    if (!done_bh) {
        done_bh = qemu_bh_new_full(done_bh_cb, NULL, "thread-pool");
    }
    QSIMPLEQ_INSERT_TAIL(&pending, job, next);
    if (idle_workers > wakeups_pending) {
        wakeups_pending++;
        g_cond_signal(&job_cond);
    } else if (idle_workers == 0 && nb_workers < max_workers) {
        spawn_worker_locked();
    }
    g_mutex_unlock(&lock);
}

typedef struct CoJob {
    Coroutine *co;
    int ret;
    bool done;
} CoJob;

static void co_job_done(void *opaque, int ret)
{
    CoJob *cj = opaque;

    cj->ret = ret;
    cj->done = true;
    aio_co_wake(cj->co);
}

int coroutine_fn thread_pool_submit_co(ThreadPoolFunc *func, void *arg)
{
    CoJob cj = { .co = qemu_coroutine_self() };

    g_assert(cj.co);
    thread_pool_submit_aio(func, arg, co_job_done, &cj);
    while (!cj.done) {
        qemu_coroutine_yield();
    }
    return cj.ret;
}

void thread_pool_set_params(int min, int max)
{
    g_mutex_lock(&lock);
    max_workers = MAX(max, 1);
    min_workers = MIN(MAX(min, 0), max_workers);
    /* The minimum is kept alive from now on, not only once work came. */
    while (nb_workers < min_workers) {
        spawn_worker_locked();
    }
    /* Idle workers above a lowered maximum leave at their next timeout;
     * wake them so the count follows now. */
    g_cond_broadcast(&job_cond);
    g_mutex_unlock(&lock);
}

int thread_pool_nb_workers(void)
{
    int n;

    g_mutex_lock(&lock);
    n = nb_workers;
    g_mutex_unlock(&lock);
    return n;
}
