/*
 * Unit tests: QOM types, casts, interfaces, properties and paths.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "qom/object.h"

#define TYPE_ANIMAL "animal"
#define TYPE_DOG "dog"
#define TYPE_BARKER "barker"

typedef struct Animal {
    Object parent_obj;
    uint32_t legs;
    char *name;
    Object *friend;
} Animal;

typedef struct AnimalClass {
    ObjectClass parent_class;
    const char *(*sound)(Animal *a);
} AnimalClass;

typedef struct BarkerClass {
    InterfaceClass parent_class;
    int volume;
} BarkerClass;

static int finalized;

static const char *animal_sound(Animal *a)
{
    return "...";
}

static const char *dog_sound(Animal *a)
{
    return "woof";
}

static char *get_name(Object *obj, Error **errp)
{
    return g_strdup(((Animal *)obj)->name);
}

static void set_name(Object *obj, const char *v, Error **errp)
{
    Animal *a = (Animal *)obj;

    if (!*v) {
        error_setg(errp, "empty name");
        return;
    }
    g_free(a->name);
    a->name = g_strdup(v);
}

static void animal_init(Object *obj)
{
    Animal *a = (Animal *)obj;

    a->legs = 4;
    object_property_add_uint32_ptr(obj, "legs", &a->legs,
                                   OBJ_PROP_FLAG_READWRITE);
    object_property_add_link(obj, "friend", TYPE_ANIMAL, &a->friend,
                             object_property_allow_set_link,
                             OBJ_PROP_LINK_STRONG);
}

static void animal_finalize(Object *obj)
{
    g_free(((Animal *)obj)->name);
    finalized++;
}

static void animal_class_init(ObjectClass *oc, void *data)
{
    ((AnimalClass *)oc)->sound = animal_sound;
    object_class_property_add_str(oc, "name", get_name, set_name);
}

static void dog_class_init(ObjectClass *oc, void *data)
{
    ((AnimalClass *)oc)->sound = dog_sound;
}

static const TypeInfo test_types[] = {
    {
        .name = TYPE_ANIMAL, .parent = TYPE_OBJECT,
        .instance_size = sizeof(Animal), .class_size = sizeof(AnimalClass),
        .instance_init = animal_init, .instance_finalize = animal_finalize,
        .class_init = animal_class_init,
    }, {
        .name = TYPE_BARKER, .parent = TYPE_INTERFACE,
        .class_size = sizeof(BarkerClass),
    }, {
        .name = TYPE_DOG, .parent = TYPE_ANIMAL,
        .class_init = dog_class_init,
        .interfaces = (InterfaceInfo[]) { { TYPE_BARKER }, { } },
    },
};

DEFINE_TYPES(test_types)

static void test_casts(void)
{
    Object *dog = object_new(TYPE_DOG);
    Object *cat = object_new(TYPE_ANIMAL);
    AnimalClass *ac = (AnimalClass *)object_get_class(dog);

    g_assert_cmpstr(ac->sound((Animal *)dog), ==, "woof");
    g_assert(object_dynamic_cast(dog, TYPE_ANIMAL) == dog);
    g_assert(object_dynamic_cast(dog, TYPE_BARKER) == dog);
    g_assert(object_dynamic_cast(cat, TYPE_BARKER) == NULL);
    g_assert(object_dynamic_cast(cat, TYPE_DOG) == NULL);
    g_assert(object_class_dynamic_cast(object_get_class(dog), TYPE_BARKER));
    g_assert(object_class_by_name("nosuch") == NULL);
    g_assert(object_class_is_abstract(object_class_by_name(TYPE_OBJECT)));
    finalized = 0;
    object_unref(dog);
    object_unref(cat);
    g_assert_cmpint(finalized, ==, 2);
}

static void test_properties(void)
{
    Object *dog = object_new(TYPE_DOG);
    Error *err = NULL;
    g_autofree char *name = NULL;

    g_assert_cmpuint(object_property_get_uint(dog, "legs", &error_abort), ==,
                     4);
    g_assert(object_property_set_uint(dog, "legs", 3, &error_abort));
    g_assert_cmpuint(((Animal *)dog)->legs, ==, 3);
    g_assert(object_property_parse(dog, "legs", "5", &error_abort));
    g_assert_cmpuint(((Animal *)dog)->legs, ==, 5);
    g_assert(!object_property_parse(dog, "legs", "many", &err));
    error_free(err);
    err = NULL;
    g_assert(object_property_set_str(dog, "name", "rex", &error_abort));
    name = object_property_get_str(dog, "name", &error_abort);
    g_assert_cmpstr(name, ==, "rex");
    g_assert(!object_property_set_str(dog, "name", "", &err));
    g_assert_cmpstr(error_get_pretty(err), ==, "empty name");
    error_free(err);
    err = NULL;
    g_assert(!object_property_get_bool(dog, "nosuch", &err));
    g_assert_cmpstr(error_get_pretty(err), ==, "Property 'dog.nosuch' not found");
    error_free(err);
    g_assert_cmpstr(object_property_get_type(dog, "friend", NULL), ==,
                    "link<animal>");
    object_unref(dog);
}

static void test_tree(void)
{
    Object *root = object_get_root();
    Object *zoo = container_get(root, "/zoo");
    Object *dog = object_new(TYPE_DOG), *cat = object_new(TYPE_ANIMAL);
    Object *dog2 = object_new(TYPE_DOG);
    Object *pen = container_get(root, "/zoo/pen");
    bool ambiguous = false;
    g_autofree char *path = NULL;
    Error *err = NULL;

    object_property_add_child(zoo, "dog", dog);
    object_property_add_child(pen, "cat", cat);
    object_unref(dog);
    object_unref(cat);
    path = object_get_canonical_path(cat);
    g_assert_cmpstr(path, ==, "/zoo/pen/cat");
    g_assert(object_resolve_path("/zoo/pen/cat", NULL) == cat);
    g_assert(object_resolve_path("pen/cat", &ambiguous) == cat);
    g_assert(!ambiguous);
    g_assert(object_resolve_path("cat", NULL) == cat);
    g_assert_cmpstr(object_property_get_type(zoo, "dog", NULL), ==,
                    "child<dog>");

    /* Two objects named "dog": the partial path is ambiguous. */
    object_property_add_child(pen, "dog", dog2);
    object_unref(dog2);
    g_assert(object_resolve_path("dog", &ambiguous) == NULL);
    g_assert(ambiguous);
    g_assert(object_resolve_path("pen/dog", NULL) == dog2);

    /* Links resolve paths and check the type. */
    g_assert(object_property_set_str(dog, "friend", "/zoo/pen/cat",
                                     &error_abort));
    g_assert(((Animal *)dog)->friend == cat);
    g_assert(!object_property_set_str(dog, "friend", "/zoo/nope", &err));
    g_assert_cmpstr(error_get_pretty(err), ==, "Device '/zoo/nope' not found");
    error_free(err);
    err = NULL;
    g_assert(!object_property_set_str(dog, "friend", "/zoo/pen", &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Invalid parameter type for 'friend', expected: animal");
    error_free(err);

    /* Unparenting drops the tree's reference and finalizes. */
    finalized = 0;
    object_unparent(dog2);
    g_assert_cmpint(finalized, ==, 1);
    object_unparent(dog);      /* releases its strong link to cat too */
    object_unparent(cat);
    g_assert_cmpint(finalized, ==, 3);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qom/casts", test_casts);
    g_test_add_func("/qom/properties", test_properties);
    g_test_add_func("/qom/tree", test_tree);
    return g_test_run();
}
