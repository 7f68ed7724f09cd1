/* gc_events.c -- foot contacts from a vertical ground reaction force.
 *
 * One pass with hysteresis (docs/methods.md A.2-A.4): UNLOADED -> LOADED when fz rises to
 * on_threshold, LOADED -> UNLOADED when it falls below off_threshold.  Crossings are
 * placed by linear interpolation between the bracketing samples.  A closed contact
 * is held back ("pending") until the next one starts, so that a flight shorter than
 * min_flight can join them, and dropped if its duration is shorter than min_contact.
 * NaN samples are gaps: the state is carried across a gap, and a state change found
 * on the far side of a gap has an unknown time (NaN), flagged TOUCHES_NAN.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_interp.h>

#include "gaitcore.h"
#include "gc_size.h"

size_t gc_events_max_contacts(size_t n) { return n / 2 + 1; }

typedef struct {
    gc_contact *out;
    size_t n_out;
    gc_contact pending;
    int has_pending;
    double min_contact_s, min_flight_s;
} contact_sink;

/* Write a closed contact unless its known duration is below min_contact. */
static void sink_emit(contact_sink *s, gc_contact c)
{
    const int known = isfinite(c.on_s) && isfinite(c.off_s);
    if (known && c.off_s - c.on_s < s->min_contact_s)
        return;
    s->out[s->n_out++] = c;
}

/* A contact starts at on_s: either it continues the pending one across a too-short
 * flight (returned merged), or the pending one is emitted and a fresh one begins. */
static gc_contact sink_start(contact_sink *s, double on_s, unsigned flags)
{
    if (s->has_pending) {
        s->has_pending = 0;
        const double flight = on_s - s->pending.off_s;
        if (isfinite(flight) && flight < s->min_flight_s) {
            gc_contact merged = s->pending;
            merged.off_s = NAN;
            merged.flags |= GC_CONTACT_MERGED | flags;
            return merged;
        }
        sink_emit(s, s->pending);
    }
    gc_contact c = {on_s, NAN, flags};
    return c;
}

static void sink_close(contact_sink *s, gc_contact c)
{
    s->pending = c;
    s->has_pending = 1;
}

/* Time (s) where the segment from (i-1, a) to (i, b) reaches level. */
static double crossing_s(size_t i, double a, double b, double level, double rate)
{
    return ((double)(i - 1) + (level - a) / (b - a)) / rate;
}

/* The scans test blocks of SCAN_BLOCK samples branch-free, two samples at a time with
 * GCC/Clang vector extensions (SSE2 on x86-64, NEON on AArch64): the comparisons of a
 * block are OR-ed into a mask, and the block that holds the change is finished sample
 * by sample.  While loaded, a block holding NaN or +inf is re-read to tell NaN (a gap)
 * from inf; while unloaded, -inf stops the block scan and is found by the sample loop. */
enum { SCAN_BLOCK = 16 };

typedef double v2d __attribute__((vector_size(16)));
typedef long long v2mask __attribute__((vector_size(16)));  /* -1 where a comparison holds */

static inline v2d load2(const double *p)
{
    v2d v;
    memcpy(&v, p, sizeof v);  /* no alignment assumed */
    return v;
}

static inline int any2(v2mask m) { return (m[0] | m[1]) != 0; }

typedef struct {
    int nan;  /* a NaN sample was passed */
    int inf;  /* an infinite sample was seen: the caller stops with GC_ENOTFINITE */
} scan_state;

static void classify(const double *x, size_t a, size_t b, scan_state *st)
{
    for (size_t k = a; k < b; k++) {
        st->nan |= isnan(x[k]);
        st->inf |= isinf(x[k]);
    }
}

/* First index >= i with x >= on (NaN never is), or n; st->inf set when -inf or +inf
 * lies before or at that index. */
static size_t scan_rise(const double *x, size_t i, size_t n, double on, scan_state *st)
{
    const v2d on2 = {on, on}, minus_inf = {-INFINITY, -INFINITY};
    while (i + SCAN_BLOCK <= n) {
        v2mask stop = {0, 0};
        for (size_t k = 0; k < SCAN_BLOCK; k += 2) {
            const v2d v = load2(x + i + k);
            stop |= (v >= on2) | (v == minus_inf);
        }
        if (any2(stop))
            break;
        i += SCAN_BLOCK;
    }
    for (; i < n && !(x[i] >= on); i++)
        if (isinf(x[i])) {
            st->inf = 1;
            return i;
        }
    if (i < n && isinf(x[i]))
        st->inf = 1;
    return i;
}

/* First index >= i with x < off (NaN never is), or n; st->nan set when a NaN lies
 * before that index. */
static size_t scan_fall(const double *x, size_t i, size_t n, double off, scan_state *st)
{
    const v2d off2 = {off, off}, plus_inf = {INFINITY, INFINITY};
    while (i + SCAN_BLOCK <= n) {
        v2mask below = {0, 0}, odd = {0, 0};
        for (size_t k = 0; k < SCAN_BLOCK; k += 2) {
            const v2d v = load2(x + i + k);
            below |= v < off2;
            odd |= (v != v) | (v == plus_inf);  /* NaN or +inf */
        }
        if (any2(below))
            break;
        if (any2(odd)) {
            classify(x, i, i + SCAN_BLOCK, st);
            if (st->inf)
                return i;
        }
        i += SCAN_BLOCK;
    }
    for (; i < n && !(x[i] < off); i++) {
        st->nan |= isnan(x[i]);
        if (isinf(x[i])) {
            st->inf = 1;
            return i;
        }
    }
    if (i < n && isinf(x[i]))
        st->inf = 1;
    return i;
}

int gc_events_contacts(const double *fz, size_t n, double rate,
                       double on_threshold, double off_threshold,
                       double min_contact_s, double min_flight_s,
                       gc_contact *out, size_t max_out, size_t *n_out)
{
    if (!fz || !out || !n_out || n == 0)
        return GC_EINVAL;
    *n_out = 0;
    if (!(rate > 0) || !isfinite(rate) || !(off_threshold > 0) || !(on_threshold >= off_threshold) ||
        !isfinite(on_threshold) || !(min_contact_s >= 0) || !(min_flight_s >= 0) ||
        !isfinite(min_contact_s) || !isfinite(min_flight_s) || max_out < gc_events_max_contacts(n))
        return GC_EINVAL;

    contact_sink s = {out, 0, {NAN, NAN, 0}, 0, min_contact_s, min_flight_s};
    gc_contact cur = {NAN, NAN, 0};
    size_t i = 0;
    while (i < n && isnan(fz[i]))
        i++;
    if (i == n)
        return GC_OK;  /* all NaN: no contact */
    if (isinf(fz[i]))
        return GC_ENOTFINITE;
    /* loaded at the start of the record: a partial contact; right after a leading
     * gap: a contact that started inside the gap */
    int loaded = fz[i] >= on_threshold;
    if (loaded)
        cur = sink_start(&s, NAN, i == 0 ? GC_CONTACT_PARTIAL_START : GC_CONTACT_TOUCHES_NAN);
    for (i++; i < n; i++) {
        /* a state change right after a NaN sample happened somewhere in the gap: its
         * time is unknown */
        if (!loaded) {
            scan_state st = {0, 0};
            i = scan_rise(fz, i, n, on_threshold, &st);
            if (st.inf)
                return GC_ENOTFINITE;
            if (i == n)
                break;
            const int gap = isnan(fz[i - 1]);
            cur = sink_start(&s, gap ? NAN : crossing_s(i, fz[i - 1], fz[i], on_threshold, rate),
                             gap ? GC_CONTACT_TOUCHES_NAN : 0);
            loaded = 1;
        } else {
            scan_state st = {0, 0};
            i = scan_fall(fz, i, n, off_threshold, &st);
            if (st.inf)
                return GC_ENOTFINITE;
            if (st.nan)
                cur.flags |= GC_CONTACT_TOUCHES_NAN;
            if (i == n)
                break;
            const int gap = isnan(fz[i - 1]);
            cur.off_s = gap ? NAN : crossing_s(i, fz[i - 1], fz[i], off_threshold, rate);
            if (gap)
                cur.flags |= GC_CONTACT_TOUCHES_NAN;
            sink_close(&s, cur);
            loaded = 0;
        }
    }
    if (loaded) {
        cur.off_s = NAN;
        cur.flags |= isnan(fz[n - 1]) ? GC_CONTACT_TOUCHES_NAN : GC_CONTACT_PARTIAL_END;
        sink_close(&s, cur);
    }
    if (s.has_pending)
        sink_emit(&s, s.pending);
    *n_out = s.n_out;
    return GC_OK;
}

/* ---- drift baseline --------------------------------------------------------- */

/* Mean of the finite samples in the middle third of [a, b) (sample indices);
 * writes the knot and returns 1, or 0 when that third holds no finite sample. */
static int flight_knot(const double *fz, size_t a, size_t b, double rate, double *t_s, double *value)
{
    if (b <= a)
        return 0;
    const size_t len = b - a;
    size_t lo = a + len / 3, hi = b - len / 3;
    if (hi <= lo)
        hi = lo + 1;
    double sum = 0.0;
    size_t count = 0;
    for (size_t i = lo; i < hi; i++)
        if (isfinite(fz[i])) {
            sum += fz[i];
            count++;
        }
    if (count == 0)
        return 0;
    *t_s = 0.5 * (double)(lo + hi - 1) / rate;
    *value = sum / (double)count;
    return 1;
}

/* Sample index of time t (s), clamped to [0, n]: the first sample after t. */
static size_t after_s(double t, double rate, size_t n)
{
    const double k = floor(t * rate) + 1.0;
    if (!(k > 0))
        return 0;
    return k >= (double)n ? n : (size_t)k;
}

static size_t collect_knots(const double *fz, size_t n, double rate, const gc_contact *c,
                            size_t nc, double *kt, double *kv)
{
    size_t nk = 0;
    for (size_t j = 0; j <= nc; j++) {
        /* flight j runs from the off of contact j-1 (or the start) to the on of contact j
         * (or the end); an unknown boundary means no usable flight */
        double start = 0.0, end = (double)n;
        if (j > 0) {
            if (!isfinite(c[j - 1].off_s))
                continue;
            start = (double)after_s(c[j - 1].off_s, rate, n);
        }
        if (j < nc) {
            if (!isfinite(c[j].on_s))
                continue;
            end = (double)after_s(c[j].on_s, rate, n);
            end = end > 0 ? end - 1 : 0;  /* the last sample below threshold */
        }
        if (end > start && flight_knot(fz, (size_t)start, (size_t)end, rate, &kt[nk], &kv[nk]))
            nk++;
    }
    return nk;
}

int gc_events_flight_baseline(const double *fz, size_t n, double rate,
                              const gc_contact *contacts, size_t n_contacts,
                              double *baseline)
{
    if (!fz || !baseline || n == 0 || (n_contacts > 0 && !contacts) || !(rate > 0) || !isfinite(rate))
        return GC_EINVAL;
    size_t max_knots;
    if (!gc_size_add(n_contacts, 1, &max_knots))
        return GC_EINVAL;
    double *kt = gc_malloc_array(max_knots, sizeof *kt);
    double *kv = gc_malloc_array(max_knots, sizeof *kv);
    int status = GC_OK;
    gsl_interp *interp = NULL;
    gsl_interp_accel *acc = NULL;
    if (!kt || !kv) {
        status = GC_ENOMEM;
        goto done;
    }
    const size_t nk = collect_knots(fz, n, rate, contacts, n_contacts, kt, kv);
    if (nk == 0) {
        status = GC_ENODATA;
        goto done;
    }
    if (nk == 1) {
        for (size_t i = 0; i < n; i++)
            baseline[i] = kv[0];
        goto done;
    }
    interp = gsl_interp_alloc(nk >= 3 ? gsl_interp_cspline : gsl_interp_linear, nk);
    acc = gsl_interp_accel_alloc();
    if (!interp || !acc) {
        status = GC_ENOMEM;
        goto done;
    }
    if (gsl_interp_init(interp, kt, kv, nk) != GSL_SUCCESS) {
        status = GC_EGSL;
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        double t = (double)i / rate;
        if (t <= kt[0]) {
            baseline[i] = kv[0];
        } else if (t >= kt[nk - 1]) {
            baseline[i] = kv[nk - 1];
        } else if (gsl_interp_eval_e(interp, kt, kv, t, acc, &baseline[i]) != GSL_SUCCESS) {
            status = GC_EGSL;
            goto done;
        }
    }
done:
    gsl_interp_accel_free(acc);
    gsl_interp_free(interp);
    free(kt);
    free(kv);
    return status;
}
