/*
 * The main loop: GLib's default context polled without the big lock,
 * with fd handlers, bottom halves and timers dispatched under it.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef VIREO_MAIN_LOOP_H
#define VIREO_MAIN_LOOP_H

#include "vireo/osdep.h"
#include "vireo/error.h"

bool qemu_init_main_loop(Error **errp);
/* One iteration: poll (blocking unless @nonblocking), then dispatch. */
void main_loop_wait(int nonblocking);
/* Wakes the main loop from any thread. */
void qemu_notify_event(void);

/*
 * The big lock ("BQL"): device models, the monitor and the main loop
 * run under it; vCPU threads take it around device accesses.
 */
void bql_lock(void);
void bql_unlock(void);
bool bql_locked(void);

typedef void IOHandler(void *opaque);
/* Call @fd_read / @fd_write when @fd is ready; both NULL removes @fd. */
void qemu_set_fd_handler(int fd, IOHandler *fd_read, IOHandler *fd_write,
                         void *opaque);

/* Bottom halves: callbacks run soon in the main loop, scheduled from any
 * thread; scheduling an already scheduled one does nothing. */
typedef struct QEMUBH QEMUBH;
typedef void QEMUBHFunc(void *opaque);
QEMUBH *qemu_bh_new(QEMUBHFunc *cb, void *opaque);
QEMUBH *qemu_bh_new_full(QEMUBHFunc *cb, void *opaque, const char *name);
void qemu_bh_schedule(QEMUBH *bh);
void qemu_bh_cancel(QEMUBH *bh);
void qemu_bh_delete(QEMUBH *bh);
/* Runs @cb once soon, then forgets it. */
void qemu_bh_schedule_oneshot(QEMUBHFunc *cb, void *opaque);

#endif
