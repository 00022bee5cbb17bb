/*
 * The guest's real-time clock configuration (-rtc base=, clock=): what
 * wall-clock time an RTC device starts from and which clock it follows.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef SYSTEM_RTC_H
#define SYSTEM_RTC_H

#include "vireo/error.h"
#include "vireo/timer.h"

/* clock=host (default, as QEMU), rt or vm. */
extern QEMUClockType rtc_clock;

/* -rtc base=utc|localtime|YYYY-MM-DD[THH:MM:SS]; false with an error. */
bool rtc_set_base(const char *base, Error **errp);

/* The guest wall-clock time now, in ns since the epoch, per the base. */
int64_t rtc_guest_time_ns(void);

#endif
