/*
 * The QMP command registry: name -> marshaller, with options and a
 * per-instance enabled flag.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "qapi/qmp-dispatch.h"

static void free_command(gpointer data)
{
    QmpCommand *cmd = data;

    g_free((char *)cmd->disable_reason);
    g_free(cmd);
}

void qmp_register_command(QmpCommandList *cmds, const char *name,
                          QmpCommandFunc *fn, QmpCommandOptions options,
                          unsigned special_features)
{
    QmpCommand *cmd;

    /* Only OOB-capable commands may skip coroutines, as in QEMU. */
    assert(!((options & QCO_COROUTINE) && (options & QCO_ALLOW_OOB)));
    if (!cmds->by_name) {
        cmds->by_name = g_hash_table_new(g_str_hash, g_str_equal);
        cmds->in_order = g_ptr_array_new_with_free_func(free_command);
    }
    cmd = g_hash_table_lookup(cmds->by_name, name);
    if (cmd) {
        /* A second registration (e.g. a hand-made one) replaces it. */
        cmd->fn = fn;
        cmd->options = options;
        cmd->special_features = special_features;
        return;
    }
    cmd = g_new0(QmpCommand, 1);
    cmd->name = name;
    cmd->fn = fn;
    cmd->options = options;
    cmd->special_features = special_features;
    cmd->enabled = true;
    g_hash_table_insert(cmds->by_name, (gpointer)name, cmd);
    g_ptr_array_add(cmds->in_order, cmd);
}

const QmpCommand *qmp_find_command(const QmpCommandList *cmds,
                                   const char *name)
{
    if (!cmds->by_name) {
        return NULL;
    }
    return g_hash_table_lookup(cmds->by_name, name);
}

static void toggle_command(QmpCommandList *cmds, const char *name,
                           bool enabled, const char *reason)
{
    QmpCommand *cmd = (QmpCommand *)qmp_find_command(cmds, name);

    if (cmd) {
        cmd->enabled = enabled;
        g_free((char *)cmd->disable_reason);
        cmd->disable_reason = g_strdup(reason);
    }
}

void qmp_disable_command(QmpCommandList *cmds, const char *name,
                         const char *err_msg)
{
    toggle_command(cmds, name, false, err_msg);
}

void qmp_enable_command(QmpCommandList *cmds, const char *name)
{
    toggle_command(cmds, name, true, NULL);
}

bool qmp_command_is_enabled(const QmpCommand *cmd)
{
    return cmd->enabled;
}

static QmpCommandAvailableFn *available_hook;

void qmp_set_command_available_hook(QmpCommandAvailableFn *fn)
{
    available_hook = fn;
}

bool qmp_command_available(const QmpCommand *cmd, Error **errp)
{
    return available_hook ? available_hook(cmd, errp) : true;
}

const char *qmp_command_name(const QmpCommand *cmd)
{
    return cmd->name;
}

bool qmp_has_success_response(const QmpCommand *cmd)
{
    return !(cmd->options & QCO_NO_SUCCESS_RESP);
}

void qmp_for_each_command(const QmpCommandList *cmds, qmp_cmd_callback_fn fn,
                          void *opaque)
{
    guint i;

    if (!cmds->in_order) {
        return;
    }
    for (i = 0; i < cmds->in_order->len; i++) {
        fn(g_ptr_array_index(cmds->in_order, i), opaque);
    }
}
