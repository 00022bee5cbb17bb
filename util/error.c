/*
 * Placeholder until the error-handling work lands.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
