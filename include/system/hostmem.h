/*
 * Host memory backends: guest RAM as a user-creatable object
 * (-object memory-backend-ram|file|memfd,id=,size=) that a machine maps.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef SYSTEM_HOSTMEM_H
#define SYSTEM_HOSTMEM_H

#include "qom/object.h"
#include "exec/memory.h"

#define TYPE_MEMORY_BACKEND "memory-backend"
#define TYPE_MEMORY_BACKEND_RAM "memory-backend-ram"
#define TYPE_MEMORY_BACKEND_FILE "memory-backend-file"
#define TYPE_MEMORY_BACKEND_MEMFD "memory-backend-memfd"

typedef struct HostMemoryBackend {
    Object parent;
    uint64_t size;
    bool merge, dump, share, prealloc, reserve;
    bool readonly_map;      /* guest writes are ignored (a ROM) */
    bool is_mapped;
    MemoryRegion mr;
    void *host;
} HostMemoryBackend;

typedef struct HostMemoryBackendClass {
    ObjectClass parent_class;
    /* Map backend->size bytes; the base class unmaps them at finalize. */
    void *(*map)(HostMemoryBackend *backend, Error **errp);
} HostMemoryBackendClass;

DECLARE_OBJ_CHECKERS(HostMemoryBackend, HostMemoryBackendClass,
                     MEMORY_BACKEND, TYPE_MEMORY_BACKEND)

MemoryRegion *host_memory_backend_get_memory(HostMemoryBackend *backend);
uint64_t host_memory_backend_get_size(HostMemoryBackend *backend);
bool host_memory_backend_is_mapped(HostMemoryBackend *backend);
void host_memory_backend_set_mapped(HostMemoryBackend *backend, bool mapped);
/* MAP_SHARED/MAP_PRIVATE and MAP_NORESERVE as the properties ask. */
int host_memory_backend_mmap_flags(HostMemoryBackend *backend);
/* A RAM backend for a machine's default RAM, named @id under /objects. */
Object *host_memory_backend_new_ram(const char *id, uint64_t size,
                                    Error **errp);

#endif
