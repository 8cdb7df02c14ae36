/* SPDX-License-Identifier: GPL-2.0 */
/* khib-inspect --json: the schema is documented in docs/inspect-json.md. */
#ifndef KHIB_INSPECT_JSON_H
#define KHIB_INSPECT_JSON_H

#include <stdio.h>

#include "image_reader.h"

#define INSPECT_JSON_SCHEMA	"khib-inspect/1"

/*
 * Write one JSON object about @path to @f: the verdict @v and, for a
 * valid image (@r still open), its superblock and memory map.  @data is
 * the data stream's verdict: NULL if it was not checked, "" if every chunk
 * checked out, else the reason.
 */
void inspect_json(FILE *f, const char *path, enum image_verdict v,
		  const struct image_reader *r, const char *data);

#endif
