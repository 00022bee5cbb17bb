/*
 * -audiodev: audio backends by id.  Vireo emulates no sound device and
 * offers the "none" driver (what libvirt passes), which accepts and
 * discards audio; any other driver is refused.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "vireo/error-report.h"
#include "vireo/keyval.h"
#include "vireo/cutils.h"
#include "qobject/qdict.h"
#include "system/vl.h"

static GHashTable *audiodevs;       /* id -> driver */

void audio_opts_init(void)
{
    audiodevs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                      g_free);
}

void audio_parse_option(const char *optarg)
{
    Error *err = NULL;
    bool is_json;
    QDict *d = keyval_or_json_parse(optarg, "driver", NULL, &is_json, &err);
    const char *id, *driver;

    if (!d) {
        error_report("%s", error_get_pretty(err));
        exit(1);
    }
    driver = qdict_get_try_str(d, "driver");
    id = qdict_get_try_str(d, "id");
    if (!driver) {
        error_report("Parameter 'driver' is missing");
        exit(1);
    }
    if (is_help_option(driver)) {
        printf("Available audio drivers:\nnone\n");
        exit(0);
    }
    if (strcmp(driver, "none")) {
        error_report("Parameter 'driver' does not accept value '%s'", driver);
        exit(1);
    }
    if (!id) {
        error_report("Parameter 'id' is missing");
        exit(1);
    }
    if (!id_wellformed(id)) {
        error_report("Parameter 'id' expects an identifier");
        exit(1);
    }
    if (g_hash_table_contains(audiodevs, id)) {
        error_report("Duplicate audio backend id '%s'", id);
        exit(1);
    }
    for (const QDictEntry *e = qdict_first(d); e; e = qdict_next(d, e)) {
        const char *k = qdict_entry_key(e);
        if (strcmp(k, "id") && strcmp(k, "driver") &&
            strcmp(k, "timer-period") && strcmp(k, "in") && strcmp(k, "out")) {
            error_report("Parameter '%s' is unexpected", k);
            exit(1);
        }
    }
    g_hash_table_insert(audiodevs, g_strdup(id), g_strdup(driver));
    qobject_unref(d);
}

void audio_init_backends(void)
{
    /* "none" backends need no host resources. */
}
