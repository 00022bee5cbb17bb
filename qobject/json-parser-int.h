/*
 * Interfaces between the JSON lexer, message splitter and parser.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef QOBJECT_JSON_PARSER_INT_H
#define QOBJECT_JSON_PARSER_INT_H

#include "qobject/json-parser.h"

/* One token of a pending message; its text lives in a shared buffer. */
typedef struct JSONToken {
    JSONTokenType type;
    size_t offset;          /* into JSONMessageParser.text */
    size_t len;
} JSONToken;

void json_lexer_init(JSONLexer *lexer);
void json_lexer_feed(JSONLexer *lexer, const char *buffer, size_t size);
void json_lexer_flush(JSONLexer *lexer);
void json_lexer_destroy(JSONLexer *lexer);

/* Called by the lexer for every token, error and end of input. */
void json_message_process_token(JSONLexer *lexer, GString *token,
                                JSONTokenType type);

/*
 * Parse one value from @count tokens whose text is in @text.  Returns
 * NULL with *@errp set on error.
 */
QObject *json_parser_parse(const JSONToken *tokens, size_t count,
                           const char *text, Error **errp);

/*
 * Decode one modified-UTF-8 character (U+0000 may be written as C0 80)
 * from at most @n bytes at @s.  Returns the code point, or -1 for an
 * invalid, overlong, surrogate, non-character or out-of-range sequence;
 * *@end is set past the bytes examined.
 */
int json_utf8_decode(const char *s, size_t n, const char **end);
/* Encode @cp as modified UTF-8 into @buf (5 bytes); -1 if invalid. */
int json_utf8_encode(char *buf, int cp);

#endif
