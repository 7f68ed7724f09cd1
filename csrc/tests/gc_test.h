/* gc_test.h -- a minimal assertion harness for the C unit tests (no Python). */
#ifndef GC_TEST_H
#define GC_TEST_H
#include <math.h>
#include <stdio.h>
#include <gsl/gsl_errno.h>

static int gc_test_passed = 0, gc_test_failed = 0;

#define CHECK(cond)                                                                \
    do {                                                                           \
        if (cond) {                                                                \
            gc_test_passed++;                                                      \
        } else {                                                                   \
            gc_test_failed++;                                                      \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                          \
    } while (0)

/* |got - want| <= tol * max(1, |want|) */
#define CHECK_CLOSE(got, want, tol)                                                \
    do {                                                                           \
        double g_ = (got), w_ = (want);                                            \
        double s_ = fabs(w_) > 1.0 ? fabs(w_) : 1.0;                               \
        if (fabs(g_ - w_) <= (tol) * s_) {                                         \
            gc_test_passed++;                                                      \
        } else {                                                                   \
            gc_test_failed++;                                                      \
            fprintf(stderr, "%s:%d: %s = %.17g, want %.17g\n", __FILE__, __LINE__, \
                    #got, g_, w_);                                                 \
        }                                                                          \
    } while (0)

/* The closing line CI reads: "<name>: N passed, N failed". */
static int gc_test_report(const char *name)
{
    printf("%s: %d passed, %d failed\n", name, gc_test_passed, gc_test_failed);
    return gc_test_failed ? 1 : 0;
}

static void gc_test_init(void) { gsl_set_error_handler_off(); }
#endif
