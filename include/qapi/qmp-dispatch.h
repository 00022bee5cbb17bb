/*
 * QMP command registry and dispatcher.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef QAPI_QMP_DISPATCH_H
#define QAPI_QMP_DISPATCH_H

#include "qapi/util.h"

typedef struct QObject QObject;
typedef struct QDict QDict;
typedef struct Monitor Monitor;

typedef void (QmpCommandFunc)(QDict *args, QObject **ret, Error **errp);

typedef enum QmpCommandOptions {
    QCO_NO_OPTIONS            =  0x0,
    QCO_NO_SUCCESS_RESP       = (1U << 0),
    QCO_ALLOW_OOB             = (1U << 1),
    QCO_ALLOW_PRECONFIG       = (1U << 2),
    QCO_COROUTINE             = (1U << 3),
} QmpCommandOptions;

typedef struct QmpCommand {
    const char *name;
    QmpCommandFunc *fn;
    QmpCommandOptions options;
    unsigned special_features;
    bool enabled;
    const char *disable_reason;
} QmpCommand;

/*
 * A set of commands.  Zero-initialise it (static storage or "= { 0 }");
 * registering the first command sets it up.
 */
typedef struct QmpCommandList {
    GHashTable *by_name;
    GPtrArray *in_order;
} QmpCommandList;

/* Registering a name again replaces the earlier command. */
void qmp_register_command(QmpCommandList *cmds, const char *name,
                          QmpCommandFunc *fn, QmpCommandOptions options,
                          unsigned special_features);
const QmpCommand *qmp_find_command(const QmpCommandList *cmds,
                                   const char *name);
void qmp_disable_command(QmpCommandList *cmds, const char *name,
                         const char *err_msg);
void qmp_enable_command(QmpCommandList *cmds, const char *name);
bool qmp_command_is_enabled(const QmpCommand *cmd);
/*
 * Whether @cmd may run now (the system uses this to refuse commands
 * without 'allow-preconfig' during --preconfig).  Without a hook, always.
 */
typedef bool (QmpCommandAvailableFn)(const QmpCommand *cmd, Error **errp);
void qmp_set_command_available_hook(QmpCommandAvailableFn *fn);
bool qmp_command_available(const QmpCommand *cmd, Error **errp);
const char *qmp_command_name(const QmpCommand *cmd);
bool qmp_has_success_response(const QmpCommand *cmd);

typedef void (*qmp_cmd_callback_fn)(const QmpCommand *cmd, void *opaque);
/* Calls @fn for every command, in registration order. */
void qmp_for_each_command(const QmpCommandList *cmds, qmp_cmd_callback_fn fn,
                          void *opaque);

/* {"error": {"class": ..., "desc": ...}} for @err (not freed). */
QDict *qmp_error_response(Error *err);
/*
 * Execute @request and return the response dict: {"return": ...} or
 * {"error": ...}, with the request's "id" copied.  NULL when the command
 * succeeded and has 'success-response': false.  @allow_oob says
 * whether "exec-oob" is acceptable (the monitor enabled OOB).
 */
QDict *qmp_dispatch(const QmpCommandList *cmds, QObject *request,
                    bool allow_oob, Monitor *cur_mon);
/* Whether @request is an "exec-oob" request (it need not be valid). */
bool qmp_is_oob(const QDict *dict);

#endif
