/*
 * Coroutines on ucontext: makecontext() starts a stack once, then
 * _setjmp/_longjmp switch between coroutines (no signal-mask syscall per
 * switch as swapcontext() would make).  Finished coroutines keep their stack
 * in a per-thread pool and run the next entry function from it.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include <setjmp.h>
#include <sys/mman.h>
#include <ucontext.h>
#include "vireo/coroutine.h"
#include "vireo/main-loop.h"

#define COROUTINE_STACK_SIZE (1 << 20)
#define COROUTINE_POOL_MAX   64

struct Coroutine {
    CoroutineEntry *entry;
    void *opaque;
    Coroutine *caller;          /* who entered us; NULL while suspended */
    void *stack;                /* mapping: guard page + stack */
    size_t map_size;
    jmp_buf env;
    bool finished;
    bool scheduled;             /* queued by aio_co_schedule() */
    Coroutine *pool_next;
    QSIMPLEQ_ENTRY(Coroutine) sched_next;
};

static __thread Coroutine thread_leader;   /* the thread's own stack */
static __thread Coroutine *current;
static __thread Coroutine *pool;
static __thread unsigned pool_count;
/* The jump buffer of the creator while a new stack starts up. */
static __thread jmp_buf *start_env;

static inline void co_switch(Coroutine *from, Coroutine *to)
{
    if (!_setjmp(from->env)) {
        _longjmp(to->env, 1);
    }
}

static void coroutine_trampoline(unsigned int hi, unsigned int lo)
{
    Coroutine *self = (Coroutine *)(((uintptr_t)hi << 32) | lo);

    /* Park here; the first qemu_coroutine_enter() lands just below. */
    if (!_setjmp(self->env)) {
        _longjmp(*start_env, 1);
    }
    for (;;) {
        Coroutine *caller;

        self->entry(self->opaque);
        self->finished = true;
        caller = self->caller;
        self->caller = NULL;
        co_switch(self, caller);
    }
}

static Coroutine *coroutine_new(void)
{
    Coroutine *co = g_new0(Coroutine, 1);
    long page = sysconf(_SC_PAGESIZE);
    ucontext_t uc, old_uc;
    jmp_buf here;
    uintptr_t p = (uintptr_t)co;

    co->map_size = COROUTINE_STACK_SIZE + page;
    co->stack = mmap(NULL, co->map_size, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (co->stack == MAP_FAILED) {
        g_error("cannot allocate a coroutine stack: %s", g_strerror(errno));
    }
    /* An overflow faults on the guard page instead of corrupting memory. */
    mprotect(co->stack, page, PROT_NONE);

    if (getcontext(&uc) < 0) {
        g_error("getcontext: %s", g_strerror(errno));
    }
    uc.uc_link = NULL;
    uc.uc_stack.ss_sp = (char *)co->stack + page;
    uc.uc_stack.ss_size = COROUTINE_STACK_SIZE;
    uc.uc_stack.ss_flags = 0;
    makecontext(&uc, (void (*)(void))coroutine_trampoline, 2,
                (unsigned int)(p >> 32), (unsigned int)p);
    start_env = &here;
    if (!_setjmp(here)) {
        swapcontext(&old_uc, &uc);
    }
    start_env = NULL;
    return co;
}

Coroutine *qemu_coroutine_create(CoroutineEntry *entry, void *opaque)
{
    Coroutine *co = pool;

    if (co) {
        pool = co->pool_next;
        pool_count--;
    } else {
        co = coroutine_new();
    }
    co->entry = entry;
    co->opaque = opaque;
    co->finished = false;
    co->scheduled = false;
    co->caller = NULL;
    return co;
}

static void coroutine_release(Coroutine *co)
{
    if (pool_count < COROUTINE_POOL_MAX) {
        co->pool_next = pool;
        pool = co;
        pool_count++;
        return;
    }
    munmap(co->stack, co->map_size);
    g_free(co);
}

unsigned qemu_coroutine_pool_size(void)
{
    return pool_count;
}

Coroutine *qemu_coroutine_self(void)
{
    return current;
}

bool qemu_in_coroutine(void)
{
    return current != NULL;
}

bool qemu_coroutine_entered(Coroutine *co)
{
    return co->caller != NULL;
}

void qemu_coroutine_enter(Coroutine *co)
{
    Coroutine *from = current ? current : &thread_leader;

    if (co->caller) {
        g_error("coroutine entered while it is already running");
    }
    co->caller = from;
    current = co;
    co_switch(from, co);
    current = from == &thread_leader ? NULL : from;
    if (co->finished) {
        coroutine_release(co);
    }
}

void qemu_coroutine_enter_if_inactive(Coroutine *co)
{
    if (!qemu_coroutine_entered(co)) {
        qemu_coroutine_enter(co);
    }
}

void coroutine_fn qemu_coroutine_yield(void)
{
    Coroutine *self = current;
    Coroutine *to;

    g_assert(self);
    to = self->caller;
    self->caller = NULL;
    co_switch(self, to);
}

/* ---- Entering coroutines from the main loop ---- */

static GMutex sched_lock;
static QSIMPLEQ_HEAD(, Coroutine) sched_queue =
    QSIMPLEQ_HEAD_INITIALIZER(sched_queue);
static QEMUBH *sched_bh;

static void co_schedule_bh(void *opaque)
{
    for (;;) {
        Coroutine *co;

        g_mutex_lock(&sched_lock);
        co = QSIMPLEQ_FIRST(&sched_queue);
        if (co) {
            QSIMPLEQ_REMOVE_HEAD(&sched_queue, sched_next);
            co->scheduled = false;
        }
        g_mutex_unlock(&sched_lock);
        if (!co) {
            break;
        }
        qemu_coroutine_enter(co);
    }
}

void aio_co_schedule(Coroutine *co)
{
    g_mutex_lock(&sched_lock);
    if (co->scheduled) {
        g_mutex_unlock(&sched_lock);
        g_error("coroutine scheduled twice");
    }
    co->scheduled = true;
    QSIMPLEQ_INSERT_TAIL(&sched_queue, co, sched_next);
    if (!sched_bh) {
        sched_bh = qemu_bh_new_full(co_schedule_bh, NULL, "co-schedule");
    }
    g_mutex_unlock(&sched_lock);
    qemu_bh_schedule(sched_bh);
}

void aio_co_wake(Coroutine *co)
{
    if (qemu_in_coroutine()) {
        aio_co_schedule(co);
    } else {
        qemu_coroutine_enter(co);
    }
}
