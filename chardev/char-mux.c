/*
 * The mux chardev: up to four frontends (typically the serial port and
 * the HMP monitor of -serial mon:stdio / -nographic) share one backend.
 * Input goes to the frontend with the focus; C-a c moves the focus,
 * C-a x quits, C-a h lists the keys.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "vireo/timer.h"
#include "chardev/char-mux.h"
#include "system/runstate.h"

#define TERM_ESCAPE 0x01    /* C-a */

static const char *const mux_help[] = {
    "% h    print this help\n\r",
    "% x    exit emulator\n\r",
    "% s    save disk data back to file (if -snapshot)\n\r",
    "% t    toggle console timestamps\n\r",
    "% b    send break (magic sysrq)\n\r",
    "% c    switch between console and monitor\n\r",
    "% %  sends %\n\r",
    NULL
};

/* Output of the focused frontend, with optional timestamps. */
static int mux_chr_write(Chardev *chr, const uint8_t *buf, int len)
{
    MuxChardev *d = MUX_CHARDEV(chr);
    int ret = 0;

    if (!d->timestamps) {
        return qemu_chr_fe_write(&d->chr, buf, len);
    }
    for (int i = 0; i < len; i++) {
        if (d->linestart) {
            int64_t ti = qemu_clock_get_ms(QEMU_CLOCK_REALTIME);
            char stamp[64];

            if (d->timestamps_start == -1) {
                d->timestamps_start = ti;
            }
            ti -= d->timestamps_start;
            g_snprintf(stamp, sizeof(stamp), "[%02d:%02d:%02d.%03d] ",
                       (int)(ti / 3600000), (int)(ti / 60000 % 60),
                       (int)(ti / 1000 % 60), (int)(ti % 1000));
            qemu_chr_fe_write_all(&d->chr, (uint8_t *)stamp, strlen(stamp));
            d->linestart = false;
        }
        ret += qemu_chr_fe_write(&d->chr, buf + i, 1);
        if (buf[i] == '\n') {
            d->linestart = true;
        }
    }
    return ret;
}

static void mux_print_help(Chardev *chr)
{
    MuxChardev *d = MUX_CHARDEV(chr);

    for (int i = 0; mux_help[i]; i++) {
        for (const char *p = mux_help[i]; *p; p++) {
            if (*p == '%') {
                qemu_chr_fe_write_all(&d->chr, (const uint8_t *)"C-a", 3);
            } else {
                qemu_chr_fe_write_all(&d->chr, (const uint8_t *)p, 1);
            }
        }
    }
}

static void mux_chr_send_event(MuxChardev *d, int mux_nr, QEMUChrEvent event)
{
    CharBackend *be = d->backends[mux_nr];

    if (be && be->chr_event) {
        be->chr_event(be->opaque, event);
    }
}

void mux_chr_send_all_event(Chardev *chr, QEMUChrEvent event)
{
    MuxChardev *d = MUX_CHARDEV(chr);

    for (int i = 0; i < d->mux_cnt; i++) {
        mux_chr_send_event(d, i, event);
    }
}

/* Events of the mux itself go to the frontend with the focus. */
static void mux_chr_be_event(Chardev *chr, QEMUChrEvent event)
{
    MuxChardev *d = MUX_CHARDEV(chr);

    if (d->focus != -1) {
        mux_chr_send_event(d, d->focus, event);
    }
}

/* True if @ch was part of an escape sequence. */
static bool mux_proc_byte(Chardev *chr, MuxChardev *d, int ch)
{
    if (d->term_got_escape) {
        d->term_got_escape = false;
        if (ch == TERM_ESCAPE) {
            return false;       /* C-a C-a sends C-a */
        }
        switch (ch) {
        case '?':
        case 'h':
            mux_print_help(chr);
            break;
        case 'x': {
            const char *term = "QEMU: Terminated\n\r";
            qemu_chr_write_all(chr, (const uint8_t *)term, strlen(term));
            qemu_system_shutdown_request(SHUTDOWN_CAUSE_HOST_UI);
            break;
        }
        case 's':
            /* Nothing to commit: no drive runs with -snapshot. */
            break;
        case 'b':
            qemu_chr_be_event(chr, CHR_EVENT_BREAK);
            mux_chr_send_event(d, d->focus, CHR_EVENT_BREAK);
            break;
        case 'c':
            /* Switch to the next registered frontend. */
            if (d->mux_cnt) {
                mux_set_focus(chr, (d->focus + 1) % d->mux_cnt);
            }
            break;
        case 't':
            d->timestamps = !d->timestamps;
            d->timestamps_start = -1;
            d->linestart = false;
            break;
        }
        return true;
    }
    if (ch == TERM_ESCAPE) {
        d->term_got_escape = true;
        return true;
    }
    return false;
}

static void mux_chr_accept_input(Chardev *chr)
{
    MuxChardev *d = MUX_CHARDEV(chr);
    int m = d->focus;
    CharBackend *be = d->backends[m];

    while (be && d->prod[m] != d->cons[m] && be->chr_can_read &&
           be->chr_can_read(be->opaque)) {
        be->chr_read(be->opaque,
                     &d->buffer[m][d->cons[m]++ & (sizeof(d->buffer[0]) - 1)],
                     1);
    }
}

static int mux_chr_can_read(void *opaque)
{
    MuxChardev *d = MUX_CHARDEV(opaque);
    int m = d->focus;
    CharBackend *be = d->backends[m];

    if (d->prod[m] - d->cons[m] < (int)sizeof(d->buffer[0])) {
        return 1;
    }
    if (be && be->chr_can_read) {
        return be->chr_can_read(be->opaque);
    }
    return 0;
}

static void mux_chr_read(void *opaque, const uint8_t *buf, int size)
{
    Chardev *chr = CHARDEV(opaque);
    MuxChardev *d = MUX_CHARDEV(opaque);
    int m = d->focus;
    CharBackend *be = d->backends[m];

    mux_chr_accept_input(opaque);
    for (int i = 0; i < size; i++) {
        if (mux_proc_byte(chr, d, buf[i])) {
            continue;
        }
        if (d->prod[m] == d->cons[m] && be && be->chr_can_read &&
            be->chr_can_read(be->opaque)) {
            be->chr_read(be->opaque, &buf[i], 1);
        } else {
            d->buffer[m][d->prod[m]++ & (sizeof(d->buffer[0]) - 1)] = buf[i];
        }
    }
}

static void mux_chr_event(void *opaque, QEMUChrEvent event)
{
    mux_chr_send_all_event(CHARDEV(opaque), event);
}

static GSource *mux_chr_add_watch(Chardev *s, GIOCondition cond)
{
    MuxChardev *d = MUX_CHARDEV(s);
    Chardev *chr = qemu_chr_fe_get_driver(&d->chr);
    ChardevClass *cc = CHARDEV_GET_CLASS(chr);

    return cc->chr_add_watch ? cc->chr_add_watch(chr, cond) : NULL;
}

static void mux_chr_update_read_handlers(Chardev *chr)
{
    MuxChardev *d = MUX_CHARDEV(chr);

    /* Fix up the real driver with the mux routines. */
    qemu_chr_fe_set_handlers(&d->chr, mux_chr_can_read, mux_chr_read,
                             mux_chr_event, NULL, chr, chr->gcontext, true);
}

void mux_set_focus(Chardev *chr, int focus)
{
    MuxChardev *d = MUX_CHARDEV(chr);

    g_assert(focus >= 0 && focus < d->mux_cnt);
    if (d->focus != -1) {
        mux_chr_send_event(d, d->focus, CHR_EVENT_MUX_OUT);
    }
    d->focus = focus;
    chr->be = d->backends[focus];
    mux_chr_send_event(d, d->focus, CHR_EVENT_MUX_IN);
}

bool mux_chr_attach_frontend(MuxChardev *d, CharBackend *b,
                             unsigned int *tag, Error **errp)
{
    if (d->mux_cnt >= MAX_MUX) {
        error_setg(errp, "too many uses of multiplexed chardev '%s'"
                   " (maximum is " G_STRINGIFY(MAX_MUX) ")",
                   d->parent.label);
        return false;
    }
    d->backends[d->mux_cnt] = b;
    *tag = d->mux_cnt++;
    return true;
}

void mux_chr_detach_frontend(MuxChardev *d, int tag)
{
    if (tag >= 0 && tag < MAX_MUX && d->backends[tag]) {
        d->backends[tag] = NULL;
    }
}

static void qemu_chr_open_mux(Chardev *chr, ChardevBackend *backend,
                              bool *be_opened, Error **errp)
{
    ChardevMux *mux = backend->u.mux.data;
    MuxChardev *d = MUX_CHARDEV(chr);
    Chardev *drv = qemu_chr_find(mux->chardev);

    if (drv == NULL) {
        error_setg(errp, "mux: base chardev %s not found", mux->chardev);
        return;
    }
    d->focus = -1;
    /* Each frontend learns it is open when it attaches and takes focus. */
    *be_opened = true;
    qemu_chr_fe_init(&d->chr, drv, errp);
    chr->filename = g_strdup(drv->filename);
}

static void qemu_chr_parse_mux(QemuOpts *opts, ChardevBackend *backend,
                               Error **errp)
{
    const char *chardev = qemu_opt_get(opts, "chardev");
    ChardevMux *mux;

    if (chardev == NULL) {
        error_setg(errp, "chardev: mux: no chardev given");
        return;
    }
    mux = backend->u.mux.data = g_new0(ChardevMux, 1);
    qemu_chr_parse_common(opts, qapi_ChardevMux_base(mux));
    mux->chardev = g_strdup(chardev);
}

static void mux_chr_finalize(Object *obj)
{
    MuxChardev *d = MUX_CHARDEV(obj);

    for (int i = 0; i < d->mux_cnt; i++) {
        CharBackend *be = d->backends[i];
        if (be) {
            be->chr = NULL;
        }
    }
    CHARDEV(obj)->be = NULL;
    qemu_chr_fe_deinit(&d->chr, false);
}

static void char_mux_class_init(ObjectClass *oc, void *data)
{
    ChardevClass *cc = CHARDEV_CLASS(oc);

    cc->parse = qemu_chr_parse_mux;
    cc->open = qemu_chr_open_mux;
    cc->chr_write = mux_chr_write;
    cc->chr_accept_input = mux_chr_accept_input;
    cc->chr_add_watch = mux_chr_add_watch;
    cc->chr_be_event = mux_chr_be_event;
    cc->chr_update_read_handler = mux_chr_update_read_handlers;
}

static const TypeInfo char_mux_type_info = {
    .name = TYPE_CHARDEV_MUX,
    .parent = TYPE_CHARDEV,
    .class_init = char_mux_class_init,
    .instance_size = sizeof(MuxChardev),
    .instance_finalize = mux_chr_finalize,
};

static void register_types(void)
{
    type_register_static(&char_mux_type_info);
}

type_init(register_types)
