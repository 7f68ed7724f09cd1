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
 * pre-warping.  Writes order + 1 coefficients to b and to a (a[0] == 1), equal to
 * scipy.signal.butter(order, wn).  For reference only: this polynomial form is
 * ill-conditioned at low wn and high order; the core filters in sections. */
int gc_filter_butter_lowpass(size_t order, double wn, double *b, double *a);

/* Number of second-order sections of an order-`order` filter: (order + 1) / 2. */
size_t gc_filter_n_sections(size_t order);

/* The same filter as gc_filter_n_sections(order) second-order sections, rows
 * [b0 b1 b2 1 a1 a2] (scipy's sos layout, 6 doubles each), every section of unit DC
 * gain with its zeros at z = -1; for odd orders the first section is first-order
 * (b2 = a2 = 0).  The pole pairs run from the most damped to the least damped. */
int gc_filter_butter_sos(size_t order, double wn, double *sos);

/* Samples of odd-extension padding used at each end: 3 * (order + 1). */
size_t gc_filter_padlen(size_t order);

typedef struct gc_filter_workspace gc_filter_workspace;

/* Workspace holding the sections of the order-`order` low-pass at wn and a buffer
 * for signals of up to max_n samples.  Returns NULL when out of memory, when order
 * or wn is out of range, or when the buffer size would overflow. */
gc_filter_workspace *gc_filter_alloc(size_t order, double wn, size_t max_n);
void gc_filter_free(gc_filter_workspace *w);

/* Copy the workspace's sections (gc_filter_n_sections(order) x 6) to sos. */
int gc_filter_sos(const gc_filter_workspace *w, double *sos);

/* Zero-lag filtering with the workspace's sections of every finite run of x along
 * its middle axis, as scipy.signal.sosfiltfilt: each run is padded by odd extension,
 * every section started from its steady-state initial conditions, filtered forward,
 * then backward.  The run is filtered as x0 + filter(x - x0), x0 its first sample,
 * which is exact for the unit DC gain and keeps constants constant.  NaN samples stay
 * NaN.  A finite run of padlen samples or fewer is copied unfiltered.  Returns
 * GC_ENOTFINITE on +-inf, GC_EINVAL if n > max_n.  x and y may alias. */
int gc_filter_filtfilt(gc_filter_workspace *w, const double *x, double *y,
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
/* ---- spm: t distribution, smoothness, random field theory (SPM{t}) ---------- */
/* Curves are J x Q arrays in C order (J curves of Q nodes).  Formulas: docs/methods.md D
 * (Worsley 1996; Friston 2007); implemented from the formulas, not ported from spm1d. */

/* Upper tail P(T_df > t) and its inverse (GSL's t distribution), df > 0. */
int gc_spm_t_sf(double t, double df, double *p);
int gc_spm_t_isf(double p, double df, double *t);

/* Effective df of the two-sample test without assuming equal group variances (spm1d's
 * ttest2(equal_var=False)); t and the smoothness are those of the pooled two-sample GLM
 * (gc_glm_fit; the t tests are GLM designs).  Error covariance
 * h_a I_a (+) h_b I_b with h from ReML (Friston et al. 2002, NeuroImage 16:465; Fisher scoring
 * as in SPM's spm_reml) on the node columns scaled to unit pooled variance;
 * df = tr(RV)^2 / tr(RVRV) (Satterthwaite), between min(Ja, Jb) - 1 and Ja + Jb - 2.
 * GC_ETOOSHORT if Ja < 2, Jb < 2 or Q < 2; GC_ENOTFINITE on NaN/inf; GC_EINVAL if a node has
 * zero pooled variance or a group has zero variance (up to rounding, as gc_glm_fit) at
 * every node. */
int gc_spm_ttest2_reml_df(const double *ya, size_t Ja, const double *yb, size_t Jb, size_t Q,
                          double *df);

/* Smoothness of residuals r (J x Q, Q >= 2): with d = numpy.gradient-style derivative
 * along Q (central inside, one-sided at the ends), v_q = sum_j d_jq^2 / sum_j r_jq^2 and
 * fwhm = 1 / mean_q sqrt(v_q / (4 ln 2)).  GC_EINVAL on a zero-variance node or a
 * perfectly flat residual field (infinite FWHM). */
int gc_spm_fwhm(const double *resid, size_t J, size_t Q, double *fwhm);

/* Euler-characteristic densities of a T field (df > 0): rho[0] = P(T > u),
 * rho[1] = sqrt(4 ln 2) / (2 pi) (1 + u^2/df)^(-(df-1)/2), each clipped at 2.22e-16. */
int gc_spm_ec_density(double u, double df, double rho[2]);

/* Expected Euler characteristic E_c(u) = r0 rho0 + r1 rho1. */
int gc_spm_expected_ec(double u, double df, double r0, double r1, double *ec);

/* Probability that the field maximum exceeds u: 1 - exp(-(E_c + eps)); when nodes > 0
 * capped by the Bonferroni bound nodes * rho0; floored at rho0. */
int gc_spm_p_max(double u, double df, double r0, double r1, size_t nodes, double *p);

/* Critical threshold u with gc_spm_p_max(u) == alpha (0 < alpha < 0.5, df > 1): GSL Brent
 * from t_isf(alpha / (r0 + r1)) inside a bracket expanded until it holds the root
 * (thresholds above 100 are found).  GC_ENOCONV if no root is bracketed. */
int gc_spm_threshold(double alpha, double df, double r0, double r1, size_t nodes, double *u);

/* One-tailed p of a cluster of extent k_resels whose minimum height is h. */
int gc_spm_p_cluster(double k_resels, double h, double df, double r0, double r1, double *p);

/* One-tailed set-level p of c clusters above u, the smallest of extent k_min_resels:
 * 1 - PoissonCDF(c - 1; E_c(u) p_k(k_min)).  c == 0 gives 1. */
int gc_spm_p_set(size_t c, double k_min_resels, double u, double df, double r0, double r1,
                 double *p);

typedef struct {
    double x0, x1;          /* endpoints in node units, interpolated to the threshold */
    double extent;          /* x1 - x0 (1 for a single node without interpolation) */
    double extent_resels;   /* extent / fwhm */
    double height;          /* minimum |t| over the cluster incl. interpolated ends */
    double p;               /* cluster p (two-tailed: doubled, capped at 1) */
    int sign;               /* +1: t >= u; -1: t <= -u */
} gc_spm_cluster;

/* Suprathreshold clusters of the t curve z (Q nodes) at threshold u > 0, sorted by x0;
 * both tails if two_tailed.  At most Q clusters are written to out (room for Q needed).
 * p_set receives the set-level p (doubled and capped when two-tailed; 1 if none). */
int gc_spm_clusters(const double *z, size_t Q, double u, double df, double fwhm,
                    double r0, double r1, int two_tailed, gc_spm_cluster *out,
                    size_t *n_clusters, double *p_set);

/* ---- spm fields: T and F statistics for the GLM (gc_glm.c) ------------------- */
/* A statistical field: kind GC_FIELD_T (df2 = error df; df1 ignored) or GC_FIELD_F
 * (df1 = numerator df >= 1, df2 = denominator df).  Same RFT as the t functions above with
 * the F field's EC densities (Worsley et al. 1996, Table 2). */
enum gc_field_kind { GC_FIELD_T = 0, GC_FIELD_F = 1 };
typedef struct {
    int kind;
    double df1, df2;
} gc_spm_field;

/* gc_spm_field_rft what: expected EC at u; p of the field maximum (extra = nodes for the
 * Bonferroni cap, 0 for none); one-tailed cluster p (extra = extent in resels, u = height);
 * the EC densities rho0 and rho1 at u. */
enum gc_rft_what { GC_RFT_EC = 0, GC_RFT_P_MAX = 1, GC_RFT_P_CLUSTER = 2, GC_RFT_RHO0 = 3,
                   GC_RFT_RHO1 = 4 };
int gc_spm_field_rft(const gc_spm_field *field, int what, double u, double r0, double r1,
                     double extra, double *out);
/* Critical threshold of a T or F field (see gc_spm_threshold). */
int gc_spm_field_threshold(const gc_spm_field *field, double alpha, double r0, double r1,
                           size_t nodes, double *u);
/* Clusters of a T or F field (see gc_spm_clusters); an F field is always one-tailed. */
int gc_spm_field_clusters(const gc_spm_field *field, const double *z, size_t Q, double u,
                          double fwhm, double r0, double r1, int two_tailed, gc_spm_cluster *out,
                          size_t *n_clusters, double *p_set);

/* ---- glm: general linear model over curves ------------------------------------ */
/* Y (n x Q) = X (n x p) B + E, OLS at every node from one Householder QR of X (GSL); X must
 * have full column rank p < n.  Contrast C (k x p, full row rank k): k == 1 and stat
 * GC_FIELD_T gives t = c'b / sqrt(c'(X'X)^-1 c s^2); otherwise F = (C b)' (C (X'X)^-1 C')^-1
 * (C b) / k / s^2, s^2 = SSE / (n - p).  With an error contrast Ce (ke x p, else NULL) the
 * denominator is that contrast's sum of squares over ke instead of s^2 (repeated-measures
 * error terms), df = (k, ke).  The smoothness (gc_spm_fwhm) is that of the residuals of Xr
 * (n x pr, NULL: X itself).  Outputs: z[Q], df[2] = (k, error df), fwhm.
 * GC_EINVAL: rank-deficient X or C, bad sizes, zero error variance at a node (up to
 * rounding), flat residual field; GC_ENOTFINITE: NaN or inf in y. */
typedef struct {
    const double *X;   /* n x p design */
    size_t n, p;
    const double *C;   /* k x p contrast */
    size_t k;
    int stat;          /* GC_FIELD_T (k == 1) or GC_FIELD_F */
    const double *Ce;  /* ke x p error-term contrast or NULL (residual error) */
    size_t ke;
    const double *Xr;  /* n x pr design whose residuals give the smoothness, or NULL */
    size_t pr;
} gc_glm_design;

int gc_glm_fit(const gc_glm_design *d, const double *y, size_t Q, double *z, double df[2],
               double *fwhm);

/* Permutation distribution of the GLM statistic.  Permutation i maps observation j to row
 * src[i n + j] of y, multiplied by sign[i n + j] (+1 or -1; sign NULL: all +1).  For every
 * permutation the statistic field is written to fields[i Q ...] (n_perm x Q; fields NULL: not
 * kept) and its maximum (of |z| when two_tailed) to zmax[i].  Work is split over n_threads threads
 * (>= 1); every permutation's output depends on its indices only, so the result does not
 * depend on the thread count. */
int gc_glm_permute(const gc_glm_design *d, const double *y, size_t Q, const size_t *src,
                   const signed char *sign, size_t n_perm, int two_tailed, int n_threads,
                   double *fields, double *zmax);

/* Random permutations drawn in the C core: permutation i (i >= 1) comes from its own splitmix64
 * stream seeded by (seed, i), so the draw does not depend on the threads; permutation 0 is the
 * identity.  Blocks b = 0 .. n_blocks - 1 list rows block_rows[block_start[b] .. block_start[b + 1]
 * - 1] (every row once; block_rows NULL only with sign_flip: one sign per row).  Schemes
 * (restricted exchangeability, Winkler et al. 2014, NeuroImage 92:381):
 *   sign_flip, no blocks: a random sign per row (one-sample and paired tests);
 *   sign_flip with blocks: one random sign per block (whole-block sign flips);
 *   whole: blocks exchanged as wholes (row k of a block takes row k of the block moved there)
 *     among the blocks of the same group g, blocks group_start[g] .. group_start[g + 1] - 1
 *     (group_start NULL: one group); blocks of a group must have equal sizes;
 *   otherwise: a Fisher-Yates shuffle of the rows within each block (one block of all rows for
 *     an unrestricted permutation). */
typedef struct {
    uint64_t seed;
    int sign_flip;
    const size_t *block_rows, *block_start;
    size_t n_blocks;
    int whole;
    const size_t *group_start;
    size_t n_groups;
    const size_t *draws;  /* NULL: permutations 0 .. n_perm - 1 of the stream; else these n_perm */
} gc_glm_random;

int gc_glm_permute_random(const gc_glm_design *d, const double *y, size_t Q,
                          const gc_glm_random *random, size_t n_perm, int two_tailed,
                          int n_threads, double *fields, double *zmax);

/* Cluster mass: for each of n_fields fields (Q nodes) above u (|z| when two_tailed), the
 * largest integral of (z - u) over a run of suprathreshold nodes of one sign (trapezoid over
 * the run's nodes, a single node counts z - u); 0 without a run. */
int gc_spm_max_cluster_mass(const double *fields, size_t n_fields, size_t Q, double u,
                            int two_tailed, double *mass);

/* ---- cycles: time normalisation of gait cycles ------------------------------ */
enum gc_interp_kind { GC_INTERP_LINEAR = 0, GC_INTERP_CUBIC = 1, GC_INTERP_STEFFEN = 2 };

/* Resample each cycle [starts_s[c], ends_s[c]] of x (n samples x inner channels,
 * sample k at time k / rate) at `points` equally spaced times (endpoints included),
 * into out (n_cycles x points x inner).  Event times are sub-sample; positions are
 * t * rate in sample units and must lie in [0, n - 1].  Linear interpolation equals
 * numpy.interp; cubic is GSL's natural cubic spline and Steffen GSL's monotone spline,
 * both through the cycle's samples plus up to 3 samples of margin each side.
 * NaN: per cycle and channel, if the NaN share of the samples the cycle spans exceeds
 * nan_tolerance (0..1), or a sample bracketing either end of the cycle is NaN (would
 * need extrapolation), the whole cycle/channel is NaN; otherwise the interpolant runs
 * through the finite samples only (gaps bridged).  GC_ENOTFINITE on +-inf. */
int gc_cycles_normalize(const double *x, size_t n, size_t inner, double rate,
                        const double *starts_s, const double *ends_s, size_t n_cycles,
                        size_t points, int kind, double nan_tolerance, double *out);

/* ---- events: foot contacts from a vertical force ---------------------------- */

/* Flags of a contact (bitwise or). */
enum gc_contact_flag {
    GC_CONTACT_PARTIAL_START = 1, /* already loaded at the first sample: on_s is NaN  */
    GC_CONTACT_PARTIAL_END = 2,   /* still loaded at the last sample: off_s is NaN    */
    GC_CONTACT_TOUCHES_NAN = 4,   /* a NaN sample lies inside the contact or across   */
                                  /* one of its crossings (that crossing is then NaN) */
    GC_CONTACT_MERGED = 8         /* joined across a flight shorter than min_flight   */
};

/* One contact: on and off times in seconds from sample 0 (sample k at k / rate),
 * NaN where unknown (see the flags). */
typedef struct {
    double on_s;
    double off_s;
    unsigned flags;
} gc_contact;

/* Capacity that gc_events_contacts needs for n samples: n / 2 + 1. */
size_t gc_events_max_contacts(size_t n);

/* Contacts in the vertical force fz[0..n) sampled at `rate` Hz, in one pass with
 * hysteresis: a contact starts when fz rises from below on_threshold to >= it and
 * ends when fz falls below off_threshold (0 < off_threshold <= on_threshold).  Both
 * times are placed between the two samples bracketing the crossing by linear
 * interpolation.  A flight shorter than min_flight_s joins its two contacts into one
 * (flag MERGED; the plate was still loaded in the min_flight_s before that IC, so
 * the dip was threshold chatter, docs/methods.md A.4); a contact with known on and off
 * shorter than min_contact_s is dropped.  Partial contacts (loaded at the first or
 * last sample) and contacts whose crossing falls in a NaN gap are kept, flagged,
 * with the unknown time NaN.  out must hold max_out >= gc_events_max_contacts(n)
 * contacts; *n_out receives the number written.  GC_ENOTFINITE on +-inf. */
int gc_events_contacts(const double *fz, size_t n, double rate,
                       double on_threshold, double off_threshold,
                       double min_contact_s, double min_flight_s,
                       gc_contact *out, size_t max_out, size_t *n_out);

/* Drift baseline of a treadmill force (dryft, docs/methods.md A.5): the mean of the
 * finite samples in the middle third of every flight (before the first contact,
 * between contacts, after the last) is a knot at that third's centre; baseline[0..n)
 * is the natural cubic spline through the knots (GSL; linear for 2 knots, constant
 * for 1), held constant outside the first and last knots.  GC_ENODATA when no flight
 * has a finite sample. */
int gc_events_flight_baseline(const double *fz, size_t n, double rate,
                              const gc_contact *contacts, size_t n_contacts,
                              double *baseline);

/* ---- kinematics: segment frames, joint centres, Cardan angles ---------------
 *
 * Points are (n, 3) arrays, row t = (x, y, z) of frame t, in any right-handed lab
 * frame (mm).  A segment frame is an (n, 3, 3) array: frames[t][i][j] is component i
 * of axis j, i.e. the columns are the unit axes in lab coordinates.  Segment axes
 * follow ISB (docs/methods.md C): x anterior, y superior (along the long axis), z to the
 * right, for both sides.  A frame whose inputs hold NaN, or whose geometry is
 * degenerate, comes out as a NaN row; +-inf gives GC_ENOTFINITE.  side is +1 for
 * right, -1 for left.                                                          */

enum gc_kin_hjc_method { GC_KIN_HJC_HARRINGTON = 0, GC_KIN_HJC_DAVIS = 1 };

typedef struct {
    int method;                  /* enum gc_kin_hjc_method                         */
    double pelvic_width_mm;      /* inter-ASIS distance (Harrington PW, Davis IAD)  */
    double pelvic_depth_mm;      /* mid-ASIS to mid-PSIS (Harrington PD)            */
    double leg_length_mm;        /* Davis LL; Harrington leg-length variant         */
    double asis_trochanter_mm;   /* Davis ATD; NaN: 0.1288 LL - 48.56               */
    double marker_radius_mm;     /* Davis m (7 mm)                                  */
    int harrington_leg_length;   /* 1: Harrington's PW + LL regression              */
} gc_kin_hjc_params;

/* Pelvis: origin = mid-ASIS, z = unit(RASI - LASI), x = mid-ASIS - mid-PSIS made
 * orthogonal to z, y = z x x.  Pass the sacrum as both lpsi and rpsi. */
int gc_kin_pelvis(size_t n, const double *lasi, const double *rasi, const double *lpsi,
                  const double *rpsi, double *origin, double *frames);

/* Hip joint centre of one side from the pelvis origin and frames (Davis or Harrington). */
int gc_kin_hjc(size_t n, const double *origin, const double *frames,
               const gc_kin_hjc_params *p, int side, double *hjc);

/* Chord method: the joint centre J lies in the plane (wand, prox, lat) at distance
 * delta from the lateral marker lat, with (J - lat) perpendicular to (prox - J).  Of
 * the two such points, the one on the side of the line lat-prox that `medial` (an
 * (n, 3) direction, e.g. -side times the pelvis z axis) points to. */
int gc_kin_chord(size_t n, const double *prox, const double *wand, const double *lat,
                 const double *medial, double delta, double *jc);

/* Thigh or shank: y = unit(prox_jc - dist_jc); x = y x (lat - prox_jc) on the right,
 * (lat - prox_jc) x y on the left; z = x x y. */
int gc_kin_segment(size_t n, const double *prox_jc, const double *dist_jc, const double *lat,
                   int side, double *frames);

/* Foot: x = unit(toe - ajc); z = the shank's z made orthogonal to x; y = z x x. */
int gc_kin_foot(size_t n, const double *ajc, const double *toe, const double *shank_frames,
                double *frames);

/* Thorax: upper = mid(CLAV, C7), lower = mid(STRN, T10), y = unit(upper - lower),
 * anterior = mid(CLAV, STRN) - mid(C7, T10), z = unit(anterior x y), x = y x z;
 * origin = CLAV - 7 mm along x.  t10 may be NULL: then lower = STRN and
 * anterior = mid(CLAV, STRN) - C7. */
int gc_kin_thorax(size_t n, const double *c7, const double *t10, const double *clav,
                  const double *strn, double *origin, double *frames);

/* Technical frame of a 3-marker cluster: origin m1, x = unit(m2 - m1),
 * z = unit(x x (m3 - m1)), y = z x x. */
int gc_kin_cluster(size_t n, const double *m1, const double *m2, const double *m3,
                   double *origin, double *frames);

/* Least-squares rigid fit of a cluster (Soderkvist & Wedin 1993): for each of n
 * frames, rot (row-major 3x3, det +1) and trans with pts[t][i] ~ rot ref[i] + trans over
 * the k markers finite in that frame (ref k x 3, pts n x k x 3).  A frame with fewer than
 * 3 finite markers, or with them in a line, is a gap: NaN.  GC_ENOTFINITE on +-inf.
 * Closed form (Horn 1987 quaternion, QCP eigenvalue), the SVD for near-degenerate frames. */
int gc_cluster_rigid_fit(size_t n, size_t k, const double *ref, const double *pts, double *rot,
                         double *trans);
/* The same fit with a 3x3 SVD in every frame (the reference gc_cluster_rigid_fit is tested
 * against, and its fallback). */
int gc_cluster_rigid_fit_svd(size_t n, size_t k, const double *ref, const double *pts, double *rot,
                             double *trans);

/* Functional joint centre by SCoRE (Ehrig et al. 2006, J Biomech 39:2798): with the proximal
 * and distal segments' poses per frame (rot row-major 3x3, p_lab = rot p_local + org), the
 * local points c_p, c_t minimising sum_t |rot_p c_p + org_p - rot_t c_t - org_t|^2, by SVD of
 * the stacked (3m x 6) system over the m frames where both poses are finite.  rms_mm: RMS
 * per-frame distance of the two estimates; conditioning: smallest / largest singular value
 * (near 0 when the motion does not determine the centre, e.g. rotation about one axis).
 * GC_ETOOSHORT with fewer than 3 usable frames, GC_ENOTFINITE on +-inf. */
int gc_cluster_score(size_t n, const double *rot_p, const double *org_p, const double *rot_t,
                     const double *org_t, double *c_p, double *c_t, double *rms_mm,
                     double *conditioning);

/* Lab point -> local coordinates of a frame, and back. */
int gc_kin_to_local(size_t n, const double *origin, const double *frames, const double *p,
                    double *local);
int gc_kin_to_global(size_t n, const double *origin, const double *frames, const double *local,
                     double *p);

/* Horizontal direction of travel: the displacement of `origin` between its first
 * and last finite rows when it exceeds min_displacement_mm (overground), else the
 * mean horizontal anterior (x) axis of `frames` (treadmill).  up is the lab's unit
 * vertical.  *treadmill is set to 1 in the second case.  GC_ENODATA when neither
 * can be found. */
int gc_kin_travel_direction(size_t n, const double *origin, const double *frames,
                            const double up[3], double min_displacement_mm, double dir[3],
                            int *treadmill);

/* Progression frame (ISB): x = dir made horizontal, y = up, z = x x y. */
int gc_kin_progression_frame(const double dir[3], const double up[3], double frame[9]);

enum gc_kin_sequence {
    GC_KIN_SEQ_ZXY = 0,  /* R = Rz(a) Rx(b) Ry(c): ISB/Grood-Suntay joints, PiG pelvis */
    GC_KIN_SEQ_YXZ = 1,  /* R = Ry(a) Rx(b) Rz(c): Baker's rotation-obliquity-tilt     */
    GC_KIN_SEQ_ZYX = 2   /* R = Rz(a) Ry(b) Rx(c): Plug-in Gait's ankle               */
};

/* Cardan angles (radians, in the order of the rotations) of R = prox^T dist for each
 * frame.  prox_stride is 9 (one proximal frame per row) or 0 (one constant frame,
 * e.g. the progression frame).  out is (n, 3). */
int gc_kin_cardan(size_t n, const double *prox, size_t prox_stride, const double *dist,
                  int sequence, double *out);

enum gc_kin_joint {
    GC_KIN_HIP = 0, GC_KIN_KNEE = 1, GC_KIN_ANKLE = 2,
    GC_KIN_SEGMENT_BAKER = 3,  /* pelvis/thorax vs progression, rotation-obliquity-tilt */
    GC_KIN_SEGMENT_PIG = 4,    /* pelvis/thorax vs progression, tilt-obliquity-rotation */
    GC_KIN_ANKLE_PIG = 5       /* ankle in Plug-in Gait's flexion-rotation-inversion order */
};

/* Clinical angles in degrees, (n, 3), columns (sagittal, frontal, transverse):
 *   hip:   flexion +,  adduction +,  internal rotation +
 *   knee:  flexion +,  adduction (varus) +, internal rotation +
 *   ankle: dorsiflexion +, inversion (adduction) +, internal rotation +  (ISB Z-X-Y)
 *   ankle_pig: Z-Y-X (flexion, rotation, inversion): dorsiflexion +, -side * (rotation
 *          about the foot's x axis) as Plug-in Gait's second component, internal rotation +
 *   segment (pelvis/thorax): anterior tilt +, obliquity with the `side` side up +,
 *          rotation with the `side` side forward +.
 * side: +1 right, -1 left (frontal and transverse components change sign). */
int gc_kin_angles(size_t n, const double *prox, size_t prox_stride, const double *dist,
                  int joint, int side, double *out_deg);

/* Lean of top - bottom in the sagittal plane of the progression frame, degrees:
 * atan2(e . x, e . y), positive forward. */
int gc_kin_lean(size_t n, const double *top, const double *bottom, const double prog[9],
                double *out_deg);

/* ---- C3D data section (gc_c3d.c) ----------------------------------------- */

enum gc_c3d_processor { GC_C3D_INTEL = 84, GC_C3D_DEC = 85, GC_C3D_MIPS = 86 };

/* What the header and parameters say about the data section (validated by the caller). */
struct gc_c3d_layout {
    int processor;           /* GC_C3D_INTEL (little-endian IEEE), _DEC (VAX F floats), _MIPS (big-endian) */
    int is_float;            /* 1: 32-bit float samples (POINT:SCALE < 0); 0: 16-bit integers          */
    int analog_unsigned;     /* integer storage only: analog words are uint16 (ANALOG:FORMAT UNSIGNED)  */
    size_t n_frames;         /* 3D frames                                                               */
    size_t n_points;         /* POINT:USED                                                              */
    size_t n_analog;         /* ANALOG:USED                                                             */
    size_t analog_per_frame; /* analog samples per channel per 3D frame                                 */
    double point_scale;      /* |POINT:SCALE|: integer coordinates and residuals are multiplied by it  */
};

/* Bytes of the data section the layout describes; GC_EINVAL on a bad processor or on
 * a size that overflows size_t (a corrupt header must not wrap around). */
int gc_c3d_data_size(const struct gc_c3d_layout *layout, size_t *n_bytes);

/* Decode the data section `data` (n_bytes available) into
 *   xyz      (n_points, n_frames, 3): coordinates in file units (integer storage scaled);
 *   residual (n_points, n_frames):    residual in file units, -1 where the point is invalid
 *                                     (fourth word negative);
 *   analog   (n_analog, n_frames * analog_per_frame): (sample - offset[c]) * scale[c], where
 *            `scale` already includes ANALOG:GEN_SCALE and `offset` is in raw sample units.
 * Any output may be NULL to skip it.  GC_EINVAL when n_bytes is shorter than the layout
 * needs: nothing is read past data + n_bytes. */
int gc_c3d_decode(const unsigned char *data, size_t n_bytes, const struct gc_c3d_layout *layout,
                  const double *analog_offset, const double *analog_scale,
                  double *xyz, double *residual, double *analog);

/* ---- numeric tables of text files (gc_text.c) -------------------------------- */

/* Lines of buf holding anything but blanks and tabs (the data rows). */
int gc_text_count_rows(const char *buf, size_t len, size_t *n_rows);

/* Parse n_rows data rows (blank lines skipped) into out (n_rows, n_cols), C order.  Cells are
 * tab-separated (whitespace == 0: an empty cell is NaN) or separated by runs of blanks
 * (whitespace == 1); missing cells at the end of a row are NaN; "nan" is NaN; numbers beyond
 * double range come out as +-inf.  GC_EINVAL, with *bad_row and *bad_col (1-based) set, on a
 * cell that is not a number or a row with more non-empty cells than n_cols. */
int gc_text_parse(const char *buf, size_t len, int whitespace, size_t n_cols, size_t n_rows, double *out,
                  size_t *bad_row, size_t *bad_col);

#ifdef __cplusplus
}
#endif
#endif /* GAITCORE_H */
