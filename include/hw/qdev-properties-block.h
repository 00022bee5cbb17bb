/*
 * qdev property drive=: the device's DriveInfo (system/blockdev.h).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef HW_QDEV_PROPERTIES_BLOCK_H
#define HW_QDEV_PROPERTIES_BLOCK_H

#include "hw/qdev-properties.h"
#include "system/blockdev.h"

extern const PropertyInfo qdev_prop_drive;

#define DEFINE_PROP_DRIVE(_n, _s, _f) \
    DEFINE_PROP(_n, _s, _f, qdev_prop_drive, DriveInfo *)

#endif
