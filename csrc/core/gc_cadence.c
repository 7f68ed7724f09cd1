/* gc_cadence.c -- spectral cadence: Welch PSD with GSL's real FFT, peak search
 * in a band, parabolic refinement on log power, step/stride disambiguation.
 * Method: docs/methods.md part B (JOS, Spectral Audio Signal Processing, quadratic
 * interpolation of spectral peaks). */
#include "gaitcore.h"
#include "gc_size.h"

#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_fft_real.h>
#include <gsl/gsl_math.h>

/* The PSD is needed only at low frequencies (the cadence band and its second
 * harmonic), so the zero-padded DFT is computed by decimation in time, pruned to the
 * first nbins output bins: with D = nfft / m subsequences x_s[j] = x[D j + s],
 *     X[k] = sum_s W_nfft^(s k) Y_s[k],   Y_s = the m-point real FFT of x_s,
 * exact for k < m / 2.  m is the smallest power of two >= 2 nbins (D = 1, a plain
 * nfft-point FFT, when nbins is more than a quarter of nfft). */
struct gc_cadence_workspace {
    size_t nperseg, nfft, nbins;
    size_t m, decim;  /* sub-FFT length and number of subsequences (m * decim == nfft) */
    double *window;   /* periodic Hann window, nperseg */
    double *seg;      /* the detrended, windowed segment, nperseg */
    double *sub;      /* one zero-padded subsequence, m */
    double *acc_re, *acc_im;  /* X[k], nbins each */
    double *tw_re, *tw_im;    /* W_nfft^(s k), decim * nbins each (NULL when decim == 1) */
    double *psd;      /* nbins, used when the caller passes none */
    double win_sq;    /* sum of window^2 (density scaling) */
    gsl_fft_real_wavetable *wavetable;
    gsl_fft_real_workspace *fft_work;
};

size_t gc_cadence_nfft(size_t nperseg)
{
    size_t target = nperseg * GC_CADENCE_PAD, nfft = 1;
    if (nperseg == 0 || target / GC_CADENCE_PAD != nperseg)
        return 0;
    while (nfft < target) {
        if (nfft > ((size_t)-1) / 2)
            return 0;
        nfft *= 2;
    }
    return nfft;
}

size_t gc_cadence_nbins(size_t nperseg, double rate, double fmax_hz)
{
    const size_t nfft = gc_cadence_nfft(nperseg);
    if (nfft == 0 || !(rate > 0.0) || !(fmax_hz >= 0.0))
        return 0;
    const double want = floor(fmax_hz * (double)nfft / rate) + 2.0;  /* + the bin above */
    const size_t all = nfft / 2 + 1;
    return want >= (double)all ? all : (size_t)want;
}

void gc_cadence_free(gc_cadence_workspace *w)
{
    if (!w)
        return;
    free(w->window);
    free(w->seg);
    free(w->sub);
    free(w->acc_re);
    free(w->acc_im);
    free(w->tw_re);
    free(w->tw_im);
    free(w->psd);
    if (w->wavetable)
        gsl_fft_real_wavetable_free(w->wavetable);
    if (w->fft_work)
        gsl_fft_real_workspace_free(w->fft_work);
    free(w);
}

/* Sub-FFT length: the smallest power of two >= 2 nbins, or nfft itself. */
static size_t sub_length(size_t nfft, size_t nbins)
{
    if (4 * nbins > nfft)
        return nfft;
    size_t m = 2;
    while (m < 2 * nbins)
        m *= 2;
    return m;
}

static int fill_tables(gc_cadence_workspace *w)
{
    const double two_pi = 2.0 * M_PI;
    w->win_sq = 0.0;
    for (size_t i = 0; i < w->nperseg; i++) {  /* periodic Hann, as scipy's get_window */
        w->window[i] = 0.5 - 0.5 * cos(two_pi * (double)i / (double)w->nperseg);
        w->win_sq += w->window[i] * w->window[i];
    }
    if (w->decim == 1)
        return GC_OK;
    w->tw_re = gc_malloc_array(w->decim * w->nbins, sizeof *w->tw_re);  /* <= nfft / 2 */
    w->tw_im = gc_malloc_array(w->decim * w->nbins, sizeof *w->tw_im);
    if (!w->tw_re || !w->tw_im)
        return GC_ENOMEM;
    for (size_t s = 0; s < w->decim; s++)
        for (size_t k = 0; k < w->nbins; k++) {
            /* reduce s k modulo nfft first: exact angles for large products */
            const double angle = two_pi * (double)((s * k) % w->nfft) / (double)w->nfft;
            w->tw_re[s * w->nbins + k] = cos(angle);
            w->tw_im[s * w->nbins + k] = -sin(angle);
        }
    return GC_OK;
}

gc_cadence_workspace *gc_cadence_alloc(size_t nperseg, size_t nbins)
{
    const size_t nfft = gc_cadence_nfft(nperseg);
    if (nperseg < 4 || nfft == 0 || nbins < 3 || nbins > nfft / 2 + 1)
        return NULL;
    gc_cadence_workspace *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->nperseg = nperseg;
    w->nfft = nfft;
    w->nbins = nbins;
    w->m = sub_length(nfft, nbins);
    w->decim = nfft / w->m;
    w->window = gc_malloc_array(nperseg, sizeof *w->window);
    w->seg = gc_malloc_array(nperseg, sizeof *w->seg);
    w->sub = gc_malloc_array(w->m, sizeof *w->sub);
    w->acc_re = gc_malloc_array(nbins, sizeof *w->acc_re);
    w->acc_im = gc_malloc_array(nbins, sizeof *w->acc_im);
    w->psd = gc_malloc_array(nbins, sizeof *w->psd);
    w->wavetable = gsl_fft_real_wavetable_alloc(w->m);
    w->fft_work = gsl_fft_real_workspace_alloc(w->m);
    if (!w->window || !w->seg || !w->sub || !w->acc_re || !w->acc_im || !w->psd || !w->wavetable
        || !w->fft_work || fill_tables(w) != GC_OK) {
        gc_cadence_free(w);
        return NULL;
    }
    return w;
}

size_t gc_cadence_nfreq(const gc_cadence_workspace *w)
{
    return w ? w->nbins : 0;
}

size_t gc_cadence_fft_length(const gc_cadence_workspace *w)
{
    return w ? w->nfft : 0;
}

size_t gc_cadence_segment_length(const gc_cadence_workspace *w)
{
    return w ? w->nperseg : 0;
}

/* Remove the segment's least-squares line and apply the window (into w->seg). */
static void load_segment(gc_cadence_workspace *w, const double *x, size_t stride)
{
    const size_t m = w->nperseg;
    const double tm = 0.5 * (double)(m - 1);
    double mean = 0.0, cov = 0.0;
    for (size_t i = 0; i < m; i++)
        mean += x[i * stride];
    mean /= (double)m;
    for (size_t i = 0; i < m; i++)
        cov += ((double)i - tm) * (x[i * stride] - mean);
    /* sum over i of (i - tm)^2 = m (m^2 - 1) / 12 */
    const double md = (double)m;
    const double slope = cov / (md * (md * md - 1.0) / 12.0);
    for (size_t i = 0; i < m; i++)
        w->seg[i] = w->window[i] * (x[i * stride] - mean - slope * ((double)i - tm));
}

/* Bin k of a GSL half-complex array of even length m (0 <= k <= m / 2). */
static void halfcomplex_bin(const double *h, size_t m, size_t k, double *re, double *im)
{
    if (k == 0) {
        *re = h[0];
        *im = 0.0;
    } else if (2 * k == m) {
        *re = h[m - 1];
        *im = 0.0;
    } else {
        *re = h[2 * k - 1];
        *im = h[2 * k];
    }
}

/* X[k], k < nbins, of the zero-padded w->seg into acc_re/acc_im (pruned DIT). */
static int segment_dft(gc_cadence_workspace *w)
{
    const size_t m = w->m, d = w->decim, nb = w->nbins;
    for (size_t k = 0; k < nb; k++)
        w->acc_re[k] = w->acc_im[k] = 0.0;
    for (size_t s = 0; s < d && s < w->nperseg; s++) {
        size_t j = 0;
        for (size_t i = s; i < w->nperseg; i += d)
            w->sub[j++] = w->seg[i];
        for (; j < m; j++)
            w->sub[j] = 0.0;
        if (gsl_fft_real_transform(w->sub, 1, m, w->wavetable, w->fft_work) != GSL_SUCCESS)
            return GC_EGSL;
        const double *tr = d > 1 ? w->tw_re + s * nb : NULL, *ti = d > 1 ? w->tw_im + s * nb : NULL;
        for (size_t k = 0; k < nb; k++) {
            double yr, yi;
            halfcomplex_bin(w->sub, m, k, &yr, &yi);
            if (tr) {  /* times W_nfft^(s k) */
                w->acc_re[k] += yr * tr[k] - yi * ti[k];
                w->acc_im[k] += yr * ti[k] + yi * tr[k];
            } else {
                w->acc_re[k] += yr;
                w->acc_im[k] += yi;
            }
        }
    }
    return GC_OK;
}

static int check_finite(const double *x, size_t n, size_t stride)
{
    int has_nan = 0;
    for (size_t i = 0; i < n; i++) {
        const double v = x[i * stride];
        if (isinf(v))
            return GC_ENOTFINITE;
        if (isnan(v))
            has_nan = 1;
    }
    return has_nan ? GC_ENODATA : GC_OK;
}

int gc_cadence_welch(gc_cadence_workspace *w, const double *x, size_t n, size_t stride,
                     double rate, double *psd)
{
    if (!w || !x || !psd || stride == 0 || !(rate > 0.0) || !isfinite(rate))
        return GC_EINVAL;
    if (n < w->nperseg)
        return GC_ETOOSHORT;
    int status = check_finite(x, n, stride);
    if (status != GC_OK)
        return status;
    const size_t nfreq = w->nbins;
    const size_t step = w->nperseg - w->nperseg / 2;  /* 50% overlap, as scipy */
    const size_t nseg = 1 + (n - w->nperseg) / step;
    for (size_t k = 0; k < nfreq; k++)
        psd[k] = 0.0;
    for (size_t s = 0; s < nseg; s++) {
        load_segment(w, x + s * step * stride, stride);
        status = segment_dft(w);
        if (status != GC_OK)
            return status;
        for (size_t k = 0; k < nfreq; k++)
            psd[k] += w->acc_re[k] * w->acc_re[k] + w->acc_im[k] * w->acc_im[k];
    }
    /* one-sided density: 1 / (rate * sum w^2), doubled except at DC and Nyquist */
    const double scale = 1.0 / (rate * w->win_sq * (double)nseg);
    for (size_t k = 0; k < nfreq; k++)
        psd[k] *= (k == 0 || 2 * k == w->nfft) ? scale : 2.0 * scale;
    return GC_OK;
}

/* Bins [*k0, *k1] that have both neighbours and lie within half a bin of [lo_hz, hi_hz]
 * (so that a peak exactly at a band edge is found whichever side of it its bin falls). */
static int band_bins(size_t nfreq, double df, double lo_hz, double hi_hz, size_t *k0, size_t *k1)
{
    double a = ceil(lo_hz / df - 0.5), b = floor(hi_hz / df + 0.5);
    if (a < 1.0)
        a = 1.0;
    if (b > (double)nfreq - 2.0)
        b = (double)nfreq - 2.0;
    if (!(a <= b))
        return 0;
    *k0 = (size_t)a;
    *k1 = (size_t)b;
    return 1;
}

/* Fractional bin offset of the vertex of the parabola through log power. */
static double parabolic_offset(const double *psd, size_t k)
{
    if (!(psd[k - 1] > 0.0) || !(psd[k + 1] > 0.0))
        return 0.0;
    const double a = log(psd[k - 1]), b = log(psd[k]), c = log(psd[k + 1]);
    const double den = a - 2.0 * b + c;
    if (!(den < 0.0))
        return 0.0;  /* not a strict maximum: keep the bin */
    return 0.5 * (a - c) / den;
}

int gc_cadence_peak(const double *psd, size_t nfreq, double df, double lo_hz, double hi_hz,
                    double *f_hz, size_t *k_peak)
{
    if (!psd || !f_hz || !k_peak || nfreq < 3 || !(df > 0.0) || !(lo_hz <= hi_hz))
        return GC_EINVAL;
    *f_hz = NAN;
    *k_peak = 0;
    size_t k0, k1;
    if (!band_bins(nfreq, df, lo_hz, hi_hz, &k0, &k1))
        return GC_OK;
    size_t best = 0;
    for (size_t k = k0; k <= k1; k++) {
        const int local_max = psd[k] >= psd[k - 1] && psd[k] >= psd[k + 1];
        if (local_max && psd[k] > 0.0 && (best == 0 || psd[k] > psd[best]))
            best = k;
    }
    if (best == 0)
        return GC_OK;
    *k_peak = best;
    *f_hz = ((double)best + parabolic_offset(psd, best)) * df;
    return GC_OK;
}

/* Share of power within lobe_hz of f among [min(lo, f - lobe), max(hi, f + lobe)]. */
static double peak_quality(const double *psd, size_t nfreq, double df, double f,
                           double lo_hz, double hi_hz, double lobe_hz)
{
    const double lo = fmin(lo_hz, f - lobe_hz), hi = fmax(hi_hz, f + lobe_hz);
    double in_lobe = 0.0, total = 0.0;
    for (size_t k = 0; k < nfreq; k++) {
        const double fk = (double)k * df;
        if (fk < lo || fk > hi)
            continue;
        total += psd[k];
        if (fabs(fk - f) <= lobe_hz)
            in_lobe += psd[k];
    }
    return total > 0.0 ? in_lobe / total : 0.0;
}

int gc_cadence_estimate(const double *psd, size_t nfreq, double df, int kind,
                        double lo_hz, double hi_hz, double lobe_hz, gc_cadence_result *res)
{
    if (!res || !(lobe_hz >= 0.0) || kind < GC_CADENCE_AUTO || kind > GC_CADENCE_STRIDE)
        return GC_EINVAL;
    res->step_hz = res->peak_hz = res->quality = NAN;
    res->harmonic = 0;
    size_t k1;
    double f1;
    int status = gc_cadence_peak(psd, nfreq, df, lo_hz, hi_hz, &f1, &k1);
    if (status != GC_OK || isnan(f1))
        return status;
    res->peak_hz = f1;
    res->step_hz = f1;
    res->harmonic = 1;
    if (kind == GC_CADENCE_STRIDE) {
        res->step_hz = 2.0 * f1;
        res->harmonic = 2;
    } else if (kind == GC_CADENCE_AUTO && f1 < GC_CADENCE_STRIDE_MAX_HZ) {
        /* the peak may be the stride: look for its second harmonic */
        size_t k2;
        double f2;
        status = gc_cadence_peak(psd, nfreq, df, 2.0 * f1 * (1.0 - GC_CADENCE_HARMONIC_TOL),
                                 2.0 * f1 * (1.0 + GC_CADENCE_HARMONIC_TOL), &f2, &k2);
        if (status != GC_OK)
            return status;
        if (!isnan(f2) && psd[k2] >= GC_CADENCE_HARMONIC_POWER * psd[k1]) {
            res->step_hz = f2;
            res->harmonic = 2;
        }
    }
    res->quality = peak_quality(psd, nfreq, df, res->step_hz, lo_hz, hi_hz, lobe_hz);
    return GC_OK;
}

int gc_cadence_compute(gc_cadence_workspace *w, const double *x, size_t n, size_t stride,
                       double rate, int kind, double lo_hz, double hi_hz, double *psd,
                       gc_cadence_result *res)
{
    if (!w)
        return GC_EINVAL;
    double *p = psd ? psd : w->psd;
    int status = gc_cadence_welch(w, x, n, stride, rate, p);
    if (status != GC_OK)
        return status;
    const double df = rate / (double)w->nfft;
    const double lobe_hz = 2.0 * rate / (double)w->nperseg;
    return gc_cadence_estimate(p, w->nbins, df, kind, lo_hz, hi_hz, lobe_hz, res);
}

size_t gc_cadence_track_count(size_t n, size_t nperseg, size_t hop)
{
    if (hop == 0 || nperseg == 0 || n < nperseg)
        return 0;
    return 1 + (n - nperseg) / hop;
}

int gc_cadence_track(gc_cadence_workspace *w, const double *x, size_t n, double rate,
                     size_t hop, int kind, double lo_hz, double hi_hz,
                     double *time_s, double *step_hz, double *quality)
{
    if (!w || !x || !time_s || !step_hz || !quality || hop == 0)
        return GC_EINVAL;
    for (size_t i = 0; i < n; i++)
        if (isinf(x[i]))
            return GC_ENOTFINITE;
    const size_t count = gc_cadence_track_count(n, w->nperseg, hop);
    for (size_t i = 0; i < count; i++) {
        const double *seg = x + i * hop;
        gc_cadence_result res;
        time_s[i] = ((double)(i * hop) + 0.5 * (double)w->nperseg) / rate;
        int status = gc_cadence_compute(w, seg, w->nperseg, 1, rate, kind, lo_hz, hi_hz, NULL, &res);
        if (status == GC_ENODATA) {  /* a gap in this window: no estimate here */
            step_hz[i] = quality[i] = NAN;
            continue;
        }
        if (status != GC_OK)
            return status;
        step_hz[i] = res.step_hz;
        quality[i] = res.quality;
    }
    return GC_OK;
}
