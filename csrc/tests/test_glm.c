/* C unit tests of gc_glm.c and of the F fields of gc_spm.c.  References: scipy.stats
 * (ttest_1samp, ttest_ind, f_oneway) on the small arrays below, the t tests of gc_spm.c (same
 * numbers as test_spm.c), and rft1d's f.isf_resels (spm1d 0.4.55) for the F threshold. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "core/gaitcore.h"
#include "gc_test.h"

/* rows 0-3: Y of test_spm.c; rows 4-5: its B */
static const double Z[6 * 5] = {0, 1, 3, 2, 5, 1, 2, 2, 4, 4, 2, 2, 5, 3, 7, 0.5, 3, 1, 2, 6,
                                2.3, 1.8, 5.1, 3.5, 7.2, 0.6, 3.4, 0.7, 2.2, 6.9};

static void test_t_designs(void)
{
    const double one[4] = {1, 1, 1, 1}, c1[1] = {1};
    const double t1[5] = {2.04939015, 4.89897949, 3.22047024, 5.74456265, 8.52056336};
    gc_glm_design d = {one, 4, 1, c1, 1, GC_FIELD_T, NULL, 0, NULL, 0};
    double z[5], df[2], fwhm;
    CHECK(gc_glm_fit(&d, Z, 5, z, df, &fwhm) == GC_OK);
    for (int q = 0; q < 5; q++)
        CHECK_CLOSE(z[q], t1[q], 1e-8);
    CHECK(df[0] == 1 && df[1] == 3);
    CHECK_CLOSE(fwhm, 1.798015129350651, 1e-13);
    /* two-sample: rows 0-1 against rows 4-5 (scipy.stats.ttest_ind) */
    const double X2[4 * 2] = {1, 0, 1, 0, 0, 1, 0, 1}, c2[2] = {1, -1};
    const double t2[5] = {-0.96333824, -1.16599767, -0.17729688, 0.12576654, -4.88491405};
    double y2[4 * 5];
    memcpy(y2, Z, 10 * sizeof(double));
    memcpy(y2 + 10, Z + 20, 10 * sizeof(double));
    gc_glm_design d2 = {X2, 4, 2, c2, 1, GC_FIELD_T, NULL, 0, NULL, 0};
    CHECK(gc_glm_fit(&d2, y2, 5, z, df, &fwhm) == GC_OK);
    for (int q = 0; q < 5; q++)
        CHECK_CLOSE(z[q], t2[q], 1e-8);
    CHECK_CLOSE(fwhm, 1.2258201171686551, 1e-12);  /* NumPy: residuals centred per group, np.gradient */
    /* paired: the one-sample design on the differences (scipy.stats.ttest_rel) */
    const double tp[5] = {-0.7037037, -3.66666667, -0.23529412, 0.09090909, -7.28571429};
    double diff[2 * 5];
    for (int k = 0; k < 10; k++)
        diff[k] = Z[k] - Z[20 + k];
    gc_glm_design d1 = {one, 2, 1, c1, 1, GC_FIELD_T, NULL, 0, NULL, 0};
    CHECK(gc_glm_fit(&d1, diff, 5, z, df, &fwhm) == GC_OK);
    for (int q = 0; q < 5; q++)
        CHECK_CLOSE(z[q], tp[q], 1e-8);
    /* zero variance, also up to rounding (0.1 + 0.1 + 0.1 != 0.3): t undefined */
    const double flat[3 * 2] = {1, 2, 1, 3, 1, 4}, tenth[3 * 2] = {0.1, 2, 0.1, 3, 0.1, 4};
    gc_glm_design d3 = {one, 3, 1, c1, 1, GC_FIELD_T, NULL, 0, NULL, 0};
    CHECK(gc_glm_fit(&d3, flat, 2, z, df, &fwhm) == GC_EINVAL);
    CHECK(gc_glm_fit(&d3, tenth, 2, z, df, &fwhm) == GC_EINVAL);
    /* F of the same contrast is t^2 */
    d2.stat = GC_FIELD_F;
    double f[5];
    CHECK(gc_glm_fit(&d2, y2, 5, f, df, &fwhm) == GC_OK);
    for (int q = 0; q < 5; q++)
        CHECK_CLOSE(f[q], t2[q] * t2[q], 1e-8);
}

/* one-way ANOVA, 3 groups of 2 rows (scipy.stats.f_oneway), effects coding */
static const double XA[6 * 3] = {1, 1, 0, 1, 1, 0, 1, 0, 1, 1, 0, 1, 1, -1, -1, 1, -1, -1};
static const double CA[2 * 3] = {0, 1, 0, 0, 0, 1};

static void test_anova_and_errors(void)
{
    const double want[5] = {0.49022801, 0.97368421, 0.02310231, 0.1180867, 10.33971292};
    gc_glm_design d = {XA, 6, 3, CA, 2, GC_FIELD_F, NULL, 0, NULL, 0};
    double z[5], df[2], fwhm;
    CHECK(gc_glm_fit(&d, Z, 5, z, df, &fwhm) == GC_OK);
    for (int q = 0; q < 5; q++)
        CHECK_CLOSE(z[q], want[q], 1e-7);
    CHECK(df[0] == 2 && df[1] == 3);
    /* rank-deficient design, rank-deficient contrast, t with two rows, NaN, too few nodes */
    const double Xbad[6 * 2] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, c01[2] = {0, 1};
    gc_glm_design bad = {Xbad, 6, 2, c01, 1, GC_FIELD_T, NULL, 0, NULL, 0};
    CHECK(gc_glm_fit(&bad, Z, 5, z, df, &fwhm) == GC_EINVAL);
    const double Cdup[2 * 3] = {0, 1, 0, 0, 2, 0};
    gc_glm_design dup = {XA, 6, 3, Cdup, 2, GC_FIELD_F, NULL, 0, NULL, 0};
    CHECK(gc_glm_fit(&dup, Z, 5, z, df, &fwhm) == GC_EINVAL);
    gc_glm_design t2rows = {XA, 6, 3, CA, 2, GC_FIELD_T, NULL, 0, NULL, 0};
    CHECK(gc_glm_fit(&t2rows, Z, 5, z, df, &fwhm) == GC_EINVAL);
    double zn[6 * 5];
    memcpy(zn, Z, sizeof zn);
    zn[7] = NAN;
    CHECK(gc_glm_fit(&d, zn, 5, z, df, &fwhm) == GC_ENOTFINITE);
    CHECK(gc_glm_fit(&d, Z, 1, z, df, &fwhm) == GC_ETOOSHORT);
    /* an error-term contrast: the denominator is that contrast's mean square */
    const double Ce[1 * 3] = {0, 0, 1}, C1[1 * 3] = {0, 1, 0};
    gc_glm_design de = {XA, 6, 3, C1, 1, GC_FIELD_F, Ce, 1, NULL, 0};
    CHECK(gc_glm_fit(&de, Z, 5, z, df, &fwhm) == GC_OK);
    CHECK(df[0] == 1 && df[1] == 1);
}

static void test_permutations(void)
{
    gc_glm_design d = {XA, 6, 3, CA, 2, GC_FIELD_F, NULL, 0, NULL, 0};
    double z[5], df[2], fwhm;
    CHECK(gc_glm_fit(&d, Z, 5, z, df, &fwhm) == GC_OK);
    enum { NP = 7 };
    size_t src[NP * 6];
    for (size_t i = 0; i < NP; i++)  /* rotations of the rows; the identity first */
        for (size_t j = 0; j < 6; j++)
            src[i * 6 + j] = (j + i) % 6;
    double f1[NP * 5], m1[NP], f3[NP * 5], m3[NP];
    CHECK(gc_glm_permute(&d, Z, 5, src, NULL, NP, 0, 1, f1, m1) == GC_OK);
    CHECK(gc_glm_permute(&d, Z, 5, src, NULL, NP, 0, 3, f3, m3) == GC_OK);
    for (int q = 0; q < 5; q++)
        CHECK_CLOSE(f1[q], z[q], 1e-10);
    CHECK(memcmp(f1, f3, sizeof f1) == 0 && memcmp(m1, m3, sizeof m1) == 0);
    CHECK_CLOSE(m1[0], 10.33971292, 1e-7);
    /* sign flips of a one-sample design: all -1 gives -t */
    const double one[4] = {1, 1, 1, 1}, c1[1] = {1};
    gc_glm_design t = {one, 4, 1, c1, 1, GC_FIELD_T, NULL, 0, NULL, 0};
    size_t id[2 * 4] = {0, 1, 2, 3, 0, 1, 2, 3};
    signed char sg[2 * 4] = {1, 1, 1, 1, -1, -1, -1, -1};
    double ft[2 * 5], mt[2];
    CHECK(gc_glm_permute(&t, Z, 5, id, sg, 2, 1, 2, ft, mt) == GC_OK);
    for (int q = 0; q < 5; q++)
        CHECK_CLOSE(ft[5 + q], -ft[q], 1e-10);
    CHECK_CLOSE(mt[0], 8.52056336, 1e-7);
    src[3] = 6;  /* out of range */
    CHECK(gc_glm_permute(&d, Z, 5, src, NULL, NP, 0, 1, f1, m1) == GC_EINVAL);
}

/* Random schemes of gc_glm_permute_random, against explicit arrangements (gc_glm_permute). */
static void test_random_schemes(void)
{
    enum { NP = 40 };
    double f1[NP * 5], m1[NP], f2[NP * 5], m2[NP];
    /* one sign per block with one row per block draws the same stream as one sign per row */
    const double one[4] = {1, 1, 1, 1}, c1[1] = {1};
    gc_glm_design t = {one, 4, 1, c1, 1, GC_FIELD_T, NULL, 0, NULL, 0};
    const size_t rows4[4] = {0, 1, 2, 3}, start4[5] = {0, 1, 2, 3, 4};
    gc_glm_random per_row = {7, 1, NULL, NULL, 0, 0, NULL, 0, NULL};
    gc_glm_random per_block = {7, 1, rows4, start4, 4, 0, NULL, 0, NULL};
    CHECK(gc_glm_permute_random(&t, Z, 5, &per_row, NP, 1, 1, f1, m1) == GC_OK);
    CHECK(gc_glm_permute_random(&t, Z, 5, &per_block, NP, 1, 2, f2, m2) == GC_OK);
    CHECK(memcmp(f1, f2, sizeof f1) == 0);
    /* maxima without the fields (t from its square, one- and two-tailed) equal the fields' */
    for (int tails = 0; tails < 2; tails++) {
        double m_kept[NP], m_only[NP];
        CHECK(gc_glm_permute_random(&t, Z, 5, &per_row, NP, tails, 1, f1, m_kept) == GC_OK);
        CHECK(gc_glm_permute_random(&t, Z, 5, &per_row, NP, tails, 2, NULL, m_only) == GC_OK);
        for (size_t i = 0; i < NP; i++)
            CHECK_CLOSE(m_only[i], m_kept[i], 1e-13 * fabs(m_kept[i]));
    }
    /* whole groups of the one-way ANOVA exchanged: F does not depend on the group names */
    gc_glm_design d = {XA, 6, 3, CA, 2, GC_FIELD_F, NULL, 0, NULL, 0};
    double z[5], df[2], fwhm;
    CHECK(gc_glm_fit(&d, Z, 5, z, df, &fwhm) == GC_OK);
    const size_t rows6[6] = {0, 1, 2, 3, 4, 5}, start3[4] = {0, 2, 4, 6};
    gc_glm_random groups = {3, 0, rows6, start3, 3, 1, NULL, 0, NULL};
    CHECK(gc_glm_permute_random(&d, Z, 5, &groups, NP, 0, 2, f1, m1) == GC_OK);
    for (size_t i = 0; i < NP * 5; i++)
        CHECK_CLOSE(f1[i], z[i % 5], 1e-10);
    /* blocks {0, 2}, {1, 3}, {4, 5} exchanged whole: every draw is one of the 3! block orders */
    const size_t rows_x[6] = {0, 2, 1, 3, 4, 5};
    gc_glm_random whole = {11, 0, rows_x, start3, 3, 1, NULL, 0, NULL};
    CHECK(gc_glm_permute_random(&d, Z, 5, &whole, NP, 0, 1, f1, m1) == GC_OK);
    CHECK(gc_glm_permute_random(&d, Z, 5, &whole, NP, 0, 3, f2, m2) == GC_OK);
    CHECK(memcmp(f1, f2, sizeof f1) == 0);
    for (int q = 0; q < 5; q++)
        CHECK_CLOSE(f1[q], z[q], 1e-10);  /* the identity first */
    const size_t orders[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
    size_t src[6 * 6];
    for (size_t o = 0; o < 6; o++)
        for (size_t b = 0; b < 3; b++)
            for (size_t k = 0; k < 2; k++)
                src[o * 6 + rows_x[2 * b + k]] = rows_x[2 * orders[o][b] + k];
    double fe[6 * 5], me[6];
    CHECK(gc_glm_permute(&d, Z, 5, src, NULL, 6, 0, 1, fe, me) == GC_OK);
    int all_found = 1, orders_seen = 0;
    for (size_t i = 0; i < NP; i++) {
        int found = 0;
        for (size_t o = 0; o < 6 && !found; o++) {
            int same = 1;
            for (int q = 0; q < 5; q++)
                same &= fabs(f1[i * 5 + q] - fe[o * 5 + q]) <= 1e-12 * (1 + fabs(fe[o * 5 + q]));
            if (same) {
                found = 1;
                orders_seen |= 1 << o;
            }
        }
        all_found &= found;
    }
    CHECK(all_found && orders_seen != 1);
    /* whole blocks within groups: blocks {0, 2} and {1, 3} in group 0, {4, 5} alone in group 1 */
    const size_t gstart[3] = {0, 2, 3};
    gc_glm_random grouped = {5, 0, rows_x, start3, 3, 1, gstart, 2, NULL};
    CHECK(gc_glm_permute_random(&d, Z, 5, &grouped, NP, 0, 2, f1, m1) == GC_OK);
    for (size_t i = 0; i < NP; i++) {  /* only orders 0 (identity) and 2 (swap 0 <-> 1) */
        double d0 = 0, d2 = 0;
        for (int q = 0; q < 5; q++) {
            d0 = fmax(d0, fabs(f1[i * 5 + q] - fe[q]));
            d2 = fmax(d2, fabs(f1[i * 5 + q] - fe[2 * 5 + q]));
        }
        CHECK(fmin(d0, d2) < 1e-10);
    }
    /* maxima only (fields NULL), then the fields of chosen draws: the same permutations */
    double m_only[NP], f_sub[3 * 5], m_sub[3];
    CHECK(gc_glm_permute_random(&d, Z, 5, &whole, NP, 0, 2, NULL, m_only) == GC_OK);
    CHECK(memcmp(m_only, m2, sizeof m_only) == 0);
    const size_t picked[3] = {0, 17, 5};
    gc_glm_random some = whole;
    some.draws = picked;
    CHECK(gc_glm_permute_random(&d, Z, 5, &some, 3, 0, 1, f_sub, m_sub) == GC_OK);
    for (int k = 0; k < 3; k++) {
        CHECK(m_sub[k] == m2[picked[k]]);
        CHECK(memcmp(f_sub + k * 5, f2 + picked[k] * 5, 5 * sizeof(double)) == 0);
    }
    /* bad layouts: unequal blocks in a group, whole with sign flips, groups not covering blocks */
    const size_t start_uneven[4] = {0, 1, 4, 6};
    gc_glm_random uneven = {1, 0, rows6, start_uneven, 3, 1, NULL, 0, NULL};
    CHECK(gc_glm_permute_random(&d, Z, 5, &uneven, NP, 0, 1, f1, m1) == GC_EINVAL);
    uneven.whole = 0;  /* shuffles within blocks of any size */
    CHECK(gc_glm_permute_random(&d, Z, 5, &uneven, NP, 0, 1, f1, m1) == GC_OK);
    gc_glm_random flip_whole = {1, 1, rows6, start3, 3, 1, NULL, 0, NULL};
    CHECK(gc_glm_permute_random(&d, Z, 5, &flip_whole, NP, 0, 1, f1, m1) == GC_EINVAL);
    const size_t gbad[3] = {0, 2, 2};
    gc_glm_random short_groups = {1, 0, rows6, start3, 3, 1, gbad, 2, NULL};
    CHECK(gc_glm_permute_random(&d, Z, 5, &short_groups, NP, 0, 1, f1, m1) == GC_EINVAL);
    const size_t rows_dup[6] = {0, 0, 1, 2, 3, 4};
    gc_glm_random dup = {1, 0, rows_dup, start3, 3, 0, NULL, 0, NULL};
    CHECK(gc_glm_permute_random(&d, Z, 5, &dup, NP, 0, 1, f1, m1) == GC_EINVAL);
}

static void test_cluster_mass_and_f_field(void)
{
    const double fields[2 * 6] = {0, 3, 4, 3, 0, 5, -4, -4, 0, 0, 3, -3};
    double mass[2];
    CHECK(gc_spm_max_cluster_mass(fields, 2, 6, 2.0, 0, mass) == GC_OK);
    CHECK_CLOSE(mass[0], 3.0, 1e-15);  /* max(trapezoid 1,2,1 = 3; single 3) */
    CHECK_CLOSE(mass[1], 1.0, 1e-15);  /* the single node 3 */
    CHECK(gc_spm_max_cluster_mass(fields, 2, 6, 2.0, 1, mass) == GC_OK);
    CHECK_CLOSE(mass[1], 2.0, 1e-15);  /* two-tailed: -4, -4 is a run (2); 3 and -3 are two runs of 1 */
    gc_spm_field f = {GC_FIELD_F, 2, 12};
    double u;
    CHECK(gc_spm_field_threshold(&f, 0.05, 1, 10, 101, &u) == GC_OK);
    CHECK_CLOSE(u, 11.565182343573568, 1e-8);
    gc_spm_field bad = {GC_FIELD_F, 0.5, 12};
    CHECK(gc_spm_field_threshold(&bad, 0.05, 1, 10, 101, &u) == GC_EINVAL);
}

int main(void)
{
    gc_test_init();
    test_t_designs();
    test_anova_and_errors();
    test_permutations();
    test_random_schemes();
    test_cluster_mass_and_f_field();
    return gc_test_report("test_glm");
}
