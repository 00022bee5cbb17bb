/*
 * Write thresholds (see block.h): a one-shot alarm for management tools
 * that grow thin-provisioned images before the guest fills them.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "block/block.h"

static BdrvWriteThresholdNotify *notify;

void bdrv_set_write_threshold_notify(BdrvWriteThresholdNotify *fn)
{
    notify = fn;
}

void bdrv_write_threshold_set(BlockDriverState *bs, uint64_t threshold)
{
    __atomic_store_n(&bs->write_threshold, threshold, __ATOMIC_SEQ_CST);
}

uint64_t bdrv_write_threshold_get(BlockDriverState *bs)
{
    return __atomic_load_n(&bs->write_threshold, __ATOMIC_SEQ_CST);
}

/* Called for every write-type request before it runs. */
void bdrv_write_threshold_check(BlockDriverState *bs, int64_t offset,
                                int64_t bytes)
{
    uint64_t threshold = bdrv_write_threshold_get(bs);
    uint64_t end = offset + bytes;

    if (!threshold || end <= threshold) {
        return;
    }
    /* Only the request that disarms it reports (requests run in parallel). */
    if (__atomic_compare_exchange_n(&bs->write_threshold, &threshold, 0,
                                    false, __ATOMIC_SEQ_CST,
                                    __ATOMIC_SEQ_CST) && notify) {
        notify(bs, end - threshold, threshold);
    }
}
