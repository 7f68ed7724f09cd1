/* test_text.c -- numeric tables of text files, against strtod and hand-written rows. */
#include <stdlib.h>
#include <string.h>

#include "core/gaitcore.h"
#include "tests/gc_test.h"

static void test_tab_rows(void)
{
    const char *text = "1\t0.01\t-12.5\t\t3e2\n"
                       "\t\t\t\t\r\n"           /* blank: skipped */
                       "2\t0.02\t.5\t7\n"       /* short row: NaN-filled */
                       "3\t0.03\tNaN\t-0\t1e-3\t\t\t\n"; /* trailing empty cells allowed */
    size_t rows = 0, br = 9, bc = 9;
    CHECK(gc_text_count_rows(text, strlen(text), &rows) == GC_OK && rows == 3);
    double out[15];
    CHECK(gc_text_parse(text, strlen(text), 0, 5, 3, out, &br, &bc) == GC_OK);
    CHECK(out[0] == 1 && out[1] == 0.01 && out[2] == -12.5 && isnan(out[3]) && out[4] == 300);
    CHECK(out[5] == 2 && out[7] == 0.5 && out[8] == 7 && isnan(out[9]));
    CHECK(isnan(out[12]) && out[13] == 0 && signbit(out[13]) && out[14] == 1e-3);
}

static void test_whitespace_rows(void)
{
    const char *text = "   0.000   1194.667969  -0.332055\n  0.001\t 1203.75   5\n";
    double out[6];
    size_t br, bc;
    CHECK(gc_text_parse(text, strlen(text), 1, 3, 2, out, &br, &bc) == GC_OK);
    CHECK(out[0] == 0 && out[1] == 1194.667969 && out[2] == -0.332055 && out[3] == 0.001 && out[5] == 5);
}

static void test_refusals(void)
{
    double out[8];
    size_t br = 0, bc = 0;
    const char *extra = "1\t2\t3\n1\t2\t3\t4\n";  /* row 2 has a value past n_cols */
    CHECK(gc_text_parse(extra, strlen(extra), 0, 3, 2, out, &br, &bc) == GC_EINVAL && br == 2 && bc == 4);
    const char *word = "1\tabc\t3\n";
    CHECK(gc_text_parse(word, strlen(word), 0, 3, 1, out, &br, &bc) == GC_EINVAL && br == 1 && bc == 2);
    const char *hex = "0x1A\n";
    CHECK(gc_text_parse(hex, strlen(hex), 0, 1, 1, out, &br, &bc) == GC_EINVAL);
    const char *bad_exp = "1e\n";
    CHECK(gc_text_parse(bad_exp, strlen(bad_exp), 0, 1, 1, out, &br, &bc) == GC_EINVAL);
    const char *huge = "1e400\t-inf\t1e-320\n";
    CHECK(gc_text_parse(huge, strlen(huge), 0, 3, 1, out, &br, &bc) == GC_OK);
    CHECK(isinf(out[0]) && out[0] > 0 && isinf(out[1]) && out[1] < 0 && out[2] > 0 && out[2] < 1e-300);
    /* No terminating NUL or newline: nothing read past len. */
    char *raw = malloc(3);
    memcpy(raw, "4.5", 3);
    CHECK(gc_text_parse(raw, 3, 0, 1, 1, out, &br, &bc) == GC_OK && out[0] == 4.5);
    CHECK(gc_text_parse(raw, 2, 0, 1, 1, out, &br, &bc) == GC_OK && out[0] == 4.0);
    free(raw);
}

/* The fast path agrees with strtod bit for bit on random decimals of up to 17 digits. */
static void test_against_strtod(void)
{
    srand(11);
    int mismatches = 0;
    char cell[64];
    double got;
    size_t br, bc;
    for (int i = 0; i < 200000; i++) {
        const int decimals = rand() % 9, exponent = rand() % 7 == 0 ? rand() % 40 - 20 : 0;
        const double v = ((double)rand() / RAND_MAX - 0.5) * pow(10.0, rand() % 8);
        const int n = exponent ? snprintf(cell, sizeof cell, "%.*fe%d", decimals, v, exponent)
                               : snprintf(cell, sizeof cell, "%.*f", decimals, v);
        if (gc_text_parse(cell, (size_t)n, 0, 1, 1, &got, &br, &bc) != GC_OK || got != strtod(cell, NULL))
            mismatches++;
    }
    CHECK(mismatches == 0);
}

int main(void)
{
    gc_test_init();
    test_tab_rows();
    test_whitespace_rows();
    test_refusals();
    test_against_strtod();
    return gc_test_report("test_text");
}
