/*
 * The fd chardev base: reads from fd_in when the frontend has room,
 * writes to fd_out without blocking.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "chardev/char-fd.h"
#include "chardev/char-io.h"

static int fd_chr_write(Chardev *chr, const uint8_t *buf, int len)
{
    FDChardev *s = FD_CHARDEV(chr);

    return chr_fd_write(s->fd_out, buf, len);
}

static void fd_chr_ready(Chardev *chr, int max)
{
    FDChardev *s = FD_CHARDEV(chr);
    uint8_t buf[4096];
    ssize_t n;

    n = read(s->fd_in, buf, MIN((int)sizeof(buf), max));
    if (n > 0) {
        qemu_chr_be_write(chr, buf, n);
    } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        /* EOF: stop polling and tell the frontend. */
        chr_fd_read_watch_remove(&s->read_watch);
        qemu_chr_be_event(chr, CHR_EVENT_CLOSED);
    }
}

static void fd_chr_update_read_handler(Chardev *chr)
{
    FDChardev *s = FD_CHARDEV(chr);

    chr_fd_read_watch_remove(&s->read_watch);
    if (s->fd_in >= 0) {
        s->read_watch = chr_fd_read_watch_add(chr, s->fd_in, fd_chr_ready);
    }
}

static GSource *fd_chr_add_watch(Chardev *chr, GIOCondition cond)
{
    return chr_fd_cond_watch_new(FD_CHARDEV(chr)->fd_out, cond);
}

void qemu_chr_open_fd(Chardev *chr, int fd_in, int fd_out)
{
    FDChardev *s = FD_CHARDEV(chr);

    s->fd_in = fd_in;
    s->fd_out = fd_out;
    if (fd_in >= 0) {
        g_unix_set_fd_nonblocking(fd_in, true, NULL);
    }
    if (fd_out >= 0 && fd_out != fd_in) {
        g_unix_set_fd_nonblocking(fd_out, true, NULL);
    }
}

static void fd_chr_init(Object *obj)
{
    FDChardev *s = FD_CHARDEV(obj);

    s->fd_in = s->fd_out = -1;
}

static void fd_chr_finalize(Object *obj)
{
    FDChardev *s = FD_CHARDEV(obj);

    chr_fd_read_watch_remove(&s->read_watch);
    if (s->fd_in >= 0 && s->fd_in > 2) {
        close(s->fd_in);
    }
    if (s->fd_out >= 0 && s->fd_out != s->fd_in && s->fd_out > 2) {
        close(s->fd_out);
    }
    qemu_chr_be_event(CHARDEV(obj), CHR_EVENT_CLOSED);
}

static void fd_chr_class_init(ObjectClass *oc, void *data)
{
    ChardevClass *cc = CHARDEV_CLASS(oc);

    cc->chr_write = fd_chr_write;
    cc->chr_update_read_handler = fd_chr_update_read_handler;
    cc->chr_add_watch = fd_chr_add_watch;
}

static const TypeInfo char_fd_type_info = {
    .name = TYPE_CHARDEV_FD,
    .parent = TYPE_CHARDEV,
    .instance_size = sizeof(FDChardev),
    .instance_init = fd_chr_init,
    .instance_finalize = fd_chr_finalize,
    .class_init = fd_chr_class_init,
    .abstract = true,
};

static void register_types(void)
{
    type_register_static(&char_fd_type_info);
}

type_init(register_types)
