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

/* Signals filtered together in one pass: the recurrence is serial in time but
 * independent across signals, so a block of signals runs as SIMD lanes (for a C-ordered
 * (n, k) array, one cache line of adjacent columns, gathered with contiguous reads). */
#define LANES 8

struct gc_filter_workspace {
    size_t order;
    size_t max_n;
    double *ext;  /* padded, interleaved copy of up to LANES runs */
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
    w->ext = malloc((max_n + 2 * gc_filter_padlen(order) + 1) * LANES * sizeof(double));
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


#define GC_ALWAYS_INLINE static inline __attribute__((always_inline))

/* In-place DF-II-T filtering of `lanes` interleaved signals buf[t * lanes + l],
 * t in [0, len), in direction dir (+1 or -1), each state started at zi * (its first
 * sample).  Always inlined with constant order and lanes so that the state lives in
 * registers and the lane loop vectorises. */
GC_ALWAYS_INLINE void run_lanes(const double *restrict b, const double *restrict a,
                                const size_t order, const double *restrict zi,
                                double *restrict buf, size_t len, const size_t lanes, int dir)
{
    double z[GC_FILTER_MAX_ORDER + 1][LANES];
    const ptrdiff_t step = dir * (ptrdiff_t)lanes;
    double *p = (dir > 0) ? buf : buf + (len - 1) * lanes;
    for (size_t l = 0; l < lanes; l++) {
        for (size_t k = 0; k < order; k++)
            z[k][l] = zi[k] * p[l];
        z[order][l] = 0.0;
    }
    for (size_t t = 0; t < len; t++, p += step) {
        for (size_t l = 0; l < lanes; l++) {
            const double xin = p[l];
            const double yout = b[0] * xin + z[0][l];
            for (size_t k = 0; k < order; k++)
                z[k][l] = b[k + 1] * xin + z[k + 1][l] - a[k + 1] * yout;
            p[l] = yout;
        }
    }
}

/* Dispatch to a run_lanes specialised for this order and for 1 or LANES lanes. */
static void run_filter(const double *b, const double *a, size_t order, const double *zi,
                       double *buf, size_t len, size_t lanes, int dir)
{
#define GC_ORDER_CASE(N)                                                  \
    case N:                                                               \
        if (lanes == 1)                                                   \
            run_lanes(b, a, N, zi, buf, len, 1, dir);                     \
        else                                                              \
            run_lanes(b, a, N, zi, buf, len, LANES, dir);                 \
        break;
    switch (order) {
        GC_ORDER_CASE(1) GC_ORDER_CASE(2) GC_ORDER_CASE(3) GC_ORDER_CASE(4)
        GC_ORDER_CASE(5) GC_ORDER_CASE(6) GC_ORDER_CASE(7) GC_ORDER_CASE(8)
    default:
        break;
    }
#undef GC_ORDER_CASE
}

/* Odd extension of `lanes` interleaved signals of len samples stored at
 * e[(pad + t) * lanes + l]: pad samples mirrored through each end point. */
static void odd_extend(double *e, size_t len, size_t pad, size_t lanes)
{
    for (size_t l = 0; l < lanes; l++) {
        const double first = e[pad * lanes + l], last = e[(pad + len - 1) * lanes + l];
        for (size_t k = 1; k <= pad; k++) {
            e[(pad - k) * lanes + l] = 2.0 * first - e[(pad + k) * lanes + l];
            e[(pad + len - 1 + k) * lanes + l] = 2.0 * last - e[(pad + len - 1 - k) * lanes + l];
        }
    }
}

/* Forward then backward over the padded, interleaved buffer. */
static void filtfilt_padded(gc_filter_workspace *w, const double *b, const double *a,
                            const double *zi, size_t len, size_t lanes)
{
    const size_t pad = gc_filter_padlen(w->order);
    odd_extend(w->ext, len, pad, lanes);
    run_filter(b, a, w->order, zi, w->ext, len + 2 * pad, lanes, +1);
    run_filter(b, a, w->order, zi, w->ext, len + 2 * pad, lanes, -1);
}

/* Filter one finite run x[0..len) (stride `stride`) into y, via w->ext. */
static void filtfilt_run(gc_filter_workspace *w, const double *b, const double *a,
                         const double *zi, const double *x, double *y, size_t len,
                         size_t stride)
{
    const size_t pad = gc_filter_padlen(w->order);
    for (size_t t = 0; t < len; t++)
        w->ext[pad + t] = x[t * stride];
    filtfilt_padded(w, b, a, zi, len, 1);
    for (size_t t = 0; t < len; t++)
        y[t * stride] = w->ext[pad + t];
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

/* LANES signals filtered together: signal l starts at x[off[l]] and y[off[l]], with
 * samples `stride` apart.  Returns 0 (and writes nothing) when a signal holds a
 * non-finite value: the caller then takes the signal-by-signal path that handles gaps.
 * `used` <= LANES signals are written back; the other lanes repeat the last signal. */
static int filtfilt_block(gc_filter_workspace *w, const double *b, const double *a,
                          const double *zi, const double *x, double *y, const size_t *off,
                          size_t used, size_t n, size_t stride)
{
    const size_t pad = gc_filter_padlen(w->order);
    double *e = w->ext + pad * LANES;
    int finite = 1;
    for (size_t t = 0; t < n; t++)
        for (size_t l = 0; l < LANES; l++) {
            const double v = x[off[l] + t * stride];
            finite &= isfinite(v) != 0;
            e[t * LANES + l] = v;
        }
    if (!finite || n <= pad)
        return 0;
    filtfilt_padded(w, b, a, zi, n, LANES);
    for (size_t t = 0; t < n; t++)
        for (size_t l = 0; l < used; l++)
            y[off[l] + t * stride] = e[t * LANES + l];
    return 1;
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
    /* The outer * inner signals are taken LANES at a time whatever the layout, so that
     * an (markers, n, 3) array runs as SIMD lanes too and not three at a time. */
    const size_t signals = empty ? 0 : outer * inner;
    for (size_t s0 = 0; s0 < signals; s0 += LANES) {
        const size_t used = (signals - s0 < LANES) ? signals - s0 : LANES;
        size_t off[LANES];
        for (size_t l = 0; l < LANES; l++) {
            const size_t s = s0 + (l < used ? l : used - 1);
            off[l] = (s / inner) * n * inner + s % inner;
        }
        if (used > 1 && filtfilt_block(w, b, a, zi, x, y, off, used, n, inner))
            continue;
        for (size_t l = 0; l < used; l++) {
            status = filtfilt_signal(w, b, a, zi, x + off[l], y + off[l], n, inner);
            if (status != GC_OK)
                return status;
        }
    }
    return GC_OK;
}
