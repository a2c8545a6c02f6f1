/*
 * hist_edn.c — a small, strict EDN reader for the subset Jepsen histories
 * use: maps, vectors, lists, sets, keywords, symbols, integers, floats,
 * strings, nil, true/false (and #tags, whose tag is dropped). It turns one
 * element into a json-c tree so that the JSON and EDN readers share the
 * op conversion: keywords and symbols become strings without the ':', nil
 * becomes JSON null, lists and sets become arrays, map keys become their
 * text. Depth is limited to HISTORY_MAX_DEPTH; the caller limits size.
 */
#include "hist_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct edn {
	const char *s;
	size_t n, i;
	const char *err;
};

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',';
}

static bool is_delim(char c)
{
	return is_ws(c) || c == '{' || c == '}' || c == '[' || c == ']' || c == '(' || c == ')' ||
	       c == '"' || c == ';';
}

static void edn_ws(struct edn *e)
{
	while (e->i < e->n) {
		char c = e->s[e->i];
		if (is_ws(c))
			e->i++;
		else if (c == ';') {
			while (e->i < e->n && e->s[e->i] != '\n')
				e->i++;
		} else
			break;
	}
}

static json_object *edn_value(struct edn *e, int depth);

/* Skip whitespace and any `#_ form` discards. */
static void edn_skip(struct edn *e, int depth)
{
	edn_ws(e);
	while (!e->err && e->i + 1 < e->n && e->s[e->i] == '#' && e->s[e->i + 1] == '_') {
		e->i += 2;
		json_object_put(edn_value(e, depth + 1));
		edn_ws(e);
	}
}

static json_object *edn_seq(struct edn *e, char close, int depth)
{
	json_object *arr = json_object_new_array();
	e->i++;
	for (;;) {
		edn_skip(e, depth);
		if (e->err)
			break;
		if (e->i >= e->n) {
			e->err = "unclosed collection";
			break;
		}
		if (e->s[e->i] == close) {
			e->i++;
			return arr;
		}
		json_object *v = edn_value(e, depth + 1);
		if (e->err)
			break;
		json_object_array_add(arr, v);
	}
	json_object_put(arr);
	return NULL;
}

static json_object *edn_map(struct edn *e, int depth)
{
	json_object *obj = json_object_new_object();
	e->i++;
	for (;;) {
		edn_skip(e, depth);
		if (e->err)
			break;
		if (e->i >= e->n) {
			e->err = "unclosed map";
			break;
		}
		if (e->s[e->i] == '}') {
			e->i++;
			return obj;
		}
		json_object *k = edn_value(e, depth + 1);
		if (e->err)
			break;
		edn_skip(e, depth);
		if (e->i >= e->n || e->s[e->i] == '}') {
			json_object_put(k);
			e->err = "map has a key without a value";
			break;
		}
		json_object *v = edn_value(e, depth + 1);
		if (e->err) {
			json_object_put(k);
			break;
		}
		const char *ks = json_object_is_type(k, json_type_null) ? "nil" : json_object_get_string(k);
		json_object_object_add(obj, ks, v);
		json_object_put(k);
	}
	json_object_put(obj);
	return NULL;
}

static json_object *edn_string(struct edn *e)
{
	struct strbuf sb = { 0 };
	e->i++;
	while (e->i < e->n && e->s[e->i] != '"') {
		char c = e->s[e->i++];
		if (c == '\\') {
			if (e->i >= e->n)
				break;
			char d = e->s[e->i++];
			c = d == 'n' ? '\n' : d == 't' ? '\t' : d == 'r' ? '\r' : d;
		}
		sb_add(&sb, &c, 1);
	}
	if (e->i >= e->n) {
		e->err = "unterminated string";
		sb_release(&sb);
		return NULL;
	}
	e->i++;
	json_object *o = json_object_new_string_len(sb.buf ? sb.buf : "", (int)sb.len);
	sb_release(&sb);
	return o;
}

static json_object *edn_atom(struct edn *e)
{
	size_t start = e->i;
	while (e->i < e->n && !is_delim(e->s[e->i]))
		e->i++;
	size_t len = e->i - start;
	const char *t = e->s + start;
	if (len == 0) {
		e->err = "unexpected character";
		return NULL;
	}
	if (len == 3 && memcmp(t, "nil", 3) == 0)
		return NULL;
	if (len == 4 && memcmp(t, "true", 4) == 0)
		return json_object_new_boolean(1);
	if (len == 5 && memcmp(t, "false", 5) == 0)
		return json_object_new_boolean(0);
	if (t[0] == ':')
		return json_object_new_string_len(t + 1, (int)len - 1);
	if ((t[0] >= '0' && t[0] <= '9') || ((t[0] == '-' || t[0] == '+') && len > 1 && t[1] >= '0' && t[1] <= '9')) {
		char buf[64];
		if (len >= sizeof(buf)) {
			e->err = "number too long";
			return NULL;
		}
		memcpy(buf, t, len);
		buf[len] = '\0';
		if (buf[len - 1] == 'N' || buf[len - 1] == 'M')
			buf[len - 1] = '\0';
		char *end;
		errno = 0;
		long long v = strtoll(buf, &end, 10);
		if (*end == '\0' && errno == 0)
			return json_object_new_int64(v);
		errno = 0;
		double d = strtod(buf, &end);
		if (*end == '\0' && errno == 0)
			return json_object_new_double(d);
		e->err = "malformed number";
		return NULL;
	}
	/* a symbol */
	return json_object_new_string_len(t, (int)len);
}

static json_object *edn_value(struct edn *e, int depth)
{
	if (depth > HISTORY_MAX_DEPTH) {
		e->err = "nested too deeply (the limit is " "32" " levels)";
		return NULL;
	}
	edn_ws(e);
	if (e->i >= e->n) {
		e->err = "unexpected end of op";
		return NULL;
	}
	char c = e->s[e->i];
	switch (c) {
	case '{':
		return edn_map(e, depth);
	case '[':
		return edn_seq(e, ']', depth);
	case '(':
		return edn_seq(e, ')', depth);
	case '"':
		return edn_string(e);
	case '#':
		if (e->i + 1 < e->n && e->s[e->i + 1] == '{') {
			e->i++;
			return edn_seq(e, '}', depth);
		}
		/* #tag value: drop the tag */
		e->i++;
		json_object_put(edn_atom(e));
		if (e->err)
			return NULL;
		return edn_value(e, depth + 1);
	case '}':
	case ']':
	case ')':
		e->err = "unbalanced closing bracket";
		return NULL;
	default:
		return edn_atom(e);
	}
}

json_object *edn_parse(const char *text, size_t n, const char **err, size_t *err_off)
{
	struct edn e = { .s = text, .n = n };
	json_object *o = edn_value(&e, 0);
	if (!e.err) {
		edn_ws(&e);
		if (e.i < e.n)
			e.err = "text after the op";
	}
	if (e.err) {
		json_object_put(o);
		*err = e.err;
		*err_off = e.i;
		return NULL;
	}
	if (!o) {
		*err = "op is nil";
		*err_off = 0;
		return NULL;
	}
	return o;
}
