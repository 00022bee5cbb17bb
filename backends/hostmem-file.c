/*
 * memory-backend-file: guest RAM mapped from a file, as QEMU's: mem-path
 * names a file (created and sized when missing or short) or a directory
 * (hugetlbfs, tmpfs) in which an unlinked temporary file is made.
 * readonly opens the file O_RDONLY; rom (auto: as readonly) makes the
 * guest's view read-only; discard-data drops the contents at exit.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include <sys/mman.h>
#include <sys/stat.h>
#include "vireo/error.h"
#include "qapi/visitor.h"
#include "qapi/qapi-visit-common.h"
#include "qom/object_interfaces.h"
#include "system/hostmem.h"

#define TYPE_FILE_BACKEND TYPE_MEMORY_BACKEND_FILE
OBJECT_DECLARE_SIMPLE_TYPE(FileBackend, FILE_BACKEND)

struct FileBackend {
    HostMemoryBackend parent;
    char *mem_path;
    uint64_t align;
    uint64_t offset;
    bool discard_data;
    bool readonly;
    OnOffAuto rom;
};

static bool file_backend_check_unset(Object *obj, const char *name,
                                     Error **errp)
{
    if (MEMORY_BACKEND(obj)->host) {
        error_setg(errp, "cannot change property '%s' of %s.", name,
                   object_get_typename(obj));
        return false;
    }
    return true;
}

static int file_backend_open(FileBackend *fb, bool *created, Error **errp)
{
    int oflags = (fb->readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC;
    struct stat st;
    int fd;

    *created = false;
    if (stat(fb->mem_path, &st) == 0 && S_ISDIR(st.st_mode)) {
        g_autofree char *tmpl = g_strdup_printf("%s/vireo_back_mem.XXXXXX",
                                                fb->mem_path);
        if (fb->readonly) {
            error_setg(errp, "can't open backing store %s for guest RAM: "
                       "a directory with 'readonly' = 'on'", fb->mem_path);
            return -1;
        }
        fd = mkostemp(tmpl, O_CLOEXEC);
        if (fd < 0) {
            error_setg_errno(errp, errno, "unable to create backing store "
                             "for guest RAM in %s", fb->mem_path);
            return -1;
        }
        unlink(tmpl);   /* gone with the last reference */
        return fd;
    }
    fd = open(fb->mem_path, oflags);
    if (fd < 0 && errno == ENOENT && !fb->readonly) {
        fd = open(fb->mem_path, oflags | O_CREAT | O_EXCL, 0644);
        *created = fd >= 0;
    }
    if (fd < 0) {
        error_setg_errno(errp, errno, "can't open backing store %s for "
                         "guest RAM", fb->mem_path);
    }
    return fd;
}

static void *file_backend_map(HostMemoryBackend *backend, Error **errp)
{
    FileBackend *fb = FILE_BACKEND(backend);
    uint64_t need = fb->offset + backend->size;
    bool rom, created;
    struct stat st = { 0 };
    void *host;
    int fd, prot;

    if (!fb->mem_path) {
        error_setg(errp, "mem-path property not set");
        return NULL;
    }
    rom = fb->rom == ON_OFF_AUTO_AUTO ? fb->readonly : fb->rom == ON_OFF_AUTO_ON;
    /* A read-only file can only back writable RAM as a private copy. */
    if (fb->readonly && !rom && backend->share) {
        error_setg(errp, "property 'rom' = 'off' is incompatible with "
                   "'readonly' = 'on' and 'share' = 'on'");
        return NULL;
    }
    if (fb->offset % getpagesize()) {
        error_setg(errp, "offset must be a multiple of the page size");
        return NULL;
    }
    if (fb->align && (fb->align & (fb->align - 1))) {
        error_setg(errp, "alignment 0x%" PRIx64 " must be a power of two",
                   fb->align);
        return NULL;
    }
    fd = file_backend_open(fb, &created, errp);
    if (fd < 0) {
        return NULL;
    }
    if (fstat(fd, &st) < 0) {
        error_setg_errno(errp, errno, "cannot stat %s", fb->mem_path);
        goto fail;
    }
    if (S_ISREG(st.st_mode) && (uint64_t)st.st_size < need) {
        if (fb->readonly) {
            error_setg(errp, "backing store size 0x%" PRIx64 " does not "
                       "match 'size' option 0x%" PRIx64,
                       (uint64_t)st.st_size, need);
            goto fail;
        }
        if (ftruncate(fd, need) < 0) {
            error_setg_errno(errp, errno, "cannot grow %s to 0x%" PRIx64,
                             fb->mem_path, need);
            goto fail;
        }
    }
    prot = PROT_READ | (rom && fb->readonly ? 0 : PROT_WRITE);
    host = mmap(NULL, backend->size, prot,
                host_memory_backend_mmap_flags(backend), fd, fb->offset);
    if (host == MAP_FAILED) {
        error_setg_errno(errp, errno, "unable to map backing store for "
                         "guest RAM");
        goto fail;
    }
    close(fd);
    backend->readonly_map = rom;
    return host;

fail:
    if (created) {
        unlink(fb->mem_path);
    }
    close(fd);
    return NULL;
}

static char *file_backend_get_mem_path(Object *obj, Error **errp)
{
    return g_strdup(FILE_BACKEND(obj)->mem_path);
}

static void file_backend_set_mem_path(Object *obj, const char *value,
                                      Error **errp)
{
    FileBackend *fb = FILE_BACKEND(obj);

    if (file_backend_check_unset(obj, "mem-path", errp)) {
        g_free(fb->mem_path);
        fb->mem_path = g_strdup(value);
    }
}

static void file_backend_get_size_prop(Object *obj, Visitor *v,
                                       const char *name, void *opaque,
                                       Error **errp)
{
    visit_type_size(v, name, (uint64_t *)opaque, errp);
}

/* align and offset: sizes settable until the memory is mapped. */
static void file_backend_set_size_prop(Object *obj, Visitor *v,
                                       const char *name, void *opaque,
                                       Error **errp)
{
    uint64_t value;

    if (file_backend_check_unset(obj, name, errp) &&
        visit_type_size(v, name, &value, errp)) {
        *(uint64_t *)opaque = value;
    }
}

static bool file_backend_get_discard(Object *obj, Error **errp)
{
    return FILE_BACKEND(obj)->discard_data;
}

static void file_backend_set_discard(Object *obj, bool value, Error **errp)
{
    FILE_BACKEND(obj)->discard_data = value;
}

static bool file_backend_get_readonly(Object *obj, Error **errp)
{
    return FILE_BACKEND(obj)->readonly;
}

static void file_backend_set_readonly(Object *obj, bool value, Error **errp)
{
    if (file_backend_check_unset(obj, "readonly", errp)) {
        FILE_BACKEND(obj)->readonly = value;
    }
}

static void file_backend_get_rom(Object *obj, Visitor *v, const char *name,
                                 void *opaque, Error **errp)
{
    OnOffAuto value = FILE_BACKEND(obj)->rom;

    visit_type_OnOffAuto(v, name, &value, errp);
}

static void file_backend_set_rom(Object *obj, Visitor *v, const char *name,
                                 void *opaque, Error **errp)
{
    OnOffAuto value;

    if (file_backend_check_unset(obj, "rom", errp) &&
        visit_type_OnOffAuto(v, name, &value, errp)) {
        FILE_BACKEND(obj)->rom = value;
    }
}

static void file_backend_init(Object *obj)
{
    FileBackend *fb = FILE_BACKEND(obj);

    fb->rom = ON_OFF_AUTO_AUTO;
    object_property_add(obj, "align", "int", file_backend_get_size_prop,
                        file_backend_set_size_prop, NULL, &fb->align);
    object_property_add(obj, "offset", "int", file_backend_get_size_prop,
                        file_backend_set_size_prop, NULL, &fb->offset);
}

static void file_backend_finalize(Object *obj)
{
    FileBackend *fb = FILE_BACKEND(obj);
    HostMemoryBackend *backend = MEMORY_BACKEND(obj);

    /* Dropping the pages spares the kernel writing them back. */
    if (fb->discard_data && backend->host && backend->share) {
        madvise(backend->host, backend->size, MADV_REMOVE);
    }
    g_free(fb->mem_path);
}

static void file_backend_class_init(ObjectClass *oc, void *data)
{
    MEMORY_BACKEND_CLASS(oc)->map = file_backend_map;
    object_class_property_add_str(oc, "mem-path", file_backend_get_mem_path,
                                  file_backend_set_mem_path);
    object_class_property_add_bool(oc, "discard-data",
                                   file_backend_get_discard,
                                   file_backend_set_discard);
    object_class_property_add_bool(oc, "readonly", file_backend_get_readonly,
                                   file_backend_set_readonly);
    object_class_property_add(oc, "rom", "OnOffAuto", file_backend_get_rom,
                              file_backend_set_rom, NULL, NULL);
    object_class_property_set_description(oc, "rom",
                                          "Whether to create Read Only "
                                          "Memory (ROM)");
}

static const TypeInfo file_backend_info = {
    .name = TYPE_MEMORY_BACKEND_FILE,
    .parent = TYPE_MEMORY_BACKEND,
    .instance_size = sizeof(FileBackend),
    .instance_init = file_backend_init,
    .instance_finalize = file_backend_finalize,
    .class_init = file_backend_class_init,
};

static void file_backend_register(void)
{
    type_register_static(&file_backend_info);
}

type_init(file_backend_register)
