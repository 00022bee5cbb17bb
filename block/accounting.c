/*
 * Block device I/O accounting: counters and times per request type.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/timer.h"
#include "block/accounting.h"

void block_acct_start(BlockAcctStats *stats, BlockAcctCookie *cookie,
                      int64_t bytes, BlockAcctType type)
{
    cookie->bytes = bytes;
    cookie->type = type;
    cookie->start_time_ns = qemu_clock_get_ns(QEMU_CLOCK_REALTIME);
}

void block_acct_done(BlockAcctStats *stats, BlockAcctCookie *cookie)
{
    int64_t now = qemu_clock_get_ns(QEMU_CLOCK_REALTIME);

    if (cookie->type == BLOCK_ACCT_NONE) {
        return;
    }
    stats->nr_bytes[cookie->type] += cookie->bytes;
    stats->nr_ops[cookie->type]++;
    stats->total_time_ns[cookie->type] += now - cookie->start_time_ns;
    stats->last_access_time_ns = now;
}

void block_acct_failed(BlockAcctStats *stats, BlockAcctCookie *cookie)
{
    int64_t now = qemu_clock_get_ns(QEMU_CLOCK_REALTIME);

    if (cookie->type == BLOCK_ACCT_NONE) {
        return;
    }
    /* As QEMU's default (account_failed): failures count as accesses. */
    stats->failed_ops[cookie->type]++;
    stats->total_time_ns[cookie->type] += now - cookie->start_time_ns;
    stats->last_access_time_ns = now;
}

void block_acct_invalid(BlockAcctStats *stats, BlockAcctType type)
{
    stats->invalid_ops[type]++;
    stats->last_access_time_ns = qemu_clock_get_ns(QEMU_CLOCK_REALTIME);
}

void block_acct_write_end(BlockAcctStats *stats, uint64_t end_offset)
{
    if (end_offset > stats->wr_highest_offset) {
        stats->wr_highest_offset = end_offset;
    }
}

BlockDeviceStats *block_acct_stats_info(const BlockAcctStats *st)
{
    BlockDeviceStats *ds = g_new0(BlockDeviceStats, 1);

    ds->rd_bytes = st->nr_bytes[BLOCK_ACCT_READ];
    ds->wr_bytes = st->nr_bytes[BLOCK_ACCT_WRITE];
    ds->unmap_bytes = st->nr_bytes[BLOCK_ACCT_UNMAP];
    ds->rd_operations = st->nr_ops[BLOCK_ACCT_READ];
    ds->wr_operations = st->nr_ops[BLOCK_ACCT_WRITE];
    ds->flush_operations = st->nr_ops[BLOCK_ACCT_FLUSH];
    ds->unmap_operations = st->nr_ops[BLOCK_ACCT_UNMAP];
    ds->rd_total_time_ns = st->total_time_ns[BLOCK_ACCT_READ];
    ds->wr_total_time_ns = st->total_time_ns[BLOCK_ACCT_WRITE];
    ds->flush_total_time_ns = st->total_time_ns[BLOCK_ACCT_FLUSH];
    ds->unmap_total_time_ns = st->total_time_ns[BLOCK_ACCT_UNMAP];
    ds->wr_highest_offset = st->wr_highest_offset;
    ds->failed_rd_operations = st->failed_ops[BLOCK_ACCT_READ];
    ds->failed_wr_operations = st->failed_ops[BLOCK_ACCT_WRITE];
    ds->failed_flush_operations = st->failed_ops[BLOCK_ACCT_FLUSH];
    ds->failed_unmap_operations = st->failed_ops[BLOCK_ACCT_UNMAP];
    ds->invalid_rd_operations = st->invalid_ops[BLOCK_ACCT_READ];
    ds->invalid_wr_operations = st->invalid_ops[BLOCK_ACCT_WRITE];
    ds->invalid_flush_operations = st->invalid_ops[BLOCK_ACCT_FLUSH];
    ds->invalid_unmap_operations = st->invalid_ops[BLOCK_ACCT_UNMAP];
    ds->account_invalid = true;
    ds->account_failed = true;
    if (st->last_access_time_ns) {
        ds->has_idle_time_ns = true;
        ds->idle_time_ns = qemu_clock_get_ns(QEMU_CLOCK_REALTIME) -
                           st->last_access_time_ns;
    }
    return ds;
}
