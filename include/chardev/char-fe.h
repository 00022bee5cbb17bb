/*
 * The device side of a character device: a CharBackend connects one
 * frontend (a serial port, a monitor) to a Chardev.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CHARDEV_CHAR_FE_H
#define CHARDEV_CHAR_FE_H

#include "vireo/osdep.h"
#include "vireo/error.h"

typedef struct Chardev Chardev;

typedef enum QEMUChrEvent {
    CHR_EVENT_BREAK,    /* serial break char */
    CHR_EVENT_OPENED,   /* new connection established */
    CHR_EVENT_MUX_IN,   /* mux-focus was set to this terminal */
    CHR_EVENT_MUX_OUT,  /* mux-focus will move on */
    CHR_EVENT_CLOSED    /* connection closed */
} QEMUChrEvent;

typedef int IOCanReadHandler(void *opaque);
typedef void IOReadHandler(void *opaque, const uint8_t *buf, int size);
typedef void IOEventHandler(void *opaque, QEMUChrEvent event);
typedef int BackendChangeHandler(void *opaque);
typedef gboolean (*FEWatchFunc)(void *do_not_use, GIOCondition condition,
                                void *data);

typedef struct CharBackend {
    Chardev *chr;
    IOEventHandler *chr_event;
    IOCanReadHandler *chr_can_read;
    IOReadHandler *chr_read;
    BackendChangeHandler *chr_be_change;
    void *opaque;
    int tag;            /* index in a mux */
    bool fe_is_open;
} CharBackend;

/* Attaches @b to @s; fails if @s already has a frontend. */
bool qemu_chr_fe_init(CharBackend *b, Chardev *s, Error **errp);
/* Detaches; with @del the chardev is destroyed too. */
void qemu_chr_fe_deinit(CharBackend *b, bool del);
Chardev *qemu_chr_fe_get_driver(CharBackend *be);
bool qemu_chr_fe_backend_connected(CharBackend *be);
bool qemu_chr_fe_backend_open(CharBackend *be);
void qemu_chr_fe_set_handlers(CharBackend *b,
                              IOCanReadHandler *fd_can_read,
                              IOReadHandler *fd_read,
                              IOEventHandler *fd_event,
                              BackendChangeHandler *be_change,
                              void *opaque, GMainContext *context,
                              bool set_open);
void qemu_chr_fe_take_focus(CharBackend *b);
/* Frontend ready to read again (can_read grew). */
void qemu_chr_fe_accept_input(CharBackend *be);
void qemu_chr_fe_set_open(CharBackend *be, bool is_open);
void qemu_chr_fe_set_echo(CharBackend *be, bool echo);
/* Writes what the backend takes now (may be partial); -1 on error. */
int qemu_chr_fe_write(CharBackend *be, const uint8_t *buf, int len);
/* Writes everything, blocking if needed. */
int qemu_chr_fe_write_all(CharBackend *be, const uint8_t *buf, int len);
/* Calls @func when @cond holds on the backend (G_IO_OUT: writable). */
guint qemu_chr_fe_add_watch(CharBackend *be, GIOCondition cond,
                            FEWatchFunc func, void *user_data);
/* A file descriptor received with the last read (SCM_RIGHTS), or -1. */
int qemu_chr_fe_get_msgfd(CharBackend *be);
int qemu_chr_fe_get_msgfds(CharBackend *be, int *fds, int num);
int qemu_chr_fe_set_msgfds(CharBackend *be, int *fds, int num);
void qemu_chr_fe_disconnect(CharBackend *be);
int qemu_chr_fe_ioctl(CharBackend *be, int cmd, void *arg);

#define CHR_IOCTL_SERIAL_SET_BREAK    4

#endif
