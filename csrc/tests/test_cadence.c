/* C unit tests of gc_cadence.c.  References: a naive DFT of the detrended,
 * windowed segment (independent of GSL) for the PSD values, Parseval for the
 * density scaling, exact parabolas for the refinement, and synthetic tones of
 * known frequency for the estimate.  The SciPy equality is tested in pytest. */
#include <stdlib.h>

#include <gsl/gsl_math.h>

#include "core/gaitcore.h"
#include "gc_test.h"

/* Density PSD of one segment at bin k by a direct DFT (no GSL). */
static double naive_psd(const double *x, size_t m, size_t nfft, double rate, size_t k)
{
    double mean = 0.0, tm = 0.5 * (double)(m - 1), sxx = 0.0, sxy = 0.0, wsq = 0.0;
    for (size_t i = 0; i < m; i++)
        mean += x[i] / (double)m;
    for (size_t i = 0; i < m; i++) {
        sxx += ((double)i - tm) * ((double)i - tm);
        sxy += ((double)i - tm) * (x[i] - mean);
    }
    double re = 0.0, im = 0.0;
    for (size_t i = 0; i < m; i++) {
        double w = 0.5 - 0.5 * cos(2.0 * M_PI * (double)i / (double)m);
        double v = w * (x[i] - mean - sxy / sxx * ((double)i - tm));
        re += v * cos(2.0 * M_PI * (double)(k * i) / (double)nfft);
        im -= v * sin(2.0 * M_PI * (double)(k * i) / (double)nfft);
        wsq += w * w;
    }
    double p = (re * re + im * im) / (rate * wsq);
    return (k == 0 || k == nfft / 2) ? p : 2.0 * p;
}

static void test_nfft(void)
{
    CHECK(gc_cadence_nfft(100) == 512);
    CHECK(gc_cadence_nfft(128) == 512);
    CHECK(gc_cadence_nfft(8000) == 32768);
    CHECK(gc_cadence_nfft(0) == 0);
    CHECK(gc_cadence_nfft((size_t)-1) == 0);
    CHECK(gc_cadence_alloc(3, 3) == NULL);
}

static void test_welch_against_naive_dft(void)
{
    enum { M = 200 };
    const double rate = 100.0;
    double x[M];
    srand(7);
    for (size_t i = 0; i < M; i++)
        x[i] = sin(2.0 * M_PI * 2.7 * (double)i / rate) + 0.01 * (double)i
               + 0.3 * ((double)rand() / RAND_MAX - 0.5);
    /* the full spectrum (plain FFT) and pruned low-band spectra (decimation in time) */
    const size_t nbins_cases[] = {513, 129, 60, 3};
    for (size_t c = 0; c < sizeof nbins_cases / sizeof nbins_cases[0]; c++) {
        gc_cadence_workspace *w = gc_cadence_alloc(M, nbins_cases[c]);
        CHECK(w != NULL);
        if (!w)
            return;
        size_t nfreq = gc_cadence_nfreq(w), nfft = gc_cadence_fft_length(w);
        CHECK(nfft == 1024 && nfreq == nbins_cases[c]);
        double *psd = malloc(nfreq * sizeof *psd);
        CHECK(gc_cadence_welch(w, x, M, 1, rate, psd) == GC_OK);
        for (size_t k = 0; k < nfreq; k++) {
            double want = naive_psd(x, M, nfft, rate, k);
            CHECK(fabs(psd[k] - want) <= 1e-10 * (1.0 + want));
        }
        free(psd);
        gc_cadence_free(w);
    }
    CHECK(gc_cadence_alloc(M, 514) == NULL);
    CHECK(gc_cadence_alloc(M, 2) == NULL);
    CHECK(gc_cadence_nbins(M, rate, 5.0) == 53);   /* floor(5 * 1024 / 100) + 2 */
    CHECK(gc_cadence_nbins(M, rate, 80.0) == 513); /* capped at nfft / 2 + 1 */
    CHECK(gc_cadence_nbins(M, 0.0, 5.0) == 0);
}

static void test_welch_segments_and_scaling(void)
{
    /* A tone of amplitude A: band-integrated density ~ A^2 / 2 (Hann leakage is
     * inside +-2 native bins; the rest is ~1e-5 of it). */
    enum { N = 3000 };
    const double rate = 200.0, A = 3.0, f0 = 2.9;
    double *x = malloc(N * 2 * sizeof *x);
    for (size_t i = 0; i < N; i++) {
        x[2 * i] = A * sin(2.0 * M_PI * f0 * (double)i / rate) + 50.0;  /* column 0 */
        x[2 * i + 1] = NAN;                                             /* column 1 */
    }
    gc_cadence_workspace *w = gc_cadence_alloc(800, 2049);  /* 4 s segments, 6 of them */
    size_t nfreq = gc_cadence_nfreq(w);
    double *psd = malloc(nfreq * sizeof *psd);
    CHECK(gc_cadence_welch(w, x, N, 2, 200.0, psd) == GC_OK);  /* strided column */
    double df = rate / (double)gc_cadence_fft_length(w), power = 0.0;
    for (size_t k = 0; k < nfreq; k++)
        power += psd[k] * df;
    CHECK_CLOSE(power, A * A / 2.0, 1e-3);
    CHECK(gc_cadence_welch(w, x + 1, N, 2, rate, psd) == GC_ENODATA);
    CHECK(gc_cadence_welch(w, x, 799, 2, rate, psd) == GC_ETOOSHORT);
    CHECK(gc_cadence_welch(w, x, N, 2, 0.0, psd) == GC_EINVAL);
    CHECK(gc_cadence_welch(w, x, N, 0, rate, psd) == GC_EINVAL);
    x[10] = INFINITY;
    CHECK(gc_cadence_welch(w, x, N, 2, rate, psd) == GC_ENOTFINITE);
    free(psd);
    free(x);
    gc_cadence_free(w);
}

static void test_parabolic_peak(void)
{
    /* log P is an exact parabola with its vertex at bin 10.3: recovered exactly */
    double psd[30];
    for (size_t k = 0; k < 30; k++)
        psd[k] = exp(-0.2 * ((double)k - 10.3) * ((double)k - 10.3));
    double f;
    size_t k;
    CHECK(gc_cadence_peak(psd, 30, 0.5, 1.0, 12.0, &f, &k) == GC_OK);
    CHECK(k == 10);
    CHECK_CLOSE(f, 10.3 * 0.5, 1e-12);
    /* a bin within half a bin of the band edge counts (10 * 0.5 = 5.0 > 4.9) */
    CHECK(gc_cadence_peak(psd, 30, 0.5, 1.0, 4.9, &f, &k) == GC_OK);
    CHECK(k == 10);
    CHECK(gc_cadence_peak(psd, 30, 0.5, 1.0, 4.7, &f, &k) == GC_OK);
    CHECK(isnan(f) && k == 0);
    /* the band holds no local maximum: NaN */
    CHECK(gc_cadence_peak(psd, 30, 0.5, 6.0, 12.0, &f, &k) == GC_OK);
    CHECK(isnan(f) && k == 0);
    /* all-zero spectrum: no peak */
    double zero[30] = {0};
    CHECK(gc_cadence_peak(zero, 30, 0.5, 1.0, 12.0, &f, &k) == GC_OK);
    CHECK(isnan(f));
    CHECK(gc_cadence_peak(psd, 30, 0.0, 1.0, 12.0, &f, &k) == GC_EINVAL);
    CHECK(gc_cadence_peak(psd, 30, 0.5, 12.0, 1.0, &f, &k) == GC_EINVAL);
}

/* A stride fundamental f/2 with a step harmonic f of relative amplitude b. */
static void stride_signal(double *x, size_t n, double rate, double step_hz, double a_stride, double b_step)
{
    for (size_t i = 0; i < n; i++) {
        double t = (double)i / rate;
        x[i] = a_stride * sin(M_PI * step_hz * t) + b_step * sin(2.0 * M_PI * step_hz * t + 0.4);
    }
}

static void test_estimate_step_and_stride(void)
{
    enum { N = 3000 };
    const double rate = 100.0;
    double x[N];
    gc_cadence_workspace *w = gc_cadence_alloc(800, gc_cadence_nbins(800, rate, 11.0));
    gc_cadence_result r;
    /* a step-dominated running signal at 2.85 Hz */
    stride_signal(x, N, rate, 2.85, 0.3, 1.0);
    CHECK(gc_cadence_compute(w, x, N, 1, rate, GC_CADENCE_AUTO, 1.0, 5.0, NULL, &r) == GC_OK);
    CHECK(fabs(r.step_hz - 2.85) < 0.005);
    CHECK(r.harmonic == 1);
    CHECK(r.quality > 0.8 && r.quality <= 1.0);
    /* a one-leg signal: the stride peak (1.45 Hz) dominates, its harmonic is strong */
    stride_signal(x, N, rate, 2.9, 1.0, 0.7);
    CHECK(gc_cadence_compute(w, x, N, 1, rate, GC_CADENCE_AUTO, 1.0, 5.0, NULL, &r) == GC_OK);
    CHECK(r.harmonic == 2);
    CHECK(fabs(r.peak_hz - 1.45) < 0.005);
    CHECK(fabs(r.step_hz - 2.9) < 0.005);
    CHECK(gc_cadence_compute(w, x, N, 1, rate, GC_CADENCE_STEP, 1.0, 5.0, NULL, &r) == GC_OK);
    CHECK(r.harmonic == 1 && fabs(r.step_hz - 1.45) < 0.005);
    /* slow walking, weak second harmonic: not doubled */
    stride_signal(x, N, rate, 1.5, 0.0, 1.0);
    for (size_t i = 0; i < N; i++)
        x[i] += 0.2 * sin(2.0 * M_PI * 3.0 * (double)i / rate);
    CHECK(gc_cadence_compute(w, x, N, 1, rate, GC_CADENCE_AUTO, 1.0, 5.0, NULL, &r) == GC_OK);
    CHECK(r.harmonic == 1 && fabs(r.step_hz - 1.5) < 0.005);
    CHECK(gc_cadence_compute(w, x, N, 1, rate, GC_CADENCE_STRIDE, 1.0, 5.0, NULL, &r) == GC_OK);
    CHECK(r.harmonic == 2 && fabs(r.step_hz - 3.0) < 0.01);
    CHECK(gc_cadence_compute(w, x, N, 1, rate, 7, 1.0, 5.0, NULL, &r) == GC_EINVAL);
    /* a constant: no peak, NaN */
    for (size_t i = 0; i < N; i++)
        x[i] = 4.0;
    CHECK(gc_cadence_compute(w, x, N, 1, rate, GC_CADENCE_AUTO, 1.0, 5.0, NULL, &r) == GC_OK);
    CHECK(isnan(r.step_hz) && isnan(r.quality));
    gc_cadence_free(w);
}

static void test_track(void)
{
    enum { N = 6000 };
    const double rate = 100.0;
    double *x = malloc(N * sizeof *x), phase = 0.0;
    for (size_t i = 0; i < N; i++) {  /* step frequency ramping 2.5 -> 3.1 Hz */
        double f = 2.5 + 0.6 * (double)i / N;
        phase += 2.0 * M_PI * f / rate;
        x[i] = sin(phase);
    }
    gc_cadence_workspace *w = gc_cadence_alloc(800, gc_cadence_nbins(800, rate, 11.0));
    size_t count = gc_cadence_track_count(N, 800, 100);
    CHECK(count == 53);
    double t[53], f[53], q[53];
    x[3050] = NAN;  /* windows 23..30 hold this sample */
    CHECK(gc_cadence_track(w, x, N, rate, 100, GC_CADENCE_AUTO, 1.0, 5.0, t, f, q) == GC_OK);
    for (size_t i = 0; i < count; i++) {
        CHECK_CLOSE(t[i], (double)i + 4.0, 1e-12);
        if (i >= 23 && i <= 30) {
            CHECK(isnan(f[i]) && isnan(q[i]));
        } else {
            double want = 2.5 + 0.6 * t[i] * rate / N;
            CHECK(fabs(f[i] - want) < 0.01);
        }
    }
    x[5] = -INFINITY;
    CHECK(gc_cadence_track(w, x, N, rate, 100, GC_CADENCE_AUTO, 1.0, 5.0, t, f, q) == GC_ENOTFINITE);
    CHECK(gc_cadence_track(w, x, N, rate, 0, GC_CADENCE_AUTO, 1.0, 5.0, t, f, q) == GC_EINVAL);
    CHECK(gc_cadence_track_count(799, 800, 100) == 0);
    gc_cadence_free(w);
    free(x);
}

int main(void)
{
    gc_test_init();
    test_nfft();
    test_welch_against_naive_dft();
    test_welch_segments_and_scaling();
    test_parabolic_peak();
    test_estimate_step_and_stride();
    test_track();
    return gc_test_report("test_cadence");
}
