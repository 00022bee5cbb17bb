/*
 * Streaming JSON: a lexer and message splitter that frame top-level JSON
 * values on a byte stream (QMP), and the parser behind it.
 *
 * Feed bytes as they arrive; for each complete top-level value the emit
 * callback gets the parsed QObject (err NULL), and for each bad message
 * it gets an Error (json NULL).  The callback owns both and must
 * qobject_unref()/error_free() them.  After an error the splitter drops
 * input up to the end of the broken message and carries on with the next
 * one; an ASCII control character other than \t \n \r (or a 0xFF byte)
 * abandons whatever was pending, which lets a client resynchronise.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef QOBJECT_JSON_PARSER_H
#define QOBJECT_JSON_PARSER_H

#include "qobject/qobject.h"

/* QEMU's limits on one message. */
#define JSON_MAX_TOKEN_SIZE     (64ULL << 20)   /* bytes, whole message */
#define JSON_MAX_TOKEN_COUNT    (2ULL << 20)
#define JSON_MAX_NESTING        1024

typedef enum JSONTokenType {
    JSON_ERROR,
    JSON_LCURLY,
    JSON_RCURLY,
    JSON_LSQUARE,
    JSON_RSQUARE,
    JSON_COLON,
    JSON_COMMA,
    JSON_INTEGER,
    JSON_FLOAT,
    JSON_KEYWORD,
    JSON_STRING,
    JSON_END_OF_INPUT,
    JSON_OVERSIZED,         /* a token grew past JSON_MAX_TOKEN_SIZE */
} JSONTokenType;

/* Internal state; use the functions below. */
typedef struct JSONLexer {
    int state;
    GString *token;         /* text of the token being built */
} JSONLexer;

typedef struct JSONMessageParser {
    void (*emit)(void *opaque, QObject *json, Error *err);
    void *opaque;
    JSONLexer lexer;
    int brace_count;
    int bracket_count;
    GArray *tokens;         /* JSONToken records of the pending message */
    GString *text;          /* their text, each NUL-terminated */
    uint64_t token_size;
} JSONMessageParser;

/*
 * @ap must be NULL: QEMU's %-interpolation (used only by its tests and
 * internal callers) is not supported.
 */
void json_message_parser_init(JSONMessageParser *parser,
                              void (*emit)(void *opaque, QObject *json,
                                           Error *err),
                              void *opaque, va_list *ap);
void json_message_parser_feed(JSONMessageParser *parser,
                              const char *buffer, size_t size);
/* End of input: emit what is pending (an incomplete value is an error). */
void json_message_parser_flush(JSONMessageParser *parser);
void json_message_parser_destroy(JSONMessageParser *parser);

#endif
