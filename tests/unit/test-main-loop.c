/*
 * Unit tests: main loop, bottom halves, fd handlers and timers.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/main-loop.h"
#include "vireo/timer.h"

static int counter;

static void bump(void *opaque)
{
    counter++;
}

static gpointer schedule_from_thread(gpointer bh)
{
    qemu_bh_schedule(bh);
    return NULL;
}

static void test_bh(void)
{
    QEMUBH *bh = qemu_bh_new(bump, NULL);
    GThread *t;

    counter = 0;
    qemu_bh_schedule(bh);
    qemu_bh_schedule(bh);       /* already scheduled: runs once */
    main_loop_wait(true);
    g_assert_cmpint(counter, ==, 1);

    /* From another thread, the blocking wait must be woken. */
    t = g_thread_new("bh", schedule_from_thread, bh);
    while (counter < 2) {
        main_loop_wait(false);
    }
    g_thread_join(t);
    qemu_bh_schedule(bh);
    qemu_bh_cancel(bh);
    main_loop_wait(true);
    g_assert_cmpint(counter, ==, 2);
    qemu_bh_delete(bh);
}

static void read_pipe(void *opaque)
{
    int *fds = opaque;
    char c;

    g_assert_cmpint(read(fds[0], &c, 1), ==, 1);
    counter += c;
}

static void test_fd_handler(void)
{
    int fds[2];

    g_assert_cmpint(pipe(fds), ==, 0);
    counter = 0;
    qemu_set_fd_handler(fds[0], read_pipe, NULL, fds);
    g_assert_cmpint(write(fds[1], "\x05", 1), ==, 1);
    while (counter == 0) {
        main_loop_wait(false);
    }
    g_assert_cmpint(counter, ==, 5);
    qemu_set_fd_handler(fds[0], NULL, NULL, NULL);
    close(fds[0]);
    close(fds[1]);
}

static int64_t order[3];
static int norder;

static void record(void *opaque)
{
    order[norder++] = GPOINTER_TO_INT(opaque);
}

static void test_timers(void)
{
    int64_t now = qemu_clock_get_ns(QEMU_CLOCK_REALTIME);
    QEMUTimer *a = timer_new_ns(QEMU_CLOCK_REALTIME, record,
                                GINT_TO_POINTER(1));
    QEMUTimer *b = timer_new_ms(QEMU_CLOCK_REALTIME, record,
                                GINT_TO_POINTER(2));

    norder = 0;
    timer_mod(b, now / SCALE_MS + 20);
    timer_mod(a, now + 5 * SCALE_MS);
    g_assert(timer_pending(a) && timer_pending(b));
    while (norder < 2) {
        main_loop_wait(false);
    }
    g_assert_cmpint(order[0], ==, 1);
    g_assert_cmpint(order[1], ==, 2);
    g_assert(qemu_clock_get_ns(QEMU_CLOCK_REALTIME) >=
             (now / SCALE_MS + 20) * SCALE_MS);
    g_assert(!timer_pending(a));
    timer_mod(a, now);
    timer_del(a);
    main_loop_wait(true);
    g_assert_cmpint(norder, ==, 2);
    timer_free(a);
    timer_free(b);
}

static void test_virtual_clock(void)
{
    int64_t v0, v1;
    QEMUTimer *t = timer_new_ns(QEMU_CLOCK_VIRTUAL, record,
                                GINT_TO_POINTER(3));

    cpu_disable_ticks();
    v0 = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    g_usleep(20000);
    g_assert_cmpint(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL), ==, v0);
    /* A due virtual timer does not fire while guest time stands still. */
    norder = 0;
    timer_mod(t, v0);
    main_loop_wait(true);
    g_assert_cmpint(norder, ==, 0);
    cpu_enable_ticks();
    main_loop_wait(true);
    g_assert_cmpint(norder, ==, 1);
    g_usleep(10000);
    v1 = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    g_assert_cmpint(v1 - v0, >=, 10 * SCALE_MS);
    g_assert_cmpint(v1 - v0, <, 2 * NANOSECONDS_PER_SECOND);
    timer_free(t);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qemu_init_main_loop(&error_abort);
    bql_lock();
    g_test_add_func("/main-loop/bh", test_bh);
    g_test_add_func("/main-loop/fd-handler", test_fd_handler);
    g_test_add_func("/main-loop/timers", test_timers);
    g_test_add_func("/main-loop/virtual-clock", test_virtual_clock);
    return g_test_run();
}
