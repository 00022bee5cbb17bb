/*
 * Unit tests: leaky-bucket accounting and config validation
 * (vireo/throttle.h).  Times are given explicitly, so no clock runs.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/throttle.h"

#define SEC 1000000000LL
#define MS 1000000LL
#define MB 1000000

static ThrottleState ts;

static void setup(BucketType b, uint64_t avg, uint64_t max, uint64_t len)
{
    ThrottleConfig cfg;

    throttle_config_init(&cfg);
    cfg.buckets[b].avg = avg;
    cfg.buckets[b].max = max;
    cfg.buckets[b].burst_length = len;
    g_assert(throttle_is_valid(&cfg, &error_abort));
    throttle_init(&ts);
    throttle_config(&ts, &cfg, 0);
}

/* Wait in ms, so rounding of the double arithmetic does not matter. */
static int64_t wait_ms(ThrottleDirection dir, int64_t now)
{
    return (throttle_compute_wait_for(&ts, dir, now) + MS / 2) / MS;
}

static void test_no_limit(void)
{
    throttle_init(&ts);
    g_assert(!throttle_enabled(&ts.cfg));
    throttle_account(&ts, THROTTLE_READ, 1ULL << 40);
    g_assert_cmpint(throttle_compute_wait_for(&ts, THROTTLE_READ, 0), ==, 0);
}

/* 1 MB/s: a 4 MB read passes at once (the bucket was empty), and the
 * next request waits until the bucket is back to a tenth of a second's
 * worth: 3.9 s.  Leaking partly shortens the wait accordingly. */
static void test_bps_delay(void)
{
    setup(THROTTLE_BPS_TOTAL, MB, 0, 1);
    g_assert_cmpint(wait_ms(THROTTLE_READ, 0), ==, 0);
    throttle_account(&ts, THROTTLE_READ, 4 * MB);
    g_assert_cmpint(wait_ms(THROTTLE_READ, 0), ==, 3900);
    g_assert_cmpint(wait_ms(THROTTLE_WRITE, 0), ==, 3900);  /* total */
    g_assert_cmpint(wait_ms(THROTTLE_READ, 1 * SEC), ==, 2900);
    g_assert_cmpint(wait_ms(THROTTLE_READ, 3900 * MS), ==, 0);
    /* Leaking stops at empty: the next 4 MB costs the same again. */
    g_assert_cmpint(wait_ms(THROTTLE_READ, 100 * SEC), ==, 0);
    throttle_account(&ts, THROTTLE_READ, 4 * MB);
    g_assert_cmpint(wait_ms(THROTTLE_READ, 100 * SEC), ==, 3900);
}

/* A stream of 64 KiB reads at 1 MB/s takes about size / rate. */
static void test_bps_stream(void)
{
    int64_t now = 0, bytes = 0;

    setup(THROTTLE_BPS_TOTAL, MB, 0, 1);
    while (bytes < 10 * MB) {
        now += throttle_compute_wait_for(&ts, THROTTLE_READ, now);
        g_assert_cmpint(throttle_compute_wait_for(&ts, THROTTLE_READ, now),
                        ==, 0);
        throttle_account(&ts, THROTTLE_READ, 65536);
        bytes += 65536;
    }
    /* All but the first tenth of a second's worth had to wait. */
    g_assert_cmpint(now, >=, (bytes - 65536 - MB / 10) * SEC / MB - SEC / 100);
    g_assert_cmpint(now, <=, (bytes - 65536) * SEC / MB);
}

/* Read limits leave writes alone; total limits apply to both. */
static void test_directions(void)
{
    setup(THROTTLE_BPS_READ, MB, 0, 1);
    throttle_account(&ts, THROTTLE_READ, 2 * MB);
    g_assert_cmpint(wait_ms(THROTTLE_READ, 0), ==, 1900);
    g_assert_cmpint(wait_ms(THROTTLE_WRITE, 0), ==, 0);
    throttle_account(&ts, THROTTLE_WRITE, 50 * MB);
    g_assert_cmpint(wait_ms(THROTTLE_WRITE, 0), ==, 0);
}

/* 10 iops: one request passes, then the second waits 0.9 s. */
static void test_iops(void)
{
    setup(THROTTLE_OPS_TOTAL, 10, 0, 1);
    throttle_account(&ts, THROTTLE_WRITE, 512);
    g_assert_cmpint(wait_ms(THROTTLE_WRITE, 0), ==, 0);
    throttle_account(&ts, THROTTLE_WRITE, 512);
    g_assert_cmpint(wait_ms(THROTTLE_WRITE, 0), ==, 100);
}

/* iops_size: a request of 4 units' size counts as 4 operations. */
static void test_iops_size(void)
{
    ThrottleConfig cfg;

    throttle_config_init(&cfg);
    cfg.buckets[THROTTLE_OPS_TOTAL].avg = 10;
    cfg.op_size = 4096;
    g_assert(throttle_is_valid(&cfg, &error_abort));
    throttle_init(&ts);
    throttle_config(&ts, &cfg, 0);
    throttle_account(&ts, THROTTLE_READ, 16384);
    g_assert_cmpint(wait_ms(THROTTLE_READ, 0), ==, 300);
    /* Smaller requests still count as one. */
    throttle_config(&ts, &cfg, 0);
    throttle_account(&ts, THROTTLE_READ, 512);
    g_assert_cmpint(wait_ms(THROTTLE_READ, 0), ==, 0);
}

/* Bursts: 1 MB/s with 10 MB/s for 2 s.  About 20 MB go at the burst
 * rate (a tenth of a second of it at once), then the average holds. */
static void test_burst(void)
{
    int64_t now = 0, bytes = 0, expect;

    setup(THROTTLE_BPS_TOTAL, MB, 10 * MB, 2);
    throttle_account(&ts, THROTTLE_READ, 2 * MB);
    /* A tenth of a second of burst over: wait at the burst rate. */
    g_assert_cmpint(wait_ms(THROTTLE_READ, 0), ==, 100);

    setup(THROTTLE_BPS_TOTAL, MB, 10 * MB, 2);
    while (bytes < 19 * MB) {
        now += throttle_compute_wait_for(&ts, THROTTLE_READ, now);
        throttle_account(&ts, THROTTLE_READ, 65536);
        bytes += 65536;
    }
    /* The first 1 MB at once, the rest at 10 MB/s. */
    expect = (bytes - 65536 - MB) * SEC / (10 * MB);
    g_assert_cmpint(now, >=, expect - MS);
    g_assert_cmpint(now, <=, expect + 10 * MS);
    while (bytes < 30 * MB) {
        now += throttle_compute_wait_for(&ts, THROTTLE_READ, now);
        throttle_account(&ts, THROTTLE_READ, 65536);
        bytes += 65536;
    }
    /* The bucket is full: each request waits for it to be at 20 MB. */
    expect = (bytes - 65536 - 20 * MB) * SEC / MB;
    g_assert_cmpint(now, >=, expect - MS);
    g_assert_cmpint(now, <=, expect + 10 * MS);
}

/* Without a burst length the burst rate only raises the bucket size. */
static void test_max_without_length(void)
{
    setup(THROTTLE_BPS_TOTAL, MB, 5 * MB, 1);
    throttle_account(&ts, THROTTLE_READ, 5 * MB);
    g_assert_cmpint(wait_ms(THROTTLE_READ, 0), ==, 0);
    throttle_account(&ts, THROTTLE_READ, MB);
    g_assert_cmpint(wait_ms(THROTTLE_READ, 0), ==, 1000);
}

static void expect_invalid(ThrottleConfig *cfg, const char *msg)
{
    Error *err = NULL;

    g_assert(!throttle_is_valid(cfg, &err));
    g_assert_cmpstr(error_get_pretty(err), ==, msg);
    error_free(err);
}

static void test_validation(void)
{
    ThrottleConfig cfg;

    throttle_config_init(&cfg);
    g_assert(throttle_is_valid(&cfg, &error_abort));
    g_assert(!throttle_enabled(&cfg));
    cfg.buckets[THROTTLE_BPS_TOTAL].avg = 1;
    cfg.buckets[THROTTLE_BPS_WRITE].avg = 1;
    expect_invalid(&cfg, "bps/iops/max total values and read/write values "
                   "cannot be used at the same time");
    throttle_config_init(&cfg);
    cfg.buckets[THROTTLE_OPS_TOTAL].avg = 10;
    cfg.buckets[THROTTLE_OPS_READ].max = 5;
    cfg.buckets[THROTTLE_OPS_TOTAL].max = 20;
    expect_invalid(&cfg, "bps/iops/max total values and read/write values "
                   "cannot be used at the same time");

    throttle_config_init(&cfg);
    cfg.op_size = 4096;
    expect_invalid(&cfg, "iops size requires an iops value to be set");
    cfg.buckets[THROTTLE_OPS_WRITE].avg = 5;
    g_assert(throttle_is_valid(&cfg, &error_abort));

    for (int i = 0; i < BUCKETS_COUNT; i++) {
        LeakyBucket *b = &cfg.buckets[i];

        throttle_config_init(&cfg);
        b->avg = THROTTLE_VALUE_MAX;
        g_assert(throttle_is_valid(&cfg, &error_abort));
        g_assert(throttle_enabled(&cfg));
        b->avg = THROTTLE_VALUE_MAX + 1;
        expect_invalid(&cfg, "bps/iops/max values must be within "
                       "[0, 1000000000000000]");
        b->avg = 100;
        b->max = 0;
        b->burst_length = 0;
        expect_invalid(&cfg, "the burst length cannot be 0");
        b->burst_length = 2;
        expect_invalid(&cfg, "burst length set without burst rate");
        b->max = 200;
        g_assert(throttle_is_valid(&cfg, &error_abort));
        b->burst_length = THROTTLE_VALUE_MAX / 200 + 1;
        expect_invalid(&cfg, "burst length too high for this burst rate");
        b->burst_length = 1;
        b->max = 50;
        expect_invalid(&cfg, "bps_max/iops_max cannot be lower than "
                       "bps/iops");
        b->avg = 0;
        expect_invalid(&cfg, "bps_max/iops_max require corresponding "
                       "bps/iops values");
    }
}

/* The option names map onto the fields QEMU gives them. */
static void test_params(void)
{
    ThrottleConfig cfg;

    throttle_config_init(&cfg);
    for (int i = 0; i < THROTTLE_PARAM_COUNT; i++) {
        *throttle_param_ptr(&cfg, &throttle_params[i]) = i + 1;
    }
    g_assert_cmpstr(throttle_params[0].name, ==, "iops-total");
    g_assert_cmpint(cfg.buckets[THROTTLE_OPS_TOTAL].avg, ==, 1);
    g_assert_cmpint(cfg.buckets[THROTTLE_OPS_TOTAL].burst_length, ==, 3);
    g_assert_cmpstr(throttle_params[13].name, ==, "bps-read-max");
    g_assert_cmpint(cfg.buckets[THROTTLE_BPS_READ].max, ==, 14);
    g_assert_cmpstr(throttle_params[17].name, ==, "bps-write-max-length");
    g_assert_cmpint(cfg.buckets[THROTTLE_BPS_WRITE].burst_length, ==, 18);
    g_assert_cmpstr(throttle_params[18].name, ==, "iops-size");
    g_assert_cmpint(cfg.op_size, ==, 19);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/throttle/no_limit", test_no_limit);
    g_test_add_func("/throttle/bps_delay", test_bps_delay);
    g_test_add_func("/throttle/bps_stream", test_bps_stream);
    g_test_add_func("/throttle/directions", test_directions);
    g_test_add_func("/throttle/iops", test_iops);
    g_test_add_func("/throttle/iops_size", test_iops_size);
    g_test_add_func("/throttle/burst", test_burst);
    g_test_add_func("/throttle/max_without_length", test_max_without_length);
    g_test_add_func("/throttle/validation", test_validation);
    g_test_add_func("/throttle/params", test_params);
    return g_test_run();
}
