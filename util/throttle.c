/*
 * Leaky-bucket accounting for I/O throttling (see vireo/throttle.h).
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/throttle.h"

#define NS_PER_SEC 1000000000.0

/* The buckets a request of each direction fills and must find not full. */
static const BucketType bytes_buckets[THROTTLE_MAX][2] = {
    [THROTTLE_READ] = { THROTTLE_BPS_TOTAL, THROTTLE_BPS_READ },
    [THROTTLE_WRITE] = { THROTTLE_BPS_TOTAL, THROTTLE_BPS_WRITE },
};
static const BucketType ops_buckets[THROTTLE_MAX][2] = {
    [THROTTLE_READ] = { THROTTLE_OPS_TOTAL, THROTTLE_OPS_READ },
    [THROTTLE_WRITE] = { THROTTLE_OPS_TOTAL, THROTTLE_OPS_WRITE },
};

#define PARAMS_OF(prefix, bucket) \
    { prefix, bucket, THROTTLE_FIELD_AVG }, \
    { prefix "-max", bucket, THROTTLE_FIELD_MAX }, \
    { prefix "-max-length", bucket, THROTTLE_FIELD_BURST_LENGTH }

const ThrottleParam throttle_params[THROTTLE_PARAM_COUNT] = {
    PARAMS_OF("iops-total", THROTTLE_OPS_TOTAL),
    PARAMS_OF("iops-read", THROTTLE_OPS_READ),
    PARAMS_OF("iops-write", THROTTLE_OPS_WRITE),
    PARAMS_OF("bps-total", THROTTLE_BPS_TOTAL),
    PARAMS_OF("bps-read", THROTTLE_BPS_READ),
    PARAMS_OF("bps-write", THROTTLE_BPS_WRITE),
    { "iops-size", 0, THROTTLE_FIELD_OP_SIZE },
};

uint64_t *throttle_param_ptr(ThrottleConfig *cfg, const ThrottleParam *param)
{
    LeakyBucket *bkt = &cfg->buckets[param->bucket];

    switch (param->field) {
    case THROTTLE_FIELD_AVG:
        return &bkt->avg;
    case THROTTLE_FIELD_MAX:
        return &bkt->max;
    case THROTTLE_FIELD_BURST_LENGTH:
        return &bkt->burst_length;
    case THROTTLE_FIELD_OP_SIZE:
        break;
    }
    return &cfg->op_size;
}

void throttle_config_init(ThrottleConfig *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    for (int i = 0; i < BUCKETS_COUNT; i++) {
        cfg->buckets[i].burst_length = 1;
    }
}

bool throttle_enabled(const ThrottleConfig *cfg)
{
    for (int i = 0; i < BUCKETS_COUNT; i++) {
        if (cfg->buckets[i].avg > 0) {
            return true;
        }
    }
    return false;
}

/* A total limit next to a read or write one of the same kind. */
static bool total_and_split(const ThrottleConfig *cfg, BucketType total,
                            bool burst)
{
    const LeakyBucket *b = cfg->buckets;

    if (burst) {
        return b[total].max && (b[total + 1].max || b[total + 2].max);
    }
    return b[total].avg && (b[total + 1].avg || b[total + 2].avg);
}

bool throttle_is_valid(const ThrottleConfig *cfg, Error **errp)
{
    const LeakyBucket *b = cfg->buckets;

    if (total_and_split(cfg, THROTTLE_BPS_TOTAL, false) ||
        total_and_split(cfg, THROTTLE_OPS_TOTAL, false) ||
        total_and_split(cfg, THROTTLE_BPS_TOTAL, true) ||
        total_and_split(cfg, THROTTLE_OPS_TOTAL, true)) {
        error_setg(errp, "bps/iops/max total values and read/write values"
                   " cannot be used at the same time");
        return false;
    }
    if (cfg->op_size && !b[THROTTLE_OPS_TOTAL].avg &&
        !b[THROTTLE_OPS_READ].avg && !b[THROTTLE_OPS_WRITE].avg) {
        error_setg(errp, "iops size requires an iops value to be set");
        return false;
    }
    for (int i = 0; i < BUCKETS_COUNT; i++) {
        const LeakyBucket *bkt = &b[i];

        if (bkt->avg > THROTTLE_VALUE_MAX || bkt->max > THROTTLE_VALUE_MAX) {
            error_setg(errp, "bps/iops/max values must be within [0, %lld]",
                       THROTTLE_VALUE_MAX);
            return false;
        }
        if (!bkt->burst_length) {
            error_setg(errp, "the burst length cannot be 0");
            return false;
        }
        if (bkt->burst_length > 1 && !bkt->max) {
            error_setg(errp, "burst length set without burst rate");
            return false;
        }
        /* The burst bucket holds max * burst_length units. */
        if (bkt->max && bkt->burst_length > THROTTLE_VALUE_MAX / bkt->max) {
            error_setg(errp, "burst length too high for this burst rate");
            return false;
        }
        if (bkt->max && !bkt->avg) {
            error_setg(errp, "bps_max/iops_max require corresponding"
                       " bps/iops values");
            return false;
        }
        if (bkt->max && bkt->max < bkt->avg) {
            error_setg(errp, "bps_max/iops_max cannot be lower than bps/iops");
            return false;
        }
    }
    return true;
}

void throttle_init(ThrottleState *ts)
{
    memset(ts, 0, sizeof(*ts));
    throttle_config_init(&ts->cfg);
}

void throttle_config(ThrottleState *ts, const ThrottleConfig *cfg,
                     int64_t now)
{
    ts->cfg = *cfg;
    for (int i = 0; i < BUCKETS_COUNT; i++) {
        ts->cfg.buckets[i].level = 0;
        ts->cfg.buckets[i].burst_level = 0;
    }
    ts->previous_leak = now;
}

void throttle_get_config(const ThrottleState *ts, ThrottleConfig *cfg)
{
    *cfg = ts->cfg;
}

void throttle_leak_bucket(LeakyBucket *bkt, int64_t delta_ns)
{
    bkt->level = MAX(bkt->level - bkt->avg * (double)delta_ns / NS_PER_SEC,
                     0);
    /* A burst longer than a second also has to keep to max per second. */
    if (bkt->burst_length > 1) {
        bkt->burst_level = MAX(bkt->burst_level -
                               bkt->max * (double)delta_ns / NS_PER_SEC, 0);
    }
}

static int64_t wait_ns(double excess, uint64_t rate)
{
    return excess * NS_PER_SEC / rate;
}

int64_t throttle_compute_wait(const LeakyBucket *bkt)
{
    double size, burst_size;

    if (!bkt->avg) {
        return 0;
    }
    if (bkt->max) {
        /* I/O may run at max for burst_length seconds before avg holds,
         * itself smoothed to a tenth of a second at a time. */
        size = (double)bkt->max * bkt->burst_length;
        burst_size = (double)bkt->max / 10;
    } else {
        /* A tenth of a second's worth may still come at once, or every
         * other request of a busy guest would wait. */
        size = (double)bkt->avg / 10;
        burst_size = 0;
    }
    if (bkt->level > size) {
        return wait_ns(bkt->level - size, bkt->avg);
    }
    if (bkt->burst_length > 1 && bkt->max &&
        bkt->burst_level > burst_size) {
        return wait_ns(bkt->burst_level - burst_size, bkt->max);
    }
    return 0;
}

int64_t throttle_compute_wait_for(ThrottleState *ts, ThrottleDirection dir,
                                  int64_t now)
{
    int64_t delta = now - ts->previous_leak;
    int64_t longest = 0;

    ts->previous_leak = now;
    if (delta > 0) {
        for (int i = 0; i < BUCKETS_COUNT; i++) {
            throttle_leak_bucket(&ts->cfg.buckets[i], delta);
        }
    }
    for (int i = 0; i < 2; i++) {
        longest = MAX(longest, throttle_compute_wait(
                          &ts->cfg.buckets[bytes_buckets[dir][i]]));
        longest = MAX(longest, throttle_compute_wait(
                          &ts->cfg.buckets[ops_buckets[dir][i]]));
    }
    return longest;
}

static void bucket_add(LeakyBucket *bkt, double units)
{
    bkt->level += units;
    if (bkt->burst_length > 1) {
        bkt->burst_level += units;
    }
}

void throttle_account(ThrottleState *ts, ThrottleDirection dir,
                      uint64_t bytes)
{
    double ops = 1.0;

    /* With iops_size, a large request counts as several operations. */
    if (ts->cfg.op_size && bytes > ts->cfg.op_size) {
        ops = (double)bytes / ts->cfg.op_size;
    }
    for (int i = 0; i < 2; i++) {
        bucket_add(&ts->cfg.buckets[bytes_buckets[dir][i]], bytes);
        bucket_add(&ts->cfg.buckets[ops_buckets[dir][i]], ops);
    }
}
