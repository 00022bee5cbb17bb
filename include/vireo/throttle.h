/*
 * I/O throttling accounting, after QEMU's design (docs/throttle.txt): six
 * leaky buckets (bytes and operations; total, read and write), each with
 * an average rate, an optional burst rate allowed for a number of seconds,
 * and a fill level that drains at the average rate.  A request may start
 * when no bucket of its direction is over its size; its cost is added
 * after it was let through.  The functions take the time explicitly, so
 * the arithmetic can be tested without a clock.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef VIREO_THROTTLE_H
#define VIREO_THROTTLE_H

#include "vireo/osdep.h"
#include "vireo/error.h"

typedef enum BucketType {
    THROTTLE_BPS_TOTAL,
    THROTTLE_BPS_READ,
    THROTTLE_BPS_WRITE,
    THROTTLE_OPS_TOTAL,
    THROTTLE_OPS_READ,
    THROTTLE_OPS_WRITE,
    BUCKETS_COUNT,
} BucketType;

typedef enum ThrottleDirection {
    THROTTLE_READ,
    THROTTLE_WRITE,
    THROTTLE_MAX,
} ThrottleDirection;

/* The largest rate (and rate times burst length) QEMU accepts. */
#define THROTTLE_VALUE_MAX 1000000000000000LL

typedef struct LeakyBucket {
    uint64_t avg;               /* units per second; 0: no limit */
    uint64_t max;               /* burst rate; 0: bursts of avg / 10 */
    double level;               /* units not yet leaked */
    double burst_level;         /* the same at the burst rate */
    uint64_t burst_length;      /* seconds max may be sustained (>= 1) */
} LeakyBucket;

typedef struct ThrottleConfig {
    LeakyBucket buckets[BUCKETS_COUNT];
    uint64_t op_size;           /* iops_size: larger requests count more */
} ThrottleConfig;

typedef struct ThrottleState {
    ThrottleConfig cfg;
    int64_t previous_leak;      /* ns of the last leak */
} ThrottleState;

/* No limits; every burst length 1 (what "unset" means). */
void throttle_config_init(ThrottleConfig *cfg);
/* Does any bucket have a rate? */
bool throttle_enabled(const ThrottleConfig *cfg);
/* QEMU's checks, with its messages. */
bool throttle_is_valid(const ThrottleConfig *cfg, Error **errp);

void throttle_init(ThrottleState *ts);
/* Take @cfg with empty buckets, leaking from @now on. */
void throttle_config(ThrottleState *ts, const ThrottleConfig *cfg,
                     int64_t now);
void throttle_get_config(const ThrottleState *ts, ThrottleConfig *cfg);

/* Drain @bkt for @delta_ns nanoseconds. */
void throttle_leak_bucket(LeakyBucket *bkt, int64_t delta_ns);
/* Nanoseconds until @bkt lets the next request through (0: now). */
int64_t throttle_compute_wait(const LeakyBucket *bkt);
/* Leak everything up to @now, then the longest wait of the buckets a
 * request in @dir passes through. */
int64_t throttle_compute_wait_for(ThrottleState *ts, ThrottleDirection dir,
                                  int64_t now);
/* Charge a request of @bytes that was let through. */
void throttle_account(ThrottleState *ts, ThrottleDirection dir,
                      uint64_t bytes);

/*
 * The 19 settings by QEMU's option names ("iops-total", "bps-read-max",
 * "bps-write-max-length", ..., "iops-size"), in QEMU's order.  -drive
 * prefixes them with "throttling.", throttle-group objects with "x-",
 * ThrottleLimits uses them as they are.
 */
typedef enum ThrottleField {
    THROTTLE_FIELD_AVG,
    THROTTLE_FIELD_MAX,
    THROTTLE_FIELD_BURST_LENGTH,
    THROTTLE_FIELD_OP_SIZE,
} ThrottleField;

typedef struct ThrottleParam {
    const char *name;
    BucketType bucket;          /* unused for the op size */
    ThrottleField field;
} ThrottleParam;

#define THROTTLE_PARAM_COUNT 19
extern const ThrottleParam throttle_params[THROTTLE_PARAM_COUNT];

/* The value @param names in @cfg. */
uint64_t *throttle_param_ptr(ThrottleConfig *cfg, const ThrottleParam *param);

#endif
