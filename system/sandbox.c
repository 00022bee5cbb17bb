/*
 * -sandbox: a seccomp filter (libseccomp) that denies the system calls
 * QEMU's sandbox denies, per category: obsolete ones, privilege changes,
 * spawning processes, scheduling/resource control.  Offered (and listed
 * in query-command-line-options) only when libseccomp is available.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "vireo/error-report.h"
#include "vireo/option.h"
#include "system/vl.h"

#ifdef CONFIG_SECCOMP
#include <sched.h>
#include <seccomp.h>
#endif

#define DENY_DEFAULT      (1 << 0)
#define DENY_OBSOLETE     (1 << 1)
#define DENY_PRIVILEGED   (1 << 2)
#define DENY_SPAWN        (1 << 3)
#define DENY_RESOURCECTL  (1 << 4)

static QemuOptsList qemu_sandbox_opts = {
    .name = "sandbox",
    .implied_opt_name = "enable",
    .head = QTAILQ_HEAD_INITIALIZER(qemu_sandbox_opts.head),
    .desc = {
        { .name = "enable", .type = QEMU_OPT_BOOL },
        { .name = "obsolete", .type = QEMU_OPT_STRING },
        { .name = "elevateprivileges", .type = QEMU_OPT_STRING },
        { .name = "spawn", .type = QEMU_OPT_STRING },
        { .name = "resourcecontrol", .type = QEMU_OPT_STRING },
        { /* end of list */ }
    },
};

static int sandbox_flags = -1;      /* -1: no sandbox */

void sandbox_opts_init(void)
{
#ifdef CONFIG_SECCOMP
    qemu_add_opts(&qemu_sandbox_opts);
#endif
}

void sandbox_parse_option(const char *optarg)
{
#ifdef CONFIG_SECCOMP
    QemuOpts *opts = qemu_opts_parse_noisily(&qemu_sandbox_opts, optarg,
                                             true);
    static const struct {
        const char *name;
        int flag;
        const char *allowed;     /* the one non-deny value */
    } cats[] = {
        { "obsolete", DENY_OBSOLETE, "allow" },
        { "elevateprivileges", DENY_PRIVILEGED, "allow" },
        { "spawn", DENY_SPAWN, "allow" },
        { "resourcecontrol", DENY_RESOURCECTL, "allow" },
    };

    if (!opts) {
        exit(1);
    }
    if (!qemu_opt_get_bool(opts, "enable", false)) {
        sandbox_flags = -1;
        return;
    }
    sandbox_flags = DENY_DEFAULT | DENY_OBSOLETE;
    for (size_t i = 0; i < G_N_ELEMENTS(cats); i++) {
        const char *v = qemu_opt_get(opts, cats[i].name);

        if (!v) {
            continue;
        }
        if (!strcmp(v, "deny")) {
            sandbox_flags |= cats[i].flag;
        } else if (!strcmp(v, cats[i].allowed)) {
            sandbox_flags &= ~cats[i].flag;
        } else if (cats[i].flag == DENY_PRIVILEGED &&
                   !strcmp(v, "children")) {
            sandbox_flags |= cats[i].flag;
        } else {
            error_report("invalid argument for %s", cats[i].name);
            exit(1);
        }
    }
    qemu_opts_del(opts);
#else
    error_report("-sandbox support is not enabled in this QEMU binary");
    exit(1);
#endif
}

void sandbox_apply_early(void)
{
}

#ifdef CONFIG_SECCOMP
static const struct {
    const char *name;
    int flag;
} denylist[] = {
    /* Always denied. */
    { "reboot", DENY_DEFAULT }, { "swapon", DENY_DEFAULT },
    { "swapoff", DENY_DEFAULT }, { "syslog", DENY_DEFAULT },
    { "mount", DENY_DEFAULT }, { "umount", DENY_DEFAULT },
    { "umount2", DENY_DEFAULT }, { "kexec_load", DENY_DEFAULT },
    { "kexec_file_load", DENY_DEFAULT }, { "afs_syscall", DENY_DEFAULT },
    { "breakpoint", DENY_DEFAULT }, { "ftime", DENY_DEFAULT },
    { "getpmsg", DENY_DEFAULT }, { "gtty", DENY_DEFAULT },
    { "lock", DENY_DEFAULT }, { "mpx", DENY_DEFAULT },
    { "prof", DENY_DEFAULT }, { "profil", DENY_DEFAULT },
    { "putpmsg", DENY_DEFAULT }, { "security", DENY_DEFAULT },
    { "stty", DENY_DEFAULT }, { "tuxcall", DENY_DEFAULT },
    { "vserver", DENY_DEFAULT },
    /* obsolete */
    { "readdir", DENY_OBSOLETE }, { "_sysctl", DENY_OBSOLETE },
    { "bdflush", DENY_OBSOLETE }, { "create_module", DENY_OBSOLETE },
    { "get_kernel_syms", DENY_OBSOLETE }, { "query_module", DENY_OBSOLETE },
    { "sgetmask", DENY_OBSOLETE }, { "ssetmask", DENY_OBSOLETE },
    { "sysfs", DENY_OBSOLETE }, { "uselib", DENY_OBSOLETE },
    { "ustat", DENY_OBSOLETE },
    /* elevateprivileges */
    { "setuid", DENY_PRIVILEGED }, { "setgid", DENY_PRIVILEGED },
    { "setpgid", DENY_PRIVILEGED }, { "setsid", DENY_PRIVILEGED },
    { "setreuid", DENY_PRIVILEGED }, { "setregid", DENY_PRIVILEGED },
    { "setresuid", DENY_PRIVILEGED }, { "setresgid", DENY_PRIVILEGED },
    { "setfsuid", DENY_PRIVILEGED }, { "setfsgid", DENY_PRIVILEGED },
    /* spawn (clone is filtered by its flags below) */
    { "fork", DENY_SPAWN }, { "vfork", DENY_SPAWN },
    { "execve", DENY_SPAWN }, { "execveat", DENY_SPAWN },
    /* resourcecontrol */
    { "getpriority", DENY_RESOURCECTL }, { "setpriority", DENY_RESOURCECTL },
    { "sched_setparam", DENY_RESOURCECTL },
    { "sched_getparam", DENY_RESOURCECTL },
    { "sched_setscheduler", DENY_RESOURCECTL },
    { "sched_getscheduler", DENY_RESOURCECTL },
    { "sched_setaffinity", DENY_RESOURCECTL },
    { "sched_getaffinity", DENY_RESOURCECTL },
    { "sched_get_priority_max", DENY_RESOURCECTL },
    { "sched_get_priority_min", DENY_RESOURCECTL },
};
#endif

void sandbox_apply_late(void)
{
#ifdef CONFIG_SECCOMP
    scmp_filter_ctx ctx;

    if (sandbox_flags < 0) {
        return;
    }
    ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (!ctx) {
        error_report("failed to install seccomp syscall filter in the "
                     "kernel");
        exit(1);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(denylist); i++) {
        int nr = seccomp_syscall_resolve_name(denylist[i].name);

        if (!(sandbox_flags & denylist[i].flag) || nr == __NR_SCMP_ERROR) {
            continue;
        }
        if (seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, nr, 0) < 0) {
            goto fail;
        }
    }
    if (sandbox_flags & DENY_SPAWN) {
        /* Threads may still be created; new processes may not. */
        if (seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, SCMP_SYS(clone), 1,
                             SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD,
                                     0)) < 0 ||
            seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3),
                             0) < 0) {
            goto fail;
        }
    }
    if (seccomp_load(ctx) < 0) {
        goto fail;
    }
    seccomp_release(ctx);
    return;
fail:
    seccomp_release(ctx);
    error_report("failed to install seccomp syscall filter in the kernel");
    exit(1);
#endif
}
