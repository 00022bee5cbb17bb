/*
 * Getting a tap fd from a privileged helper, for -netdev bridge and
 * -netdev tap,helper=: the helper (QEMU's qemu-bridge-helper by default,
 * see the bridge_helper build option) is given one end of a socketpair as
 * --fd=N, creates a tap, adds it to the bridge its ACL file allows
 * (/etc/qemu/bridge.conf) and sends the tap's fd back with SCM_RIGHTS.
 * The helper's own messages go to our stderr; its failure is reported
 * with QEMU's texts.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include "vireo/error.h"
#include "net/net.h"

/*
 * One fd from @sock, close-on-exec.  Returns it, -1 with errno set on an
 * error, or -2 when the helper closed the socket without sending one.
 */
static int tap_helper_recv_fd(int sock)
{
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int))];
    } control;
    char byte;
    struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
    struct msghdr msg = {
        .msg_iov = &iov,
        .msg_iovlen = 1,
        .msg_control = control.buf,
        .msg_controllen = sizeof(control.buf),
    };
    struct cmsghdr *cmsg;
    ssize_t n;
    int fd = -2;

    do {
        n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        return -1;
    }
    for (cmsg = CMSG_FIRSTHDR(&msg); cmsg; cmsg = CMSG_NXTHDR(&msg, cmsg)) {
        if (cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS &&
            cmsg->cmsg_len >= CMSG_LEN(sizeof(int))) {
            memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
            break;
        }
    }
    return fd;
}

/* In the child: only @keep stays open past stdio, then the helper runs. */
static void __attribute__((noreturn))
tap_helper_exec(const char *path, char **argv, int keep)
{
    int flags = fcntl(keep, F_GETFD);

    if (flags < 0 || fcntl(keep, F_SETFD, flags & ~FD_CLOEXEC) < 0) {
        _exit(1);
    }
    if (keep > 3 && close_range(3, keep - 1, 0) < 0 && errno == ENOSYS) {
        for (int i = 3; i < keep; i++) {
            close(i);
        }
    }
    if (close_range(keep + 1, ~0U, 0) < 0 && errno == ENOSYS) {
        long max = sysconf(_SC_OPEN_MAX);

        for (long i = keep + 1; i < max; i++) {
            close(i);
        }
    }
    execv(path, argv);
    _exit(1);
}

int net_bridge_run_helper(const char *helper, const char *bridge,
                          Error **errp)
{
    g_autofree char *fd_arg = NULL, *br_arg = NULL, *cmd = NULL;
    const char *path;
    char *argv[6];
    int sv[2], status = 0, fd, saved_errno;
    pid_t pid;

    if (!helper) {
        helper = CONFIG_BRIDGE_HELPER;
    }
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
        error_setg_errno(errp, errno, "socketpair() failed");
        return -1;
    }
    /*
     * Everything the child needs is made before fork(): with vCPU threads
     * about, the child may only make async-signal-safe calls.
     */
    fd_arg = g_strdup_printf("--fd=%d", sv[1]);
    if (strpbrk(helper, " \t")) {
        /* A command line, run by the shell, as QEMU: --br= unless given. */
        if (!strstr(helper, "--br=")) {
            br_arg = g_strdup_printf("--br=%s", bridge);
        }
        cmd = g_strdup_printf("%s --use-vnet %s %s", helper, fd_arg,
                              br_arg ? br_arg : "");
        path = "/bin/sh";
        argv[0] = (char *)"sh";
        argv[1] = (char *)"-c";
        argv[2] = cmd;
        argv[3] = NULL;
    } else {
        br_arg = g_strdup_printf("--br=%s", bridge);
        path = helper;
        argv[0] = (char *)helper;
        argv[1] = (char *)"--use-vnet";
        argv[2] = fd_arg;
        argv[3] = br_arg;
        argv[4] = NULL;
    }

    pid = fork();
    if (pid < 0) {
        saved_errno = errno;
        close(sv[0]);
        close(sv[1]);
        error_setg_errno(errp, saved_errno, "Can't fork bridge helper");
        return -1;
    }
    if (pid == 0) {
        tap_helper_exec(path, argv, sv[1]);
    }
    close(sv[1]);
    fd = tap_helper_recv_fd(sv[0]);
    saved_errno = errno;
    close(sv[0]);
    /* Vireo reaps no children elsewhere: this waitpid() gets it. */
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        /* until the helper is gone */
    }

    if (fd == -1) {
        error_setg_errno(errp, saved_errno, "failed to recv file descriptor");
        return -1;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        if (fd >= 0) {
            close(fd);
        }
        error_setg(errp, "bridge helper failed");
        return -1;
    }
    if (fd < 0) {
        /* It said it succeeded yet sent nothing. */
        error_setg(errp, "failed to recv file descriptor");
        return -1;
    }
    return fd;
}
