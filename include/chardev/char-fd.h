/*
 * Chardevs on plain file descriptors (file, pipe, stdio, pty base).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CHARDEV_CHAR_FD_H
#define CHARDEV_CHAR_FD_H

#include "chardev/char.h"

#define TYPE_CHARDEV_FD "chardev-fd"

typedef struct FDChardev {
    Chardev parent;
    int fd_in, fd_out;      /* fd_in -1: output only */
    GSource *read_watch;
} FDChardev;

DECLARE_INSTANCE_CHECKER(FDChardev, FD_CHARDEV, TYPE_CHARDEV_FD)

/* Takes ownership of both fds (which may be equal). */
void qemu_chr_open_fd(Chardev *chr, int fd_in, int fd_out);

#endif
