/*
 * System emulation globals: the VM's name and UUID, serial backends,
 * the chosen display, and the -S / -daemonize state.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef SYSTEM_SYSTEM_H
#define SYSTEM_SYSTEM_H

#include "vireo/osdep.h"
#include "chardev/char.h"

extern const char *qemu_name;
extern uint8_t qemu_uuid[16];
extern bool qemu_uuid_set;
extern bool autostart;

#define MAX_SERIAL_PORTS 4

/* The chardev of -serial number @i, or NULL. */
Chardev *serial_hd(int i);
int serial_max_hds(void);

bool is_daemonized(void);

#endif
