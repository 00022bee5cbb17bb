/*
 * qdev: devices (QOM objects realized once configured), the buses they
 * sit on, their GPIO lines and reset.  QEMU's names and semantics.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef HW_QDEV_CORE_H
#define HW_QDEV_CORE_H

#include "vireo/osdep.h"
#include "vireo/queue.h"
#include "qom/object.h"

typedef struct IRQState *qemu_irq;
typedef void (*qemu_irq_handler)(void *opaque, int n, int level);
typedef struct VMStateDescription VMStateDescription;
typedef struct Property Property;
typedef struct BusState BusState;
typedef struct BusClass BusClass;
typedef struct DeviceState DeviceState;
typedef struct DeviceClass DeviceClass;

#define TYPE_DEVICE "device"
#define TYPE_BUS "bus"

typedef enum DeviceCategory {
    DEVICE_CATEGORY_BRIDGE,
    DEVICE_CATEGORY_USB,
    DEVICE_CATEGORY_STORAGE,
    DEVICE_CATEGORY_NETWORK,
    DEVICE_CATEGORY_INPUT,
    DEVICE_CATEGORY_DISPLAY,
    DEVICE_CATEGORY_SOUND,
    DEVICE_CATEGORY_MISC,
    DEVICE_CATEGORY_CPU,
    DEVICE_CATEGORY_WATCHDOG,
    DEVICE_CATEGORY_MAX
} DeviceCategory;

typedef void (*DeviceRealize)(DeviceState *dev, Error **errp);
typedef void (*DeviceUnrealize)(DeviceState *dev);
typedef void (*DeviceReset)(DeviceState *dev);

struct DeviceClass {
    ObjectClass parent_class;
    unsigned long categories[1];
    const char *fw_name;
    const char *desc;
    Property *props_;
    /* -device / device_add may create it (false for board parts). */
    bool user_creatable;
    bool hotpluggable;
    DeviceReset legacy_reset;
    DeviceRealize realize;
    DeviceUnrealize unrealize;
    const VMStateDescription *vmsd;
    /* The bus type it plugs into (NULL: none). */
    const char *bus_type;
};

typedef struct NamedGPIOList NamedGPIOList;
struct NamedGPIOList {
    char *name;
    qemu_irq *in;
    int num_in;
    int num_out;
    QLIST_ENTRY(NamedGPIOList) node;
};

struct DeviceState {
    Object parent_obj;
    char *id;               /* -device id=, or NULL */
    char *canonical_path;
    bool realized;
    bool pending_deleted_event;
    int hotplugged;
    BusState *parent_bus;
    QLIST_HEAD(, NamedGPIOList) gpios;
    QLIST_HEAD(, BusState) child_bus;
    int num_child_bus;
};

typedef struct BusChild {
    DeviceState *child;
    int index;
    QTAILQ_ENTRY(BusChild) sibling;
} BusChild;

struct BusClass {
    ObjectClass parent_class;
    /* Where a device of this bus lives in the firmware path. */
    char *(*get_dev_path)(DeviceState *dev);
    int max_dev;
};

/*
 * What a bus that supports hotplug does (the controller owning it sets
 * BusState.hotplug): announce a device realized while the machine runs,
 * and start removing one on device_del.  Removal finishes, possibly much
 * later, when the guest let go of the device: qdev_unplug_done().
 */
typedef struct BusHotplug {
    void (*plug)(BusState *bus, DeviceState *dev, Error **errp);
    void (*unplug_request)(BusState *bus, DeviceState *dev, Error **errp);
} BusHotplug;

struct BusState {
    Object obj;
    DeviceState *parent;
    char *name;
    int num_children;
    bool realized;
    const BusHotplug *hotplug;  /* NULL: no hotplug on this bus */
    QTAILQ_HEAD(, BusChild) children;
    QLIST_ENTRY(BusState) sibling;
};

DECLARE_OBJ_CHECKERS(DeviceState, DeviceClass, DEVICE, TYPE_DEVICE)
DECLARE_OBJ_CHECKERS(BusState, BusClass, BUS, TYPE_BUS)

static inline void set_bit_category(DeviceClass *dc, DeviceCategory c)
{
    dc->categories[0] |= 1UL << c;
}

void device_class_set_props(DeviceClass *dc, Property *props);
void device_class_set_legacy_reset(DeviceClass *dc, DeviceReset dev_reset);

DeviceState *qdev_new(const char *name);
DeviceState *qdev_try_new(const char *name);
bool qdev_realize(DeviceState *dev, BusState *bus, Error **errp);
/* Set once the machine is built: device_add from then on is a hotplug. */
extern bool qdev_hotplug;
/* A hot-unplug completed: the device goes, DEVICE_DELETED is sent. */
void qdev_unplug_done(DeviceState *dev);
bool qdev_realize_and_unref(DeviceState *dev, BusState *bus, Error **errp);
void qdev_unrealize(DeviceState *dev);
/* Sets the parent bus (before realize). */
bool qdev_set_parent_bus(DeviceState *dev, BusState *bus, Error **errp);
BusState *qdev_get_parent_bus(const DeviceState *dev);
const char *qdev_fw_name(DeviceState *dev);
/* Devices not placed anywhere go to /machine/unattached/device[N]. */
Object *qdev_get_machine(void);

void qdev_init_gpio_in(DeviceState *dev, qemu_irq_handler handler, int n);
void qdev_init_gpio_out(DeviceState *dev, qemu_irq *pins, int n);
void qdev_init_gpio_in_named(DeviceState *dev, qemu_irq_handler handler,
                             const char *name, int n);
void qdev_init_gpio_out_named(DeviceState *dev, qemu_irq *pins,
                              const char *name, int n);
qemu_irq qdev_get_gpio_in(DeviceState *dev, int n);
qemu_irq qdev_get_gpio_in_named(DeviceState *dev, const char *name, int n);
void qdev_connect_gpio_out(DeviceState *dev, int n, qemu_irq pin);
void qdev_connect_gpio_out_named(DeviceState *dev, const char *name, int n,
                                 qemu_irq pin);

/* Buses. */
BusState *qbus_new(const char *typename, DeviceState *parent,
                   const char *name);
void qbus_init(void *bus, size_t size, const char *typename,
               DeviceState *parent, const char *name);
BusState *qdev_get_child_bus(DeviceState *dev, const char *name);
/* The machine's main system bus (sysbus). */
BusState *sysbus_get_default(void);

/* Reset: the device's registers to power-on state. */
void device_cold_reset(DeviceState *dev);
/* Every device in the tree below @bus, children first. */
void bus_cold_reset(BusState *bus);
void qdev_reset_all_fn(void *opaque);

/* Finds a device by id (-device id=) or QOM path, as device_del does. */
DeviceState *qdev_find_by_id_or_path(const char *id, Error **errp);

#endif
