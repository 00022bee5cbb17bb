/*
 * The frontend side of chardevs (see chardev/char-fe.h).
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "chardev/char.h"
#include "chardev/char-mux.h"

bool qemu_chr_fe_init(CharBackend *b, Chardev *s, Error **errp)
{
    unsigned int tag = 0;

    if (s) {
        if (CHARDEV_IS_MUX(s)) {
            if (!mux_chr_attach_frontend(MUX_CHARDEV(s), b, &tag, errp)) {
                return false;
            }
        } else if (s->be) {
            error_setg(errp, "Device '%s' is in use", s->label);
            return false;
        } else {
            s->be = b;
        }
    }
    b->fe_is_open = false;
    b->tag = tag;
    b->chr = s;
    return true;
}

void qemu_chr_fe_deinit(CharBackend *b, bool del)
{
    if (b->chr) {
        qemu_chr_fe_set_handlers(b, NULL, NULL, NULL, NULL, NULL, NULL,
                                 true);
        if (b->chr->be == b) {
            b->chr->be = NULL;
        }
        if (CHARDEV_IS_MUX(b->chr)) {
            mux_chr_detach_frontend(MUX_CHARDEV(b->chr), b->tag);
        }
        if (del) {
            Object *obj = OBJECT(b->chr);
            if (obj->parent) {
                object_unparent(obj);
            } else {
                object_unref(obj);
            }
        }
        b->chr = NULL;
    }
}

Chardev *qemu_chr_fe_get_driver(CharBackend *be)
{
    return be->chr;
}

bool qemu_chr_fe_backend_connected(CharBackend *be)
{
    return !!be->chr;
}

bool qemu_chr_fe_backend_open(CharBackend *be)
{
    return be->chr && be->chr->be_open;
}

void qemu_chr_fe_set_handlers(CharBackend *b,
                              IOCanReadHandler *fd_can_read,
                              IOReadHandler *fd_read,
                              IOEventHandler *fd_event,
                              BackendChangeHandler *be_change,
                              void *opaque, GMainContext *context,
                              bool set_open)
{
    Chardev *s = b->chr;
    int fe_open;

    if (!s) {
        return;
    }
    if (!opaque && !fd_can_read && !fd_read && !fd_event) {
        fe_open = 0;
    } else {
        fe_open = 1;
    }
    b->chr_can_read = fd_can_read;
    b->chr_read = fd_read;
    b->chr_event = fd_event;
    b->chr_be_change = be_change;
    b->opaque = opaque;
    qemu_chr_be_update_read_handlers(s, context);
    if (set_open) {
        qemu_chr_fe_set_open(b, fe_open);
    }
    if (fe_open) {
        qemu_chr_fe_take_focus(b);
        /* A backend already open tells the new frontend so. */
        if (s->be_open) {
            qemu_chr_be_event(s, CHR_EVENT_OPENED);
        }
    }
}

void qemu_chr_fe_take_focus(CharBackend *b)
{
    if (b->chr && CHARDEV_IS_MUX(b->chr)) {
        mux_set_focus(b->chr, b->tag);
    }
}

void qemu_chr_fe_accept_input(CharBackend *be)
{
    Chardev *chr = be->chr;

    if (!chr) {
        return;
    }
    if (CHARDEV_GET_CLASS(chr)->chr_accept_input) {
        CHARDEV_GET_CLASS(chr)->chr_accept_input(chr);
    }
    /* The read watch re-evaluates can_read in its next prepare. */
    g_main_context_wakeup(chr->gcontext);
}

void qemu_chr_fe_set_open(CharBackend *be, bool is_open)
{
    Chardev *chr = be->chr;

    if (!chr || be->fe_is_open == is_open) {
        return;
    }
    be->fe_is_open = is_open;
    if (CHARDEV_GET_CLASS(chr)->chr_set_fe_open) {
        CHARDEV_GET_CLASS(chr)->chr_set_fe_open(chr, is_open);
    }
}

void qemu_chr_fe_set_echo(CharBackend *be, bool echo)
{
    Chardev *chr = be->chr;

    if (chr && CHARDEV_GET_CLASS(chr)->chr_set_echo) {
        CHARDEV_GET_CLASS(chr)->chr_set_echo(chr, echo);
    }
}

int qemu_chr_fe_write(CharBackend *be, const uint8_t *buf, int len)
{
    return be->chr ? qemu_chr_write(be->chr, buf, len, false) : 0;
}

int qemu_chr_fe_write_all(CharBackend *be, const uint8_t *buf, int len)
{
    return be->chr ? qemu_chr_write(be->chr, buf, len, true) : 0;
}

guint qemu_chr_fe_add_watch(CharBackend *be, GIOCondition cond,
                            FEWatchFunc func, void *user_data)
{
    Chardev *s = be->chr;
    GSource *src;
    guint tag;

    if (!s || !CHARDEV_GET_CLASS(s)->chr_add_watch) {
        return 0;
    }
    src = CHARDEV_GET_CLASS(s)->chr_add_watch(s, cond);
    if (!src) {
        return 0;
    }
    g_source_set_callback(src, (GSourceFunc)(void (*)(void))func, user_data,
                          NULL);
    tag = g_source_attach(src, s->gcontext);
    g_source_unref(src);
    return tag;
}

int qemu_chr_fe_get_msgfds(CharBackend *be, int *fds, int len)
{
    Chardev *s = be->chr;

    if (!s || !CHARDEV_GET_CLASS(s)->get_msgfds) {
        return -1;
    }
    return CHARDEV_GET_CLASS(s)->get_msgfds(s, fds, len);
}

int qemu_chr_fe_get_msgfd(CharBackend *be)
{
    int fd;
    int res = qemu_chr_fe_get_msgfds(be, &fd, 1) == 1 ? fd : -1;

    return res;
}

int qemu_chr_fe_set_msgfds(CharBackend *be, int *fds, int num)
{
    Chardev *s = be->chr;

    if (!s || !CHARDEV_GET_CLASS(s)->set_msgfds) {
        return -1;
    }
    return CHARDEV_GET_CLASS(s)->set_msgfds(s, fds, num);
}

void qemu_chr_fe_disconnect(CharBackend *be)
{
    Chardev *chr = be->chr;

    if (chr && CHARDEV_GET_CLASS(chr)->chr_disconnect) {
        CHARDEV_GET_CLASS(chr)->chr_disconnect(chr);
    }
}

int qemu_chr_fe_ioctl(CharBackend *be, int cmd, void *arg)
{
    Chardev *s = be->chr;

    if (!s || !CHARDEV_GET_CLASS(s)->chr_ioctl) {
        return -ENOTSUP;
    }
    return CHARDEV_GET_CLASS(s)->chr_ioctl(s, cmd, arg);
}
