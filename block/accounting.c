/*
 * Block device I/O accounting: counters, times and latency histograms
 * per request type.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/timer.h"
#include "qapi/util.h"
#include "block/accounting.h"

void block_acct_start(BlockAcctStats *stats, BlockAcctCookie *cookie,
                      int64_t bytes, BlockAcctType type)
{
    cookie->bytes = bytes;
    cookie->type = type;
    cookie->start_time_ns = qemu_clock_get_ns(QEMU_CLOCK_REALTIME);
}

/* Count @latency_ns in its bin: the one after the last boundary not
 * above it. */
static void histogram_account(BlockLatencyHistogram *hist, int64_t latency_ns)
{
    int lo = 0, hi = hist->nbins - 1;

    if (!hist->nbins || latency_ns < 0) {
        return;
    }
    while (lo < hi) {
        int mid = (lo + hi) / 2;

        if ((uint64_t)latency_ns < hist->boundaries[mid]) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    hist->bins[lo]++;
}

void block_acct_done(BlockAcctStats *stats, BlockAcctCookie *cookie)
{
    int64_t now = qemu_clock_get_ns(QEMU_CLOCK_REALTIME);

    if (cookie->type == BLOCK_ACCT_NONE) {
        return;
    }
    histogram_account(&stats->latency_histogram[cookie->type],
                      now - cookie->start_time_ns);
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
    /* As QEMU's default (account_failed): failures count as accesses,
     * and their latencies too. */
    histogram_account(&stats->latency_histogram[cookie->type],
                      now - cookie->start_time_ns);
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

int block_latency_histogram_set(BlockAcctStats *stats, BlockAcctType type,
                                uint64List *boundaries)
{
    BlockLatencyHistogram *hist = &stats->latency_histogram[type];
    uint64_t prev = 0;
    int n = 1;

    for (uint64List *l = boundaries; l; l = l->next, n++) {
        if (l->value <= prev) {
            return -EINVAL;
        }
        prev = l->value;
    }
    g_free(hist->boundaries);
    g_free(hist->bins);
    hist->nbins = n;
    hist->boundaries = g_new(uint64_t, MAX(n - 1, 1));
    hist->bins = g_new0(uint64_t, n);
    n = 0;
    for (uint64List *l = boundaries; l; l = l->next) {
        hist->boundaries[n++] = l->value;
    }
    return 0;
}

void block_latency_histograms_clear(BlockAcctStats *stats)
{
    for (int i = 0; i < BLOCK_MAX_IOTYPE; i++) {
        BlockLatencyHistogram *hist = &stats->latency_histogram[i];

        g_free(hist->boundaries);
        g_free(hist->bins);
        *hist = (BlockLatencyHistogram) { 0 };
    }
}

static BlockLatencyHistogramInfo *
histogram_info(const BlockLatencyHistogram *hist)
{
    BlockLatencyHistogramInfo *info;

    if (!hist->nbins) {
        return NULL;
    }
    info = g_new0(BlockLatencyHistogramInfo, 1);
    for (int i = hist->nbins - 1; i >= 0; i--) {
        QAPI_LIST_PREPEND(info->bins, hist->bins[i]);
        if (i > 0) {
            QAPI_LIST_PREPEND(info->boundaries, hist->boundaries[i - 1]);
        }
    }
    return info;
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
    ds->rd_latency_histogram =
        histogram_info(&st->latency_histogram[BLOCK_ACCT_READ]);
    ds->wr_latency_histogram =
        histogram_info(&st->latency_histogram[BLOCK_ACCT_WRITE]);
    ds->zone_append_latency_histogram =
        histogram_info(&st->latency_histogram[BLOCK_ACCT_ZONE_APPEND]);
    ds->flush_latency_histogram =
        histogram_info(&st->latency_histogram[BLOCK_ACCT_FLUSH]);
    if (st->last_access_time_ns) {
        ds->has_idle_time_ns = true;
        ds->idle_time_ns = qemu_clock_get_ns(QEMU_CLOCK_REALTIME) -
                           st->last_access_time_ns;
    }
    return ds;
}
