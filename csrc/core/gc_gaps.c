/*
 * gc_gaps.c -- filling of short NaN gaps by natural cubic splines (GSL).
 *
 * Each interior gap of at most max_gap samples is bridged by a spline through the
 * valid samples adjacent to it (up to `support` on each side, taken from the
 * contiguous finite runs that touch the gap).  Gaps touching an end are left NaN:
 * a spline must never extrapolate (docs/methods.md E).
 */
#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_interp.h>

#include "gaitcore.h"
#include "gc_size.h"

/* Bridge the gap x[g0..g1) (stride s) using up to `support` samples each side.
 * Returns GC_OK also when the gap is left unfilled for lack of support. */
static int fill_one_gap(const double *x, double *y, uint8_t *filled, size_t n, size_t s,
                        size_t g0, size_t g1, size_t support, double *xa, double *ya)
{
    size_t left = 0, right = 0;
    while (left < support && left < g0 && !isnan(x[(g0 - 1 - left) * s]))
        left++;
    while (right < support && g1 + right < n && !isnan(x[(g1 + right) * s]))
        right++;
    if (left < 2 || right < 2)
        return GC_OK;
    size_t m = 0;
    for (size_t k = g0 - left; k < g0; k++, m++) {
        xa[m] = (double)k;
        ya[m] = x[k * s];
    }
    for (size_t k = g1; k < g1 + right; k++, m++) {
        xa[m] = (double)k;
        ya[m] = x[k * s];
    }
    gsl_interp *spline = gsl_interp_alloc(gsl_interp_cspline, m);
    gsl_interp_accel *acc = gsl_interp_accel_alloc();
    int status = GC_OK;
    if (!spline || !acc) {
        status = GC_ENOMEM;
    } else if (gsl_interp_init(spline, xa, ya, m) != 0) {
        status = GC_EGSL;
    } else {
        for (size_t k = g0; k < g1; k++) {
            y[k * s] = gsl_interp_eval(spline, xa, ya, (double)k, acc);
            filled[k * s] = 1;
        }
    }
    gsl_interp_accel_free(acc);
    gsl_interp_free(spline);
    return status;
}

static int fill_signal(const double *x, double *y, uint8_t *filled, size_t n, size_t s,
                       size_t max_gap, size_t support, double *xa, double *ya)
{
    for (size_t t = 0; t < n; t++) {
        if (isinf(x[t * s]))
            return GC_ENOTFINITE;
        y[t * s] = x[t * s];
        filled[t * s] = 0;
    }
    size_t t = 0;
    while (t < n) {
        if (!isnan(x[t * s])) {
            t++;
            continue;
        }
        size_t g0 = t;
        while (t < n && isnan(x[t * s]))
            t++;
        if (g0 == 0 || t == n || t - g0 > max_gap)
            continue;                 /* at an end, or too long */
        int status = fill_one_gap(x, y, filled, n, s, g0, t, support, xa, ya);
        if (status != GC_OK)
            return status;
    }
    return GC_OK;
}

int gc_gaps_fill(const double *x, double *y, uint8_t *filled,
                 size_t outer, size_t n, size_t inner,
                 size_t max_gap, size_t support)
{
    const int empty = (outer == 0 || n == 0 || inner == 0);
    if (!empty && (!x || !y || !filled))
        return GC_EINVAL;
    if (support < 2)
        return GC_EINVAL;
    if (x == y)
        return GC_EINVAL;   /* the spline reads neighbours that may have been filled */
    if (support > n)
        support = n;    /* never more samples than the signal holds (and no huge buffers) */
    size_t points;
    if (!gc_size_mul(2, support, &points))
        return GC_ENOMEM;
    double *xa = gc_malloc_array(points, sizeof(double));
    double *ya = gc_malloc_array(points, sizeof(double));
    int status = (xa && ya) ? GC_OK : GC_ENOMEM;
    for (size_t o = 0; o < outer && status == GC_OK; o++)
        for (size_t i = 0; i < inner && status == GC_OK; i++) {
            const size_t base = o * n * inner + i;
            status = fill_signal(x + base, y + base, filled + base, n, inner, max_gap,
                                 support, xa, ya);
        }
    free(xa);
    free(ya);
    return status;
}
