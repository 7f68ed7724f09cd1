/*
 * gc_filter.c -- Butterworth low-pass design and zero-lag (forward-backward)
 * filtering with odd-extension padding and steady-state initial conditions.
 *
 * Design: analog Butterworth prototype poles, pre-warped cutoff, bilinear
 * transform, then the polynomial expansion of zeros and poles (the textbook
 * route; Oppenheim & Schafer, ch. 7).  Filtering: direct form II transposed.
 * Initial conditions: the state that a unit step would settle to, found by
 * solving (I - A^T) z = b[1:] - a[1:] b[0] with GSL's LU decomposition
 * (Gustafsson 1996, IEEE Trans. Signal Process. 44:988).
 */
#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_linalg.h>
#include <gsl/gsl_math.h>

#include "gaitcore.h"

struct gc_filter_workspace {
    size_t order;
    size_t max_n;
    double *ext;  /* padded copy of one run: padlen + max_n + padlen */
};

size_t gc_filter_padlen(size_t order) { return 3 * (order + 1); }

/* Coefficients of prod_k (s - r[k]) (highest power first), real part kept. */
static void poly_from_roots(const double complex *r, size_t n, double *out)
{
    double complex c[GC_FILTER_MAX_ORDER + 1];
    c[0] = 1.0;
    for (size_t k = 1; k <= n; k++)
        c[k] = 0.0;
    for (size_t k = 0; k < n; k++)
        for (size_t j = k + 1; j > 0; j--)
            c[j] -= r[k] * c[j - 1];
    for (size_t k = 0; k <= n; k++)
        out[k] = creal(c[k]);
}

int gc_filter_butter_lowpass(size_t order, double wn, double *b, double *a)
{
    if (order < 1 || order > GC_FILTER_MAX_ORDER || !(wn > 0.0 && wn < 1.0) || !b || !a)
        return GC_EINVAL;
    const double fs2 = 4.0;                       /* 2 * fs with fs = 2 */
    const double warped = fs2 * tan(M_PI * wn / 2.0);
    double complex poles[GC_FILTER_MAX_ORDER], zeros[GC_FILTER_MAX_ORDER];
    double complex gain_den = 1.0;  /* prod(fs2 - p); no finite analog zeros */
    for (size_t k = 0; k < order; k++) {
        /* analog prototype pole on the left half of the unit circle */
        double m = -(double)order + 1.0 + 2.0 * (double)k;
        double complex p = -cexp(I * M_PI * m / (2.0 * (double)order)) * warped;
        gain_den *= fs2 - p;
        poles[k] = (fs2 + p) / (fs2 - p);         /* bilinear transform */
        zeros[k] = -1.0;                           /* all zeros at Nyquist */
    }
    double k_gain = creal(1.0 / gain_den) * pow(warped, (double)order);
    poly_from_roots(zeros, order, b);
    poly_from_roots(poles, order, a);
    for (size_t k = 0; k <= order; k++)
        b[k] *= k_gain;
    return GC_OK;
}

gc_filter_workspace *gc_filter_alloc(size_t order, size_t max_n)
{
    if (order < 1 || order > GC_FILTER_MAX_ORDER)
        return NULL;
    gc_filter_workspace *w = malloc(sizeof *w);
    if (!w)
        return NULL;
    w->order = order;
    w->max_n = max_n;
    w->ext = malloc((max_n + 2 * gc_filter_padlen(order) + 1) * sizeof(double));
    if (!w->ext) {
        free(w);
        return NULL;
    }
    return w;
}

void gc_filter_free(gc_filter_workspace *w)
{
    if (!w)
        return;
    free(w->ext);
    free(w);
}

/* Steady-state state vector zi (length order) of the DF-II-T filter for a unit step. */
static int steady_state(const double *b, const double *a, size_t order, double *zi)
{
    double mat[GC_FILTER_MAX_ORDER * GC_FILTER_MAX_ORDER];
    double rhs[GC_FILTER_MAX_ORDER];
    size_t perm_data[GC_FILTER_MAX_ORDER];
    const size_t m = order;
    /* I - A^T, where A is the companion matrix: first row -a[1:], ones below. */
    for (size_t i = 0; i < m; i++) {
        for (size_t j = 0; j < m; j++) {
            double at = (j == 0) ? -a[i + 1] : (i + 1 == j ? 1.0 : 0.0);
            mat[i * m + j] = (i == j ? 1.0 : 0.0) - at;
        }
        rhs[i] = b[i + 1] - a[i + 1] * b[0];
    }
    gsl_matrix_view A = gsl_matrix_view_array(mat, m, m);
    gsl_vector_view B = gsl_vector_view_array(rhs, m);
    gsl_vector_view Z = gsl_vector_view_array(zi, m);
    gsl_permutation perm = {m, perm_data};
    int signum;
    if (gsl_linalg_LU_decomp(&A.matrix, &perm, &signum) != 0)
        return GC_EGSL;
    if (gsl_linalg_LU_solve(&A.matrix, &perm, &B.vector, &Z.vector) != 0)
        return GC_EGSL;
    return GC_OK;
}

/* In-place DF-II-T filtering of buf[0..len) in direction dir (+1 or -1), the
 * state started at zi * (first sample). */
static void run_filter(const double *b, const double *a, size_t order, const double *zi,
                       double *buf, size_t len, int dir)
{
    double z[GC_FILTER_MAX_ORDER + 1];
    double *p = (dir > 0) ? buf : buf + len - 1;
    const double x0 = *p;
    for (size_t k = 0; k < order; k++)
        z[k] = zi[k] * x0;
    z[order] = 0.0;
    for (size_t t = 0; t < len; t++, p += dir) {
        const double xin = *p;
        const double yout = b[0] * xin + z[0];
        for (size_t k = 0; k < order; k++)
            z[k] = b[k + 1] * xin + z[k + 1] - a[k + 1] * yout;
        *p = yout;
    }
}

/* Filter one finite run x[0..len) (stride `stride`) into y, via w->ext. */
static void filtfilt_run(gc_filter_workspace *w, const double *b, const double *a,
                         const double *zi, const double *x, double *y, size_t len,
                         size_t stride)
{
    const size_t pad = gc_filter_padlen(w->order);
    double *e = w->ext;
    for (size_t t = 0; t < len; t++)
        e[pad + t] = x[t * stride];
    const double first = e[pad], last = e[pad + len - 1];
    for (size_t k = 1; k <= pad; k++) {
        e[pad - k] = 2.0 * first - e[pad + k];
        e[pad + len - 1 + k] = 2.0 * last - e[pad + len - 1 - k];
    }
    run_filter(b, a, w->order, zi, e, len + 2 * pad, +1);
    run_filter(b, a, w->order, zi, e, len + 2 * pad, -1);
    for (size_t t = 0; t < len; t++)
        y[t * stride] = e[pad + t];
}

/* One signal of n samples with stride: filter each finite run. */
static int filtfilt_signal(gc_filter_workspace *w, const double *b, const double *a,
                           const double *zi, const double *x, double *y, size_t n,
                           size_t stride)
{
    const size_t pad = gc_filter_padlen(w->order);
    size_t t = 0;
    while (t < n) {
        double v = x[t * stride];
        if (isnan(v)) {
            y[t * stride] = v;
            t++;
            continue;
        }
        size_t start = t;
        while (t < n && !isnan(x[t * stride])) {
            if (isinf(x[t * stride]))
                return GC_ENOTFINITE;
            t++;
        }
        size_t len = t - start;
        if (len > pad) {
            filtfilt_run(w, b, a, zi, x + start * stride, y + start * stride, len, stride);
        } else {
            for (size_t k = start; k < t; k++)  /* too short to pad: unfiltered */
                y[k * stride] = x[k * stride];
        }
    }
    return GC_OK;
}

int gc_filter_filtfilt(gc_filter_workspace *w, const double *b, const double *a,
                       const double *x, double *y,
                       size_t outer, size_t n, size_t inner)
{
    const int empty = (outer == 0 || n == 0 || inner == 0);
    if (!w || !b || !a || (!empty && (!x || !y)))
        return GC_EINVAL;
    if (n > w->max_n || a[0] != 1.0)
        return GC_EINVAL;
    double zi[GC_FILTER_MAX_ORDER];
    int status = steady_state(b, a, w->order, zi);
    if (status != GC_OK)
        return status;
    for (size_t o = 0; o < outer; o++) {
        for (size_t i = 0; i < inner; i++) {
            const size_t base = o * n * inner + i;
            status = filtfilt_signal(w, b, a, zi, x + base, y + base, n, inner);
            if (status != GC_OK)
                return status;
        }
    }
    return GC_OK;
}
