/*
 * -rtc base= and clock=: RTC devices start from the host's UTC time, its
 * local time (presented as if it were UTC, as guests that keep local
 * time expect), or a fixed date; they then advance with rtc_clock.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include <time.h>
#include "vireo/error.h"
#include "system/rtc.h"

QEMUClockType rtc_clock = QEMU_CLOCK_HOST;

static enum { RTC_BASE_UTC, RTC_BASE_LOCALTIME, RTC_BASE_DATE } rtc_base;
static int64_t rtc_date_offset_ns;  /* base=DATE: the date minus the host
                                     * time when the option was read */

bool rtc_set_base(const char *base, Error **errp)
{
    ERRP_GUARD();
    struct tm tm = { 0 };
    int n = 0;

    if (!strcmp(base, "utc")) {
        rtc_base = RTC_BASE_UTC;
        return true;
    }
    if (!strcmp(base, "localtime")) {
        rtc_base = RTC_BASE_LOCALTIME;
        return true;
    }
    if (sscanf(base, "%d-%d-%dT%d:%d:%d%n", &tm.tm_year, &tm.tm_mon,
               &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6 ||
        base[n]) {
        memset(&tm, 0, sizeof(tm));
        n = 0;
        if (sscanf(base, "%d-%d-%d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                   &n) != 3 || base[n]) {
            goto bad;
        }
    }
    if (tm.tm_year < 1970 || tm.tm_mon < 1 || tm.tm_mon > 12 ||
        tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
        tm.tm_min > 59 || tm.tm_sec > 60 || tm.tm_hour < 0 ||
        tm.tm_min < 0 || tm.tm_sec < 0) {
        goto bad;
    }
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    rtc_base = RTC_BASE_DATE;
    rtc_date_offset_ns = (int64_t)timegm(&tm) * NANOSECONDS_PER_SECOND -
                         qemu_clock_get_ns(QEMU_CLOCK_HOST);
    return true;

bad:
    error_setg(errp, "invalid datetime format");
    error_append_hint(errp, "valid formats: "
                      "'2006-06-17T16:01:21' or '2006-06-17'\n");
    return false;
}

int64_t rtc_guest_time_ns(void)
{
    int64_t now = qemu_clock_get_ns(QEMU_CLOCK_HOST);

    switch (rtc_base) {
    case RTC_BASE_LOCALTIME: {
        time_t secs = now / NANOSECONDS_PER_SECOND;
        struct tm tm;

        localtime_r(&secs, &tm);
        return now + (int64_t)tm.tm_gmtoff * NANOSECONDS_PER_SECOND;
    }
    case RTC_BASE_DATE:
        return now + rtc_date_offset_ns;
    default:
        return now;
    }
}
