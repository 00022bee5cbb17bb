/*
 * Error objects passed through "Error **errp" parameters, in QEMU's style.
 *
 * A function that can fail takes "Error **errp" as its last parameter and
 * reports failure by setting *errp with error_setg() (or error_set() for a
 * class other than GenericError).  Callers pass:
 *   - NULL            to ignore the error,
 *   - &error_abort    to abort() on any error (a programming error),
 *   - &error_fatal    to print the error and exit(1),
 *   - &local_err      (initialised to NULL) to inspect it, then free or
 *                     propagate it with error_propagate().
 * Setting an error where one is already set asserts.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef VIREO_ERROR_H
#define VIREO_ERROR_H

#include "vireo/error-report.h"

/* QAPI's QapiErrorClass: the "class" member of a QMP error reply. */
typedef enum ErrorClass {
    ERROR_CLASS_GENERIC_ERROR,      /* "GenericError" */
    ERROR_CLASS_COMMAND_NOT_FOUND,  /* "CommandNotFound" */
    ERROR_CLASS_DEVICE_NOT_ACTIVE,  /* "DeviceNotActive" */
    ERROR_CLASS_DEVICE_NOT_FOUND,   /* "DeviceNotFound" */
    ERROR_CLASS_KVM_MISSING_CAP,    /* "KVMMissingCap" */
    ERROR_CLASS__MAX,
} ErrorClass;

/* Wire name of @cls, e.g. "GenericError". */
const char *ErrorClass_str(ErrorClass cls);

typedef struct Error Error;

/* Special destinations; only their addresses matter. */
extern Error *error_abort;
extern Error *error_fatal;

/* The human-readable message of @err (never NULL). */
const char *error_get_pretty(const Error *err);
ErrorClass error_get_class(const Error *err);
Error *error_copy(const Error *err);
void error_free(Error *err);
/* Assert that *@errp is set, free it and clear *@errp. */
void error_free_or_abort(Error **errp);

/* Set *@errp to a GenericError with a printf-style message. */
#define error_setg(errp, fmt, ...) \
    error_setg_internal((errp), __FILE__, __LINE__, __func__, \
                        (fmt), ## __VA_ARGS__)
/* As error_setg(), with ": <strerror(os_errno)>" appended. */
#define error_setg_errno(errp, os_errno, fmt, ...) \
    error_setg_errno_internal((errp), __FILE__, __LINE__, __func__, \
                              (os_errno), (fmt), ## __VA_ARGS__)
/* "Could not open '<filename>': <strerror>" as QEMU words it. */
#define error_setg_file_open(errp, os_errno, filename) \
    error_setg_file_open_internal((errp), __FILE__, __LINE__, __func__, \
                                  (os_errno), (filename))
/* Set *@errp with an explicit class. */
#define error_set(errp, err_class, fmt, ...) \
    error_set_internal((errp), __FILE__, __LINE__, __func__, \
                       (err_class), (fmt), ## __VA_ARGS__)

void error_setg_internal(Error **errp, const char *src, int line,
                         const char *func, const char *fmt, ...)
    VIREO_PRINTF(5, 6);
void error_setg_errno_internal(Error **errp, const char *src, int line,
                               const char *func, int os_errno,
                               const char *fmt, ...)
    VIREO_PRINTF(6, 7);
void error_setg_file_open_internal(Error **errp, const char *src, int line,
                                   const char *func, int os_errno,
                                   const char *filename);
void error_set_internal(Error **errp, const char *src, int line,
                        const char *func, ErrorClass err_class,
                        const char *fmt, ...)
    VIREO_PRINTF(6, 7);

/*
 * Move @local_err into *@dst_errp.  If @dst_errp is NULL the error is
 * freed; if *@dst_errp is already set, @local_err is freed (the first
 * error wins).  &error_abort / &error_fatal act on @local_err.
 */
void error_propagate(Error **dst_errp, Error *local_err);
/* As error_propagate(), prefixing the message first. */
void error_propagate_prepend(Error **dst_errp, Error *local_err,
                             const char *fmt, ...)
    VIREO_PRINTF(3, 4);

/* Prefix the message of *@errp (if set) with a formatted string. */
void error_prepend(Error *const *errp, const char *fmt, ...)
    VIREO_PRINTF(2, 3);
void error_vprepend(Error *const *errp, const char *fmt, va_list ap)
    VIREO_PRINTF(2, 0);

/*
 * Add a hint shown after the message by error_report_err() (not part of
 * error_get_pretty(), so never sent over QMP).  Ignored for NULL errp and
 * for &error_fatal unless ERRP_GUARD() is used, as in QEMU.
 */
void error_append_hint(Error *const *errp, const char *fmt, ...)
    VIREO_PRINTF(2, 3);

/* Print @err (message and hint) with error_report() and free it. */
void error_report_err(Error *err);
void warn_report_err(Error *err);
/* As above, with a prefix. */
void error_reportf_err(Error *err, const char *fmt, ...) VIREO_PRINTF(2, 3);
void warn_reportf_err(Error *err, const char *fmt, ...) VIREO_PRINTF(2, 3);

/*
 * ERRP_GUARD(): put at the top of a function that dereferences errp
 * (e.g. "if (*errp)") or calls error_append_hint().  It swaps a NULL or
 * &error_fatal errp for a local one and propagates it back on return.
 */
typedef struct ErrorPropagator {
    Error *local_err;
    Error **errp;
} ErrorPropagator;

static inline void error_propagator_cleanup(ErrorPropagator *prop)
{
    error_propagate(prop->errp, prop->local_err);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(ErrorPropagator, error_propagator_cleanup)

#define ERRP_GUARD()                                            \
    g_auto(ErrorPropagator) _auto_errp_prop = { .errp = errp }; \
    do {                                                        \
        if (!errp || errp == &error_fatal) {                    \
            errp = &_auto_errp_prop.local_err;                  \
        }                                                       \
    } while (0)

#endif
