/* -config FILE: an INI file whose keys mirror the command-line options,
 * applied to struct options before the command line (which overrides it). */
#ifndef REX86_FRONTEND_CONFIG_H
#define REX86_FRONTEND_CONFIG_H

#include <stddef.h>
#include <stdio.h>

struct options;

/* Reads `path` and applies every setting through the same checks as the
 * command line. The parsed file is kept in o->config (its strings back the
 * values); options_free releases it. Returns 0, or -1 with err holding one
 * sentence that names the file and the line. */
int config_apply(struct options *o, const char *path, char *err, size_t errlen);

/* Prints the sections and keys (for --help). */
void config_usage(FILE *f);

#endif
