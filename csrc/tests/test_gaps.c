/* C unit tests of gc_gaps.c.  The exact checks use a line: a natural cubic spline
 * through collinear points is that line (a general cubic is only approximated, since
 * the natural end conditions set the second derivative to zero). */
#include <stdint.h>
#include "core/gaitcore.h"
#include "gc_test.h"

int main(void)
{
    gc_test_init();
    enum { N = 30 };
    double x[N], y[N];
    uint8_t filled[N];
    for (int t = 0; t < N; t++)
        x[t] = 2.0 * t - 7.0;
    for (int t = 10; t < 15; t++)  /* interior gap of 5 */
        x[t] = NAN;
    x[0] = x[1] = NAN;             /* leading gap: never extrapolated */
    x[N - 1] = NAN;                /* trailing gap */
    x[20] = NAN;                   /* gap of 1 with 4 valid samples each side */
    CHECK(gc_gaps_fill(x, y, filled, 1, N, 1, 5, 10) == GC_OK);
    for (int t = 10; t < 15; t++) {
        CHECK_CLOSE(y[t], 2.0 * t - 7.0, 1e-12);
        CHECK(filled[t] == 1);
    }
    CHECK_CLOSE(y[20], 33.0, 1e-12);
    CHECK(isnan(y[0]) && isnan(y[1]) && isnan(y[N - 1]));
    CHECK(filled[0] == 0 && filled[N - 1] == 0 && filled[5] == 0);
    CHECK(y[5] == x[5]);
    /* too long a gap stays NaN */
    CHECK(gc_gaps_fill(x, y, filled, 1, N, 1, 4, 10) == GC_OK);
    CHECK(isnan(y[12]) && filled[12] == 0);
    CHECK_CLOSE(y[20], 33.0, 1e-12);
    /* fewer than 2 valid samples on one side: not filled */
    double z[8] = {1, 2, 3, NAN, 5, NAN, 7, 8};
    double zy[8];
    uint8_t zf[8];
    CHECK(gc_gaps_fill(z, zy, zf, 1, 8, 1, 3, 10) == GC_OK);
    CHECK(isnan(zy[3]) && isnan(zy[5]));
    /* a support larger than the signal (up to sizes whose buffer size would overflow
     * size_t: 2^61 + 10 wrapped to a 160-byte buffer before) means "every valid sample" */
    double ref_y[N], big_y[N];
    uint8_t ref_f[N], big_f[N];
    CHECK(gc_gaps_fill(x, ref_y, ref_f, 1, N, 1, 5, N) == GC_OK);
    const size_t huge[] = {((size_t)1 << 61) + 10, SIZE_MAX / 2 + 1, SIZE_MAX};
    for (int k = 0; k < 3; k++) {
        CHECK(gc_gaps_fill(x, big_y, big_f, 1, N, 1, 5, huge[k]) == GC_OK);
        for (int t = 0; t < N; t++)
            CHECK((isnan(ref_y[t]) && isnan(big_y[t])) || ref_y[t] == big_y[t]);
    }
    CHECK(gc_gaps_fill(x, big_y, big_f, 1, N, 1, SIZE_MAX, 10) == GC_OK);
    /* bad arguments */
    CHECK(gc_gaps_fill(z, z, zf, 1, 8, 1, 3, 10) == GC_EINVAL);
    CHECK(gc_gaps_fill(z, zy, zf, 1, 8, 1, 3, 1) == GC_EINVAL);
    z[0] = INFINITY;
    CHECK(gc_gaps_fill(z, zy, zf, 1, 8, 1, 3, 10) == GC_ENOTFINITE);
    return gc_test_report("test_gaps");
}
