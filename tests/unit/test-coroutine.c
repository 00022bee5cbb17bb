/*
 * Unit tests: coroutines, their locks, and the worker pool.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/coroutine.h"
#include "vireo/main-loop.h"
#include "vireo/thread-pool.h"

static void coroutine_fn set_flag(void *opaque)
{
    *(bool *)opaque = true;
}

static void test_enter_finish(void)
{
    bool ran = false;
    Coroutine *co = qemu_coroutine_create(set_flag, &ran);

    g_assert(!qemu_in_coroutine());
    qemu_coroutine_enter(co);
    g_assert(ran);
    g_assert(!qemu_in_coroutine());
}

static void coroutine_fn count_yields(void *opaque)
{
    int *n = opaque;

    for (int i = 0; i < 5; i++) {
        (*n)++;
        qemu_coroutine_yield();
    }
    (*n) += 100;
}

static void test_yield(void)
{
    int n = 0;
    Coroutine *co = qemu_coroutine_create(count_yields, &n);

    for (int i = 1; i <= 5; i++) {
        qemu_coroutine_enter(co);
        g_assert_cmpint(n, ==, i);
    }
    qemu_coroutine_enter(co);           /* finishes */
    g_assert_cmpint(n, ==, 105);
}

typedef struct Nest {
    int depth;
    int max;
    Coroutine *seen_self[8];
} Nest;

static void coroutine_fn nest(void *opaque)
{
    Nest *nd = opaque;

    int mine = nd->depth;

    nd->seen_self[mine] = qemu_coroutine_self();
    if (++nd->depth < nd->max) {
        qemu_coroutine_enter(qemu_coroutine_create(nest, nd));
    }
    /* Back from the inner one: we are current again. */
    g_assert(qemu_coroutine_self() == nd->seen_self[mine]);
}

static void coroutine_fn self_check(void *opaque)
{
    Coroutine **out = opaque;
    Nest nd = { .max = 4 };
    Coroutine *me = qemu_coroutine_self();

    qemu_coroutine_enter(qemu_coroutine_create(nest, &nd));
    g_assert_cmpint(nd.depth, ==, 4);
    for (int i = 0; i < 4; i++) {
        g_assert(nd.seen_self[i] != NULL && nd.seen_self[i] != me);
    }
    g_assert(qemu_coroutine_self() == me);
    *out = me;
}

static void test_nesting(void)
{
    Coroutine *seen = NULL;

    qemu_coroutine_enter(qemu_coroutine_create(self_check, &seen));
    g_assert(seen != NULL);
    g_assert(qemu_coroutine_self() == NULL);
}

static void coroutine_fn deep_stack(void *opaque)
{
    /* Uses well over a page of stack: the stack is really private. */
    volatile char buf[256 * 1024];

    memset((char *)buf, 0x5a, sizeof(buf));
    qemu_coroutine_yield();
    for (size_t i = 0; i < sizeof(buf); i += 4096) {
        g_assert_cmpint(buf[i], ==, 0x5a);
    }
    *(bool *)opaque = true;
}

static void test_stack_and_pool(void)
{
    bool done[4] = { false };
    Coroutine *co[4];

    for (int i = 0; i < 4; i++) {
        co[i] = qemu_coroutine_create(deep_stack, &done[i]);
        qemu_coroutine_enter(co[i]);
    }
    for (int i = 3; i >= 0; i--) {
        qemu_coroutine_enter(co[i]);
        g_assert(done[i]);
    }
    /* Finished coroutines keep their stacks for reuse. */
    g_assert_cmpuint(qemu_coroutine_pool_size(), >=, 4);
}

typedef struct MutexTest {
    CoMutex lock;
    int inside;
    int max_inside;
    int finished;
} MutexTest;

static void coroutine_fn mutex_worker(void *opaque)
{
    MutexTest *mt = opaque;

    for (int i = 0; i < 3; i++) {
        qemu_co_mutex_lock(&mt->lock);
        mt->inside++;
        mt->max_inside = MAX(mt->max_inside, mt->inside);
        /* Yield while holding the lock; others must wait. */
        aio_co_schedule(qemu_coroutine_self());
        qemu_coroutine_yield();
        mt->inside--;
        qemu_co_mutex_unlock(&mt->lock);
    }
    mt->finished++;
}

static void test_co_mutex(void)
{
    MutexTest mt = { 0 };

    qemu_co_mutex_init(&mt.lock);
    for (int i = 0; i < 5; i++) {
        qemu_coroutine_enter(qemu_coroutine_create(mutex_worker, &mt));
    }
    while (mt.finished < 5) {
        main_loop_wait(false);
    }
    g_assert_cmpint(mt.max_inside, ==, 1);
}

static int square_in_worker(void *opaque)
{
    int *v = opaque;

    g_assert(!bql_locked());
    *v = *v * *v;
    return *v == 49 ? -EIO : 0;
}

typedef struct PoolTest {
    int value;
    int ret;
    bool done;
} PoolTest;

static void coroutine_fn pool_co(void *opaque)
{
    PoolTest *pt = opaque;

    pt->ret = thread_pool_submit_co(square_in_worker, &pt->value);
    pt->done = true;
}

static void pool_cb(void *opaque, int ret)
{
    PoolTest *pt = opaque;

    g_assert(bql_locked());
    pt->ret = ret;
    pt->done = true;
}

static void test_thread_pool(void)
{
    PoolTest pt[40];
    int ndone;

    for (int i = 0; i < 40; i++) {
        pt[i] = (PoolTest){ .value = i, .ret = 1 };
        if (i % 2) {
            qemu_coroutine_enter(qemu_coroutine_create(pool_co, &pt[i]));
        } else {
            thread_pool_submit_aio(square_in_worker, &pt[i].value, pool_cb,
                                   &pt[i]);
        }
    }
    do {
        main_loop_wait(false);
        ndone = 0;
        for (int i = 0; i < 40; i++) {
            ndone += pt[i].done;
        }
    } while (ndone < 40);
    for (int i = 0; i < 40; i++) {
        g_assert_cmpint(pt[i].value, ==, i * i);
        g_assert_cmpint(pt[i].ret, ==, i == 7 ? -EIO : 0);
    }
    g_assert_cmpint(thread_pool_nb_workers(), >=, 1);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    bql_lock();
    qemu_init_main_loop(&error_abort);
    g_test_add_func("/coroutine/enter", test_enter_finish);
    g_test_add_func("/coroutine/yield", test_yield);
    g_test_add_func("/coroutine/nesting", test_nesting);
    g_test_add_func("/coroutine/stack-pool", test_stack_and_pool);
    g_test_add_func("/coroutine/co-mutex", test_co_mutex);
    g_test_add_func("/thread-pool/submit", test_thread_pool);
    return g_test_run();
}
