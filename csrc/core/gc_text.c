/* gc_text.c -- numeric tables of text motion files (TRC, MOT/STO): rows of numbers.
 *
 * Cells are separated by tabs (empty cells allowed: NaN) or by runs of blanks.  Numbers
 * are decimal ("-12.5", "1e-3", "nan"); those of at most 15 significant digits and a
 * decimal exponent within +-22 are converted exactly as mantissa * 10^e or mantissa /
 * 10^-e (both operands exact doubles: one correctly rounded operation, Clinger 1990);
 * others go through strtod.  Nothing is read past buf + len.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gaitcore.h"

static const double pow10_exact[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                       1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static inline int is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }
static inline int is_digit(char c) { return c >= '0' && c <= '9'; }

/* strtod on a bounded copy of [p, end) (the buffer is not NUL-terminated). */
static int slow_number(const char *p, const char *end, double *value)
{
    char tmp[128];
    const size_t n = (size_t)(end - p);
    if (n == 0 || n >= sizeof tmp)
        return 0;
    memcpy(tmp, p, n);
    tmp[n] = '\0';
    char *stop = NULL;
    *value = strtod(tmp, &stop);
    return stop == tmp + n;
}

/* "nan" in any case, with an optional sign. */
static int is_nan_word(const char *p, const char *end)
{
    if (p < end && (*p == '-' || *p == '+'))
        p++;
    return end - p == 3 && (p[0] | 32) == 'n' && (p[1] | 32) == 'a' && (p[2] | 32) == 'n';
}

/* The number spelled by [p, end), without blanks; 1 on success. */
static int parse_number(const char *p, const char *end, double *value)
{
    const char *start = p;
    int negative = 0;
    if (p < end && (*p == '-' || *p == '+'))
        negative = *p++ == '-';
    uint64_t mantissa = 0;
    int digits = 0, exp10 = 0, seen = 0;
    for (; p < end && is_digit(*p); p++, seen++) {
        if (digits < 19) {
            mantissa = mantissa * 10 + (uint64_t)(*p - '0');
            digits += mantissa != 0;
        } else {
            exp10++;
        }
    }
    if (p < end && *p == '.') {
        for (p++; p < end && is_digit(*p); p++, seen++) {
            if (digits < 19) {
                mantissa = mantissa * 10 + (uint64_t)(*p - '0');
                digits += mantissa != 0;
                exp10--;
            }
        }
    }
    if (!seen) {
        if (is_nan_word(start, end)) {
            *value = NAN;
            return 1;
        }
        return slow_number(start, end, value);  /* "inf", "infinity" ... */
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        const char *q = p + 1;
        int eneg = 0, e = 0, edigits = 0;
        if (q < end && (*q == '-' || *q == '+'))
            eneg = *q++ == '-';
        for (; q < end && is_digit(*q); q++, edigits++)
            if (e < 100000)
                e = e * 10 + (*q - '0');
        if (!edigits)
            return 0;
        exp10 += eneg ? -e : e;
        p = q;
    }
    if (p != end)
        return 0;
    if (digits <= 15 && exp10 >= -22 && exp10 <= 22) {
        double v = (double)mantissa;
        v = exp10 < 0 ? v / pow10_exact[-exp10] : v * pow10_exact[exp10];
        *value = negative ? -v : v;
        return 1;
    }
    return slow_number(start, end, value);
}

/* The line starting at p (without its '\n'); blank when only separators and blanks. */
static const char *line_end(const char *p, const char *end)
{
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    return nl ? nl : end;
}

static int line_is_blank(const char *p, const char *e)
{
    for (; p < e; p++)
        if (!is_blank(*p))
            return 0;
    return 1;
}

int gc_text_count_rows(const char *buf, size_t len, size_t *n_rows)
{
    if ((!buf && len) || !n_rows)
        return GC_EINVAL;
    size_t n = 0;
    for (const char *p = buf, *end = buf + len; p < end;) {
        const char *e = line_end(p, end);
        n += !line_is_blank(p, e);
        p = e + 1;
    }
    *n_rows = n;
    return GC_OK;
}

/* One row into out[0 .. n_cols); 0 on success, else the 1-based column at fault. */
static size_t parse_row(const char *p, const char *e, int whitespace, size_t n_cols, double *out)
{
    size_t col = 0;
    while (p <= e) {
        const char *cell_end;
        if (whitespace) {
            while (p < e && is_blank(*p))
                p++;
            if (p == e)
                break;
            cell_end = p;
            while (cell_end < e && !is_blank(*cell_end))
                cell_end++;
        } else {
            cell_end = memchr(p, '\t', (size_t)(e - p));
            cell_end = cell_end ? cell_end : e;
        }
        const char *a = p, *b = cell_end;
        while (a < b && is_blank(*a))
            a++;
        while (b > a && is_blank(b[-1]))
            b--;
        if (a < b) {
            double v;
            if (col >= n_cols || !parse_number(a, b, &v))
                return col + 1;
            out[col] = v;
        } else if (col < n_cols) {
            out[col] = NAN;
        }
        col++;
        p = cell_end + 1;
    }
    for (; col < n_cols; col++)
        out[col] = NAN;
    return 0;
}

int gc_text_parse(const char *buf, size_t len, int whitespace, size_t n_cols, size_t n_rows, double *out,
                  size_t *bad_row, size_t *bad_col)
{
    if ((!buf && len) || (!out && n_rows && n_cols) || !bad_row || !bad_col)
        return GC_EINVAL;
    *bad_row = *bad_col = 0;
    size_t row = 0;
    for (const char *p = buf, *end = buf + len; p < end && row < n_rows;) {
        const char *e = line_end(p, end);
        if (!line_is_blank(p, e)) {
            const size_t col = parse_row(p, e, whitespace, n_cols, out + row * n_cols);
            if (col) {
                *bad_row = row + 1;
                *bad_col = col;
                return GC_EINVAL;
            }
            row++;
        }
        p = e + 1;
    }
    return row == n_rows ? GC_OK : GC_EINVAL;
}
