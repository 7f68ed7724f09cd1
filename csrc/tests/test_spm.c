/* C unit tests of gc_spm.c.  References: published RFT numbers quoted in docs/methods.md D
 * (spm1d docs outputs.rst; a public spm1d notebook; the rft1d docstring), and NumPy/SciPy
 * 2.x on the small arrays below (np.gradient; the t curves are GLM designs: test_glm.c). */
#include <stdlib.h>
#include "core/gaitcore.h"
#include "gc_test.h"

static const double Y[4 * 5] = {0, 1, 3, 2, 5, 1, 2, 2, 4, 4, 2, 2, 5, 3, 7, 0.5, 3, 1, 2, 6};

static void test_fwhm(void)
{
    /* the residuals y - mean of the one-sample test (test_glm.c has its t and the same FWHM) */
    double r[20], mean[5] = {0}, fwhm;
    for (int k = 0; k < 20; k++)
        mean[k % 5] += Y[k] / 4;
    for (int k = 0; k < 20; k++)
        r[k] = Y[k] - mean[k % 5];
    CHECK(gc_spm_fwhm(r, 4, 5, &fwhm) == GC_OK);
    CHECK_CLOSE(fwhm, 1.798015129350651, 1e-13);
    CHECK(gc_spm_fwhm(r, 4, 1, &fwhm) == GC_ETOOSHORT);
    r[7] = NAN;
    CHECK(gc_spm_fwhm(r, 4, 5, &fwhm) == GC_ENOTFINITE);
}

/* Effective df of the two-sample test without equal variances (spm1d's equal_var=False). */
static void test_ttest2_reml_df(void)
{
    static const double A3[3 * 5] = {0.3, 1.0, -0.5, 2.0, 0.1, 1.2, -0.4, 0.8, 1.1, 0.9,
                                     -0.7, 0.2, 0.4, -1.3, 0.0};
    static const double B5[5 * 5] = {4.0, -2.5, 3.1, 0.2, -5.0, -3.3, 2.9, -1.8, 4.4, 1.7,
                                     1.5, 6.1, -4.2, -2.6, 3.3, -2.2, -3.7, 5.5, 1.9, -0.8,
                                     0.6, 1.4, -2.9, -3.8, 2.2};
    double df, df2;
    /* spm1d 0.4.55: ttest2(A3, B5, equal_var=False).df[1] (and with the groups swapped) */
    CHECK(gc_spm_ttest2_reml_df(A3, 3, B5, 5, 5, &df) == GC_OK);
    CHECK_CLOSE(df, 4.356689271652252, 1e-12);
    CHECK(gc_spm_ttest2_reml_df(B5, 5, A3, 3, 5, &df2) == GC_OK);
    CHECK_CLOSE(df2, df, 1e-13);
    CHECK(df > 2.0 && df < 6.0);  /* between min(Ja, Jb) - 1 and Ja + Jb - 2 */
    /* equal residuals in both groups (B = A + 10): h_a = h_b, df = Ja + Jb - 2 */
    double shifted[3 * 5];
    for (int k = 0; k < 15; k++)
        shifted[k] = A3[k] + 10.0;
    CHECK(gc_spm_ttest2_reml_df(A3, 3, shifted, 3, 5, &df) == GC_OK);
    CHECK_CLOSE(df, 4.0, 1e-12);
    /* errors: a group without variance anywhere (its curves identical), too few, NaN */
    double same[3 * 5];
    for (int k = 0; k < 15; k++)
        same[k] = A3[k % 5];
    CHECK(gc_spm_ttest2_reml_df(same, 3, B5, 5, 5, &df) == GC_EINVAL);
    CHECK(gc_spm_ttest2_reml_df(B5, 5, same, 3, 5, &df) == GC_EINVAL);
    /* zero variance at only some nodes of one group is fine (the other group varies there) */
    double partly[3 * 5];
    for (int k = 0; k < 15; k++)
        partly[k] = (k % 5 == 2) ? 0.1 : A3[k];
    CHECK(gc_spm_ttest2_reml_df(partly, 3, B5, 5, 5, &df) == GC_OK);
    CHECK(isfinite(df) && df > 2.0 && df < 6.0);
    CHECK(gc_spm_ttest2_reml_df(A3, 1, B5, 5, 5, &df) == GC_ETOOSHORT);
    CHECK(gc_spm_ttest2_reml_df(A3, 3, B5, 5, 1, &df) == GC_ETOOSHORT);
    double bad[3 * 5];
    for (int k = 0; k < 15; k++)
        bad[k] = A3[k];
    bad[4] = NAN;
    CHECK(gc_spm_ttest2_reml_df(bad, 3, B5, 5, 5, &df) == GC_ENOTFINITE);
    bad[4] = INFINITY;
    CHECK(gc_spm_ttest2_reml_df(B5, 5, bad, 3, 5, &df) == GC_ENOTFINITE);
}

static void test_t_distribution(void)
{
    double p, t;
    CHECK(gc_spm_t_sf(2.5, 7.5, &p) == GC_OK);
    CHECK_CLOSE(p, 0.019410129136812764, 1e-12);
    CHECK(gc_spm_t_isf(0.01, 4, &t) == GC_OK);
    CHECK_CLOSE(t, 3.746947387979197, 1e-10);
    CHECK(gc_spm_t_sf(1.0, 0.0, &p) == GC_EINVAL);
    CHECK(gc_spm_t_isf(1.5, 4, &t) == GC_EINVAL);
}

static void test_published(void)
{
    double u, p, ec;
    /* spm1d outputs.rst: nu = 9, R = (1, 8.82417), one-tailed */
    CHECK(gc_spm_threshold(0.05, 9, 1, 8.82417, 101, &u) == GC_OK);
    CHECK_CLOSE(u, 3.82411, 5e-6);
    CHECK(gc_spm_p_cluster(0.26740, 3.86630, 9, 1, 8.82417, &p) == GC_OK);
    CHECK_CLOSE(p, 0.03102, 5e-6);
    /* public notebook: nu = 8, R = (1, 24.05429), two-tailed (alpha / 2) */
    CHECK(gc_spm_threshold(0.025, 8, 1, 24.05429, 0, &u) == GC_OK);
    CHECK_CLOSE(u, 5.56250, 5e-6);
    /* rft1d docstring: nu = 8, 101 nodes, FWHM 15 */
    CHECK(gc_spm_expected_ec(1.0, 8, 1, 100.0 / 15.0, &ec) == GC_OK);
    CHECK_CLOSE(ec, 1.343, 5e-4);
    CHECK(gc_spm_expected_ec(4.5, 8, 1, 100.0 / 15.0, &ec) == GC_OK);
    CHECK(fabs(ec - 0.0223) < 1e-4);  /* 0.022352: the docstring prints 3 digits */
    /* thresholds above 100 (docs/methods.md D): nu = 3, alpha = 0.001, R1 = 20 */
    CHECK(gc_spm_threshold(0.001, 3, 1, 20, 0, &u) == GC_OK);
    CHECK(fabs(u - 126.0) < 0.1);
    CHECK_CLOSE(u, 126.08889940689232, 1e-10);  /* scipy.optimize.brentq on the same P(u) */
    CHECK(gc_spm_p_max(u, 3, 1, 20, 0, &p) == GC_OK);
    CHECK_CLOSE(p, 0.001, 1e-12);
    CHECK(gc_spm_threshold(0.6, 3, 1, 20, 0, &u) == GC_EINVAL);
    CHECK(gc_spm_threshold(0.05, 0, 1, 20, 0, &u) == GC_EINVAL);
    CHECK(gc_spm_threshold(0.05, 1, 1, 20, 0, &u) == GC_EINVAL);  /* no root for df <= 1 */
    /* df = 2, alpha = 1e-10: u ~ 1e10, far outside any fixed bracket */
    CHECK(gc_spm_threshold(1e-10, 2, 1, 50, 0, &u) == GC_OK);
    CHECK(u > 1e9);
    CHECK(gc_spm_p_max(u, 2, 1, 50, 0, &p) == GC_OK);
    CHECK_CLOSE(p, 1e-10, 1e-18);
    /* df = 1.01, alpha = 1e-10: the root lies beyond u^2 overflow; refused, not faked */
    CHECK(gc_spm_threshold(1e-10, 1.01, 1, 0.5, 0, &u) == GC_ENOCONV);
}

static void test_densities_and_bounds(void)
{
    double rho[2], p;
    CHECK(gc_spm_ec_density(0.0, 10, rho) == GC_OK);
    CHECK_CLOSE(rho[0], 0.5, 1e-15);
    CHECK_CLOSE(rho[1], 0.2650103635193969, 1e-14);  /* sqrt(4 ln 2) / (2 pi) */
    CHECK(gc_spm_ec_density(1e6, 3, rho) == GC_OK);
    CHECK(rho[0] >= 2.220446049250313e-16 && rho[1] >= 2.220446049250313e-16);
    /* Bonferroni cap: with a huge smooth-field resel count, Q * rho0 is the bound */
    CHECK(gc_spm_p_max(3.0, 10, 1, 1e6, 5, &p) == GC_OK);
    CHECK(gc_spm_ec_density(3.0, 10, rho) == GC_OK);
    CHECK_CLOSE(p, 5 * rho[0], 1e-14);
    /* floor at rho0 with no resels */
    CHECK(gc_spm_p_max(3.0, 10, 0, 0, 0, &p) == GC_OK);
    CHECK_CLOSE(p, rho[0], 1e-14);
}

static void test_clusters(void)
{
    /* two positive runs (one at the right edge), one negative run */
    const double z[9] = {0, 1, 3, 4, 1, -3, -1, 2, 5};
    gc_spm_cluster c[9];
    size_t n;
    double pset;
    CHECK(gc_spm_clusters(z, 9, 2.0, 10, 2.0, 1, 4, 0, c, &n, &pset) == GC_OK);
    CHECK(n == 2);
    CHECK_CLOSE(c[0].x0, 1.5, 1e-15);            /* 1 + (2 - 1) / (3 - 1) */
    CHECK_CLOSE(c[0].x1, 3 + 2.0 / 3.0, 1e-15);  /* 3 + (4 - 2) / (4 - 1) */
    CHECK_CLOSE(c[0].height, 2.0, 1e-15);
    CHECK_CLOSE(c[0].extent_resels, (c[0].x1 - c[0].x0) / 2.0, 1e-15);
    CHECK_CLOSE(c[1].x0, 7.0, 1e-15);
    CHECK_CLOSE(c[1].x1, 8.0, 1e-15);
    double p;
    gc_spm_p_cluster(c[0].extent_resels, 2.0, 10, 1, 4, &p);
    CHECK_CLOSE(c[0].p, p, 1e-15);
    CHECK(pset > 0 && pset <= 1);
    CHECK(gc_spm_clusters(z, 9, 2.0, 10, 2.0, 1, 4, 1, c, &n, &pset) == GC_OK);
    CHECK(n == 3);
    CHECK(c[1].sign == -1);
    CHECK_CLOSE(c[1].x0, 4.75, 1e-15);  /* -z: -1 -> 3 crosses 2 at 4.75 */
    CHECK_CLOSE(c[1].x1, 5.5, 1e-15);
    CHECK_CLOSE(c[0].p, p * 2 > 1 ? 1 : p * 2, 1e-15);
    /* a cluster of 25 resels: p_k underflows to 0, p and p_set are 0 (as in spm1d) */
    CHECK(gc_spm_p_set(1, 25.0, 2.0, 10, 1, 4, &p) == GC_OK);
    CHECK(p == 0.0);
    CHECK(gc_spm_p_cluster(25.0, 2.0, 10, 1, 4, &p) == GC_OK);
    CHECK(p == 0.0);
    /* no cluster: p_set 1 */
    CHECK(gc_spm_clusters(z, 9, 10.0, 10, 2.0, 1, 4, 1, c, &n, &pset) == GC_OK);
    CHECK(n == 0 && pset == 1.0);
    /* a lone node at the edge, no interpolation possible on its only side: extent 1 */
    const double z1[1] = {5};
    CHECK(gc_spm_clusters(z1, 1, 2.0, 10, 2.0, 1, 4, 0, c, &n, &pset) == GC_OK);
    CHECK(n == 1 && c[0].extent == 1.0 && c[0].height == 5.0);
}

int main(void)
{
    gc_test_init();
    test_fwhm();
    test_ttest2_reml_df();
    test_t_distribution();
    test_published();
    test_densities_and_bounds();
    test_clusters();
    return gc_test_report("test_spm");
}
