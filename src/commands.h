/*
 * commands.h: the subcommands' entry points and what they share.
 *
 * Each src/cmd_<name>.c parses its own options, calls into the library and
 * prints; it returns an exit status from exitcode.h.  main() in jprepo.c
 * owns the command table.
 */
#ifndef JP_COMMANDS_H
#define JP_COMMANDS_H

#include <stdio.h>

#include "ctx.h"
#include "exitcode.h"

int cmd_apply(int argc, char **argv, struct jp_ctx *ctx);
int cmd_build(int argc, char **argv, struct jp_ctx *ctx);
int cmd_bundle(int argc, char **argv, struct jp_ctx *ctx);
int cmd_export(int argc, char **argv, struct jp_ctx *ctx);
int cmd_history(int argc, char **argv, struct jp_ctx *ctx);
int cmd_import(int argc, char **argv, struct jp_ctx *ctx);
int cmd_plan(int argc, char **argv, struct jp_ctx *ctx);
int cmd_key(int argc, char **argv, struct jp_ctx *ctx);
int cmd_report(int argc, char **argv, struct jp_ctx *ctx);
int cmd_rollback(int argc, char **argv, struct jp_ctx *ctx);
int cmd_scan(int argc, char **argv, struct jp_ctx *ctx);
int cmd_sign(int argc, char **argv, struct jp_ctx *ctx);
int cmd_verify(int argc, char **argv, struct jp_ctx *ctx);

/*
 * Handle the options every command accepts after its name (-q, -v).
 * Returns 1 when `opt` was one of them.
 */
int jp_cmd_common_opt(struct jp_ctx *ctx, int opt);
/* Print "usage: ..." and a pointer to --help on stderr; returns JP_EXIT_USAGE. */
int jp_cmd_usage_error(struct jp_ctx *ctx, const char *usage);
/*
 * A JSON string (RFC 8259 7) on fp: quote, backslash and control
 * characters escaped, bytes that are not UTF-8 as U+FFFD.
 */
void jp_cmd_json_str(FILE *fp, const char *s);
struct jp_manifest;
/*
 * The fields that describe a bundle in every --json (bundle info, export,
 * import): "bundle", "store", "store_id", "sequence", "type", "base",
 * "created", without the braces around them (cmd_bundle.c).
 */
void jp_cmd_json_bundle(FILE *fp, const struct jp_manifest *mf);
/* Parse a non-negative decimal integer option; -1 when malformed. */
long jp_cmd_parse_count(const char *s, long max);

#endif
