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
    BLOCK_ACCT_UNMAP, BLOCK_MAX_IOTYPE,
} BlockAcctType;

typedef struct BlockAcctStats {
    uint64_t nr_bytes[BLOCK_MAX_IOTYPE];
    uint64_t nr_ops[BLOCK_MAX_IOTYPE];
    uint64_t failed_ops[BLOCK_MAX_IOTYPE];
    uint64_t invalid_ops[BLOCK_MAX_IOTYPE];
    uint64_t total_time_ns[BLOCK_MAX_IOTYPE];
    int64_t last_access_time_ns;    /* 0: no I/O yet */
    uint64_t wr_highest_offset;
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
/* The QMP view of @stats. */
BlockDeviceStats *block_acct_stats_info(const BlockAcctStats *stats);

#endif
