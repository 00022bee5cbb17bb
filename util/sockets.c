/*
 * Socket address helpers (placeholder until the chardev work lands).
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
