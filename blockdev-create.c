/*
 * blockdev-create: format an image as a background job.  The job runs
 * the driver's creation code in a worker thread; for qcow2 the target is
 * an existing 'file' node, whose file the new image replaces.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "qapi/qapi-commands-block-core.h"
#include "qapi/clone-visitor.h"
#include "qapi/qapi-visit-block-core.h"
#include "block/block.h"
#include "system/job.h"

typedef struct CreateJob {
    char *format;
    char *filename;
    QDict *opts;
} CreateJob;

static int create_job_run(void *opaque, Error **errp)
{
    CreateJob *cj = opaque;
    QDict *opts = cj->opts;

    cj->opts = NULL;            /* bdrv_create() consumes it */
    return bdrv_create(cj->format, cj->filename, opts, errp);
}

static void create_job_free(void *opaque)
{
    CreateJob *cj = opaque;

    g_free(cj->format);
    g_free(cj->filename);
    qobject_unref(cj->opts);
    g_free(cj);
}

static const char *const prealloc_names[] = {
    [IMAGE_PREALLOC_MODE_OFF] = "off",
    [IMAGE_PREALLOC_MODE_METADATA] = "metadata",
    [IMAGE_PREALLOC_MODE_FALLOC] = "falloc",
    [IMAGE_PREALLOC_MODE_FULL] = "full",
};

/* qcow2 options in the block layer's creation keys (qemu-img's -o). */
static bool qcow2_create_opts(BlockdevCreateOptionsQcow2 *q, CreateJob *cj,
                              Error **errp)
{
    BlockDriverState *file;

    if (q->file->type != QTYPE_QSTRING) {
        error_setg(errp, "blockdev-create needs the image's 'file' as a "
                   "node name");
        return false;
    }
    file = bdrv_find_node(q->file->u.reference);
    if (!file) {
        error_setg(errp, "Cannot find device='' nor node-name='%s'",
                   q->file->u.reference);
        return false;
    }
    if (strcmp(bdrv_get_format_name(file), "file")) {
        error_setg(errp, "The 'file' of a qcow2 image must be a 'file' "
                   "node, not '%s'", bdrv_get_format_name(file));
        return false;
    }
    cj->filename = g_strdup(file->filename);
    qdict_put_int(cj->opts, "size", q->size);
    if (q->has_version) {
        qdict_put_str(cj->opts, "compat",
                      q->version == BLOCKDEV_QCOW2_VERSION_V2 ? "0.10"
                                                              : "1.1");
    }
    if (q->backing_file) {
        qdict_put_str(cj->opts, "backing_file", q->backing_file);
    }
    if (q->has_backing_fmt) {
        qdict_put_str(cj->opts, "backing_fmt",
                      BlockdevDriver_str(q->backing_fmt));
    }
    if (q->has_cluster_size) {
        qdict_put_int(cj->opts, "cluster_size", q->cluster_size);
    }
    if (q->has_preallocation) {
        qdict_put_str(cj->opts, "preallocation",
                      prealloc_names[q->preallocation]);
    }
    if (q->has_lazy_refcounts) {
        qdict_put_str(cj->opts, "lazy_refcounts",
                      q->lazy_refcounts ? "on" : "off");
    }
    if (q->has_refcount_bits) {
        qdict_put_int(cj->opts, "refcount_bits", q->refcount_bits);
    }
    if (q->has_compression_type) {
        qdict_put_str(cj->opts, "compression_type", "zlib");
    }
    return true;
}

void qmp_blockdev_create(const char *job_id, BlockdevCreateOptions *options,
                         Error **errp)
{
    CreateJob *cj = g_new0(CreateJob, 1);

    cj->format = g_strdup(BlockdevDriver_str(options->driver));
    cj->opts = qdict_new();
    switch (options->driver) {
    case BLOCKDEV_DRIVER_FILE:
        cj->filename = g_strdup(options->u.file.filename);
        qdict_put_int(cj->opts, "size", options->u.file.size);
        if (options->u.file.has_preallocation) {
            qdict_put_str(cj->opts, "preallocation",
                          prealloc_names[options->u.file.preallocation]);
        }
        break;
    case BLOCKDEV_DRIVER_QCOW2:
        if (!qcow2_create_opts(&options->u.qcow2, cj, errp)) {
            create_job_free(cj);
            return;
        }
        break;
    default:
        error_setg(errp, "Driver does not support blockdev-create");
        create_job_free(cj);
        return;
    }
    if (!job_start(job_id, JOB_TYPE_CREATE, create_job_run, cj,
                   create_job_free, errp)) {
        create_job_free(cj);
    }
}
