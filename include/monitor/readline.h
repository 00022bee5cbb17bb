/*
 * Line editor for HMP: terminal escape sequences, history, completion.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MONITOR_READLINE_H
#define MONITOR_READLINE_H

#define READLINE_CMD_BUF_SIZE 4096
#define READLINE_MAX_CMDS 64
#define READLINE_MAX_COMPLETIONS 256

typedef void ReadLinePrintfFunc(void *opaque, const char *fmt, ...)
    VIREO_PRINTF(2, 3);
typedef void ReadLineFlushFunc(void *opaque);
typedef void ReadLineFunc(void *opaque, const char *str,
                          void *readline_opaque);
/* Called on TAB with the text before the cursor; adds candidates. */
typedef void ReadLineCompletionFunc(void *opaque, const char *cmdline);

typedef struct ReadLineState ReadLineState;

ReadLineState *readline_init(ReadLinePrintfFunc *printf_func,
                             ReadLineFlushFunc *flush_func,
                             void *opaque,
                             ReadLineCompletionFunc *completion_finder);
void readline_free(ReadLineState *rs);

/* Feeds one input byte. */
void readline_handle_byte(ReadLineState *rs, int ch);
/* Starts reading a line; @readline_func gets it when Enter is pressed. */
void readline_start(ReadLineState *rs, const char *prompt, int read_password,
                    ReadLineFunc *readline_func, void *readline_opaque);
void readline_restart(ReadLineState *rs);
void readline_show_prompt(ReadLineState *rs);

/* For the completion callback: offer @str; the word starts at @index. */
void readline_add_completion(ReadLineState *rs, const char *str);
void readline_add_completion_of(ReadLineState *rs, const char *pfx,
                                const char *str);
void readline_set_completion_index(ReadLineState *rs, int completion_index);

/* History entry @index (0 = oldest), or NULL. */
const char *readline_get_history(ReadLineState *rs, unsigned int index);
/* The line being edited and the cursor position (for tests). */
const char *readline_get_line(ReadLineState *rs, int *cursor);

#endif
