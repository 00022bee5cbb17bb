/*
 * vireo-img: shared helpers of the subcommands (qemu-img's syntax).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef TOOLS_IMG_H
#define TOOLS_IMG_H

#include "vireo/osdep.h"
#include "vireo/error.h"
#include "block/block-backend.h"

/* Open @filename for a subcommand; errors are reported, NULL returned. */
BlockBackend *img_open(const char *filename, const char *fmt, int flags,
                       bool image_opts, bool quiet);
/* "-o" strings: key=value pairs (",," escapes a comma) into @opts. */
bool img_parse_o(QDict *opts, const char *str, Error **errp);
/* Size argument with k/M/G/T/P/E suffixes; -1 and an error if bad. */
int64_t img_parse_size(const char *s);
/* Backing file path as QEMU combines it with the overlay's name. */
char *img_path_combine(const char *base, const char *name);
/* A command-line mistake: the message and qemu-img's "Try ..." hint. */
void img_usage_error(const char *fmt, ...) VIREO_PRINTF(1, 2);
/* "help" lists for -o. */
void img_print_create_opts(BlockDriver *drv);
/* A page-aligned buffer (cache=none takes it as is); free() it. */
void *img_buf(size_t len);
/* Status of @bs at @off through its chain down to @base: *zero if it
 * reads as zeroes, *alloc if some layer holds it. */
int img_chain_status(BlockDriverState *bs, BlockDriverState *base,
                     int64_t off, int64_t max, int64_t *pnum, bool *zero,
                     bool *alloc);
/* A progress bar on stdout (-p). */
void img_progress(bool enabled, double percent);

int img_convert(int argc, char **argv);
int img_compare(int argc, char **argv);
int img_map(int argc, char **argv);
int img_rebase(int argc, char **argv);
int img_commit(int argc, char **argv);
int img_dd(int argc, char **argv);
int img_bench(int argc, char **argv);
int img_measure(int argc, char **argv);

#endif
