/* C unit tests of gc_filter.c; reference numbers from SciPy 1.17
 * (scipy.signal.butter(2, 0.2) and scipy.signal.sosfiltfilt on a Fibonacci ramp). */
#include <math.h>
#include <stdint.h>
#include <complex.h>
#include <stdlib.h>
#include "core/gaitcore.h"
#include "gc_test.h"

static const double FIB[16] = {0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377, 610, 987};
static const double FIB_FILTERED[16] = {
    1.0685319429331788, 1.6992271445306577, 2.134026284334397, 2.2688796118053536,
    2.0135725521066328, 1.5183984925472034, 1.5807065464123342, 4.268172548097962,
    13.706504008343515, 36.828931570537115, 83.66854205797719, 166.55115283174476,
    297.4714500246493, 483.29721317365403, 719.6773982322605, 987.1356280145449};

static void test_design(void)
{
    double b[3], a[3];
    CHECK(gc_filter_butter_lowpass(2, 0.2, b, a) == GC_OK);
    CHECK_CLOSE(b[0], 0.0674552738890719, 1e-14);
    CHECK_CLOSE(b[1], 0.1349105477781438, 1e-14);
    CHECK_CLOSE(a[1], -1.1429805025399011, 1e-14);
    CHECK_CLOSE(a[2], 0.41280159809618877, 1e-14);
    CHECK(gc_filter_butter_lowpass(0, 0.2, b, a) == GC_EINVAL);
    CHECK(gc_filter_butter_lowpass(2, 1.0, b, a) == GC_EINVAL);
    CHECK(gc_filter_butter_lowpass(2, NAN, b, a) == GC_EINVAL);
    /* unit DC gain for every order */
    for (size_t order = 1; order <= GC_FILTER_MAX_ORDER; order++) {
        double bb[GC_FILTER_MAX_ORDER + 1], aa[GC_FILTER_MAX_ORDER + 1], sb = 0, sa = 0;
        CHECK(gc_filter_butter_lowpass(order, 0.3, bb, aa) == GC_OK);
        for (size_t k = 0; k <= order; k++) {
            sb += bb[k];
            sa += aa[k];
        }
        CHECK_CLOSE(sb / sa, 1.0, 1e-12);
    }
}

static void test_sections(void)
{
    /* each section of unit DC gain; the cascade equals the (b, a) form at z = e^{jw} */
    for (size_t order = 1; order <= GC_FILTER_MAX_ORDER; order++) {
        double sos[6 * 4], b[GC_FILTER_MAX_ORDER + 1], a[GC_FILTER_MAX_ORDER + 1];
        const size_t ns = gc_filter_n_sections(order);
        CHECK(ns == (order + 1) / 2);
        CHECK(gc_filter_butter_sos(order, 0.3, sos) == GC_OK);
        CHECK(gc_filter_butter_lowpass(order, 0.3, b, a) == GC_OK);
        for (size_t s = 0; s < ns; s++) {
            const double *c = sos + 6 * s;
            CHECK(c[3] == 1.0);
            CHECK((c[0] + c[1] + c[2]) == ((1.0 + c[4]) + c[5]));  /* unit DC gain, exactly */
        }
        for (double wfreq = 0.1; wfreq < 3.0; wfreq += 0.7) {
            double complex hs = 1.0, nb = 0.0, na = 0.0;
            const double complex zi = cexp(-I * wfreq);
            for (size_t s = 0; s < ns; s++) {
                const double *c = sos + 6 * s;
                hs *= (c[0] + c[1] * zi + c[2] * zi * zi) / (1.0 + c[4] * zi + c[5] * zi * zi);
            }
            for (size_t k = order + 1; k-- > 0;) {
                nb = nb * zi + b[k];
                na = na * zi + a[k];
            }
            CHECK_CLOSE(cabs(hs - nb / na), 0.0, 1e-12);
        }
    }
    double sos[6];
    CHECK(gc_filter_butter_sos(0, 0.2, sos) == GC_EINVAL);
    CHECK(gc_filter_butter_sos(2, 1.0, sos) == GC_EINVAL);
    CHECK(gc_filter_butter_sos(2, NAN, sos) == GC_EINVAL);
}

static void test_filtfilt(void)
{
    double y[16];
    gc_filter_workspace *w = gc_filter_alloc(2, 0.2, 16);
    CHECK(w != NULL);
    CHECK(gc_filter_filtfilt(w, FIB, y, 1, 16, 1) == GC_OK);
    for (int k = 0; k < 16; k++)
        CHECK_CLOSE(y[k], FIB_FILTERED[k], 1e-12);
    /* a constant passes unchanged (steady-state initial conditions) */
    double c[16];
    for (int k = 0; k < 16; k++)
        c[k] = 3.5;
    CHECK(gc_filter_filtfilt(w, c, y, 1, 16, 1) == GC_OK);
    for (int k = 0; k < 16; k++)
        CHECK(y[k] == 3.5);
    /* longer than the workspace: refused */
    double big[17] = {0};
    CHECK(gc_filter_filtfilt(w, big, big, 1, 17, 1) == GC_EINVAL);
    gc_filter_free(w);
    /* the order-8 filter at wn = 0.006 keeps a constant constant (the (b, a) form did not) */
    enum { M = 5000 };
    double *k5 = malloc(M * sizeof *k5);
    for (int k = 0; k < M; k++)
        k5[k] = 5.0;
    w = gc_filter_alloc(8, 0.006, M);
    CHECK(w != NULL && gc_filter_filtfilt(w, k5, k5, 1, M, 1) == GC_OK);
    double worst = 0.0;
    for (int k = 0; k < M; k++)
        worst = fmax(worst, fabs(k5[k] - 5.0));
    CHECK(worst <= 5e-12);
    gc_filter_free(w);
    free(k5);
}

static void test_nan_runs(void)
{
    /* two columns interleaved (inner = 2): NaN stays, runs are filtered alone,
     * a run of padlen samples or fewer is copied unfiltered */
    enum { N = 40 };
    double x[2 * N], y[2 * N], ref[16];
    for (int t = 0; t < N; t++) {
        x[2 * t] = (t < 16) ? FIB[t] : (t < 20 ? NAN : (double)t);
        x[2 * t + 1] = (t >= 30) ? NAN : 1.0;
    }
    x[2 * 25] = NAN;  /* leaves runs 20..24 (5 samples, too short) and 26..39 */
    gc_filter_workspace *w = gc_filter_alloc(2, 0.2, N);
    CHECK(gc_filter_filtfilt(w, x, y, 1, N, 2) == GC_OK);
    for (int t = 0; t < 16; t++)
        ref[t] = y[2 * t];
    for (int t = 0; t < 16; t++)
        CHECK_CLOSE(ref[t], FIB_FILTERED[t], 1e-12);
    for (int t = 16; t < 20; t++)
        CHECK(isnan(y[2 * t]));
    for (int t = 20; t < 25; t++)
        CHECK(y[2 * t] == (double)t);
    CHECK(isnan(y[2 * 25]));
    for (int t = 0; t < 30; t++)
        CHECK_CLOSE(y[2 * t + 1], 1.0, 1e-12);
    for (int t = 30; t < N; t++)
        CHECK(isnan(y[2 * t + 1]));
    x[2 * 3] = INFINITY;
    CHECK(gc_filter_filtfilt(w, x, y, 1, N, 2) == GC_ENOTFINITE);
    gc_filter_free(w);
    CHECK(gc_filter_alloc(0, 0.2, 10) == NULL);
    CHECK(gc_filter_alloc(GC_FILTER_MAX_ORDER + 1, 0.2, 10) == NULL);
    CHECK(gc_filter_alloc(2, 0.0, 10) == NULL);
    /* a buffer size that would overflow size_t is refused, not wrapped */
    CHECK(gc_filter_alloc(2, 0.2, SIZE_MAX - 5) == NULL);
    CHECK(gc_filter_alloc(2, 0.2, SIZE_MAX / 8) == NULL);
}

int main(void)
{
    gc_test_init();
    test_design();
    test_sections();
    test_filtfilt();
    test_nan_runs();
    return gc_test_report("test_filter");
}
