/*
 * Background jobs: each runs its work in a worker thread and reports its
 * status transitions with JOB_STATUS_CHANGE; query-jobs lists them and
 * job-dismiss removes a concluded one.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/queue.h"
#include "vireo/thread-pool.h"
#include "qapi/qapi-commands-job.h"
#include "qapi/qapi-events-job.h"
#include "system/job.h"

typedef struct Job {
    char *id;
    JobType type;
    JobStatus status;
    JobWorkFunc *work;
    void *opaque;
    void (*free_opaque)(void *);
    Error *err;             /* set by the worker, read after completion */
    int64_t progress;       /* 0 or 1: the work is one step */
    QTAILQ_ENTRY(Job) next;
} Job;

static QTAILQ_HEAD(, Job) jobs = QTAILQ_HEAD_INITIALIZER(jobs);

static Job *job_find(const char *id)
{
    Job *job;

    QTAILQ_FOREACH(job, &jobs, next) {
        if (!strcmp(job->id, id)) {
            return job;
        }
    }
    return NULL;
}

static void job_set_status(Job *job, JobStatus status)
{
    job->status = status;
    qapi_event_send_job_status_change(job->id, status);
}

static int job_work(void *opaque)
{
    Job *job = opaque;

    return job->work(job->opaque, &job->err);
}

static void job_done(void *opaque, int ret)
{
    Job *job = opaque;

    job->progress = 1;
    if (ret < 0 && !job->err) {
        error_setg_errno(&job->err, -ret, "Job failed");
    }
    /* Automatically finalized (blockdev-create), then kept until
     * job-dismiss. */
    job_set_status(job, JOB_STATUS_WAITING);
    job_set_status(job, JOB_STATUS_PENDING);
    job_set_status(job, JOB_STATUS_CONCLUDED);
    if (job->free_opaque) {
        job->free_opaque(job->opaque);
        job->opaque = NULL;
    }
}

bool job_start(const char *id, JobType type, JobWorkFunc *work,
               void *opaque, void (*free_opaque)(void *), Error **errp)
{
    Job *job;

    if (job_find(id)) {
        error_setg(errp, "Job ID '%s' already in use", id);
        return false;
    }
    job = g_new0(Job, 1);
    job->id = g_strdup(id);
    job->type = type;
    job->work = work;
    job->opaque = opaque;
    job->free_opaque = free_opaque;
    QTAILQ_INSERT_TAIL(&jobs, job, next);
    job_set_status(job, JOB_STATUS_CREATED);
    job_set_status(job, JOB_STATUS_RUNNING);
    thread_pool_submit_aio(job_work, job, job_done, job);
    return true;
}

JobInfoList *qmp_query_jobs(Error **errp)
{
    JobInfoList *head = NULL, **tail = &head;
    Job *job;

    QTAILQ_FOREACH(job, &jobs, next) {
        JobInfo *info = g_new0(JobInfo, 1);

        info->id = g_strdup(job->id);
        info->type = job->type;
        info->status = job->status;
        info->current_progress = job->progress;
        info->total_progress = 1;
        if (job->err && job->status == JOB_STATUS_CONCLUDED) {
            info->error = g_strdup(error_get_pretty(job->err));
        }
        QAPI_LIST_APPEND(tail, info);
    }
    return head;
}

void qmp_job_dismiss(const char *id, Error **errp)
{
    Job *job = job_find(id);

    if (!job) {
        error_setg(errp, "Job not found");
        return;
    }
    if (job->status != JOB_STATUS_CONCLUDED) {
        error_setg(errp, "Job '%s' in state '%s' cannot accept command "
                   "verb 'dismiss'", id, JobStatus_str(job->status));
        return;
    }
    job_set_status(job, JOB_STATUS_NULL);
    QTAILQ_REMOVE(&jobs, job, next);
    error_free(job->err);
    g_free(job->id);
    g_free(job);
}
