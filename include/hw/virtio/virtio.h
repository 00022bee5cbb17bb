/*
 * The virtio device model shared by every virtio device and transport:
 * features, status, config space and virtqueues (hw/virtio/virtqueue.c
 * walks the rings).  A transport (virtio-mmio, later PCI) owns a
 * virtio bus; the device on it calls virtio_notify() to interrupt.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef HW_VIRTIO_VIRTIO_H
#define HW_VIRTIO_VIRTIO_H

#include "hw/qdev-core.h"
#include "hw/virtio/virtqueue.h"

#define TYPE_VIRTIO_DEVICE "virtio-device"
#define TYPE_VIRTIO_BUS "virtio-bus"
#define VIRTIO_QUEUE_MAX 64

/* Device status bits. */
#define VIRTIO_CONFIG_S_ACKNOWLEDGE 1
#define VIRTIO_CONFIG_S_DRIVER      2
#define VIRTIO_CONFIG_S_DRIVER_OK   4
#define VIRTIO_CONFIG_S_FEATURES_OK 8
#define VIRTIO_CONFIG_S_NEEDS_RESET 0x40
#define VIRTIO_CONFIG_S_FAILED      0x80

#define VIRTIO_ISR_QUEUE  1
#define VIRTIO_ISR_CONFIG 2

typedef struct VirtIODevice VirtIODevice;
typedef void (*VirtIOHandleOutput)(VirtIODevice *vdev, VirtQueue *vq);

/* What the transport provides to the device. */
typedef struct VirtioBusState {
    BusState parent_obj;
    void (*notify)(DeviceState *transport, uint16_t vector);
} VirtioBusState;

struct VirtIODevice {
    DeviceState parent_obj;
    const char *name;
    uint16_t device_id;
    uint8_t status;
    uint8_t isr;                /* pending interrupt causes */
    uint64_t host_features;
    uint64_t guest_features;
    size_t config_len;
    uint8_t *config;
    uint32_t generation;        /* bumped when the config changes */
    int nvq;
    VirtQueue vq[VIRTIO_QUEUE_MAX];
    VirtIOHandleOutput handle[VIRTIO_QUEUE_MAX];
    uint16_t queue_max[VIRTIO_QUEUE_MAX];
};

typedef struct VirtioDeviceClass {
    DeviceClass parent;
    void (*realize)(DeviceState *dev, Error **errp);
    void (*unrealize)(DeviceState *dev);
    uint64_t (*get_features)(VirtIODevice *vdev, uint64_t features);
    void (*set_features)(VirtIODevice *vdev, uint64_t val);
    /* Refreshes vdev->config before a driver read. */
    void (*get_config)(VirtIODevice *vdev, uint8_t *config);
    void (*set_config)(VirtIODevice *vdev, const uint8_t *config);
    void (*reset)(VirtIODevice *vdev);
    void (*set_status)(VirtIODevice *vdev, uint8_t val);
} VirtioDeviceClass;

DECLARE_OBJ_CHECKERS(VirtIODevice, VirtioDeviceClass, VIRTIO_DEVICE,
                     TYPE_VIRTIO_DEVICE)
DECLARE_INSTANCE_CHECKER(VirtioBusState, VIRTIO_BUS, TYPE_VIRTIO_BUS)

void virtio_init(VirtIODevice *vdev, uint16_t device_id, size_t config_size);
void virtio_cleanup(VirtIODevice *vdev);
VirtQueue *virtio_add_queue(VirtIODevice *vdev, int queue_size,
                            VirtIOHandleOutput handle_output);
/* Interrupts the driver about @vq if the ring says it wants to know. */
void virtio_notify(VirtIODevice *vdev, VirtQueue *vq);
void virtio_notify_config(VirtIODevice *vdev);
void virtio_reset(VirtIODevice *vdev);
void virtio_set_status(VirtIODevice *vdev, uint8_t val);
/* Accepts the driver's features; false if it asked for unoffered ones. */
bool virtio_set_features(VirtIODevice *vdev, uint64_t val);
void virtio_queue_notify(VirtIODevice *vdev, int n);
void virtio_queue_set_ready(VirtIODevice *vdev, int n, hwaddr desc,
                            hwaddr avail, hwaddr used, bool ready);

/*
 * For transports: the device-specific configuration space as the driver
 * reads and writes it (out-of-range reads give 0, writes are dropped).
 */
uint64_t virtio_config_read(VirtIODevice *vdev, uint32_t offset,
                            unsigned size);
void virtio_config_write(VirtIODevice *vdev, uint32_t offset, uint64_t value,
                         unsigned size);
/*
 * For transports: the driver wrote a non-zero device status.  Setting
 * FEATURES_OK commits @driver_features; the bit stays clear when they are
 * refused (unoffered bits, or no VIRTIO_F_VERSION_1 on a modern-only
 * transport).
 */
void virtio_driver_write_status(VirtIODevice *vdev, uint8_t status,
                                uint64_t driver_features);

static inline bool virtio_has_feature(uint64_t features, unsigned int fbit)
{
    return features & (1ULL << fbit);
}

#endif
