/*
 * Background jobs as QMP shows them (query-jobs, JOB_STATUS_CHANGE,
 * job-dismiss).  A job's work runs in a worker thread; its status moves
 * created -> running -> waiting -> pending -> concluded in the main loop,
 * and it stays until dismissed, as QEMU's blockdev-create jobs do.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef SYSTEM_JOB_H
#define SYSTEM_JOB_H

#include "vireo/error.h"
#include "qapi/qapi-types-job.h"

/* Runs in a worker thread: 0, or -errno with *err set for the error. */
typedef int JobWorkFunc(void *opaque, Error **errp);

/* Start job @id of @type doing @work(@opaque); @free(@opaque) at the end. */
bool job_start(const char *id, JobType type, JobWorkFunc *work,
               void *opaque, void (*free_opaque)(void *), Error **errp);

#endif
