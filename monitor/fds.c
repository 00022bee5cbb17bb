/*
 * File descriptor passing: fds received with SCM_RIGHTS, named per
 * monitor (getfd/closefd) or grouped in numbered fd sets (add-fd,
 * remove-fd, query-fdsets, -add-fd) that "/dev/fdset/N" opens dup.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "vireo/option.h"
#include "qapi/qapi-commands-monitor.h"
#include "system/runstate.h"
#include "monitor-internal.h"

struct MonFd {
    char *name;
    int fd;
    MonFd *next;
};

typedef struct FdsetFd {
    int fd;
    bool removed;
    char *opaque;
} FdsetFd;

typedef struct Fdset {
    int64_t id;
    GList *fds;             /* FdsetFd, newest first (as QEMU lists them) */
    GList *dup_fds;         /* GINT_TO_POINTER(fd) handed out by opens */
} Fdset;

/* Sorted by id. */
static GList *fdsets;
static GMutex fdsets_lock;

static int fd_name_invalid(const char *fdname, Error **errp)
{
    if (g_ascii_isdigit(fdname[0])) {
        error_setg(errp, "Parameter '%s' expects %s", "fdname",
                   "a name not starting with a digit");
        return -1;
    }
    return 0;
}

static bool monitor_add_fd(Monitor *mon, int fd, const char *fdname,
                           Error **errp)
{
    MonFd *m;
    int old = -1;

    if (fd_name_invalid(fdname, errp) < 0) {
        close(fd);
        return false;
    }
    g_rec_mutex_lock(&mon->lock);
    for (m = mon->fds; m; m = m->next) {
        if (!strcmp(m->name, fdname)) {
            old = m->fd;
            m->fd = fd;
            break;
        }
    }
    if (!m) {
        m = g_new0(MonFd, 1);
        m->name = g_strdup(fdname);
        m->fd = fd;
        m->next = mon->fds;
        mon->fds = m;
    }
    g_rec_mutex_unlock(&mon->lock);
    if (old >= 0) {
        close(old);
    }
    return true;
}

static int monitor_take_msgfd(Monitor *mon, Error **errp)
{
    int fd = -1;

    if (mon->use_chr) {
        fd = qemu_chr_fe_get_msgfd(&mon->chr);
    }
    if (fd < 0) {
        error_setg(errp, "No file descriptor supplied via SCM_RIGHTS");
        return -1;
    }
    return fd;
}

void qmp_getfd(const char *fdname, Error **errp)
{
    Monitor *mon = monitor_cur();
    int fd;

    fd = monitor_take_msgfd(mon, errp);
    if (fd < 0) {
        return;
    }
    monitor_add_fd(mon, fd, fdname, errp);
}

void qmp_closefd(const char *fdname, Error **errp)
{
    Monitor *mon = monitor_cur();
    MonFd **p, *m;

    g_rec_mutex_lock(&mon->lock);
    for (p = &mon->fds; (m = *p); p = &m->next) {
        if (!strcmp(m->name, fdname)) {
            *p = m->next;
            break;
        }
    }
    g_rec_mutex_unlock(&mon->lock);
    if (!m) {
        error_setg(errp, "File descriptor named '%s' not found", fdname);
        return;
    }
    close(m->fd);
    g_free(m->name);
    g_free(m);
}

int monitor_get_fd(Monitor *mon, const char *fdname, Error **errp)
{
    MonFd **p, *m;
    int fd;

    g_rec_mutex_lock(&mon->lock);
    for (p = &mon->fds; (m = *p); p = &m->next) {
        if (!strcmp(m->name, fdname)) {
            *p = m->next;
            break;
        }
    }
    g_rec_mutex_unlock(&mon->lock);
    if (!m) {
        error_setg(errp, "File descriptor named '%s' has not been found",
                   fdname);
        return -1;
    }
    /* The caller owns the fd now. */
    fd = m->fd;
    g_free(m->name);
    g_free(m);
    return fd;
}

void monitor_fds_release(Monitor *mon)
{
    MonFd *m;

    while ((m = mon->fds)) {
        mon->fds = m->next;
        close(m->fd);
        g_free(m->name);
        g_free(m);
    }
}

static int parse_fd_number(const char *str)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(str, &end, 10);
    if (errno || end == str || *end || v < 0 || v > INT_MAX) {
        return -1;
    }
    return v;
}

int monitor_fd_param(Monitor *mon, const char *fdname, Error **errp)
{
    int fd;

    if (!g_ascii_isdigit(fdname[0]) && mon) {
        return monitor_get_fd(mon, fdname, errp);
    }
    fd = parse_fd_number(fdname);
    if (fd < 0) {
        error_setg(errp, "Invalid file descriptor number '%s'", fdname);
    }
    return fd;
}

/* Fd sets */

static Fdset *fdset_find(int64_t id)
{
    GList *l;

    for (l = fdsets; l; l = l->next) {
        Fdset *s = l->data;

        if (s->id == id) {
            return s;
        }
    }
    return NULL;
}

static bool monitors_connected(void)
{
    Monitor *mon;

    for (mon = monitor_first(); mon; mon = mon->next) {
        if (mon->is_qmp && mon->connected) {
            return true;
        }
    }
    return false;
}

/*
 * Closes removed fds, and all fds once nothing uses the set (no dup'ed
 * fd is open and no QMP client is connected to re-use it), while the
 * guest runs, as QEMU does; drops the set when it is empty.
 */
static void fdset_cleanup_locked(Fdset *s, bool any_client)
{
    GList *l, *next;

    for (l = s->fds; l; l = next) {
        FdsetFd *f = l->data;

        next = l->next;
        if ((f->removed || (!s->dup_fds && !any_client)) &&
            runstate_is_running()) {
            close(f->fd);
            g_free(f->opaque);
            g_free(f);
            s->fds = g_list_delete_link(s->fds, l);
        }
    }
    if (!s->fds && !s->dup_fds) {
        fdsets = g_list_remove(fdsets, s);
        g_free(s);
    }
}

void monitor_fdsets_cleanup(void)
{
    bool any_client = monitors_connected();
    GList *l, *next;

    g_mutex_lock(&fdsets_lock);
    for (l = fdsets; l; l = next) {
        next = l->next;
        fdset_cleanup_locked(l->data, any_client);
    }
    g_mutex_unlock(&fdsets_lock);
}

static gint fdset_cmp(gconstpointer a, gconstpointer b)
{
    const Fdset *x = a, *y = b;

    return x->id < y->id ? -1 : x->id > y->id;
}

AddfdInfo *monitor_fdset_add_fd(int fd, bool has_fdset_id, int64_t fdset_id,
                                const char *opaque, Error **errp)
{
    Fdset *s = NULL;
    FdsetFd *f;
    AddfdInfo *info;

    g_mutex_lock(&fdsets_lock);
    if (has_fdset_id) {
        if (fdset_id < 0) {
            g_mutex_unlock(&fdsets_lock);
            error_setg(errp, "Parameter '%s' expects %s", "fdset-id",
                       "a non-negative value");
            return NULL;
        }
        s = fdset_find(fdset_id);
    } else {
        /* The lowest id not in use. */
        GList *l;

        fdset_id = 0;
        for (l = fdsets; l; l = l->next) {
            Fdset *t = l->data;

            if (t->id != fdset_id) {
                break;
            }
            fdset_id++;
        }
    }
    if (!s) {
        s = g_new0(Fdset, 1);
        s->id = fdset_id;
        fdsets = g_list_insert_sorted(fdsets, s, fdset_cmp);
    }
    f = g_new0(FdsetFd, 1);
    f->fd = fd;
    f->opaque = g_strdup(opaque);
    s->fds = g_list_prepend(s->fds, f);
    info = g_new0(AddfdInfo, 1);
    info->fdset_id = s->id;
    info->fd = fd;
    g_mutex_unlock(&fdsets_lock);
    return info;
}

AddfdInfo *qmp_add_fd(bool has_fdset_id, int64_t fdset_id,
                      const char *opaque, Error **errp)
{
    Monitor *mon = monitor_cur();
    AddfdInfo *info;
    int fd;

    fd = monitor_take_msgfd(mon, errp);
    if (fd < 0) {
        return NULL;
    }
    info = monitor_fdset_add_fd(fd, has_fdset_id, fdset_id, opaque, errp);
    if (!info) {
        close(fd);
    }
    return info;
}

void qmp_remove_fd(int64_t fdset_id, bool has_fd, int64_t fd, Error **errp)
{
    Fdset *s;
    GList *l;
    bool found = false;

    g_mutex_lock(&fdsets_lock);
    s = fdset_find(fdset_id);
    if (s) {
        for (l = s->fds; l; l = l->next) {
            FdsetFd *f = l->data;

            if (!has_fd || f->fd == fd) {
                f->removed = true;
                found = true;
                if (has_fd) {
                    break;
                }
            }
        }
        if (found || !has_fd) {
            fdset_cleanup_locked(s, monitors_connected());
            g_mutex_unlock(&fdsets_lock);
            return;
        }
    }
    g_mutex_unlock(&fdsets_lock);
    if (has_fd) {
        error_setg(errp, "File descriptor named 'fdset-id:%" PRId64
                   ", fd:%" PRId64 "' not found", fdset_id, fd);
    } else {
        error_setg(errp, "File descriptor named 'fdset-id:%" PRId64
                   "' not found", fdset_id);
    }
}

FdsetInfoList *qmp_query_fdsets(Error **errp)
{
    FdsetInfoList *list = NULL;
    GList *l, *k;

    g_mutex_lock(&fdsets_lock);
    for (l = fdsets; l; l = l->next) {
        Fdset *s = l->data;
        FdsetInfo *info = g_new0(FdsetInfo, 1);

        info->fdset_id = s->id;
        for (k = s->fds; k; k = k->next) {
            FdsetFd *f = k->data;
            FdsetFdInfo *fi = g_new0(FdsetFdInfo, 1);

            fi->fd = f->fd;
            fi->opaque = g_strdup(f->opaque);
            QAPI_LIST_PREPEND(info->fds, fi);
        }
        QAPI_LIST_PREPEND(list, info);
    }
    g_mutex_unlock(&fdsets_lock);
    return list;
}

/* dup() @fd keeping O_CLOEXEC and applying @flags' status flags. */
static int dup_with_flags(int fd, int flags)
{
    int nfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);

    if (nfd < 0) {
        return -1;
    }
    if (fcntl(nfd, F_SETFL, flags & (O_APPEND | O_NONBLOCK | O_DIRECT |
                                     O_ASYNC | O_NOATIME)) < 0) {
        int e = errno;

        close(nfd);
        errno = e;
        return -1;
    }
    return nfd;
}

int monitor_fdset_dup_fd_add(int64_t fdset_id, int flags)
{
    Fdset *s;
    GList *l;
    int fd = -1, nfd;

    g_mutex_lock(&fdsets_lock);
    s = fdset_find(fdset_id);
    if (!s) {
        g_mutex_unlock(&fdsets_lock);
        errno = ENOENT;
        return -1;
    }
    for (l = s->fds; l; l = l->next) {
        FdsetFd *f = l->data;
        int fl = fcntl(f->fd, F_GETFL);

        if (fl == -1) {
            g_mutex_unlock(&fdsets_lock);
            return -1;
        }
        if ((fl & O_ACCMODE) == (flags & O_ACCMODE)) {
            fd = f->fd;
            break;
        }
    }
    if (fd < 0) {
        g_mutex_unlock(&fdsets_lock);
        errno = EACCES;
        return -1;
    }
    nfd = dup_with_flags(fd, flags);
    if (nfd >= 0) {
        s->dup_fds = g_list_prepend(s->dup_fds, GINT_TO_POINTER(nfd));
    }
    g_mutex_unlock(&fdsets_lock);
    return nfd;
}

static int64_t fdset_dup_lookup(int dup_fd, bool remove)
{
    GList *l;

    g_mutex_lock(&fdsets_lock);
    for (l = fdsets; l; l = l->next) {
        Fdset *s = l->data;
        GList *d = g_list_find(s->dup_fds, GINT_TO_POINTER(dup_fd));

        if (d) {
            int64_t id = s->id;

            if (remove) {
                s->dup_fds = g_list_delete_link(s->dup_fds, d);
                if (!s->dup_fds) {
                    fdset_cleanup_locked(s, monitors_connected());
                }
            }
            g_mutex_unlock(&fdsets_lock);
            return id;
        }
    }
    g_mutex_unlock(&fdsets_lock);
    return -1;
}

int64_t monitor_fdset_dup_fd_find(int dup_fd)
{
    return fdset_dup_lookup(dup_fd, false);
}

void monitor_fdset_dup_fd_remove(int dup_fd)
{
    fdset_dup_lookup(dup_fd, true);
}

int monitor_fdset_open(const char *path, int flags)
{
    const char *num;
    char *end;
    long long id;

    if (!g_str_has_prefix(path, "/dev/fdset/")) {
        errno = EINVAL;
        return -1;
    }
    num = path + strlen("/dev/fdset/");
    errno = 0;
    id = strtoll(num, &end, 10);
    if (errno || end == num || *end || id < 0) {
        errno = EINVAL;
        return -1;
    }
    return monitor_fdset_dup_fd_add(id, flags);
}

/* -add-fd */

QemuOptsList qemu_add_fd_opts = {
    .name = "add-fd",
    .head = QTAILQ_HEAD_INITIALIZER(qemu_add_fd_opts.head),
    .desc = {
        {
            .name = "fd",
            .type = QEMU_OPT_NUMBER,
            .help = "file descriptor of which a duplicate is added to fd set",
        }, {
            .name = "set",
            .type = QEMU_OPT_NUMBER,
            .help = "ID of the fd set to add fd to",
        }, {
            .name = "opaque",
            .type = QEMU_OPT_STRING,
            .help = "free-form string used to describe fd",
        },
        { /* end of list */ }
    },
};

int monitor_fdset_add_cmdline(QemuOpts *opts, Error **errp)
{
    int fd, dupfd, flags;
    int64_t fdset_id;
    const char *opaque;
    AddfdInfo *info;

    fd = qemu_opt_get_number(opts, "fd", -1);
    fdset_id = qemu_opt_get_number(opts, "set", -1);
    opaque = qemu_opt_get(opts, "opaque");

    if (fd < 0) {
        error_setg(errp, "fd option is required and must be non-negative");
        return -1;
    }
    if (fd <= STDERR_FILENO) {
        error_setg(errp, "fd cannot be a standard I/O stream");
        return -1;
    }
    /*
     * An fd inherited across exec() has FD_CLOEXEC clear; one with it set
     * is ours already.
     */
    flags = fcntl(fd, F_GETFD);
    if (flags == -1 || (flags & FD_CLOEXEC)) {
        error_setg(errp, "fd is not valid or already in use");
        return -1;
    }
    if (fdset_id < 0) {
        error_setg(errp, "set option is required and must be non-negative");
        return -1;
    }
    dupfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (dupfd < 0) {
        error_setg(errp, "error duplicating fd: %s", strerror(errno));
        return -1;
    }
    info = monitor_fdset_add_fd(dupfd, true, fdset_id, opaque, errp);
    if (!info) {
        close(dupfd);
        return -1;
    }
    qapi_free_AddfdInfo(info);
    return 0;
}

int monitor_parse_add_fd_opts(void *opaque, QemuOpts *opts, Error **errp)
{
    return monitor_fdset_add_cmdline(opts, errp);
}

int monitor_cleanup_add_fd_opts(void *opaque, QemuOpts *opts, Error **errp)
{
    int fd = qemu_opt_get_number(opts, "fd", -1);

    /* The set holds a duplicate; the inherited original is not needed. */
    if (fd > STDERR_FILENO) {
        close(fd);
    }
    return 0;
}
