/*
 * memory-backend-memfd: guest RAM in an anonymous memfd, shared by default
 * so that another process (vhost-user, a migration helper) can map it by
 * fd.  seal stops the file from growing or shrinking; hugetlb asks for
 * huge pages of hugetlbsize (0: the kernel's default size).
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include <sys/mman.h>
#include <linux/memfd.h>
#include "vireo/error.h"
#include "qapi/visitor.h"
#include "qom/object_interfaces.h"
#include "system/hostmem.h"

#define TYPE_MEMFD_BACKEND TYPE_MEMORY_BACKEND_MEMFD
OBJECT_DECLARE_SIMPLE_TYPE(MemfdBackend, MEMFD_BACKEND)

struct MemfdBackend {
    HostMemoryBackend parent;
    bool hugetlb;
    uint64_t hugetlbsize;
    bool seal;
};

static void *memfd_backend_map(HostMemoryBackend *backend, Error **errp)
{
    MemfdBackend *mb = MEMFD_BACKEND(backend);
    unsigned flags = MFD_CLOEXEC | (mb->seal ? MFD_ALLOW_SEALING : 0);
    void *host;
    int fd;

    if (mb->hugetlb) {
        flags |= MFD_HUGETLB;
        if (mb->hugetlbsize) {
            flags |= (unsigned)__builtin_ctzll(mb->hugetlbsize) << MFD_HUGE_SHIFT;
        }
    }
    fd = memfd_create(TYPE_MEMORY_BACKEND_MEMFD, flags);
    if (fd < 0) {
        error_setg_errno(errp, errno, "failed to create memfd");
        return NULL;
    }
    if (ftruncate(fd, backend->size) < 0) {
        error_setg_errno(errp, errno, "failed to resize memfd to %" PRIu64,
                         backend->size);
        goto fail;
    }
    if (mb->seal && fcntl(fd, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK |
                          F_SEAL_SEAL) < 0) {
        error_setg_errno(errp, errno, "failed to add seals");
        goto fail;
    }
    host = mmap(NULL, backend->size, PROT_READ | PROT_WRITE,
                host_memory_backend_mmap_flags(backend), fd, 0);
    if (host == MAP_FAILED) {
        error_setg_errno(errp, errno, "failed to map memfd");
        goto fail;
    }
    close(fd);
    return host;

fail:
    close(fd);
    return NULL;
}

static bool memfd_backend_unmapped(Object *obj, const char *name,
                                   Error **errp)
{
    if (MEMORY_BACKEND(obj)->host) {
        error_setg(errp, "cannot change property '%s' of %s.", name,
                   object_get_typename(obj));
        return false;
    }
    return true;
}

static bool memfd_backend_get_hugetlb(Object *obj, Error **errp)
{
    return MEMFD_BACKEND(obj)->hugetlb;
}

static void memfd_backend_set_hugetlb(Object *obj, bool value, Error **errp)
{
    if (memfd_backend_unmapped(obj, "hugetlb", errp)) {
        MEMFD_BACKEND(obj)->hugetlb = value;
    }
}

static bool memfd_backend_get_seal(Object *obj, Error **errp)
{
    return MEMFD_BACKEND(obj)->seal;
}

static void memfd_backend_set_seal(Object *obj, bool value, Error **errp)
{
    if (memfd_backend_unmapped(obj, "seal", errp)) {
        MEMFD_BACKEND(obj)->seal = value;
    }
}

static void memfd_backend_get_hugetlbsize(Object *obj, Visitor *v,
                                          const char *name, void *opaque,
                                          Error **errp)
{
    uint64_t value = MEMFD_BACKEND(obj)->hugetlbsize;

    visit_type_size(v, name, &value, errp);
}

static void memfd_backend_set_hugetlbsize(Object *obj, Visitor *v,
                                          const char *name, void *opaque,
                                          Error **errp)
{
    uint64_t value;

    if (!memfd_backend_unmapped(obj, name, errp) ||
        !visit_type_size(v, name, &value, errp)) {
        return;
    }
    if (value & (value - 1)) {
        error_setg(errp, "Property '%s.%s' doesn't take value '%" PRIu64 "'",
                   object_get_typename(obj), name, value);
        return;
    }
    MEMFD_BACKEND(obj)->hugetlbsize = value;
}

static void memfd_backend_init(Object *obj)
{
    MEMFD_BACKEND(obj)->seal = true;
    MEMORY_BACKEND(obj)->share = true;
}

static void memfd_backend_class_init(ObjectClass *oc, void *data)
{
    MEMORY_BACKEND_CLASS(oc)->map = memfd_backend_map;
    object_class_property_add_bool(oc, "hugetlb", memfd_backend_get_hugetlb,
                                   memfd_backend_set_hugetlb);
    object_class_property_set_description(oc, "hugetlb",
                                          "Use huge pages");
    object_class_property_add(oc, "hugetlbsize", "int",
                              memfd_backend_get_hugetlbsize,
                              memfd_backend_set_hugetlbsize, NULL, NULL);
    object_class_property_set_description(oc, "hugetlbsize",
                                          "Huge pages size (ex: 2M, 1G)");
    object_class_property_add_bool(oc, "seal", memfd_backend_get_seal,
                                   memfd_backend_set_seal);
    object_class_property_set_description(oc, "seal",
                                          "Seal growing & shrinking");
}

static const TypeInfo memfd_backend_info = {
    .name = TYPE_MEMORY_BACKEND_MEMFD,
    .parent = TYPE_MEMORY_BACKEND,
    .instance_size = sizeof(MemfdBackend),
    .instance_init = memfd_backend_init,
    .class_init = memfd_backend_class_init,
};

static void memfd_backend_register(void)
{
    type_register_static(&memfd_backend_info);
}

type_init(memfd_backend_register)
