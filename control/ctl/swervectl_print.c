/* SPDX-License-Identifier: BSD-3-Clause */
/* swervectl's readable output: a reply as aligned keys, tables and blocks; no command knowledge. */

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "swervectl_print.h"

static bool
is_table(const json_t *v)
{
	size_t i;

	if (!json_is_array(v) || json_array_size(v) == 0)
		return false;
	for (i = 0; i < json_array_size(v); i++)
		if (!json_is_object(json_array_get(v, i)))
			return false;
	return true;
}

/* One cell or line: strings bare, scalar lists joined, anything nested as compact JSON. */
static char *
cell_text(const json_t *v)
{
	char *s = NULL;

	if (v == NULL || json_is_null(v))
		return strdup("-");
	if (json_is_string(v))
		return strdup(json_string_value(v));
	if (json_is_array(v)) {
		size_t i, len = 0;
		json_t *e;

		if (json_array_size(v) == 0)
			return strdup("-");
		for (i = 0; i < json_array_size(v); i++) {
			e = json_array_get(v, i);
			if (json_is_object(e) || json_is_array(e))
				return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		}
		for (i = 0; i < json_array_size(v); i++) {
			char *t = cell_text(json_array_get(v, i));
			size_t tl = t == NULL ? 0 : strlen(t);
			char *p = realloc(s, len + tl + 3);

			if (p == NULL || t == NULL) {
				free(t);
				free(p == NULL ? s : p);
				return NULL;
			}
			s = p;
			if (len > 0) {
				memcpy(s + len, ", ", 2);
				len += 2;
			}
			memcpy(s + len, t, tl);
			len += tl;
			s[len] = '\0';
			free(t);
		}
		return s;
	}
	return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

static void
print_table(const json_t *rows, int indent)
{
	const char **cols = NULL;
	size_t ncols = 0, *width = NULL, i, j;
	const char *key;
	json_t *row;
	void *it;

	/* Columns: every key of every row, in the order first seen. */
	for (i = 0; i < json_array_size(rows); i++) {
		row = json_array_get(rows, i);
		for (it = json_object_iter(row); it != NULL; it = json_object_iter_next(row, it)) {
			key = json_object_iter_key(it);
			for (j = 0; j < ncols && strcmp(cols[j], key) != 0; j++)
				;
			if (j == ncols) {
				const char **p = realloc(cols, (ncols + 1) * sizeof(*cols));

				if (p == NULL)
					goto out;
				cols = p;
				cols[ncols++] = key;
			}
		}
	}
	width = calloc(ncols, sizeof(*width));
	if (width == NULL)
		goto out;
	for (j = 0; j < ncols; j++)
		width[j] = strlen(cols[j]);
	for (i = 0; i < json_array_size(rows); i++) {
		row = json_array_get(rows, i);
		for (j = 0; j < ncols; j++) {
			char *t = cell_text(json_object_get(row, cols[j]));

			if (t != NULL && strlen(t) > width[j])
				width[j] = strlen(t);
			free(t);
		}
	}
	printf("%*s", indent, "");
	for (j = 0; j < ncols; j++) {
		const char *c;

		for (c = cols[j]; *c != '\0'; c++)
			putchar(toupper((unsigned char)*c));
		if (j + 1 < ncols)
			printf("%*s", (int)(width[j] - strlen(cols[j]) + 2), "");
	}
	putchar('\n');
	for (i = 0; i < json_array_size(rows); i++) {
		row = json_array_get(rows, i);
		printf("%*s", indent, "");
		for (j = 0; j < ncols; j++) {
			char *t = cell_text(json_object_get(row, cols[j]));

			if (j + 1 < ncols)
				printf("%-*s  ", (int)width[j], t != NULL ? t : "?");
			else
				printf("%s", t != NULL ? t : "?");
			free(t);
		}
		putchar('\n');
	}
out:
	free(width);
	free(cols);
}

/* A multi-line string (the metrics text) is printed as a block under its key. */
static void
print_block(const char *key, const char *text, int indent)
{
	const char *p = text;

	printf("%*s%s:\n", indent, "", key);
	while (*p != '\0') {
		const char *nl = strchr(p, '\n');
		int n = nl != NULL ? (int)(nl - p) : (int)strlen(p);

		printf("%*s%.*s\n", indent + 2, "", n, p);
		p += n + (nl != NULL);
	}
}

void
swervectl_print_object(const json_t *obj, int indent)
{
	size_t width = 0;
	const char *key;
	void *it;
	json_t *v;

	/* Scalars first, as one aligned block; then sections and tables, in reply order. */
	for (it = json_object_iter((json_t *)obj); it != NULL;
	     it = json_object_iter_next((json_t *)obj, it)) {
		key = json_object_iter_key(it);
		v = json_object_iter_value(it);
		if (indent == 0 && strcmp(key, "ok") == 0)
			continue;
		if (!json_is_object(v) && !is_table(v) && strlen(key) > width)
			width = strlen(key);
	}
	for (it = json_object_iter((json_t *)obj); it != NULL;
	     it = json_object_iter_next((json_t *)obj, it)) {
		key = json_object_iter_key(it);
		v = json_object_iter_value(it);
		char *t;

		if ((indent == 0 && strcmp(key, "ok") == 0) || json_is_object(v) || is_table(v))
			continue;
		if (json_is_string(v) && strchr(json_string_value(v), '\n') != NULL) {
			print_block(key, json_string_value(v), indent);
			continue;
		}
		t = cell_text(v);
		printf("%*s%s:%*s %s\n", indent, "", key, (int)(width - strlen(key)), "",
		       t != NULL ? t : "?");
		free(t);
	}
	for (it = json_object_iter((json_t *)obj); it != NULL;
	     it = json_object_iter_next((json_t *)obj, it)) {
		key = json_object_iter_key(it);
		v = json_object_iter_value(it);
		if (json_is_object(v)) {
			printf("%*s%s:\n", indent, "", key);
			if (json_object_size(v) == 0)
				printf("%*s-\n", indent + 2, "");
			else
				swervectl_print_object(v, indent + 2);
		} else if (is_table(v)) {
			printf("%*s%s:\n", indent, "", key);
			print_table(v, indent + 2);
		}
	}
}
