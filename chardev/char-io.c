/*
 * fd-based chardev plumbing (see chardev/char-io.h).
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "chardev/char-io.h"

typedef struct ReadWatch {
    GSource source;
    Chardev *chr;
    gpointer tag;
    ChrReadyFunc *ready;
    int max;
    GIOCondition events;        /* what the fd is polled for now */
} ReadWatch;

/* Poll the fd only while the frontend has room: that is flow control. */
static gboolean read_watch_prepare(GSource *source, gint *timeout)
{
    ReadWatch *w = (ReadWatch *)source;
    GIOCondition want;

    w->max = qemu_chr_be_can_write(w->chr);
    want = w->max > 0 ? G_IO_IN | G_IO_HUP | G_IO_ERR : 0;
    /* Changing the poll set wakes the context: only do it on a change. */
    if (want != w->events) {
        g_source_modify_unix_fd(source, w->tag, want);
        w->events = want;
    }
    *timeout = -1;
    return FALSE;
}

static gboolean read_watch_dispatch(GSource *source, GSourceFunc cb,
                                    gpointer data)
{
    ReadWatch *w = (ReadWatch *)source;

    if (g_source_query_unix_fd(source, w->tag) && w->max > 0) {
        w->ready(w->chr, w->max);
    }
    return G_SOURCE_CONTINUE;
}

static GSourceFuncs read_watch_funcs = {
    .prepare = read_watch_prepare,
    .dispatch = read_watch_dispatch,
};

GSource *chr_fd_read_watch_add(Chardev *chr, int fd, ChrReadyFunc *ready)
{
    ReadWatch *w = (ReadWatch *)g_source_new(&read_watch_funcs,
                                             sizeof(ReadWatch));

    w->chr = chr;
    w->ready = ready;
    w->events = G_IO_IN;
    w->tag = g_source_add_unix_fd(&w->source, fd, w->events);
    g_source_attach(&w->source, chr->gcontext);
    return &w->source;
}

void chr_fd_read_watch_remove(GSource **source)
{
    if (*source) {
        g_source_destroy(*source);
        g_source_unref(*source);
        *source = NULL;
    }
}

typedef struct CondWatch {
    GSource source;
    gpointer tag;
} CondWatch;

static gboolean cond_watch_dispatch(GSource *source, GSourceFunc cb,
                                    gpointer data)
{
    CondWatch *w = (CondWatch *)source;
    GIOCondition cond = g_source_query_unix_fd(source, w->tag);

    return ((FEWatchFunc)(void (*)(void))cb)(NULL, cond, data);
}

static GSourceFuncs cond_watch_funcs = {
    .dispatch = cond_watch_dispatch,
};

GSource *chr_fd_cond_watch_new(int fd, GIOCondition cond)
{
    CondWatch *w = (CondWatch *)g_source_new(&cond_watch_funcs,
                                             sizeof(CondWatch));

    w->tag = g_source_add_unix_fd(&w->source, fd, cond);
    return &w->source;
}

int chr_fd_write(int fd, const uint8_t *buf, int len)
{
    ssize_t n;

    do {
        n = write(fd, buf, len);
    } while (n < 0 && errno == EINTR);
    return n;
}
