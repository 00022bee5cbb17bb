/*
 * I/O limits of -drive devices as QEMU has them: the throttling.* (and
 * the older bps=, iops_rd=, group= ...) -drive options, the
 * block_set_io_throttle command and the limits query-block reports.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef SYSTEM_BLOCKDEV_THROTTLE_H
#define SYSTEM_BLOCKDEV_THROTTLE_H

#include "vireo/option.h"
#include "block/block-backend.h"
#include "qapi/qapi-types-block-core.h"

#define DRIVE_THROTTLE_OPT_(n) \
    { .name = "throttling." n, .type = QEMU_OPT_NUMBER }, \
    { .name = "throttling." n "-max", .type = QEMU_OPT_NUMBER }, \
    { .name = "throttling." n "-max-length", .type = QEMU_OPT_NUMBER }
#define DRIVE_THROTTLE_LEGACY_OPT_(n) \
    { .name = n, .type = QEMU_OPT_NUMBER }, \
    { .name = n "_max", .type = QEMU_OPT_NUMBER }

/* The entries of qemu_drive_opts for I/O limits. */
#define DRIVE_THROTTLE_OPT_DESCS \
    DRIVE_THROTTLE_OPT_("iops-total"), DRIVE_THROTTLE_OPT_("iops-read"), \
    DRIVE_THROTTLE_OPT_("iops-write"), DRIVE_THROTTLE_OPT_("bps-total"), \
    DRIVE_THROTTLE_OPT_("bps-read"), DRIVE_THROTTLE_OPT_("bps-write"), \
    { .name = "throttling.iops-size", .type = QEMU_OPT_NUMBER }, \
    { .name = "throttling.group", .type = QEMU_OPT_STRING }, \
    DRIVE_THROTTLE_LEGACY_OPT_("iops"), DRIVE_THROTTLE_LEGACY_OPT_("iops_rd"), \
    DRIVE_THROTTLE_LEGACY_OPT_("iops_wr"), DRIVE_THROTTLE_LEGACY_OPT_("bps"), \
    DRIVE_THROTTLE_LEGACY_OPT_("bps_rd"), DRIVE_THROTTLE_LEGACY_OPT_("bps_wr"), \
    { .name = "iops_size", .type = QEMU_OPT_NUMBER }, \
    { .name = "group", .type = QEMU_OPT_STRING }

/* Read and check the -drive limits (before the image is opened); the
 * old names become throttling.* in @opts.  *group points into @opts. */
bool drive_throttle_parse(QemuOpts *opts, ThrottleConfig *cfg,
                          const char **group, Error **errp);
/* Limits on @blk if any: in @group, else in a group named @id. */
void drive_throttle_apply(BlockBackend *blk, const ThrottleConfig *cfg,
                          const char *group, const char *id);
/* query-block: the bps/iops... fields and the group of @blk's limits. */
void drive_throttle_info(BlockDeviceInfo *info, BlockBackend *blk);

#endif
