/*
 * User-creatable objects: types -object and object-add may create,
 * completed once all their properties are set.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef QOM_OBJECT_INTERFACES_H
#define QOM_OBJECT_INTERFACES_H

#include "qom/object.h"
#include "qobject/qdict.h"

#define TYPE_USER_CREATABLE "user-creatable"

typedef struct UserCreatable UserCreatable;
typedef struct UserCreatableClass {
    InterfaceClass parent_class;
    void (*complete)(UserCreatable *uc, Error **errp);
    bool (*can_be_deleted)(UserCreatable *uc);
} UserCreatableClass;

#define USER_CREATABLE(obj) \
    INTERFACE_CHECK(UserCreatable, (obj), TYPE_USER_CREATABLE)
#define USER_CREATABLE_CLASS(klass) \
    OBJECT_CLASS_CHECK(UserCreatableClass, (klass), TYPE_USER_CREATABLE)
#define USER_CREATABLE_GET_CLASS(obj) \
    OBJECT_GET_CLASS(UserCreatableClass, (obj), TYPE_USER_CREATABLE)

bool user_creatable_complete(UserCreatable *uc, Error **errp);
bool user_creatable_can_be_deleted(UserCreatable *uc);

/*
 * Creates @type with id @id under /objects, sets the properties in @qdict
 * through @v (a visitor over @qdict) and completes it.
 */
Object *user_creatable_add_type(const char *type, const char *id,
                                const QDict *qdict, Visitor *v,
                                Error **errp);
/* From a QDict with "qom-type" and "id" (object-add, -object JSON). */
Object *user_creatable_add_qdict(QDict *qdict, bool keyval, Error **errp);
/* "-object TYPE,id=ID,prop=val" or JSON; "help" lists types/properties. */
bool user_creatable_add_from_str(const char *str, Error **errp);
/* The -object option: exits on error, prints help and exits on help. */
void user_creatable_process_cmdline(const char *cmdline);
/* Help for "-object help" / "-object TYPE,help"; true if it printed. */
bool user_creatable_print_help(const char *type, QDict *opts);
bool user_creatable_del(const char *id, Error **errp);
void user_creatable_cleanup(void);

#endif
