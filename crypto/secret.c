/*
 * The "secret" object: data given inline (data=) or in a file (file=),
 * raw or base64 (format=).  Encrypted secrets (keyid=, iv=) need a
 * decryption key object Vireo does not have, and are refused.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "crypto/secret.h"
#include "qom/object_interfaces.h"
#include "qapi/qapi-types-qom.h"
#include "qapi/util.h"

typedef struct QCryptoSecret {
    Object parent_obj;
    char *data;
    char *file;
    char *keyid;
    char *iv;
    int format;             /* QCryptoSecretFormat */
    uint8_t *raw;
    size_t rawlen;
} QCryptoSecret;

DECLARE_INSTANCE_CHECKER(QCryptoSecret, QCRYPTO_SECRET, TYPE_QCRYPTO_SECRET)

#define SECRET_STR_PROP(field) \
static char *secret_get_##field(Object *obj, Error **errp) \
{ \
    return g_strdup(QCRYPTO_SECRET(obj)->field); \
} \
static void secret_set_##field(Object *obj, const char *value, Error **errp) \
{ \
    QCryptoSecret *s = QCRYPTO_SECRET(obj); \
    if (s->raw) { \
        error_setg(errp, "Cannot change property '%s' after completion", \
                   #field); \
        return; \
    } \
    g_free(s->field); \
    s->field = g_strdup(value); \
}

SECRET_STR_PROP(data)
SECRET_STR_PROP(file)
SECRET_STR_PROP(keyid)
SECRET_STR_PROP(iv)

static int secret_get_format(Object *obj, Error **errp)
{
    return QCRYPTO_SECRET(obj)->format;
}

static void secret_set_format(Object *obj, int value, Error **errp)
{
    QCRYPTO_SECRET(obj)->format = value;
}

static void secret_complete(UserCreatable *uc, Error **errp)
{
    QCryptoSecret *s = QCRYPTO_SECRET(uc);
    g_autofree char *input = NULL;
    gsize len;

    if (s->data && s->file) {
        error_setg(errp, "'file' and 'data' are mutually exclusive");
        return;
    }
    if (!s->data && !s->file) {
        error_setg(errp, "Either 'file' or 'data' must be provided");
        return;
    }
    if (s->keyid || s->iv) {
        error_setg(errp, "No secret with id '%s'", s->keyid ? s->keyid : "");
        return;
    }
    if (s->file) {
        g_autoptr(GError) gerr = NULL;
        if (!g_file_get_contents(s->file, &input, &len, &gerr)) {
            error_setg(errp, "Unable to read %s: %s", s->file, gerr->message);
            return;
        }
    } else {
        input = g_strdup(s->data);
        len = strlen(input);
    }
    if (s->format == QCRYPTO_SECRET_FORMAT_BASE64) {
        g_autofree char *text = g_strndup(input, len);
        gsize outlen;

        s->raw = g_base64_decode(text, &outlen);
        s->rawlen = outlen;
    } else {
        s->raw = (uint8_t *)g_strndup(input, len);
        s->rawlen = len;
    }
}

uint8_t *qcrypto_secret_lookup(const char *secretid, size_t *outlen,
                               Error **errp)
{
    Object *obj = object_resolve_path_component(object_get_objects_root(),
                                                secretid);
    QCryptoSecret *s;
    uint8_t *out;

    if (!obj || !object_dynamic_cast(obj, TYPE_QCRYPTO_SECRET)) {
        error_setg(errp, "No secret with id '%s'", secretid);
        return NULL;
    }
    s = QCRYPTO_SECRET(obj);
    out = g_malloc(s->rawlen + 1);
    memcpy(out, s->raw, s->rawlen);
    out[s->rawlen] = '\0';
    *outlen = s->rawlen;
    return out;
}

static void secret_finalize(Object *obj)
{
    QCryptoSecret *s = QCRYPTO_SECRET(obj);

    g_free(s->data);
    g_free(s->file);
    g_free(s->keyid);
    g_free(s->iv);
    if (s->raw) {
        memset(s->raw, 0, s->rawlen);       /* do not leave keys around */
        g_free(s->raw);
    }
}

static void secret_class_init(ObjectClass *oc, void *data)
{
    UserCreatableClass *ucc = USER_CREATABLE_CLASS(oc);

    ucc->complete = secret_complete;
    object_class_property_add_enum(oc, "format", "QCryptoSecretFormat",
                                   &QCryptoSecretFormat_lookup,
                                   secret_get_format, secret_set_format);
    object_class_property_add_str(oc, "data", secret_get_data,
                                  secret_set_data);
    object_class_property_add_str(oc, "file", secret_get_file,
                                  secret_set_file);
    object_class_property_add_str(oc, "keyid", secret_get_keyid,
                                  secret_set_keyid);
    object_class_property_add_str(oc, "iv", secret_get_iv, secret_set_iv);
}

static const TypeInfo secret_info = {
    .name = TYPE_QCRYPTO_SECRET,
    .parent = TYPE_OBJECT,
    .instance_size = sizeof(QCryptoSecret),
    .instance_finalize = secret_finalize,
    .class_init = secret_class_init,
    .interfaces = (InterfaceInfo[]) {
        { TYPE_USER_CREATABLE },
        { }
    },
};

static void secret_register_types(void)
{
    type_register_static(&secret_info);
}

type_init(secret_register_types)
