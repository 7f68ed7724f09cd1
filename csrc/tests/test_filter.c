/* C unit tests of gc_filter.c; reference numbers from SciPy 1.17
 * (scipy.signal.butter(2, 0.2) and scipy.signal.filtfilt on a Fibonacci ramp). */
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

static void test_filtfilt(void)
{
    double b[3], a[3], y[16];
    gc_filter_butter_lowpass(2, 0.2, b, a);
    gc_filter_workspace *w = gc_filter_alloc(2, 16);
    CHECK(w != NULL);
    CHECK(gc_filter_filtfilt(w, b, a, FIB, y, 1, 16, 1) == GC_OK);
    for (int k = 0; k < 16; k++)
        CHECK_CLOSE(y[k], FIB_FILTERED[k], 1e-12);
    /* a constant passes unchanged (steady-state initial conditions) */
    double c[16];
    for (int k = 0; k < 16; k++)
        c[k] = 3.5;
    CHECK(gc_filter_filtfilt(w, b, a, c, y, 1, 16, 1) == GC_OK);
    for (int k = 0; k < 16; k++)
        CHECK_CLOSE(y[k], 3.5, 1e-12);
    /* longer than the workspace: refused */
    double big[17] = {0};
    CHECK(gc_filter_filtfilt(w, b, a, big, big, 1, 17, 1) == GC_EINVAL);
    gc_filter_free(w);
}

static void test_nan_runs(void)
{
    /* two columns interleaved (inner = 2): NaN stays, runs are filtered alone,
     * a run of padlen samples or fewer is copied unfiltered */
    enum { N = 40 };
    double x[2 * N], y[2 * N], ref[16], b[3], a[3];
    gc_filter_butter_lowpass(2, 0.2, b, a);
    for (int t = 0; t < N; t++) {
        x[2 * t] = (t < 16) ? FIB[t] : (t < 20 ? NAN : (double)t);
        x[2 * t + 1] = (t >= 30) ? NAN : 1.0;
    }
    x[2 * 25] = NAN;  /* leaves runs 20..24 (5 samples, too short) and 26..39 */
    gc_filter_workspace *w = gc_filter_alloc(2, N);
    CHECK(gc_filter_filtfilt(w, b, a, x, y, 1, N, 2) == GC_OK);
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
    CHECK(gc_filter_filtfilt(w, b, a, x, y, 1, N, 2) == GC_ENOTFINITE);
    gc_filter_free(w);
    CHECK(gc_filter_alloc(0, 10) == NULL);
    CHECK(gc_filter_alloc(GC_FILTER_MAX_ORDER + 1, 10) == NULL);
}

int main(void)
{
    gc_test_init();
    test_design();
    test_filtfilt();
    test_nan_runs();
    return gc_test_report("test_filter");
}
