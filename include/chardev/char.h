/*
 * Character devices: byte-stream backends (stdio, sockets, ptys, files,
 * ring buffers, muxes) under /chardevs, created from -chardev, -serial,
 * -qmp and chardev-add.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CHARDEV_CHAR_H
#define CHARDEV_CHAR_H

#include "vireo/osdep.h"
#include "vireo/option.h"
#include "qom/object.h"
#include "chardev/char-fe.h"
#include "qapi/qapi-types-char.h"

#define TYPE_CHARDEV "chardev"
#define CHARDEV_TYPE_NAME(name) "chardev-" name

typedef enum ChardevFeature {
    QEMU_CHAR_FEATURE_RECONNECTABLE,
    QEMU_CHAR_FEATURE_FD_PASS,
    QEMU_CHAR_FEATURE_REPLAY,
    QEMU_CHAR_FEATURE_GCONTEXT,
    QEMU_CHAR_FEATURE_LAST,
} ChardevFeature;

struct Chardev {
    Object parent_obj;
    GMutex chr_write_lock;
    CharBackend *be;
    char *label;
    char *filename;
    int logfd;
    int be_open;
    GSource *gsource;       /* the read watch, when the backend has one */
    GMainContext *gcontext;
    unsigned long features;
};

typedef struct ChardevClass {
    ObjectClass parent_class;
    bool internal;          /* not creatable with -chardev */
    /* -chardev options to ChardevBackend. */
    void (*parse)(QemuOpts *opts, ChardevBackend *backend, Error **errp);
    void (*open)(Chardev *chr, ChardevBackend *backend, bool *be_opened,
                 Error **errp);
    int (*chr_write)(Chardev *s, const uint8_t *buf, int len);
    GSource *(*chr_add_watch)(Chardev *s, GIOCondition cond);
    void (*chr_update_read_handler)(Chardev *s);
    int (*chr_ioctl)(Chardev *s, int cmd, void *arg);
    int (*get_msgfds)(Chardev *s, int *fds, int num);
    int (*set_msgfds)(Chardev *s, int *fds, int num);
    void (*chr_disconnect)(Chardev *chr);
    void (*chr_accept_input)(Chardev *chr);
    void (*chr_set_echo)(Chardev *chr, bool echo);
    void (*chr_set_fe_open)(Chardev *chr, int fe_open);
    void (*chr_be_event)(Chardev *s, QEMUChrEvent event);
    /* Extra fields of query-chardev's filename. */
    void (*chr_info)(Chardev *s, ChardevInfo *info);
} ChardevClass;

DECLARE_OBJ_CHECKERS(Chardev, ChardevClass, CHARDEV, TYPE_CHARDEV)

extern QemuOptsList qemu_chardev_opts;

/* Registers the "chardev" option group (called once at start). */
void qemu_chardev_opts_init(void);

Chardev *qemu_chr_new_from_opts(QemuOpts *opts, GMainContext *context,
                                Error **errp);
/* Legacy strings ("stdio", "unix:/p,server=on", "mon:stdio", ...). */
QemuOpts *qemu_chr_parse_compat(const char *label, const char *filename,
                                bool permit_mux_mon);
Chardev *qemu_chr_new(const char *label, const char *filename,
                      GMainContext *context);
Chardev *qemu_chr_new_mux_mon(const char *label, const char *filename,
                              GMainContext *context);
Chardev *qemu_chardev_new(const char *id, const char *typename,
                          ChardevBackend *backend, GMainContext *gcontext,
                          Error **errp);
Chardev *qemu_chr_find(const char *name);
void qemu_chr_cleanup(void);

/* Backend side: data arriving from the outside. */
int qemu_chr_be_can_write(Chardev *s);
void qemu_chr_be_write(Chardev *s, const uint8_t *buf, int len);
void qemu_chr_be_event(Chardev *s, QEMUChrEvent event);
void qemu_chr_be_update_read_handlers(Chardev *s, GMainContext *context);

int qemu_chr_write(Chardev *s, const uint8_t *buf, int len, bool write_all);
#define qemu_chr_write_all(s, buf, len) qemu_chr_write(s, buf, len, true)

static inline bool qemu_chr_has_feature(Chardev *chr, ChardevFeature f)
{
    return chr->features & (1UL << f);
}
static inline void qemu_chr_set_feature(Chardev *chr, ChardevFeature f)
{
    chr->features |= 1UL << f;
}

void qemu_chr_parse_common(QemuOpts *opts, ChardevCommon *backend);

#endif
