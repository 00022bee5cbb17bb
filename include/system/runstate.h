/*
 * VM run state: running/paused/shutdown..., the transitions QEMU allows,
 * VM change state handlers, and shutdown/reset/powerdown requests that
 * the main loop carries out.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef SYSTEM_RUNSTATE_H
#define SYSTEM_RUNSTATE_H

#include "vireo/osdep.h"
#include "qapi/qapi-types-run-state.h"

typedef void VMChangeStateHandler(void *opaque, bool running, RunState state);
typedef struct VMChangeStateEntry VMChangeStateEntry;

VMChangeStateEntry *qemu_add_vm_change_state_handler(VMChangeStateHandler *cb,
                                                     void *opaque);
VMChangeStateEntry *qemu_add_vm_change_state_handler_prio(
    VMChangeStateHandler *cb, void *opaque, int priority);
void qemu_del_vm_change_state_handler(VMChangeStateEntry *e);

bool runstate_check(RunState state);
void runstate_set(RunState new_state);
RunState runstate_get(void);
bool runstate_is_running(void);
bool runstate_needs_reset(void);

/* Start or stop the vCPUs (and guest time), emitting RESUME/STOP. */
void vm_start(void);
int vm_prepare_start(bool step_pending);
int vm_stop(RunState state);
int vm_stop_force_state(RunState state);

/* Requests, carried out by the main loop. */
void qemu_system_reset_request(ShutdownCause reason);
void qemu_system_shutdown_request(ShutdownCause reason);
void qemu_system_shutdown_request_with_code(ShutdownCause reason,
                                            int exit_code);
void qemu_system_powerdown_request(void);
void qemu_system_vmstop_request(RunState state);
void qemu_system_killed(int signal, pid_t pid);
/* A power-button handler (boards with one register it). */
void qemu_register_powerdown_notifier(void (*fn)(void *opaque),
                                      void *opaque);

/* Resets the machine now (reason for the RESET event). */
void qemu_system_reset(ShutdownCause reason);

/* The main loop; returns the process exit status. */
int qemu_main_loop(void);

/* -no-shutdown, -no-reboot, -action. */
extern RebootAction reboot_action;
extern ShutdownAction shutdown_action;
extern PanicAction panic_action;
extern WatchdogAction watchdog_action;

#endif
