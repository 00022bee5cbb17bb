/*
 * String and number helpers with QEMU's semantics: the strto* family
 * returns 0 or -EINVAL/-ERANGE, requires the whole string to be a number
 * when @endptr is NULL, and never leaves the result undefined.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef VIREO_CUTILS_H
#define VIREO_CUTILS_H

#include "vireo/osdep.h"

int qemu_strtoi(const char *nptr, const char **endptr, int base, int *result);
int qemu_strtoui(const char *nptr, const char **endptr, int base,
                 unsigned int *result);
int qemu_strtol(const char *nptr, const char **endptr, int base,
                long *result);
int qemu_strtoul(const char *nptr, const char **endptr, int base,
                 unsigned long *result);
int qemu_strtoi64(const char *nptr, const char **endptr, int base,
                  int64_t *result);
int qemu_strtou64(const char *nptr, const char **endptr, int base,
                  uint64_t *result);
int qemu_strtod(const char *nptr, const char **endptr, double *result);
int qemu_strtod_finite(const char *nptr, const char **endptr,
                       double *result);

/*
 * Sizes: a number (fractions allowed with a suffix) and an optional
 * suffix B, K, M, G, T, P, E (powers of 1024, or 1000 for _metric).
 * qemu_strtosz has no suffix meaning bytes, qemu_strtosz_MiB megabytes.
 */
int qemu_strtosz(const char *nptr, const char **end, uint64_t *result);
int qemu_strtosz_MiB(const char *nptr, const char **end, uint64_t *result);
int qemu_strtosz_metric(const char *nptr, const char **end,
                        uint64_t *result);

/* Whole string as a non-negative number; -EINVAL/-ERANGE otherwise. */
int parse_uint_full(const char *s, unsigned base, uint64_t *value);

/* "1.5 GiB" style, for humans. */
char *size_to_str(uint64_t val);

/* strncpy that always terminates. */
void pstrcpy(char *buf, int buf_size, const char *str);
/* If @str starts with @val, point *@ptr after it and return 1. */
int strstart(const char *str, const char *val, const char **ptr);
int stristart(const char *str, const char *val, const char **ptr);

/* "help" or "?": a request for the list of choices. */
static inline bool is_help_option(const char *s)
{
    return !strcmp(s, "?") || !strcmp(s, "help");
}

/* Letters, digits, '-', '.', '_', starting with a letter. */
bool id_wellformed(const char *id);

#endif
