/*
 * Unit tests for the JSON lexer, message splitter, parser and writer.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "qobject/qbool.h"
#include "qobject/qdict.h"
#include "qobject/qjson.h"
#include "qobject/qlist.h"
#include "qobject/qnull.h"
#include "qobject/qnum.h"
#include "qobject/qstring.h"
#include "qobject/json-parser.h"
#include <math.h>

/* Parse @json expecting success. */
static QObject *parse_ok(const char *json)
{
    Error *err = NULL;
    QObject *obj = qobject_from_json(json, &err);

    if (err) {
        g_test_message("parse of '%.60s' failed: %s", json,
                       error_get_pretty(err));
    }
    g_assert_null(err);
    g_assert_nonnull(obj);
    return obj;
}

/* Parse @json expecting the error message @msg. */
static void parse_fails(const char *json, const char *msg)
{
    Error *err = NULL;
    QObject *obj = qobject_from_json(json, &err);

    g_assert_null(obj);
    g_assert_nonnull(err);
    g_assert_cmpstr(error_get_pretty(err), ==, msg);
    g_assert_cmpint(error_get_class(err), ==, ERROR_CLASS_GENERIC_ERROR);
    error_free(err);
}

/* Parse @in and check that writing it back gives @out. */
static void roundtrip(const char *in, const char *out)
{
    QObject *obj = parse_ok(in);
    GString *s = qobject_to_json(obj);

    g_assert_cmpstr(s->str, ==, out);
    g_string_free(s, true);
    qobject_unref(obj);
}

static void test_literals(void)
{
    QObject *obj;

    obj = parse_ok("true");
    g_assert_true(qbool_get_bool(qobject_to(QBool, obj)));
    qobject_unref(obj);
    obj = parse_ok(" false ");
    g_assert_false(qbool_get_bool(qobject_to(QBool, obj)));
    qobject_unref(obj);
    obj = parse_ok("null");
    g_assert(obj == QOBJECT(&qnull_));
    qobject_unref(obj);
    obj = parse_ok("\"hello\"");
    g_assert_cmpstr(qstring_get_str(qobject_to(QString, obj)), ==, "hello");
    qobject_unref(obj);
}

static void test_compact_writer(void)
{
    roundtrip("{\"a\":1,\"b\":[1,2]}", "{\"a\": 1, \"b\": [1, 2]}");
    roundtrip("{ }", "{}");
    roundtrip("[ ]", "[]");
    roundtrip("[[],{},[{}]]", "[[], {}, [{}]]");
    roundtrip("{\"z\": 1, \"a\": 2, \"m\": {\"y\": null, \"b\": true}}",
              "{\"z\": 1, \"a\": 2, \"m\": {\"y\": null, \"b\": true}}");
}

static void test_pretty_writer(void)
{
    QObject *obj = parse_ok("{\"a\": 1, \"b\": [1, {}], \"c\": {}}");
    GString *s = qobject_to_json_pretty(obj, true);

    g_assert_cmpstr(s->str, ==,
                    "{\n"
                    "    \"a\": 1,\n"
                    "    \"b\": [\n"
                    "        1,\n"
                    "        {\n"
                    "        }\n"
                    "    ],\n"
                    "    \"c\": {\n"
                    "    }\n"
                    "}");
    g_string_free(s, true);
    qobject_unref(obj);

    obj = parse_ok("[]");
    s = qobject_to_json_pretty(obj, true);
    g_assert_cmpstr(s->str, ==, "[\n]");
    g_string_free(s, true);
    qobject_unref(obj);
}

static void test_string_escapes(void)
{
    QObject *obj;

    obj = parse_ok("\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\'\"");
    g_assert_cmpstr(qstring_get_str(qobject_to(QString, obj)), ==,
                    "\" \\ / \b \f \n \r \t '");
    qobject_unref(obj);

    /* single-quoted strings, with unescaped double quotes inside */
    obj = parse_ok("'it\\'s \"quoted\"'");
    g_assert_cmpstr(qstring_get_str(qobject_to(QString, obj)), ==,
                    "it's \"quoted\"");
    qobject_unref(obj);

    roundtrip("\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\"",
              "\"\\\" \\\\ / \\b \\f \\n \\r \\t\"");
    roundtrip("'\\u0001\\u001f\\u007f'", "\"\\u0001\\u001F\\u007F\"");
    parse_fails("\"\\x\"", "JSON parse error, invalid escape sequence in "
                "string");
    parse_fails("\"\\u12G4\"",
                "JSON parse error, \\u12G4 is not a valid Unicode character");
}

static void test_unicode(void)
{
    QObject *obj;

    /* \u escapes, surrogate pair, output is ASCII with upper-case hex */
    roundtrip("\"\\u00e9\\u0000\\ud83d\\ude00\\u007f\"",
              "\"\\u00E9\\u0000\\uD83D\\uDE00\\u007F\"");
    /* raw UTF-8: 2, 3 and 4 bytes */
    obj = parse_ok("\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
    g_assert_cmpstr(qstring_get_str(qobject_to(QString, obj)), ==,
                    "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
    qobject_unref(obj);
    roundtrip("\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"",
              "\"\\u00E9\\u20AC\\uD83D\\uDE00\"");
    /* U+10FFFF is the last valid code point but a non-character */
    roundtrip("\"\xf4\x8f\xbf\xbd\"", "\"\\uDBFF\\uDFFD\"");

    /* \u0000 is kept as modified UTF-8 C0 80 and written back */
    obj = parse_ok("\"a\\u0000b\"");
    g_assert_cmpstr(qstring_get_str(qobject_to(QString, obj)), ==,
                    "a\xc0\x80" "b");
    qobject_unref(obj);
    roundtrip("\"\xc0\x80\"", "\"\\u0000\"");

    /* invalid raw sequences */
    parse_fails("\"\x80\"", "JSON parse error, invalid UTF-8 sequence in "
                "string");
    parse_fails("\"\xc3\x28\"", "JSON parse error, invalid UTF-8 sequence "
                "in string");
    parse_fails("\"\xe2\x82\"", "JSON parse error, invalid UTF-8 sequence "
                "in string");
    parse_fails("\"\xc1\x81\"", "JSON parse error, invalid UTF-8 sequence "
                "in string");                       /* overlong 'A' */
    parse_fails("\"\xe0\x80\x80\"", "JSON parse error, invalid UTF-8 "
                "sequence in string");              /* overlong NUL */
    parse_fails("\"\xf0\x82\x82\xac\"", "JSON parse error, invalid UTF-8 "
                "sequence in string");              /* overlong euro */
    parse_fails("\"\xed\xa0\x80\"", "JSON parse error, invalid UTF-8 "
                "sequence in string");              /* U+D800 */
    parse_fails("\"\xed\xbf\xbf\"", "JSON parse error, invalid UTF-8 "
                "sequence in string");              /* U+DFFF */
    parse_fails("\"\xf4\x90\x80\x80\"", "JSON parse error, invalid UTF-8 "
                "sequence in string");              /* U+110000 */
    parse_fails("\"\xef\xbf\xbf\"", "JSON parse error, invalid UTF-8 "
                "sequence in string");              /* U+FFFF */
    parse_fails("\"\xf8\x88\x80\x80\x80\"", "JSON parse error, invalid "
                "UTF-8 sequence in string");        /* 5 bytes */

    /* invalid escapes */
    parse_fails("\"\\uD800\"",
                "JSON parse error, \\uD800 is not a valid Unicode character");
    parse_fails("\"\\uDC00\"",
                "JSON parse error, \\uDC00 is not a valid Unicode character");
    parse_fails("\"\\uD800\\u0041\"",
                "JSON parse error, \\uD800 is not a valid Unicode character");
    parse_fails("\"\\uFFFE\"",
                "JSON parse error, \\uFFFE is not a valid Unicode character");
    parse_fails("\"\\u12\"",
                "JSON parse error, \\u12 is not a valid Unicode character");

    /* the lexer refuses control characters and 0xFE/0xFF in strings */
    parse_fails("\"a\x01\"", "JSON parse error, stray '\"a\x01'");
    parse_fails("\"a\xff\"", "JSON parse error, stray '\"a\xff'");

    /* bad UTF-8 in a string we write comes out as U+FFFD */
    obj = QOBJECT(qstring_from_str("x\xff" "y"));
    {
        GString *s = qobject_to_json(obj);

        g_assert_cmpstr(s->str, ==, "\"x\\uFFFDy\"");
        g_string_free(s, true);
    }
    qobject_unref(obj);
}

static void test_numbers(void)
{
    QObject *obj;
    QNum *qn;
    int64_t i;
    uint64_t u;

    obj = parse_ok("-9223372036854775808");
    qn = qobject_to(QNum, obj);
    g_assert_cmpint(qn->kind, ==, QNUM_I64);
    g_assert_cmpint(qnum_get_int(qn), ==, INT64_MIN);
    g_assert_false(qnum_get_try_uint(qn, &u));
    qobject_unref(obj);

    obj = parse_ok("9223372036854775807");
    qn = qobject_to(QNum, obj);
    g_assert_cmpint(qn->kind, ==, QNUM_I64);
    g_assert_cmpuint(qnum_get_uint(qn), ==, INT64_MAX);
    qobject_unref(obj);

    obj = parse_ok("18446744073709551615");
    qn = qobject_to(QNum, obj);
    g_assert_cmpint(qn->kind, ==, QNUM_U64);
    g_assert_cmpuint(qnum_get_uint(qn), ==, UINT64_MAX);
    g_assert_false(qnum_get_try_int(qn, &i));
    qobject_unref(obj);

    obj = parse_ok("18446744073709551616");
    qn = qobject_to(QNum, obj);
    g_assert_cmpint(qn->kind, ==, QNUM_DOUBLE);
    g_assert_cmpfloat(qnum_get_double(qn), ==, 18446744073709551616.0);
    qobject_unref(obj);

    obj = parse_ok("-9223372036854775809");
    qn = qobject_to(QNum, obj);
    g_assert_cmpint(qn->kind, ==, QNUM_DOUBLE);
    qobject_unref(obj);

    obj = parse_ok("-0.0");
    qn = qobject_to(QNum, obj);
    g_assert_cmpint(qn->kind, ==, QNUM_DOUBLE);
    g_assert_true(signbit(qnum_get_double(qn)));
    qobject_unref(obj);

    obj = parse_ok("-0");
    qn = qobject_to(QNum, obj);
    g_assert_cmpint(qn->kind, ==, QNUM_I64);
    g_assert_cmpint(qnum_get_int(qn), ==, 0);
    qobject_unref(obj);

    obj = parse_ok("1e308");
    g_assert_cmpfloat(qnum_get_double(qobject_to(QNum, obj)), ==, 1e308);
    qobject_unref(obj);

    obj = parse_ok("1.5E-3");
    g_assert_cmpfloat(qnum_get_double(qobject_to(QNum, obj)), ==, 1.5e-3);
    qobject_unref(obj);

    /* written as QEMU writes them: %.17g */
    roundtrip("[0.1, 1e308, -0.0, 18446744073709551615, "
              "18446744073709551616, -9223372036854775808, 1.5, 1E400]",
              "[0.10000000000000001, 1e+308, -0, 18446744073709551615, "
              "1.8446744073709552e+19, -9223372036854775808, 1.5, inf]");

    /* a double written with 17 digits reads back bit-identical */
    {
        double vals[] = { 0.1, 1.0 / 3, 2.2250738585072014e-308,
                          4.9e-324, 1.7976931348623157e308, -123.456 };
        size_t k;

        for (k = 0; k < ARRAY_SIZE(vals); k++) {
            QNum *in = qnum_from_double(vals[k]);
            GString *s = qobject_to_json(QOBJECT(in));
            QObject *back = parse_ok(s->str);

            g_assert_cmpfloat(qnum_get_double(qobject_to(QNum, back)), ==,
                              vals[k]);
            qobject_unref(back);
            g_string_free(s, true);
            qobject_unref(in);
        }
    }

    /* lexical errors, in QEMU's words */
    parse_fails("00", "JSON parse error, stray '00'");
    parse_fails("-", "JSON parse error, stray '-'");
    parse_fails("1.", "JSON parse error, stray '1.'");
    parse_fails("1.x", "JSON parse error, stray '1.x'");
    parse_fails("1e", "JSON parse error, stray '1e'");
    parse_fails("+1", "JSON parse error, stray '+'");
    parse_fails(".5", "JSON parse error, stray '.'");
}

static void test_syntax_errors(void)
{
    parse_fails("", "Expecting a JSON value");
    parse_fails("   ", "Expecting a JSON value");
    parse_fails("@", "JSON parse error, stray '@'");
    parse_fails("{\"a\": }", "JSON parse error, expecting value");
    parse_fails("[1,]", "JSON parse error, expecting value");
    parse_fails("[1", "JSON parse error, premature EOI");
    parse_fails("{\"a\": 1", "JSON parse error, premature EOI");
    parse_fails("{\"a\"", "JSON parse error, premature EOI");
    parse_fails("{", "JSON parse error, premature EOI");
    parse_fails("}", "JSON parse error, expecting value");
    parse_fails("nul", "JSON parse error, invalid keyword 'nul'");
    parse_fails("True", "JSON parse error, stray 'T'");
    parse_fails("{1: 2}", "JSON parse error, key is not a string in object");
    parse_fails("{\"a\" 2}", "JSON parse error, missing : in object pair");
    parse_fails("{\"a\": 1 \"b\": 2}",
                "JSON parse error, expected separator in dict");
    parse_fails("[1 2]", "JSON parse error, expected separator in list");
    parse_fails("{\"a\": 1, \"a\": 2}", "JSON parse error, duplicate key");
    parse_fails("1 2", "Expecting at most one JSON value");
    parse_fails("{} x", "Expecting at most one JSON value");
    parse_fails("\"abc", "JSON parse error, stray '\"abc'");
    parse_fails("[1}", "JSON parse error, expected separator in list");
}

/* A deeply nested array: @depth '[' then @depth ']'. */
static char *nested(int depth)
{
    char *s = g_malloc(2 * depth + 1);

    memset(s, '[', depth);
    memset(s + depth, ']', depth);
    s[2 * depth] = 0;
    return s;
}

static void test_limits(void)
{
    char *s;
    QObject *obj;
    GString *big;
    int i;

    s = nested(JSON_MAX_NESTING);
    obj = parse_ok(s);
    qobject_unref(obj);
    g_free(s);

    s = nested(JSON_MAX_NESTING + 1);
    parse_fails(s, "JSON nesting depth limit exceeded");
    g_free(s);

    /* mixed nesting counts objects too */
    big = g_string_new(NULL);
    for (i = 0; i < 600; i++) {
        g_string_append(big, "{\"a\": [");
    }
    parse_fails(big->str, "JSON nesting depth limit exceeded");
    g_string_free(big, true);

    /* 2 Mi tokens is the maximum: "[[]" + (1 Mi - 2) * ",0" + "]" */
    big = g_string_sized_new(5 << 20);
    g_string_append(big, "[[]");
    for (i = 0; i < (1 << 20) - 2; i++) {
        g_string_append(big, ",0");
    }
    g_string_append_c(big, ']');
    obj = parse_ok(big->str);
    g_assert_cmpuint(qlist_size(qobject_to(QList, obj)), ==, (1 << 20) - 1);
    qobject_unref(obj);
    g_string_truncate(big, big->len - 1);
    g_string_append(big, ",0]");
    parse_fails(big->str, "JSON token count limit exceeded");
    g_string_free(big, true);

    /* one string token bigger than 64 MiB */
    big = g_string_sized_new(JSON_MAX_TOKEN_SIZE + 16);
    g_string_append_c(big, '"');
    g_string_set_size(big, JSON_MAX_TOKEN_SIZE + 2);
    memset(big->str + 1, 'x', JSON_MAX_TOKEN_SIZE + 1);
    g_string_append_c(big, '"');
    {
        Error *err = NULL;
        QObject *r = qobject_from_json(big->str, &err);

        g_assert_null(r);
        g_assert_cmpstr(error_get_pretty(err), ==,
                        "JSON token size limit exceeded");
        error_free(err);
    }
    g_string_free(big, true);
}

/* Collects what a JSONMessageParser emits. */
typedef struct Collector {
    GPtrArray *texts;       /* JSON of each value, or "error: <msg>" */
} Collector;

static void collect(void *opaque, QObject *json, Error *err)
{
    Collector *c = opaque;

    g_assert(!json != !err);
    if (err) {
        g_ptr_array_add(c->texts,
                        g_strdup_printf("error: %s", error_get_pretty(err)));
        error_free(err);
    } else {
        GString *s = qobject_to_json(json);

        g_ptr_array_add(c->texts, g_string_free(s, false));
        qobject_unref(json);
    }
}

/* Feed @len bytes in pieces of @chunk and compare emitted items. */
static void stream_check(const char *input, size_t len, size_t chunk,
                         const char *const *expect)
{
    JSONMessageParser parser;
    Collector c = { .texts = g_ptr_array_new_with_free_func(g_free) };
    size_t off, n;

    json_message_parser_init(&parser, collect, &c, NULL);
    for (off = 0; off < len; off += n) {
        n = MIN(chunk, len - off);
        json_message_parser_feed(&parser, input + off, n);
    }
    json_message_parser_flush(&parser);
    json_message_parser_destroy(&parser);

    for (n = 0; expect[n]; n++) {
        g_assert_cmpuint(n, <, c.texts->len);
        g_assert_cmpstr(g_ptr_array_index(c.texts, n), ==, expect[n]);
    }
    g_assert_cmpuint(c.texts->len, ==, n);
    g_ptr_array_free(c.texts, true);
}

static void test_stream_bytewise(void)
{
    static const char in[] =
        "{\"execute\": \"query-status\", \"arguments\": {\"a\": [1, 2.5, "
        "'x\\u00e9', true, null]}, \"id\": 18446744073709551615}";
    static const char *const expect[] = {
        "{\"execute\": \"query-status\", \"arguments\": {\"a\": [1, 2.5, "
        "\"x\\u00E9\", true, null]}, \"id\": 18446744073709551615}",
        NULL
    };
    size_t chunk;

    for (chunk = 1; chunk <= 7; chunk++) {
        stream_check(in, strlen(in), chunk, expect);
    }
}

static void test_stream_two_messages(void)
{
    static const char in[] = "{\"a\": 1}{\"b\": 2}\r\n[3] 4 \"five\" ";
    static const char *const expect[] = {
        "{\"a\": 1}", "{\"b\": 2}", "[3]", "4", "\"five\"", NULL
    };

    stream_check(in, strlen(in), 1000, expect);
    stream_check(in, strlen(in), 1, expect);
}

static void test_stream_recovery(void)
{
    /* garbage, then a good message */
    static const char in1[] = "@#$ {\"good\": true}";
    static const char *const expect1[] = {
        "error: JSON parse error, stray '@'", "{\"good\": true}", NULL
    };
    /* an error inside a message drops the rest of it, QEMU style */
    static const char in2[] = "{\"a\": @}\n{\"ok\": 1}";
    static const char *const expect2[] = {
        "error: JSON parse error, stray '@'",
        "error: JSON parse error, expecting value",
        "{\"ok\": 1}", NULL
    };
    /* a control character abandons a half-sent message */
    static const char in3[] = "{\"execute\": \"sto\x1b{\"x\": 1}";
    static const char *const expect3[] = {
        "error: JSON parse error, stray '\"sto\x1b'",
        "{\"x\": 1}", NULL
    };
    /* so does 0xFF, even between tokens */
    static const char in4[] = "[1, \xff [2]";
    static const char *const expect4[] = {
        "error: JSON parse error, stray '\xff'",
        "[2]", NULL
    };
    /* an incomplete message at end of input */
    static const char in5[] = "[1, {\"a\": ";
    static const char *const expect5[] = {
        "error: JSON parse error, premature EOI", NULL
    };
    /* a stray closing bracket is a message of its own */
    static const char in6[] = "] {}";
    static const char *const expect6[] = {
        "error: JSON parse error, expecting value", "{}", NULL
    };
    /* whitespace and line endings alone emit nothing */
    static const char in7[] = " \t\r\n ";
    static const char *const expect7[] = { NULL };
    /* the nesting limit error, then the rest reads as separate input */
    static const char *const expect8[] = {
        "error: JSON nesting depth limit exceeded",
        "error: JSON parse error, expecting value",
        "{}", NULL
    };
    GString *in8 = g_string_new(NULL);
    int i;

    for (i = 0; i <= JSON_MAX_NESTING; i++) {
        g_string_append_c(in8, '[');
    }
    g_string_append(in8, "]{}");

    stream_check(in1, strlen(in1), 1, expect1);
    stream_check(in2, strlen(in2), 3, expect2);
    stream_check(in3, strlen(in3), 100, expect3);
    stream_check(in4, strlen(in4), 2, expect4);
    stream_check(in5, strlen(in5), 100, expect5);
    stream_check(in6, strlen(in6), 1, expect6);
    stream_check(in7, strlen(in7), 1, expect7);
    stream_check(in8->str, in8->len, 64, expect8);
    g_string_free(in8, true);
}

static void test_stream_nul_byte(void)
{
    static const char in[] = "[1]\0[2]";
    static const char *const expect[] = {
        "[1]", "error: JSON parse error, stray ''", "[2]", NULL
    };

    stream_check(in, sizeof(in) - 1, 1, expect);
}

/*
 * Random garbage built from JSON fragments and bad bytes never crashes
 * the parser, and a control character always resynchronises it.
 */
static void test_stream_garbage(void)
{
    static const char *const pieces[] = {
        "{", "}", "[", "]", ":", ",", "\"", "'", "\\", "\\u", "d800",
        "1", "-", ".", "e", "0", "true", "nul", " ", "\n", "\xc3",
        "\xa9", "\xff", "\xfe", "\x80", "\xed\xa0\x80", "\x01", "@",
        "\"key\": ", "[[[[", "]]]]", "{\"a\": [1, {\"b\": \"c\"}]}",
    };
    static const char good[] = "\x01\n{\"ok\": 1}";
    GRand *rand = g_rand_new_with_seed(12345);
    int round;

    for (round = 0; round < 300; round++) {
        GString *in = g_string_new(NULL);
        JSONMessageParser parser;
        Collector c = { .texts = g_ptr_array_new_with_free_func(g_free) };
        int i, n = g_rand_int_range(rand, 1, 200);
        size_t off, chunk;

        for (i = 0; i < n; i++) {
            g_string_append(in, pieces[g_rand_int_range(rand, 0,
                                                        ARRAY_SIZE(pieces))]);
        }
        g_string_append(in, good);
        json_message_parser_init(&parser, collect, &c, NULL);
        for (off = 0; off < in->len; off += chunk) {
            chunk = g_rand_int_range(rand, 1, 9);
            chunk = MIN(in->len - off, chunk);
            json_message_parser_feed(&parser, in->str + off, chunk);
        }
        json_message_parser_flush(&parser);
        json_message_parser_destroy(&parser);
        g_assert_cmpuint(c.texts->len, >=, 1);
        g_assert_cmpstr(g_ptr_array_index(c.texts, c.texts->len - 1), ==,
                        "{\"ok\": 1}");
        g_ptr_array_free(c.texts, true);
        g_string_free(in, true);
    }
    g_rand_free(rand);
}

static void test_qdict_from_json(void)
{
    Error *err = NULL;
    QDict *d = qdict_from_json("{\"a\": 1}", &error_abort);

    g_assert_cmpint(qdict_get_int(d, "a"), ==, 1);
    qobject_unref(d);
    g_assert_null(qdict_from_json("[1]", &err));
    g_assert_cmpstr(error_get_pretty(err), ==, "Expecting a JSON object");
    error_free(err);
}

static void test_append_json(void)
{
    GString *out = g_string_new("prefix ");
    QDict *d = qdict_new();

    qdict_put_str(d, "k\xc3\xa9y", "v\n");
    qobject_append_json(out, QOBJECT(d), false);
    g_assert_cmpstr(out->str, ==, "prefix {\"k\\u00E9y\": \"v\\n\"}");
    g_string_free(out, true);
    qobject_unref(d);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/json/literals", test_literals);
    g_test_add_func("/json/writer/compact", test_compact_writer);
    g_test_add_func("/json/writer/pretty", test_pretty_writer);
    g_test_add_func("/json/writer/append", test_append_json);
    g_test_add_func("/json/strings/escapes", test_string_escapes);
    g_test_add_func("/json/strings/unicode", test_unicode);
    g_test_add_func("/json/numbers", test_numbers);
    g_test_add_func("/json/errors", test_syntax_errors);
    g_test_add_func("/json/limits", test_limits);
    g_test_add_func("/json/stream/bytewise", test_stream_bytewise);
    g_test_add_func("/json/stream/two-messages", test_stream_two_messages);
    g_test_add_func("/json/stream/recovery", test_stream_recovery);
    g_test_add_func("/json/stream/nul-byte", test_stream_nul_byte);
    g_test_add_func("/json/stream/garbage", test_stream_garbage);
    g_test_add_func("/json/qdict-from-json", test_qdict_from_json);
    return g_test_run();
}
