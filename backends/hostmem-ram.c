/*
 * memory-backend-ram: anonymous host memory for guest RAM; share maps it
 * MAP_SHARED, reserve=off maps it MAP_NORESERVE.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include <sys/mman.h>
#include "vireo/error.h"
#include "qom/object_interfaces.h"
#include "system/hostmem.h"

static void *ram_backend_map(HostMemoryBackend *backend, Error **errp)
{
    void *host = mmap(NULL, backend->size, PROT_READ | PROT_WRITE,
                      host_memory_backend_mmap_flags(backend) | MAP_ANONYMOUS,
                      -1, 0);

    if (host == MAP_FAILED) {
        error_setg_errno(errp, errno, "cannot set up guest memory '%s'",
                         object_get_canonical_path_component(OBJECT(backend)));
        return NULL;
    }
    return host;
}

Object *host_memory_backend_new_ram(const char *id, uint64_t size,
                                    Error **errp)
{
    Object *obj = object_new(TYPE_MEMORY_BACKEND_RAM);

    MEMORY_BACKEND(obj)->size = size;
    /* QEMU keeps the machine's default RAM backend out of /objects. */
    object_property_add_child(object_get_internal_root(), id, obj);
    object_unref(obj);
    if (!user_creatable_complete(USER_CREATABLE(obj), errp)) {
        object_unparent(obj);
        return NULL;
    }
    return obj;
}

static void ram_backend_class_init(ObjectClass *oc, void *data)
{
    MEMORY_BACKEND_CLASS(oc)->map = ram_backend_map;
}

static const TypeInfo ram_backend_info = {
    .name = TYPE_MEMORY_BACKEND_RAM,
    .parent = TYPE_MEMORY_BACKEND,
    .class_init = ram_backend_class_init,
};

static void ram_backend_register(void)
{
    type_register_static(&ram_backend_info);
}

type_init(ram_backend_register)
