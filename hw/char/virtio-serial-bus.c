/*
 * virtio-serial-device: the virtio console device with multiple ports
 * (VIRTIO_CONSOLE_F_MULTIPORT), its control queue protocol, and the
 * "virtio-serial-bus" its ports (virtconsole, virtserialport) plug into.
 * Port data flows between the guest's queues and each port's chardev.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "hw/qdev-properties.h"
#include "hw/virtio/virtio-serial.h"
#include "migration/vmstate.h"

#define VIRTIO_ID_CONSOLE 3
#define VIRTIO_CONSOLE_F_SIZE      0
#define VIRTIO_CONSOLE_F_MULTIPORT 1

enum {
    VIRTIO_CONSOLE_DEVICE_READY = 0, VIRTIO_CONSOLE_PORT_ADD = 1,
    VIRTIO_CONSOLE_PORT_REMOVE = 2, VIRTIO_CONSOLE_PORT_READY = 3,
    VIRTIO_CONSOLE_CONSOLE_PORT = 4, VIRTIO_CONSOLE_RESIZE = 5,
    VIRTIO_CONSOLE_PORT_OPEN = 6, VIRTIO_CONSOLE_PORT_NAME = 7,
};

typedef struct __attribute__((packed)) ControlMsg {
    uint32_t id;
    uint16_t event;
    uint16_t value;
} ControlMsg;

typedef struct __attribute__((packed)) SerialConfig {
    uint16_t cols;
    uint16_t rows;
    uint32_t max_nr_ports;
    uint32_t emerg_wr;
} SerialConfig;

static VirtIOSerialPort *find_port(VirtIOSerial *vser, uint32_t id)
{
    BusChild *kid;

    QTAILQ_FOREACH(kid, &BUS(&vser->bus)->children, sibling) {
        VirtIOSerialPort *port = VIRTIO_SERIAL_PORT(kid->child);
        if (port->id == id) {
            return port;
        }
    }
    return NULL;
}

/* Queues: port 0 rx/tx are 0/1, control rx/tx 2/3, port n>0 at 2n+2. */
static VirtQueue *port_rx_vq(VirtIOSerial *vser, uint32_t id)
{
    return &VIRTIO_DEVICE(vser)->vq[id == 0 ? 0 : id * 2 + 2];
}

static void send_control(VirtIOSerial *vser, uint32_t id, uint16_t event,
                         uint16_t value, const char *extra)
{
    VirtIODevice *vdev = VIRTIO_DEVICE(vser);
    VirtQueue *vq = &vdev->vq[2];
    ControlMsg msg = { GUINT32_TO_LE(id), GUINT16_TO_LE(event),
                       GUINT16_TO_LE(value) };
    size_t extra_len = extra ? strlen(extra) : 0;
    g_autofree uint8_t *buf = g_malloc(sizeof(msg) + extra_len);
    VirtQueueElement *elem;
    size_t done = 0, len = sizeof(msg) + extra_len;

    memcpy(buf, &msg, sizeof(msg));
    if (extra_len) {
        memcpy(buf + sizeof(msg), extra, extra_len);
    }
    elem = virtqueue_pop(vq);
    if (!elem) {
        return;     /* the driver gave no buffer: it is not listening */
    }
    for (unsigned i = 0; i < elem->in_num && done < len; i++) {
        size_t n = MIN(elem->in_sg[i].iov_len, len - done);
        memcpy(elem->in_sg[i].iov_base, buf + done, n);
        done += n;
    }
    virtqueue_push(vq, elem, done);
    g_free(elem);
    virtio_notify(vdev, vq);
}

static void handle_control(VirtIOSerial *vser, const ControlMsg *msg)
{
    uint32_t id = GUINT32_FROM_LE(msg->id);
    uint16_t event = GUINT16_FROM_LE(msg->event);
    uint16_t value = GUINT16_FROM_LE(msg->value);
    VirtIOSerialPort *port;
    BusChild *kid;

    switch (event) {
    case VIRTIO_CONSOLE_DEVICE_READY:
        if (!value) {
            return;
        }
        QTAILQ_FOREACH(kid, &BUS(&vser->bus)->children, sibling) {
            port = VIRTIO_SERIAL_PORT(kid->child);
            send_control(vser, port->id, VIRTIO_CONSOLE_PORT_ADD, 1, NULL);
        }
        break;
    case VIRTIO_CONSOLE_PORT_READY:
        port = find_port(vser, id);
        if (!port || !value) {
            return;
        }
        if (port->is_console) {
            send_control(vser, id, VIRTIO_CONSOLE_CONSOLE_PORT, 1, NULL);
        }
        if (port->name) {
            send_control(vser, id, VIRTIO_CONSOLE_PORT_NAME, 1, port->name);
        }
        /* A connected (or console) port is open from the host side. */
        if (port->is_console || qemu_chr_fe_backend_open(&port->chr)) {
            send_control(vser, id, VIRTIO_CONSOLE_PORT_OPEN, 1, NULL);
        }
        break;
    case VIRTIO_CONSOLE_PORT_OPEN:
        port = find_port(vser, id);
        if (port) {
            port->guest_connected = value;
            qemu_chr_fe_accept_input(&port->chr);
        }
        break;
    default:
        break;
    }
}

static void control_out(VirtIODevice *vdev, VirtQueue *vq)
{
    VirtQueueElement *elem;

    while ((elem = virtqueue_pop(vq))) {
        ControlMsg msg;
        size_t done = 0;

        for (unsigned i = 0; i < elem->out_num && done < sizeof(msg); i++) {
            size_t n = MIN(elem->out_sg[i].iov_len, sizeof(msg) - done);
            memcpy((uint8_t *)&msg + done, elem->out_sg[i].iov_base, n);
            done += n;
        }
        virtqueue_push(vq, elem, 0);
        g_free(elem);
        if (done == sizeof(msg)) {
            handle_control(VIRTIO_SERIAL(vdev), &msg);
        }
    }
    virtio_notify(vdev, vq);
}

static void port_out(VirtIODevice *vdev, VirtQueue *vq)
{
    VirtIOSerial *vser = VIRTIO_SERIAL(vdev);
    int n = vq - vdev->vq;
    uint32_t id = n == 1 ? 0 : (n - 3) / 2;
    VirtIOSerialPort *port = find_port(vser, id);
    VirtQueueElement *elem;

    while ((elem = virtqueue_pop(vq))) {
        for (unsigned i = 0; port && i < elem->out_num; i++) {
            qemu_chr_fe_write_all(&port->chr, elem->out_sg[i].iov_base,
                                  elem->out_sg[i].iov_len);
        }
        virtqueue_push(vq, elem, 0);
        g_free(elem);
    }
    virtio_notify(vdev, vq);
}

static void port_in_ready(VirtIODevice *vdev, VirtQueue *vq)
{
    /* New receive buffers: ports may take input again. */
    BusChild *kid;

    QTAILQ_FOREACH(kid, &BUS(&VIRTIO_SERIAL(vdev)->bus)->children, sibling) {
        qemu_chr_fe_accept_input(&VIRTIO_SERIAL_PORT(kid->child)->chr);
    }
}

/* ---- The chardev side of a port ---- */

static int port_can_read(void *opaque)
{
    VirtIOSerialPort *port = opaque;
    VirtIODevice *vdev = VIRTIO_DEVICE(port->vser);
    VirtQueue *vq = port_rx_vq(port->vser, port->id);

    if (!(vdev->status & VIRTIO_CONFIG_S_DRIVER_OK) || !vq->ready ||
        (!port->guest_connected && !port->is_console) ||
        virtqueue_empty(vq)) {
        return 0;
    }
    return 4096;
}

static void port_read(void *opaque, const uint8_t *buf, int size)
{
    VirtIOSerialPort *port = opaque;
    VirtIODevice *vdev = VIRTIO_DEVICE(port->vser);
    VirtQueue *vq = port_rx_vq(port->vser, port->id);
    int offset = 0;

    while (offset < size) {
        VirtQueueElement *elem = virtqueue_pop(vq);
        size_t done = 0;

        if (!elem) {
            break;      /* can_read promised room: the guest took it back */
        }
        for (unsigned i = 0; i < elem->in_num && offset < size; i++) {
            size_t n = MIN(elem->in_sg[i].iov_len, (size_t)(size - offset));
            memcpy(elem->in_sg[i].iov_base, buf + offset, n);
            offset += n;
            done += n;
        }
        virtqueue_push(vq, elem, done);
        g_free(elem);
    }
    virtio_notify(vdev, vq);
}

static void port_event(void *opaque, QEMUChrEvent event)
{
    VirtIOSerialPort *port = opaque;

    if (port->is_console) {
        return;     /* consoles stay open */
    }
    if (event == CHR_EVENT_OPENED || event == CHR_EVENT_CLOSED) {
        send_control(port->vser, port->id, VIRTIO_CONSOLE_PORT_OPEN,
                     event == CHR_EVENT_OPENED, NULL);
    }
}

static void port_realize(DeviceState *dev, Error **errp)
{
    VirtIOSerialPort *port = VIRTIO_SERIAL_PORT(dev);
    VirtIOSerialBus *bus = VIRTIO_SERIAL_BUS(dev->parent_bus);
    VirtIOSerial *vser = bus->vser;

    port->vser = vser;
    if (port->id == UINT32_MAX) {
        /* Consoles take port 0 when free, others the first free number. */
        uint32_t id = port->is_console && !find_port(vser, 0) ? 0 : 1;
        while (find_port(vser, id) && id < vser->max_ports) {
            id++;
        }
        port->id = id;
    }
    if (port->id >= vser->max_ports) {
        error_setg(errp, "virtio-serial-bus: Out-of-range port id specified,"
                   " max. allowed: %u", vser->max_ports - 1);
        return;
    }
    {
        BusChild *kid;
        QTAILQ_FOREACH(kid, &BUS(bus)->children, sibling) {
            VirtIOSerialPort *p = VIRTIO_SERIAL_PORT(kid->child);
            if (p != port && p->id == port->id) {
                error_setg(errp, "virtio-serial-bus: A port already exists "
                           "at id %u", port->id);
                return;
            }
        }
    }
    qemu_chr_fe_set_handlers(&port->chr, port_can_read, port_read,
                             port_event, NULL, port, NULL, true);
}

static Property port_props[] = {
    DEFINE_PROP_CHR("chardev", VirtIOSerialPort, chr),
    DEFINE_PROP_UINT32("nr", VirtIOSerialPort, id, UINT32_MAX),
    DEFINE_PROP_STRING("name", VirtIOSerialPort, name),
    DEFINE_PROP_END_OF_LIST(),
};

static void port_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->bus_type = TYPE_VIRTIO_SERIAL_BUS;
    dc->realize = port_realize;
    device_class_set_props(dc, port_props);
}

static void virtconsole_init(Object *obj)
{
    VIRTIO_SERIAL_PORT(obj)->is_console = true;
}

/* ---- The device ---- */

static void vser_get_config(VirtIODevice *vdev, uint8_t *config)
{
    SerialConfig c = { .max_nr_ports =
                       GUINT32_TO_LE(VIRTIO_SERIAL(vdev)->max_ports) };

    memcpy(config, &c, sizeof(c));
}

static void vser_realize(DeviceState *dev, Error **errp)
{
    VirtIODevice *vdev = VIRTIO_DEVICE(dev);
    VirtIOSerial *vser = VIRTIO_SERIAL(dev);

    if (!vser->max_ports || vser->max_ports > 31) {
        error_setg(errp, "Maximum number of serial ports not specified");
        return;
    }
    virtio_init(vdev, VIRTIO_ID_CONSOLE, sizeof(SerialConfig));
    vdev->host_features |= 1ULL << VIRTIO_CONSOLE_F_MULTIPORT;
    for (uint32_t i = 0; i < vser->max_ports; i++) {
        virtio_add_queue(vdev, 128, port_in_ready);
        virtio_add_queue(vdev, 128, port_out);
        if (i == 0) {
            virtio_add_queue(vdev, 32, NULL);           /* control rx */
            virtio_add_queue(vdev, 32, control_out);    /* control tx */
        }
    }
    qbus_init(&vser->bus, sizeof(vser->bus), TYPE_VIRTIO_SERIAL_BUS, dev,
              NULL);
    vser->bus.vser = vser;
}

static const VMStateDescription vmstate_virtio_serial = {
    .name = "virtio-console",
    .minimum_version_id = 3,
    .version_id = 3,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8(parent_obj.status, VirtIOSerial),
        VMSTATE_UINT64(parent_obj.guest_features, VirtIOSerial),
        VMSTATE_UINT32(max_ports, VirtIOSerial),
        VMSTATE_END_OF_LIST()
    },
};

static const VMStateDescription vmstate_port = {
    .name = "virtio-serial-port",
    .minimum_version_id = 1,
    .version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(id, VirtIOSerialPort),
        VMSTATE_BOOL(guest_connected, VirtIOSerialPort),
        VMSTATE_END_OF_LIST()
    },
};

static Property vser_props[] = {
    DEFINE_PROP_UINT32("max_ports", VirtIOSerial, max_ports, 31),
    DEFINE_PROP_END_OF_LIST(),
};

static void vser_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    VirtioDeviceClass *vdc = VIRTIO_DEVICE_CLASS(klass);

    device_class_set_props(dc, vser_props);
    dc->vmsd = &vmstate_virtio_serial;
    vdc->realize = vser_realize;
    vdc->get_config = vser_get_config;
}

static void port_base_class_init(ObjectClass *klass, void *data)
{
    port_class_init(klass, data);
    DEVICE_CLASS(klass)->vmsd = &vmstate_port;
}

static void serial_bus_class_init(ObjectClass *klass, void *data)
{
    BUS_CLASS(klass)->max_dev = 31;
}

static const TypeInfo virtio_serial_types[] = {
    {
        .name = TYPE_VIRTIO_SERIAL,
        .parent = TYPE_VIRTIO_DEVICE,
        .instance_size = sizeof(VirtIOSerial),
        .class_init = vser_class_init,
    }, {
        .name = TYPE_VIRTIO_SERIAL_BUS,
        .parent = TYPE_BUS,
        .instance_size = sizeof(VirtIOSerialBus),
        .class_init = serial_bus_class_init,
    }, {
        .name = TYPE_VIRTIO_SERIAL_PORT,
        .parent = TYPE_DEVICE,
        .instance_size = sizeof(VirtIOSerialPort),
        .abstract = true,
        .class_init = port_base_class_init,
    }, {
        .name = "virtserialport",
        .parent = TYPE_VIRTIO_SERIAL_PORT,
    }, {
        .name = "virtconsole",
        .parent = TYPE_VIRTIO_SERIAL_PORT,
        .instance_init = virtconsole_init,
    },
};

DEFINE_TYPES(virtio_serial_types)
