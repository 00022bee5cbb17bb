/*
 * The TCG vCPU threads.  Each hart has its own host thread ("CPU N/TCG"),
 * so the host accounts each hart's time to its own thread (libvirt reads
 * per-vCPU times from /proc/PID/task/TID) and management tools see one
 * thread id per vCPU.  Execution is serialized (thread=single): the threads
 * pass a baton, the hart that holds it runs guest code without the big lock
 * (exec.c takes it around device accesses), then hands it to the next hart
 * that has work.  A hart waiting in wfi with nothing pending is skipped;
 * when every hart waits, nobody holds the baton and the threads sleep until
 * a device raises an interrupt line (tcg_cpus_kick), so an idle guest costs
 * no host CPU.  Nobody runs while the VM is stopped or while reset or
 * another caller holds a pause.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include <sys/syscall.h>
#include "vireo/main-loop.h"
#include "system/runstate.h"
#include "target/riscv/cpu-qom.h"
#include "accel/tcg/tcg-cpus.h"

/*
 * A turn runs slices of TCG_CPUS_SLICE instructions.  After a slice, the
 * turn ends if another hart needs to run soon: one waiting in wfi with an
 * interrupt to take, or one with an inter-processor or external interrupt
 * (its sender may spin until it is handled).  So these wait at most one
 * slice, as when one thread ran every hart in slices.  Otherwise the turn
 * goes on for up to TCG_CPUS_TURN instructions, because handing the baton
 * to another thread costs a host thread wake-up (measured: with turns of
 * one slice, two busy harts ran at half speed); a ready hart's timer tick
 * waits for the turn's end.  Much longer turns were slower again (harts
 * that wait for each other without an interrupt).  Pauses end a turn at
 * once (yield_request).
 */
#define TCG_CPUS_SLICE 20000
#define TCG_CPUS_TURN 200000

#define TCG_NOBODY (-1)

typedef struct TCGVCPU {
    RISCVCPU *cpu;
    GCond wake;                 /* signalled when the baton is handed over */
} TCGVCPU;

static struct {
    GMutex lock;
    GCond parked;               /* signalled when a paused hart stops */
    GPtrArray *vcpus;
    int pause_depth;
    bool vm_running;
    int turn;                   /* the hart holding the baton, or nobody */
    bool executing;             /* the baton's holder runs guest code now */
} tcg = { .turn = TCG_NOBODY };

static __thread bool is_vcpu_thread;

bool tcg_cpus_in_vcpu_thread(void)
{
    return is_vcpu_thread;
}

static RISCVCPU *tcg_cpus_get(int index)
{
    return ((TCGVCPU *)g_ptr_array_index(tcg.vcpus, index))->cpu;
}

/* Make every hart leave its chained code and return from riscv_cpu_exec. */
static void tcg_cpus_exit_request(void)
{
    for (guint i = 0; tcg.vcpus && i < tcg.vcpus->len; i++) {
        CPURISCVState *env = &tcg_cpus_get(i)->env;

        __atomic_store_n(&env->yield_request, 1, __ATOMIC_SEQ_CST);
        __atomic_store_n(&env->exit_request, 1, __ATOMIC_SEQ_CST);
    }
}

static bool tcg_cpus_may_run(void)
{
    return !tcg.pause_depth && tcg.vm_running;
}

/*
 * Whether a hart has work.  Only the baton's holder changes hart state, and
 * the caller holds tcg.lock while nobody executes or is the holder itself,
 * so wfi and mie are stable here; mip is set by devices at any time.
 */
static bool tcg_cpus_has_work(RISCVCPU *cpu)
{
    CPURISCVState *env = &cpu->env;

    return !env->wfi ||
           (__atomic_load_n(&env->mip, __ATOMIC_SEQ_CST) & env->mie);
}

/* The first hart with work from index @from on (wrapping), or nobody. */
static int tcg_cpus_next_turn(int from)
{
    guint n = tcg.vcpus->len;

    if (!tcg_cpus_may_run()) {
        return TCG_NOBODY;
    }
    for (guint k = 0; k < n; k++) {
        int i = (from + k) % n;
        if (tcg_cpus_has_work(tcg_cpus_get(i))) {
            return i;
        }
    }
    return TCG_NOBODY;
}

/*
 * Give the baton to the next hart with work (tcg.lock held, nobody
 * executing).  The new holder is woken after the lock is dropped, so it
 * does not wake only to wait for the lock.
 */
static void tcg_cpus_pass_baton(int from, int me)
{
    tcg.turn = tcg_cpus_next_turn(from);
    if (tcg.turn != TCG_NOBODY && tcg.turn != me) {
        TCGVCPU *next = g_ptr_array_index(tcg.vcpus, tcg.turn);

        g_mutex_unlock(&tcg.lock);
        g_cond_signal(&next->wake);
        g_mutex_lock(&tcg.lock);
    }
}

/* Something may have work again: if nobody holds the baton, hand it out. */
static void tcg_cpus_wake_up(int from)
{
    if (tcg.turn == TCG_NOBODY && !tcg.executing) {
        tcg_cpus_pass_baton(from, TCG_NOBODY);
    }
}

void tcg_cpus_kick(RISCVCPU *cpu)
{
    g_mutex_lock(&tcg.lock);
    /* A running hart looks at the others after each slice itself. */
    tcg_cpus_wake_up(cpu->cpu_index);
    g_mutex_unlock(&tcg.lock);
}

/* Wait (tcg.lock held) until no hart runs guest code. */
static void tcg_cpus_wait_parked(void)
{
    bool relock = false;

    if (tcg_cpus_in_vcpu_thread()) {
        return;
    }
    /* The running hart may be blocked on the big lock in a device access. */
    if (bql_locked()) {
        g_mutex_unlock(&tcg.lock);
        bql_unlock();
        relock = true;
        g_mutex_lock(&tcg.lock);
    }
    while (tcg.executing) {
        tcg_cpus_exit_request();
        g_cond_wait(&tcg.parked, &tcg.lock);
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
    tcg_cpus_wait_parked();
    g_mutex_unlock(&tcg.lock);
}

void tcg_cpus_resume(void)
{
    g_mutex_lock(&tcg.lock);
    assert(tcg.pause_depth > 0);
    tcg.pause_depth--;
    tcg_cpus_wake_up(0);
    g_mutex_unlock(&tcg.lock);
}

static void tcg_cpus_vm_state_change(void *opaque, bool running,
                                     RunState state)
{
    g_mutex_lock(&tcg.lock);
    tcg.vm_running = running;
    if (running) {
        tcg_cpus_wake_up(0);
    } else {
        tcg_cpus_exit_request();
        tcg_cpus_wait_parked();
    }
    g_mutex_unlock(&tcg.lock);
}

/* Whether a hart other than @me should run soon (see TCG_CPUS_SLICE). */
static bool tcg_cpus_others_need_turn(int me)
{
    for (guint i = 0; i < tcg.vcpus->len; i++) {
        CPURISCVState *env = &tcg_cpus_get(i)->env;
        uint64_t pending = __atomic_load_n(&env->mip, __ATOMIC_SEQ_CST) &
                           env->mie;

        if ((int)i != me && pending &&
            (env->wfi || (pending & ~(MIP_MTIP | MIP_STIP)))) {
            return true;
        }
    }
    return false;
}

/* Run @cpu's turn (the baton held, tcg.lock not); true if it waits in wfi. */
static bool tcg_cpus_run_turn(RISCVCPU *cpu)
{
    for (unsigned ran = 0; ran < TCG_CPUS_TURN; ran += TCG_CPUS_SLICE) {
        switch (riscv_cpu_exec(&cpu->env, TCG_CPUS_SLICE)) {
        case RISCV_EXIT_WFI:
            return true;
        case RISCV_EXIT_YIELD:
            return false;
        case RISCV_EXIT_BUDGET:
            break;
        }
        if (tcg_cpus_others_need_turn(cpu->cpu_index)) {
            break;
        }
    }
    return false;
}

static gpointer tcg_cpus_thread_fn(gpointer opaque)
{
    TCGVCPU *vcpu = opaque;
    RISCVCPU *cpu = vcpu->cpu;
    int me = cpu->cpu_index;

    is_vcpu_thread = true;
    g_mutex_lock(&tcg.lock);
    cpu->thread_id = syscall(SYS_gettid);
    g_cond_signal(&vcpu->wake);
    for (;;) {
        while (tcg.turn != me || !tcg_cpus_may_run()) {
            /* Handed the baton, but a pause came first: give it back. */
            if (tcg.turn == me) {
                tcg.turn = TCG_NOBODY;
            }
            g_cond_wait(&vcpu->wake, &tcg.lock);
        }
        tcg.executing = true;
        g_mutex_unlock(&tcg.lock);

        cpu->halted = tcg_cpus_run_turn(cpu);

        g_mutex_lock(&tcg.lock);
        tcg.executing = false;
        if (!tcg_cpus_may_run()) {
            g_cond_broadcast(&tcg.parked);
        }
        tcg_cpus_pass_baton(me + 1, me);
    }
    return NULL;
}

void tcg_cpus_add(RISCVCPU *cpu)
{
    g_autofree char *name = g_strdup_printf("CPU %d/TCG", cpu->cpu_index);
    TCGVCPU *vcpu = g_new0(TCGVCPU, 1);

    vcpu->cpu = cpu;
    g_cond_init(&vcpu->wake);
    g_mutex_lock(&tcg.lock);
    if (!tcg.vcpus) {
        tcg.vcpus = g_ptr_array_new();
        tcg.vm_running = runstate_is_running();
        qemu_add_vm_change_state_handler(tcg_cpus_vm_state_change, NULL);
    }
    assert(cpu->cpu_index == (int)tcg.vcpus->len);
    g_ptr_array_add(tcg.vcpus, vcpu);
    cpu->thread_id = 0;
    g_thread_unref(g_thread_new(name, tcg_cpus_thread_fn, vcpu));
    /* query-cpus-fast reports the id as soon as the hart exists. */
    while (!cpu->thread_id) {
        g_cond_wait(&vcpu->wake, &tcg.lock);
    }
    tcg_cpus_wake_up(0);
    g_mutex_unlock(&tcg.lock);
}
