/*
 * memory-backend: the abstract base of guest RAM backends, with QEMU's
 * common properties.  A subclass maps the memory (anonymous, a file, a
 * memfd); the base applies the hints: merge and dump become madvise()
 * calls, prealloc touches every page up front.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include <sys/mman.h>
#include "vireo/error.h"
#include "qapi/visitor.h"
#include "qom/object_interfaces.h"
#include "system/hostmem.h"

static void backend_get_size(Object *obj, Visitor *v, const char *name,
                             void *opaque, Error **errp)
{
    uint64_t value = MEMORY_BACKEND(obj)->size;

    visit_type_size(v, name, &value, errp);
}

static void backend_set_size(Object *obj, Visitor *v, const char *name,
                             void *opaque, Error **errp)
{
    HostMemoryBackend *backend = MEMORY_BACKEND(obj);
    uint64_t value;

    if (backend->host) {
        error_setg(errp, "cannot change property %s of %s ", name,
                   object_get_typename(obj));
        return;
    }
    if (!visit_type_size(v, name, &value, errp)) {
        return;
    }
    if (!value) {
        error_setg(errp, "Property '%s.%s' doesn't take value '%" PRIu64 "'",
                   object_get_typename(obj), name, value);
        return;
    }
    backend->size = value;
}

#define BACKEND_BOOL(field, propname) \
static bool backend_get_##field(Object *obj, Error **errp) \
{ \
    return MEMORY_BACKEND(obj)->field; \
} \
static void backend_set_##field(Object *obj, bool value, Error **errp) \
{ \
    HostMemoryBackend *backend = MEMORY_BACKEND(obj); \
    if (backend->host) { \
        error_setg(errp, "cannot change property '%s' of %s.", propname, \
                   object_get_typename(obj)); \
        return; \
    } \
    backend->field = value; \
}

BACKEND_BOOL(merge, "merge")
BACKEND_BOOL(dump, "dump")
BACKEND_BOOL(share, "share")
BACKEND_BOOL(prealloc, "prealloc")
BACKEND_BOOL(reserve, "reserve")

static void backend_complete(UserCreatable *uc, Error **errp)
{
    HostMemoryBackend *backend = MEMORY_BACKEND(uc);
    HostMemoryBackendClass *bc = MEMORY_BACKEND_GET_CLASS(uc);
    const char *name = object_get_canonical_path_component(OBJECT(uc));
    void *host;

    if (!backend->size) {
        error_setg(errp, "can't create backend with size 0");
        return;
    }
    host = bc->map(backend, errp);
    if (!host) {
        return;
    }
    madvise(host, backend->size, backend->merge ? MADV_MERGEABLE
                                                : MADV_UNMERGEABLE);
    if (!backend->dump) {
        madvise(host, backend->size, MADV_DONTDUMP);
    }
    if (backend->prealloc && !backend->readonly_map &&
        madvise(host, backend->size, MADV_POPULATE_WRITE) != 0) {
        /* Older kernels: touch each page. */
        long page = sysconf(_SC_PAGESIZE);
        for (uint64_t off = 0; off < backend->size; off += page) {
            ((volatile uint8_t *)host)[off] = 0;
        }
    }
    backend->host = host;
    memory_region_init_ram_ptr(&backend->mr, OBJECT(backend), name,
                               backend->size, host);
    if (backend->readonly_map) {
        memory_region_set_readonly(&backend->mr, true);
    }
}

/* Flags for mmap() common to every backend. */
int host_memory_backend_mmap_flags(HostMemoryBackend *backend)
{
    int flags = backend->share ? MAP_SHARED : MAP_PRIVATE;

    if (!backend->reserve) {
        flags |= MAP_NORESERVE;
    }
    return flags;
}

static bool backend_can_be_deleted(UserCreatable *uc)
{
    return !MEMORY_BACKEND(uc)->is_mapped;
}

static void backend_init(Object *obj)
{
    HostMemoryBackend *backend = MEMORY_BACKEND(obj);

    backend->merge = true;
    backend->dump = true;
    backend->reserve = true;
}

static void backend_finalize(Object *obj)
{
    HostMemoryBackend *backend = MEMORY_BACKEND(obj);

    if (backend->host) {
        memory_region_finalize(&backend->mr);
        munmap(backend->host, backend->size);
    }
}

MemoryRegion *host_memory_backend_get_memory(HostMemoryBackend *backend)
{
    return backend->host ? &backend->mr : NULL;
}

uint64_t host_memory_backend_get_size(HostMemoryBackend *backend)
{
    return backend->size;
}

bool host_memory_backend_is_mapped(HostMemoryBackend *backend)
{
    return backend->is_mapped;
}

void host_memory_backend_set_mapped(HostMemoryBackend *backend, bool mapped)
{
    backend->is_mapped = mapped;
}

static void backend_class_init(ObjectClass *oc, void *data)
{
    UserCreatableClass *ucc = USER_CREATABLE_CLASS(oc);

    ucc->complete = backend_complete;
    ucc->can_be_deleted = backend_can_be_deleted;
    object_class_property_add(oc, "size", "int", backend_get_size,
                              backend_set_size, NULL, NULL);
    object_class_property_set_description(oc, "size",
                                          "Size of the memory region (ex: "
                                          "500M)");
    object_class_property_add_bool(oc, "merge", backend_get_merge,
                                   backend_set_merge);
    object_class_property_set_description(oc, "merge",
                                          "Mark memory as mergeable");
    object_class_property_add_bool(oc, "dump", backend_get_dump,
                                   backend_set_dump);
    object_class_property_set_description(oc, "dump",
                                          "Set to 'off' to exclude from "
                                          "core dump");
    object_class_property_add_bool(oc, "prealloc", backend_get_prealloc,
                                   backend_set_prealloc);
    object_class_property_set_description(oc, "prealloc",
                                          "Preallocate memory");
    object_class_property_add_bool(oc, "share", backend_get_share,
                                   backend_set_share);
    object_class_property_set_description(oc, "share",
                                          "Mark the memory as private to QEMU "
                                          "or shared");
    object_class_property_add_bool(oc, "reserve", backend_get_reserve,
                                   backend_set_reserve);
    object_class_property_set_description(oc, "reserve",
                                          "Reserve swap space (or huge pages) "
                                          "if applicable");
}

static const TypeInfo hostmem_types[] = {
    {
        .name = TYPE_MEMORY_BACKEND,
        .parent = TYPE_OBJECT,
        .abstract = true,
        .class_init = backend_class_init,
        .instance_size = sizeof(HostMemoryBackend),
        .class_size = sizeof(HostMemoryBackendClass),
        .instance_init = backend_init,
        .instance_finalize = backend_finalize,
        .interfaces = (InterfaceInfo[]) {
            { TYPE_USER_CREATABLE },
            { }
        },
    },
};

DEFINE_TYPES(hostmem_types)
