/*
 * Yank registry: subsystems register instances (block node, chardev,
 * migration) with functions that abort their blocking network I/O; the
 * QMP command "yank" calls them, "query-yank" lists the instances.
 *
 * Usage (e.g. a socket chardev with id "c0"):
 *     YankInstance inst = { .type = YANK_INSTANCE_TYPE_CHARDEV,
 *                           .u.chardev.id = (char *)"c0" };
 *     yank_register_instance(&inst, errp);      at creation
 *     yank_register_function(&inst, shutdown_fn, s);   while connected
 *     yank_unregister_function(&inst, shutdown_fn, s); on disconnect
 *     yank_unregister_instance(&inst);          at destruction
 * A yank function runs in the thread that received "yank" (the main
 * loop, or out-of-band) and must only shut sockets down, never block.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MONITOR_YANK_H
#define MONITOR_YANK_H

#include "vireo/error.h"
#include "qapi/qapi-types-yank.h"

typedef void (YankFn)(void *opaque);

/* Fails if an equal instance is already registered. */
bool yank_register_instance(const YankInstance *instance, Error **errp);
/* The instance must have no functions left. */
void yank_unregister_instance(const YankInstance *instance);
void yank_register_function(const YankInstance *instance, YankFn *func,
                            void *opaque);
void yank_unregister_function(const YankInstance *instance, YankFn *func,
                              void *opaque);
/* A ready-made YankFn: shutdown(2) on a QIOChannel-like fd in @opaque. */
void yank_generic_fd(void *opaque);

#define BLOCKDEV_YANK_INSTANCE(the_node_name) (&(YankInstance) { \
        .type = YANK_INSTANCE_TYPE_BLOCK_NODE, \
        .u.block_node.node_name = (char *)(the_node_name) })
#define CHARDEV_YANK_INSTANCE(the_id) (&(YankInstance) { \
        .type = YANK_INSTANCE_TYPE_CHARDEV, \
        .u.chardev.id = (char *)(the_id) })
#define MIGRATION_YANK_INSTANCE (&(YankInstance) { \
        .type = YANK_INSTANCE_TYPE_MIGRATION })

#endif
