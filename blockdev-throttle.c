/*
 * I/O limits of -drive devices (see system/blockdev-throttle.h): the
 * -drive options, block_set_io_throttle and what query-block shows.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "qapi/qapi-commands-block-core.h"
#include "system/blockdev.h"
#include "system/blockdev-throttle.h"

/* The six rates by their QMP names (bps_rd ...) and -drive names. */
static const struct {
    const char *legacy, *name;
} rate_names[] = {
    { "bps", "bps-total" }, { "bps_rd", "bps-read" },
    { "bps_wr", "bps-write" }, { "iops", "iops-total" },
    { "iops_rd", "iops-read" }, { "iops_wr", "iops-write" },
};

/* Where BlockIOThrottle and BlockDeviceInfo keep a bucket's settings:
 * both name them bps, bps_max, bps_max_length ... */
typedef struct RateFields {
    BucketType bucket;
    size_t avg, max, has_max, length, has_length;
} RateFields;

#define RATE_FIELDS_(T, f, b) \
    { b, offsetof(T, f), offsetof(T, f##_max), offsetof(T, has_##f##_max), \
      offsetof(T, f##_max_length), offsetof(T, has_##f##_max_length) }
#define RATE_FIELDS(T) { \
    RATE_FIELDS_(T, bps, THROTTLE_BPS_TOTAL), \
    RATE_FIELDS_(T, bps_rd, THROTTLE_BPS_READ), \
    RATE_FIELDS_(T, bps_wr, THROTTLE_BPS_WRITE), \
    RATE_FIELDS_(T, iops, THROTTLE_OPS_TOTAL), \
    RATE_FIELDS_(T, iops_rd, THROTTLE_OPS_READ), \
    RATE_FIELDS_(T, iops_wr, THROTTLE_OPS_WRITE), \
}

static const RateFields arg_fields[] = RATE_FIELDS(BlockIOThrottle);
static const RateFields info_fields[] = RATE_FIELDS(BlockDeviceInfo);

#define FIELD(p, off, type) (*(type *)((char *)(p) + (off)))

/* QEMU's qemu_opt_rename(): an old name becomes its new one. */
static bool opt_rename(QemuOpts *opts, const char *from, const char *to,
                       Error **errp)
{
    const char *value = qemu_opt_get(opts, from);

    if (!value) {
        return true;
    }
    if (qemu_opt_get(opts, to)) {
        error_setg(errp, "'%s' and its alias '%s' can't be used at the "
                   "same time", to, from);
        return false;
    }
    if (!qemu_opt_set(opts, to, value, errp)) {
        return false;
    }
    qemu_opt_unset(opts, from);
    return true;
}

static bool rename_legacy(QemuOpts *opts, Error **errp)
{
    for (size_t i = 0; i < G_N_ELEMENTS(rate_names); i++) {
        g_autofree char *to = g_strconcat("throttling.", rate_names[i].name,
                                          NULL);
        g_autofree char *from_max = g_strconcat(rate_names[i].legacy, "_max",
                                                NULL);
        g_autofree char *to_max = g_strconcat(to, "-max", NULL);

        if (!opt_rename(opts, rate_names[i].legacy, to, errp) ||
            !opt_rename(opts, from_max, to_max, errp)) {
            return false;
        }
    }
    return opt_rename(opts, "iops_size", "throttling.iops-size", errp) &&
           opt_rename(opts, "group", "throttling.group", errp);
}

bool drive_throttle_parse(QemuOpts *opts, ThrottleConfig *cfg,
                          const char **group, Error **errp)
{
    if (!rename_legacy(opts, errp)) {
        return false;
    }
    throttle_config_init(cfg);
    for (int i = 0; i < THROTTLE_PARAM_COUNT; i++) {
        const ThrottleParam *p = &throttle_params[i];
        g_autofree char *key = g_strconcat("throttling.", p->name, NULL);
        uint64_t *field = throttle_param_ptr(cfg, p);

        *field = qemu_opt_get_number(opts, key, *field);
    }
    *group = qemu_opt_get(opts, "throttling.group");
    return throttle_is_valid(cfg, errp);
}

void drive_throttle_apply(BlockBackend *blk, const ThrottleConfig *cfg,
                          const char *group, const char *id)
{
    if (!throttle_enabled(cfg)) {
        return;
    }
    blk_io_limits_enable(blk, group ? group : id);
    blk_set_io_limits(blk, cfg);
}

void drive_throttle_info(BlockDeviceInfo *info, BlockBackend *blk)
{
    ThrottleGroupMember *tgm = blk_io_limits(blk);
    ThrottleConfig cfg;

    if (!tgm) {
        return;
    }
    throttle_group_get_config(tgm->group, &cfg);
    for (size_t i = 0; i < G_N_ELEMENTS(info_fields); i++) {
        const RateFields *f = &info_fields[i];
        const LeakyBucket *b = &cfg.buckets[f->bucket];

        FIELD(info, f->avg, int64_t) = b->avg;
        /* As QEMU: burst settings only where a burst rate is set. */
        FIELD(info, f->max, int64_t) = b->max;
        FIELD(info, f->has_max, bool) = b->max != 0;
        FIELD(info, f->length, int64_t) = b->burst_length;
        FIELD(info, f->has_length, bool) = b->max != 0;
    }
    info->has_iops_size = cfg.op_size != 0;
    info->iops_size = cfg.op_size;
    info->group = g_strdup(throttle_group_name(tgm->group));
}

/* QEMU's qmp_get_blk(): a -drive id or a guest device's id/QOM path. */
static BlockBackend *find_backend(const char *device, const char *id,
                                  Error **errp)
{
    DriveInfo *di;

    if (!device == !id) {
        error_setg(errp, "Need exactly one of 'device' and 'id'");
        return NULL;
    }
    if (device) {
        di = drive_find(device);
        if (!di) {
            error_set(errp, ERROR_CLASS_DEVICE_NOT_FOUND,
                      "Device '%s' not found", device);
            return NULL;
        }
    } else {
        DeviceState *dev = qdev_find_by_id_or_path(id, errp);

        if (!dev) {
            return NULL;
        }
        di = drive_for_dev(dev);
        if (!di) {
            error_setg(errp, "Device does not have a block device backend");
            return NULL;
        }
    }
    return di->blk;
}

void qmp_block_set_io_throttle(BlockIOThrottle *arg, Error **errp)
{
    BlockBackend *blk = find_backend(arg->device, arg->id, errp);
    ThrottleConfig cfg;

    if (!blk) {
        return;
    }
    if (!blk_bs(blk)) {
        error_setg(errp, "Device has no medium");
        return;
    }
    throttle_config_init(&cfg);
    for (size_t i = 0; i < G_N_ELEMENTS(arg_fields); i++) {
        const RateFields *f = &arg_fields[i];
        LeakyBucket *b = &cfg.buckets[f->bucket];

        /* Negative values wrap, as in QEMU, and fail the range check. */
        b->avg = FIELD(arg, f->avg, int64_t);
        if (FIELD(arg, f->has_max, bool)) {
            b->max = FIELD(arg, f->max, int64_t);
        }
        if (FIELD(arg, f->has_length, bool)) {
            b->burst_length = FIELD(arg, f->length, int64_t);
        }
    }
    if (arg->has_iops_size) {
        cfg.op_size = arg->iops_size;
    }
    if (!throttle_is_valid(&cfg, errp)) {
        return;
    }
    if (!throttle_enabled(&cfg)) {
        /* All zero: the drive leaves its group; 'group' is ignored. */
        if (blk_io_limits(blk)) {
            blk_io_limits_disable(blk);
        }
        return;
    }
    if (!blk_io_limits(blk)) {
        blk_io_limits_enable(blk, arg->group ? arg->group :
                                  arg->device ? arg->device : arg->id);
    } else if (arg->group) {
        blk_io_limits_update_group(blk, arg->group);
    }
    blk_set_io_limits(blk, &cfg);
}
