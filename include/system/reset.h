/*
 * Machine reset handlers: run in registration order on every reset.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef SYSTEM_RESET_H
#define SYSTEM_RESET_H

typedef void QEMUResetHandler(void *opaque);

void qemu_register_reset(QEMUResetHandler *func, void *opaque);
void qemu_unregister_reset(QEMUResetHandler *func, void *opaque);
void qemu_devices_reset(int reason);

#endif
