/* gc_cycles.c -- time normalisation of gait cycles (docs/methods.md D).
 *
 * Node i of a cycle sits at t_i = t_start + (i / (points - 1)) (t_end - t_start), with
 * sub-sample event times; sample k of the signal sits at k / rate.  Unlike an interpolation
 * over linspace(0, n, points) sample indices, the last node is exactly the cycle's end.
 */
#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_interp.h>

#include "gaitcore.h"
#include "gc_size.h"

#define SPLINE_MARGIN 3            /* extra samples each side for cubic/Steffen */
#define END_SLACK 1e-9             /* rounding allowance on t_end * rate <= n - 1 */

/* One cycle of one channel, NaN-free span: linear interpolation like numpy.interp. */
static void linear_direct(const double *x, size_t n, size_t inner, const double *pos,
                          size_t points, double *out)
{
    for (size_t i = 0; i < points; i++) {
        double p = pos[i];
        size_t k = (size_t)p;
        if (k >= n - 1) {
            out[i * inner] = x[(n - 1) * inner];
            continue;
        }
        double a = x[k * inner], b = x[(k + 1) * inner];
        out[i * inner] = (b - a) * (p - (double)k) + a;
    }
}

/* Linear interpolation through (tx, vx), m >= 2 points, tx increasing, pos inside. */
static void linear_compact(const double *tx, const double *vx, size_t m, const double *pos,
                           size_t points, double *out, size_t stride)
{
    size_t j = 0;
    for (size_t i = 0; i < points; i++) {
        double p = pos[i];
        while (j + 2 < m && tx[j + 1] <= p)
            j++;
        double slope = (vx[j + 1] - vx[j]) / (tx[j + 1] - tx[j]);
        out[i * stride] = slope * (p - tx[j]) + vx[j];
    }
}

static int spline_compact(const gsl_interp_type *type, const double *tx, const double *vx,
                          size_t m, const double *pos, size_t points, double *out,
                          size_t stride)
{
    gsl_interp *interp = gsl_interp_alloc(type, m);
    gsl_interp_accel *acc = gsl_interp_accel_alloc();
    int status = GC_OK;
    if (!interp || !acc) {
        status = GC_ENOMEM;
        goto done;
    }
    if (gsl_interp_init(interp, tx, vx, m) != GSL_SUCCESS) {
        status = GC_EGSL;
        goto done;
    }
    for (size_t i = 0; i < points; i++) {
        double y;
        if (gsl_interp_eval_e(interp, tx, vx, pos[i], acc, &y) != GSL_SUCCESS) {
            status = GC_EGSL;
            goto done;
        }
        out[i * stride] = y;
    }
done:
    gsl_interp_accel_free(acc);
    gsl_interp_free(interp);
    return status;
}

static void fill_nan(double *out, size_t points, size_t stride)
{
    for (size_t i = 0; i < points; i++)
        out[i * stride] = NAN;
}

/* One cycle, one channel (x and out point at the channel; strides = inner). */
static int normalize_one(const double *x, size_t n, size_t inner, const double *pos,
                         size_t points, int kind, double nan_tolerance, double *tx,
                         double *vx, double *out)
{
    size_t lo = (size_t)floor(pos[0]), hi = (size_t)ceil(pos[points - 1]);
    if (hi > n - 1)
        hi = n - 1;
    size_t n_nan = 0;
    for (size_t k = lo; k <= hi; k++) {
        double v = x[k * inner];
        if (isnan(v))
            n_nan++;
        else if (!isfinite(v))
            return GC_ENOTFINITE;
    }
    if (n_nan == 0 && kind == GC_INTERP_LINEAR) {
        linear_direct(x, n, inner, pos, points, out);
        return GC_OK;
    }
    /* a NaN at a bracketing sample would need extrapolation; too many NaN: unreliable */
    if (isnan(x[lo * inner]) || isnan(x[hi * inner]) ||
        (double)n_nan > nan_tolerance * (double)(hi - lo + 1)) {
        fill_nan(out, points, inner);
        return GC_OK;
    }
    size_t margin = kind == GC_INTERP_LINEAR ? 0 : SPLINE_MARGIN;
    size_t first = lo > margin ? lo - margin : 0;
    size_t last = hi + margin < n - 1 ? hi + margin : n - 1;
    size_t m = 0;
    for (size_t k = first; k <= last; k++) {
        double v = x[k * inner];
        if (isnan(v))
            continue;
        if (!isfinite(v))
            return GC_ENOTFINITE;
        tx[m] = (double)k;
        vx[m] = v;
        m++;
    }
    if (kind == GC_INTERP_LINEAR) {
        if (m < 2) {  /* a cycle within one sample: both brackets are the same sample */
            for (size_t i = 0; i < points; i++)
                out[i * inner] = vx[0];
            return GC_OK;
        }
        linear_compact(tx, vx, m, pos, points, out, inner);
        return GC_OK;
    }
    const gsl_interp_type *type = kind == GC_INTERP_CUBIC ? gsl_interp_cspline : gsl_interp_steffen;
    if (m < gsl_interp_type_min_size(type)) {
        fill_nan(out, points, inner);
        return GC_OK;
    }
    return spline_compact(type, tx, vx, m, pos, points, out, inner);
}

int gc_cycles_normalize(const double *x, size_t n, size_t inner, double rate,
                        const double *starts_s, const double *ends_s, size_t n_cycles,
                        size_t points, int kind, double nan_tolerance, double *out)
{
    if (n < 2 || points < 2)
        return GC_ETOOSHORT;
    if (inner < 1 || !(rate > 0) || !isfinite(rate) || !(nan_tolerance >= 0) ||
        nan_tolerance > 1 || kind < GC_INTERP_LINEAR || kind > GC_INTERP_STEFFEN)
        return GC_EINVAL;
    const double last_pos = (double)(n - 1);
    size_t max_span = 0;
    for (size_t c = 0; c < n_cycles; c++) {
        double a = starts_s[c] * rate, b = ends_s[c] * rate;
        if (!isfinite(a) || !isfinite(b) || a < 0 || !(b > a) || b > last_pos * (1 + END_SLACK))
            return GC_EINVAL;
        size_t span = (size_t)ceil(b) - (size_t)floor(a) + 1;
        if (span > max_span)
            max_span = span;
    }
    size_t cap = max_span + 2 * SPLINE_MARGIN + 1, count;
    if (!gc_size_mul(2, cap, &count) || !gc_size_add(count, points, &count))
        return GC_ENOMEM;
    double *buf = gc_malloc_array(count, sizeof *buf);
    if (!buf)
        return GC_ENOMEM;
    double *tx = buf, *vx = buf + cap, *pos = buf + 2 * cap;
    int status = GC_OK;
    for (size_t c = 0; c < n_cycles && status == GC_OK; c++) {
        const double t0 = starts_s[c], t1 = ends_s[c];
        for (size_t i = 0; i < points; i++) {
            double t = t0 + ((double)i / (double)(points - 1)) * (t1 - t0);
            double p = t * rate;
            pos[i] = p < last_pos ? p : last_pos;
        }
        double *dst = out + c * points * inner;
        for (size_t ch = 0; ch < inner && status == GC_OK; ch++)
            status = normalize_one(x + ch, n, inner, pos, points, kind, nan_tolerance, tx, vx,
                                   dst + ch);
    }
    free(buf);
    return status;
}
