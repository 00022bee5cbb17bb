/*
 * vireo-system-*: the entry point.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "system/runstate.h"
#include "system/vl.h"

static void termsig_handler(int signal, siginfo_t *info, void *c)
{
    qemu_system_killed(info->si_signo, info->si_pid);
}

static void install_signals(void)
{
    struct sigaction act = { 0 };

    act.sa_sigaction = termsig_handler;
    act.sa_flags = SA_SIGINFO;
    sigaction(SIGINT, &act, NULL);
    sigaction(SIGHUP, &act, NULL);
    sigaction(SIGTERM, &act, NULL);
    /* A closed socket peer is an error return, not a signal. */
    signal(SIGPIPE, SIG_IGN);
}

int main(int argc, char **argv)
{
    install_signals();
    return vireo_main(argc, argv);
}
