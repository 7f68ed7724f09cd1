/* C unit tests of gc_cycles.c.  References: exact linear interpolation of x = k^2 by hand,
 * scipy.interpolate.CubicSpline(bc_type="natural") for the cubic option. */
#include "core/gaitcore.h"
#include "gc_test.h"

static void test_linear_and_cubic(void)
{
    double x[10], out[5];
    for (int k = 0; k < 10; k++)
        x[k] = k * k;
    const double s = 0.15, e = 0.75;  /* 10 Hz: positions 1.5, 3, 4.5, 6, 7.5 */
    const double lin[5] = {2.5, 9, 20.5, 36, 56.5};
    CHECK(gc_cycles_normalize(x, 10, 1, 10.0, &s, &e, 1, 5, GC_INTERP_LINEAR, 0.0, out) == GC_OK);
    for (int i = 0; i < 5; i++)
        CHECK_CLOSE(out[i], lin[i], 1e-13);
    const double cub[5] = {2.2254717, 9, 20.2509434, 36, 56.2254717};
    CHECK(gc_cycles_normalize(x, 10, 1, 10.0, &s, &e, 1, 5, GC_INTERP_CUBIC, 0.0, out) == GC_OK);
    for (int i = 0; i < 5; i++)
        CHECK_CLOSE(out[i], cub[i], 1e-7);
    /* Steffen's spline is monotone: values between neighbouring samples */
    CHECK(gc_cycles_normalize(x, 10, 1, 10.0, &s, &e, 1, 5, GC_INTERP_STEFFEN, 0.0, out) == GC_OK);
    CHECK(out[0] > 1 && out[0] < 4 && out[2] > 16 && out[2] < 25);
    /* the last node is the cycle end exactly, also at the last sample */
    const double s2 = 0.0, e2 = 0.9;
    CHECK(gc_cycles_normalize(x, 10, 1, 10.0, &s2, &e2, 1, 5, GC_INTERP_LINEAR, 0.0, out) == GC_OK);
    CHECK(out[4] == 81.0 && out[0] == 0.0);
}

static void test_channels_and_nan(void)
{
    double x[20], out[10];  /* two channels: k^2 and a NaN at sample 4 */
    for (int k = 0; k < 10; k++) {
        x[2 * k] = k * k;
        x[2 * k + 1] = k * k;
    }
    x[2 * 4 + 1] = NAN;
    const double s = 0.15, e = 0.75;
    CHECK(gc_cycles_normalize(x, 10, 2, 10.0, &s, &e, 1, 5, GC_INTERP_LINEAR, 0.2, out) == GC_OK);
    CHECK_CLOSE(out[2 * 2], 20.5, 1e-13);
    CHECK_CLOSE(out[2 * 2 + 1], 21.0, 1e-13);  /* bridged 3 -> 5: 9 + 0.75 * 16 */
    CHECK_CLOSE(out[2 * 4 + 1], 56.5, 1e-13);
    /* tolerance 0.1 < 1 NaN in 8 samples: whole cycle of that channel NaN */
    CHECK(gc_cycles_normalize(x, 10, 2, 10.0, &s, &e, 1, 5, GC_INTERP_LINEAR, 0.1, out) == GC_OK);
    CHECK(isnan(out[1]) && isnan(out[9]) && out[8] == 56.5);
    /* NaN at a bracketing sample: would extrapolate -> NaN */
    x[2 * 1 + 1] = NAN;
    x[2 * 4 + 1] = 16;
    CHECK(gc_cycles_normalize(x, 10, 2, 10.0, &s, &e, 1, 5, GC_INTERP_LINEAR, 0.5, out) == GC_OK);
    CHECK(isnan(out[1]));
    x[3] = INFINITY;
    CHECK(gc_cycles_normalize(x, 10, 2, 10.0, &s, &e, 1, 5, GC_INTERP_LINEAR, 0.5, out) == GC_ENOTFINITE);
}

static void test_bad_events(void)
{
    double x[10] = {0}, out[5];
    const double s = 0.5, e = 0.2, late = 0.95, neg = -0.1;
    CHECK(gc_cycles_normalize(x, 10, 1, 10.0, &s, &e, 1, 5, 0, 0.0, out) == GC_EINVAL);
    CHECK(gc_cycles_normalize(x, 10, 1, 10.0, &s, &late, 1, 5, 0, 0.0, out) == GC_EINVAL);
    CHECK(gc_cycles_normalize(x, 10, 1, 10.0, &neg, &e, 1, 5, 0, 0.0, out) == GC_EINVAL);
    CHECK(gc_cycles_normalize(x, 10, 1, 10.0, &e, &s, 1, 1, 0, 0.0, out) == GC_ETOOSHORT);
    CHECK(gc_cycles_normalize(x, 10, 1, 10.0, &e, &s, 1, 5, 7, 0.0, out) == GC_EINVAL);
}

int main(void)
{
    gc_test_init();
    test_linear_and_cubic();
    test_channels_and_nan();
    test_bad_events();
    return gc_test_report("test_cycles");
}
