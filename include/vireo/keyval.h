/*
 * KEY=VALUE,... option strings parsed into QDicts: dotted keys make
 * nested objects, numeric fragments make lists, ",," is a literal
 * comma, and the first value may omit its key when there is an implied
 * one.  Values are strings; the keyval input visitor converts them.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef VIREO_KEYVAL_H
#define VIREO_KEYVAL_H

#include "vireo/error.h"
#include "qobject/qdict.h"

/* @p_help: set when "help" or "?" appears (an error if @p_help is NULL). */
QDict *keyval_parse(const char *params, const char *implied_key,
                    bool *p_help, Error **errp);
QDict *keyval_parse_into(QDict *qdict, const char *params,
                         const char *implied_key, bool *p_help, Error **errp);
/*
 * An option string that is either a JSON object (it starts with '{') or
 * key=value,...; *@is_json tells which.  @p_help as for keyval_parse
 * (never set for JSON).
 */
QDict *keyval_or_json_parse(const char *str, const char *implied_key,
                            bool *p_help, bool *is_json, Error **errp);

/* Merge @merged into @dest (nested objects merged, lists appended). */
void keyval_merge(QDict *dest, const QDict *merged, Error **errp);

#endif
