/*
 * QMP dispatcher: validates a request, finds the command, runs its
 * marshaller and wraps the outcome in a response dict.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "qobject/qdict.h"
#include "qapi/qmp-dispatch.h"

static const char *error_class_name(ErrorClass cls)
{
    switch (cls) {
    case ERROR_CLASS_COMMAND_NOT_FOUND:
        return "CommandNotFound";
    case ERROR_CLASS_DEVICE_NOT_ACTIVE:
        return "DeviceNotActive";
    case ERROR_CLASS_DEVICE_NOT_FOUND:
        return "DeviceNotFound";
    case ERROR_CLASS_KVM_MISSING_CAP:
        return "KVMMissingCap";
    default:
        return "GenericError";
    }
}

QDict *qmp_error_response(Error *err)
{
    QDict *rsp = qdict_new();
    QDict *error = qdict_new();

    qdict_put_str(error, "class", error_class_name(error_get_class(err)));
    qdict_put_str(error, "desc", error_get_pretty(err));
    qdict_put(rsp, "error", error);
    return rsp;
}

bool qmp_is_oob(const QDict *dict)
{
    return qdict_haskey(dict, "exec-oob") && !qdict_haskey(dict, "execute");
}

/* Checks the members of a request; returns the command name or NULL. */
static const char *check_request(QDict *dict, bool allow_oob, bool *oob,
                                 Error **errp)
{
    const char *exec_key = NULL;
    const QDictEntry *ent;

    for (ent = qdict_first(dict); ent; ent = qdict_next(dict, ent)) {
        const char *key = qdict_entry_key(ent);
        QObject *value = qdict_entry_value(ent);

        if (!strcmp(key, "execute") ||
            (!strcmp(key, "exec-oob") && allow_oob)) {
            if (qobject_type(value) != QTYPE_QSTRING) {
                error_setg(errp, "QMP input member '%s' must be a string",
                           key);
                return NULL;
            }
            if (exec_key) {
                error_setg(errp, "QMP input member '%s' clashes with '%s'",
                           key, exec_key);
                return NULL;
            }
            exec_key = key;
        } else if (!strcmp(key, "arguments")) {
            if (qobject_type(value) != QTYPE_QDICT) {
                error_setg(errp,
                           "QMP input member 'arguments' must be an object");
                return NULL;
            }
        } else if (strcmp(key, "id") != 0) {
            error_setg(errp, "QMP input member '%s' is unexpected", key);
            return NULL;
        }
    }
    if (!exec_key) {
        error_setg(errp, "QMP input lacks member 'execute'");
        return NULL;
    }
    *oob = !strcmp(exec_key, "exec-oob");
    return qdict_get_str(dict, exec_key);
}

QDict *qmp_dispatch(const QmpCommandList *cmds, QObject *request,
                    bool allow_oob, Monitor *cur_mon)
{
    static QDict *no_args;
    Error *err = NULL;
    QDict *dict = qobject_to(QDict, request);
    QObject *id = NULL;
    QObject *ret = NULL;
    QDict *rsp = NULL;
    const QmpCommand *cmd;
    const char *command;
    QDict *args;
    bool oob = false;

    if (!dict) {
        error_setg(&err, "QMP input must be a JSON object");
        goto out;
    }
    id = qdict_get(dict, "id");
    command = check_request(dict, allow_oob, &oob, &err);
    if (!command) {
        goto out;
    }
    cmd = qmp_find_command(cmds, command);
    if (!cmd) {
        error_set(&err, ERROR_CLASS_COMMAND_NOT_FOUND,
                  "The command %s has not been found", command);
        goto out;
    }
    if (!cmd->enabled) {
        error_set(&err, ERROR_CLASS_COMMAND_NOT_FOUND,
                  "Command %s has been disabled%s%s", command,
                  cmd->disable_reason ? ": " : "",
                  cmd->disable_reason ? cmd->disable_reason : "");
        goto out;
    }
    if (oob && !(cmd->options & QCO_ALLOW_OOB)) {
        error_setg(&err, "The command %s does not support OOB", command);
        goto out;
    }
    if (!qmp_command_available(cmd, &err)) {
        goto out;
    }

    args = qdict_get_qdict(dict, "arguments");
    if (!args) {
        /* Shared and never modified: saves an allocation per request. */
        if (!no_args) {
            no_args = qdict_new();
        }
        args = no_args;
    }
    cmd->fn(args, &ret, &err);
    if (err) {
        assert(!ret);
        goto out;
    }
    if (cmd->options & QCO_NO_SUCCESS_RESP) {
        assert(!ret);
        return NULL;
    }
    if (!ret) {
        ret = QOBJECT(qdict_new());
    }
    rsp = qdict_new();
    qdict_put_obj(rsp, "return", ret);

out:
    if (err) {
        rsp = qmp_error_response(err);
        error_free(err);
    }
    if (id) {
        qdict_put_obj(rsp, "id", qobject_ref(id));
    }
    return rsp;
}
