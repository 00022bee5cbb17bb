/*
 * Run states and the lifecycle: vm_start/vm_stop, the shutdown, reset
 * and powerdown requests that devices and signals raise from any thread,
 * the main loop that acts on them, and the QMP commands around them.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "vireo/error-report.h"
#include "vireo/main-loop.h"
#include "vireo/timer.h"
#include "hw/boards.h"
#include "system/blockdev.h"
#include "system/reset.h"
#include "system/runstate.h"
#include "system/system.h"
#include "qapi/qapi-commands-run-state.h"
#include "qapi/qapi-commands-misc.h"
#include "qapi/qapi-commands-machine.h"
#include "qapi/qapi-events-run-state.h"

RebootAction reboot_action = REBOOT_ACTION_RESET;
ShutdownAction shutdown_action = SHUTDOWN_ACTION_POWEROFF;
PanicAction panic_action = PANIC_ACTION_SHUTDOWN;
WatchdogAction watchdog_action = WATCHDOG_ACTION_RESET;

static RunState current_run_state = RUN_STATE_PRELAUNCH;

typedef struct {
    RunState from, to;
} RunStateTransition;

/* QEMU's allowed transitions. */
static const RunStateTransition transitions[] = {
    { RUN_STATE_PRELAUNCH, RUN_STATE_INMIGRATE },
    { RUN_STATE_DEBUG, RUN_STATE_RUNNING },
    { RUN_STATE_DEBUG, RUN_STATE_FINISH_MIGRATE },
    { RUN_STATE_DEBUG, RUN_STATE_PRELAUNCH },
    { RUN_STATE_INMIGRATE, RUN_STATE_INTERNAL_ERROR },
    { RUN_STATE_INMIGRATE, RUN_STATE_IO_ERROR },
    { RUN_STATE_INMIGRATE, RUN_STATE_PAUSED },
    { RUN_STATE_INMIGRATE, RUN_STATE_RUNNING },
    { RUN_STATE_INMIGRATE, RUN_STATE_SHUTDOWN },
    { RUN_STATE_INMIGRATE, RUN_STATE_SUSPENDED },
    { RUN_STATE_INMIGRATE, RUN_STATE_WATCHDOG },
    { RUN_STATE_INMIGRATE, RUN_STATE_GUEST_PANICKED },
    { RUN_STATE_INMIGRATE, RUN_STATE_FINISH_MIGRATE },
    { RUN_STATE_INMIGRATE, RUN_STATE_PRELAUNCH },
    { RUN_STATE_INMIGRATE, RUN_STATE_POSTMIGRATE },
    { RUN_STATE_INMIGRATE, RUN_STATE_COLO },
    { RUN_STATE_INTERNAL_ERROR, RUN_STATE_PAUSED },
    { RUN_STATE_INTERNAL_ERROR, RUN_STATE_FINISH_MIGRATE },
    { RUN_STATE_INTERNAL_ERROR, RUN_STATE_PRELAUNCH },
    { RUN_STATE_IO_ERROR, RUN_STATE_RUNNING },
    { RUN_STATE_IO_ERROR, RUN_STATE_FINISH_MIGRATE },
    { RUN_STATE_IO_ERROR, RUN_STATE_PRELAUNCH },
    { RUN_STATE_PAUSED, RUN_STATE_RUNNING },
    { RUN_STATE_PAUSED, RUN_STATE_FINISH_MIGRATE },
    { RUN_STATE_PAUSED, RUN_STATE_POSTMIGRATE },
    { RUN_STATE_PAUSED, RUN_STATE_PRELAUNCH },
    { RUN_STATE_PAUSED, RUN_STATE_COLO },
    { RUN_STATE_PAUSED, RUN_STATE_SAVE_VM },
    { RUN_STATE_POSTMIGRATE, RUN_STATE_RUNNING },
    { RUN_STATE_POSTMIGRATE, RUN_STATE_FINISH_MIGRATE },
    { RUN_STATE_POSTMIGRATE, RUN_STATE_PRELAUNCH },
    { RUN_STATE_PRELAUNCH, RUN_STATE_RUNNING },
    { RUN_STATE_PRELAUNCH, RUN_STATE_FINISH_MIGRATE },
    { RUN_STATE_PRELAUNCH, RUN_STATE_SAVE_VM },
    { RUN_STATE_FINISH_MIGRATE, RUN_STATE_RUNNING },
    { RUN_STATE_FINISH_MIGRATE, RUN_STATE_PAUSED },
    { RUN_STATE_FINISH_MIGRATE, RUN_STATE_POSTMIGRATE },
    { RUN_STATE_FINISH_MIGRATE, RUN_STATE_PRELAUNCH },
    { RUN_STATE_FINISH_MIGRATE, RUN_STATE_COLO },
    { RUN_STATE_RESTORE_VM, RUN_STATE_RUNNING },
    { RUN_STATE_RESTORE_VM, RUN_STATE_PRELAUNCH },
    { RUN_STATE_COLO, RUN_STATE_RUNNING },
    { RUN_STATE_COLO, RUN_STATE_PRELAUNCH },
    { RUN_STATE_COLO, RUN_STATE_SHUTDOWN },
    { RUN_STATE_RUNNING, RUN_STATE_DEBUG },
    { RUN_STATE_RUNNING, RUN_STATE_INTERNAL_ERROR },
    { RUN_STATE_RUNNING, RUN_STATE_IO_ERROR },
    { RUN_STATE_RUNNING, RUN_STATE_PAUSED },
    { RUN_STATE_RUNNING, RUN_STATE_FINISH_MIGRATE },
    { RUN_STATE_RUNNING, RUN_STATE_RESTORE_VM },
    { RUN_STATE_RUNNING, RUN_STATE_SAVE_VM },
    { RUN_STATE_RUNNING, RUN_STATE_SHUTDOWN },
    { RUN_STATE_RUNNING, RUN_STATE_WATCHDOG },
    { RUN_STATE_RUNNING, RUN_STATE_GUEST_PANICKED },
    { RUN_STATE_RUNNING, RUN_STATE_COLO },
    { RUN_STATE_SAVE_VM, RUN_STATE_RUNNING },
    { RUN_STATE_SAVE_VM, RUN_STATE_PAUSED },
    { RUN_STATE_SAVE_VM, RUN_STATE_PRELAUNCH },
    { RUN_STATE_SHUTDOWN, RUN_STATE_PAUSED },
    { RUN_STATE_SHUTDOWN, RUN_STATE_FINISH_MIGRATE },
    { RUN_STATE_SHUTDOWN, RUN_STATE_PRELAUNCH },
    { RUN_STATE_SHUTDOWN, RUN_STATE_COLO },
    { RUN_STATE_DEBUG, RUN_STATE_SUSPENDED },
    { RUN_STATE_RUNNING, RUN_STATE_SUSPENDED },
    { RUN_STATE_SUSPENDED, RUN_STATE_RUNNING },
    { RUN_STATE_SUSPENDED, RUN_STATE_FINISH_MIGRATE },
    { RUN_STATE_SUSPENDED, RUN_STATE_PRELAUNCH },
    { RUN_STATE_SUSPENDED, RUN_STATE_COLO },
    { RUN_STATE_WATCHDOG, RUN_STATE_RUNNING },
    { RUN_STATE_WATCHDOG, RUN_STATE_FINISH_MIGRATE },
    { RUN_STATE_WATCHDOG, RUN_STATE_PRELAUNCH },
    { RUN_STATE_WATCHDOG, RUN_STATE_COLO },
    { RUN_STATE_GUEST_PANICKED, RUN_STATE_RUNNING },
    { RUN_STATE_GUEST_PANICKED, RUN_STATE_FINISH_MIGRATE },
    { RUN_STATE_GUEST_PANICKED, RUN_STATE_PRELAUNCH },
};

bool runstate_check(RunState state)
{
    return current_run_state == state;
}

RunState runstate_get(void)
{
    return current_run_state;
}

void runstate_set(RunState new_state)
{
    if (new_state == current_run_state) {
        return;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(transitions); i++) {
        if (transitions[i].from == current_run_state &&
            transitions[i].to == new_state) {
            current_run_state = new_state;
            return;
        }
    }
    error_report("invalid runstate transition: '%s' -> '%s'",
                 RunState_str(current_run_state), RunState_str(new_state));
    abort();
}

bool runstate_is_running(void)
{
    return runstate_check(RUN_STATE_RUNNING);
}

bool runstate_needs_reset(void)
{
    return runstate_check(RUN_STATE_INTERNAL_ERROR) ||
           runstate_check(RUN_STATE_SHUTDOWN);
}

/* ---- VM change state handlers ---- */

struct VMChangeStateEntry {
    VMChangeStateHandler *cb;
    void *opaque;
    int priority;
};

static GList *vm_change_state_head;

static gint entry_cmp(gconstpointer a, gconstpointer b)
{
    return ((const VMChangeStateEntry *)a)->priority -
           ((const VMChangeStateEntry *)b)->priority;
}

VMChangeStateEntry *qemu_add_vm_change_state_handler_prio(
    VMChangeStateHandler *cb, void *opaque, int priority)
{
    VMChangeStateEntry *e = g_new0(VMChangeStateEntry, 1);

    e->cb = cb;
    e->opaque = opaque;
    e->priority = priority;
    vm_change_state_head = g_list_insert_sorted(vm_change_state_head, e,
                                                entry_cmp);
    return e;
}

VMChangeStateEntry *qemu_add_vm_change_state_handler(VMChangeStateHandler *cb,
                                                     void *opaque)
{
    return qemu_add_vm_change_state_handler_prio(cb, opaque, 0);
}

void qemu_del_vm_change_state_handler(VMChangeStateEntry *e)
{
    vm_change_state_head = g_list_remove(vm_change_state_head, e);
    g_free(e);
}

/* Handlers run low priority first when starting, reversed when stopping. */
static void vm_state_notify(bool running, RunState state)
{
    if (running) {
        for (GList *l = vm_change_state_head; l; l = l->next) {
            VMChangeStateEntry *e = l->data;
            e->cb(e->opaque, running, state);
        }
    } else {
        for (GList *l = g_list_last(vm_change_state_head); l; l = l->prev) {
            VMChangeStateEntry *e = l->data;
            e->cb(e->opaque, running, state);
        }
    }
}

static int do_vm_stop(RunState state, bool send_stop)
{
    if (runstate_is_running()) {
        runstate_set(state);
        cpu_disable_ticks();
        vm_state_notify(false, state);
        if (send_stop) {
            qapi_event_send_stop();
        }
    }
    return 0;
}

int vm_stop(RunState state)
{
    return do_vm_stop(state, true);
}

int vm_stop_force_state(RunState state)
{
    if (runstate_is_running()) {
        return vm_stop(state);
    }
    runstate_set(state);
    return 0;
}

int vm_prepare_start(bool step_pending)
{
    if (runstate_is_running()) {
        qapi_event_send_stop();
        qapi_event_send_resume();
        return -1;
    }
    qapi_event_send_resume();
    cpu_enable_ticks();
    runstate_set(RUN_STATE_RUNNING);
    vm_state_notify(true, RUN_STATE_RUNNING);
    return 0;
}

void vm_start(void)
{
    vm_prepare_start(false);
}

/* ---- Reset handlers ---- */

typedef struct ResetEntry {
    QEMUResetHandler *func;
    void *opaque;
} ResetEntry;

static GList *reset_handlers;

void qemu_register_reset(QEMUResetHandler *func, void *opaque)
{
    ResetEntry *re = g_new0(ResetEntry, 1);

    re->func = func;
    re->opaque = opaque;
    reset_handlers = g_list_append(reset_handlers, re);
}

void qemu_unregister_reset(QEMUResetHandler *func, void *opaque)
{
    for (GList *l = reset_handlers; l; l = l->next) {
        ResetEntry *re = l->data;
        if (re->func == func && re->opaque == opaque) {
            reset_handlers = g_list_delete_link(reset_handlers, l);
            g_free(re);
            return;
        }
    }
}

void qemu_devices_reset(int reason)
{
    for (GList *l = reset_handlers; l; l = l->next) {
        ResetEntry *re = l->data;
        re->func(re->opaque);
    }
}

void qemu_system_reset(ShutdownCause reason)
{
    MachineClass *mc = current_machine ? MACHINE_GET_CLASS(current_machine)
                                       : NULL;

    if (mc && mc->reset) {
        mc->reset(current_machine, reason);
    } else {
        qemu_devices_reset(reason);
    }
    if (reason && reason != SHUTDOWN_CAUSE_SUBSYSTEM_RESET &&
        reason != SHUTDOWN_CAUSE_SNAPSHOT_LOAD) {
        qapi_event_send_reset(reason >= SHUTDOWN_CAUSE_GUEST_SHUTDOWN,
                              reason);
    }
}

/* ---- Requests (any thread) ---- */

static ShutdownCause reset_requested;
static ShutdownCause shutdown_requested;
static int shutdown_exit_code = 0;
static int powerdown_requested;
static RunState vmstop_requested = RUN_STATE__MAX;
static int shutdown_signal;
static pid_t shutdown_pid;
static void (*powerdown_fn)(void *opaque);
static void *powerdown_opaque;
static GMutex request_lock;

void qemu_system_reset_request(ShutdownCause reason)
{
    if (reboot_action == REBOOT_ACTION_SHUTDOWN &&
        reason != SHUTDOWN_CAUSE_SUBSYSTEM_RESET) {
        qemu_system_shutdown_request(reason);
        return;
    }
    g_mutex_lock(&request_lock);
    reset_requested = reason;
    g_mutex_unlock(&request_lock);
    qemu_notify_event();
}

void qemu_system_shutdown_request_with_code(ShutdownCause reason,
                                            int exit_code)
{
    g_mutex_lock(&request_lock);
    shutdown_exit_code = exit_code;
    shutdown_requested = reason;
    g_mutex_unlock(&request_lock);
    qemu_notify_event();
}

void qemu_system_shutdown_request(ShutdownCause reason)
{
    qemu_system_shutdown_request_with_code(reason, shutdown_exit_code);
}

void qemu_system_killed(int signal, pid_t pid)
{
    shutdown_signal = signal;
    shutdown_pid = pid;
    /* No async-signal-unsafe calls here: the main loop does the rest. */
    __atomic_store_n(&shutdown_requested, SHUTDOWN_CAUSE_HOST_SIGNAL,
                     __ATOMIC_SEQ_CST);
    g_main_context_wakeup(NULL);
}

void qemu_register_powerdown_notifier(void (*fn)(void *opaque), void *opaque)
{
    powerdown_fn = fn;
    powerdown_opaque = opaque;
}

void qemu_system_powerdown_request(void)
{
    powerdown_requested = 1;
    qemu_notify_event();
}

void qemu_system_vmstop_request(RunState state)
{
    g_mutex_lock(&request_lock);
    vmstop_requested = state;
    g_mutex_unlock(&request_lock);
    qemu_notify_event();
}

/*
 * What the main loop does about a guest/host shutdown: exit (with
 * SHUTDOWN first), or with -no-shutdown / -action shutdown=pause stop
 * the VM and stay.  Returns true to leave the main loop.
 */
static bool main_loop_should_exit(int *status)
{
    ShutdownCause request;
    RunState r;

    g_mutex_lock(&request_lock);
    request = __atomic_exchange_n(&shutdown_requested, SHUTDOWN_CAUSE_NONE,
                                  __ATOMIC_SEQ_CST);
    g_mutex_unlock(&request_lock);
    if (request) {
        if (request == SHUTDOWN_CAUSE_HOST_SIGNAL && shutdown_signal) {
            if (shutdown_pid == 0) {
                error_report("terminating on signal %d", shutdown_signal);
            } else {
                error_report("terminating on signal %d from pid %d",
                             shutdown_signal, (int)shutdown_pid);
            }
            shutdown_signal = 0;
        }
        qapi_event_send_shutdown(request >= SHUTDOWN_CAUSE_GUEST_SHUTDOWN,
                                 request);
        if (shutdown_action == SHUTDOWN_ACTION_PAUSE &&
            request != SHUTDOWN_CAUSE_HOST_QMP_QUIT &&
            request != SHUTDOWN_CAUSE_HOST_SIGNAL &&
            request != SHUTDOWN_CAUSE_HOST_UI) {
            vm_stop(RUN_STATE_SHUTDOWN);
        } else {
            if (shutdown_exit_code != 0) {
                *status = shutdown_exit_code;
            } else if (request == SHUTDOWN_CAUSE_GUEST_PANIC &&
                       panic_action == PANIC_ACTION_EXIT_FAILURE) {
                *status = EXIT_FAILURE;
            }
            return true;
        }
    }
    g_mutex_lock(&request_lock);
    request = reset_requested;
    reset_requested = SHUTDOWN_CAUSE_NONE;
    g_mutex_unlock(&request_lock);
    if (request) {
        bool was_running = runstate_is_running();

        /* The vCPUs must be out of guest code while devices reset. */
        if (was_running) {
            do_vm_stop(RUN_STATE_PAUSED, false);
        }
        qemu_system_reset(request);
        if (was_running) {
            cpu_enable_ticks();
            runstate_set(RUN_STATE_RUNNING);
            vm_state_notify(true, RUN_STATE_RUNNING);
        } else if (runstate_needs_reset()) {
            runstate_set(RUN_STATE_PAUSED);
        }
    }
    if (powerdown_requested) {
        powerdown_requested = 0;
        qapi_event_send_powerdown();
        if (powerdown_fn) {
            powerdown_fn(powerdown_opaque);
        }
    }
    g_mutex_lock(&request_lock);
    r = vmstop_requested;
    vmstop_requested = RUN_STATE__MAX;
    g_mutex_unlock(&request_lock);
    if (r < RUN_STATE__MAX) {
        vm_stop(r);
    }
    return false;
}

int qemu_main_loop(void)
{
    int status = EXIT_SUCCESS;

    while (!main_loop_should_exit(&status)) {
        main_loop_wait(false);
    }
    return status;
}

/* ---- QMP ---- */

StatusInfo *qmp_query_status(Error **errp)
{
    StatusInfo *info = g_malloc0(sizeof(*info));

    info->running = runstate_is_running();
    info->status = current_run_state;
    return info;
}

void qmp_stop(Error **errp)
{
    if (runstate_check(RUN_STATE_INMIGRATE)) {
        autostart = false;
    } else {
        vm_stop(RUN_STATE_PAUSED);
    }
}

void qmp_cont(Error **errp)
{
    if (runstate_needs_reset()) {
        error_setg(errp, "Resetting the Virtual Machine is required");
        return;
    } else if (runstate_check(RUN_STATE_SUSPENDED)) {
        return;
    } else if (runstate_check(RUN_STATE_FINISH_MIGRATE)) {
        error_setg(errp, "Migration is not finalized yet");
        return;
    }
    drive_iostatus_reset_all();
    if (runstate_check(RUN_STATE_INMIGRATE)) {
        autostart = true;
    } else {
        vm_start();
    }
}

void qmp_system_reset(Error **errp)
{
    qemu_system_reset_request(SHUTDOWN_CAUSE_HOST_QMP_SYSTEM_RESET);
}

void qmp_system_powerdown(Error **errp)
{
    /*
     * As QEMU: the request always succeeds and emits POWERDOWN; a board
     * without a power button (riscv virt) passes it to no one.
     */
    qemu_system_powerdown_request();
}

void qmp_quit(Error **errp)
{
    shutdown_action = SHUTDOWN_ACTION_POWEROFF;
    qemu_system_shutdown_request(SHUTDOWN_CAUSE_HOST_QMP_QUIT);
}

void qmp_set_action(bool has_reboot, RebootAction reboot,
                    bool has_shutdown, ShutdownAction shutdown,
                    bool has_panic, PanicAction panic,
                    bool has_watchdog, WatchdogAction watchdog,
                    Error **errp)
{
    if (has_reboot) {
        reboot_action = reboot;
    }
    if (has_panic) {
        panic_action = panic;
    }
    if (has_watchdog) {
        watchdog_action = watchdog;
    }
    if (has_shutdown) {
        shutdown_action = shutdown;
    }
}

void qmp_watchdog_set_action(WatchdogAction action, Error **errp)
{
    watchdog_action = action;
}
