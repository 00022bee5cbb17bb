/*
 * Start-up internals shared by system/vl.c and its helpers.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef SYSTEM_VL_H
#define SYSTEM_VL_H

#include "vireo/option.h"
#include "hw/boards.h"
#include "chardev/char.h"

int vireo_main(int argc, char **argv);
void vl_handle_option(int index, const char *optarg);
void vl_set_machine_str(const char *key, const char *value);
void vl_check_chardev_backend(QemuOpts *opts);
void vl_check_chardev_spec(const char *spec);
void vl_check_object(const char *optarg);

/* vl-config.c */
void vl_configure_rtc(QemuOpts *opts);
void vl_configure_action(QemuOpts *opts);
void vl_configure_overcommit(QemuOpts *opts);
void vl_configure_smp(MachineState *ms, MachineClass *mc, QemuOpts *opts);
void vl_set_serial_hd(int index, Chardev *chr);
void vl_cpu_help(void);
bool qemu_uuid_parse_str(const char *str, uint8_t *uuid);

/* qdev-monitor.c: -device. */
bool vl_device_add(const char *optarg, Error **errp);
void qdev_print_device_help(const char *driver);

/* sandbox.c: -sandbox (seccomp). */
void sandbox_opts_init(void);
void sandbox_parse_option(const char *optarg);
void sandbox_apply_early(void);
void sandbox_apply_late(void);

/* audio.c: -audiodev. */
void audio_opts_init(void);
void audio_parse_option(const char *optarg);
void audio_init_backends(void);

#endif
