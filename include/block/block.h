/*
 * The block layer's node graph.  A BlockDriverState (node) is an open image
 * or protocol endpoint with a driver; format nodes read their data through
 * a 'file' child and may have a 'backing' child.  Driver I/O callbacks are
 * blocking: the tools call them directly, the emulator from worker threads
 * (block-backend.h), so drivers protect shared metadata with a mutex.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef BLOCK_BLOCK_H
#define BLOCK_BLOCK_H

#include "vireo/osdep.h"
#include "vireo/error.h"
#include "vireo/queue.h"
#include <sys/uio.h>
#include "qobject/qdict.h"

#define BDRV_SECTOR_SIZE 512
#define BDRV_MAX_LENGTH  (INT64_MAX / 2)

typedef struct BlockDriver BlockDriver;
typedef struct BlockDriverState BlockDriverState;

/* Flags of bdrv_pwrite_zeroes / pwritev. */
#define BDRV_REQ_MAY_UNMAP          0x1
#define BDRV_REQ_WRITE_COMPRESSED   0x2   /* whole clusters, qcow2 */
#define BDRV_REQ_NO_FALLBACK        0x4   /* zeroes only if cheap */
/* Reads (bdrv_preadv_flags): data that comes from below the node (its
 * backing chain) is also written into it, as QEMU's flag. */
#define BDRV_REQ_COPY_ON_READ       0x8

/* Permissions (QEMU's BLK_PERM_*): what a user does and what it lets others
 * do; the file driver turns them into OFD locks shared with QEMU. */
enum {
    BLK_PERM_CONSISTENT_READ = 0x01,
    BLK_PERM_WRITE           = 0x02,
    BLK_PERM_WRITE_UNCHANGED = 0x04,
    BLK_PERM_RESIZE          = 0x08,
    BLK_PERM_GRAPH_MOD       = 0x10,
    BLK_PERM_ALL             = 0x1f,
};

/* Results of bdrv_block_status (QEMU's BDRV_BLOCK_*). */
#define BDRV_BLOCK_DATA          0x01
#define BDRV_BLOCK_ZERO          0x02
#define BDRV_BLOCK_OFFSET_VALID  0x04
#define BDRV_BLOCK_ALLOCATED     0x10   /* decided by this node, not backing */
#define BDRV_BLOCK_COMPRESSED    0x40

/*
 * Points in the drivers where a blkdebug node below can inject errors or
 * change its state: QEMU's BlkdebugEvent, same order and names
 * (bdrv_debug_event_name()).  Drivers fire them on the child they are
 * about to use, as QEMU's BLKDBG_EVENT(child, event).
 */
typedef enum BdrvDebugEvent {
    BLKDBG_L1_UPDATE, BLKDBG_L1_GROW_ALLOC_TABLE, BLKDBG_L1_GROW_WRITE_TABLE,
    BLKDBG_L1_GROW_ACTIVATE_TABLE, BLKDBG_L2_LOAD, BLKDBG_L2_UPDATE,
    BLKDBG_L2_UPDATE_COMPRESSED, BLKDBG_L2_ALLOC_COW_READ,
    BLKDBG_L2_ALLOC_WRITE, BLKDBG_READ_AIO, BLKDBG_READ_BACKING_AIO,
    BLKDBG_READ_COMPRESSED, BLKDBG_WRITE_AIO, BLKDBG_WRITE_COMPRESSED,
    BLKDBG_VMSTATE_LOAD, BLKDBG_VMSTATE_SAVE, BLKDBG_COW_READ,
    BLKDBG_COW_WRITE, BLKDBG_REFTABLE_LOAD, BLKDBG_REFTABLE_GROW,
    BLKDBG_REFTABLE_UPDATE, BLKDBG_REFBLOCK_LOAD, BLKDBG_REFBLOCK_UPDATE,
    BLKDBG_REFBLOCK_UPDATE_PART, BLKDBG_REFBLOCK_ALLOC,
    BLKDBG_REFBLOCK_ALLOC_HOOKUP, BLKDBG_REFBLOCK_ALLOC_WRITE,
    BLKDBG_REFBLOCK_ALLOC_WRITE_BLOCKS, BLKDBG_REFBLOCK_ALLOC_WRITE_TABLE,
    BLKDBG_REFBLOCK_ALLOC_SWITCH_TABLE, BLKDBG_CLUSTER_ALLOC,
    BLKDBG_CLUSTER_ALLOC_BYTES, BLKDBG_CLUSTER_FREE, BLKDBG_FLUSH_TO_OS,
    BLKDBG_FLUSH_TO_DISK, BLKDBG_PWRITEV_RMW_HEAD,
    BLKDBG_PWRITEV_RMW_AFTER_HEAD, BLKDBG_PWRITEV_RMW_TAIL,
    BLKDBG_PWRITEV_RMW_AFTER_TAIL, BLKDBG_PWRITEV, BLKDBG_PWRITEV_ZERO,
    BLKDBG_PWRITEV_DONE, BLKDBG_EMPTY_IMAGE_PREPARE,
    BLKDBG_L1_SHRINK_WRITE_TABLE, BLKDBG_L1_SHRINK_FREE_L2_CLUSTERS,
    BLKDBG_COR_WRITE, BLKDBG_CLUSTER_ALLOC_SPACE, BLKDBG_NONE,
    BLKDBG__MAX
} BdrvDebugEvent;

/* Preallocation modes of create and truncate. */
typedef enum PreallocMode {
    PREALLOC_MODE_OFF, PREALLOC_MODE_METADATA, PREALLOC_MODE_FALLOC,
    PREALLOC_MODE_FULL,
} PreallocMode;
int prealloc_mode_from_str(const char *s);
const char *prealloc_mode_str(PreallocMode mode);

/* A write or a copy-on-read in flight on a node (block.c). */
typedef struct BdrvTrackedRequest {
    int64_t start, end;
    bool serialising;           /* copy-on-read: overlaps nothing */
    QLIST_ENTRY(BdrvTrackedRequest) next;
} BdrvTrackedRequest;

typedef struct BdrvChild {
    char *name;                 /* "file", "backing" */
    BlockDriverState *bs;
    uint64_t perm, shared;      /* what the parent took / allows */
    QLIST_ENTRY(BdrvChild) next;        /* in the parent's children */
    QLIST_ENTRY(BdrvChild) next_parent; /* in the child's parents */
} BdrvChild;

/* One internal snapshot as the tools list it. */
typedef struct QEMUSnapshotInfo {
    char id_str[128];
    char name[256];
    uint64_t vm_state_size;
    uint32_t date_sec, date_nsec;
    uint64_t vm_clock_nsec;
    uint64_t icount;            /* -1: not recorded */
} QEMUSnapshotInfo;

/* Result of a consistency check (QEMU's BdrvCheckResult). */
typedef struct BdrvCheckResult {
    int corruptions, leaks, check_errors;
    int corruptions_fixed, leaks_fixed;
    int64_t image_end_offset;
    int64_t total_clusters, allocated_clusters;
    int64_t fragmented_clusters, compressed_clusters;
} BdrvCheckResult;

#define BDRV_FIX_LEAKS  0x1
#define BDRV_FIX_ERRORS 0x2

struct BlockDriver {
    const char *format_name;
    size_t instance_size;
    bool is_format;             /* reads through a 'file' child */
    /* Shows its 'file' child's data unchanged (blkdebug, throttle,
     * copy-on-read): allocation is the child's, and the backing chain
     * continues below it. */
    bool is_filter;
    bool grows_on_write;        /* I/O past the end is allowed (files) */
    /* "name:rest" filenames open this driver (blkdebug:...); the driver's
     * parse_filename turns the name into its options. */
    const char *protocol_name;
    void (*parse_filename)(const char *filename, QDict *options,
                           Error **errp);
    /* Bytes a format header starts with: a score, 0 = not mine. */
    int (*probe)(const uint8_t *buf, int len, const char *filename);
    /* Open @bs from what is left of @options after the generic keys. */
    int (*open)(BlockDriverState *bs, QDict *options, Error **errp);
    void (*close)(BlockDriverState *bs);
    /* Blocking I/O: 0 or -errno; requests are within the size. */
    int (*preadv)(BlockDriverState *bs, int64_t offset, int64_t bytes,
                  struct iovec *iov, int niov);
    int (*pwritev)(BlockDriverState *bs, int64_t offset, int64_t bytes,
                   struct iovec *iov, int niov, int flags);
    int (*flush)(BlockDriverState *bs);
    int (*pdiscard)(BlockDriverState *bs, int64_t offset, int64_t bytes);
    int (*pwrite_zeroes)(BlockDriverState *bs, int64_t offset, int64_t bytes,
                         int flags);
    /* Allocation of [offset, offset + bytes): BDRV_BLOCK_* flags, *pnum
     * bytes alike, *map the host offset in *file when OFFSET_VALID. */
    int (*block_status)(BlockDriverState *bs, int64_t offset, int64_t bytes,
                        int64_t *pnum, int64_t *map,
                        BlockDriverState **file);
    int64_t (*getlength)(BlockDriverState *bs);
    int (*truncate)(BlockDriverState *bs, int64_t offset, bool exact,
                    PreallocMode prealloc, Error **errp);
    int64_t (*get_allocated_file_size)(BlockDriverState *bs);
    /* Lock the file for @perm, leaving @shared to others (file driver). */
    int (*set_perm)(BlockDriverState *bs, uint64_t perm, uint64_t shared,
                    Error **errp);
    /* Image creation on a protocol node (format) or a filename (protocol);
     * @opts holds "-o" style keys as strings, consumed. */
    int (*create)(const char *filename, QDict *opts, Error **errp);
    int (*check)(BlockDriverState *bs, BdrvCheckResult *res, int fix);
    /* Drop all data so the backing file shows through (commit). */
    int (*make_empty)(BlockDriverState *bs);
    int (*amend)(BlockDriverState *bs, QDict *opts, bool force,
                 Error **errp);
    /* A driver event happened on this node (blkdebug acts on it). */
    void (*debug_event)(BlockDriverState *bs, BdrvDebugEvent event);
    /* qemu-io's breakpoints (blkdebug): 0 or -errno (-ENOENT: no such
     * event or tag). */
    int (*debug_breakpoint)(BlockDriverState *bs, const char *event,
                            const char *tag);
    int (*debug_remove_breakpoint)(BlockDriverState *bs, const char *tag);
    int (*debug_resume)(BlockDriverState *bs, const char *tag);
    bool (*debug_is_suspended)(BlockDriverState *bs, const char *tag);
    /* Human and JSON details of qemu-img info ("format-specific"). */
    QDict *(*get_specific_info)(BlockDriverState *bs);
    int (*get_cluster_size)(BlockDriverState *bs);
    /* Internal snapshots. */
    int (*snapshot_create)(BlockDriverState *bs, QEMUSnapshotInfo *sn,
                           Error **errp);
    int (*snapshot_goto)(BlockDriverState *bs, const char *id_or_name,
                         Error **errp);
    int (*snapshot_delete)(BlockDriverState *bs, const char *id_or_name,
                           Error **errp);
    int (*snapshot_list)(BlockDriverState *bs, QEMUSnapshotInfo **list);
    /* Read-only nodes: show a snapshot's contents until closed
     * (convert -l). */
    int (*snapshot_load_tmp)(BlockDriverState *bs, const char *id,
                             const char *name, Error **errp);
    /* Keys of "create -o" this driver knows, for errors and "help". */
    const char *const *create_opts;
    QLIST_ENTRY(BlockDriver) list;
};

struct BlockDriverState {
    BlockDriver *drv;
    void *opaque;               /* the driver's instance state */
    char node_name[32];
    bool auto_named;            /* "#blockN" */
    char filename[4096];
    char backing_file[4096];    /* as recorded in the image */
    char backing_format[32];
    bool read_only;
    bool cache_direct, cache_no_flush;
    bool discard_unmap;         /* discard=unmap */
    enum {
        BDRV_DETECT_ZEROES_OFF, BDRV_DETECT_ZEROES_ON, BDRV_DETECT_ZEROES_UNMAP
    } detect_zeroes;
    bool encrypted;
    bool corrupt;               /* metadata damaged: writes refused */
    /* Reads copy what comes from the backing chain into this node (QEMU's
     * BDRV_O_COPY_ON_READ: -drive copy-on-read=on, qemu-io -C). */
    bool copy_on_read;
    /* Writes and copy-on-read populations in flight: a population waits
     * for the writes overlapping its clusters and holds new ones off, so
     * the copy of old data never lands over a newer write. */
    GMutex reqs_lock;
    GCond reqs_cond;
    int reqs_waiters;           /* threads waiting on reqs_cond */
    QLIST_HEAD(, BdrvTrackedRequest) tracked_requests;
    uint64_t write_threshold;   /* 0: none; accessed atomically */
    int refcnt;
    uint64_t perm, shared;      /* union over parents */
    int64_t total_sectors;      /* size in sectors, cached by drivers */
    QDict *options;             /* what the node was opened with */
    BdrvChild *file;
    BdrvChild *backing;
    QLIST_HEAD(, BdrvChild) children;
    QLIST_HEAD(, BdrvChild) parents;
    QTAILQ_ENTRY(BlockDriverState) node_list;
};

/*
 * Write threshold (block-set-write-threshold): the first write reaching
 * past @threshold disarms it and calls the notifier the emulator set
 * (from the worker thread doing the write).
 */
typedef void BdrvWriteThresholdNotify(BlockDriverState *bs, uint64_t amount,
                                      uint64_t threshold);
void bdrv_set_write_threshold_notify(BdrvWriteThresholdNotify *fn);
void bdrv_write_threshold_set(BlockDriverState *bs, uint64_t threshold);
uint64_t bdrv_write_threshold_get(BlockDriverState *bs);
void bdrv_write_threshold_check(BlockDriverState *bs, int64_t offset,
                                int64_t bytes);

void bdrv_register(BlockDriver *drv);
BlockDriver *bdrv_find_format(const char *name);
/* Would @buf be taken for an image format other than raw? */
bool bdrv_probe_non_raw(const uint8_t *buf, int len, const char *filename);
/* The driver a "name:..." filename names through its protocol prefix, or
 * NULL (a plain file name). */
BlockDriver *bdrv_find_protocol(const char *filename);
/* Guess the format of a protocol node from its first bytes ("raw"). */
BlockDriver *bdrv_probe_format(BlockDriverState *file, Error **errp);

/*
 * Open a node from -blockdev style options (consumed): "driver",
 * "node-name", "read-only", "cache": {"direct", "no-flush"}, "discard",
 * "force-share", the driver's keys, and children as nested dicts or node
 * names.  bdrv_open_image() adds the legacy conveniences: a filename, a
 * probed format when "driver" is absent, and the image's backing file.
 */
BlockDriverState *bdrv_open(QDict *options, Error **errp);
BlockDriverState *bdrv_open_image(const char *filename, const char *fmt,
                                  QDict *options, bool writable,
                                  bool no_backing, Error **errp);
/* For drivers: open the child @key of @parent (a node name or an inline
 * definition), popping it from @options. */
BdrvChild *bdrv_open_child(BlockDriverState *parent, QDict *options,
                           const char *key, uint64_t perm, uint64_t shared,
                           Error **errp);
/* Attach/replace @parent's backing child (NULL detaches). */
bool bdrv_set_backing_hd(BlockDriverState *parent, BlockDriverState *backing,
                         Error **errp);
/* Open the backing file @parent's image names (formats call this). */
int bdrv_open_backing_file(BlockDriverState *parent, QDict *options,
                           Error **errp);
/* Permissions a format node takes on its 'file' child: what QEMU takes
 * (write and resize when writable, others may only read). */
void bdrv_file_child_perms(BlockDriverState *bs, QDict *options,
                           uint64_t *perm, uint64_t *shared);
/* Recompute @bs's permissions from its parents and relock the file. */
int bdrv_refresh_perms(BlockDriverState *bs, Error **errp);
void bdrv_ref(BlockDriverState *bs);
void bdrv_unref(BlockDriverState *bs);

BlockDriverState *bdrv_find_node(const char *node_name);
/* Iterate over all nodes: pass NULL first. */
BlockDriverState *bdrv_next_node(BlockDriverState *bs);

/* Blocking I/O.  Requests beyond the end fail with -EIO, writes to a
 * read-only or corrupt node with -EPERM / -EACCES. */
int bdrv_preadv(BlockDriverState *bs, int64_t offset, int64_t bytes,
                struct iovec *iov, int niov);
/* With BDRV_REQ_COPY_ON_READ (implied on a copy_on_read node). */
int bdrv_preadv_flags(BlockDriverState *bs, int64_t offset, int64_t bytes,
                      struct iovec *iov, int niov, int flags);
int bdrv_pwritev(BlockDriverState *bs, int64_t offset, int64_t bytes,
                 struct iovec *iov, int niov, int flags);
int bdrv_pread(BlockDriverState *bs, int64_t offset, int64_t bytes,
               void *buf);
int bdrv_pwrite(BlockDriverState *bs, int64_t offset, int64_t bytes,
                const void *buf);
int bdrv_flush(BlockDriverState *bs);
int bdrv_pdiscard(BlockDriverState *bs, int64_t offset, int64_t bytes);
int bdrv_pwrite_zeroes(BlockDriverState *bs, int64_t offset, int64_t bytes,
                       int flags);
/* Allocation status; without a driver hook everything is data. */
int bdrv_block_status(BlockDriverState *bs, int64_t offset, int64_t bytes,
                      int64_t *pnum, int64_t *map, BlockDriverState **file);
/* As above through the backing chain: unallocated areas are looked up
 * in the backing nodes down to (not including) @base; *depth counts the
 * nodes passed. */
int bdrv_block_status_above(BlockDriverState *bs, BlockDriverState *base,
                            int64_t offset, int64_t bytes, int64_t *pnum,
                            int64_t *map, BlockDriverState **file,
                            int *depth);

int64_t bdrv_getlength(BlockDriverState *bs);
int bdrv_truncate(BlockDriverState *bs, int64_t offset, bool exact,
                  PreallocMode prealloc, Error **errp);
/*
 * For filter drivers (their data is their 'file' child's at the same
 * offsets): allocation and resizing are the child's.
 */
int bdrv_filter_block_status(BlockDriverState *bs, int64_t offset,
                             int64_t bytes, int64_t *pnum, int64_t *map,
                             BlockDriverState **file);
int bdrv_filter_truncate(BlockDriverState *bs, int64_t offset, bool exact,
                         PreallocMode prealloc, Error **errp);
int64_t bdrv_get_allocated_file_size(BlockDriverState *bs);
const char *bdrv_get_format_name(BlockDriverState *bs);
/* Create an image: the protocol file first, then the format on it. */
int bdrv_create(const char *fmt, const char *filename, QDict *opts,
                Error **errp);
/* QEMU's BDRV_O_COPY_ON_READ on an open node: every read of @bs copies
 * what comes from its backing chain into it.  A read-only node fails with
 * QEMU's "Can't use copy-on-read on read-only device". */
bool bdrv_enable_copy_on_read(BlockDriverState *bs, Error **errp);
/* The host file descriptor of a 'file' node, else -1 (tools that map an
 * image's file to read it without a copy). */
int bdrv_file_get_fd(BlockDriverState *bs);
/* Mark @bs corrupt (the format decided its metadata is inconsistent). */
void bdrv_mark_corrupt(BlockDriverState *bs, const char *why);

/* Tell @bs about @event if it listens (blkdebug); BLKDBG_EVENT fires it
 * on a child edge. */
void bdrv_debug_event(BlockDriverState *bs, BdrvDebugEvent event);
#define BLKDBG_EVENT(child, event) \
    do { \
        if (child) { \
            bdrv_debug_event((child)->bs, (event)); \
        } \
    } while (0)
/*
 * Breakpoints on the first node at or below @bs (through 'file' children)
 * that has them (blkdebug), else -ENOTSUP: a request that fires @event
 * there stops until bdrv_debug_resume(@tag); remove_breakpoint drops the
 * tag's breakpoints and resumes its requests.
 */
int bdrv_debug_breakpoint(BlockDriverState *bs, const char *event,
                          const char *tag);
int bdrv_debug_remove_breakpoint(BlockDriverState *bs, const char *tag);
int bdrv_debug_resume(BlockDriverState *bs, const char *tag);
bool bdrv_debug_is_suspended(BlockDriverState *bs, const char *tag);
/* QEMU's wire name of @event ("write_aio"), and back (-1: unknown). */
const char *bdrv_debug_event_name(BdrvDebugEvent event);
int bdrv_debug_event_lookup(const char *name);

/* Option values arrive typed (JSON, QAPI) or as strings (keyval, config
 * files); these read either form of @key's value @o.  bdrv_opt_str wants
 * a string (@type names what was expected in the error). */
const char *bdrv_opt_str(QObject *o, const char *key, const char *type,
                         Error **errp);
bool bdrv_opt_bool(QObject *o, const char *key, bool *out, Error **errp);
bool bdrv_opt_int(QObject *o, const char *key, int64_t *out, Error **errp);
bool bdrv_opt_size(QObject *o, const char *key, uint64_t *out,
                   Error **errp);
/* Take the size option @key out of @opts; *@out is left when absent. */
bool bdrv_take_size(QDict *opts, const char *key, uint64_t *out,
                    bool *present, Error **errp);

/* iovec helpers. */
size_t bdrv_iov_size(const struct iovec *iov, int niov);
size_t bdrv_iov_to_buf(const struct iovec *iov, int niov, size_t skip,
                       void *buf, size_t len);
size_t bdrv_iov_from_buf(const struct iovec *iov, int niov, size_t skip,
                         const void *buf, size_t len);
void bdrv_iov_memset(const struct iovec *iov, int niov, size_t skip, int c,
                     size_t len);
/* Describe bytes [skip, skip + len) of a list in @out (at most @max). */
int bdrv_iov_slice(const struct iovec *iov, int niov, size_t skip,
                   size_t len, struct iovec *out, int max);
bool buffer_is_zero(const void *buf, size_t len);

#endif
