/*
 * JSON lexer: a byte-driven state machine that cuts input into tokens.
 *
 * It accepts RFC 8259 tokens plus QEMU's extensions (single-quoted
 * strings, \' escapes) and leaves checking escapes, UTF-8 and keywords
 * to the parser.  On a byte that cannot continue the current token it
 * reports the bad text as JSON_ERROR and skips input until a structural
 * character, a control character other than tab, or a 0xFE/0xFF byte,
 * where lexing starts afresh.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "json-parser-int.h"

enum {
    LEX_START,
    LEX_RECOVERY,
    LEX_DQ,             /* inside "..." */
    LEX_DQ_ESCAPE,      /* after a backslash in "..." */
    LEX_SQ,             /* inside '...' */
    LEX_SQ_ESCAPE,
    LEX_SIGN,           /* "-" */
    LEX_ZERO,           /* "0" or "-0" */
    LEX_DIGITS,         /* integer part after a non-zero digit */
    LEX_POINT,          /* "." seen, digit required */
    LEX_FRACTION,       /* digits after "." */
    LEX_EXP,            /* "e" seen */
    LEX_EXP_SIGN,       /* "e+" or "e-" seen */
    LEX_EXP_DIGITS,
    LEX_KEYWORD,        /* [a-z]+ */
};

static inline bool is_structural(unsigned char c)
{
    return c == '[' || c == ']' || c == '{' || c == '}' || c == ':' ||
           c == ',';
}

static inline bool in_string_range(unsigned char c)
{
    return c >= 0x20 && c <= 0xFD;
}

/* Empty the token buffer, dropping it if one huge token grew it. */
static void reset_token(JSONLexer *lexer)
{
    if (unlikely(lexer->token->allocated_len > (1u << 20))) {
        g_string_free(lexer->token, true);
        lexer->token = g_string_sized_new(64);
    } else {
        g_string_truncate(lexer->token, 0);
    }
}

static void lex_token(JSONLexer *lexer, JSONTokenType type)
{
    json_message_process_token(lexer, lexer->token, type);
    reset_token(lexer);
    lexer->state = LEX_START;
}

static void lex_error(JSONLexer *lexer)
{
    json_message_process_token(lexer, lexer->token, JSON_ERROR);
    reset_token(lexer);
    lexer->state = LEX_RECOVERY;
}

void json_lexer_init(JSONLexer *lexer)
{
    lexer->state = LEX_START;
    lexer->token = g_string_sized_new(64);
}

void json_lexer_destroy(JSONLexer *lexer)
{
    g_string_free(lexer->token, true);
    lexer->token = NULL;
}

/*
 * The token type a token ending in @state has, or JSON_ERROR when the
 * state cannot end a token.
 */
static JSONTokenType terminal_type(int state)
{
    switch (state) {
    case LEX_ZERO:
    case LEX_DIGITS:
        return JSON_INTEGER;
    case LEX_FRACTION:
    case LEX_EXP_DIGITS:
        return JSON_FLOAT;
    case LEX_KEYWORD:
        return JSON_KEYWORD;
    default:
        return JSON_ERROR;
    }
}

/* A start byte: append it and switch state, or handle it alone. */
static void lex_start(JSONLexer *lexer, unsigned char c)
{
    int next;

    switch (c) {
    case ' ':
    case '\t':
    case '\r':
    case '\n':
        return;
    case '{':
        g_string_append_c(lexer->token, c);
        lex_token(lexer, JSON_LCURLY);
        return;
    case '}':
        g_string_append_c(lexer->token, c);
        lex_token(lexer, JSON_RCURLY);
        return;
    case '[':
        g_string_append_c(lexer->token, c);
        lex_token(lexer, JSON_LSQUARE);
        return;
    case ']':
        g_string_append_c(lexer->token, c);
        lex_token(lexer, JSON_RSQUARE);
        return;
    case ':':
        g_string_append_c(lexer->token, c);
        lex_token(lexer, JSON_COLON);
        return;
    case ',':
        g_string_append_c(lexer->token, c);
        lex_token(lexer, JSON_COMMA);
        return;
    case '"':
        next = LEX_DQ;
        break;
    case '\'':
        next = LEX_SQ;
        break;
    case '-':
        next = LEX_SIGN;
        break;
    case '0':
        next = LEX_ZERO;
        break;
    default:
        if (c >= '1' && c <= '9') {
            next = LEX_DIGITS;
        } else if (c >= 'a' && c <= 'z') {
            next = LEX_KEYWORD;
        } else {
            g_string_append_c(lexer->token, c);
            lex_error(lexer);
            return;
        }
        break;
    }
    g_string_append_c(lexer->token, c);
    lexer->state = next;
}

/*
 * Number and keyword states.  Returns false when @c is not consumed
 * (the token ended before it and @c must be looked at again).
 */
static bool lex_number_or_keyword(JSONLexer *lexer, unsigned char c)
{
    bool digit = c >= '0' && c <= '9';
    int next = -1;

    switch (lexer->state) {
    case LEX_SIGN:
        if (c == '0') {
            next = LEX_ZERO;
        } else if (digit) {
            next = LEX_DIGITS;
        }
        break;
    case LEX_ZERO:
        if (digit) {
            /* leading zeros are not JSON */
            g_string_append_c(lexer->token, c);
            lex_error(lexer);
            return true;
        }
        if (c == '.') {
            next = LEX_POINT;
        }
        break;
    case LEX_DIGITS:
        if (digit) {
            next = LEX_DIGITS;
        } else if (c == '.') {
            next = LEX_POINT;
        } else if (c == 'e' || c == 'E') {
            next = LEX_EXP;
        }
        break;
    case LEX_POINT:
        if (digit) {
            next = LEX_FRACTION;
        }
        break;
    case LEX_FRACTION:
        if (digit) {
            next = LEX_FRACTION;
        } else if (c == 'e' || c == 'E') {
            next = LEX_EXP;
        }
        break;
    case LEX_EXP:
        if (digit) {
            next = LEX_EXP_DIGITS;
        } else if (c == '+' || c == '-') {
            next = LEX_EXP_SIGN;
        }
        break;
    case LEX_EXP_SIGN:
    case LEX_EXP_DIGITS:
        if (digit) {
            next = LEX_EXP_DIGITS;
        }
        break;
    case LEX_KEYWORD:
        if (c >= 'a' && c <= 'z') {
            next = LEX_KEYWORD;
        }
        break;
    default:
        g_assert_not_reached();
    }

    if (next >= 0) {
        g_string_append_c(lexer->token, c);
        lexer->state = next;
        return true;
    }
    if (terminal_type(lexer->state) != JSON_ERROR) {
        lex_token(lexer, terminal_type(lexer->state));
        return false;
    }
    /* An incomplete number: the offending byte is part of the error. */
    g_string_append_c(lexer->token, c);
    lex_error(lexer);
    return true;
}

static void check_token_size(JSONLexer *lexer)
{
    if (unlikely(lexer->token->len > JSON_MAX_TOKEN_SIZE)) {
        json_message_process_token(lexer, lexer->token, JSON_OVERSIZED);
        reset_token(lexer);
        lexer->state = LEX_START;
    }
}

void json_lexer_feed(JSONLexer *lexer, const char *buffer, size_t size)
{
    const unsigned char *p = (const unsigned char *)buffer;
    const unsigned char *end = p + size;

    while (p < end) {
        unsigned char c = *p;

        switch (lexer->state) {
        case LEX_START:
            lex_start(lexer, c);
            p++;
            break;

        case LEX_RECOVERY:
            /* Skip to a promising resynchronisation point. */
            while (p < end && (*p == '\t' ||
                               (in_string_range(*p) && !is_structural(*p)))) {
                p++;
            }
            if (p < end) {
                lexer->state = LEX_START;
            }
            continue;

        case LEX_DQ:
        case LEX_SQ: {
            unsigned char quote = lexer->state == LEX_DQ ? '"' : '\'';
            const unsigned char *q = p;
            size_t room = JSON_MAX_TOKEN_SIZE + 1 - lexer->token->len;
            const unsigned char *limit = (size_t)(end - p) > room ? p + room
                                                                  : end;

            /* Copy the run of ordinary characters in one go. */
            while (q < limit && in_string_range(*q) && *q != '\\' &&
                   *q != quote) {
                q++;
            }
            if (q > p) {
                g_string_append_len(lexer->token, (const char *)p, q - p);
                p = q;
                check_token_size(lexer);
                continue;
            }
            g_string_append_c(lexer->token, c);
            p++;
            if (c == quote) {
                lex_token(lexer, JSON_STRING);
            } else if (c == '\\') {
                lexer->state = lexer->state == LEX_DQ ? LEX_DQ_ESCAPE
                                                      : LEX_SQ_ESCAPE;
            } else {
                lex_error(lexer);
            }
            break;
        }

        case LEX_DQ_ESCAPE:
        case LEX_SQ_ESCAPE:
            g_string_append_c(lexer->token, c);
            p++;
            if (in_string_range(c)) {
                lexer->state = lexer->state == LEX_DQ_ESCAPE ? LEX_DQ
                                                             : LEX_SQ;
            } else {
                lex_error(lexer);
            }
            break;

        default:
            if (lex_number_or_keyword(lexer, c)) {
                p++;
            }
            break;
        }
        check_token_size(lexer);
    }
}

void json_lexer_flush(JSONLexer *lexer)
{
    /* End of input ends a number or keyword, and breaks anything else. */
    if (lexer->state != LEX_START && lexer->state != LEX_RECOVERY) {
        if (terminal_type(lexer->state) != JSON_ERROR) {
            lex_token(lexer, terminal_type(lexer->state));
        } else {
            lex_error(lexer);
        }
    }
    lexer->state = LEX_START;
    g_string_truncate(lexer->token, 0);
    json_message_process_token(lexer, lexer->token, JSON_END_OF_INPUT);
}
