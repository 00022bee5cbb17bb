/*
 * Memory API: regions (RAM, ROM, MMIO, aliases, containers) arranged in a
 * tree, flattened into a sorted view per address space for fast dispatch.
 *
 * Changes to the tree happen with the big lock held.  Readers take a
 * reference on the current FlatView (address_space_get_flatview), so a view
 * being replaced stays valid for a vCPU or worker thread still using it.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef EXEC_MEMORY_H
#define EXEC_MEMORY_H

#include "vireo/osdep.h"

typedef uint64_t hwaddr;
typedef uint64_t ram_addr_t;
#define HWADDR_PRIx PRIx64
#define RAM_ADDR_INVALID (~(ram_addr_t)0)

typedef struct Object Object;
typedef struct Error Error;
typedef struct MemoryRegion MemoryRegion;
typedef struct AddressSpace AddressSpace;
typedef struct FlatView FlatView;
typedef struct RAMBlock RAMBlock;

typedef enum MemTxResult {
    MEMTX_OK = 0,
    MEMTX_ERROR = 1 << 0,          /* device returned an error */
    MEMTX_DECODE_ERROR = 1 << 1,   /* nothing at that address */
    MEMTX_ACCESS_ERROR = 1 << 2,   /* access refused (size, alignment, RO) */
} MemTxResult;

typedef struct MemTxAttrs {
    unsigned int unspecified:1;
    unsigned int secure:1;
    unsigned int user:1;
    unsigned int requester_id:16;
} MemTxAttrs;
#define MEMTXATTRS_UNSPECIFIED ((MemTxAttrs) { .unspecified = 1 })

/* Every Vireo target and host is little-endian; NATIVE means the target's. */
enum device_endian {
    DEVICE_NATIVE_ENDIAN,
    DEVICE_BIG_ENDIAN,
    DEVICE_LITTLE_ENDIAN,
};

typedef struct MemoryRegionOps {
    uint64_t (*read)(void *opaque, hwaddr addr, unsigned size);
    void (*write)(void *opaque, hwaddr addr, uint64_t data, unsigned size);
    MemTxResult (*read_with_attrs)(void *opaque, hwaddr addr, uint64_t *data,
                                   unsigned size, MemTxAttrs attrs);
    MemTxResult (*write_with_attrs)(void *opaque, hwaddr addr, uint64_t data,
                                    unsigned size, MemTxAttrs attrs);
    enum device_endian endianness;
    /* What the guest may do; anything else fails with MEMTX_ACCESS_ERROR. */
    struct {
        unsigned min_access_size;   /* 0 means 1 */
        unsigned max_access_size;   /* 0 means 4 */
        bool unaligned;
    } valid;
    /* What the callbacks handle; the core splits or widens accesses to fit. */
    struct {
        unsigned min_access_size;   /* 0 means 1 */
        unsigned max_access_size;   /* 0 means 4 */
        bool unaligned;
    } impl;
} MemoryRegionOps;

typedef enum MemoryRegionKind {
    MR_CONTAINER,
    MR_RAM,
    MR_IO,
    MR_ALIAS,
} MemoryRegionKind;

struct RAMBlock {
    uint8_t *host;
    ram_addr_t offset;           /* position in the global RAM address space */
    uint64_t size;
    char *idstr;
    bool owns_host;              /* allocated here, freed with the block */
};

struct MemoryRegion {
    char *name;
    Object *owner;
    MemoryRegionKind kind;
    uint64_t size;
    bool readonly;               /* ROM: writes are ignored */
    bool rom_device;             /* reads from RAM, writes go to ops */
    bool enabled;
    bool terminates;             /* a leaf the flat view can point at */

    const MemoryRegionOps *ops;
    void *opaque;
    RAMBlock *ram_block;

    MemoryRegion *alias;
    hwaddr alias_offset;

    MemoryRegion *container;
    hwaddr addr;                 /* offset inside the container */
    int priority;
    GPtrArray *subregions;       /* of MemoryRegion *, highest priority first */
};

/* One contiguous piece of an address space, pointing into a leaf region. */
typedef struct FlatRange {
    hwaddr start;
    uint64_t size;
    MemoryRegion *mr;
    hwaddr offset_in_region;
    bool readonly;
} FlatRange;

struct FlatView {
    gint ref;
    FlatRange *ranges;
    unsigned nr;
};

typedef struct MemoryListener MemoryListener;
struct MemoryListener {
    /* Called with each range of the new view after every topology change. */
    void (*begin)(MemoryListener *listener);
    void (*region_add)(MemoryListener *listener, const FlatRange *fr);
    void (*region_del)(MemoryListener *listener, const FlatRange *fr);
    void (*commit)(MemoryListener *listener);
    AddressSpace *as;
};

struct AddressSpace {
    char *name;
    MemoryRegion *root;
    FlatView *current_map;
    uint64_t generation;         /* bumped each time current_map changes */
    GPtrArray *listeners;
};

/* Region set-up. */
void memory_region_init(MemoryRegion *mr, Object *owner, const char *name,
                        uint64_t size);
void memory_region_init_io(MemoryRegion *mr, Object *owner,
                           const MemoryRegionOps *ops, void *opaque,
                           const char *name, uint64_t size);
bool memory_region_init_ram(MemoryRegion *mr, Object *owner, const char *name,
                            uint64_t size, Error **errp);
void memory_region_init_ram_ptr(MemoryRegion *mr, Object *owner,
                                const char *name, uint64_t size, void *ptr);
bool memory_region_init_rom(MemoryRegion *mr, Object *owner, const char *name,
                            uint64_t size, Error **errp);
void memory_region_init_alias(MemoryRegion *mr, Object *owner,
                              const char *name, MemoryRegion *orig,
                              hwaddr offset, uint64_t size);
void memory_region_finalize(MemoryRegion *mr);

void memory_region_add_subregion(MemoryRegion *mr, hwaddr offset,
                                 MemoryRegion *subregion);
void memory_region_add_subregion_overlap(MemoryRegion *mr, hwaddr offset,
                                         MemoryRegion *subregion,
                                         int priority);
void memory_region_del_subregion(MemoryRegion *mr, MemoryRegion *subregion);
void memory_region_set_enabled(MemoryRegion *mr, bool enabled);
void memory_region_set_address(MemoryRegion *mr, hwaddr addr);
void memory_region_set_readonly(MemoryRegion *mr, bool readonly);

/* Batch several changes into one re-flattening. */
void memory_region_transaction_begin(void);
void memory_region_transaction_commit(void);

static inline uint64_t memory_region_size(const MemoryRegion *mr)
{
    return mr->size;
}
static inline const char *memory_region_name(const MemoryRegion *mr)
{
    return mr->name;
}
static inline bool memory_region_is_ram(const MemoryRegion *mr)
{
    return mr->kind == MR_RAM;
}
void *memory_region_get_ram_ptr(MemoryRegion *mr);
ram_addr_t memory_region_get_ram_addr(MemoryRegion *mr);

/* Access a region directly (used by dispatch and by tests). */
MemTxResult memory_region_dispatch_read(MemoryRegion *mr, hwaddr addr,
                                        uint64_t *data, unsigned size,
                                        MemTxAttrs attrs);
MemTxResult memory_region_dispatch_write(MemoryRegion *mr, hwaddr addr,
                                         uint64_t data, unsigned size,
                                         MemTxAttrs attrs);

/* Address spaces. */
void address_space_init(AddressSpace *as, MemoryRegion *root,
                        const char *name);
void address_space_destroy(AddressSpace *as);
FlatView *address_space_get_flatview(AddressSpace *as);
void flatview_unref(FlatView *view);
const FlatRange *flatview_lookup(const FlatView *view, hwaddr addr);

/*
 * Translate @addr: returns the leaf region and sets *xlat to the offset in
 * it and *plen to how many bytes from there stay in the same region.
 * Returns NULL when nothing is mapped at @addr.
 */
MemoryRegion *address_space_translate(AddressSpace *as, hwaddr addr,
                                      hwaddr *xlat, hwaddr *plen,
                                      bool is_write, MemTxAttrs attrs);

MemTxResult address_space_rw(AddressSpace *as, hwaddr addr, MemTxAttrs attrs,
                             void *buf, hwaddr len, bool is_write);
MemTxResult address_space_read(AddressSpace *as, hwaddr addr,
                               MemTxAttrs attrs, void *buf, hwaddr len);
MemTxResult address_space_write(AddressSpace *as, hwaddr addr,
                                MemTxAttrs attrs, const void *buf, hwaddr len);
/* Like write, but also stores into ROM (loaders use it). */
MemTxResult address_space_write_rom(AddressSpace *as, hwaddr addr,
                                    MemTxAttrs attrs, const void *buf,
                                    hwaddr len);

uint32_t address_space_ldl_le(AddressSpace *as, hwaddr addr, MemTxAttrs attrs,
                              MemTxResult *result);
uint64_t address_space_ldq_le(AddressSpace *as, hwaddr addr, MemTxAttrs attrs,
                              MemTxResult *result);
void address_space_stl_le(AddressSpace *as, hwaddr addr, uint32_t val,
                          MemTxAttrs attrs, MemTxResult *result);
void address_space_stq_le(AddressSpace *as, hwaddr addr, uint64_t val,
                          MemTxAttrs attrs, MemTxResult *result);

/*
 * DMA helper: a host pointer for [addr, addr + *plen) when it is RAM
 * (shortening *plen to the RAM run), NULL otherwise; callers then fall back
 * to address_space_rw.
 */
/* The map's generation: any thread may compare it with a cached value. */
uint64_t address_space_generation(AddressSpace *as);
/*
 * The flat range of writable RAM around @addr: guest-physical start and
 * size, host pointer to its start, and the map generation it belongs to.
 * False when @addr is not writable RAM.  RAM stays allocated when the map
 * changes, so a caller may use a window until the generation moves on.
 */
bool address_space_ram_window(AddressSpace *as, hwaddr addr, hwaddr *start,
                              uint64_t *size, uint8_t **host, uint64_t *gen);
void *address_space_map_ram(AddressSpace *as, hwaddr addr, hwaddr *plen,
                            bool is_write);

/*
 * Writes into guest RAM that do not come from the executing vCPU (device
 * DMA through address_space_write or a mapped buffer, image loaders) are
 * reported to the execution core, which drops translated code they change.
 * Whoever writes through a pointer from address_space_map_ram calls
 * address_space_notify_written for the bytes it wrote.
 */
typedef void RamWriteHook(hwaddr addr, hwaddr len);

/* The vCPU index device accesses from this thread are traced with. */
extern __thread int memory_trace_cpu_index;
void memory_set_ram_write_hook(RamWriteHook *hook);
void address_space_notify_written(AddressSpace *as, hwaddr addr, hwaddr len);

void memory_listener_register(MemoryListener *listener, AddressSpace *as);
void memory_listener_unregister(MemoryListener *listener);

/* The machine's system memory and its address space. */
MemoryRegion *get_system_memory(void);
extern AddressSpace address_space_memory;

/* `info mtree`: the region tree of every address space, as QEMU prints it. */
void mtree_info(GString *out, bool flatview);

#endif
