/*
 * Unit tests for Error objects and user-facing error reporting.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include <sys/wait.h>

static void test_class_names(void)
{
    g_assert_cmpstr(ErrorClass_str(ERROR_CLASS_GENERIC_ERROR), ==,
                    "GenericError");
    g_assert_cmpstr(ErrorClass_str(ERROR_CLASS_COMMAND_NOT_FOUND), ==,
                    "CommandNotFound");
    g_assert_cmpstr(ErrorClass_str(ERROR_CLASS_DEVICE_NOT_ACTIVE), ==,
                    "DeviceNotActive");
    g_assert_cmpstr(ErrorClass_str(ERROR_CLASS_DEVICE_NOT_FOUND), ==,
                    "DeviceNotFound");
    g_assert_cmpstr(ErrorClass_str(ERROR_CLASS_KVM_MISSING_CAP), ==,
                    "KVMMissingCap");
}

static void test_setg_and_set(void)
{
    Error *err = NULL;

    error_setg(&err, "bad value %d for '%s'", 7, "x");
    g_assert_nonnull(err);
    g_assert_cmpstr(error_get_pretty(err), ==, "bad value 7 for 'x'");
    g_assert_cmpint(error_get_class(err), ==, ERROR_CLASS_GENERIC_ERROR);
    error_free_or_abort(&err);
    g_assert_null(err);

    error_set(&err, ERROR_CLASS_DEVICE_NOT_FOUND, "Device '%s' not found",
              "foo");
    g_assert_cmpint(error_get_class(err), ==, ERROR_CLASS_DEVICE_NOT_FOUND);
    g_assert_cmpstr(error_get_pretty(err), ==, "Device 'foo' not found");
    error_free(err);
    err = NULL;

    errno = 1234;
    error_setg_errno(&err, ENOENT, "Could not open '%s'", "/nope");
    g_assert_cmpint(errno, ==, 1234);       /* preserved */
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Could not open '/nope': No such file or directory");
    error_free(err);
    err = NULL;

    error_setg_file_open(&err, EACCES, "/f");
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Could not open '/f': Permission denied");
    error_free(err);

    /* a NULL errp ignores the error */
    error_setg(NULL, "ignored");
    error_free(NULL);
}

static void test_propagate(void)
{
    Error *local = NULL, *dst = NULL, *other = NULL;

    error_propagate(&dst, NULL);
    g_assert_null(dst);

    error_setg(&local, "first");
    error_propagate(&dst, local);
    g_assert_cmpstr(error_get_pretty(dst), ==, "first");

    /* the first error wins; the second is freed */
    error_setg(&other, "second");
    error_propagate(&dst, other);
    g_assert_cmpstr(error_get_pretty(dst), ==, "first");
    error_free(dst);
    dst = NULL;

    /* propagating to NULL frees */
    local = NULL;
    error_setg(&local, "dropped");
    error_propagate(NULL, local);

    local = NULL;
    error_setg(&local, "inner");
    error_propagate_prepend(&dst, local, "outer %d: ", 1);
    g_assert_cmpstr(error_get_pretty(dst), ==, "outer 1: inner");
    error_free(dst);
}

static void test_prepend_hint_copy(void)
{
    Error *err = NULL, *copy;

    error_prepend(&err, "nothing to prepend to: ");
    g_assert_null(err);
    error_setg(&err, "core");
    error_prepend(&err, "b: ");
    error_prepend(&err, "a: ");
    g_assert_cmpstr(error_get_pretty(err), ==, "a: b: core");
    error_append_hint(&err, "try %s\n", "this");
    error_append_hint(&err, "or that\n");
    /* hints are not part of the message */
    g_assert_cmpstr(error_get_pretty(err), ==, "a: b: core");

    copy = error_copy(err);
    g_assert_cmpstr(error_get_pretty(copy), ==, "a: b: core");
    g_assert_cmpint(error_get_class(copy), ==, error_get_class(err));
    error_free(err);
    error_free(copy);
}

static bool guarded_helper(Error **errp)
{
    ERRP_GUARD();

    error_setg(errp, "guarded");
    /* dereferencing errp is safe under ERRP_GUARD even for NULL */
    if (*errp) {
        error_append_hint(errp, "a hint\n");
        return false;
    }
    return true;
}

static void test_errp_guard(void)
{
    Error *err = NULL;

    g_assert_false(guarded_helper(NULL));
    g_assert_false(guarded_helper(&err));
    g_assert_cmpstr(error_get_pretty(err), ==, "guarded");
    error_free(err);
}

static void test_error_abort_subprocess(void)
{
    if (g_test_subprocess()) {
        error_set_progname("/usr/bin/vireo-test");
        error_setg(&error_abort, "boom %d", 42);
        return;
    }
    g_test_trap_subprocess(NULL, 0, 0);
    g_test_trap_assert_failed();
    g_test_trap_assert_stderr("*Unexpected error in *() at *test-error.c:*"
                              "vireo-test: boom 42*");
}

static void test_error_fatal_subprocess(void)
{
    if (g_test_subprocess()) {
        Error *err = NULL;

        error_set_progname("vireo-system-x86_64");
        error_setg(&err, "fatal thing");
        error_append_hint(&err, "hint line\n");
        error_propagate(&error_fatal, err);
        return;
    }
    g_test_trap_subprocess(NULL, 0, 0);
    g_test_trap_assert_failed();
    g_test_trap_assert_stderr("vireo-system-x86_64: fatal thing\n"
                              "hint line\n");
}

static void test_error_fatal_exit_status(void)
{
    pid_t pid = fork();
    int status;

    g_assert_cmpint(pid, >=, 0);
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);

        dup2(devnull, STDERR_FILENO);
        error_setg(&error_fatal, "exit one");
        _exit(99);
    }
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 1);
}

static void test_double_set_asserts(void)
{
    if (g_test_subprocess()) {
        Error *err = NULL;

        error_setg(&err, "one");
        error_setg(&err, "two");
        return;
    }
    g_test_trap_subprocess(NULL, 0, 0);
    g_test_trap_assert_failed();
}

static void test_report_location(void)
{
    if (g_test_subprocess()) {
        char *argv[] = { (char *)"vireo", (char *)"-machine", (char *)"foo",
                         NULL };
        Location loc = { 0 };

        error_set_progname("/x/vireo-system-x86_64");
        error_report("plain %s", "message");
        loc_set_cmdline(argv, 1, 2);
        error_report("unsupported machine type");
        warn_report("careful");
        info_report("fyi");
        loc_push_none(&loc);
        error_report("no location");
        loc_pop(&loc);
        error_report("back");
        loc_set_file("vireo.conf", 12);
        error_report("in file");
        loc_set_none();
        error_printf("raw %d\n", 5);
        {
            Error *err = NULL;

            error_setg(&err, "from err");
            error_report_err(err);
            err = NULL;
            error_setg(&err, "warned");
            warn_report_err(err);
            err = NULL;
            error_setg(&err, "base");
            error_reportf_err(err, "prefix: ");
        }
        return;
    }
    g_test_trap_subprocess(NULL, 0, 0);
    g_test_trap_assert_passed();
    g_test_trap_assert_stderr(
        "vireo-system-x86_64: plain message\n"
        "vireo-system-x86_64: -machine foo: unsupported machine type\n"
        "vireo-system-x86_64: -machine foo: warning: careful\n"
        "vireo-system-x86_64: -machine foo: info: fyi\n"
        "vireo-system-x86_64: no location\n"
        "vireo-system-x86_64: -machine foo: back\n"
        "vireo-system-x86_64: vireo.conf:12: in file\n"
        "raw 5\n"
        "vireo-system-x86_64: from err\n"
        "vireo-system-x86_64: warning: warned\n"
        "vireo-system-x86_64: prefix: base\n");
}

static void test_report_timestamp(void)
{
    if (g_test_subprocess()) {
        error_set_progname("vireo");
        message_with_timestamp = true;
        error_report("stamped");
        return;
    }
    g_test_trap_subprocess(NULL, 0, 0);
    g_test_trap_assert_passed();
    g_test_trap_assert_stderr("2*-*-*T*:*:*Z vireo: stamped\n");
}

static void test_report_once(void)
{
    if (g_test_subprocess()) {
        int i;

        error_set_progname("vireo");
        for (i = 0; i < 3; i++) {
            error_report_once("only once");
            warn_report_once("warn once");
        }
        return;
    }
    g_test_trap_subprocess(NULL, 0, 0);
    g_test_trap_assert_passed();
    g_test_trap_assert_stderr("vireo: only once\nvireo: warning: warn once\n");
}

static GString *monitor_out;
static bool monitor_active;

static int fake_monitor(const char *fmt, va_list ap)
{
    size_t before;

    if (!monitor_active) {
        return -1;
    }
    before = monitor_out->len;
    g_string_append_vprintf(monitor_out, fmt, ap);
    return monitor_out->len - before;
}

static void test_monitor_hook(void)
{
    char *argv[] = { (char *)"vireo", (char *)"-S", NULL };

    monitor_out = g_string_new(NULL);
    error_set_progname("vireo");
    error_vprintf_set_monitor_hook(fake_monitor);
    monitor_active = true;

    error_printf("hello %s\n", "monitor");
    error_report("no prefix in a monitor");
    loc_set_cmdline(argv, 1, 1);
    warn_report("located");
    loc_set_none();
    g_assert_cmpstr(monitor_out->str, ==,
                    "hello monitor\n"
                    "no prefix in a monitor\n"
                    "-S: warning: located\n");

    error_vprintf_set_monitor_hook(NULL);
    monitor_active = false;
    g_string_free(monitor_out, true);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/error/class-names", test_class_names);
    g_test_add_func("/error/set", test_setg_and_set);
    g_test_add_func("/error/propagate", test_propagate);
    g_test_add_func("/error/prepend-hint-copy", test_prepend_hint_copy);
    g_test_add_func("/error/errp-guard", test_errp_guard);
    g_test_add_func("/error/abort", test_error_abort_subprocess);
    g_test_add_func("/error/fatal", test_error_fatal_subprocess);
    g_test_add_func("/error/fatal-status", test_error_fatal_exit_status);
    g_test_add_func("/error/double-set", test_double_set_asserts);
    g_test_add_func("/error/report/location", test_report_location);
    g_test_add_func("/error/report/timestamp", test_report_timestamp);
    g_test_add_func("/error/report/once", test_report_once);
    g_test_add_func("/error/report/monitor-hook", test_monitor_hook);
    return g_test_run();
}
