/*
 * qcow2 (docs/interop/qcow2.txt of QEMU): the driver's shared state and the
 * functions its files give each other.  All metadata lives under s->lock;
 * tables are kept in host byte order in memory and written through at
 * once, in an order that keeps the image consistent (refcounts before
 * references, data before the L2 entry that points to it) so a killed
 * process leaves at worst leaked clusters.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef BLOCK_QCOW2_H
#define BLOCK_QCOW2_H

#include "block/block.h"

#define QCOW_MAGIC 0x514649fb      /* "QFI\xfb" */

#define QCOW_OFLAG_COPIED     (1ull << 63)
#define QCOW_OFLAG_COMPRESSED (1ull << 62)
#define QCOW_OFLAG_ZERO       (1ull << 0)
#define L1E_OFFSET_MASK       0x00fffffffffffe00ull
#define L2E_OFFSET_MASK       0x00fffffffffffe00ull
#define REFT_OFFSET_MASK      0xfffffffffffffe00ull

#define MIN_CLUSTER_BITS 9
#define MAX_CLUSTER_BITS 21
#define QCOW_MAX_L1_SIZE       (32 * 1024 * 1024)   /* bytes */
#define QCOW_MAX_REFTABLE_SIZE (8 * 1024 * 1024)
#define QCOW_MAX_SNAPSHOTS     65536
#define QCOW_MAX_SNAPSHOTS_SIZE (64 * 1024 * 1024)
#define QCOW_MAX_BACKING_NAME  1023

#define QCOW2_INCOMPAT_DIRTY       (1ull << 0)
#define QCOW2_INCOMPAT_CORRUPT     (1ull << 1)
#define QCOW2_INCOMPAT_DATA_FILE   (1ull << 2)
#define QCOW2_INCOMPAT_COMPRESSION (1ull << 3)
#define QCOW2_INCOMPAT_EXTL2       (1ull << 4)
#define QCOW2_INCOMPAT_KNOWN       (QCOW2_INCOMPAT_DIRTY | \
                                    QCOW2_INCOMPAT_CORRUPT | \
                                    QCOW2_INCOMPAT_COMPRESSION)
#define QCOW2_COMPAT_LAZY_REFCOUNTS (1ull << 0)
#define QCOW2_AUTOCLEAR_BITMAPS     (1ull << 0)

#define QCOW2_EXT_END          0
#define QCOW2_EXT_BACKING_FMT  0xe2792aca
#define QCOW2_EXT_FEATURE_TBL  0x6803f857
#define QCOW2_EXT_CRYPTO       0x0537be77
#define QCOW2_EXT_BITMAPS      0x23852875
#define QCOW2_EXT_DATA_FILE    0x44415441

/* A header extension we do not interpret: written back unchanged. */
typedef struct Qcow2UnknownExt {
    uint32_t type;
    uint32_t len;
    uint8_t *data;
} Qcow2UnknownExt;

typedef struct QCowSnapshot {
    uint64_t l1_table_offset;
    uint32_t l1_size;
    char *id_str;
    char *name;
    uint64_t disk_size;
    uint64_t vm_state_size;
    uint32_t date_sec, date_nsec;
    uint64_t vm_clock_nsec;
    uint64_t icount;
    uint32_t extra_data_size;
    uint8_t *unknown_extra;     /* extra data beyond what we know */
} QCowSnapshot;

typedef struct Qcow2CacheEntry {
    uint64_t offset;            /* 0: unused */
    uint64_t lru;
    void *table;
} Qcow2CacheEntry;

typedef struct Qcow2Cache {
    int size;
    int table_size;             /* bytes */
    uint64_t lru_counter;
    Qcow2CacheEntry *entries;
} Qcow2Cache;

/* Guest range whose new clusters are being written with the lock
 * dropped: other writers of the range wait for it. */
typedef struct Qcow2InFlight {
    uint64_t start, end;
} Qcow2InFlight;

typedef struct BDRVQcow2State {
    GMutex lock;
    GCond inflight_cond;
    GPtrArray *inflight;        /* of Qcow2InFlight */
    BlockDriverState *bs;
    int cluster_bits;
    int64_t cluster_size;
    int l2_bits;                /* log2 entries per L2 table */
    int64_t l2_size;            /* entries per L2 table */
    int csize_shift, csize_mask;    /* compressed descriptor layout */
    uint64_t cluster_offset_mask;

    uint32_t version;
    uint64_t size;              /* guest bytes */
    uint64_t incompat, compat, autoclear;
    uint32_t header_length;
    uint8_t compression_type;

    uint64_t *l1_table;
    uint32_t l1_size;
    uint64_t l1_table_offset;

    uint64_t *refcount_table;
    uint32_t refcount_table_size;   /* entries */
    uint64_t refcount_table_offset;
    int refcount_order, refcount_bits;
    uint64_t refcount_max;
    int refblock_bits;          /* log2 entries per refcount block */

    QCowSnapshot *snapshots;
    uint32_t nb_snapshots;
    uint64_t snapshots_offset;
    uint64_t snapshots_size;    /* bytes the table takes */

    Qcow2UnknownExt *unknown_exts;
    int nb_unknown_exts;
    bool has_feature_table;

    Qcow2Cache l2_cache;
    Qcow2Cache refblock_cache;

    uint64_t free_cluster_index;    /* allocation starts searching here */
    uint64_t free_byte_offset;      /* compressed packing position */
    uint64_t file_length;           /* size of the image file, tracked */
    bool discard_passthrough;
    bool repair_mode;           /* opened by check: tolerate corruption */
} BDRVQcow2State;

static inline void stq_be_p(void *p, uint64_t v)
{
    v = GUINT64_TO_BE(v);
    memcpy(p, &v, 8);
}

static inline void stl_be_p(void *p, uint32_t v)
{
    v = GUINT32_TO_BE(v);
    memcpy(p, &v, 4);
}

static inline void stw_be_p(void *p, uint16_t v)
{
    v = GUINT16_TO_BE(v);
    memcpy(p, &v, 2);
}

static inline uint64_t ldq_be_p(const void *p)
{
    uint64_t v;

    memcpy(&v, p, 8);
    return GUINT64_FROM_BE(v);
}

static inline uint32_t ldl_be_p(const void *p)
{
    uint32_t v;

    memcpy(&v, p, 4);
    return GUINT32_FROM_BE(v);
}

static inline uint16_t lduw_be_p(const void *p)
{
    uint16_t v;

    memcpy(&v, p, 2);
    return GUINT16_FROM_BE(v);
}

/* Host offset -> cluster index and back. */
static inline uint64_t qcow2_cluster_index(BDRVQcow2State *s, uint64_t off)
{
    return off >> s->cluster_bits;
}

static inline bool qcow2_aligned(BDRVQcow2State *s, uint64_t off)
{
    return (off & (s->cluster_size - 1)) == 0;
}

/* Cluster types of an L2 entry. */
typedef enum Qcow2ClusterType {
    QCOW2_CLUSTER_UNALLOCATED,
    QCOW2_CLUSTER_ZERO_PLAIN,   /* zero flag, no host cluster */
    QCOW2_CLUSTER_ZERO_ALLOC,   /* zero flag, host cluster kept */
    QCOW2_CLUSTER_NORMAL,
    QCOW2_CLUSTER_COMPRESSED,
} Qcow2ClusterType;

Qcow2ClusterType qcow2_get_cluster_type(BDRVQcow2State *s, uint64_t l2e);
/* Host range of a compressed entry: start and length in bytes. */
void qcow2_compressed_range(BDRVQcow2State *s, uint64_t l2e,
                            uint64_t *start, uint64_t *len);

/* qcow2.c */
int qcow2_update_header(BlockDriverState *bs);
int qcow2_write_l1_entry(BlockDriverState *bs, int index);
int qcow2_grow_l1_table(BlockDriverState *bs, uint64_t min_size, bool exact);
int qcow2_signal_corruption(BlockDriverState *bs, const char *fmt, ...)
    VIREO_PRINTF(2, 3);
/* Is [offset, offset + bytes) inside the image file?  Looks at the file
 * again before saying no: another process may have grown it. */
bool qcow2_in_file(BlockDriverState *bs, uint64_t offset, uint64_t bytes);
/* A metadata table offset/size must be cluster-aligned and in the file. */
bool qcow2_table_valid(BDRVQcow2State *s, uint64_t offset, uint64_t bytes);

/* qcow2-cache.c */
void qcow2_cache_init(Qcow2Cache *c, int size, int table_size);
void qcow2_cache_destroy(Qcow2Cache *c);
/* The table at @offset, read through the cache (into *table). */
int qcow2_cache_get(BlockDriverState *bs, Qcow2Cache *c, uint64_t offset,
                    void **table, bool read);
void qcow2_cache_discard(Qcow2Cache *c, uint64_t offset);
void qcow2_cache_clear(Qcow2Cache *c);

/* qcow2-refcount.c */
int qcow2_refcount_init(BlockDriverState *bs);
int qcow2_get_refcount(BlockDriverState *bs, uint64_t cluster_index,
                       uint64_t *refcount);
int qcow2_update_refcount(BlockDriverState *bs, uint64_t offset,
                          uint64_t length, int64_t addend);
/* Allocate @size bytes of whole clusters; returns offset or -errno. */
int64_t qcow2_alloc_clusters(BlockDriverState *bs, uint64_t size);
/* Bytes for a compressed cluster, packed into shared clusters. */
int64_t qcow2_alloc_bytes(BlockDriverState *bs, int size);
void qcow2_free_clusters(BlockDriverState *bs, uint64_t offset,
                         uint64_t size);
/* Drop one reference of whatever an L2 entry points to. */
void qcow2_free_any_cluster(BlockDriverState *bs, uint64_t l2e);
int qcow2_check_refcounts(BlockDriverState *bs, BdrvCheckResult *res,
                          int fix);
/* Rewrite all refcounts in another width (amend refcount_bits). */
int qcow2_change_refcount_order(BlockDriverState *bs, int new_order,
                                Error **errp);
/* Add @addend to the refcounts of an L1 tree (snapshots); with 0, set
 * the COPIED flags of the active tree from the refcounts instead. */
int qcow2_update_tree_refcount(BlockDriverState *bs, uint64_t l1_offset,
                               uint32_t l1_size, int addend);
/* The same for an L1 table in memory (host order; changed for addend 0). */
int qcow2_update_tree_refcount_l1(BlockDriverState *bs, uint64_t *l1,
                                  uint32_t l1_size, int addend);
/* Refuse a host range overlapping metadata (damaged refcounts). */
int qcow2_check_metadata_overlap(BlockDriverState *bs, uint64_t offset,
                                 uint64_t size);

/* qcow2-cluster.c */
/* With the lock held: wait until no allocating write overlaps the range. */
void qcow2_wait_inflight(BDRVQcow2State *s, uint64_t start, uint64_t end);
int qcow2_get_l2_entry(BlockDriverState *bs, uint64_t guest_off,
                       uint64_t *l2e);
int qcow2_preadv(BlockDriverState *bs, int64_t offset, int64_t bytes,
                 struct iovec *iov, int niov);
int qcow2_pwritev(BlockDriverState *bs, int64_t offset, int64_t bytes,
                  struct iovec *iov, int niov, int flags);
int qcow2_pdiscard(BlockDriverState *bs, int64_t offset, int64_t bytes);
int qcow2_pwrite_zeroes(BlockDriverState *bs, int64_t offset, int64_t bytes,
                        int flags);
int qcow2_block_status(BlockDriverState *bs, int64_t offset, int64_t bytes,
                       int64_t *pnum, int64_t *map, BlockDriverState **file);
/* Make every guest cluster unallocated (commit). */
int qcow2_make_empty(BlockDriverState *bs);
/* Clear guest clusters from @offset to the end (shrink). */
int qcow2_discard_from(BlockDriverState *bs, uint64_t offset);
/* Allocate every cluster up to @size (preallocation=metadata). */
int qcow2_preallocate(BlockDriverState *bs, uint64_t from, uint64_t to);

/* qcow2-snapshot.c */
int qcow2_read_snapshots(BlockDriverState *bs, Error **errp);
void qcow2_free_snapshots(BDRVQcow2State *s);
int qcow2_snapshot_create(BlockDriverState *bs, QEMUSnapshotInfo *sn,
                          Error **errp);
int qcow2_snapshot_goto(BlockDriverState *bs, const char *id, Error **errp);
int qcow2_snapshot_delete(BlockDriverState *bs, const char *id,
                          Error **errp);
int qcow2_snapshot_list(BlockDriverState *bs, QEMUSnapshotInfo **list);
int qcow2_snapshot_load_tmp(BlockDriverState *bs, const char *id,
                            const char *name, Error **errp);

#endif
