/* Unit test of frontend/lib/json.c: valid and nested documents, lookups,
 * numbers and escapes, and bad input reported with its line and column. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "frontend/lib/json.h"

static int failures;

#define CHECK(cond)                                                                                          \
    do {                                                                                                     \
        if (!(cond)) {                                                                                       \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);                         \
            failures++;                                                                                      \
        }                                                                                                    \
    } while (0)

static struct json_value *parse(const char *s)
{
    struct json_error e;
    struct json_value *v = json_parse(s, strlen(s), &e);
    if (!v)
        fprintf(stderr, "unexpected parse error at %u:%u: %s\n  in: %s\n", e.line, e.column, e.msg, s);
    return v;
}

/* Bad input must fail at the given line and column, with msg_part in the
 * message. */
static void expect_error(const char *s, size_t len, unsigned line, unsigned col, const char *msg_part)
{
    struct json_error e;
    struct json_value *v = json_parse(s, len, &e);
    if (v) {
        fprintf(stderr, "accepted bad input: %.*s\n", (int)len, s);
        failures++;
        json_free(v);
        return;
    }
    if (e.line != line || e.column != col || !strstr(e.msg, msg_part)) {
        fprintf(stderr, "bad input %.*s: got %u:%u '%s', want %u:%u '...%s...'\n", (int)len, s, e.line,
                e.column, e.msg, line, col, msg_part);
        failures++;
    }
}

static void test_scalars(void)
{
    struct json_value *v = parse(" [null, true, false, 0, -0, 12, -3.5e-1, 1E+2, 9007199254740993,"
                                 " 18446744073709551616, \"\"] ");
    CHECK(v && v->type == JSON_ARRAY && json_count(v) == 11);
    bool b = false;
    double d = 0;
    int64_t i = 0;
    CHECK(json_at(v, 0)->type == JSON_NULL);
    CHECK(json_bool(json_at(v, 1), &b) && b);
    CHECK(json_bool(json_at(v, 2), &b) && !b);
    CHECK(json_int(json_at(v, 3), 0, 0, &i) && i == 0);
    CHECK(json_int(json_at(v, 5), 0, 100, &i) && i == 12);
    CHECK(!json_int(json_at(v, 5), 0, 11, &i)); /* out of the asked range */
    CHECK(json_number(json_at(v, 6), &d) && d == -0.35);
    CHECK(!json_int(json_at(v, 6), INT64_MIN, INT64_MAX, &i));
    CHECK(json_int(json_at(v, 7), 0, 1000, &i) && i == 100); /* 1E+2 is an integer */
    /* Beyond 2^53 the exact value survives only as an integer literal. */
    CHECK(json_int(json_at(v, 8), INT64_MIN, INT64_MAX, &i) && i == 9007199254740993LL);
    CHECK(json_number(json_at(v, 9), &d) && d > 1.8e19);
    CHECK(!json_int(json_at(v, 9), INT64_MIN, INT64_MAX, &i));
    CHECK(json_string(json_at(v, 10)) && json_string(json_at(v, 10))[0] == '\0');
    CHECK(json_at(v, 11) == NULL);
    CHECK(json_string(json_at(v, 1)) == NULL); /* wrong type reads as absent */
    json_free(v);
}

static void test_nested(void)
{
    const char *doc = "{\n"
                      "  \"opcodes\": {\n"
                      "    \"F6\": {\"reg\": {\"4\": {\"status\": \"normal\", \"flags-mask\": 65323}}},\n"
                      "    \"D8\": {\"status\": \"fpu\"}\n"
                      "  },\n"
                      "  \"list\": [[1, [2, [3, {}]]], []],\n"
                      "  \"dup\": 1, \"dup\": 2\n"
                      "}";
    struct json_value *v = parse(doc);
    CHECK(v && v->type == JSON_OBJECT && json_count(v) == 4);
    int64_t mask = 0;
    CHECK(json_int(
              json_get(json_get(json_get(json_get(json_get(v, "opcodes"), "F6"), "reg"), "4"), "flags-mask"),
              0, 0xFFFF, &mask) &&
          mask == 65323);
    CHECK(strcmp(json_string(json_get(json_get(json_get(v, "opcodes"), "D8"), "status")), "fpu") == 0);
    CHECK(json_get(json_get(v, "opcodes"), "ZZ") == NULL);
    CHECK(json_get(json_get(json_get(v, "nothing"), "deeper"), "still") == NULL);
    const struct json_value *l = json_get(v, "list");
    CHECK(json_count(l) == 2 && json_count(json_at(l, 1)) == 0);
    CHECK(json_at(json_at(json_at(json_at(l, 0), 1), 1), 1)->type == JSON_OBJECT);
    int64_t dup = 0;
    CHECK(json_int(json_get(v, "dup"), 0, 9, &dup) && dup == 2); /* last one wins */
    json_free(v);
}

static void test_strings(void)
{
    struct json_value *v = parse("[\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\", \"\\u00e9\\u20AC\\ud83d\\ude00\","
                                 " \"caf\xC3\xA9\", \"nul\\u0000x\"]");
    CHECK(v != NULL);
    if (!v)
        return;
    CHECK(strcmp(json_string(json_at(v, 0)), "a\"b\\c/d\b\f\n\r\t") == 0);
    CHECK(strcmp(json_string(json_at(v, 1)), "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80") == 0);
    CHECK(strcmp(json_string(json_at(v, 2)), "caf\xC3\xA9") == 0);
    CHECK(json_at(v, 3)->u.string.len == 5 && memcmp(json_at(v, 3)->u.string.ptr, "nul\0x", 5) == 0);
    json_free(v);

    /* A byte-order mark is accepted; the text need not be NUL-terminated. */
    static const char bom[] = "\xEF\xBB\xBF{\"k\": 1}XYZ";
    struct json_value *w = json_parse(bom, sizeof bom - 4, NULL);
    CHECK(w && json_get(w, "k"));
    json_free(w);
}

static void test_errors(void)
{
    expect_error("", 0, 1, 1, "end of input");
    expect_error("   \n  ", 6, 2, 3, "expected a value");
    expect_error("{\"a\": 1,\n \"b\" 2}", 16, 2, 6, "':'");
    expect_error("[1, 2,]", 7, 1, 7, "expected a value");
    expect_error("[1 2]", 5, 1, 4, "',' or ']'");
    expect_error("{\"a\": 1", 7, 1, 8, "',' or '}'");
    expect_error("{a: 1}", 6, 1, 2, "string key");
    expect_error("{\"x\": tru}", 10, 1, 7, "expected a value");
    expect_error("[01]", 4, 1, 2, "leading zero");
    expect_error("[1.]", 4, 1, 4, "decimal point");
    expect_error("[1e]", 4, 1, 4, "exponent");
    expect_error("[-]", 3, 1, 3, "malformed number");
    expect_error("\"abc", 4, 1, 1, "unterminated string");
    expect_error("\"a\tb\"", 5, 1, 3, "control character");
    expect_error("\"\\x\"", 4, 1, 2, "unknown escape");
    expect_error("\"\\u12G4\"", 8, 1, 6, "hex digit");
    expect_error("\"\\ud800x\"", 9, 1, 2, "surrogate");
    expect_error("\"\\udc00\"", 8, 1, 2, "low surrogate");
    expect_error("\"\xC3\x28\"", 4, 1, 2, "UTF-8");
    expect_error("\"\xC0\xAF\"", 4, 1, 2, "UTF-8");     /* overlong '/' */
    expect_error("\"\xED\xA0\x80\"", 5, 1, 2, "UTF-8"); /* encoded surrogate */
    expect_error("{} {}", 5, 1, 4, "end of input after the value");
    expect_error("nul", 3, 1, 1, "expected a value");
    expect_error("[1]\0", 4, 1, 4, "byte 0x00");

    /* Depth: exactly the limit parses, one more is refused, far more does
     * not blow the stack. */
    static char deep[100000];
    for (int depth = JSON_MAX_DEPTH; depth <= JSON_MAX_DEPTH + 1; depth++) {
        size_t n = 0;
        for (int k = 0; k < depth; k++)
            deep[n++] = '[';
        for (int k = 0; k < depth; k++)
            deep[n++] = ']';
        struct json_error e;
        struct json_value *v = json_parse(deep, n, &e);
        CHECK((v != NULL) == (depth == JSON_MAX_DEPTH));
        if (!v)
            CHECK(strstr(e.msg, "nesting") != NULL);
        json_free(v);
    }
    memset(deep, '[', sizeof deep);
    struct json_value *v = json_parse(deep, sizeof deep, NULL);
    CHECK(v == NULL);
}

static void test_file(void)
{
    struct json_error e;
    struct json_value *v = json_parse_file("/nonexistent/rex86/metadata.json", &e);
    CHECK(v == NULL && e.line == 0 && strstr(e.msg, "cannot open") != NULL);
}

int main(void)
{
    test_scalars();
    test_nested();
    test_strings();
    test_errors();
    test_file();
    if (failures) {
        fprintf(stderr, "json_test: %d failure%s\n", failures, failures == 1 ? "" : "s");
        return 1;
    }
    printf("json_test: all passed\n");
    return 0;
}
