/*
 * Character device core: the Chardev type, creation from -chardev
 * options and from QAPI ChardevBackend, output with logging, the
 * backend->frontend data path, and the chardev QMP commands.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "vireo/error-report.h"
#include "vireo/cutils.h"
#include "vireo/main-loop.h"
#include "chardev/char.h"
#include "chardev/char-mux.h"
#include "chardev/char-io.h"
#include "monitor/monitor.h"
#include "qapi/qapi-commands-char.h"
#include "qapi/qapi-visit-char.h"

static Object *get_chardevs_root(void)
{
    return container_get(object_get_root(), "/chardevs");
}

/* ---- Output ---- */

static int chr_log(Chardev *s, const uint8_t *buf, size_t len)
{
    if (s->logfd < 0) {
        return 0;
    }
    /* The log is best effort: a full disk must not stop the guest. */
    while (len) {
        ssize_t n = write(s->logfd, buf, len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return -1;
        }
        buf += n;
        len -= n;
    }
    return 0;
}

int qemu_chr_write(Chardev *s, const uint8_t *buf, int len, bool write_all)
{
    ChardevClass *cc = CHARDEV_GET_CLASS(s);
    int offset = 0, res = 0;

    g_mutex_lock(&s->chr_write_lock);
    while (offset < len) {
        res = cc->chr_write(s, buf + offset, len - offset);
        if (res < 0 && errno == EAGAIN && write_all) {
            g_usleep(100);
            continue;
        }
        if (res <= 0) {
            break;
        }
        offset += res;
        if (!write_all) {
            break;
        }
    }
    if (offset > 0) {
        chr_log(s, buf, offset);
    }
    g_mutex_unlock(&s->chr_write_lock);
    return offset > 0 ? offset : res;
}

/* ---- Input ---- */

int qemu_chr_be_can_write(Chardev *s)
{
    CharBackend *be = s->be;

    if (!be || !be->chr_can_read) {
        return 0;
    }
    return be->chr_can_read(be->opaque);
}

void qemu_chr_be_write(Chardev *s, const uint8_t *buf, int len)
{
    CharBackend *be = s->be;

    if (be && be->chr_read) {
        be->chr_read(be->opaque, buf, len);
    }
}

void qemu_chr_be_event(Chardev *s, QEMUChrEvent event)
{
    CharBackend *be = s->be;

    switch (event) {
    case CHR_EVENT_OPENED:
        s->be_open = 1;
        break;
    case CHR_EVENT_CLOSED:
        s->be_open = 0;
        break;
    default:
        break;
    }
    CHARDEV_GET_CLASS(s)->chr_be_event(s, event);
    (void)be;
}

static void chr_be_event(Chardev *s, QEMUChrEvent event)
{
    CharBackend *be = s->be;

    if (be && be->chr_event) {
        be->chr_event(be->opaque, event);
    }
}

void qemu_chr_be_update_read_handlers(Chardev *s, GMainContext *context)
{
    ChardevClass *cc = CHARDEV_GET_CLASS(s);

    s->gcontext = context;
    if (cc->chr_update_read_handler) {
        cc->chr_update_read_handler(s);
    }
}

/* ---- Lifetime ---- */

static bool qemu_chr_open_logfile(Chardev *chr, ChardevCommon *common,
                                  Error **errp)
{
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC;

    if (!common || !common->logfile) {
        return true;
    }
    flags |= (common->has_logappend && common->logappend) ? O_APPEND
                                                           : O_TRUNC;
    if (g_str_has_prefix(common->logfile, "/dev/fdset/")) {
        chr->logfd = monitor_fdset_open(common->logfile, flags);
    } else {
        chr->logfd = open(common->logfile, flags, 0666);
    }
    if (chr->logfd < 0) {
        error_setg_errno(errp, errno, "Unable to open logfile %s",
                         common->logfile);
        return false;
    }
    return true;
}

static ChardevCommon *backend_common(ChardevBackend *b)
{
    /* Every wrapper's data starts with the ChardevCommon members. */
    switch (b->type) {
    case CHARDEV_BACKEND_KIND_FILE:
        return qapi_ChardevFile_base(b->u.file.data);
    case CHARDEV_BACKEND_KIND_SERIAL:
    case CHARDEV_BACKEND_KIND_PIPE:
        return qapi_ChardevHostdev_base(b->u.pipe.data);
    case CHARDEV_BACKEND_KIND_SOCKET:
        return qapi_ChardevSocket_base(b->u.socket.data);
    case CHARDEV_BACKEND_KIND_PTY:
        return qapi_ChardevPty_base(b->u.pty.data);
    case CHARDEV_BACKEND_KIND_NULL:
        return b->u.null.data;
    case CHARDEV_BACKEND_KIND_MUX:
        return qapi_ChardevMux_base(b->u.mux.data);
    case CHARDEV_BACKEND_KIND_STDIO:
        return qapi_ChardevStdio_base(b->u.stdio.data);
    case CHARDEV_BACKEND_KIND_RINGBUF:
    case CHARDEV_BACKEND_KIND_MEMORY:
        return qapi_ChardevRingbuf_base(b->u.ringbuf.data);
    default:
        return NULL;
    }
}

static Chardev *chardev_new(const char *id, const char *typename,
                            ChardevBackend *backend, GMainContext *gcontext,
                            Error **errp)
{
    Object *obj = object_new(typename);
    Chardev *chr = CHARDEV(obj);
    bool be_opened = true;
    Error *local_err = NULL;

    chr->label = g_strdup(id);
    chr->gcontext = gcontext;
    if (!qemu_chr_open_logfile(chr, backend ? backend_common(backend) : NULL,
                               errp)) {
        object_unref(obj);
        return NULL;
    }
    CHARDEV_GET_CLASS(chr)->open(chr, backend, &be_opened, &local_err);
    if (local_err) {
        error_propagate(errp, local_err);
        object_unref(obj);
        return NULL;
    }
    if (!chr->filename) {
        chr->filename = g_strdup(typename + strlen(TYPE_CHARDEV "-"));
    }
    if (be_opened) {
        qemu_chr_be_event(chr, CHR_EVENT_OPENED);
    }
    return chr;
}

Chardev *qemu_chardev_new(const char *id, const char *typename,
                          ChardevBackend *backend, GMainContext *gcontext,
                          Error **errp)
{
    Chardev *chr;

    if (id && qemu_chr_find(id)) {
        error_setg(errp, "Chardev with id '%s' already exists", id);
        return NULL;
    }
    chr = chardev_new(id, typename, backend, gcontext, errp);
    if (!chr) {
        return NULL;
    }
    if (id && !object_property_try_add_child(get_chardevs_root(), id,
                                             OBJECT(chr), errp)) {
        object_unref(OBJECT(chr));
        return NULL;
    }
    object_unref(OBJECT(chr));
    return chr;
}

static void char_init(Object *obj)
{
    Chardev *chr = CHARDEV(obj);

    chr->logfd = -1;
    g_mutex_init(&chr->chr_write_lock);
}

static void char_finalize(Object *obj)
{
    Chardev *chr = CHARDEV(obj);

    if (chr->be) {
        chr->be->chr = NULL;
    }
    g_free(chr->filename);
    g_free(chr->label);
    if (chr->logfd != -1) {
        close(chr->logfd);
    }
    g_mutex_clear(&chr->chr_write_lock);
}

static int null_chr_write(Chardev *chr, const uint8_t *buf, int len)
{
    return len;
}

static void char_class_init(ObjectClass *oc, void *data)
{
    ChardevClass *cc = CHARDEV_CLASS(oc);

    cc->chr_write = null_chr_write;
    cc->chr_be_event = chr_be_event;
}

static const TypeInfo char_type_info = {
    .name = TYPE_CHARDEV,
    .parent = TYPE_OBJECT,
    .instance_size = sizeof(Chardev),
    .instance_init = char_init,
    .instance_finalize = char_finalize,
    .abstract = true,
    .class_size = sizeof(ChardevClass),
    .class_init = char_class_init,
};

static void register_types(void)
{
    type_register_static(&char_type_info);
}

type_init(register_types)

Chardev *qemu_chr_find(const char *name)
{
    Object *obj = object_resolve_path_component(get_chardevs_root(), name);

    return obj ? CHARDEV(obj) : NULL;
}

/* ---- -chardev options ---- */

QemuOptsList qemu_chardev_opts = {
    .name = "chardev",
    .implied_opt_name = "backend",
    .head = QTAILQ_HEAD_INITIALIZER(qemu_chardev_opts.head),
    .desc = {
        { .name = "backend", .type = QEMU_OPT_STRING },
        { .name = "path", .type = QEMU_OPT_STRING },
        { .name = "host", .type = QEMU_OPT_STRING },
        { .name = "port", .type = QEMU_OPT_STRING },
        { .name = "fd", .type = QEMU_OPT_STRING },
        { .name = "to", .type = QEMU_OPT_NUMBER },
        { .name = "ipv4", .type = QEMU_OPT_BOOL },
        { .name = "ipv6", .type = QEMU_OPT_BOOL },
        { .name = "wait", .type = QEMU_OPT_BOOL },
        { .name = "server", .type = QEMU_OPT_BOOL },
        { .name = "delay", .type = QEMU_OPT_BOOL },
        { .name = "nodelay", .type = QEMU_OPT_BOOL },
        { .name = "reconnect", .type = QEMU_OPT_NUMBER },
        { .name = "reconnect-ms", .type = QEMU_OPT_NUMBER },
        { .name = "telnet", .type = QEMU_OPT_BOOL },
        { .name = "abstract", .type = QEMU_OPT_BOOL },
        { .name = "tight", .type = QEMU_OPT_BOOL },
        { .name = "mux", .type = QEMU_OPT_BOOL },
        { .name = "signal", .type = QEMU_OPT_BOOL },
        { .name = "size", .type = QEMU_OPT_SIZE },
        { .name = "chardev", .type = QEMU_OPT_STRING },
        { .name = "append", .type = QEMU_OPT_BOOL },
        { .name = "logfile", .type = QEMU_OPT_STRING },
        { .name = "logappend", .type = QEMU_OPT_BOOL },
        { .name = "keep-alive", .type = QEMU_OPT_BOOL },
        { /* end of list */ }
    },
};

void qemu_chardev_opts_init(void)
{
    static bool done;

    if (!done) {
        qemu_add_opts(&qemu_chardev_opts);
        done = true;
    }
}

void qemu_chr_parse_common(QemuOpts *opts, ChardevCommon *backend)
{
    const char *logfile = qemu_opt_get(opts, "logfile");

    backend->logfile = g_strdup(logfile);
    backend->has_logappend = true;
    backend->logappend = qemu_opt_get_bool(opts, "logappend", false);
}

/* The backend names -chardev accepts (QEMU's aliases included). */
static const char *chardev_alias(const char *name)
{
    static const char *const aliases[][2] = {
        { "unix", "socket" }, { "tcp", "socket" }, { "tty", "serial" },
    };

    for (unsigned i = 0; i < G_N_ELEMENTS(aliases); i++) {
        if (!strcmp(name, aliases[i][0])) {
            return aliases[i][1];
        }
    }
    return name;
}

static void list_backend(ObjectClass *oc, void *opaque)
{
    GString *str = opaque;
    const char *name = object_class_get_name(oc) + strlen(TYPE_CHARDEV "-");

    if (!CHARDEV_CLASS(oc)->internal) {
        g_string_append_printf(str, "\n  %s", name);
    }
}

static ChardevBackend *backend_from_opts(QemuOpts *opts, const char *name,
                                         ChardevClass **ccp, Error **errp)
{
    g_autofree char *typename = g_strdup_printf("chardev-%s",
                                                chardev_alias(name));
    ObjectClass *oc = object_class_by_name(typename);
    ChardevBackend *backend;
    ChardevClass *cc;
    Error *err = NULL;

    if (!oc || !object_class_dynamic_cast(oc, TYPE_CHARDEV) ||
        object_class_is_abstract(oc) || CHARDEV_CLASS(oc)->internal) {
        error_setg(errp, "'%s' is not a valid char driver name", name);
        return NULL;
    }
    cc = CHARDEV_CLASS(oc);
    backend = g_new0(ChardevBackend, 1);
    backend->type = qapi_enum_parse(&ChardevBackendKind_lookup,
                                    chardev_alias(name), -1, &error_abort);
    if (cc->parse) {
        cc->parse(opts, backend, &err);
        if (err) {
            error_propagate(errp, err);
            qapi_free_ChardevBackend(backend);
            return NULL;
        }
    } else {
        ChardevCommon *common = g_new0(ChardevCommon, 1);
        qemu_chr_parse_common(opts, common);
        backend->u.null.data = common;
    }
    *ccp = cc;
    return backend;
}

Chardev *qemu_chr_new_from_opts(QemuOpts *opts, GMainContext *context,
                                Error **errp)
{
    const char *name = qemu_opt_get(opts, "backend");
    const char *id = qemu_opts_id(opts);
    ChardevBackend *backend;
    ChardevClass *cc;
    Chardev *chr = NULL;

    if (name && is_help_option(name)) {
        GString *str = g_string_new("");
        object_class_foreach(list_backend, TYPE_CHARDEV, false, str);
        printf("Available chardev backend types: %s\n", str->str);
        g_string_free(str, TRUE);
        return NULL;
    }
    if (!id) {
        error_setg(errp, "chardev: no id specified");
        return NULL;
    }
    if (!name) {
        error_setg(errp, "chardev: \"%s\" missing backend", id);
        return NULL;
    }
    backend = backend_from_opts(opts, name, &cc, errp);
    if (!backend) {
        return NULL;
    }
    if (qemu_opt_get_bool(opts, "mux", false)) {
        g_autofree char *base = g_strdup_printf("%s-base", id);
        ChardevBackend mux = { .type = CHARDEV_BACKEND_KIND_MUX };
        ChardevMux muxdata = { .chardev = base };

        chr = qemu_chardev_new(base, object_class_get_name(OBJECT_CLASS(cc)),
                               backend, context, errp);
        if (chr) {
            mux.u.mux.data = &muxdata;
            chr = qemu_chardev_new(id, TYPE_CHARDEV_MUX, &mux, context, errp);
        }
    } else {
        chr = qemu_chardev_new(id, object_class_get_name(OBJECT_CLASS(cc)),
                               backend, context, errp);
    }
    qapi_free_ChardevBackend(backend);
    return chr;
}

/* With @unknown set when no legacy prefix matched @filename. */
static QemuOpts *chr_parse_compat(const char *label, const char *filename,
                                  bool permit_mux_mon, bool *unknown)
{
    QemuOpts *opts;
    const char *p;

    opts = qemu_opts_create(&qemu_chardev_opts, label, 1, NULL);
    if (!opts) {
        return NULL;
    }
    if (permit_mux_mon && strstart(filename, "mon:", &p)) {
        filename = p;
        qemu_opt_set(opts, "mux", "on", &error_abort);
        if (!strcmp(filename, "stdio")) {
            /* Monitor is muxed to stdio: do not exit on Ctrl+C. */
            qemu_opt_set(opts, "signal", "off", &error_abort);
        }
    }
    if (!strcmp(filename, "null") || !strcmp(filename, "pty") ||
        !strcmp(filename, "stdio")) {
        qemu_opt_set(opts, "backend", filename, &error_abort);
        return opts;
    }
    if (strstart(filename, "file:", &p)) {
        qemu_opt_set(opts, "backend", "file", &error_abort);
        qemu_opt_set(opts, "path", p, &error_abort);
        return opts;
    }
    if (strstart(filename, "pipe:", &p)) {
        qemu_opt_set(opts, "backend", "pipe", &error_abort);
        qemu_opt_set(opts, "path", p, &error_abort);
        return opts;
    }
    if (strstart(filename, "/dev/", NULL)) {
        qemu_opt_set(opts, "backend", "serial", &error_abort);
        qemu_opt_set(opts, "path", filename, &error_abort);
        return opts;
    }
    if (strstart(filename, "tcp:", &p) || strstart(filename, "unix:", &p) ||
        strstart(filename, "telnet:", &p)) {
        bool is_unix = g_str_has_prefix(filename, "unix:");
        bool is_telnet = g_str_has_prefix(filename, "telnet:");
        g_autofree char *addr = NULL;
        const char *rest = strchr(p, ',');

        addr = rest ? g_strndup(p, rest - p) : g_strdup(p);
        qemu_opt_set(opts, "backend", "socket", &error_abort);
        if (is_unix) {
            qemu_opt_set(opts, "path", addr, &error_abort);
        } else {
            char *colon = strrchr(addr, ':');
            if (!colon) {
                goto fail;
            }
            *colon = '\0';
            qemu_opt_set(opts, "host", addr, &error_abort);
            qemu_opt_set(opts, "port", colon + 1, &error_abort);
        }
        if (is_telnet) {
            qemu_opt_set(opts, "telnet", "on", &error_abort);
        }
        if (rest && !qemu_opts_do_parse(opts, rest + 1, NULL, NULL)) {
            goto fail;
        }
        return opts;
    }
    *unknown = true;
fail:
    qemu_opts_del(opts);
    return NULL;
}

QemuOpts *qemu_chr_parse_compat(const char *label, const char *filename,
                                bool permit_mux_mon)
{
    bool unknown = false;

    return chr_parse_compat(label, filename, permit_mux_mon, &unknown);
}

static Chardev *chr_new_compat(const char *label, const char *filename,
                               bool permit_mux_mon, GMainContext *context)
{
    QemuOpts *opts;
    Error *err = NULL;
    Chardev *chr;
    const char *id;
    bool unknown = false;

    /* As QEMU: "chardev:ID" names one that exists. */
    if (strstart(filename, "chardev:", &id)) {
        return qemu_chr_find(id);
    }
    opts = chr_parse_compat(label, filename, permit_mux_mon, &unknown);
    if (!opts) {
        if (unknown) {
            error_report("'%s' is not a valid char driver", filename);
        }
        return NULL;
    }
    chr = qemu_chr_new_from_opts(opts, context, &err);
    if (!chr) {
        error_report_err(err);
    }
    qemu_opts_del(opts);
    return chr;
}

Chardev *qemu_chr_new(const char *label, const char *filename,
                      GMainContext *context)
{
    return chr_new_compat(label, filename, false, context);
}

Chardev *qemu_chr_new_mux_mon(const char *label, const char *filename,
                              GMainContext *context)
{
    return chr_new_compat(label, filename, true, context);
}

static int chardev_unparent(Object *child, void *opaque)
{
    g_ptr_array_add(opaque, child);
    return 0;
}

void qemu_chr_cleanup(void)
{
    g_autoptr(GPtrArray) list = g_ptr_array_new();

    object_child_foreach(get_chardevs_root(), chardev_unparent, list);
    for (guint i = 0; i < list->len; i++) {
        object_unparent(g_ptr_array_index(list, i));
    }
}

/* ---- QMP ---- */

static bool qemu_chr_is_busy(Chardev *s)
{
    if (CHARDEV_IS_MUX(s)) {
        MuxChardev *d = MUX_CHARDEV(s);
        return d->mux_cnt >= 0 && d->mux_cnt > 0;
    }
    return s->be != NULL;
}

static int chardev_info_one(Object *obj, void *opaque)
{
    ChardevInfoList ***tail = opaque;
    Chardev *chr = CHARDEV(obj);
    ChardevInfo *value = g_new0(ChardevInfo, 1);

    value->label = g_strdup(chr->label);
    value->filename = g_strdup(chr->filename);
    value->frontend_open = chr->be && chr->be->fe_is_open;
    QAPI_LIST_APPEND(*tail, value);
    return 0;
}

ChardevInfoList *qmp_query_chardev(Error **errp)
{
    ChardevInfoList *list = NULL, **tail = &list;

    object_child_foreach(get_chardevs_root(), chardev_info_one, &tail);
    return list;
}

static void backend_info_one(ObjectClass *oc, void *opaque)
{
    ChardevBackendInfoList ***tail = opaque;
    ChardevBackendInfo *info;

    if (CHARDEV_CLASS(oc)->internal) {
        return;
    }
    info = g_new0(ChardevBackendInfo, 1);
    info->name = g_strdup(object_class_get_name(oc) +
                          strlen(TYPE_CHARDEV "-"));
    QAPI_LIST_APPEND(*tail, info);
}

ChardevBackendInfoList *qmp_query_chardev_backends(Error **errp)
{
    ChardevBackendInfoList *list = NULL, **tail = &list;

    object_class_foreach(backend_info_one, TYPE_CHARDEV, false, &tail);
    return list;
}

static const char *backend_typename(ChardevBackendKind kind)
{
    static char buf[64];

    g_snprintf(buf, sizeof(buf), "chardev-%s", ChardevBackendKind_str(kind));
    return buf;
}

ChardevReturn *qmp_chardev_add(const char *id, ChardevBackend *backend,
                               Error **errp)
{
    const char *typename = backend_typename(backend->type);
    ObjectClass *oc = object_class_by_name(typename);
    ChardevReturn *ret;
    Chardev *chr;

    if (!oc || CHARDEV_CLASS(oc)->internal) {
        error_setg(errp, "'%s' is not a valid char driver name",
                   ChardevBackendKind_str(backend->type));
        return NULL;
    }
    chr = qemu_chardev_new(id, typename, backend, NULL, errp);
    if (!chr) {
        return NULL;
    }
    ret = g_new0(ChardevReturn, 1);
    if (backend->type == CHARDEV_BACKEND_KIND_PTY) {
        ret->pty = g_strdup(chr->filename + strlen("pty:"));
    }
    return ret;
}

ChardevReturn *qmp_chardev_change(const char *id, ChardevBackend *backend,
                                  Error **errp)
{
    Chardev *chr = qemu_chr_find(id), *chr_new;
    CharBackend *be;
    ChardevReturn *ret;
    const char *typename = backend_typename(backend->type);

    if (!chr) {
        error_setg(errp, "Chardev '%s' does not exist", id);
        return NULL;
    }
    if (CHARDEV_IS_MUX(chr)) {
        error_setg(errp, "Mux device hotswap not supported yet");
        return NULL;
    }
    be = chr->be;
    if (be && !be->chr_be_change) {
        error_setg(errp, "Chardev user does not support chardev hotswap");
        return NULL;
    }
    if (!object_class_by_name(typename)) {
        error_setg(errp, "'%s' is not a valid char driver name",
                   ChardevBackendKind_str(backend->type));
        return NULL;
    }
    chr_new = chardev_new(NULL, typename, backend, chr->gcontext, errp);
    if (!chr_new) {
        return NULL;
    }
    chr_new->label = g_strdup(id);
    if (be) {
        int tag = be->tag;
        chr->be = NULL;
        be->chr = chr_new;
        chr_new->be = be;
        be->tag = tag;
        if (be->chr_be_change(be->opaque) < 0) {
            error_setg(errp, "Chardev '%s' change failed", chr_new->label);
            chr_new->be = NULL;
            be->chr = chr;
            chr->be = be;
            object_unref(OBJECT(chr_new));
            return NULL;
        }
    }
    object_unparent(OBJECT(chr));
    object_property_add_child(get_chardevs_root(), chr_new->label,
                              OBJECT(chr_new));
    object_unref(OBJECT(chr_new));
    ret = g_new0(ChardevReturn, 1);
    if (backend->type == CHARDEV_BACKEND_KIND_PTY) {
        ret->pty = g_strdup(chr_new->filename + strlen("pty:"));
    }
    return ret;
}

void qmp_chardev_remove(const char *id, Error **errp)
{
    Chardev *chr = qemu_chr_find(id);

    if (chr == NULL) {
        error_setg(errp, "Chardev '%s' not found", id);
        return;
    }
    if (qemu_chr_is_busy(chr)) {
        error_setg(errp, "Chardev '%s' is busy", id);
        return;
    }
    object_unparent(OBJECT(chr));
}

void qmp_chardev_send_break(const char *id, Error **errp)
{
    Chardev *chr = qemu_chr_find(id);
    ChardevClass *cc;

    if (chr == NULL) {
        error_setg(errp, "Chardev '%s' not found", id);
        return;
    }
    cc = CHARDEV_GET_CLASS(chr);
    if (cc->chr_ioctl) {
        int zero = 0;
        cc->chr_ioctl(chr, CHR_IOCTL_SERIAL_SET_BREAK, &zero);
    }
}
