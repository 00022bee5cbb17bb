/*
 * QAPI helpers: enum lookup and parsing, boolean parsing, name syntax.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "qapi/util.h"

const char *qapi_enum_lookup(const QEnumLookup *lookup, int val)
{
    assert(val >= 0 && val < lookup->size);
    return lookup->array[val];
}

int qapi_enum_parse(const QEnumLookup *lookup, const char *buf,
                    int def, Error **errp)
{
    int i;

    if (!buf) {
        return def;
    }
    for (i = 0; i < lookup->size; i++) {
        /* Values behind a false 'if' leave holes in the table. */
        if (lookup->array[i] && !strcmp(buf, lookup->array[i])) {
            return i;
        }
    }
    error_setg(errp, "invalid parameter value: %s", buf);
    return def;
}

bool qapi_bool_parse(const char *name, const char *value, bool *obj,
                     Error **errp)
{
    if (g_str_equal(value, "on") || g_str_equal(value, "yes") ||
        g_str_equal(value, "true") || g_str_equal(value, "y")) {
        *obj = true;
        return true;
    }
    if (g_str_equal(value, "off") || g_str_equal(value, "no") ||
        g_str_equal(value, "false") || g_str_equal(value, "n")) {
        *obj = false;
        return true;
    }
    error_setg(errp, "Parameter '%s' expects 'on' or 'off'", name);
    return false;
}

int parse_qapi_name(const char *str, bool complete)
{
    const char *p = str;

    if (*p == '_') {
        /* Downstream extension: __RFQDN_name */
        p++;
        if (*p != '_') {
            return -1;
        }
        while (*++p) {
            if (!g_ascii_isalnum(*p) && *p != '-' && *p != '.') {
                break;
            }
        }
        if (*p != '_') {
            return -1;
        }
        p++;
    }
    if (!g_ascii_isalpha(*p)) {
        return -1;
    }
    while (*++p) {
        if (!g_ascii_isalnum(*p) && *p != '-' && *p != '_') {
            break;
        }
    }
    if (complete && *p) {
        return -1;
    }
    return p - str;
}
