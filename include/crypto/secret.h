/*
 * Secrets: passwords and keys passed to Vireo out of band (-object
 * secret,id=,data=|file=), looked up by id by whatever needs them.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CRYPTO_SECRET_H
#define CRYPTO_SECRET_H

#include "qom/object.h"

#define TYPE_QCRYPTO_SECRET "secret"

/* The secret's bytes (NUL-terminated copy), or NULL with @errp set. */
uint8_t *qcrypto_secret_lookup(const char *secretid, size_t *outlen,
                               Error **errp);

#endif
