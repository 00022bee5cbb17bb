/*
 * Every trace point of Vireo (see trace/control.h).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef TRACE_TRACE_H
#define TRACE_TRACE_H

#include "trace/trace-events-generated.h"

#endif
