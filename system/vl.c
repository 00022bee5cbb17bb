/*
 * The emulator's command line and start-up: QEMU's options, parsed in
 * one pass, then applied in QEMU's order (objects, chardevs, monitors,
 * machine, devices), then the main loop.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "accel/accel.h"
#include "system/blockdev.h"
#include "net/net.h"
#include <sys/mman.h>
#include "vireo/cutils.h"
#include "vireo/error.h"
#include "vireo/error-report.h"
#include "vireo/keyval.h"
#include "vireo/log.h"
#include "vireo/main-loop.h"
#include "vireo/option.h"
#include "vireo/timer.h"
#include "chardev/char.h"
#include "hw/boards.h"
#include "hw/qdev-properties.h"
#include "system/reset.h"
#include "monitor/monitor.h"
#include "qom/object_interfaces.h"
#include "chardev/char.h"
#include "qobject/qdict.h"
#include "qobject/qjson.h"
#include "qobject/qstring.h"
#include "system/arch.h"
#include "system/runstate.h"
#include "system/system.h"
#include "system/vl.h"
#include "trace/control.h"
#include "qapi/qapi-commands-ui.h"
#include "qapi/qapi-commands-misc.h"
#include "qapi/qmp-dispatch.h"

const char *qemu_name;
uint8_t qemu_uuid[16];
bool qemu_uuid_set;
bool autostart = true;

/* A deferred option string and where it was given. */
typedef struct DeferredOption {
    char *str;
    Location loc;
} DeferredOption;

static void defer(GPtrArray *list, const char *str)
{
    DeferredOption *d = g_new0(DeferredOption, 1);

    d->str = g_strdup(str);
    loc_save(&d->loc);
    g_ptr_array_add(list, d);
}

static struct {
    const char *machine_type;
    QDict *machine_opts;
    GPtrArray *accels;          /* -accel QemuOpts, in order of preference */
    GPtrArray *devices;         /* -device (DeferredOption) */
    GPtrArray *objects;         /* -object (DeferredOption) */
    GPtrArray *blockdevs;       /* -blockdev and -drive (DeferredOption) */
    GList *blockdev_is_drive;   /* per blockdevs entry: 1 for -drive */
    GPtrArray *netdevs;         /* -netdev (DeferredOption) */
    GPtrArray *nics;            /* -nic (DeferredOption) */
    GPtrArray *nets;            /* -net (DeferredOption) */
    GPtrArray *serials;         /* -serial (DeferredOption) */
    GPtrArray *monitors;        /* "qmp:..." / "qmp-pretty:..." / "hmp:..." */
    const char *cpu_model;
    const char *ram_size;
    const char *pidfile;
    const char *log_mask;
    const char *log_file;
    bool nographic;
    bool display_none;
    bool nodefaults;
    bool daemonize;
    bool has_default_monitor;
    bool preconfig;             /* --preconfig: wait for x-exit-preconfig */
} cfg;

static int daemon_pipe = -1;
static bool machine_ready;      /* board built: every command may run */

bool is_daemonized(void)
{
    return cfg.daemonize;
}

DisplayOptions *qmp_query_display_options(Error **errp)
{
    DisplayOptions *opts = g_new0(DisplayOptions, 1);

    opts->type = cfg.display_none ? DISPLAY_TYPE_NONE : DISPLAY_TYPE_DEFAULT;
    return opts;
}

/* ---- Option table ---- */

enum {
    OPT_HELP, OPT_VERSION, OPT_MACHINE, OPT_ACCEL, OPT_ENABLE_KVM, OPT_CPU,
    OPT_M, OPT_SMP, OPT_NAME, OPT_UUID, OPT_S, OPT_NODEFAULTS,
    OPT_NO_USER_CONFIG, OPT_NOGRAPHIC, OPT_DISPLAY, OPT_VGA, OPT_SERIAL,
    OPT_CHARDEV, OPT_MON, OPT_QMP, OPT_QMP_PRETTY, OPT_MONITOR, OPT_ADD_FD,
    OPT_OBJECT, OPT_DEVICE, OPT_GLOBAL, OPT_KERNEL, OPT_INITRD, OPT_APPEND,
    OPT_DTB, OPT_BIOS, OPT_RTC, OPT_NO_SHUTDOWN, OPT_NO_REBOOT, OPT_ACTION,
    OPT_BOOT, OPT_OVERCOMMIT, OPT_MSG, OPT_AUDIODEV, OPT_SANDBOX,
    OPT_DAEMONIZE, OPT_PIDFILE, OPT_D, OPT_DLOG, OPT_TRACE,
    OPT_BLOCKDEV, OPT_DRIVE, OPT_NETDEV, OPT_NIC, OPT_NET, OPT_PRECONFIG,
    OPT_SNAPSHOT,
};

typedef struct VireoOption {
    const char *name;
    bool has_arg;
    int index;
} VireoOption;

static const VireoOption options[] = {
    { "h", false, OPT_HELP }, { "help", false, OPT_HELP },
    { "version", false, OPT_VERSION },
    { "machine", true, OPT_MACHINE }, { "M", true, OPT_MACHINE },
    { "accel", true, OPT_ACCEL }, { "enable-kvm", false, OPT_ENABLE_KVM },
    { "cpu", true, OPT_CPU }, { "m", true, OPT_M }, { "smp", true, OPT_SMP },
    { "name", true, OPT_NAME }, { "uuid", true, OPT_UUID },
    { "S", false, OPT_S }, { "nodefaults", false, OPT_NODEFAULTS },
    { "no-user-config", false, OPT_NO_USER_CONFIG },
    { "nographic", false, OPT_NOGRAPHIC }, { "display", true, OPT_DISPLAY },
    { "vga", true, OPT_VGA }, { "serial", true, OPT_SERIAL },
    { "chardev", true, OPT_CHARDEV }, { "mon", true, OPT_MON },
    { "qmp", true, OPT_QMP }, { "qmp-pretty", true, OPT_QMP_PRETTY },
    { "monitor", true, OPT_MONITOR }, { "add-fd", true, OPT_ADD_FD },
    { "object", true, OPT_OBJECT }, { "device", true, OPT_DEVICE },
    { "global", true, OPT_GLOBAL }, { "kernel", true, OPT_KERNEL },
    { "initrd", true, OPT_INITRD }, { "append", true, OPT_APPEND },
    { "dtb", true, OPT_DTB }, { "bios", true, OPT_BIOS },
    { "rtc", true, OPT_RTC }, { "no-shutdown", false, OPT_NO_SHUTDOWN },
    { "no-reboot", false, OPT_NO_REBOOT }, { "action", true, OPT_ACTION },
    { "boot", true, OPT_BOOT }, { "overcommit", true, OPT_OVERCOMMIT },
    { "msg", true, OPT_MSG }, { "audiodev", true, OPT_AUDIODEV },
    { "sandbox", true, OPT_SANDBOX }, { "daemonize", false, OPT_DAEMONIZE },
    { "pidfile", true, OPT_PIDFILE }, { "d", true, OPT_D },
    { "D", true, OPT_DLOG }, { "trace", true, OPT_TRACE },
    { "blockdev", true, OPT_BLOCKDEV }, { "drive", true, OPT_DRIVE },
    { "netdev", true, OPT_NETDEV }, { "nic", true, OPT_NIC },
    { "net", true, OPT_NET }, { "preconfig", false, OPT_PRECONFIG },
    { "snapshot", false, OPT_SNAPSHOT },
    { NULL },
};

static QemuOptsList qemu_smp_opts = {
    .name = "smp-opts",
    .implied_opt_name = "cpus",
    .merge_lists = true,
    .head = QTAILQ_HEAD_INITIALIZER(qemu_smp_opts.head),
    .desc = {
        { .name = "cpus", .type = QEMU_OPT_NUMBER },
        { .name = "drawers", .type = QEMU_OPT_NUMBER },
        { .name = "books", .type = QEMU_OPT_NUMBER },
        { .name = "sockets", .type = QEMU_OPT_NUMBER },
        { .name = "dies", .type = QEMU_OPT_NUMBER },
        { .name = "clusters", .type = QEMU_OPT_NUMBER },
        { .name = "modules", .type = QEMU_OPT_NUMBER },
        { .name = "cores", .type = QEMU_OPT_NUMBER },
        { .name = "threads", .type = QEMU_OPT_NUMBER },
        { .name = "maxcpus", .type = QEMU_OPT_NUMBER },
        { /* end of list */ }
    },
};

static QemuOptsList qemu_mem_opts = {
    .name = "memory",
    .implied_opt_name = "size",
    .merge_lists = true,
    .head = QTAILQ_HEAD_INITIALIZER(qemu_mem_opts.head),
    .desc = {
        { .name = "size", .type = QEMU_OPT_SIZE },
        { .name = "slots", .type = QEMU_OPT_NUMBER },
        { .name = "maxmem", .type = QEMU_OPT_SIZE },
        { /* end of list */ }
    },
};

static QemuOptsList qemu_name_opts = {
    .name = "name",
    .implied_opt_name = "guest",
    .merge_lists = true,
    .head = QTAILQ_HEAD_INITIALIZER(qemu_name_opts.head),
    .desc = {
        { .name = "guest", .type = QEMU_OPT_STRING,
          .help = "Sets the name of the guest." },
        { .name = "process", .type = QEMU_OPT_STRING,
          .help = "Sets the name of the QEMU process, as shown in top etc" },
        { .name = "debug-threads", .type = QEMU_OPT_BOOL,
          .help = "When enabled, name the individual threads; defaults off."},
        { /* End of list */ }
    },
};

static QemuOptsList qemu_rtc_opts = {
    .name = "rtc",
    .head = QTAILQ_HEAD_INITIALIZER(qemu_rtc_opts.head),
    .merge_lists = true,
    .desc = {
        { .name = "base", .type = QEMU_OPT_STRING },
        { .name = "clock", .type = QEMU_OPT_STRING },
        { .name = "driftfix", .type = QEMU_OPT_STRING },
        { /* end of list */ }
    },
};

static QemuOptsList qemu_boot_opts = {
    .name = "boot-opts",
    .implied_opt_name = "order",
    .merge_lists = true,
    .head = QTAILQ_HEAD_INITIALIZER(qemu_boot_opts.head),
    .desc = {
        { .name = "order", .type = QEMU_OPT_STRING },
        { .name = "once", .type = QEMU_OPT_STRING },
        { .name = "menu", .type = QEMU_OPT_BOOL },
        { .name = "splash", .type = QEMU_OPT_STRING },
        { .name = "splash-time", .type = QEMU_OPT_NUMBER },
        { .name = "reboot-timeout", .type = QEMU_OPT_NUMBER },
        { .name = "strict", .type = QEMU_OPT_BOOL },
        { /* end of list */ }
    },
};

static QemuOptsList qemu_overcommit_opts = {
    .name = "overcommit",
    .head = QTAILQ_HEAD_INITIALIZER(qemu_overcommit_opts.head),
    .desc = {
        { .name = "mem-lock", .type = QEMU_OPT_STRING },
        { .name = "cpu-pm", .type = QEMU_OPT_BOOL },
        { /* end of list */ }
    },
};

static QemuOptsList qemu_msg_opts = {
    .name = "msg",
    .head = QTAILQ_HEAD_INITIALIZER(qemu_msg_opts.head),
    .desc = {
        { .name = "timestamp", .type = QEMU_OPT_BOOL },
        { .name = "guest-name", .type = QEMU_OPT_BOOL,
          .help = "Prepends guest name for error messages but only if "
                  "-name guest is set otherwise option is ignored\n" },
        { /* end of list */ }
    },
};

static QemuOptsList qemu_action_opts = {
    .name = "action",
    .merge_lists = true,
    .head = QTAILQ_HEAD_INITIALIZER(qemu_action_opts.head),
    .desc = {
        { .name = "shutdown", .type = QEMU_OPT_STRING },
        { .name = "reboot", .type = QEMU_OPT_STRING },
        { .name = "panic", .type = QEMU_OPT_STRING },
        { .name = "watchdog", .type = QEMU_OPT_STRING },
        { /* end of list */ }
    },
};

static QemuOptsList qemu_accel_opts = {
    .name = "accel",
    .implied_opt_name = "accel",
    .head = QTAILQ_HEAD_INITIALIZER(qemu_accel_opts.head),
    .desc = {
        /* Options are checked by the accelerator itself. */
        { }
    },
};

/* An accelerator named by -machine accel= or -enable-kvm: an -accel entry. */
static void add_accel(const char *names)
{
    QemuOpts *opts = qemu_opts_create(&qemu_accel_opts, NULL, 0,
                                      &error_abort);

    qemu_opt_set(opts, "accel", names, &error_abort);
    g_ptr_array_add(cfg.accels, opts);
}

static QemuOptsList qemu_device_opts = {
    .name = "device",
    .implied_opt_name = "driver",
    .head = QTAILQ_HEAD_INITIALIZER(qemu_device_opts.head),
    .desc = {
        { }
    },
};

static QemuOptsList qemu_object_opts = {
    .name = "object",
    .implied_opt_name = "qom-type",
    .head = QTAILQ_HEAD_INITIALIZER(qemu_object_opts.head),
    .desc = {
        { }
    },
};

static QemuOptsList qemu_machine_opts = {
    .name = "machine",
    .implied_opt_name = "type",
    .merge_lists = true,
    .head = QTAILQ_HEAD_INITIALIZER(qemu_machine_opts.head),
    .desc = {
        { }
    },
};

static void register_opts(void)
{
    qemu_chardev_opts_init();
    qemu_add_opts(&qemu_mon_opts);
    qemu_add_opts(&qemu_add_fd_opts);
    qemu_add_opts(&qemu_smp_opts);
    qemu_add_opts(&qemu_mem_opts);
    qemu_add_opts(&qemu_name_opts);
    qemu_add_opts(&qemu_rtc_opts);
    qemu_add_opts(&qemu_boot_opts);
    qemu_add_opts(&qemu_overcommit_opts);
    qemu_add_opts(&qemu_msg_opts);
    qemu_add_opts(&qemu_action_opts);
    qemu_add_opts(&qemu_accel_opts);
    qemu_add_opts(&qemu_device_opts);
    qemu_add_opts(&qemu_object_opts);
    qemu_add_opts(&qemu_machine_opts);
    sandbox_opts_init();
    audio_opts_init();
}

/* ---- Help ---- */

static void version(void)
{
    printf("QEMU emulator version %d.%d.%d (%s)\n"
           "Copyright (c) 2026 the Vireo authors (MIT licence)\n",
           VIREO_QEMU_ABI_MAJOR, VIREO_QEMU_ABI_MINOR, VIREO_QEMU_ABI_MICRO,
           VIREO_PKGVERSION);
}

static void help(void)
{
    version();
    printf("usage: %s [options]\n\n", error_get_progname());
    printf("Options follow QEMU's: -machine, -accel, -cpu, -m, -smp, -name, "
           "-uuid, -S,\n-nodefaults, -no-user-config, -nographic, -display, "
           "-serial, -chardev, -mon,\n-qmp, -monitor, -add-fd, -object, "
           "-device, -global, -kernel, -initrd,\n-append, -dtb, -bios, -rtc, "
           "-no-shutdown, -no-reboot, -action, -boot,\n-overcommit, -msg, "
           "-audiodev, -sandbox, -daemonize, -pidfile, -d, -D,\n-trace, "
           "-version.\n");
}

static void machine_help(void)
{
    g_autoptr(GSList) list = machine_class_list();

    printf("Supported machines are:\n");
    for (GSList *l = list; l; l = l->next) {
        MachineClass *mc = l->data;
        const char *type = object_class_get_name(OBJECT_CLASS(mc));
        g_autofree char *name = g_strndup(type, strlen(type) -
                                          strlen(TYPE_MACHINE_SUFFIX));

        printf("%-20s %s%s\n", name, mc->desc,
               mc->is_default ? " (default)" : "");
    }
}

/* ---- Parsing ---- */

/* Command-line errors are one line naming the option (no hints). */
static void G_NORETURN exit_with_error(Error *err)
{
    error_report("%s", error_get_pretty(err));
    error_free(err);
    exit(1);
}

static QemuOpts *parse_opts_or_exit(const char *group, const char *arg,
                                    bool permit_abbrev)
{
    Error *err = NULL;
    QemuOpts *opts = qemu_opts_parse(qemu_find_opts(group), arg,
                                     permit_abbrev, &err);

    if (!opts) {
        exit_with_error(err);
    }
    return opts;
}

static void parse_machine_opts(const char *arg)
{
    Error *err = NULL;
    bool help = false;
    QDict *d = keyval_parse(arg, "type", &help, &err);

    if (!d) {
        exit_with_error(err);
    }
    if (help) {
        machine_help();
        exit(0);
    }
    /* Checked now, while the option is the current location. */
    if (qdict_get_try_str(d, "type") &&
        !is_help_option(qdict_get_str(d, "type")) &&
        !find_machine_class(qdict_get_str(d, "type"))) {
        error_report("unsupported machine type: \"%s\"",
                     qdict_get_str(d, "type"));
        exit(1);
    }
    if (!cfg.machine_opts) {
        cfg.machine_opts = qdict_new();
    }
    keyval_merge(cfg.machine_opts, d, &error_abort);
    qobject_unref(d);
}

static void parse_args(int argc, char **argv)
{
    for (int i = 1; i < argc;) {
        const char *arg = argv[i];
        const char *optarg = NULL;
        const VireoOption *o;
        int start = i;

        if (arg[0] != '-') {
            loc_set_cmdline(argv, i, 1);
            error_report("%s: invalid option", arg);
            exit(1);
        }
        arg += arg[1] == '-' ? 2 : 1;
        for (o = options; o->name; o++) {
            if (!strcmp(o->name, arg)) {
                break;
            }
        }
        if (!o->name) {
            loc_set_cmdline(argv, i, 1);
            error_report("invalid option");
            exit(1);
        }
        i++;
        if (o->has_arg) {
            if (i >= argc) {
                loc_set_cmdline(argv, start, 1);
                error_report("requires an argument");
                exit(1);
            }
            optarg = argv[i++];
        }
        loc_set_cmdline(argv, start, i - start);
        vl_handle_option(o->index, optarg);
        loc_set_none();
    }
}

void vl_handle_option(int index, const char *optarg)
{
    QemuOpts *opts;

    switch (index) {
    case OPT_HELP:
        help();
        exit(0);
    case OPT_VERSION:
        version();
        exit(0);
    case OPT_MACHINE:
        parse_machine_opts(optarg);
        break;
    case OPT_ACCEL:
        opts = parse_opts_or_exit("accel", optarg, true);
        if (!qemu_opt_get(opts, "accel")) {
            error_report("Parameter 'accel' is missing");
            exit(1);
        }
        /* As QEMU: an unknown accelerator is refused where it is named. */
        if (!is_help_option(qemu_opt_get(opts, "accel")) &&
            !accel_find(qemu_opt_get(opts, "accel"))) {
            error_report("invalid accelerator %s", qemu_opt_get(opts, "accel"));
            exit(1);
        }
        g_ptr_array_add(cfg.accels, opts);
        break;
    case OPT_ENABLE_KVM:
        add_accel("kvm");
        break;
    case OPT_CPU:
        cfg.cpu_model = optarg;
        break;
    case OPT_M:
        cfg.ram_size = optarg;
        parse_opts_or_exit("memory", optarg, true);
        break;
    case OPT_SMP:
        parse_opts_or_exit("smp-opts", optarg, true);
        break;
    case OPT_NAME:
        opts = parse_opts_or_exit("name", optarg, true);
        qemu_name = qemu_opt_get(opts, "guest");
        if (qemu_name) {
            error_guest_name = qemu_name;
        }
        break;
    case OPT_UUID:
        if (!qemu_uuid_parse_str(optarg, qemu_uuid)) {
            error_report("Fail to parse UUID string. Wrong format.");
            exit(1);
        }
        qemu_uuid_set = true;
        break;
    case OPT_S:
        autostart = false;
        break;
    case OPT_PRECONFIG:
        cfg.preconfig = true;
        break;
    case OPT_SNAPSHOT:
        drive_snapshot_default = true;
        break;
    case OPT_NODEFAULTS:
        cfg.nodefaults = true;
        break;
    case OPT_NO_USER_CONFIG:
        /* Vireo reads no configuration files, so there is none to skip. */
        break;
    case OPT_NOGRAPHIC:
        cfg.nographic = true;
        cfg.display_none = true;
        break;
    case OPT_DISPLAY:
        if (strcmp(optarg, "none") && !g_str_has_prefix(optarg, "none,")) {
            error_report("Display '%s' is not available.", optarg);
            exit(1);
        }
        cfg.display_none = true;
        break;
    case OPT_VGA:
        if (strcmp(optarg, "none")) {
            error_report("unknown vga type: %s", optarg);
            exit(1);
        }
        break;
    case OPT_SERIAL:
        defer(cfg.serials, optarg);
        break;
    case OPT_CHARDEV:
        opts = parse_opts_or_exit("chardev", optarg, true);
        vl_check_chardev_backend(opts);
        break;
    case OPT_MON:
        parse_opts_or_exit("mon", optarg, true);
        break;
    case OPT_QMP:
    case OPT_QMP_PRETTY:
    case OPT_MONITOR: {
        g_autofree char *spec = g_strconcat(index == OPT_QMP ? "qmp:" :
                                            index == OPT_QMP_PRETTY ?
                                            "qmp-pretty:" : "hmp:",
                                            optarg, NULL);
        vl_check_chardev_spec(optarg);
        defer(cfg.monitors, spec);
        cfg.has_default_monitor = true;
        break;
    }
    case OPT_ADD_FD:
        parse_opts_or_exit("add-fd", optarg, false);
        break;
    case OPT_OBJECT:
        vl_check_object(optarg);
        defer(cfg.objects, optarg);
        break;
    case OPT_DEVICE:
        defer(cfg.devices, optarg);
        break;
    case OPT_NETDEV:
        defer(cfg.netdevs, optarg);
        break;
    case OPT_NIC:
        defer(cfg.nics, optarg);
        break;
    case OPT_NET:
        defer(cfg.nets, optarg);
        break;
    case OPT_BLOCKDEV:
        defer(cfg.blockdevs, optarg);
        cfg.blockdev_is_drive = g_list_append(cfg.blockdev_is_drive,
                                              GINT_TO_POINTER(0));
        break;
    case OPT_DRIVE:
        defer(cfg.blockdevs, optarg);
        cfg.blockdev_is_drive = g_list_append(cfg.blockdev_is_drive,
                                              GINT_TO_POINTER(1));
        break;
    case OPT_GLOBAL: {
        const char *dot = strchr(optarg, '.'), *eq = strchr(optarg, '=');
        if (!dot || !eq || eq < dot) {
            error_report("-global %s: Invalid global format", optarg);
            exit(1);
        }
        g_autofree char *driver = g_strndup(optarg, dot - optarg);
        g_autofree char *prop = g_strndup(dot + 1, eq - dot - 1);
        qdev_prop_register_global(driver, prop, eq + 1);
        break;
    }
    case OPT_KERNEL:
        vl_set_machine_str("kernel", optarg);
        break;
    case OPT_INITRD:
        vl_set_machine_str("initrd", optarg);
        break;
    case OPT_APPEND:
        vl_set_machine_str("append", optarg);
        break;
    case OPT_DTB:
        vl_set_machine_str("dtb", optarg);
        break;
    case OPT_BIOS:
        vl_set_machine_str("firmware", optarg);
        break;
    case OPT_RTC:
        opts = parse_opts_or_exit("rtc", optarg, false);
        vl_configure_rtc(opts);
        break;
    case OPT_NO_SHUTDOWN:
        shutdown_action = SHUTDOWN_ACTION_PAUSE;
        break;
    case OPT_NO_REBOOT:
        reboot_action = REBOOT_ACTION_SHUTDOWN;
        break;
    case OPT_ACTION:
        opts = parse_opts_or_exit("action", optarg, false);
        vl_configure_action(opts);
        break;
    case OPT_BOOT:
        parse_opts_or_exit("boot-opts", optarg, true);
        break;
    case OPT_OVERCOMMIT:
        opts = parse_opts_or_exit("overcommit", optarg, false);
        vl_configure_overcommit(opts);
        break;
    case OPT_MSG:
        opts = parse_opts_or_exit("msg", optarg, false);
        message_with_timestamp = qemu_opt_get_bool(opts, "timestamp", false);
        error_with_guestname = qemu_opt_get_bool(opts, "guest-name", false);
        break;
    case OPT_AUDIODEV:
        audio_parse_option(optarg);
        break;
    case OPT_SANDBOX:
        sandbox_parse_option(optarg);
        break;
    case OPT_DAEMONIZE:
        cfg.daemonize = true;
        break;
    case OPT_PIDFILE:
        cfg.pidfile = optarg;
        break;
    case OPT_D:
        cfg.log_mask = optarg;
        break;
    case OPT_DLOG:
        cfg.log_file = optarg;
        break;
    case OPT_TRACE: {
        Error *err = NULL;
        if (!trace_opt_parse(optarg, &err)) {
            error_report_err(err);
            exit(1);
        }
        break;
    }
    }
}

/* -chardev: the backend must exist (checked while the option is current). */
void vl_check_chardev_backend(QemuOpts *opts)
{
    const char *backend = qemu_opt_get(opts, "backend");
    g_autofree char *type = NULL;
    ObjectClass *oc;

    if (!backend || is_help_option(backend)) {
        return;
    }
    type = g_strdup_printf("chardev-%s",
                           !strcmp(backend, "unix") || !strcmp(backend, "tcp")
                           ? "socket" : !strcmp(backend, "tty") ? "serial"
                           : backend);
    oc = object_class_by_name(type);
    if (!oc || object_class_is_abstract(oc) ||
        !object_class_dynamic_cast(oc, TYPE_CHARDEV) ||
        CHARDEV_CLASS(oc)->internal) {
        error_report("'%s' is not a valid char driver name", backend);
        exit(1);
    }
}

/* -qmp/-monitor/-serial strings must be a chardev QEMU understands. */
void vl_check_chardev_spec(const char *spec)
{
    QemuOpts *opts;

    if (!strcmp(spec, "none")) {
        return;
    }
    opts = qemu_chr_parse_compat("vireo-check", spec, true);
    if (!opts) {
        error_report("could not connect monitor to character backend '%s'",
                     spec);
        exit(1);
    }
    qemu_opts_del(opts);
}

/* -object: the type must be a user-creatable QOM type. */
void vl_check_object(const char *optarg)
{
    Error *err = NULL;
    bool help, is_json;
    QDict *d = keyval_or_json_parse(optarg, "qom-type", &help, &is_json,
                                    &err);
    const char *type;
    ObjectClass *oc;

    if (!d) {
        exit_with_error(err);
    }
    type = qdict_get_try_str(d, "qom-type");
    if (type && !is_help_option(type)) {
        oc = object_class_by_name(type);
        if (!oc || !object_class_dynamic_cast(oc, TYPE_USER_CREATABLE) ||
            object_class_is_abstract(oc)) {
            error_report("Parameter 'qom-type' does not accept value '%s'",
                         type);
            exit(1);
        }
    }
    qobject_unref(d);
}

void vl_set_machine_str(const char *key, const char *value)
{
    if (!cfg.machine_opts) {
        cfg.machine_opts = qdict_new();
    }
    qdict_put_str(cfg.machine_opts, key, value);
}

/* ---- Daemonize and pid file ---- */

static void daemonize_start(void)
{
    int fds[2];
    pid_t pid;

    if (pipe(fds) < 0) {
        error_report("cannot create pipe: %s", strerror(errno));
        exit(1);
    }
    pid = fork();
    if (pid < 0) {
        error_report("cannot fork: %s", strerror(errno));
        exit(1);
    }
    if (pid > 0) {
        /* The parent waits for the child to be ready, then exits. */
        uint8_t status = 1;
        ssize_t n;

        close(fds[1]);
        do {
            n = read(fds[0], &status, 1);
        } while (n < 0 && errno == EINTR);
        _exit(n == 1 ? status : 1);
    }
    close(fds[0]);
    daemon_pipe = fds[1];
    setsid();
}

static void daemonize_finish(void)
{
    uint8_t status = 0;
    int fd;

    if (daemon_pipe < 0) {
        return;
    }
    if (chdir("/") < 0) {
        /* not fatal */
    }
    /* libvirt waits for stderr to close: stdio goes to /dev/null. */
    fd = open("/dev/null", O_RDWR);
    if (fd >= 0) {
        dup2(fd, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        close(fd);
    }
    if (write(daemon_pipe, &status, 1) != 1) {
        /* the parent is gone: nothing to tell */
    }
    close(daemon_pipe);
    daemon_pipe = -1;
}

static void write_pidfile(const char *path)
{
    g_autofree char *content = g_strdup_printf("%d\n", (int)getpid());
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

    if (fd < 0 || lockf(fd, F_TLOCK, 0) < 0) {
        error_report("cannot create PID file: %s", strerror(errno));
        exit(1);
    }
    if (ftruncate(fd, 0) < 0 || write(fd, content, strlen(content)) < 0) {
        error_report("cannot create PID file: %s", strerror(errno));
        exit(1);
    }
    /* The fd stays open, and the lock with it, for our lifetime. */
}

/* ---- Start-up ---- */

static int accel_set_property(void *opaque, const char *name,
                              const char *value, Error **errp)
{
    if (!strcmp(name, "accel")) {
        return 0;
    }
    return object_property_parse(opaque, name, value, errp) ? 0 : -1;
}

/* Try @name with the properties of @opts; true when the machine runs it. */
static bool try_accelerator(const char *name, QemuOpts *opts,
                            MachineState *ms)
{
    AccelClass *ac = accel_find(name);
    Object *obj;
    Error *err = NULL;

    if (!ac) {
        error_report("invalid accelerator %s", name);
        return false;
    }
    obj = object_new_with_class(OBJECT_CLASS(ac));
    qemu_opts_loc_restore(opts);
    qemu_opt_foreach(opts, accel_set_property, obj, &error_fatal);
    loc_set_none();
    if (!accel_init_machine(ACCEL(obj), ms, &err)) {
        error_report("failed to initialize %s: %s", name,
                     error_get_pretty(err));
        error_free(err);
        object_unref(obj);
        return false;
    }
    return true;
}

static void configure_accelerator(MachineState *ms)
{
    bool found = false;

    if (cfg.accels->len == 0) {
        add_accel("tcg");
    }
    for (guint i = 0; i < cfg.accels->len && !found; i++) {
        QemuOpts *opts = g_ptr_array_index(cfg.accels, i);
        g_auto(GStrv) names = g_strsplit(qemu_opt_get(opts, "accel"), ":",
                                         -1);

        for (char **n = names; *n && !found; n++) {
            if (is_help_option(*n)) {
                printf("Accelerators supported in QEMU binary:\ntcg\n");
                exit(0);
            }
            found = try_accelerator(*n, opts, ms);
        }
    }
    if (!found) {
        error_report("no accelerator found");
        exit(1);
    }
}

/* -blockdev and -drive in command-line order; if=virtio drives add their
 * device ahead of the -device options. */
static void create_block_devices(void)
{
    GList *is_drive = cfg.blockdev_is_drive;
    guint ndev = 0;

    for (guint i = 0; i < cfg.blockdevs->len; i++, is_drive = is_drive->next) {
        DeferredOption *d = g_ptr_array_index(cfg.blockdevs, i);
        Error *err = NULL;
        char *device = NULL;

        loc_restore(&d->loc);
        if (!GPOINTER_TO_INT(is_drive->data)) {
            if (!blockdev_add_cmdline(d->str, &err)) {
                exit_with_error(err);
            }
            continue;
        }
        if (!drive_new(d->str, &device, &err)) {
            exit_with_error(err);
        }
        if (device) {
            DeferredOption *dev = g_new0(DeferredOption, 1);

            dev->str = device;
            dev->loc = d->loc;
            g_ptr_array_insert(cfg.devices, ndev++, dev);
        }
    }
    loc_set_none();
}

/* -netdev, then -nic (a backend and its NIC, ahead of -device). */
static void create_net_clients(void)
{
    Error *err = NULL;

    for (guint i = 0; i < cfg.netdevs->len; i++) {
        DeferredOption *d = g_ptr_array_index(cfg.netdevs, i);

        loc_restore(&d->loc);
        if (!net_init_netdev_cmdline(d->str, &err)) {
            exit_with_error(err);
        }
    }
    for (guint i = 0; i < cfg.nets->len; i++) {
        DeferredOption *d = g_ptr_array_index(cfg.nets, i);
        char *dev_str;

        loc_restore(&d->loc);
        if (!net_init_net_cmdline(d->str, &dev_str, &err)) {
            exit_with_error(err);
        }
        if (dev_str) {
            DeferredOption *dev = g_new0(DeferredOption, 1);

            dev->str = dev_str;
            dev->loc = d->loc;
            g_ptr_array_add(cfg.devices, dev);
        }
    }
    for (guint i = 0; i < cfg.nics->len; i++) {
        DeferredOption *d = g_ptr_array_index(cfg.nics, i);
        DeferredOption *dev = g_new0(DeferredOption, 1);

        loc_restore(&d->loc);
        if (!net_init_nic_cmdline(d->str, &dev->str, &err)) {
            exit_with_error(err);
        }
        dev->loc = d->loc;
        g_ptr_array_add(cfg.devices, dev);
    }
    loc_set_none();
}

/* Until the board is built only commands marked allow-preconfig run. */
static bool qmp_command_available_now(const QmpCommand *cmd, Error **errp)
{
    if (!machine_ready && !(cmd->options & QCO_ALLOW_PRECONFIG)) {
        error_setg(errp, "The command '%s' is permitted only after machine "
                   "initialization has completed", cmd->name);
        return false;
    }
    return true;
}

/*
 * Build the board and the -device devices, reset, and start the guest
 * unless -S: at start-up, or when --preconfig is left.  Configuration
 * errors here end the process, as in QEMU.
 */
void qmp_x_exit_preconfig(Error **errp)
{
    Error *err = NULL;

    if (machine_ready) {
        error_setg(errp, "The command is permitted only before machine "
                   "initialization");
        return;
    }
    /*
     * A system reset resets every device on the main system bus and the
     * buses below (as QEMU does); CPUs register their own handlers.
     */
    qemu_register_reset(qdev_reset_all_fn, sysbus_get_default());
    if (!machine_run_board_init(current_machine, &err)) {
        error_report_err(err);
        exit(1);
    }
    for (guint i = 0; i < cfg.devices->len; i++) {
        DeferredOption *d = g_ptr_array_index(cfg.devices, i);

        loc_restore(&d->loc);
        if (!vl_device_add(d->str, &err)) {
            exit_with_error(err);
        }
    }
    loc_set_none();
    qemu_system_reset(SHUTDOWN_CAUSE_NONE);
    sandbox_apply_late();
    machine_ready = true;
    qdev_hotplug = true;
    monitor_set_preconfig(false);
    if (autostart) {
        vm_start();
    }
}

static MachineClass *select_machine(void)
{
    const char *name = cfg.machine_opts ?
                       qdict_get_try_str(cfg.machine_opts, "type") : NULL;
    MachineClass *mc;

    if (name && is_help_option(name)) {
        machine_help();
        exit(0);
    }
    if (!name) {
        mc = find_default_machine_class();
        if (!mc) {
            error_report("No machine specified, and there is no default "
                         "(use -machine help to list supported machines)");
            exit(1);
        }
        return mc;
    }
    return find_machine_class(name);    /* checked while parsing */
}

static void apply_machine_opts(MachineState *ms)
{
    const QDictEntry *e;

    if (!cfg.machine_opts) {
        return;
    }
    for (e = qdict_first(cfg.machine_opts); e;
         e = qdict_next(cfg.machine_opts, e)) {
        const char *key = qdict_entry_key(e);
        Error *err = NULL;
        QObject *v = qdict_entry_value(e);

        if (!strcmp(key, "type")) {
            continue;
        }
        if (!strcmp(key, "accel")) {
            add_accel(qstring_get_str(qobject_to(QString, v)));
            continue;
        }
        if (qobject_type(v) != QTYPE_QSTRING) {
            error_report("Parameter '%s' is not a scalar", key);
            exit(1);
        }
        if (!object_property_parse(OBJECT(ms), key, qstring_get_str(qobject_to(QString, v)),
                                   &err)) {
            error_report_err(err);
            exit(1);
        }
    }
}

static void configure_memory_and_smp(MachineState *ms, MachineClass *mc)
{
    QemuOpts *opts = qemu_opts_find(qemu_find_opts("memory"), NULL);

    if (opts && qemu_opt_get(opts, "size")) {
        uint64_t sz = qemu_opt_get_size(opts, "size", ms->ram_size);
        const char *s = qemu_opt_get(opts, "size");

        /* A size without suffix means MiB. */
        if (g_ascii_isdigit(s[strlen(s) - 1])) {
            sz <<= 20;
        }
        if (sz == 0) {
            error_report("ram size too small");
            exit(1);
        }
        ms->ram_size = sz;
        ms->maxram_size = sz;
    }
    vl_configure_smp(ms, mc, qemu_opts_find(qemu_find_opts("smp-opts"),
                                            NULL));
}

/* A chardev from a legacy spec ("stdio", "unix:...", "mon:stdio"). */
static Chardev *vl_chardev_from_spec(const char *label, const char *spec)
{
    QemuOpts *opts = qemu_chr_parse_compat(label, spec, true);
    Error *err = NULL;
    Chardev *chr;

    if (!opts) {
        error_report("could not connect to character backend '%s'", spec);
        exit(1);
    }
    chr = qemu_chr_new_from_opts(opts, NULL, &err);
    qemu_opts_del(opts);
    if (!chr) {
        exit_with_error(err);
    }
    return chr;
}

static void create_serials(void)
{
    for (guint i = 0; i < cfg.serials->len; i++) {
        DeferredOption *d = g_ptr_array_index(cfg.serials, i);
        const char *dev = d->str;
        g_autofree char *label = g_strdup_printf("serial%u", i);
        Chardev *chr;
        const char *id;

        loc_restore(&d->loc);
        if (i >= MAX_SERIAL_PORTS) {
            error_report("too many serial ports");
            exit(1);
        }
        if (!strcmp(dev, "none")) {
            continue;
        }
        if (strstart(dev, "chardev:", &id)) {
            chr = qemu_chr_find(id);
            if (!chr) {
                error_report("chardev '%s' not found", id);
                exit(1);
            }
        } else {
            chr = vl_chardev_from_spec(label, dev);
        }
        vl_set_serial_hd(i, chr);
    }
}

static void create_monitors(void)
{
    for (guint i = 0; i < cfg.monitors->len; i++) {
        DeferredOption *d = g_ptr_array_index(cfg.monitors, i);
        const char *spec = d->str;
        bool qmp = g_str_has_prefix(spec, "qmp");
        bool pretty = g_str_has_prefix(spec, "qmp-pretty:");
        const char *dev = strchr(spec, ':') + 1;
        g_autofree char *label = g_strdup_printf("compat_monitor%u", i);
        Chardev *chr;
        Error *err = NULL;

        loc_restore(&d->loc);
        if (!strcmp(dev, "none")) {
            continue;
        }
        chr = vl_chardev_from_spec(label, dev);
        if (qmp) {
            monitor_init_qmp(chr, pretty, &err);
        } else {
            monitor_init_hmp(chr, true, &err);
        }
        if (err) {
            exit_with_error(err);
        }
    }
}

static int chardev_init_func(void *opaque, QemuOpts *opts, Error **errp)
{
    Error *local_err = NULL;

    if (!qemu_chr_new_from_opts(opts, NULL, &local_err)) {
        if (local_err) {
            exit_with_error(local_err);
        }
        exit(0);        /* "help" printed the list */
    }
    return 0;
}

static int mon_init_func(void *opaque, QemuOpts *opts, Error **errp)
{
    Error *err = NULL;

    /* Reported here, while the -mon option is the current location. */
    if (monitor_init_opts(opts, &err) < 0) {
        exit_with_error(err);
    }
    return 0;
}

int vireo_main(int argc, char **argv)
{
    MachineClass *mc;
    MachineState *ms;
    Error *err = NULL;
    int status;

    error_set_progname(argv[0]);
    qemu_init_main_loop(&error_fatal);
    bql_lock();
    cfg.accels = g_ptr_array_new();
    cfg.devices = g_ptr_array_new();
    cfg.objects = g_ptr_array_new();
    cfg.blockdevs = g_ptr_array_new();
    cfg.netdevs = g_ptr_array_new();
    cfg.nics = g_ptr_array_new();
    cfg.nets = g_ptr_array_new();
    cfg.serials = g_ptr_array_new();
    cfg.monitors = g_ptr_array_new();
    register_opts();
    monitor_init_globals();

    parse_args(argc, argv);

    if (cfg.log_file && !qemu_set_log_filename(cfg.log_file, &err)) {
        error_report_err(err);
        exit(1);
    }
    if (cfg.log_mask) {
        int mask = qemu_str_to_log_mask(cfg.log_mask);
        if (!strcmp(cfg.log_mask, "help")) {
            qemu_print_log_usage(stdout);
            exit(0);
        }
        if (!mask) {
            qemu_print_log_usage(stderr);
            exit(1);
        }
        if (!qemu_set_log(mask, &err)) {
            error_report_err(err);
            exit(1);
        }
    } else if (cfg.log_file && !qemu_set_log(0, &err)) {
        error_report_err(err);
        exit(1);
    }

    mc = select_machine();
    /* Fd sets first: chardevs and objects may open /dev/fdset/N. */
    if (qemu_opts_foreach(qemu_find_opts("add-fd"),
                          monitor_parse_add_fd_opts, NULL, &error_fatal)) {
        exit(1);
    }
    if (cfg.daemonize) {
        for (guint i = 0; i < cfg.serials->len; i++) {
            DeferredOption *d = g_ptr_array_index(cfg.serials, i);
            if (strstr(d->str, "stdio")) {
                error_report("cannot use stdio with -daemonize");
                exit(1);
            }
        }
        daemonize_start();
    }
    if (cfg.pidfile) {
        write_pidfile(cfg.pidfile);
    }

    /* Defaults, as QEMU: -nographic muxes serial and monitor on stdio. */
    if (!cfg.nodefaults && !mc->no_serial && cfg.serials->len == 0) {
        defer(cfg.serials, cfg.nographic ? "mon:stdio" : "null");
    }
    if (!cfg.nodefaults && !cfg.has_default_monitor && !cfg.nographic) {
        /* Without a display there is nowhere to show a default monitor. */
    }

    sandbox_apply_early();
    /* As QEMU, chardevs before netdevs: a guestfwd may name one. */
    qemu_opts_foreach(qemu_find_opts("chardev"), chardev_init_func, NULL,
                      &error_fatal);
    /* Netdevs before objects: filter objects name them (QEMU creates
     * those late). */
    create_net_clients();
    for (guint i = 0; i < cfg.objects->len; i++) {
        DeferredOption *d = g_ptr_array_index(cfg.objects, i);

        loc_restore(&d->loc);
        user_creatable_process_cmdline(d->str);
    }
    loc_set_none();
    create_block_devices();
    create_serials();
    create_monitors();
    if (qemu_opts_foreach(qemu_find_opts("mon"), mon_init_func, NULL,
                          &err)) {
        exit_with_error(err);
    }
    loc_set_none();
    audio_init_backends();

    ms = MACHINE(object_new(object_class_get_name(OBJECT_CLASS(mc))));
    current_machine = ms;
    object_property_add_child(object_get_root(), "machine", OBJECT(ms));
    object_unref(OBJECT(ms));
    /* As QEMU: the containers exist before anything is put in them. */
    container_get(OBJECT(ms), "/unattached");
    container_get(OBJECT(ms), "/peripheral");
    container_get(OBJECT(ms), "/peripheral-anon");
    apply_machine_opts(ms);
    configure_accelerator(ms);
    configure_memory_and_smp(ms, mc);
    if (cfg.cpu_model) {
        if (is_help_option(cfg.cpu_model)) {
            vl_cpu_help();
            exit(0);
        }
        ms->cpu_type = arch_cpu_type_by_name(cfg.cpu_model);
        if (!ms->cpu_type) {
            error_report("unable to find CPU model '%s'", cfg.cpu_model);
            exit(1);
        }
    }
    if (!qemu_uuid_set) {
        memset(qemu_uuid, 0, sizeof(qemu_uuid));
    }
    qmp_set_command_available_hook(qmp_command_available_now);
    if (cfg.preconfig) {
        /* The monitors serve the allow-preconfig commands until
         * x-exit-preconfig builds the board (QEMU daemonizes first). */
        monitor_set_preconfig(true);
        daemonize_finish();
    } else {
        qmp_x_exit_preconfig(&error_fatal);
        daemonize_finish();
    }
    status = qemu_main_loop();
    monitor_cleanup();
    if (cfg.pidfile) {
        unlink(cfg.pidfile);        /* as QEMU, on a clean exit */
    }
    return status;
}
