/*
 * Migration configuration as the rest of Vireo reads it.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MIGRATION_OPTIONS_H
#define MIGRATION_OPTIONS_H

#include "qapi/qapi-types-migration.h"

bool migrate_capability_enabled(MigrationCapability cap);
/* Every member is present; owned by the migration code. */
const MigrationParameters *migrate_get_parameters(void);

#endif
