/*
 * I/O accounting of a block device, as QEMU's devices keep it: each
 * request is started with its size and type and ends done, failed or
 * invalid; query-blockstats reports the sums.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef BLOCK_ACCOUNTING_H
#define BLOCK_ACCOUNTING_H

#include "vireo/osdep.h"
#include "qapi/qapi-types-block-core.h"

typedef enum BlockAcctType {
    BLOCK_ACCT_NONE, BLOCK_ACCT_READ, BLOCK_ACCT_WRITE, BLOCK_ACCT_FLUSH,
    BLOCK_ACCT_UNMAP,
    BLOCK_ACCT_ZONE_APPEND,     /* no device issues these yet */
    BLOCK_MAX_IOTYPE,
} BlockAcctType;

/* Latencies counted in nbins bins split at nbins - 1 ascending
 * boundaries (ns); nbins == 0: no histogram. */
typedef struct BlockLatencyHistogram {
    int nbins;
    uint64_t *boundaries;
    uint64_t *bins;
} BlockLatencyHistogram;

typedef struct BlockAcctStats {
    uint64_t nr_bytes[BLOCK_MAX_IOTYPE];
    uint64_t nr_ops[BLOCK_MAX_IOTYPE];
    uint64_t failed_ops[BLOCK_MAX_IOTYPE];
    uint64_t invalid_ops[BLOCK_MAX_IOTYPE];
    uint64_t total_time_ns[BLOCK_MAX_IOTYPE];
    int64_t last_access_time_ns;    /* 0: no I/O yet */
    uint64_t wr_highest_offset;
    BlockLatencyHistogram latency_histogram[BLOCK_MAX_IOTYPE];
} BlockAcctStats;

typedef struct BlockAcctCookie {
    int64_t bytes;
    int64_t start_time_ns;
    BlockAcctType type;
} BlockAcctCookie;

void block_acct_start(BlockAcctStats *stats, BlockAcctCookie *cookie,
                      int64_t bytes, BlockAcctType type);
void block_acct_done(BlockAcctStats *stats, BlockAcctCookie *cookie);
void block_acct_failed(BlockAcctStats *stats, BlockAcctCookie *cookie);
void block_acct_invalid(BlockAcctStats *stats, BlockAcctType type);
/* A write reached @end_offset (query-blockstats' wr_highest_offset). */
void block_acct_write_end(BlockAcctStats *stats, uint64_t end_offset);
/* block-latency-histogram-set: a new histogram with empty bins, or
 * -EINVAL when @boundaries is not strictly ascending from above 0. */
int block_latency_histogram_set(BlockAcctStats *stats, BlockAcctType type,
                                uint64List *boundaries);
void block_latency_histograms_clear(BlockAcctStats *stats);
/* The QMP view of @stats. */
BlockDeviceStats *block_acct_stats_info(const BlockAcctStats *stats);

#endif
