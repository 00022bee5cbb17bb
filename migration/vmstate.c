/*
 * The VMState registry and a byte-stream walker that saves and loads a
 * description's fields (little-endian scalars, nested structs, arrays,
 * timers by expiry), the format the migration engine will carry.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/timer.h"
#include "migration/vmstate.h"

const VMStateInfo vmstate_info_bool = { .name = "bool", .size = 1 };
const VMStateInfo vmstate_info_uint8 = { .name = "uint8", .size = 1 };
const VMStateInfo vmstate_info_uint16 = { .name = "uint16", .size = 2 };
const VMStateInfo vmstate_info_uint32 = { .name = "uint32", .size = 4 };
const VMStateInfo vmstate_info_uint64 = { .name = "uint64", .size = 8 };
const VMStateInfo vmstate_info_int32 = { .name = "int32", .size = 4 };
const VMStateInfo vmstate_info_int64 = { .name = "int64", .size = 8 };
const VMStateInfo vmstate_info_timer = { .name = "timer", .size = 8,
                                         .is_timer = true };
const VMStateInfo vmstate_info_buffer = { .name = "buffer", .size = 0 };

typedef struct SaveStateEntry {
    void *dev;
    int instance_id;
    const VMStateDescription *vmsd;
    void *opaque;
} SaveStateEntry;

static GPtrArray *savevm_handlers;

int vmstate_register(void *dev, int instance_id,
                     const VMStateDescription *vmsd, void *opaque)
{
    SaveStateEntry *se = g_new0(SaveStateEntry, 1);

    if (!savevm_handlers) {
        savevm_handlers = g_ptr_array_new_with_free_func(g_free);
    }
    if (instance_id < 0) {
        /* The next free instance number for this section name. */
        instance_id = 0;
        for (guint i = 0; i < savevm_handlers->len; i++) {
            SaveStateEntry *o = g_ptr_array_index(savevm_handlers, i);
            if (!strcmp(o->vmsd->name, vmsd->name) &&
                o->instance_id >= instance_id) {
                instance_id = o->instance_id + 1;
            }
        }
    }
    se->dev = dev;
    se->instance_id = instance_id;
    se->vmsd = vmsd;
    se->opaque = opaque;
    g_ptr_array_add(savevm_handlers, se);
    return 0;
}

void vmstate_unregister(void *dev, const VMStateDescription *vmsd,
                        void *opaque)
{
    for (guint i = 0; savevm_handlers && i < savevm_handlers->len; i++) {
        SaveStateEntry *se = g_ptr_array_index(savevm_handlers, i);
        if (se->vmsd == vmsd && se->opaque == opaque) {
            g_ptr_array_remove_index(savevm_handlers, i);
            return;
        }
    }
}

static int field_count(const VMStateField *f, void *opaque)
{
    if (f->flags & VMS_VARRAY_UINT32) {
        return *(uint32_t *)((char *)opaque + f->num_offset);
    }
    return (f->flags & VMS_ARRAY) ? f->num : 1;
}

static void *field_base(const VMStateField *f, void *opaque)
{
    void *base = (char *)opaque + f->offset;

    if ((f->flags & VMS_POINTER) && !f->info->is_timer) {
        base = *(void **)base;
    }
    return base;
}

static void put_scalar(GByteArray *out, const void *p, size_t size)
{
    uint64_t v = 0;
    uint8_t le[8];

    memcpy(&v, p, size);
    for (size_t i = 0; i < size; i++) {
        le[i] = v >> (8 * i);
    }
    g_byte_array_append(out, le, size);
}

int vmstate_save_state(GByteArray *out, const VMStateDescription *vmsd,
                       void *opaque)
{
    if (vmsd->pre_save && vmsd->pre_save(opaque) < 0) {
        return -EINVAL;
    }
    for (const VMStateField *f = vmsd->fields; f && f->name; f++) {
        int n = field_count(f, opaque);
        char *base = field_base(f, opaque);

        for (int i = 0; i < n; i++) {
            if (f->flags & VMS_STRUCT) {
                vmstate_save_state(out, f->vmsd, base + i * f->size);
            } else if (f->flags & VMS_BUFFER) {
                g_byte_array_append(out, (uint8_t *)base, f->size);
            } else if (f->info->is_timer) {
                QEMUTimer *t = (f->flags & VMS_ARRAY_OF_POINTER) ?
                               ((QEMUTimer **)base)[i] : *(QEMUTimer **)base;
                int64_t exp = t ? timer_expire_time_ns(t) : -1;
                put_scalar(out, &exp, 8);
            } else {
                put_scalar(out, base + i * f->size, f->info->size);
            }
        }
    }
    for (int i = 0; vmsd->subsections && vmsd->subsections[i]; i++) {
        const VMStateDescription *sub = vmsd->subsections[i];
        uint8_t present = !sub->needed || sub->needed(opaque);

        g_byte_array_append(out, &present, 1);
        if (present) {
            vmstate_save_state(out, sub, opaque);
        }
    }
    return 0;
}

static bool get_scalar(const uint8_t *buf, size_t len, size_t *pos,
                       void *p, size_t size)
{
    uint64_t v = 0;

    if (*pos + size > len) {
        return false;
    }
    for (size_t i = 0; i < size; i++) {
        v |= (uint64_t)buf[*pos + i] << (8 * i);
    }
    memcpy(p, &v, size);
    *pos += size;
    return true;
}

static int load_state(const uint8_t *buf, size_t len, size_t *pos,
                      const VMStateDescription *vmsd, void *opaque)
{
    if (vmsd->pre_load && vmsd->pre_load(opaque) < 0) {
        return -EINVAL;
    }
    for (const VMStateField *f = vmsd->fields; f && f->name; f++) {
        int n = field_count(f, opaque);
        char *base = field_base(f, opaque);

        for (int i = 0; i < n; i++) {
            if (f->flags & VMS_STRUCT) {
                if (load_state(buf, len, pos, f->vmsd,
                               base + i * f->size) < 0) {
                    return -EINVAL;
                }
            } else if (f->flags & VMS_BUFFER) {
                if (*pos + f->size > len) {
                    return -EINVAL;
                }
                memcpy(base, buf + *pos, f->size);
                *pos += f->size;
            } else if (f->info->is_timer) {
                QEMUTimer *t = (f->flags & VMS_ARRAY_OF_POINTER) ?
                               ((QEMUTimer **)base)[i] : *(QEMUTimer **)base;
                int64_t exp;

                if (!get_scalar(buf, len, pos, &exp, 8)) {
                    return -EINVAL;
                }
                if (t && exp >= 0) {
                    timer_mod_ns(t, exp);
                } else if (t) {
                    timer_del(t);
                }
            } else if (!get_scalar(buf, len, pos, base + i * f->size,
                                   f->info->size)) {
                return -EINVAL;
            }
        }
    }
    for (int i = 0; vmsd->subsections && vmsd->subsections[i]; i++) {
        uint8_t present;

        if (!get_scalar(buf, len, pos, &present, 1)) {
            return -EINVAL;
        }
        if (present && load_state(buf, len, pos, vmsd->subsections[i],
                                  opaque) < 0) {
            return -EINVAL;
        }
    }
    return vmsd->post_load ? vmsd->post_load(opaque, vmsd->version_id) : 0;
}

int vmstate_load_state(const uint8_t *buf, size_t len, size_t *consumed,
                       const VMStateDescription *vmsd, void *opaque,
                       int version_id)
{
    size_t pos = 0;
    int ret;

    if (version_id > vmsd->version_id ||
        version_id < vmsd->minimum_version_id) {
        return -EINVAL;
    }
    ret = load_state(buf, len, &pos, vmsd, opaque);
    if (consumed) {
        *consumed = pos;
    }
    return ret;
}
