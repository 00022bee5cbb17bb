/*
 * file and pipe chardevs: output to a file (optionally input from
 * another), or a pair of named pipes PATH.in/PATH.out (or PATH).
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "chardev/char-fd.h"
#include "monitor/monitor.h"

static int open_path(const char *path, int flags, Error **errp)
{
    int fd;

    if (g_str_has_prefix(path, "/dev/fdset/")) {
        fd = monitor_fdset_open(path, flags);
    } else {
        fd = open(path, flags | O_CLOEXEC, 0666);
    }
    if (fd < 0) {
        error_setg_file_open(errp, errno, path);
    }
    return fd;
}

static void file_chr_open(Chardev *chr, ChardevBackend *backend,
                          bool *be_opened, Error **errp)
{
    ChardevFile *file = backend->u.file.data;
    int flags = O_WRONLY | O_CREAT;
    int in = -1, out;

    flags |= (file->has_append && file->append) ? O_APPEND : O_TRUNC;
    out = open_path(file->out, flags, errp);
    if (out < 0) {
        return;
    }
    if (file->in) {
        in = open_path(file->in, O_RDONLY, errp);
        if (in < 0) {
            close(out);
            return;
        }
    }
    qemu_chr_open_fd(chr, in, out);
    chr->filename = g_strdup_printf("file:%s", file->out);
}

static void file_chr_parse(QemuOpts *opts, ChardevBackend *backend,
                           Error **errp)
{
    const char *path = qemu_opt_get(opts, "path");
    ChardevFile *file;

    if (path == NULL) {
        error_setg(errp, "chardev: file: no filename given");
        return;
    }
    file = backend->u.file.data = g_new0(ChardevFile, 1);
    qemu_chr_parse_common(opts, qapi_ChardevFile_base(file));
    file->out = g_strdup(path);
    file->has_append = true;
    file->append = qemu_opt_get_bool(opts, "append", false);
}

static void pipe_chr_open(Chardev *chr, ChardevBackend *backend,
                          bool *be_opened, Error **errp)
{
    const char *path = backend->u.pipe.data->device;
    g_autofree char *in_name = g_strdup_printf("%s.in", path);
    g_autofree char *out_name = g_strdup_printf("%s.out", path);
    int fd_in = open(in_name, O_RDWR | O_CLOEXEC);
    int fd_out = open(out_name, O_RDWR | O_CLOEXEC);

    if (fd_in < 0 || fd_out < 0) {
        if (fd_in >= 0) {
            close(fd_in);
        }
        if (fd_out >= 0) {
            close(fd_out);
        }
        fd_in = fd_out = open(path, O_RDWR | O_CLOEXEC);
        if (fd_in < 0) {
            error_setg_file_open(errp, errno, path);
            return;
        }
    }
    qemu_chr_open_fd(chr, fd_in, fd_out);
    chr->filename = g_strdup_printf("pipe:%s", path);
}

static void pipe_chr_parse(QemuOpts *opts, ChardevBackend *backend,
                           Error **errp)
{
    const char *device = qemu_opt_get(opts, "path");
    ChardevHostdev *dev;

    if (device == NULL) {
        error_setg(errp, "chardev: pipe: no device path given");
        return;
    }
    dev = backend->u.pipe.data = g_new0(ChardevHostdev, 1);
    qemu_chr_parse_common(opts, qapi_ChardevHostdev_base(dev));
    dev->device = g_strdup(device);
}

static void file_class_init(ObjectClass *oc, void *data)
{
    ChardevClass *cc = CHARDEV_CLASS(oc);

    cc->parse = file_chr_parse;
    cc->open = file_chr_open;
}

static void pipe_class_init(ObjectClass *oc, void *data)
{
    ChardevClass *cc = CHARDEV_CLASS(oc);

    cc->parse = pipe_chr_parse;
    cc->open = pipe_chr_open;
}

static const TypeInfo file_types[] = {
    {
        .name = CHARDEV_TYPE_NAME("file"),
        .parent = TYPE_CHARDEV_FD,
        .class_init = file_class_init,
    }, {
        .name = CHARDEV_TYPE_NAME("pipe"),
        .parent = TYPE_CHARDEV_FD,
        .class_init = pipe_class_init,
    },
};

DEFINE_TYPES(file_types)
