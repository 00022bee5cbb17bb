/*
 * The TCG vCPU thread.  One host thread runs all harts round-robin, each
 * for an instruction budget per turn, without the big lock (exec.c takes
 * it around device accesses).  When every hart waits in wfi the thread
 * sleeps until a device raises an interrupt line (tcg_cpus_kick), so an
 * idle guest costs no host CPU.  The thread parks while the VM is stopped
 * and while reset or another caller holds a pause.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include <sys/syscall.h>
#include "vireo/main-loop.h"
#include "system/runstate.h"
#include "target/riscv/cpu-qom.h"
#include "accel/tcg/tcg-cpus.h"

/* Instructions per hart per turn: short enough for prompt pauses. */
#define TCG_CPUS_BUDGET 20000

static struct {
    GMutex lock;
    GCond cond;
    GThread *thread;
    GPtrArray *cpus;
    int pause_depth;
    bool vm_running;
    bool parked;                /* the thread runs no guest code now */
    int tid;                    /* the thread's id, once it started */
    uint64_t kick_seq;
} tcg;

bool tcg_cpus_in_vcpu_thread(void)
{
    return tcg.thread && g_thread_self() == tcg.thread;
}

static void tcg_cpus_exit_request(void)
{
    for (guint i = 0; tcg.cpus && i < tcg.cpus->len; i++) {
        RISCVCPU *cpu = g_ptr_array_index(tcg.cpus, i);
        __atomic_store_n(&cpu->env.exit_request, 1, __ATOMIC_SEQ_CST);
    }
}

void tcg_cpus_kick(void)
{
    g_mutex_lock(&tcg.lock);
    tcg.kick_seq++;
    g_cond_broadcast(&tcg.cond);
    g_mutex_unlock(&tcg.lock);
}

/* Wait (tcg.lock held) until the thread runs no guest code. */
static void tcg_cpus_wait_parked(void)
{
    bool relock = false;

    if (!tcg.thread || tcg_cpus_in_vcpu_thread()) {
        return;
    }
    /* The thread may be blocked on the big lock inside a device access. */
    if (bql_locked()) {
        g_mutex_unlock(&tcg.lock);
        bql_unlock();
        relock = true;
        g_mutex_lock(&tcg.lock);
    }
    while (!tcg.parked) {
        tcg_cpus_exit_request();
        g_cond_wait(&tcg.cond, &tcg.lock);
    }
    if (relock) {
        g_mutex_unlock(&tcg.lock);
        bql_lock();
        g_mutex_lock(&tcg.lock);
    }
}

void tcg_cpus_pause(void)
{
    g_mutex_lock(&tcg.lock);
    tcg.pause_depth++;
    tcg_cpus_exit_request();
    g_cond_broadcast(&tcg.cond);
    tcg_cpus_wait_parked();
    g_mutex_unlock(&tcg.lock);
}

void tcg_cpus_resume(void)
{
    g_mutex_lock(&tcg.lock);
    assert(tcg.pause_depth > 0);
    tcg.pause_depth--;
    tcg.kick_seq++;
    g_cond_broadcast(&tcg.cond);
    g_mutex_unlock(&tcg.lock);
}

static void tcg_cpus_vm_state_change(void *opaque, bool running,
                                     RunState state)
{
    g_mutex_lock(&tcg.lock);
    tcg.vm_running = running;
    tcg.kick_seq++;
    g_cond_broadcast(&tcg.cond);
    if (!running) {
        tcg_cpus_exit_request();
        tcg_cpus_wait_parked();
    }
    g_mutex_unlock(&tcg.lock);
}

/* One turn over all harts; false when none had anything to do. */
static bool tcg_cpus_run_round(void)
{
    bool ran = false;
    guint n = tcg.cpus->len;

    for (guint i = 0; i < n; i++) {
        RISCVCPU *cpu = g_ptr_array_index(tcg.cpus, i);
        CPURISCVState *env = &cpu->env;

        if (__atomic_load_n(&tcg.pause_depth, __ATOMIC_SEQ_CST) ||
            !__atomic_load_n(&tcg.vm_running, __ATOMIC_SEQ_CST)) {
            return true;
        }
        if (env->wfi &&
            !(__atomic_load_n(&env->mip, __ATOMIC_SEQ_CST) & env->mie)) {
            cpu->halted = true;
            continue;
        }
        cpu->halted = false;
        if (riscv_cpu_exec(env, TCG_CPUS_BUDGET) == RISCV_EXIT_WFI) {
            cpu->halted = true;
        }
        ran = true;
    }
    return ran;
}

static gpointer tcg_cpus_thread_fn(gpointer opaque)
{
    int tid = syscall(SYS_gettid);
    uint64_t seen_seq = 0;
    bool idle = false;

    g_mutex_lock(&tcg.lock);
    /* One thread runs every hart: they all report its id (query-cpus-fast). */
    tcg.tid = tid;
    for (guint i = 0; i < tcg.cpus->len; i++) {
        RISCVCPU *cpu = g_ptr_array_index(tcg.cpus, i);
        cpu->thread_id = tid;
    }
    for (;;) {
        while (tcg.pause_depth || !tcg.vm_running ||
               (idle && seen_seq == tcg.kick_seq)) {
            if (!tcg.parked) {
                tcg.parked = true;
                g_cond_broadcast(&tcg.cond);
            }
            g_cond_wait(&tcg.cond, &tcg.lock);
        }
        tcg.parked = false;
        seen_seq = tcg.kick_seq;
        g_mutex_unlock(&tcg.lock);

        idle = !tcg_cpus_run_round();

        g_mutex_lock(&tcg.lock);
    }
    return NULL;
}

void tcg_cpus_add(RISCVCPU *cpu)
{
    g_mutex_lock(&tcg.lock);
    if (!tcg.cpus) {
        tcg.cpus = g_ptr_array_new();
        tcg.parked = true;
        tcg.vm_running = runstate_is_running();
        qemu_add_vm_change_state_handler(tcg_cpus_vm_state_change, NULL);
    }
    g_ptr_array_add(tcg.cpus, cpu);
    cpu->thread_id = tcg.tid;
    if (!tcg.thread) {
        tcg.thread = g_thread_new("ALL CPUs/TCG", tcg_cpus_thread_fn, NULL);
    }
    tcg.kick_seq++;
    g_cond_broadcast(&tcg.cond);
    g_mutex_unlock(&tcg.lock);
}
