/*
 * qdev properties naming backends: chardev=, ...
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef HW_QDEV_PROPERTIES_SYSTEM_H
#define HW_QDEV_PROPERTIES_SYSTEM_H

#include "hw/qdev-properties.h"
#include "chardev/char-fe.h"

extern const PropertyInfo qdev_prop_chr;

#define DEFINE_PROP_CHR(_n, _s, _f) \
    DEFINE_PROP(_n, _s, _f, qdev_prop_chr, CharBackend)

void qdev_prop_set_chr(DeviceState *dev, const char *name, Chardev *value);

#endif
