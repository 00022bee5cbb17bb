/*
 * 'null-co' and 'null-aio': a device of a given size that reads zeroes
 * ('read-zeroes') or leaves buffers untouched, and ignores writes; for
 * benchmarks and tests of the layers above.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/cutils.h"
#include "qobject/qnum.h"
#include "qobject/qstring.h"
#include "qobject/qbool.h"
#include "block/block.h"

typedef struct BDRVNullState {
    int64_t length;
    bool read_zeroes;
} BDRVNullState;

static int null_open(BlockDriverState *bs, QDict *options, Error **errp)
{
    BDRVNullState *s = bs->opaque;
    QObject *size = qdict_get(options, "size");
    QObject *rz = qdict_get(options, "read-zeroes");

    s->length = 1ll << 30;
    if (size && qobject_type(size) == QTYPE_QNUM) {
        s->length = qnum_get_int(qobject_to(QNum, size));
    } else if (size && qobject_type(size) == QTYPE_QSTRING) {
        uint64_t v;

        if (qemu_strtosz(qstring_get_str(qobject_to(QString, size)), NULL,
                         &v) < 0) {
            error_setg(errp, "Parameter 'size' expects a size");
            return -EINVAL;
        }
        s->length = v;
    }
    if (s->length < 0) {
        error_setg(errp, "Parameter 'size' expects a non-negative number");
        return -EINVAL;
    }
    if (rz && qobject_type(rz) == QTYPE_QBOOL) {
        s->read_zeroes = qbool_get_bool(qobject_to(QBool, rz));
    } else if (rz && qobject_type(rz) == QTYPE_QSTRING) {
        s->read_zeroes = !strcmp(qstring_get_str(qobject_to(QString, rz)),
                                 "on");
    }
    qdict_del(options, "size");
    qdict_del(options, "read-zeroes");
    qdict_del(options, "latency-ns");
    qdict_del(options, "filename");
    snprintf(bs->filename, sizeof(bs->filename), "%s://",
             bs->drv->format_name);
    return 0;
}

static int null_preadv(BlockDriverState *bs, int64_t offset, int64_t bytes,
                       struct iovec *iov, int niov)
{
    BDRVNullState *s = bs->opaque;

    if (s->read_zeroes) {
        bdrv_iov_memset(iov, niov, 0, 0, bytes);
    }
    return 0;
}

static int null_pwritev(BlockDriverState *bs, int64_t offset, int64_t bytes,
                        struct iovec *iov, int niov, int flags)
{
    return 0;
}

static int null_flush(BlockDriverState *bs)
{
    return 0;
}

static int64_t null_getlength(BlockDriverState *bs)
{
    BDRVNullState *s = bs->opaque;

    return s->length;
}

static int null_block_status(BlockDriverState *bs, int64_t offset,
                             int64_t bytes, int64_t *pnum, int64_t *map,
                             BlockDriverState **file)
{
    BDRVNullState *s = bs->opaque;

    *pnum = bytes;
    *map = offset;
    *file = bs;
    return BDRV_BLOCK_OFFSET_VALID | BDRV_BLOCK_ALLOCATED |
           (s->read_zeroes ? BDRV_BLOCK_ZERO : 0);
}

#define NULL_DRIVER(name_) { \
    .format_name = name_, \
    .instance_size = sizeof(BDRVNullState), \
    .open = null_open, \
    .preadv = null_preadv, \
    .pwritev = null_pwritev, \
    .flush = null_flush, \
    .getlength = null_getlength, \
    .block_status = null_block_status, \
}

/* The two differ in QEMU only by their completion path; here both
 * complete through the worker pool like every driver. */
static BlockDriver bdrv_null_co = NULL_DRIVER("null-co");
static BlockDriver bdrv_null_aio = NULL_DRIVER("null-aio");

static void __attribute__((constructor)) null_register(void)
{
    bdrv_register(&bdrv_null_co);
    bdrv_register(&bdrv_null_aio);
}
