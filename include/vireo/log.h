/*
 * The debug log (-d items, -D file): guest errors, unimplemented
 * features, CPU and translation details, trace points.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef VIREO_LOG_H
#define VIREO_LOG_H

#include "vireo/osdep.h"
#include "vireo/error.h"

/* Item bits, with QEMU's values and -d names. */
#define CPU_LOG_TB_OUT_ASM (1 << 0)     /* out_asm */
#define CPU_LOG_TB_IN_ASM  (1 << 1)     /* in_asm */
#define CPU_LOG_INT        (1 << 4)     /* int */
#define CPU_LOG_EXEC       (1 << 5)     /* exec */
#define CPU_LOG_TB_CPU     (1 << 8)     /* cpu */
#define CPU_LOG_RESET      (1 << 9)     /* cpu_reset */
#define LOG_UNIMP          (1 << 10)    /* unimp */
#define LOG_GUEST_ERROR    (1 << 11)    /* guest_errors */
#define CPU_LOG_MMU        (1 << 12)    /* mmu */
#define CPU_LOG_TB_NOCHAIN (1 << 13)    /* nochain */
#define LOG_TRACE          (1 << 15)    /* set while trace points log */
#define CPU_LOG_TB_FPU     (1 << 17)    /* fpu */

extern int qemu_loglevel;

static inline bool qemu_loglevel_mask(int mask)
{
    return (qemu_loglevel & mask) != 0;
}

/* Writes to the log file (-D) or stderr; one call is one atomic write. */
void qemu_log(const char *fmt, ...) VIREO_PRINTF(1, 2);
void qemu_log_vprintf(const char *fmt, va_list ap) VIREO_PRINTF(1, 0);

#define qemu_log_mask(mask, ...) \
    do { \
        if (unlikely(qemu_loglevel_mask(mask))) { \
            qemu_log(__VA_ARGS__); \
        } \
    } while (0)

/* Parses "in_asm,cpu,..." ("all", "trace:PATTERN"); 0 and an error if bad. */
int qemu_str_to_log_mask(const char *str);
void qemu_print_log_usage(FILE *f);
/* Sets the mask (and opens the log file if one was named). */
bool qemu_set_log(int mask, Error **errp);
/* -D FILE; NULL returns to stderr.  Applies at the next qemu_set_log(). */
bool qemu_set_log_filename(const char *filename, Error **errp);

#endif
