/*
 * qdev core: device realize/unrealize through the "realized" property,
 * buses, GPIO lines, reset and the registration of migratable state.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "vireo/error-report.h"
#include "hw/qdev-core.h"
#include "hw/qdev-properties.h"
#include "hw/irq.h"
#include "migration/vmstate.h"
#include "qapi/visitor.h"

static int unattached_count;

Object *qdev_get_machine(void)
{
    static Object *dev;

    if (!dev) {
        dev = container_get(object_get_root(), "/machine");
    }
    return dev;
}

DeviceState *qdev_try_new(const char *name)
{
    if (!object_class_by_name(name)) {
        return NULL;
    }
    return DEVICE(object_new(name));
}

DeviceState *qdev_new(const char *name)
{
    ObjectClass *oc = object_class_by_name(name);

    if (!oc) {
        error_report("unknown type '%s'", name);
        abort();
    }
    return DEVICE(object_new(name));
}

/* ---- Buses ---- */

static void bus_add_child(BusState *bus, DeviceState *child)
{
    BusChild *kid = g_new0(BusChild, 1);
    g_autofree char *name = NULL;

    bus->num_children++;
    kid->index = bus->num_children - 1;
    kid->child = child;
    object_ref(OBJECT(kid->child));
    QTAILQ_INSERT_HEAD(&bus->children, kid, sibling);
    name = g_strdup_printf("child[%d]", kid->index);
    object_property_add_link(OBJECT(bus), name,
                             object_get_typename(OBJECT(child)),
                             (Object **)&kid->child, NULL, 0);
}

static void bus_remove_child(BusState *bus, DeviceState *child)
{
    BusChild *kid;

    QTAILQ_FOREACH(kid, &bus->children, sibling) {
        if (kid->child == child) {
            g_autofree char *name = g_strdup_printf("child[%d]", kid->index);

            QTAILQ_REMOVE(&bus->children, kid, sibling);
            bus->num_children--;
            object_property_del(OBJECT(bus), name);
            object_unref(OBJECT(kid->child));
            g_free(kid);
            return;
        }
    }
}

bool qdev_set_parent_bus(DeviceState *dev, BusState *bus, Error **errp)
{
    BusState *old = dev->parent_bus;

    object_ref(OBJECT(dev));
    if (old) {
        bus_remove_child(old, dev);
        object_unref(OBJECT(old));
    }
    dev->parent_bus = bus;
    object_ref(OBJECT(bus));
    bus_add_child(bus, dev);
    object_unref(OBJECT(dev));
    return true;
}

BusState *qdev_get_parent_bus(const DeviceState *dev)
{
    return dev->parent_bus;
}

/* Names the bus and hangs it under @parent (which then owns it). */
static void bus_attach(BusState *bus, const char *typename,
                       DeviceState *parent, const char *name)
{
    bus->parent = parent;
    if (name) {
        bus->name = g_strdup(name);
    } else if (parent && parent->id) {
        bus->name = g_strdup_printf("%s.%d", parent->id,
                                    parent->num_child_bus);
    } else {
        /* The type name, lowercased, numbered per parent. */
        g_autofree char *lower = g_ascii_strdown(typename, -1);
        bus->name = g_strdup_printf("%s.%d", lower,
                                    parent ? parent->num_child_bus : 0);
    }
    if (parent) {
        QLIST_INSERT_HEAD(&parent->child_bus, bus, sibling);
        parent->num_child_bus++;
        object_property_add_child(OBJECT(parent), bus->name, OBJECT(bus));
        object_unref(OBJECT(bus));
    }
}

void qbus_init(void *bus_ptr, size_t size, const char *typename,
               DeviceState *parent, const char *name)
{
    object_initialize(bus_ptr, size, typename);
    bus_attach(bus_ptr, typename, parent, name);
}

BusState *qbus_new(const char *typename, DeviceState *parent,
                   const char *name)
{
    BusState *bus = BUS(object_new(typename));

    bus_attach(bus, typename, parent, name);
    return bus;
}

BusState *qdev_get_child_bus(DeviceState *dev, const char *name)
{
    BusState *bus;

    QLIST_FOREACH(bus, &dev->child_bus, sibling) {
        if (!strcmp(name, bus->name)) {
            return bus;
        }
    }
    return NULL;
}

static void bus_instance_init(Object *obj)
{
    BusState *bus = BUS(obj);

    QTAILQ_INIT(&bus->children);
}

static void bus_instance_finalize(Object *obj)
{
    BusState *bus = BUS(obj);

    g_free(bus->name);
}

/* ---- Realize ---- */

static bool device_get_realized(Object *obj, Error **errp)
{
    return DEVICE(obj)->realized;
}

static void device_set_realized(Object *obj, bool value, Error **errp)
{
    DeviceState *dev = DEVICE(obj);
    DeviceClass *dc = DEVICE_GET_CLASS(dev);
    Error *local_err = NULL;

    if (value == dev->realized) {
        return;
    }
    if (value) {
        if (!obj->parent) {
            g_autofree char *name = g_strdup_printf("device[%d]",
                                                    unattached_count++);
            object_property_add_child(container_get(qdev_get_machine(),
                                                    "/unattached"),
                                      name, obj);
        }
        if (dc->realize) {
            dc->realize(dev, &local_err);
            if (local_err) {
                error_propagate(errp, local_err);
                return;
            }
        }
        if (dc->vmsd) {
            vmstate_register(dev, -1, dc->vmsd, dev);
        }
        g_free(dev->canonical_path);
        dev->canonical_path = object_get_canonical_path(OBJECT(dev));
        dev->realized = true;
        if (dc->legacy_reset) {
            dc->legacy_reset(dev);
        }
    } else {
        if (dc->vmsd) {
            vmstate_unregister(dev, dc->vmsd, dev);
        }
        if (dc->unrealize) {
            dc->unrealize(dev);
        }
        dev->realized = false;
    }
}

bool qdev_realize(DeviceState *dev, BusState *bus, Error **errp)
{
    if (bus) {
        if (!qdev_set_parent_bus(dev, bus, errp)) {
            return false;
        }
    }
    return object_property_set_bool(OBJECT(dev), "realized", true, errp);
}

bool qdev_realize_and_unref(DeviceState *dev, BusState *bus, Error **errp)
{
    bool ret = qdev_realize(dev, bus, errp);

    object_unref(OBJECT(dev));
    return ret;
}

void qdev_unrealize(DeviceState *dev)
{
    object_property_set_bool(OBJECT(dev), "realized", false, &error_abort);
}

const char *qdev_fw_name(DeviceState *dev)
{
    DeviceClass *dc = DEVICE_GET_CLASS(dev);

    return dc->fw_name ? dc->fw_name : object_get_typename(OBJECT(dev));
}

/* ---- GPIOs ---- */

static NamedGPIOList *gpio_list(DeviceState *dev, const char *name)
{
    NamedGPIOList *ngl;

    QLIST_FOREACH(ngl, &dev->gpios, node) {
        if (g_strcmp0(name, ngl->name) == 0) {
            return ngl;
        }
    }
    ngl = g_new0(NamedGPIOList, 1);
    ngl->name = g_strdup(name);
    QLIST_INSERT_HEAD(&dev->gpios, ngl, node);
    return ngl;
}

void qdev_init_gpio_in_named(DeviceState *dev, qemu_irq_handler handler,
                             const char *name, int n)
{
    NamedGPIOList *gpio = gpio_list(dev, name);

    gpio->in = g_renew(qemu_irq, gpio->in, gpio->num_in + n);
    for (int i = 0; i < n; i++) {
        gpio->in[gpio->num_in + i] = qemu_allocate_irq(handler, dev,
                                                       gpio->num_in + i);
    }
    gpio->num_in += n;
}

void qdev_init_gpio_in(DeviceState *dev, qemu_irq_handler handler, int n)
{
    qdev_init_gpio_in_named(dev, handler, NULL, n);
}

static const char *gpio_out_name(const char *name)
{
    return name ? name : "unnamed-gpio-out";
}

/*
 * Output lines are link<irq> properties "name[i]" pointing at the
 * qemu_irq the board connects; the device raises *pins[i].
 */
void qdev_init_gpio_out_named(DeviceState *dev, qemu_irq *pins,
                              const char *name, int n)
{
    NamedGPIOList *gpio = gpio_list(dev, name);

    for (int i = 0; i < n; i++) {
        g_autofree char *propname = g_strdup_printf("%s[%d]",
                                                    gpio_out_name(name),
                                                    gpio->num_out + i);
        pins[i] = NULL;
        object_property_add_link(OBJECT(dev), propname, TYPE_IRQ,
                                 (Object **)&pins[i],
                                 object_property_allow_set_link,
                                 OBJ_PROP_LINK_STRONG);
    }
    gpio->num_out += n;
}

void qdev_init_gpio_out(DeviceState *dev, qemu_irq *pins, int n)
{
    qdev_init_gpio_out_named(dev, pins, NULL, n);
}

qemu_irq qdev_get_gpio_in_named(DeviceState *dev, const char *name, int n)
{
    NamedGPIOList *gpio = gpio_list(dev, name);

    g_assert(n >= 0 && n < gpio->num_in);
    return gpio->in[n];
}

qemu_irq qdev_get_gpio_in(DeviceState *dev, int n)
{
    return qdev_get_gpio_in_named(dev, NULL, n);
}

void qdev_connect_gpio_out_named(DeviceState *dev, const char *name, int n,
                                 qemu_irq pin)
{
    g_autofree char *propname = g_strdup_printf("%s[%d]", gpio_out_name(name),
                                                n);

    if (pin && !OBJECT(pin)->parent) {
        /* The irq needs a place in the tree for its link to resolve. */
        static int unattached_irqs;
        g_autofree char *irqname = g_strdup_printf("non-qdev-gpio[%d]",
                                                   unattached_irqs++);
        object_property_add_child(container_get(qdev_get_machine(),
                                                "/unattached"),
                                  irqname, OBJECT(pin));
    }
    object_property_set_link(OBJECT(dev), propname, OBJECT(pin),
                             &error_abort);
}

void qdev_connect_gpio_out(DeviceState *dev, int n, qemu_irq pin)
{
    qdev_connect_gpio_out_named(dev, NULL, n, pin);
}

/* ---- Reset ---- */

void device_cold_reset(DeviceState *dev)
{
    DeviceClass *dc = DEVICE_GET_CLASS(dev);
    BusState *bus;

    QLIST_FOREACH(bus, &dev->child_bus, sibling) {
        bus_cold_reset(bus);
    }
    if (dc->legacy_reset) {
        dc->legacy_reset(dev);
    }
}

void bus_cold_reset(BusState *bus)
{
    BusChild *kid;

    QTAILQ_FOREACH(kid, &bus->children, sibling) {
        device_cold_reset(kid->child);
    }
}

void qdev_reset_all_fn(void *opaque)
{
    bus_cold_reset(BUS(opaque));
}

void device_class_set_legacy_reset(DeviceClass *dc, DeviceReset dev_reset)
{
    dc->legacy_reset = dev_reset;
}

DeviceState *qdev_find_by_id_or_path(const char *id, Error **errp)
{
    Object *obj = object_resolve_path_at(container_get(qdev_get_machine(),
                                                       "/peripheral"), id);
    DeviceState *dev;

    if (!obj) {
        obj = object_resolve_path_type(id, TYPE_DEVICE, NULL);
    }
    dev = (DeviceState *)object_dynamic_cast(obj, TYPE_DEVICE);
    if (!dev) {
        error_set(errp, ERROR_CLASS_DEVICE_NOT_FOUND,
                  "Device '%s' not found", id);
    }
    return dev;
}

/* ---- Types ---- */

static void device_initfn(Object *obj)
{
    DeviceState *dev = DEVICE(obj);

    QLIST_INIT(&dev->gpios);
    QLIST_INIT(&dev->child_bus);
    qdev_prop_set_globals(dev);
}

static void device_finalize(Object *obj)
{
    DeviceState *dev = DEVICE(obj);
    NamedGPIOList *ngl, *next;

    QLIST_FOREACH_SAFE(ngl, &dev->gpios, node, next) {
        QLIST_REMOVE(ngl, node);
        for (int i = 0; i < ngl->num_in; i++) {
            qemu_free_irq(ngl->in[i]);
        }
        g_free(ngl->in);
        g_free(ngl->name);
        g_free(ngl);
    }
    if (dev->parent_bus) {
        bus_remove_child(dev->parent_bus, dev);
        object_unref(OBJECT(dev->parent_bus));
        dev->parent_bus = NULL;
    }
    g_free(dev->id);
    g_free(dev->canonical_path);
}

static void device_unparent(Object *obj)
{
    DeviceState *dev = DEVICE(obj);
    BusState *bus;

    if (dev->realized) {
        qdev_unrealize(dev);
    }
    while ((bus = QLIST_FIRST(&dev->child_bus))) {
        QLIST_REMOVE(bus, sibling);
        dev->num_child_bus--;
        object_unparent(OBJECT(bus));
    }
    if (dev->parent_bus) {
        bus_remove_child(dev->parent_bus, dev);
        object_unref(OBJECT(dev->parent_bus));
        dev->parent_bus = NULL;
    }
}

static char *device_get_parent_bus(Object *obj, Error **errp)
{
    DeviceState *dev = DEVICE(obj);

    return dev->parent_bus ? object_get_canonical_path(OBJECT(dev->parent_bus))
                           : g_strdup("");
}

bool qdev_hotplug;

static bool device_get_hotpluggable(Object *obj, Error **errp)
{
    return DEVICE_GET_CLASS(obj)->hotpluggable;
}

static bool device_get_hotplugged(Object *obj, Error **errp)
{
    return DEVICE(obj)->hotplugged;
}

static void device_class_init(ObjectClass *class, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(class);

    class->unparent = device_unparent;
    /* Devices are user-creatable unless their class says otherwise. */
    dc->user_creatable = true;
    object_class_property_add_bool(class, "realized", device_get_realized,
                                   device_set_realized);
    object_class_property_add_bool(class, "hotpluggable",
                                   device_get_hotpluggable, NULL);
    object_class_property_add_bool(class, "hotplugged",
                                   device_get_hotplugged, NULL);
    object_class_property_add_str(class, "parent_bus",
                                  device_get_parent_bus, NULL);
}

static const TypeInfo qdev_types[] = {
    {
        .name = TYPE_DEVICE,
        .parent = TYPE_OBJECT,
        .instance_size = sizeof(DeviceState),
        .instance_init = device_initfn,
        .instance_finalize = device_finalize,
        .class_init = device_class_init,
        .abstract = true,
        .class_size = sizeof(DeviceClass),
    }, {
        .name = TYPE_BUS,
        .parent = TYPE_OBJECT,
        .instance_size = sizeof(BusState),
        .abstract = true,
        .class_size = sizeof(BusClass),
        .instance_init = bus_instance_init,
        .instance_finalize = bus_instance_finalize,
    },
};

DEFINE_TYPES(qdev_types)
