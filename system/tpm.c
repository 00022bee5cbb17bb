/*
 * TPM models and backends this build supports.  Vireo has no TPM device
 * or backend yet, so both lists are empty: a management layer (libvirt
 * probes them) then offers no TPM for the emulator.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "qapi/qapi-commands-tpm.h"

TpmModelList *qmp_query_tpm_models(Error **errp)
{
    return NULL;
}

TpmTypeList *qmp_query_tpm_types(Error **errp)
{
    return NULL;
}
