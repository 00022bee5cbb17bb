/*
 * The stdio chardev: the emulator's own terminal, in raw mode while it
 * runs (restored at exit); signal=off keeps ^C for the guest.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include <termios.h>
#include "vireo/error.h"
#include "chardev/char-fd.h"

static bool stdio_in_use;
static bool stdio_allow_signal;
static bool stdio_echo_state;
static struct termios oldtty;
static bool oldtty_saved;

static void term_exit(void)
{
    if (oldtty_saved) {
        tcsetattr(0, TCSANOW, &oldtty);
        fcntl(0, F_SETFL, fcntl(0, F_GETFL) & ~O_NONBLOCK);
    }
}

static void stdio_set_echo(Chardev *chr, bool echo)
{
    struct termios tty;

    stdio_echo_state = echo;
    if (!isatty(0)) {
        return;
    }
    tty = oldtty;
    if (!echo) {
        tty.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR |
                         ICRNL | IXON);
        tty.c_oflag |= OPOST;
        tty.c_lflag &= ~(ECHO | ECHONL | ICANON | IEXTEN);
        tty.c_cflag &= ~(CSIZE | PARENB);
        tty.c_cflag |= CS8;
        tty.c_cc[VMIN] = 1;
        tty.c_cc[VTIME] = 0;
    }
    if (!stdio_allow_signal) {
        tty.c_lflag &= ~ISIG;
    }
    tcsetattr(0, TCSANOW, &tty);
}

static void stdio_chr_open(Chardev *chr, ChardevBackend *backend,
                           bool *be_opened, Error **errp)
{
    ChardevStdio *opts = backend->u.stdio.data;

    if (stdio_in_use) {
        error_setg(errp, "cannot use stdio by multiple character devices");
        return;
    }
    stdio_in_use = true;
    if (isatty(0) && tcgetattr(0, &oldtty) == 0) {
        oldtty_saved = true;
        atexit(term_exit);
    }
    qemu_chr_open_fd(chr, 0, 1);
    stdio_allow_signal = !opts->has_signal || opts->signal;
    stdio_set_echo(chr, false);
}

static void stdio_chr_parse(QemuOpts *opts, ChardevBackend *backend,
                            Error **errp)
{
    ChardevStdio *stdio = backend->u.stdio.data = g_new0(ChardevStdio, 1);

    qemu_chr_parse_common(opts, qapi_ChardevStdio_base(stdio));
    stdio->has_signal = true;
    stdio->signal = qemu_opt_get_bool(opts, "signal", true);
}

static void stdio_finalize(Object *obj)
{
    term_exit();
    stdio_in_use = false;
}

static void stdio_class_init(ObjectClass *oc, void *data)
{
    ChardevClass *cc = CHARDEV_CLASS(oc);

    cc->parse = stdio_chr_parse;
    cc->open = stdio_chr_open;
    cc->chr_set_echo = stdio_set_echo;
}

static const TypeInfo stdio_type_info = {
    .name = CHARDEV_TYPE_NAME("stdio"),
    .parent = TYPE_CHARDEV_FD,
    .instance_finalize = stdio_finalize,
    .class_init = stdio_class_init,
};

static void register_types(void)
{
    type_register_static(&stdio_type_info);
}

type_init(register_types)
