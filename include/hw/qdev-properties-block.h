/*
 * qdev properties drive= (the device's DriveInfo, system/blockdev.h) and
 * werror=/rerror=.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef HW_QDEV_PROPERTIES_BLOCK_H
#define HW_QDEV_PROPERTIES_BLOCK_H

#include "hw/qdev-properties.h"
#include "system/blockdev.h"

extern const PropertyInfo qdev_prop_drive;
extern const PropertyInfo qdev_prop_blockdev_on_error;

#define DEFINE_PROP_DRIVE(_n, _s, _f) \
    DEFINE_PROP(_n, _s, _f, qdev_prop_drive, DriveInfo *)
/* QEMU's werror/rerror device properties; "auto" keeps the drive's. */
#define DEFINE_PROP_BLOCKDEV_ON_ERROR(_n, _s, _f) \
    DEFINE_PROP(_n, _s, _f, qdev_prop_blockdev_on_error, BlockdevOnError, \
                .set_default = true, .defval.i = BLOCKDEV_ON_ERROR_AUTO)

#endif
