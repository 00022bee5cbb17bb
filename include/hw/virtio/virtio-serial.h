/*
 * virtio-serial-device, its bus and its ports (virtconsole,
 * virtserialport).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef HW_VIRTIO_SERIAL_H
#define HW_VIRTIO_SERIAL_H

#include "hw/virtio/virtio.h"
#include "hw/qdev-properties-system.h"

#define TYPE_VIRTIO_SERIAL "virtio-serial-device"
#define TYPE_VIRTIO_SERIAL_BUS "virtio-serial-bus"
#define TYPE_VIRTIO_SERIAL_PORT "virtio-serial-port"

typedef struct VirtIOSerial VirtIOSerial;

typedef struct VirtIOSerialBus {
    BusState qbus;
    VirtIOSerial *vser;
} VirtIOSerialBus;

struct VirtIOSerial {
    VirtIODevice parent_obj;
    VirtIOSerialBus bus;
    uint32_t max_ports;
};

typedef struct VirtIOSerialPort {
    DeviceState dev;
    VirtIOSerial *vser;
    CharBackend chr;
    uint32_t id;
    char *name;
    bool is_console;
    bool guest_connected;
} VirtIOSerialPort;

DECLARE_INSTANCE_CHECKER(VirtIOSerial, VIRTIO_SERIAL, TYPE_VIRTIO_SERIAL)
DECLARE_INSTANCE_CHECKER(VirtIOSerialBus, VIRTIO_SERIAL_BUS,
                         TYPE_VIRTIO_SERIAL_BUS)
DECLARE_INSTANCE_CHECKER(VirtIOSerialPort, VIRTIO_SERIAL_PORT,
                         TYPE_VIRTIO_SERIAL_PORT)

#endif
