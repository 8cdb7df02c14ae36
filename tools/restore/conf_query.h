/* SPDX-License-Identifier: GPL-2.0 */
/*
 * khib-restore --conf KEY: one setting of khib.conf, checked by the C
 * parser, for the shell scripts (khib-load, the initramfs-tools hook),
 * which read the file through it only.
 */
#ifndef KHIB_CONF_QUERY_H
#define KHIB_CONF_QUERY_H

/*
 * Print the value of @key, or its default when not set (khib_conf_setting()),
 * and return 0; print nothing and return 0 if it is not set and has no
 * default; return 2, saying why on stderr ("PATH:LINE: ..."), if the file
 * is invalid or @key is unknown.
 */
int conf_query(const char *key);

#endif
