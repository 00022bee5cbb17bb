/*
 * The main loop (see vireo/main-loop.h).  Each iteration prepares GLib's
 * default context, sleeps in ppoll() without the big lock until an fd is
 * ready, a timer is due or someone calls qemu_notify_event(), then
 * dispatches GLib sources, bottom halves and expired timers under the lock.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include <poll.h>
#include "vireo/main-loop.h"
#include "vireo/timer.h"

/* ---- The big lock ---- */

static GMutex bql;
static __thread bool bql_held;

void bql_lock(void)
{
    g_assert(!bql_held);
    g_mutex_lock(&bql);
    bql_held = true;
}

void bql_unlock(void)
{
    g_assert(bql_held);
    bql_held = false;
    g_mutex_unlock(&bql);
}

bool bql_locked(void)
{
    return bql_held;
}

/* ---- Bottom halves ---- */

struct QEMUBH {
    QEMUBHFunc *cb;
    void *opaque;
    const char *name;
    bool scheduled;         /* under bh_lock */
    bool deleted;
    bool oneshot;
};

static GMutex bh_lock;
static GQueue bh_queue = G_QUEUE_INIT;

QEMUBH *qemu_bh_new_full(QEMUBHFunc *cb, void *opaque, const char *name)
{
    QEMUBH *bh = g_new0(QEMUBH, 1);

    bh->cb = cb;
    bh->opaque = opaque;
    bh->name = name;
    return bh;
}

QEMUBH *qemu_bh_new(QEMUBHFunc *cb, void *opaque)
{
    return qemu_bh_new_full(cb, opaque, NULL);
}

void qemu_bh_schedule(QEMUBH *bh)
{
    bool wake = false;

    g_mutex_lock(&bh_lock);
    if (!bh->scheduled && !bh->deleted) {
        bh->scheduled = true;
        g_queue_push_tail(&bh_queue, bh);
        wake = true;
    }
    g_mutex_unlock(&bh_lock);
    if (wake) {
        qemu_notify_event();
    }
}

void qemu_bh_schedule_oneshot(QEMUBHFunc *cb, void *opaque)
{
    QEMUBH *bh = qemu_bh_new(cb, opaque);

    bh->oneshot = true;
    qemu_bh_schedule(bh);
}

void qemu_bh_cancel(QEMUBH *bh)
{
    g_mutex_lock(&bh_lock);
    if (bh->scheduled) {
        g_queue_remove(&bh_queue, bh);
        bh->scheduled = false;
    }
    g_mutex_unlock(&bh_lock);
}

void qemu_bh_delete(QEMUBH *bh)
{
    if (!bh) {
        return;
    }
    g_mutex_lock(&bh_lock);
    if (bh->scheduled) {
        g_queue_remove(&bh_queue, bh);
    }
    g_mutex_unlock(&bh_lock);
    g_free(bh);
}

/* Runs what is queued now; BHs scheduled meanwhile wait for the next turn,
 * so a BH that reschedules itself cannot starve the loop. */
static bool bh_poll(void)
{
    unsigned n;
    bool ran = false;

    g_mutex_lock(&bh_lock);
    n = bh_queue.length;
    g_mutex_unlock(&bh_lock);
    while (n--) {
        QEMUBH *bh;

        g_mutex_lock(&bh_lock);
        bh = g_queue_pop_head(&bh_queue);
        if (bh) {
            bh->scheduled = false;
        }
        g_mutex_unlock(&bh_lock);
        if (!bh) {
            break;
        }
        bh->cb(bh->opaque);
        ran = true;
        if (bh->oneshot) {
            g_free(bh);
        }
    }
    return ran;
}

static bool bh_pending(void)
{
    bool pending;

    g_mutex_lock(&bh_lock);
    pending = bh_queue.length > 0;
    g_mutex_unlock(&bh_lock);
    return pending;
}

/* ---- Fd handlers ---- */

typedef struct FdHandler {
    GSource source;
    gpointer tag;
    IOHandler *fd_read;
    IOHandler *fd_write;
    void *opaque;
} FdHandler;

static GHashTable *fd_handlers;     /* fd -> FdHandler */

static gboolean fd_handler_dispatch(GSource *source, GSourceFunc unused,
                                    gpointer data)
{
    FdHandler *h = (FdHandler *)source;
    GIOCondition cond = g_source_query_unix_fd(source, h->tag);

    /* Errors and hang-ups are reported as readable so the reader sees EOF. */
    if ((cond & (G_IO_IN | G_IO_HUP | G_IO_ERR)) && h->fd_read) {
        h->fd_read(h->opaque);
    }
    if ((cond & (G_IO_OUT | G_IO_ERR)) && h->fd_write &&
        !g_source_is_destroyed(source)) {
        h->fd_write(h->opaque);
    }
    return G_SOURCE_CONTINUE;
}

static GSourceFuncs fd_handler_funcs = {
    .dispatch = fd_handler_dispatch,
};

void qemu_set_fd_handler(int fd, IOHandler *fd_read, IOHandler *fd_write,
                         void *opaque)
{
    FdHandler *h;
    GIOCondition cond = 0;

    if (!fd_handlers) {
        fd_handlers = g_hash_table_new(g_direct_hash, g_direct_equal);
    }
    h = g_hash_table_lookup(fd_handlers, GINT_TO_POINTER(fd));
    if (h) {
        g_hash_table_remove(fd_handlers, GINT_TO_POINTER(fd));
        g_source_destroy(&h->source);
        g_source_unref(&h->source);
    }
    if (!fd_read && !fd_write) {
        return;
    }
    h = (FdHandler *)g_source_new(&fd_handler_funcs, sizeof(FdHandler));
    h->fd_read = fd_read;
    h->fd_write = fd_write;
    h->opaque = opaque;
    if (fd_read) {
        cond |= G_IO_IN | G_IO_HUP | G_IO_ERR;
    }
    if (fd_write) {
        cond |= G_IO_OUT | G_IO_ERR;
    }
    h->tag = g_source_add_unix_fd(&h->source, fd, cond);
    g_source_attach(&h->source, NULL);
    g_hash_table_insert(fd_handlers, GINT_TO_POINTER(fd), h);
}

/* ---- The loop ---- */

static GArray *poll_fds;

bool qemu_init_main_loop(Error **errp)
{
    if (!poll_fds) {
        poll_fds = g_array_new(FALSE, FALSE, sizeof(GPollFD));
    }
    return true;
}

void qemu_notify_event(void)
{
    g_main_context_wakeup(NULL);
}

void main_loop_wait(int nonblocking)
{
    GMainContext *ctx = g_main_context_default();
    gint max_priority, glib_timeout;
    int64_t timeout_ns, deadline;
    struct timespec ts;
    int nfds;

    if (!poll_fds) {
        qemu_init_main_loop(&error_abort);
    }
    g_main_context_acquire(ctx);
    g_main_context_prepare(ctx, &max_priority);
    for (;;) {
        nfds = g_main_context_query(ctx, max_priority, &glib_timeout,
                                    (GPollFD *)poll_fds->data, poll_fds->len);
        if (nfds <= (int)poll_fds->len) {
            break;
        }
        g_array_set_size(poll_fds, nfds);
    }
    timeout_ns = glib_timeout < 0 ? -1 : (int64_t)glib_timeout * SCALE_MS;
    deadline = timerlist_deadline_ns();
    if (deadline >= 0 && (timeout_ns < 0 || deadline < timeout_ns)) {
        timeout_ns = deadline;
    }
    if (nonblocking || bh_pending()) {
        timeout_ns = 0;
    }
    ts.tv_sec = timeout_ns / NANOSECONDS_PER_SECOND;
    ts.tv_nsec = timeout_ns % NANOSECONDS_PER_SECOND;

    /* GPollFD has struct pollfd's layout (GLib relies on it too).  Sleep
     * without the lock so vCPUs can reach devices meanwhile. */
    bql_unlock();
    ppoll((struct pollfd *)poll_fds->data, nfds,
          timeout_ns < 0 ? NULL : &ts, NULL);
    bql_lock();

    if (g_main_context_check(ctx, max_priority, (GPollFD *)poll_fds->data,
                             nfds)) {
        g_main_context_dispatch(ctx);
    }
    g_main_context_release(ctx);
    bh_poll();
    timerlist_run_expired();
}
