/*
 * gaitcore.h -- the public C API of the gaitcore analysis core.
 *
 * Pure C11 + GSL; no Python here.  Conventions (after GSL and bottleneck):
 *   - every function is gc_<module>_<verb> and returns an int status (GC_OK == 0);
 *   - results are written through output pointers; the caller owns all memory
 *     (workspaces come in _alloc/_free pairs);
 *   - nothing prints, aborts or longjmps; the caller must switch GSL's error
 *     handler off (gsl_set_error_handler_off) before calling into the core.
 *
 * Array layout: an array is seen as (outer, n, inner) in C order, the analysed axis
 * being the middle one; element (o, t, i) sits at index (o * n + t) * inner + i.
 * This lets the Python glue pass any C-contiguous array and any axis without copies.
 */
#ifndef GAITCORE_H
#define GAITCORE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- status codes ------------------------------------------------------ */
enum gc_status {
    GC_OK = 0,
    GC_EINVAL = 1,       /* an argument is out of its domain                  */
    GC_ENOMEM = 2,       /* allocation failed                                 */
    GC_ENOTFINITE = 3,   /* input holds +-inf (NaN is a gap, inf is an error)  */
    GC_ETOOSHORT = 4,    /* not enough samples for the requested operation     */
    GC_ENODATA = 5,      /* no usable (finite) data                            */
    GC_ENOCONV = 6,      /* an iterative solver did not converge               */
    GC_EGSL = 7          /* a GSL routine reported an error                    */
};

/* A static English description of a status code. */
const char *gc_strerror(int status);

/* ---- filter: Butterworth low-pass, zero lag -------------------------------- */
#define GC_FILTER_MAX_ORDER 8

/* Digital Butterworth low-pass of the given order and normalised cutoff wn
 * (0 < wn < 1, 1 = Nyquist), designed by the bilinear transform with
 * pre-warping.  Writes order + 1 coefficients to b and to a (a[0] == 1). */
int gc_filter_butter_lowpass(size_t order, double wn, double *b, double *a);

/* Samples of odd-extension padding used at each end: 3 * (order + 1). */
size_t gc_filter_padlen(size_t order);

typedef struct gc_filter_workspace gc_filter_workspace;

/* Workspace for filtering signals of up to max_n samples with an order-`order`
 * filter.  Returns NULL when out of memory or order is out of range. */
gc_filter_workspace *gc_filter_alloc(size_t order, size_t max_n);
void gc_filter_free(gc_filter_workspace *w);

/* Forward-backward filtering (b, a of length order + 1, a[0] == 1) of every
 * finite run of x along its middle axis: each run is padded by odd extension,
 * started from the steady-state initial conditions, filtered forward, then
 * backward.  NaN samples stay NaN.  A finite run of padlen samples or fewer is
 * copied unfiltered.  Returns GC_ENOTFINITE on +-inf.  x and y may alias. */
int gc_filter_filtfilt(gc_filter_workspace *w, const double *b, const double *a,
                       const double *x, double *y,
                       size_t outer, size_t n, size_t inner);

/* ---- gaps: cubic-spline filling of short NaN runs ---------------------------- */

/* Fill every interior NaN run of at most max_gap samples along the middle axis
 * with a natural cubic spline (GSL) through up to `support` valid samples on
 * each side (at least 2 each side are required, otherwise the run is left NaN).
 * Runs touching either end are never filled (no extrapolation).  filled[k] is
 * set to 1 for each sample written, 0 elsewhere.  x and y must not alias. */
int gc_gaps_fill(const double *x, double *y, uint8_t *filled,
                 size_t outer, size_t n, size_t inner,
                 size_t max_gap, size_t support);

/* ---- cadence: spectral step frequency (Welch PSD, GSL FFT) ------------------ */

/* Zero-padding factor: the FFT length is the smallest power of two >= this times
 * the segment length. */
#define GC_CADENCE_PAD 4
/* Auto reading: a largest peak below this frequency is taken for the stride
 * frequency when its second harmonic (within +-5%) holds >= 0.3 of its power. */
#define GC_CADENCE_STRIDE_MAX_HZ 2.0
#define GC_CADENCE_HARMONIC_TOL 0.05
#define GC_CADENCE_HARMONIC_POWER 0.3

enum gc_cadence_kind {
    GC_CADENCE_AUTO = 0,    /* step or stride, decided by the harmonic check        */
    GC_CADENCE_STEP = 1,    /* the largest in-band peak is the step frequency       */
    GC_CADENCE_STRIDE = 2   /* the largest in-band peak is the stride frequency     */
};

typedef struct {
    double step_hz;   /* step frequency (Hz); NaN when the band holds no peak      */
    double peak_hz;   /* refined frequency of the largest in-band peak (Hz)        */
    int harmonic;     /* 1: that peak is the step; 2: it is the stride (step = 2x) */
    double quality;   /* power within the step peak's main lobe / band power, 0..1 */
} gc_cadence_result;

/* FFT length used for segments of nperseg samples (0 on overflow). */
size_t gc_cadence_nfft(size_t nperseg);

/* Number of PSD bins, from 0 Hz, that cover [0, fmax_hz] plus the bin above it
 * (at most nfft / 2 + 1) for segments of nperseg samples at `rate`; 0 on bad input. */
size_t gc_cadence_nbins(size_t nperseg, double rate, double fmax_hz);

typedef struct gc_cadence_workspace gc_cadence_workspace;

/* Workspace (Hann window, GSL real-FFT wavetable and workspace, twiddles, buffers)
 * for Welch segments of nperseg >= 4 samples and a PSD of the first nbins bins
 * (3 <= nbins <= nfft / 2 + 1); reused across columns and windows.  Only the low
 * bins are computed (a pruned decimation-in-time DFT, see gc_cadence.c).  NULL when
 * out of memory or an argument is out of range. */
gc_cadence_workspace *gc_cadence_alloc(size_t nperseg, size_t nbins);
void gc_cadence_free(gc_cadence_workspace *w);
/* Number of PSD bins computed (nbins). */
size_t gc_cadence_nfreq(const gc_cadence_workspace *w);
/* FFT length nfft: bin k is at k * rate / nfft. */
size_t gc_cadence_fft_length(const gc_cadence_workspace *w);
/* Segment length nperseg. */
size_t gc_cadence_segment_length(const gc_cadence_workspace *w);

/* Welch PSD of x[0], x[stride], ... x[(n-1)*stride] (n >= nperseg, all finite):
 * segments of nperseg samples with 50% overlap (step nperseg - nperseg/2), each
 * linearly detrended, Hann-windowed (periodic) and zero-padded to nfft; the
 * one-sided density scaled as scipy.signal.welch(scaling="density"), in
 * units^2/Hz, averaged over segments.  psd holds gc_cadence_nfreq(w) values at
 * frequencies k * rate / nfft.  GC_ENODATA on NaN, GC_ENOTFINITE on +-inf. */
int gc_cadence_welch(gc_cadence_workspace *w, const double *x, size_t n, size_t stride,
                     double rate, double *psd);

/* Largest local maximum of psd among the bins within half a bin of [lo_hz, hi_hz]
 * (bin spacing df), refined by a
 * parabola through log power at bins k-1, k, k+1: f = (k + d) df with
 * d = 0.5 (a - c) / (a - 2b + c).  *f_hz = NaN (and *k_peak = 0) when the band
 * holds no local maximum of positive power. */
int gc_cadence_peak(const double *psd, size_t nfreq, double df, double lo_hz, double hi_hz,
                    double *f_hz, size_t *k_peak);

/* Step frequency from a PSD: peak search in [lo_hz, hi_hz], refinement, the
 * harmonic reading of `kind`, and the quality (lobe_hz: half-width of the
 * window's main lobe, 2 / segment duration for Hann). */
int gc_cadence_estimate(const double *psd, size_t nfreq, double df, int kind,
                        double lo_hz, double hi_hz, double lobe_hz, gc_cadence_result *res);

/* gc_cadence_welch then gc_cadence_estimate; psd may be NULL (workspace buffer). */
int gc_cadence_compute(gc_cadence_workspace *w, const double *x, size_t n, size_t stride,
                       double rate, int kind, double lo_hz, double hi_hz, double *psd,
                       gc_cadence_result *res);

/* Number of windows of nperseg samples, hop samples apart, in n samples. */
size_t gc_cadence_track_count(size_t n, size_t nperseg, size_t hop);

/* Sliding cadence: window i covers x[i*hop .. i*hop + nperseg) (one Welch
 * segment, the workspace's nperseg); writes its centre time (s), step
 * frequency (Hz) and quality.  A window holding NaN gives NaN step_hz and
 * quality; +-inf anywhere is GC_ENOTFINITE. */
int gc_cadence_track(gc_cadence_workspace *w, const double *x, size_t n, double rate,
                     size_t hop, int kind, double lo_hz, double hi_hz,
                     double *time_s, double *step_hz, double *quality);

#ifdef __cplusplus
}
#endif
#endif /* GAITCORE_H */
