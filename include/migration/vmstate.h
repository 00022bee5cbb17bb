/*
 * VMState: what each device must save for migration and snapshots,
 * declared as field tables.  The registry and a byte-stream walker
 * (migration/vmstate.c) save and load them.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MIGRATION_VMSTATE_H
#define MIGRATION_VMSTATE_H

#include "vireo/osdep.h"

typedef struct VMStateInfo {
    const char *name;
    size_t size;            /* bytes in the stream per element (0: field) */
    bool is_timer;
} VMStateInfo;

extern const VMStateInfo vmstate_info_bool;
extern const VMStateInfo vmstate_info_uint8;
extern const VMStateInfo vmstate_info_uint16;
extern const VMStateInfo vmstate_info_uint32;
extern const VMStateInfo vmstate_info_uint64;
extern const VMStateInfo vmstate_info_int32;
extern const VMStateInfo vmstate_info_int64;
extern const VMStateInfo vmstate_info_timer;
extern const VMStateInfo vmstate_info_buffer;

enum VMStateFlags {
    VMS_SINGLE = 0x001,
    VMS_POINTER = 0x002,        /* the field holds a pointer to the data */
    VMS_ARRAY = 0x004,          /* @num elements */
    VMS_STRUCT = 0x008,         /* nested @vmsd */
    VMS_VARRAY_UINT32 = 0x010,  /* count in the uint32 at @num_offset */
    VMS_ARRAY_OF_POINTER = 0x040,
    VMS_BUFFER = 0x080,         /* @size raw bytes */
};

typedef struct VMStateDescription VMStateDescription;

typedef struct VMStateField {
    const char *name;
    size_t offset;
    size_t size;
    int num;
    size_t num_offset;
    const VMStateInfo *info;
    enum VMStateFlags flags;
    const VMStateDescription *vmsd;
    int version_id;
} VMStateField;

struct VMStateDescription {
    const char *name;
    int version_id;
    int minimum_version_id;
    int priority;
    int (*pre_load)(void *opaque);
    int (*post_load)(void *opaque, int version_id);
    int (*pre_save)(void *opaque);
    bool (*needed)(void *opaque);
    const VMStateField *fields;
    const VMStateDescription * const *subsections;
};

#define VMSTATE_SINGLE(_f, _s, _v, _info, _t) { \
    .name = #_f, .version_id = (_v), .size = sizeof(_t), \
    .info = &(_info), .flags = VMS_SINGLE, .offset = offsetof(_s, _f) }
#define VMSTATE_BOOL(_f, _s) VMSTATE_SINGLE(_f, _s, 0, vmstate_info_bool, bool)
#define VMSTATE_UINT8(_f, _s) \
    VMSTATE_SINGLE(_f, _s, 0, vmstate_info_uint8, uint8_t)
#define VMSTATE_UINT16(_f, _s) \
    VMSTATE_SINGLE(_f, _s, 0, vmstate_info_uint16, uint16_t)
#define VMSTATE_UINT32(_f, _s) \
    VMSTATE_SINGLE(_f, _s, 0, vmstate_info_uint32, uint32_t)
#define VMSTATE_UINT64(_f, _s) \
    VMSTATE_SINGLE(_f, _s, 0, vmstate_info_uint64, uint64_t)
#define VMSTATE_INT32(_f, _s) \
    VMSTATE_SINGLE(_f, _s, 0, vmstate_info_int32, int32_t)
#define VMSTATE_INT64(_f, _s) \
    VMSTATE_SINGLE(_f, _s, 0, vmstate_info_int64, int64_t)
#define VMSTATE_UINTTL(_f, _s) VMSTATE_UINT64(_f, _s)

#define VMSTATE_ARRAY(_f, _s, _n, _v, _info, _t) { \
    .name = #_f, .version_id = (_v), .num = (_n), .info = &(_info), \
    .size = sizeof(_t), .flags = VMS_ARRAY, .offset = offsetof(_s, _f) }
#define VMSTATE_UINT8_ARRAY(_f, _s, _n) \
    VMSTATE_ARRAY(_f, _s, _n, 0, vmstate_info_uint8, uint8_t)
#define VMSTATE_UINT16_ARRAY(_f, _s, _n) \
    VMSTATE_ARRAY(_f, _s, _n, 0, vmstate_info_uint16, uint16_t)
#define VMSTATE_UINT32_ARRAY(_f, _s, _n) \
    VMSTATE_ARRAY(_f, _s, _n, 0, vmstate_info_uint32, uint32_t)
#define VMSTATE_UINT64_ARRAY(_f, _s, _n) \
    VMSTATE_ARRAY(_f, _s, _n, 0, vmstate_info_uint64, uint64_t)
#define VMSTATE_UINTTL_ARRAY(_f, _s, _n) VMSTATE_UINT64_ARRAY(_f, _s, _n)
#define VMSTATE_BOOL_ARRAY(_f, _s, _n) \
    VMSTATE_ARRAY(_f, _s, _n, 0, vmstate_info_bool, bool)

#define VMSTATE_VARRAY_UINT32(_f, _s, _fn, _v, _info, _t) { \
    .name = #_f, .version_id = (_v), .num_offset = offsetof(_s, _fn), \
    .info = &(_info), .size = sizeof(_t), \
    .flags = VMS_VARRAY_UINT32 | VMS_POINTER, .offset = offsetof(_s, _f) }

#define VMSTATE_TIMER_PTR(_f, _s) { \
    .name = #_f, .info = &vmstate_info_timer, .size = sizeof(void *), \
    .flags = VMS_SINGLE | VMS_POINTER, .offset = offsetof(_s, _f) }
#define VMSTATE_TIMER_PTR_ARRAY(_f, _s, _n) { \
    .name = #_f, .num = (_n), .info = &vmstate_info_timer, \
    .size = sizeof(void *), .flags = VMS_ARRAY | VMS_ARRAY_OF_POINTER, \
    .offset = offsetof(_s, _f) }

#define VMSTATE_STRUCT(_f, _s, _v, _vmsd, _t) { \
    .name = #_f, .version_id = (_v), .vmsd = &(_vmsd), .size = sizeof(_t), \
    .flags = VMS_STRUCT, .offset = offsetof(_s, _f) }
#define VMSTATE_STRUCT_ARRAY(_f, _s, _n, _v, _vmsd, _t) { \
    .name = #_f, .num = (_n), .version_id = (_v), .vmsd = &(_vmsd), \
    .size = sizeof(_t), .flags = VMS_STRUCT | VMS_ARRAY, \
    .offset = offsetof(_s, _f) }
#define VMSTATE_BUFFER(_f, _s) { \
    .name = #_f, .info = &vmstate_info_buffer, \
    .size = sizeof(((_s *)0)->_f), .flags = VMS_BUFFER, \
    .offset = offsetof(_s, _f) }

#define VMSTATE_END_OF_LIST() { .name = NULL }

/* The registry of every realized device's state, by instance. */
int vmstate_register(void *dev, int instance_id,
                     const VMStateDescription *vmsd, void *opaque);
void vmstate_unregister(void *dev, const VMStateDescription *vmsd,
                        void *opaque);

/* Serialises @opaque per @vmsd (subsections included when needed). */
int vmstate_save_state(GByteArray *out, const VMStateDescription *vmsd,
                       void *opaque);
/* Loads what vmstate_save_state wrote; -EINVAL on malformed input. */
int vmstate_load_state(const uint8_t *buf, size_t len, size_t *consumed,
                       const VMStateDescription *vmsd, void *opaque,
                       int version_id);

#endif
