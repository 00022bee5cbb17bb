/*
 * -device, device_add and device_del: user-created devices by driver
 * name, with their properties from key=value or JSON, placed under
 * /machine/peripheral (with id) or /machine/peripheral-anon.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "vireo/cutils.h"
#include "vireo/keyval.h"
#include "hw/qdev-core.h"
#include "hw/sysbus.h"
#include "qapi/qapi-commands-qdev.h"
#include "qapi/qapi-events-qdev.h"
#include "qapi/qobject-input-visitor.h"
#include "qapi/visitor.h"
#include "qobject/qdict.h"
#include "qobject/qjson.h"
#include "qobject/qstring.h"
#include "system/vl.h"

static int anon_count;

static BusState *find_free_bus(BusState *bus, const char *type)
{
    BusChild *kid;

    QTAILQ_FOREACH(kid, &bus->children, sibling) {
        BusState *child;

        QLIST_FOREACH(child, &kid->child->child_bus, sibling) {
            int max = BUS_GET_CLASS(child)->max_dev;
            BusState *deeper;

            if (object_dynamic_cast(OBJECT(child), type) &&
                (!max || child->num_children < max)) {
                return child;
            }
            deeper = find_free_bus(child, type);
            if (deeper) {
                return deeper;
            }
        }
    }
    return NULL;
}

/* The bus for a device of class @dc: the named one, or the first fit. */
static BusState *find_bus(DeviceClass *dc, const char *path, Error **errp)
{
    if (path) {
        Object *obj = object_resolve_path_type(path, TYPE_BUS, NULL);
        if (!obj) {
            error_setg(errp, "Bus '%s' not found", path);
            return NULL;
        }
        if (!dc->bus_type || !object_dynamic_cast(obj, dc->bus_type)) {
            error_setg(errp, "Device '%s' can't go on %s bus",
                       object_class_get_name(OBJECT_CLASS(dc)),
                       object_get_typename(obj));
            return NULL;
        }
        return BUS(obj);
    }
    if (!dc->bus_type) {
        return NULL;
    }
    /* As QEMU: the first bus of the right type with a free slot, walking
     * the device tree from the system bus in list order. */
    {
        BusState *found = find_free_bus(sysbus_get_default(), dc->bus_type);
        if (found) {
            return found;
        }
    }
    error_setg(errp, "No '%s' bus found for device '%s'", dc->bus_type,
               object_class_get_name(OBJECT_CLASS(dc)));
    return NULL;
}

/* QEMU's short names: "virtio-blk" is the PCI model where PCI exists. */
static const char *device_alias(const char *driver)
{
    static const char *const aliases[][2] = {
        { "virtio-blk", "virtio-blk-pci" },
        { "virtio-net", "virtio-net-pci" },
        { "virtio-rng", "virtio-rng-pci" },
        { "virtio-serial", "virtio-serial-pci" },
        { "virtio-balloon", "virtio-balloon-pci" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(aliases); i++) {
        if (!strcmp(driver, aliases[i][0]) &&
            object_class_by_name(aliases[i][1])) {
            return aliases[i][1];
        }
    }
    return driver;
}

static DeviceState *device_add_qdict(QDict *opts, bool from_json,
                                     Error **errp)
{
    const char *driver = qdict_get_try_str(opts, "driver");
    const char *id = qdict_get_try_str(opts, "id");
    const char *bus_path = qdict_get_try_str(opts, "bus");
    ObjectClass *oc;
    DeviceClass *dc;
    DeviceState *dev;
    BusState *bus = NULL;
    Error *err = NULL;

    if (!driver) {
        error_setg(errp, "Parameter '%s' is missing", "driver");
        return NULL;
    }
    driver = device_alias(driver);
    oc = object_class_by_name(driver);
    if (!oc || !object_class_dynamic_cast(oc, TYPE_DEVICE) ||
        object_class_is_abstract(oc)) {
        error_setg(errp, "'%s' is not a valid device model name", driver);
        return NULL;
    }
    dc = DEVICE_CLASS(oc);
    if (!dc->user_creatable) {
        error_setg(errp, "Parameter '%s' expects %s", "driver",
                   "a pluggable device type");
        return NULL;
    }
    if (id && !id_wellformed(id)) {
        error_setg(errp, "Parameter '%s' expects %s", "id", "an identifier");
        error_append_hint(errp, "Identifiers consist of letters, digits, "
                          "'-', '.', '_', starting with a letter.\n");
        return NULL;
    }
    if (id && object_resolve_path_component(
            container_get(qdev_get_machine(), "/peripheral"), id)) {
        error_setg(errp, "Duplicate device ID '%s'", id);
        return NULL;
    }
    if (dc->bus_type || bus_path) {
        bus = find_bus(dc, bus_path, errp);
        if (!bus) {
            return NULL;
        }
    }
    /*
     * Once the machine runs, a device the guest cannot discover must not
     * appear to have been added: only buses with a hotplug controller
     * take devices then, and only devices that can be hotplugged.
     */
    if (qdev_hotplug) {
        if (!bus) {
            error_setg(errp, "Device '%s' can not be hotplugged on this "
                       "machine", driver);
            return NULL;
        }
        if (!bus->hotplug) {
            error_setg(errp, "Bus '%s' does not support hotplugging",
                       bus->name);
            return NULL;
        }
        if (!dc->hotpluggable) {
            error_setg(errp, "Device '%s' does not support hotplugging",
                       driver);
            return NULL;
        }
    }
    dev = qdev_new(driver);
    if (id) {
        dev->id = g_strdup(id);
        object_property_add_child(container_get(qdev_get_machine(),
                                                "/peripheral"),
                                  id, OBJECT(dev));
    } else {
        g_autofree char *name = g_strdup_printf("device[%d]", anon_count++);
        object_property_add_child(container_get(qdev_get_machine(),
                                                "/peripheral-anon"),
                                  name, OBJECT(dev));
    }
    for (const QDictEntry *e = qdict_first(opts); e;
         e = qdict_next(opts, e)) {
        const char *key = qdict_entry_key(e);
        QObject *v = qdict_entry_value(e);
        Visitor *visitor;

        if (!strcmp(key, "driver") || !strcmp(key, "id") ||
            !strcmp(key, "bus")) {
            continue;
        }
        visitor = from_json ? qobject_input_visitor_new(v)
                            : qobject_input_visitor_new_keyval(v);
        object_property_set(OBJECT(dev), key, visitor, &err);
        visit_free(visitor);
        if (err) {
            goto fail;
        }
    }
    dev->hotplugged = qdev_hotplug;
    if (!qdev_realize(dev, bus, &err)) {
        goto fail;
    }
    if (qdev_hotplug) {
        bus->hotplug->plug(bus, dev, &err);
        if (err) {
            object_property_set_bool(OBJECT(dev), "realized", false, NULL);
            goto fail;
        }
    }
    object_unref(OBJECT(dev));
    return dev;
fail:
    error_propagate(errp, err);
    object_unparent(OBJECT(dev));
    object_unref(OBJECT(dev));
    return NULL;
}

bool vl_device_add(const char *optarg, Error **errp)
{
    bool from_json, help = false;
    QDict *opts = keyval_or_json_parse(optarg, "driver", &help, &from_json,
                                       errp);
    DeviceState *dev;

    if (!opts) {
        return false;
    }
    if (help) {
        const char *driver = qdict_get_try_str(opts, "driver");
        qdev_print_device_help(driver);
        qobject_unref(opts);
        exit(0);
    }
    dev = device_add_qdict(opts, from_json, errp);
    qobject_unref(opts);
    return dev != NULL;
}

void qmp_device_add(QDict *qdict, QObject **ret_data, Error **errp)
{
    device_add_qdict(qdict, true, errp);
}

void qmp_device_del(const char *id, Error **errp)
{
    DeviceState *dev = qdev_find_by_id_or_path(id, errp);
    BusState *bus;

    if (!dev) {
        return;
    }
    bus = dev->parent_bus;
    if (!bus || !bus->hotplug) {
        error_setg(errp, "Bus '%s' does not support hotplugging",
                   bus ? bus->name : "none");
        return;
    }
    if (!DEVICE_GET_CLASS(dev)->hotpluggable) {
        error_setg(errp, "Device '%s' does not support hotplugging",
                   object_get_typename(OBJECT(dev)));
        return;
    }
    if (dev->pending_deleted_event) {
        error_setg(errp, "Device %s is already in the process of unplug",
                   id);
        return;
    }
    bus->hotplug->unplug_request(bus, dev, errp);
}

/* DEVICE_DELETED for @dev and, first, for the devices on its buses. */
static void send_deleted_events(DeviceState *dev)
{
    BusState *child;
    g_autofree char *path = object_get_canonical_path(OBJECT(dev));

    QLIST_FOREACH(child, &dev->child_bus, sibling) {
        BusChild *kid;

        QTAILQ_FOREACH(kid, &child->children, sibling) {
            send_deleted_events(kid->child);
        }
    }
    qapi_event_send_device_deleted(dev->id, path);
}

void qdev_unplug_done(DeviceState *dev)
{
    object_ref(OBJECT(dev));
    object_property_set_bool(OBJECT(dev), "realized", false, NULL);
    send_deleted_events(dev);
    object_unparent(OBJECT(dev));
    object_unref(OBJECT(dev));
}

static void print_device(ObjectClass *klass, void *opaque)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    if (dc->user_creatable) {
        printf("name \"%s\"", object_class_get_name(klass));
        if (dc->bus_type) {
            printf(", bus %s", dc->bus_type);
        }
        if (dc->desc) {
            printf(", desc \"%s\"", dc->desc);
        }
        printf("\n");
    }
}

void qdev_print_device_help(const char *driver)
{
    if (!driver || is_help_option(driver)) {
        object_class_foreach(print_device, TYPE_DEVICE, false, NULL);
        return;
    }
    if (!object_class_by_name(driver)) {
        printf("'%s' is not a valid device model name\n", driver);
        return;
    }
    printf("%s options:\n", driver);
    {
        ObjectPropertyIterator iter;
        ObjectProperty *prop;
        object_class_property_iter_init(&iter, object_class_by_name(driver));
        while ((prop = object_property_iter_next(&iter))) {
            if (prop->set && strcmp(prop->name, "realized")) {
                printf("  %s=<%s>\n", prop->name, prop->type);
            }
        }
    }
}
