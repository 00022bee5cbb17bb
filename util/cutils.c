/*
 * Number and string parsing with QEMU's rules (see vireo/cutils.h).
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include <math.h>
#include "vireo/cutils.h"

/* Common tail of the strto* wrappers. */
static int check_strtox(const char *nptr, const char *ep,
                        const char **endptr, bool check_end, int err)
{
    if (ep == nptr) {
        err = EINVAL;
    } else if (check_end && *ep) {
        err = EINVAL;
    }
    if (endptr) {
        *endptr = ep;
    }
    return -err;
}

int qemu_strtoi64(const char *nptr, const char **endptr, int base,
                  int64_t *result)
{
    char *ep;

    *result = 0;
    if (!nptr) {
        if (endptr) {
            *endptr = NULL;
        }
        return -EINVAL;
    }
    errno = 0;
    long long v = strtoll(nptr, &ep, base);
    int r = check_strtox(nptr, ep, endptr, !endptr, errno);
    if (r != -EINVAL) {
        *result = v;
    }
    return r;
}

int qemu_strtou64(const char *nptr, const char **endptr, int base,
                  uint64_t *result)
{
    char *ep;

    *result = 0;
    if (!nptr) {
        if (endptr) {
            *endptr = NULL;
        }
        return -EINVAL;
    }
    errno = 0;
    unsigned long long v = strtoull(nptr, &ep, base);
    int r = check_strtox(nptr, ep, endptr, !endptr, errno);
    if (r != -EINVAL) {
        *result = r == -ERANGE ? UINT64_MAX : v;
    }
    return r;
}

int qemu_strtol(const char *nptr, const char **endptr, int base,
                long *result)
{
    int64_t v;
    int r = qemu_strtoi64(nptr, endptr, base, &v);

    *result = v;
    return r;
}

int qemu_strtoul(const char *nptr, const char **endptr, int base,
                 unsigned long *result)
{
    uint64_t v;
    int r = qemu_strtou64(nptr, endptr, base, &v);

    *result = v;
    return r;
}

int qemu_strtoi(const char *nptr, const char **endptr, int base, int *result)
{
    int64_t v;
    int r = qemu_strtoi64(nptr, endptr, base, &v);

    if (r == 0 && (v > INT_MAX || v < INT_MIN)) {
        r = -ERANGE;
        v = v > INT_MAX ? INT_MAX : INT_MIN;
    } else if (r == -ERANGE) {
        v = v > 0 ? INT_MAX : INT_MIN;
    }
    *result = v;
    return r;
}

int qemu_strtoui(const char *nptr, const char **endptr, int base,
                 unsigned int *result)
{
    uint64_t v;
    int r = qemu_strtou64(nptr, endptr, base, &v);

    if (r == 0 && v > UINT_MAX) {
        /* strtoull wraps "-1" to the top of the range: accept that. */
        if ((int64_t)v < 0 && (int64_t)v >= -(int64_t)UINT_MAX) {
            v = (unsigned int)v;
        } else {
            r = -ERANGE;
            v = UINT_MAX;
        }
    }
    *result = v;
    return r;
}

int qemu_strtod(const char *nptr, const char **endptr, double *result)
{
    char *ep;

    *result = 0;
    if (!nptr) {
        if (endptr) {
            *endptr = NULL;
        }
        return -EINVAL;
    }
    errno = 0;
    double v = strtod(nptr, &ep);
    int r = check_strtox(nptr, ep, endptr, !endptr, errno);
    if (r != -EINVAL) {
        *result = v;
    }
    return r;
}

int qemu_strtod_finite(const char *nptr, const char **endptr, double *result)
{
    const char *ep;
    double v;
    int r = qemu_strtod(nptr, &ep, &v);

    if (r == 0 && !isfinite(v)) {
        r = -EINVAL;
        ep = nptr;
        v = 0;
    }
    if (r == 0 && !endptr && *ep) {
        r = -EINVAL;
    }
    if (endptr) {
        *endptr = ep;
    }
    *result = r == -EINVAL ? 0 : v;
    return r;
}

static int64_t suffix_mul(char suffix, int64_t unit)
{
    switch (g_ascii_toupper(suffix)) {
    case 'B':
        return 1;
    case 'K':
        return unit;
    case 'M':
        return unit * unit;
    case 'G':
        return unit * unit * unit;
    case 'T':
        return unit * unit * unit * unit;
    case 'P':
        return unit * unit * unit * unit * unit;
    case 'E':
        return unit * unit * unit * unit * unit * unit;
    }
    return -1;
}

static int do_strtosz(const char *nptr, const char **end,
                      const char default_suffix, int64_t unit,
                      uint64_t *result)
{
    const char *p = nptr, *ep;
    uint64_t val = 0, mul;
    double fraction = 0;
    bool hex;
    int r;

    while (g_ascii_isspace(*p)) {
        p++;
    }
    if (*p == '-') {
        r = -EINVAL;
        ep = nptr;
        goto out;
    }
    hex = p[0] == '0' && (p[1] == 'x' || p[1] == 'X');
    r = qemu_strtou64(p, &ep, 0, &val);
    if (r) {
        if (r == -EINVAL) {
            ep = nptr;
        }
        goto out;
    }
    if (*ep == '.' && !hex) {
        /* The fraction is parsed on its own so 1.5G keeps 64-bit
         * precision in the integer part. */
        const char *fp = ep;
        g_autofree char *f = g_strdup_printf("0%.*s", (int)strspn(ep + 1,
                                             "0123456789") + 1, ep);
        if (qemu_strtod_finite(f, NULL, &fraction) < 0) {
            r = -EINVAL;
            ep = nptr;
            goto out;
        }
        ep = fp + strlen(f) - 1;
    }
    if (*ep) {
        int64_t m = suffix_mul(*ep, unit);
        if (m > 0) {
            mul = m;
            ep++;
        } else {
            mul = suffix_mul(default_suffix, unit);
        }
    } else {
        mul = suffix_mul(default_suffix, unit);
    }
    if (mul == 1 && fraction) {
        r = -EINVAL;
        ep = nptr;
        goto out;
    }
    if (val > (UINT64_MAX - (uint64_t)(fraction * mul)) / mul) {
        r = -ERANGE;
        goto out;
    }
    *result = val * mul + (uint64_t)(fraction * mul);
    r = 0;
out:
    if (end) {
        *end = ep;
    } else if (r == 0 && *ep) {
        r = -EINVAL;
    }
    if (r) {
        *result = 0;
    }
    return r;
}

int qemu_strtosz(const char *nptr, const char **end, uint64_t *result)
{
    return do_strtosz(nptr, end, 'B', 1024, result);
}

int qemu_strtosz_MiB(const char *nptr, const char **end, uint64_t *result)
{
    return do_strtosz(nptr, end, 'M', 1024, result);
}

int qemu_strtosz_metric(const char *nptr, const char **end,
                        uint64_t *result)
{
    return do_strtosz(nptr, end, 'B', 1000, result);
}

int parse_uint_full(const char *s, unsigned base, uint64_t *value)
{
    const char *p = s;

    while (g_ascii_isspace(*p)) {
        p++;
    }
    if (*p == '-') {
        *value = 0;
        return -ERANGE;
    }
    return qemu_strtou64(s, NULL, base, value);
}

char *size_to_str(uint64_t val)
{
    static const char *const suffixes[] = { "", "Ki", "Mi", "Gi", "Ti", "Pi",
                                            "Ei" };
    int i = 0;
    uint64_t div = 1;

    /* Pick the unit so the number shown is below 1000 (3 digits). */
    while (i + 1 < (int)G_N_ELEMENTS(suffixes) && val / div >= 1000) {
        i++;
        div <<= 10;
    }
    return g_strdup_printf("%0.3g %sB", (double)val / div, suffixes[i]);
}

void pstrcpy(char *buf, int buf_size, const char *str)
{
    if (buf_size <= 0) {
        return;
    }
    g_strlcpy(buf, str, buf_size);
}

int strstart(const char *str, const char *val, const char **ptr)
{
    size_t n = strlen(val);

    if (strncmp(str, val, n)) {
        return 0;
    }
    if (ptr) {
        *ptr = str + n;
    }
    return 1;
}

int stristart(const char *str, const char *val, const char **ptr)
{
    size_t n = strlen(val);

    if (g_ascii_strncasecmp(str, val, n)) {
        return 0;
    }
    if (ptr) {
        *ptr = str + n;
    }
    return 1;
}

bool id_wellformed(const char *id)
{
    if (!g_ascii_isalpha(id[0])) {
        return false;
    }
    for (const char *p = id + 1; *p; p++) {
        if (!g_ascii_isalnum(*p) && !strchr("-._", *p)) {
            return false;
        }
    }
    return true;
}
