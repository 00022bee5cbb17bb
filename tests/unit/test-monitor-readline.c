/*
 * Unit tests of the HMP line editor: editing keys and escape sequences,
 * history browsing, tab completion.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "monitor/readline.h"

typedef struct Fixture {
    ReadLineState *rs;
    GString *out;
    GPtrArray *lines;
} Fixture;

static void fx_printf(void *opaque, const char *fmt, ...)
{
    Fixture *fx = opaque;
    va_list ap;

    va_start(ap, fmt);
    g_string_append_vprintf(fx->out, fmt, ap);
    va_end(ap);
}

static void fx_flush(void *opaque)
{
}

static void fx_line(void *opaque, const char *str, void *ro);

static void fx_restart(Fixture *fx)
{
    readline_start(fx->rs, "(qemu) ", 0, fx_line, NULL);
}

static void fx_line(void *opaque, const char *str, void *ro)
{
    Fixture *fx = opaque;

    g_ptr_array_add(fx->lines, g_strdup(str));
    fx_restart(fx);
}

static const char *const commands[] = {
    "info", "quit", "qom-get", "qom-list", "qom-set", NULL
};

static void fx_complete(void *opaque, const char *cmdline)
{
    Fixture *fx = opaque;
    int i;

    readline_set_completion_index(fx->rs, strlen(cmdline));
    for (i = 0; commands[i]; i++) {
        readline_add_completion_of(fx->rs, cmdline, commands[i]);
    }
}

static void fx_init(Fixture *fx)
{
    fx->out = g_string_new(NULL);
    fx->lines = g_ptr_array_new_with_free_func(g_free);
    fx->rs = readline_init(fx_printf, fx_flush, fx, fx_complete);
    fx_restart(fx);
}

static void fx_fini(Fixture *fx)
{
    readline_free(fx->rs);
    g_string_free(fx->out, true);
    g_ptr_array_free(fx->lines, true);
}

static void feed(Fixture *fx, const char *s)
{
    while (*s) {
        readline_handle_byte(fx->rs, (unsigned char)*s++);
    }
}

static void check_line(Fixture *fx, const char *want, int want_cursor)
{
    int cursor;
    const char *line = readline_get_line(fx->rs, &cursor);

    g_assert_cmpstr(line, ==, want);
    g_assert_cmpint(cursor, ==, want_cursor);
}

static void test_insert_and_move(void)
{
    Fixture fx;

    fx_init(&fx);
    feed(&fx, "info vesion");
    check_line(&fx, "info vesion", 11);
    feed(&fx, "\033[D\033[D\033[D\033[D");         /* left x4 */
    feed(&fx, "r");
    check_line(&fx, "info version", 8);
    feed(&fx, "\033[H");                        /* home */
    check_line(&fx, "info version", 0);
    feed(&fx, "\033[F");                        /* end */
    check_line(&fx, "info version", 12);
    feed(&fx, "\001");                          /* ^A */
    check_line(&fx, "info version", 0);
    feed(&fx, "\033[C\033[C");                  /* right x2 */
    check_line(&fx, "info version", 2);
    feed(&fx, "\005");                          /* ^E */
    check_line(&fx, "info version", 12);
    feed(&fx, "\033OH");                        /* SS3 home */
    check_line(&fx, "info version", 0);
    feed(&fx, "\033[4~");                       /* vt end */
    check_line(&fx, "info version", 12);
    feed(&fx, "\r");
    g_assert_cmpuint(fx.lines->len, ==, 1);
    g_assert_cmpstr(g_ptr_array_index(fx.lines, 0), ==, "info version");
    check_line(&fx, "", 0);
    /* The terminal saw the prompt redrawn and the newline. */
    g_assert_nonnull(strstr(fx.out->str, "(qemu) info version"));
    fx_fini(&fx);
}

static void test_delete_keys(void)
{
    Fixture fx;

    fx_init(&fx);
    feed(&fx, "abcdef");
    feed(&fx, "\177");                          /* backspace */
    check_line(&fx, "abcde", 5);
    feed(&fx, "\033[D\033[D\033[3~");           /* left x2, delete */
    check_line(&fx, "abce", 3);
    feed(&fx, "\013");                          /* ^K */
    check_line(&fx, "abc", 3);
    feed(&fx, "\033[D\025");                    /* left, ^U */
    check_line(&fx, "c", 0);
    feed(&fx, "\005 one two");                  /* ^E, words */
    check_line(&fx, "c one two", 9);
    feed(&fx, "\027");                          /* ^W */
    check_line(&fx, "c one ", 6);
    feed(&fx, "\027");
    check_line(&fx, "c ", 2);
    feed(&fx, "\b");                            /* ^H */
    check_line(&fx, "c", 1);
    feed(&fx, "\001\033[3~\033[3~");            /* delete past the end */
    check_line(&fx, "", 0);
    fx_fini(&fx);
}

static void test_history(void)
{
    Fixture fx;

    fx_init(&fx);
    feed(&fx, "first\rsecond\rthird\r");
    g_assert_cmpstr(readline_get_history(fx.rs, 0), ==, "first");
    g_assert_cmpstr(readline_get_history(fx.rs, 2), ==, "third");
    g_assert_null(readline_get_history(fx.rs, 3));

    feed(&fx, "draft");
    feed(&fx, "\033[A");                        /* up */
    check_line(&fx, "third", 5);
    feed(&fx, "\033[A\033[A");
    check_line(&fx, "first", 5);
    feed(&fx, "\033[A");                        /* stays at the oldest */
    check_line(&fx, "first", 5);
    feed(&fx, "\033[B\033[B\033[B");            /* down to the draft */
    check_line(&fx, "draft", 5);

    /* Re-running an old command moves it to the end, no duplicate. */
    feed(&fx, "\025\033[A\033[A\r");
    g_assert_cmpstr(g_ptr_array_index(fx.lines, 3), ==, "second");
    g_assert_cmpstr(readline_get_history(fx.rs, 2), ==, "second");
    g_assert_cmpstr(readline_get_history(fx.rs, 1), ==, "third");
    g_assert_null(readline_get_history(fx.rs, 3));

    /* Empty lines are not remembered. */
    feed(&fx, "\r");
    g_assert_null(readline_get_history(fx.rs, 3));
    fx_fini(&fx);
}

static void test_history_limit(void)
{
    Fixture fx;
    char buf[32];
    int i;

    fx_init(&fx);
    for (i = 0; i < READLINE_MAX_CMDS + 5; i++) {
        snprintf(buf, sizeof(buf), "cmd%d\r", i);
        feed(&fx, buf);
    }
    g_assert_cmpstr(readline_get_history(fx.rs, 0), ==, "cmd5");
    g_assert_null(readline_get_history(fx.rs, READLINE_MAX_CMDS));
    fx_fini(&fx);
}

static void test_completion(void)
{
    Fixture fx;

    fx_init(&fx);
    feed(&fx, "qu\t");
    check_line(&fx, "quit ", 5);
    feed(&fx, "\025qo\t");                      /* common prefix "qom-" */
    check_line(&fx, "qom-", 4);
    g_string_truncate(fx.out, 0);
    feed(&fx, "\t");                            /* ambiguous: listed */
    g_assert_nonnull(strstr(fx.out->str, "qom-get"));
    g_assert_nonnull(strstr(fx.out->str, "qom-list"));
    g_assert_nonnull(strstr(fx.out->str, "qom-set"));
    check_line(&fx, "qom-", 4);
    feed(&fx, "l\t");
    check_line(&fx, "qom-list ", 9);
    feed(&fx, "\025zz\t");                      /* nothing matches */
    check_line(&fx, "zz", 2);
    fx_fini(&fx);
}

static void test_overlong_and_controls(void)
{
    Fixture fx;
    char *big = g_strnfill(READLINE_CMD_BUF_SIZE + 100, 'x');

    fx_init(&fx);
    feed(&fx, big);
    g_assert_cmpuint(strlen(readline_get_line(fx.rs, NULL)), ==,
                     READLINE_CMD_BUF_SIZE);
    feed(&fx, "\025\033[99Z\033Xab\007");      /* unknown sequences ignored */
    check_line(&fx, "ab", 2);
    g_free(big);
    fx_fini(&fx);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/monitor/readline/insert-move", test_insert_and_move);
    g_test_add_func("/monitor/readline/delete", test_delete_keys);
    g_test_add_func("/monitor/readline/history", test_history);
    g_test_add_func("/monitor/readline/history-limit", test_history_limit);
    g_test_add_func("/monitor/readline/completion", test_completion);
    g_test_add_func("/monitor/readline/overlong", test_overlong_and_controls);
    return g_test_run();
}
