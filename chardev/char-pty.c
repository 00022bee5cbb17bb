/*
 * The pty chardev: a pseudo-terminal whose slave a user opens (libvirt
 * passes it to "virsh console").  While no one has the slave open the
 * output is dropped and the chardev polls for a reader once a second.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include <poll.h>
#include <termios.h>
#include "vireo/error.h"
#include "chardev/char.h"
#include "chardev/char-io.h"

#define TYPE_CHARDEV_PTY "chardev-pty"

typedef struct PtyChardev {
    Chardev parent;
    int fd;
    bool connected;
    GSource *read_watch;
    GSource *timer;
    char *link;
} PtyChardev;

DECLARE_INSTANCE_CHECKER(PtyChardev, PTY_CHARDEV, TYPE_CHARDEV_PTY)

static void pty_chr_state(Chardev *chr, bool connected);

static gboolean pty_chr_timer(gpointer opaque)
{
    Chardev *chr = opaque;
    PtyChardev *s = PTY_CHARDEV(chr);
    struct pollfd pfd = { .fd = s->fd, .events = POLLOUT };

    /* POLLHUP on the master means no one has the slave open. */
    if (poll(&pfd, 1, 0) == 1 && !(pfd.revents & POLLHUP)) {
        g_source_unref(s->timer);
        s->timer = NULL;
        pty_chr_state(chr, true);
        return G_SOURCE_REMOVE;
    }
    return G_SOURCE_CONTINUE;
}

static void pty_chr_ready(Chardev *chr, int max)
{
    PtyChardev *s = PTY_CHARDEV(chr);
    uint8_t buf[4096];
    ssize_t n = read(s->fd, buf, MIN((int)sizeof(buf), max));

    if (n > 0) {
        qemu_chr_be_write(chr, buf, n);
    } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        pty_chr_state(chr, false);
    }
}

static void pty_chr_state(Chardev *chr, bool connected)
{
    PtyChardev *s = PTY_CHARDEV(chr);

    if (connected == s->connected && (connected || s->timer)) {
        return;
    }
    s->connected = connected;
    if (!connected) {
        chr_fd_read_watch_remove(&s->read_watch);
        if (!s->timer) {
            s->timer = g_timeout_source_new_seconds(1);
            g_source_set_callback(s->timer, pty_chr_timer, chr, NULL);
            g_source_attach(s->timer, chr->gcontext);
        }
        qemu_chr_be_event(chr, CHR_EVENT_CLOSED);
    } else {
        s->read_watch = chr_fd_read_watch_add(chr, s->fd, pty_chr_ready);
        qemu_chr_be_event(chr, CHR_EVENT_OPENED);
    }
}

static int pty_chr_write(Chardev *chr, const uint8_t *buf, int len)
{
    PtyChardev *s = PTY_CHARDEV(chr);
    int n;

    if (!s->connected) {
        return len;     /* no reader: the output is dropped */
    }
    n = chr_fd_write(s->fd, buf, len);
    if (n < 0 && errno == EIO) {
        pty_chr_state(chr, false);
        return len;
    }
    return n;
}

static GSource *pty_chr_add_watch(Chardev *chr, GIOCondition cond)
{
    return chr_fd_cond_watch_new(PTY_CHARDEV(chr)->fd, cond);
}

static void pty_chr_update_read_handler(Chardev *chr)
{
    PtyChardev *s = PTY_CHARDEV(chr);

    if (s->connected) {
        chr_fd_read_watch_remove(&s->read_watch);
        s->read_watch = chr_fd_read_watch_add(chr, s->fd, pty_chr_ready);
    }
}

static void pty_chr_open(Chardev *chr, ChardevBackend *backend,
                         bool *be_opened, Error **errp)
{
    PtyChardev *s = PTY_CHARDEV(chr);
    ChardevPty *opts = backend->u.pty.data;
    struct termios tty;
    const char *name;
    int slave;

    s->fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (s->fd < 0 || grantpt(s->fd) < 0 || unlockpt(s->fd) < 0 ||
        !(name = ptsname(s->fd))) {
        error_setg_errno(errp, errno, "Failed to create PTY");
        return;
    }
    /* Raw mode on the slave, so the guest sees bytes, not lines. */
    slave = open(name, O_RDWR | O_NOCTTY);
    if (slave >= 0) {
        if (tcgetattr(slave, &tty) == 0) {
            cfmakeraw(&tty);
            tcsetattr(slave, TCSAFLUSH, &tty);
        }
        close(slave);
    }
    g_unix_set_fd_nonblocking(s->fd, true, NULL);
    chr->filename = g_strdup_printf("pty:%s", name);
    fprintf(stderr, "char device redirected to %s (label %s)\n", name,
            chr->label);
    if (opts && opts->path) {
        unlink(opts->path);
        if (symlink(name, opts->path) < 0) {
            error_setg_errno(errp, errno, "Failed to create PTY symlink");
            return;
        }
        s->link = g_strdup(opts->path);
    }
    *be_opened = false;
    s->connected = true;        /* until a read says otherwise */
    pty_chr_state(chr, false);
}

static void pty_chr_parse(QemuOpts *opts, ChardevBackend *backend,
                          Error **errp)
{
    ChardevPty *pty = backend->u.pty.data = g_new0(ChardevPty, 1);

    qemu_chr_parse_common(opts, qapi_ChardevPty_base(pty));
    pty->path = g_strdup(qemu_opt_get(opts, "path"));
}

static void pty_chr_init(Object *obj)
{
    PTY_CHARDEV(obj)->fd = -1;
}

static void pty_chr_finalize(Object *obj)
{
    PtyChardev *s = PTY_CHARDEV(obj);

    chr_fd_read_watch_remove(&s->read_watch);
    if (s->timer) {
        g_source_destroy(s->timer);
        g_source_unref(s->timer);
    }
    if (s->fd >= 0) {
        close(s->fd);
    }
    if (s->link) {
        unlink(s->link);
        g_free(s->link);
    }
}

static void pty_class_init(ObjectClass *oc, void *data)
{
    ChardevClass *cc = CHARDEV_CLASS(oc);

    cc->parse = pty_chr_parse;
    cc->open = pty_chr_open;
    cc->chr_write = pty_chr_write;
    cc->chr_update_read_handler = pty_chr_update_read_handler;
    cc->chr_add_watch = pty_chr_add_watch;
}

static const TypeInfo pty_type_info = {
    .name = TYPE_CHARDEV_PTY,
    .parent = TYPE_CHARDEV,
    .instance_size = sizeof(PtyChardev),
    .instance_init = pty_chr_init,
    .instance_finalize = pty_chr_finalize,
    .class_init = pty_class_init,
};

static void register_types(void)
{
    type_register_static(&pty_type_info);
}

type_init(register_types)
