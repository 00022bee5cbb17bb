/*
 * The multiplexer: several frontends (serial, monitor) share one
 * backend, switched with C-a c.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CHARDEV_CHAR_MUX_H
#define CHARDEV_CHAR_MUX_H

#include "chardev/char.h"

#define TYPE_CHARDEV_MUX "chardev-mux"
#define MAX_MUX 4

typedef struct MuxChardev {
    Chardev parent;
    CharBackend *backends[MAX_MUX];
    CharBackend chr;
    int focus;
    int mux_cnt;
    bool term_got_escape;
    int max_size;
    unsigned char buffer[MAX_MUX][32];
    int prod[MAX_MUX];
    int cons[MAX_MUX];
    bool linestart;
    bool timestamps;
    int64_t timestamps_start;
} MuxChardev;

DECLARE_INSTANCE_CHECKER(MuxChardev, MUX_CHARDEV, TYPE_CHARDEV_MUX)
#define CHARDEV_IS_MUX(chr) \
    (object_dynamic_cast(OBJECT(chr), TYPE_CHARDEV_MUX) != NULL)

void mux_set_focus(Chardev *chr, int focus);
void mux_chr_send_all_event(Chardev *chr, QEMUChrEvent event);
bool mux_chr_attach_frontend(MuxChardev *d, CharBackend *b,
                             unsigned int *tag, Error **errp);
void mux_chr_detach_frontend(MuxChardev *d, int tag);

#endif
