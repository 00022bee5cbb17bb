/*
 * dump-guest-memory: an ELF core file of guest RAM (one PT_LOAD per RAM
 * range, guest-physical addresses in p_paddr) with the vCPUs' registers in
 * a PT_NOTE, as QEMU writes it; crash and gdb read it, readelf accepts it.
 * The VM is paused while the dump runs; with detach the file is written
 * by a worker thread and DUMP_COMPLETED reports the end.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include <elf.h>
#include "vireo/error.h"
#include "vireo/main-loop.h"
#include "exec/memory.h"
#include "monitor/monitor.h"
#include "system/runstate.h"
#include "qapi/qapi-commands-dump.h"
#include "qapi/qapi-events-dump.h"
#include "dump/dump.h"

typedef struct DumpBlock {
    hwaddr start;
    uint64_t size;
    const uint8_t *host;
} DumpBlock;

typedef struct DumpState {
    int fd;
    bool paging;                /* virtual = physical (no guest paging walk) */
    bool resume;                /* restart the VM when done */
    GArray *blocks;             /* DumpBlock, after the begin/length filter */
    GByteArray *notes;
    uint64_t total;             /* bytes of memory to write */
    uint64_t completed;         /* atomic */
    Error *err;
    QEMUBH *done_bh;
} DumpState;

static const DumpArch *dump_arch;
static DumpStatus dump_status = DUMP_STATUS_NONE;   /* atomic */
static DumpState *dump_current;
static uint64_t dump_last_completed, dump_last_total;

void dump_register_arch(const DumpArch *arch)
{
    dump_arch = arch;
}

void dump_append_elf_note(GByteArray *notes, const char *name, uint32_t type,
                          const void *desc, uint32_t desc_size)
{
    Elf64_Nhdr hdr = {
        .n_namesz = strlen(name) + 1,
        .n_descsz = desc_size,
        .n_type = type,
    };
    static const uint8_t zeros[8];

    g_byte_array_append(notes, (const uint8_t *)&hdr, sizeof(hdr));
    g_byte_array_append(notes, (const uint8_t *)name, hdr.n_namesz);
    g_byte_array_append(notes, zeros, ROUND_UP(hdr.n_namesz, 4) -
                        hdr.n_namesz);
    g_byte_array_append(notes, desc, desc_size);
    g_byte_array_append(notes, zeros, ROUND_UP(desc_size, 4) - desc_size);
}

/* Guest RAM as contiguous runs, clipped to [begin, begin + length). */
static GArray *collect_blocks(bool filter, uint64_t begin, uint64_t length)
{
    GArray *blocks = g_array_new(FALSE, FALSE, sizeof(DumpBlock));
    FlatView *view = address_space_get_flatview(&address_space_memory);
    uint64_t end = filter ? begin + length : UINT64_MAX;

    for (unsigned i = 0; i < view->nr; i++) {
        const FlatRange *fr = &view->ranges[i];
        hwaddr start = fr->start, last = fr->start + fr->size;
        const uint8_t *host;
        DumpBlock *prev;

        if (!memory_region_is_ram(fr->mr)) {
            continue;
        }
        host = (const uint8_t *)memory_region_get_ram_ptr(fr->mr) +
               fr->offset_in_region;
        if (filter) {
            if (last <= begin || start >= end) {
                continue;
            }
            if (start < begin) {
                host += begin - start;
                start = begin;
            }
            last = MIN(last, end);
        }
        prev = blocks->len ? &g_array_index(blocks, DumpBlock,
                                            blocks->len - 1) : NULL;
        if (prev && prev->start + prev->size == start &&
            prev->host + prev->size == host) {
            prev->size += last - start;
        } else {
            DumpBlock b = { .start = start, .size = last - start,
                            .host = host };
            g_array_append_val(blocks, b);
        }
    }
    flatview_unref(view);
    return blocks;
}

static bool write_all(int fd, const void *buf, size_t len, const char *what,
                      Error **errp)
{
    const uint8_t *p = buf;

    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            error_setg_errno(errp, errno, "%s", what);
            return false;
        }
        p += n;
        len -= n;
    }
    return true;
}

static bool write_headers(DumpState *s, Error **errp)
{
    unsigned nphdr = 1 + s->blocks->len;
    uint64_t offset = sizeof(Elf64_Ehdr) + nphdr * sizeof(Elf64_Phdr);
    g_autofree Elf64_Phdr *phdrs = g_new0(Elf64_Phdr, nphdr);
    Elf64_Ehdr eh = {
        .e_ident = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64,
                     ELFDATA2LSB, EV_CURRENT },
        .e_type = ET_CORE,
        .e_machine = dump_arch->elf_machine,
        .e_version = EV_CURRENT,
        .e_phoff = sizeof(Elf64_Ehdr),
        .e_ehsize = sizeof(Elf64_Ehdr),
        .e_phentsize = sizeof(Elf64_Phdr),
        .e_phnum = nphdr,
    };

    phdrs[0] = (Elf64_Phdr) {
        .p_type = PT_NOTE,
        .p_offset = offset,
        .p_filesz = s->notes->len,
        .p_memsz = s->notes->len,
    };
    offset += s->notes->len;
    for (unsigned i = 0; i < s->blocks->len; i++) {
        DumpBlock *b = &g_array_index(s->blocks, DumpBlock, i);
        phdrs[i + 1] = (Elf64_Phdr) {
            .p_type = PT_LOAD,
            .p_flags = PF_R | PF_W | PF_X,
            .p_offset = offset,
            .p_paddr = b->start,
            .p_vaddr = s->paging ? b->start : 0,
            .p_filesz = b->size,
            .p_memsz = b->size,
        };
        offset += b->size;
    }
    return write_all(s->fd, &eh, sizeof(eh),
                     "dump: failed to write elf header", errp) &&
           write_all(s->fd, phdrs, nphdr * sizeof(Elf64_Phdr),
                     "dump: failed to write program header table", errp) &&
           write_all(s->fd, s->notes->data, s->notes->len,
                     "dump: failed to write elf notes", errp);
}

/* The memory, in chunks so query-dump can show progress. */
static bool write_memory(DumpState *s, Error **errp)
{
    const uint64_t chunk = 1 << 20;

    for (unsigned i = 0; i < s->blocks->len; i++) {
        DumpBlock *b = &g_array_index(s->blocks, DumpBlock, i);
        for (uint64_t off = 0; off < b->size; off += chunk) {
            uint64_t n = MIN(chunk, b->size - off);
            if (!write_all(s->fd, b->host + off, n,
                           "dump: failed to save memory", errp)) {
                return false;
            }
            __atomic_add_fetch(&s->completed, n, __ATOMIC_RELAXED);
        }
    }
    return true;
}

static void dump_write(DumpState *s)
{
    if (write_headers(s, &s->err)) {
        write_memory(s, &s->err);
    }
}

/* Main loop, BQL held: publish the result and restart the guest. */
static void dump_finish(DumpState *s)
{
    DumpQueryResult result = {
        .status = s->err ? DUMP_STATUS_FAILED : DUMP_STATUS_COMPLETED,
        .completed = __atomic_load_n(&s->completed, __ATOMIC_RELAXED),
        .total = s->total,
    };

    close(s->fd);
    dump_last_completed = result.completed;
    dump_last_total = result.total;
    __atomic_store_n(&dump_status, result.status, __ATOMIC_RELEASE);
    qapi_event_send_dump_completed(&result,
                                   s->err ? error_get_pretty(s->err) : NULL);
    if (s->resume) {
        vm_start();
    }
    dump_current = NULL;
}

static void dump_state_free(DumpState *s)
{
    g_array_free(s->blocks, TRUE);
    g_byte_array_free(s->notes, TRUE);
    if (s->done_bh) {
        qemu_bh_delete(s->done_bh);
    }
    error_free(s->err);
    g_free(s);
}

static void dump_done_bh(void *opaque)
{
    DumpState *s = opaque;

    dump_finish(s);
    dump_state_free(s);
}

static gpointer dump_thread(gpointer opaque)
{
    DumpState *s = opaque;

    dump_write(s);
    qemu_bh_schedule(s->done_bh);
    return NULL;
}

static int open_protocol(const char *protocol, Error **errp)
{
    const char *path;
    int fd;

    if (g_str_has_prefix(protocol, "fd:")) {
        return monitor_get_fd(monitor_cur(), protocol + 3, errp);
    }
    if (!g_str_has_prefix(protocol, "file:")) {
        error_setg(errp, "Invalid parameter '%s'", "protocol");
        return -1;
    }
    path = protocol + 5;
    if (g_str_has_prefix(path, "/dev/fdset/")) {
        fd = monitor_fdset_open(path, O_WRONLY | O_CREAT | O_TRUNC);
    } else {
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, S_IRUSR);
    }
    if (fd < 0) {
        error_setg_file_open(errp, errno, path);
    }
    return fd;
}

static const char *unavailable_format(DumpGuestMemoryFormat format)
{
    switch (format) {
    case DUMP_GUEST_MEMORY_FORMAT_ELF:
        return NULL;
    case DUMP_GUEST_MEMORY_FORMAT_WIN_DMP:
        return "Windows dump is only available for x86-64";
    default:
        return "is not available now";
    }
}

void qmp_dump_guest_memory(bool paging, const char *protocol,
                           bool has_detach, bool detach,
                           bool has_begin, int64_t begin,
                           bool has_length, int64_t length,
                           bool has_format, DumpGuestMemoryFormat format,
                           Error **errp)
{
    DumpState *s;
    const char *why;

    if (runstate_check(RUN_STATE_INMIGRATE)) {
        error_setg(errp, "Dump not allowed during incoming migration.");
        return;
    }
    if (__atomic_load_n(&dump_status, __ATOMIC_ACQUIRE) ==
        DUMP_STATUS_ACTIVE) {
        error_setg(errp, "There is a dump in process, please wait.");
        return;
    }
    if (has_format && format != DUMP_GUEST_MEMORY_FORMAT_ELF &&
        (paging || has_begin || has_length)) {
        error_setg(errp, "kdump-compressed format doesn't support paging or "
                   "filter");
        return;
    }
    if (has_begin && !has_length) {
        error_setg(errp, "Parameter '%s' is missing", "length");
        return;
    }
    if (!has_begin && has_length) {
        error_setg(errp, "Parameter '%s' is missing", "begin");
        return;
    }
    why = has_format ? unavailable_format(format) : NULL;
    if (why) {
        if (format == DUMP_GUEST_MEMORY_FORMAT_WIN_DMP) {
            error_setg(errp, "%s", why);
        } else {
            error_setg(errp, "%s %s", DumpGuestMemoryFormat_str(format), why);
        }
        return;
    }
    if (has_begin && (begin < 0 || length <= 0)) {
        error_setg(errp, "Invalid parameter '%s'", begin < 0 ? "begin" :
                   "length");
        return;
    }

    s = g_new0(DumpState, 1);
    s->fd = open_protocol(protocol, errp);
    if (s->fd < 0) {
        g_free(s);
        return;
    }
    s->paging = paging;
    s->blocks = collect_blocks(false, 0, 0);
    s->notes = g_byte_array_new();
    if (s->blocks->len == 0) {
        error_setg(errp, "dump: no guest memory to dump");
        goto fail;
    }
    if (has_begin) {
        g_array_free(s->blocks, TRUE);
        s->blocks = collect_blocks(true, begin, length);
        if (s->blocks->len == 0) {
            error_setg(errp, "Invalid parameter '%s'", "begin");
            goto fail;
        }
    }
    if (!dump_arch) {
        error_setg(errp, "this feature or command is not currently "
                   "supported");
        goto fail;
    }
    for (unsigned i = 0; i < s->blocks->len; i++) {
        s->total += g_array_index(s->blocks, DumpBlock, i).size;
    }
    dump_arch->write_cpu_notes(s->notes);

    /* The vCPUs must not change memory or registers under the dump. */
    s->resume = runstate_is_running();
    if (s->resume) {
        vm_stop(RUN_STATE_SAVE_VM);
    }
    dump_current = s;
    __atomic_store_n(&dump_status, DUMP_STATUS_ACTIVE, __ATOMIC_RELEASE);
    if (has_detach && detach) {
        s->done_bh = qemu_bh_new(dump_done_bh, s);
        g_thread_unref(g_thread_new("dump_thread", dump_thread, s));
        return;
    }
    dump_write(s);
    if (s->err) {
        error_propagate(errp, error_copy(s->err));
    }
    dump_finish(s);
    dump_state_free(s);
    return;

fail:
    close(s->fd);
    dump_state_free(s);
}

DumpQueryResult *qmp_query_dump(Error **errp)
{
    DumpQueryResult *r = g_new0(DumpQueryResult, 1);

    r->status = __atomic_load_n(&dump_status, __ATOMIC_ACQUIRE);
    if (r->status == DUMP_STATUS_ACTIVE && dump_current) {
        r->completed = __atomic_load_n(&dump_current->completed,
                                       __ATOMIC_RELAXED);
        r->total = dump_current->total;
    } else {
        r->completed = dump_last_completed;
        r->total = dump_last_total;
    }
    return r;
}

DumpGuestMemoryCapability *qmp_query_dump_guest_memory_capability(
    Error **errp)
{
    DumpGuestMemoryCapability *cap = g_new0(DumpGuestMemoryCapability, 1);

    QAPI_LIST_PREPEND(cap->formats, DUMP_GUEST_MEMORY_FORMAT_ELF);
    return cap;
}
