/*
 * HMP commands about the guest's CPUs and memory: info registers,
 * info cpus, info mtree, x and xp (memory dumps and disassembly in QEMU's
 * format).
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "exec/memory.h"
#include "monitor/hmp.h"
#include "monitor/monitor.h"
#include "qobject/qdict.h"
#include "system/arch.h"

void hmp_info_registers(Monitor *mon, const QDict *qdict)
{
    bool all = qdict_get_try_bool(qdict, "cpustate_all", false);
    int n = arch_cpu_count();

    if (!n) {
        monitor_printf(mon, "No CPU available\n");
        return;
    }
    for (int i = all ? 0 : 0; i < (all ? n : 1); i++) {
        g_autoptr(GString) out = g_string_new(NULL);

        if (all) {
            monitor_printf(mon, "\nCPU#%d\n", i);
        }
        arch_cpu_dump_state(i, out);
        monitor_puts(mon, out->str);
    }
}

void hmp_info_cpus(Monitor *mon, const QDict *qdict)
{
    for (int i = 0; i < arch_cpu_count(); i++) {
        monitor_printf(mon, "%c CPU #%d: thread_id=%" PRId64 "\n",
                       i == 0 ? '*' : ' ', i, arch_cpu_thread_id(i));
    }
}

void hmp_info_mtree(Monitor *mon, const QDict *qdict)
{
    g_autoptr(GString) out = g_string_new(NULL);

    mtree_info(out, qdict_get_try_bool(qdict, "flatview", false));
    monitor_puts(mon, out->str);
}

static bool read_guest(uint64_t addr, void *buf, size_t len,
                       bool is_physical)
{
    if (is_physical) {
        return address_space_read(&address_space_memory, addr,
                                  MEMTXATTRS_UNSPECIFIED, buf, len)
               == MEMTX_OK;
    }
    return arch_cpu_memory_read(0, addr, buf, len);
}

/* x/Ni and xp/Ni: N instructions from @addr. */
static void disas_dump(Monitor *mon, int count, uint64_t addr,
                       bool is_physical)
{
    g_autoptr(GString) line = g_string_new(NULL);

    for (int i = 0; i < count; i++) {
        uint8_t buf[4];
        size_t avail = 0;
        unsigned len;

        /* Read what the longest instruction needs, less at the edge of
         * readable memory (a short last instruction may still fit). */
        for (size_t want = sizeof(buf); want >= 2 && !avail; want /= 2) {
            if (read_guest(addr, buf, want, is_physical)) {
                avail = want;
            }
        }
        if (!avail) {
            monitor_printf(mon, "0x%016" PRIx64 ": Cannot access memory\n",
                           addr);
            return;
        }
        g_string_truncate(line, 0);
        len = arch_disas_line(line, addr, buf, avail);
        if (!len) {
            monitor_printf(mon, "0x%08" PRIx64
                           ": Asm output not supported on this arch\n", addr);
            return;
        }
        monitor_puts(mon, line->str);
        addr += len;
    }
}

static void memory_dump(Monitor *mon, int count, int format, int wsize,
                        uint64_t addr, bool is_physical)
{
    int len = wsize * count;
    int line_size = wsize == 1 ? 8 : 16;
    int max_digits = 0;

    if (!is_physical && !arch_cpu_count()) {
        monitor_printf(mon, "Can not dump without CPU\n");
        return;
    }
    if (format == 'i') {
        disas_dump(mon, count, addr, is_physical);
        return;
    }
    switch (format) {
    case 'o':
        max_digits = DIV_ROUND_UP(wsize * 8, 3);
        break;
    case 'u':
    case 'd':
        max_digits = DIV_ROUND_UP(wsize * 8 * 10, 33);
        break;
    case 'c':
        wsize = 1;
        break;
    default:
        max_digits = (wsize * 8) / 4;
        break;
    }
    while (len > 0) {
        uint8_t buf[4];
        int l = MIN(len, line_size);

        monitor_printf(mon, "%016" PRIx64 ":", addr);
        if (!read_guest(addr, buf, l, is_physical)) {
            monitor_printf(mon, " Cannot access memory\n");
            break;
        }
        for (int i = 0; i < l; i += wsize) {
            uint64_t v = 0;

            memcpy(&v, buf + i, wsize);     /* little-endian guests */
            monitor_printf(mon, " ");
            switch (format) {
            case 'o':
                monitor_printf(mon, "%#*" PRIo64, max_digits, v);
                break;
            case 'u':
                monitor_printf(mon, "%*" PRIu64, max_digits, v);
                break;
            case 'd': {
                int64_t sv = wsize == 8 ? (int64_t)v :
                             (int64_t)(v << (64 - wsize * 8)) >>
                             (64 - wsize * 8);
                monitor_printf(mon, "%*" PRId64, max_digits, sv);
                break;
            }
            case 'c':
                if (v >= 32 && v <= 126) {
                    monitor_printf(mon, "%c", (int)v);
                } else {
                    monitor_printf(mon, "\\x%02x", (int)v);
                }
                break;
            default:
                monitor_printf(mon, "0x%0*" PRIx64, max_digits, v);
                break;
            }
        }
        monitor_printf(mon, "\n");
        addr += l;
        len -= l;
    }
}

void hmp_memory_dump(Monitor *mon, const QDict *qdict)
{
    memory_dump(mon, qdict_get_int(qdict, "count"),
                qdict_get_int(qdict, "format"), qdict_get_int(qdict, "size"),
                qdict_get_int(qdict, "addr"), false);
}

void hmp_physical_memory_dump(Monitor *mon, const QDict *qdict)
{
    memory_dump(mon, qdict_get_int(qdict, "count"),
                qdict_get_int(qdict, "format"), qdict_get_int(qdict, "size"),
                qdict_get_int(qdict, "addr"), true);
}
