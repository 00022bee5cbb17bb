/*
 * JSON message splitter: collects tokens until they form one complete
 * top-level value, then parses it and hands it to the emit callback.
 * Also enforces QEMU's limits on message size, token count and nesting.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vireo/osdep.h"
#include "vireo/error.h"
#include "json-parser-int.h"

static void reset_message(JSONMessageParser *parser)
{
    parser->brace_count = 0;
    parser->bracket_count = 0;
    parser->token_size = 0;

    /* Do not keep huge buffers around after one huge message. */
    if (parser->tokens->len > 65536) {
        g_array_free(parser->tokens, true);
        parser->tokens = g_array_sized_new(false, false, sizeof(JSONToken),
                                           64);
    } else {
        g_array_set_size(parser->tokens, 0);
    }
    if (parser->text->allocated_len > (1u << 20)) {
        g_string_free(parser->text, true);
        parser->text = g_string_sized_new(4096);
    } else {
        g_string_truncate(parser->text, 0);
    }
}

static QObject *parse_pending(JSONMessageParser *parser, Error **errp)
{
    return json_parser_parse((const JSONToken *)parser->tokens->data,
                             parser->tokens->len, parser->text->str, errp);
}

void json_message_process_token(JSONLexer *lexer, GString *input,
                                JSONTokenType type)
{
    JSONMessageParser *parser = container_of(lexer, JSONMessageParser,
                                             lexer);
    QObject *json = NULL;
    Error *err = NULL;
    JSONToken token;

    switch (type) {
    case JSON_LCURLY:
        parser->brace_count++;
        break;
    case JSON_RCURLY:
        parser->brace_count--;
        break;
    case JSON_LSQUARE:
        parser->bracket_count++;
        break;
    case JSON_RSQUARE:
        parser->bracket_count--;
        break;
    case JSON_ERROR:
        error_setg(&err, "JSON parse error, stray '%s'", input->str);
        goto emit;
    case JSON_END_OF_INPUT:
        if (parser->tokens->len == 0) {
            return;
        }
        json = parse_pending(parser, &err);
        goto emit;
    default:
        break;
    }

    /* Bound the memory and recursion one message can cost. */
    if (parser->token_size + input->len + 1 > JSON_MAX_TOKEN_SIZE) {
        error_setg(&err, "JSON token size limit exceeded");
        goto emit;
    }
    if (parser->tokens->len + 1 > JSON_MAX_TOKEN_COUNT) {
        error_setg(&err, "JSON token count limit exceeded");
        goto emit;
    }
    if (parser->bracket_count + parser->brace_count > JSON_MAX_NESTING) {
        error_setg(&err, "JSON nesting depth limit exceeded");
        goto emit;
    }

    token.type = type;
    token.offset = parser->text->len;
    token.len = input->len;
    g_string_append_len(parser->text, input->str, input->len + 1);
    g_array_append_val(parser->tokens, token);
    parser->token_size += input->len;

    /* Wait for the closing bracket of an open container. */
    if ((parser->brace_count > 0 || parser->bracket_count > 0) &&
        parser->brace_count >= 0 && parser->bracket_count >= 0) {
        return;
    }
    json = parse_pending(parser, &err);

emit:
    reset_message(parser);
    parser->emit(parser->opaque, json, err);
}

void json_message_parser_init(JSONMessageParser *parser,
                              void (*emit)(void *opaque, QObject *json,
                                           Error *err),
                              void *opaque, va_list *ap)
{
    assert(!ap);
    parser->emit = emit;
    parser->opaque = opaque;
    parser->brace_count = 0;
    parser->bracket_count = 0;
    parser->tokens = g_array_sized_new(false, false, sizeof(JSONToken), 64);
    parser->text = g_string_sized_new(4096);
    parser->token_size = 0;
    json_lexer_init(&parser->lexer);
}

void json_message_parser_feed(JSONMessageParser *parser,
                              const char *buffer, size_t size)
{
    json_lexer_feed(&parser->lexer, buffer, size);
}

void json_message_parser_flush(JSONMessageParser *parser)
{
    json_lexer_flush(&parser->lexer);
    assert(parser->tokens->len == 0);
}

void json_message_parser_destroy(JSONMessageParser *parser)
{
    json_lexer_destroy(&parser->lexer);
    g_array_free(parser->tokens, true);
    g_string_free(parser->text, true);
    parser->tokens = NULL;
    parser->text = NULL;
}
