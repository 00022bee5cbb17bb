/*
 * Helpers for fd-based chardevs: a read watch that only polls while the
 * frontend can take data (flow control), a write watch, and non-blocking
 * write with SCM_RIGHTS support.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CHARDEV_CHAR_IO_H
#define CHARDEV_CHAR_IO_H

#include "chardev/char.h"

/* Called when @fd is readable and the frontend can take @max bytes. */
typedef void ChrReadyFunc(Chardev *chr, int max);

/* Attaches a read watch on @fd to the chardev's context. */
GSource *chr_fd_read_watch_add(Chardev *chr, int fd, ChrReadyFunc *ready);
void chr_fd_read_watch_remove(GSource **source);
/* A source calling @func(NULL, cond, data) when @cond holds on @fd. */
GSource *chr_fd_cond_watch_new(int fd, GIOCondition cond);
/* write() retrying EINTR; returns bytes written, or -1 with errno. */
int chr_fd_write(int fd, const uint8_t *buf, int len);

#endif
