/*
 * The worker pool: blocking work (disk syscalls, compression) runs in
 * worker threads and its completion is delivered in the main loop.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef VIREO_THREAD_POOL_H
#define VIREO_THREAD_POOL_H

#include "vireo/coroutine.h"

/* Runs in a worker thread; returns 0 or a negative errno. */
typedef int ThreadPoolFunc(void *opaque);
/* Runs in the main loop with the value @func returned. */
typedef void BlockCompletionFunc(void *opaque, int ret);

/* Run @func(@arg) in a worker, then @cb(@opaque, ret) in the main loop. */
void thread_pool_submit_aio(ThreadPoolFunc *func, void *arg,
                            BlockCompletionFunc *cb, void *opaque);
/* From a coroutine: run @func(@arg) in a worker, yield until it is done. */
int coroutine_fn thread_pool_submit_co(ThreadPoolFunc *func, void *arg);
/*
 * Bounds of the worker threads (default 0 and 64): @min are kept alive
 * even when idle, at most @max run.
 */
void thread_pool_set_params(int min, int max);
/* Number of worker threads alive now (for tests). */
int thread_pool_nb_workers(void);

#endif
