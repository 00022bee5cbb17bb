/*
 * Unit tests: throttle groups (block/throttle-groups.h) on the real main
 * loop and clock.  Only lower bounds of time are checked, so a slow
 * machine cannot make them fail.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/main-loop.h"
#include "vireo/timer.h"
#include "block/throttle-groups.h"

#define KB 1000

typedef struct TestReq {
    ThrottleRequest tr;
    int member;
    GArray *order;
    int *done;
} TestReq;

static void test_req_go(ThrottleRequest *tr)
{
    TestReq *r = container_of(tr, TestReq, tr);

    g_array_append_val(r->order, r->member);
    (*r->done)++;
}

/* Queue @n requests of @bytes for member number @member. */
static void schedule_n(ThrottleGroupMember *m, ThrottleDirection dir,
                       TestReq *reqs, int n, int64_t bytes, int member,
                       GArray *order, int *done)
{
    for (int i = 0; i < n; i++) {
        reqs[i] = (TestReq) { .tr = { .bytes = bytes, .go = test_req_go },
                              .member = member, .order = order,
                              .done = done };
        throttle_group_schedule(m, dir, &reqs[i].tr);
    }
}

static ThrottleGroup *group_with_bps(const char *name, uint64_t bps)
{
    ThrottleConfig cfg;

    throttle_config_init(&cfg);
    cfg.buckets[THROTTLE_BPS_TOTAL].avg = bps;
    return throttle_group_new(name, &cfg, &error_abort);
}

static int64_t ms_now(void)
{
    return qemu_clock_get_ms(QEMU_CLOCK_REALTIME);
}

/* A first request of 50 KB fills the buckets of a 100 KB/s group; then
 * two members queue 6 requests of 5 KB each.  They are served in turns,
 * and the last one passes only once the group is back to a tenth of a
 * second's worth: after (105 - 10) KB at 100 KB/s. */
static void test_round_robin(void)
{
    ThrottleGroup *tg = group_with_bps("rr", 100 * KB);
    ThrottleGroupMember a, b;
    TestReq first, reqs[12];
    GArray *order = g_array_new(false, false, sizeof(int));
    int done = 0;
    int64_t start = ms_now();

    throttle_group_register_member(&a, "rr");
    throttle_group_register_member(&b, "rr");
    g_assert(throttle_group_find("rr") == tg);
    g_assert(throttle_group_has_members(tg));
    schedule_n(&a, THROTTLE_READ, &first, 1, 50 * KB, 0, order, &done);
    g_assert_cmpint(done, ==, 1);
    schedule_n(&a, THROTTLE_READ, reqs, 6, 5 * KB, 0, order, &done);
    schedule_n(&b, THROTTLE_READ, reqs + 6, 6, 5 * KB, 1, order, &done);
    while (done < 13) {
        main_loop_wait(false);
    }
    g_assert_cmpint(ms_now() - start, >=, 950 - 5);
    /* a's queue was filled first, yet b and a alternate from the start. */
    for (int i = 1; i < 13; i++) {
        g_assert_cmpint(g_array_index(order, int, i), ==, i % 2);
    }
    throttle_group_unregister_member(&a);
    throttle_group_unregister_member(&b);
    g_assert(throttle_group_find("rr") == tg);
    throttle_group_unref(tg);
    g_assert(!throttle_group_find("rr"));
    g_array_free(order, true);
}

/* Legacy groups appear on first use and go with their last member. */
static void test_on_demand(void)
{
    ThrottleGroupMember m;
    ThrottleConfig cfg;
    Error *err = NULL;

    throttle_group_register_member(&m, "legacy");
    g_assert(throttle_group_find("legacy"));
    throttle_group_get_config(m.group, &cfg);
    g_assert(!throttle_enabled(&cfg));
    g_assert_null(throttle_group_new("legacy", &cfg, &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "A group with this name already exists");
    error_free(err);
    throttle_group_unregister_member(&m);
    g_assert(!throttle_group_find("legacy"));
}

/* Disabling a member (a drain) lets its queued requests go. */
static void test_disable(void)
{
    ThrottleGroup *tg = group_with_bps("drain", 1 * KB);
    ThrottleGroupMember m;
    TestReq reqs[3];
    GArray *order = g_array_new(false, false, sizeof(int));
    int done = 0;

    throttle_group_register_member(&m, "drain");
    schedule_n(&m, THROTTLE_WRITE, reqs, 3, 100 * KB, 0, order, &done);
    g_assert_cmpint(done, ==, 1);
    throttle_group_member_disable(&m);
    g_assert_cmpint(done, ==, 3);
    throttle_group_member_enable(&m);
    throttle_group_unregister_member(&m);
    throttle_group_unref(tg);
    g_array_free(order, true);
}

/* New limits apply to queued requests at once. */
static void test_reconfig(void)
{
    ThrottleGroup *tg = group_with_bps("cfg", 1 * KB);
    ThrottleGroupMember m;
    TestReq reqs[2];
    GArray *order = g_array_new(false, false, sizeof(int));
    ThrottleConfig cfg;
    int done = 0;

    throttle_group_register_member(&m, "cfg");
    schedule_n(&m, THROTTLE_READ, reqs, 2, 100 * KB, 0, order, &done);
    g_assert_cmpint(done, ==, 1);
    throttle_config_init(&cfg);
    throttle_group_config(tg, &cfg);
    g_assert_cmpint(done, ==, 2);
    throttle_group_unregister_member(&m);
    throttle_group_unref(tg);
    g_array_free(order, true);
}

typedef struct Worker {
    ThrottleGroupMember *m;
    int n;
    int finished;
} Worker;

static gpointer worker_fn(gpointer opaque)
{
    Worker *w = opaque;

    for (int i = 0; i < w->n; i++) {
        throttle_group_wait(w->m, THROTTLE_WRITE, 10 * KB);
    }
    g_atomic_int_set(&w->finished, 1);
    qemu_notify_event();        /* the main loop may be idle by now */
    return NULL;
}

/* Threads blocked in throttle_group_wait are released by the main-loop
 * timer: 3 threads x 4 writes of 10 KB at 100 KB/s take >= 1.1 s less
 * the initial tenth of a second. */
static void test_blocking_wait(void)
{
    ThrottleGroup *tg = group_with_bps("threads", 100 * KB);
    ThrottleGroupMember m[3];
    Worker w[3];
    GThread *t[3];
    int64_t start = ms_now();

    for (int i = 0; i < 3; i++) {
        throttle_group_register_member(&m[i], "threads");
        w[i] = (Worker) { .m = &m[i], .n = 4 };
    }
    for (int i = 0; i < 3; i++) {
        t[i] = g_thread_new("throttled", worker_fn, &w[i]);
    }
    for (;;) {
        int finished = 0;

        for (int i = 0; i < 3; i++) {
            finished += g_atomic_int_get(&w[i].finished);
        }
        if (finished == 3) {
            break;
        }
        main_loop_wait(false);
    }
    g_assert_cmpint(ms_now() - start, >=, (120 - 20) * 1000 / 100 - 5);
    for (int i = 0; i < 3; i++) {
        g_thread_join(t[i]);
        throttle_group_unregister_member(&m[i]);
    }
    throttle_group_unref(tg);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    bql_lock();
    qemu_init_main_loop(&error_abort);
    g_test_add_func("/throttle-groups/round_robin", test_round_robin);
    g_test_add_func("/throttle-groups/on_demand", test_on_demand);
    g_test_add_func("/throttle-groups/disable", test_disable);
    g_test_add_func("/throttle-groups/reconfig", test_reconfig);
    g_test_add_func("/throttle-groups/blocking_wait", test_blocking_wait);
    return g_test_run();
}
