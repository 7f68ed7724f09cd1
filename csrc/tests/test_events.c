/* C unit tests of gc_events.c.  Signals are trapezoids whose ramps are straight
 * lines through sample points, so the threshold crossings are known in closed form
 * and linear interpolation must reproduce them to rounding (tolerance 1e-12 s). */
#include <stdlib.h>

#include "core/gaitcore.h"
#include "gc_test.h"

enum { N = 400, CAP = N / 2 + 1 };
static const double RATE = 100.0;

/* Add a trapezoid: 0 at sample a, rising linearly to peak at a + ramp, flat, falling
 * linearly from b - ramp to 0 at b. */
static void trapezoid(double *x, int a, int b, int ramp, double peak)
{
    for (int i = a; i <= b; i++) {
        double v = peak;
        if (i < a + ramp)
            v = peak * (i - a) / ramp;
        else if (i > b - ramp)
            v = peak * (b - i) / ramp;
        x[i] = v;
    }
}

static void zero(double *x, int n)
{
    for (int i = 0; i < n; i++)
        x[i] = 0.0;
}

int main(void)
{
    gc_test_init();
    double x[N];
    gc_contact c[CAP];
    size_t nc = 99;
    CHECK(gc_events_max_contacts(N) == CAP);

    /* two clean contacts; ramps of 10 samples to 1000 N: crossing of 20 N at a + 0.2
     * samples, of 10 N (off) at b - 0.1 samples */
    zero(x, N);
    trapezoid(x, 50, 80, 10, 1000.0);
    trapezoid(x, 150, 180, 10, 1000.0);
    CHECK(gc_events_contacts(x, N, RATE, 20.0, 10.0, 0.1, 0.02, c, CAP, &nc) == GC_OK);
    CHECK(nc == 2);
    CHECK_CLOSE(c[0].on_s, 50.2 / RATE, 1e-12);
    CHECK_CLOSE(c[0].off_s, 79.9 / RATE, 1e-12);
    CHECK_CLOSE(c[1].on_s, 150.2 / RATE, 1e-12);
    CHECK_CLOSE(c[1].off_s, 179.9 / RATE, 1e-12);
    CHECK(c[0].flags == 0 && c[1].flags == 0);

    /* a contact shorter than min_contact (0.1 s = 10 samples) is dropped */
    trapezoid(x, 250, 256, 2, 500.0);
    CHECK(gc_events_contacts(x, N, RATE, 20.0, 20.0, 0.1, 0.02, c, CAP, &nc) == GC_OK);
    CHECK(nc == 2);
    CHECK(gc_events_contacts(x, N, RATE, 20.0, 20.0, 0.0, 0.02, c, CAP, &nc) == GC_OK);
    CHECK(nc == 3);

    /* hysteresis: a dip to 15 N stays one contact with off at 10 N, splits at 20/20 */
    zero(x, N);
    trapezoid(x, 50, 120, 5, 800.0);
    x[85] = 15.0;
    CHECK(gc_events_contacts(x, N, RATE, 20.0, 10.0, 0.1, 0.0, c, CAP, &nc) == GC_OK);
    CHECK(nc == 1 && c[0].flags == 0);
    /* at 20/20 the dip is a flight of (85 + 5/785) - (84 + 780/785) samples: shorter than
     * min_flight 0.02 s, so the two pieces are joined and flagged */
    CHECK(gc_events_contacts(x, N, RATE, 20.0, 20.0, 0.1, 0.02, c, CAP, &nc) == GC_OK);
    CHECK(nc == 1);
    CHECK(c[0].flags == GC_CONTACT_MERGED);
    CHECK_CLOSE(c[0].on_s, (50 + 20.0 / 160.0) / RATE, 1e-12);
    CHECK_CLOSE(c[0].off_s, (120 - 20.0 / 160.0) / RATE, 1e-12);
    /* with min_flight 0 the dip splits it into two contacts (each >= 0.1 s) */
    CHECK(gc_events_contacts(x, N, RATE, 20.0, 20.0, 0.1, 0.0, c, CAP, &nc) == GC_OK);
    CHECK(nc == 2);
    CHECK_CLOSE(c[0].off_s, (84 + 780.0 / 785.0) / RATE, 1e-12);
    CHECK_CLOSE(c[1].on_s, (85 + 5.0 / 785.0) / RATE, 1e-12);

    /* partial contacts at both ends: unknown time NaN, flagged */
    zero(x, N);
    trapezoid(x, 0, 40, 1, 700.0);
    x[0] = 700.0;
    trapezoid(x, 100, 140, 4, 700.0);
    trapezoid(x, 370, N - 1, 4, 700.0);
    x[N - 1] = 700.0;
    CHECK(gc_events_contacts(x, N, RATE, 20.0, 20.0, 0.1, 0.02, c, CAP, &nc) == GC_OK);
    CHECK(nc == 3);
    CHECK(c[0].flags == GC_CONTACT_PARTIAL_START && isnan(c[0].on_s));
    CHECK_CLOSE(c[0].off_s, (39 + 680.0 / 700.0) / RATE, 1e-12);
    CHECK(c[1].flags == 0);
    CHECK(c[2].flags == GC_CONTACT_PARTIAL_END && isnan(c[2].off_s));
    CHECK_CLOSE(c[2].on_s, (370 + 20.0 / 175.0) / RATE, 1e-12);
    /* a short partial contact is kept: its duration is unknown */
    zero(x, N);
    x[0] = x[1] = 300.0;
    CHECK(gc_events_contacts(x, N, RATE, 20.0, 20.0, 0.1, 0.02, c, CAP, &nc) == GC_OK);
    CHECK(nc == 1 && c[0].flags == GC_CONTACT_PARTIAL_START);

    /* NaN: inside a contact (times known, flagged); across the rising edge (on NaN) */
    zero(x, N);
    trapezoid(x, 50, 80, 10, 1000.0);
    x[65] = NAN;
    trapezoid(x, 150, 180, 10, 1000.0);
    for (int i = 148; i < 156; i++)
        x[i] = NAN;
    CHECK(gc_events_contacts(x, N, RATE, 20.0, 10.0, 0.1, 0.02, c, CAP, &nc) == GC_OK);
    CHECK(nc == 2);
    CHECK(c[0].flags == GC_CONTACT_TOUCHES_NAN);
    CHECK_CLOSE(c[0].on_s, 50.2 / RATE, 1e-12);
    CHECK_CLOSE(c[0].off_s, 79.9 / RATE, 1e-12);
    CHECK(c[1].flags == GC_CONTACT_TOUCHES_NAN && isnan(c[1].on_s));
    CHECK_CLOSE(c[1].off_s, 179.9 / RATE, 1e-12);
    /* all NaN, all zero: no contacts; constantly loaded: one partial contact */
    for (int i = 0; i < N; i++)
        x[i] = NAN;
    CHECK(gc_events_contacts(x, N, RATE, 20.0, 20.0, 0.1, 0.02, c, CAP, &nc) == GC_OK && nc == 0);
    zero(x, N);
    CHECK(gc_events_contacts(x, N, RATE, 20.0, 20.0, 0.1, 0.02, c, CAP, &nc) == GC_OK && nc == 0);
    for (int i = 0; i < N; i++)
        x[i] = 600.0;
    CHECK(gc_events_contacts(x, N, RATE, 20.0, 20.0, 0.1, 0.02, c, CAP, &nc) == GC_OK && nc == 1);
    CHECK(c[0].flags == (GC_CONTACT_PARTIAL_START | GC_CONTACT_PARTIAL_END));

    /* bad arguments */
    zero(x, N);
    CHECK(gc_events_contacts(x, N, 0.0, 20.0, 20.0, 0.1, 0.02, c, CAP, &nc) == GC_EINVAL);
    CHECK(gc_events_contacts(x, N, RATE, 20.0, -1.0, 0.1, 0.02, c, CAP, &nc) == GC_EINVAL);
    CHECK(gc_events_contacts(x, N, RATE, 10.0, 20.0, 0.1, 0.02, c, CAP, &nc) == GC_EINVAL);
    CHECK(gc_events_contacts(x, N, RATE, 20.0, 20.0, -0.1, 0.02, c, CAP, &nc) == GC_EINVAL);
    CHECK(gc_events_contacts(x, N, RATE, 20.0, 20.0, 0.1, 0.02, c, CAP - 1, &nc) == GC_EINVAL);
    CHECK(gc_events_contacts(x, 0, RATE, 20.0, 20.0, 0.1, 0.02, c, CAP, &nc) == GC_EINVAL);
    x[3] = INFINITY;
    CHECK(gc_events_contacts(x, N, RATE, 20.0, 20.0, 0.1, 0.02, c, CAP, &nc) == GC_ENOTFINITE);
    /* inf anywhere, in either state, in a scanned block or the scalar tail */
    const int where[] = {0, 5, 60, 70, 300, N - 3, N - 1};
    for (size_t w = 0; w < sizeof where / sizeof where[0]; w++)
        for (int sign = -1; sign <= 1; sign += 2) {
            zero(x, N);
            trapezoid(x, 50, 120, 5, 800.0);
            trapezoid(x, 290, N - 1, 5, 800.0);
            x[where[w]] = sign * INFINITY;
            CHECK(gc_events_contacts(x, N, RATE, 20.0, 20.0, 0.1, 0.02, c, CAP, &nc) == GC_ENOTFINITE);
        }

    /* worst case fills the capacity exactly: alternating 0 / 100 with no minimums */
    for (int i = 0; i < N; i++)
        x[i] = (i % 2) ? 100.0 : 0.0;
    CHECK(gc_events_contacts(x, N, RATE, 20.0, 20.0, 0.0, 0.0, c, CAP, &nc) == GC_OK);
    CHECK(nc == N / 2);

    /* drift baseline: contacts on a linear drift 5 + 0.1 * t_samples N.  The knots are
     * the flight middle-third means of a line = the line at their centres, and a natural
     * cubic spline through collinear knots is that line. */
    zero(x, N);
    trapezoid(x, 50, 80, 10, 1000.0);
    trapezoid(x, 150, 180, 10, 1000.0);
    trapezoid(x, 250, 280, 10, 1000.0);
    for (int i = 0; i < N; i++)
        x[i] += 5.0 + 0.01 * i;
    double base[N];
    CHECK(gc_events_contacts(x, N, RATE, 20.0, 20.0, 0.1, 0.02, c, CAP, &nc) == GC_OK && nc == 3);
    CHECK(gc_events_flight_baseline(x, N, RATE, c, nc, base) == GC_OK);
    /* the first flight [0, 50) has its middle third at samples [16, 34), centre 24.5;
     * before that knot the baseline is held at the knot's value */
    CHECK_CLOSE(base[0], 5.0 + 0.01 * 24.5, 1e-9);
    for (int i = 30; i < 300; i++)
        CHECK_CLOSE(base[i], 5.0 + 0.01 * i, 1e-9);
    /* no flight: no baseline */
    for (int i = 0; i < N; i++)
        x[i] = 600.0;
    CHECK(gc_events_contacts(x, N, RATE, 20.0, 20.0, 0.1, 0.02, c, CAP, &nc) == GC_OK);
    CHECK(gc_events_flight_baseline(x, N, RATE, c, nc, base) == GC_ENODATA);
    CHECK(gc_events_flight_baseline(x, N, -1.0, c, nc, base) == GC_EINVAL);
    return gc_test_report("test_events");
}
