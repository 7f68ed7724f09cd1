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
 * the dip was threshold chatter, METHODS.md A.4); a contact with known on and off
 * shorter than min_contact_s is dropped.  Partial contacts (loaded at the first or
 * last sample) and contacts whose crossing falls in a NaN gap are kept, flagged,
 * with the unknown time NaN.  out must hold max_out >= gc_events_max_contacts(n)
 * contacts; *n_out receives the number written.  GC_ENOTFINITE on +-inf. */
int gc_events_contacts(const double *fz, size_t n, double rate,
                       double on_threshold, double off_threshold,
                       double min_contact_s, double min_flight_s,
                       gc_contact *out, size_t max_out, size_t *n_out);

/* Drift baseline of a treadmill force (dryft, METHODS.md A.5): the mean of the
 * finite samples in the middle third of every flight (before the first contact,
 * between contacts, after the last) is a knot at that third's centre; baseline[0..n)
 * is the natural cubic spline through the knots (GSL; linear for 2 knots, constant
 * for 1), held constant outside the first and last knots.  GC_ENODATA when no flight
 * has a finite sample. */
int gc_events_flight_baseline(const double *fz, size_t n, double rate,
                              const gc_contact *contacts, size_t n_contacts,
                              double *baseline);

#ifdef __cplusplus
}
#endif
#endif /* GAITCORE_H */
