/*
 * gc_filter.c -- Butterworth low-pass design and zero-lag (forward-backward)
 * filtering in second-order sections, with odd-extension padding and steady-state
 * initial conditions per section.
 *
 * Design: analog Butterworth prototype poles, pre-warped cutoff, bilinear transform
 * (Oppenheim & Schafer, ch. 7), as scipy.signal.butter.  The (b, a) polynomial form is
 * kept for users who ask for coefficients, but the filter never runs in that form: its
 * coefficients lose the poles' positions near z = 1 at low cutoffs (order 8 at 6 Hz of
 * 2 kHz turned a constant 5.0 into 5.44..7.22).  It runs as cascaded biquads
 * ("second-order sections"), each pole pair with the double zero at z = -1, in direct
 * form II transposed, like scipy.signal.sosfiltfilt.
 *
 * Two choices make the sections exact where it matters:
 *   - each section has unit DC gain computed from its own rounded denominator:
 *     g = (1 + a1 + a2) / 4 and b = (g, 2g, g), with 1 + a1 + a2 exact in floating
 *     point when the poles are near 1 (Sterbenz), so the cascade's DC gain is 1 to the
 *     last bit instead of being off by 1e-9 at cutoff/Nyquist = 1e-4;
 *   - every finite run is filtered as x0 + filter(x - x0), x0 its first sample (an exact
 *     identity for a filter of unit DC gain): a constant run stays exactly constant and
 *     an offset of 1000 mm costs no precision in the millimetres that vary.
 * Steady-state initial conditions of a unit-DC-gain section for a constant input c:
 * z1 = (b1 + b2 - a1 - a2) c, z2 = (b2 - a2) c (Gustafsson 1996, IEEE Trans. Signal
 * Process. 44:988, section by section as scipy.signal.sosfilt_zi).
 */
#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_math.h>

#include "gaitcore.h"
#include "gc_size.h"

/* Signals filtered together in one pass: the recurrence is serial in time but
 * independent across signals, so a block of signals runs as SIMD lanes (for a C-ordered
 * (n, k) array, one cache line of adjacent columns, gathered with contiguous reads). */
#define LANES 8
#define MAX_SECTIONS ((GC_FILTER_MAX_ORDER + 1) / 2)

struct gc_filter_workspace {
    size_t order;
    size_t n_sections;
    size_t max_n;
    double sos[MAX_SECTIONS * 6];
    double zi[MAX_SECTIONS * 2];  /* steady state of each section for a unit input */
    double *ext;  /* padded, interleaved copy of up to LANES runs */
};

size_t gc_filter_padlen(size_t order) { return 3 * (order + 1); }

size_t gc_filter_n_sections(size_t order) { return (order + 1) / 2; }

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

/* Pre-warped analog cutoff for the bilinear transform with fs = 2 (fs2 = 2 fs = 4). */
#define BILINEAR_FS2 4.0
static double prewarp(double wn) { return BILINEAR_FS2 * tan(M_PI * wn / 2.0); }

/* Analog prototype pole k of n (left half plane), scaled to the warped cutoff. */
static double complex analog_pole(size_t k, size_t n, double warped)
{
    const double m = -(double)n + 1.0 + 2.0 * (double)k;
    return -cexp(I * M_PI * m / (2.0 * (double)n)) * warped;
}

static int design_ok(size_t order, double wn)
{
    return order >= 1 && order <= GC_FILTER_MAX_ORDER && wn > 0.0 && wn < 1.0;
}

int gc_filter_butter_lowpass(size_t order, double wn, double *b, double *a)
{
    if (!design_ok(order, wn) || !b || !a)
        return GC_EINVAL;
    const double warped = prewarp(wn);
    double complex poles[GC_FILTER_MAX_ORDER], zeros[GC_FILTER_MAX_ORDER];
    double complex gain_den = 1.0;  /* prod(fs2 - p); no finite analog zeros */
    for (size_t k = 0; k < order; k++) {
        const double complex p = analog_pole(k, order, warped);
        gain_den *= BILINEAR_FS2 - p;
        poles[k] = (BILINEAR_FS2 + p) / (BILINEAR_FS2 - p);  /* bilinear transform */
        zeros[k] = -1.0;                                       /* all zeros at Nyquist */
    }
    double k_gain = creal(1.0 / gain_den) * pow(warped, (double)order);
    poly_from_roots(zeros, order, b);
    poly_from_roots(poles, order, a);
    for (size_t k = 0; k <= order; k++)
        b[k] *= k_gain;
    return GC_OK;
}

/* One section [b0 b1 b2 1 a1 a2] of unit DC gain with denominator (1 - p z^-1)(1 - p* z^-1)
 * (pair) or 1 - p z^-1 (real pole) and zeros at z = -1. */
static void unit_gain_section(double complex p, int pair, double *sec)
{
    double a1, a2, g;
    if (pair) {
        a1 = -2.0 * creal(p);
        a2 = creal(p) * creal(p) + cimag(p) * cimag(p);
        g = ((1.0 + a1) + a2) / 4.0;   /* exact near p = 1: the sums cancel without rounding */
        sec[0] = g;
        sec[1] = 2.0 * g;
        sec[2] = g;
    } else {
        a1 = -creal(p);
        a2 = 0.0;
        g = (1.0 + a1) / 2.0;
        sec[0] = g;
        sec[1] = g;
        sec[2] = 0.0;
    }
    sec[3] = 1.0;
    sec[4] = a1;
    sec[5] = a2;
}

int gc_filter_butter_sos(size_t order, double wn, double *sos)
{
    if (!design_ok(order, wn) || !sos)
        return GC_EINVAL;
    const double warped = prewarp(wn);
    /* Poles k and order-1-k are conjugates; the real pole (odd order) is k = order/2.
     * Sections run from the most damped pair to the least damped (closest to the unit
     * circle) last, as scipy's zpk2sos orders them. */
    size_t s = 0;
    if (order % 2 == 1) {
        const double complex p = analog_pole(order / 2, order, warped);
        unit_gain_section((BILINEAR_FS2 + p) / (BILINEAR_FS2 - p), 0, sos + 6 * s++);
    }
    for (size_t k = order / 2; k-- > 0;) {
        const double complex p = analog_pole(k, order, warped);
        unit_gain_section((BILINEAR_FS2 + p) / (BILINEAR_FS2 - p), 1, sos + 6 * s++);
    }
    return GC_OK;
}

/* Steady state (z1, z2) of each unit-DC-gain section for a constant unit input. */
static void sos_steady_state(const double *sos, size_t n_sections, double *zi)
{
    for (size_t s = 0; s < n_sections; s++) {
        const double *c = sos + 6 * s;
        zi[2 * s + 1] = c[2] - c[5];
        zi[2 * s] = (c[1] - c[4]) + zi[2 * s + 1];
    }
}

gc_filter_workspace *gc_filter_alloc(size_t order, double wn, size_t max_n)
{
    const size_t pad = gc_filter_padlen(order);
    size_t len, count;
    if (!design_ok(order, wn) || !gc_size_add(max_n, 2 * pad + 1, &len)
        || !gc_size_mul(len, LANES, &count))
        return NULL;
    gc_filter_workspace *w = malloc(sizeof *w);
    if (!w)
        return NULL;
    w->order = order;
    w->n_sections = gc_filter_n_sections(order);
    w->max_n = max_n;
    gc_filter_butter_sos(order, wn, w->sos);
    sos_steady_state(w->sos, w->n_sections, w->zi);
    w->ext = gc_malloc_array(count, sizeof(double));
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

int gc_filter_sos(const gc_filter_workspace *w, double *sos)
{
    if (!w || !sos)
        return GC_EINVAL;
    memcpy(sos, w->sos, w->n_sections * 6 * sizeof *sos);
    return GC_OK;
}

#define GC_ALWAYS_INLINE static inline __attribute__((always_inline))

/* In-place filtering of `lanes` interleaved signals buf[t * lanes + l], t in [0, len),
 * in direction dir (+1 or -1), through n_sec cascaded DF-II-T biquads, each section's
 * state started at zi * (the signal's first sample in that direction).  Always inlined
 * with constant n_sec and lanes so that the states live in registers and the lane loop
 * vectorises. */
GC_ALWAYS_INLINE void run_lanes(const double *restrict sos, const size_t n_sec,
                                const double *restrict zi, double *restrict buf, size_t len,
                                const size_t lanes, int dir)
{
    double z1[MAX_SECTIONS][LANES], z2[MAX_SECTIONS][LANES];
    const ptrdiff_t step = dir * (ptrdiff_t)lanes;
    double *p = (dir > 0) ? buf : buf + (len - 1) * lanes;
    for (size_t l = 0; l < lanes; l++)
        for (size_t s = 0; s < n_sec; s++) {
            z1[s][l] = zi[2 * s] * p[l];
            z2[s][l] = zi[2 * s + 1] * p[l];
        }
    for (size_t t = 0; t < len; t++, p += step) {
        for (size_t l = 0; l < lanes; l++) {
            double v = p[l];
            for (size_t s = 0; s < n_sec; s++) {
                const double *c = sos + 6 * s;
                const double y = c[0] * v + z1[s][l];
                /* (b1 v + z2) first: y enters last, one operation on the recursive path */
                z1[s][l] = (c[1] * v + z2[s][l]) - c[4] * y;
                z2[s][l] = c[2] * v - c[5] * y;
                v = y;
            }
            p[l] = v;
        }
    }
}

/* Dispatch to a run_lanes specialised for this number of sections and 1 or LANES lanes. */
static void run_filter(const gc_filter_workspace *w, double *buf, size_t len, size_t lanes,
                       int dir)
{
#define GC_SECTIONS_CASE(N)                                               \
    case N:                                                               \
        if (lanes == 1)                                                   \
            run_lanes(w->sos, N, w->zi, buf, len, 1, dir);                \
        else                                                              \
            run_lanes(w->sos, N, w->zi, buf, len, LANES, dir);            \
        break;
    switch (w->n_sections) {
        GC_SECTIONS_CASE(1) GC_SECTIONS_CASE(2) GC_SECTIONS_CASE(3) GC_SECTIONS_CASE(4)
    default:
        break;
    }
#undef GC_SECTIONS_CASE
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
static void filtfilt_padded(gc_filter_workspace *w, size_t len, size_t lanes)
{
    const size_t pad = gc_filter_padlen(w->order);
    odd_extend(w->ext, len, pad, lanes);
    run_filter(w, w->ext, len + 2 * pad, lanes, +1);
    run_filter(w, w->ext, len + 2 * pad, lanes, -1);
}

/* Filter one finite run x[0..len) (stride `stride`) into y, via w->ext, as
 * x0 + filter(x - x0) (see the file comment). */
static void filtfilt_run(gc_filter_workspace *w, const double *x, double *y, size_t len,
                         size_t stride)
{
    const size_t pad = gc_filter_padlen(w->order);
    const double x0 = x[0];
    for (size_t t = 0; t < len; t++)
        w->ext[pad + t] = x[t * stride] - x0;
    filtfilt_padded(w, len, 1);
    for (size_t t = 0; t < len; t++)
        y[t * stride] = w->ext[pad + t] + x0;
}

/* One signal of n samples with stride: filter each finite run. */
static int filtfilt_signal(gc_filter_workspace *w, const double *x, double *y, size_t n,
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
            filtfilt_run(w, x + start * stride, y + start * stride, len, stride);
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
static int filtfilt_block(gc_filter_workspace *w, const double *x, double *y,
                          const size_t *off, size_t used, size_t n, size_t stride)
{
    const size_t pad = gc_filter_padlen(w->order);
    double *e = w->ext + pad * LANES;
    double x0[LANES];
    int finite = 1;
    for (size_t l = 0; l < LANES; l++)
        x0[l] = x[off[l]];
    for (size_t t = 0; t < n; t++)
        for (size_t l = 0; l < LANES; l++) {
            const double v = x[off[l] + t * stride];
            finite &= isfinite(v) != 0;
            e[t * LANES + l] = v - x0[l];
        }
    if (!finite || n <= pad)
        return 0;
    filtfilt_padded(w, n, LANES);
    for (size_t t = 0; t < n; t++)
        for (size_t l = 0; l < used; l++)
            y[off[l] + t * stride] = e[t * LANES + l] + x0[l];
    return 1;
}

int gc_filter_filtfilt(gc_filter_workspace *w, const double *x, double *y,
                       size_t outer, size_t n, size_t inner)
{
    const int empty = (outer == 0 || n == 0 || inner == 0);
    if (!w || (!empty && (!x || !y)))
        return GC_EINVAL;
    if (n > w->max_n)
        return GC_EINVAL;
    size_t signals = 0;
    if (!empty && !gc_size_mul(outer, inner, &signals))
        return GC_EINVAL;
    /* The outer * inner signals are taken LANES at a time whatever the layout, so that
     * an (markers, n, 3) array runs as SIMD lanes too and not three at a time. */
    for (size_t s0 = 0; s0 < signals; s0 += LANES) {
        const size_t used = (signals - s0 < LANES) ? signals - s0 : LANES;
        size_t off[LANES];
        for (size_t l = 0; l < LANES; l++) {
            const size_t s = s0 + (l < used ? l : used - 1);
            off[l] = (s / inner) * n * inner + s % inner;
        }
        if (used > 1 && filtfilt_block(w, x, y, off, used, n, inner))
            continue;
        for (size_t l = 0; l < used; l++) {
            int status = filtfilt_signal(w, x + off[l], y + off[l], n, inner);
            if (status != GC_OK)
                return status;
        }
    }
    return GC_OK;
}
