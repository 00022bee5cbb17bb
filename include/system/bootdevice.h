/*
 * The boot order: devices with a bootindex property register here, and
 * fw_cfg's "bootorder" file lists them by index for the firmware.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef SYSTEM_BOOTDEVICE_H
#define SYSTEM_BOOTDEVICE_H

#include "hw/qdev-core.h"

/* Adds a "bootindex" property (int32, -1: not a boot device) to @obj that
 * stores into @bootindex and registers @dev with @suffix (e.g. "/disk@0,0"). */
void device_add_bootindex_property(Object *obj, int32_t *bootindex,
                                   const char *name, const char *suffix,
                                   DeviceState *dev);
/* The "bootorder" file: one device path per line, by bootindex; NULL and
 * *size 0 when no device has one. */
char *get_boot_devices_list(size_t *size);

#endif
