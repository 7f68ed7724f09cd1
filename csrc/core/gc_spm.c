/* gc_spm.c -- SPM{t}: t curves, smoothness, random field theory inference.
 *
 * Implemented from the formulas in METHODS.md D (Worsley et al. 1996, Hum Brain Mapp 4:58;
 * Friston et al. 2007, Statistical Parametric Mapping; Pataky 2016 for 1D fields).
 * spm1d / rft1d (GPL) serve as test references only; no code is taken from them.
 */
#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_roots.h>

#include "gaitcore.h"

#define EPS_RFT 2.220446049250313e-16   /* clip of EC densities, added to E_c */
#define GAMMA_3_2 0.88622692545275801   /* Gamma(3/2) = sqrt(pi) / 2 */
#define FOUR_LN2 2.772588722239781      /* 4 ln 2 */
#define TWO_PI 6.283185307179586

/* ---- t distribution ------------------------------------------------------ */

int gc_spm_t_sf(double t, double df, double *p)
{
    if (!(df > 0) || isnan(t))
        return GC_EINVAL;
    *p = gsl_cdf_tdist_Q(t, df);
    return GC_OK;
}

int gc_spm_t_isf(double p, double df, double *t)
{
    if (!(df > 0) || !(p > 0 && p < 1))
        return GC_EINVAL;
    *t = gsl_cdf_tdist_Qinv(p, df);
    return isfinite(*t) ? GC_OK : GC_EGSL;
}

/* ---- t curves -------------------------------------------------------------- */

static int all_finite(const double *y, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (!isfinite(y[k]))
            return 0;
    return 1;
}

/* Column means of a J x Q block into mean[Q]. */
static void column_means(const double *y, size_t J, size_t Q, double *mean)
{
    for (size_t q = 0; q < Q; q++)
        mean[q] = 0.0;
    for (size_t j = 0; j < J; j++)
        for (size_t q = 0; q < Q; q++)
            mean[q] += y[j * Q + q];
    for (size_t q = 0; q < Q; q++)
        mean[q] /= (double)J;
}

/* resid = y - mean (row-wise), returns nothing; ss[q] += sum_j resid^2. */
static void centre_rows(const double *y, size_t J, size_t Q, const double *mean,
                        double *resid, double *ss)
{
    for (size_t j = 0; j < J; j++) {
        const double *row = y + j * Q;
        double *r = resid + j * Q;
        for (size_t q = 0; q < Q; q++) {
            r[q] = row[q] - mean[q];
            ss[q] += r[q] * r[q];
        }
    }
}

int gc_spm_ttest(const double *y, size_t J, size_t Q, double mu, double *t, double *resid)
{
    if (J < 2 || Q < 1)
        return GC_ETOOSHORT;
    if (!isfinite(mu))
        return GC_EINVAL;
    if (!all_finite(y, J * Q))
        return GC_ENOTFINITE;
    double *mean = malloc(2 * Q * sizeof *mean);
    if (!mean)
        return GC_ENOMEM;
    double *ss = mean + Q;
    column_means(y, J, Q, mean);
    for (size_t q = 0; q < Q; q++)
        ss[q] = 0.0;
    centre_rows(y, J, Q, mean, resid, ss);
    int status = GC_OK;
    for (size_t q = 0; q < Q; q++) {
        if (!(ss[q] > 0)) {
            status = GC_EINVAL;  /* zero variance: t is undefined */
            break;
        }
        double sd = sqrt(ss[q] / (double)(J - 1));
        t[q] = (mean[q] - mu) / (sd / sqrt((double)J));
    }
    free(mean);
    return status;
}

int gc_spm_ttest_paired(const double *ya, const double *yb, size_t J, size_t Q,
                        double *t, double *resid)
{
    if (J < 2 || Q < 1)
        return GC_ETOOSHORT;
    if (!all_finite(ya, J * Q) || !all_finite(yb, J * Q))
        return GC_ENOTFINITE;
    /* resid first holds the differences, then is centred in place by gc_spm_ttest */
    for (size_t k = 0; k < J * Q; k++)
        resid[k] = ya[k] - yb[k];
    return gc_spm_ttest(resid, J, Q, 0.0, t, resid);
}

int gc_spm_ttest2(const double *ya, size_t Ja, const double *yb, size_t Jb, size_t Q,
                  double *t, double *resid)
{
    if (Ja < 1 || Jb < 1 || Ja + Jb < 3 || Q < 1)
        return GC_ETOOSHORT;
    if (!all_finite(ya, Ja * Q) || !all_finite(yb, Jb * Q))
        return GC_ENOTFINITE;
    double *mean_a = malloc(3 * Q * sizeof *mean_a);
    if (!mean_a)
        return GC_ENOMEM;
    double *mean_b = mean_a + Q, *ss = mean_b + Q;
    column_means(ya, Ja, Q, mean_a);
    column_means(yb, Jb, Q, mean_b);
    for (size_t q = 0; q < Q; q++)
        ss[q] = 0.0;
    centre_rows(ya, Ja, Q, mean_a, resid, ss);
    centre_rows(yb, Jb, Q, mean_b, resid + Ja * Q, ss);
    const double df = (double)(Ja + Jb - 2);
    const double scale = sqrt(1.0 / (double)Ja + 1.0 / (double)Jb);
    int status = GC_OK;
    for (size_t q = 0; q < Q; q++) {
        if (!(ss[q] > 0)) {
            status = GC_EINVAL;
            break;
        }
        t[q] = (mean_a[q] - mean_b[q]) / (sqrt(ss[q] / df) * scale);
    }
    free(mean_a);
    return status;
}

/* ---- smoothness ---------------------------------------------------------------- */

/* numpy.gradient of one row at node q (unit spacing, first-order one-sided ends). */
static double gradient_at(const double *r, size_t Q, size_t q)
{
    if (q == 0)
        return r[1] - r[0];
    if (q == Q - 1)
        return r[Q - 1] - r[Q - 2];
    return 0.5 * (r[q + 1] - r[q - 1]);
}

int gc_spm_fwhm(const double *resid, size_t J, size_t Q, double *fwhm)
{
    if (J < 1 || Q < 2)
        return GC_ETOOSHORT;
    double sum_sqrt_v = 0.0;
    for (size_t q = 0; q < Q; q++) {
        double ss = 0.0, dd = 0.0;
        for (size_t j = 0; j < J; j++) {
            const double *r = resid + j * Q;
            double d = gradient_at(r, Q, q);
            ss += r[q] * r[q];
            dd += d * d;
        }
        if (!(ss > 0))
            return GC_EINVAL;
        sum_sqrt_v += sqrt(dd / ss / FOUR_LN2);
    }
    if (!(sum_sqrt_v > 0) || !isfinite(sum_sqrt_v))
        return GC_EINVAL;
    *fwhm = (double)Q / sum_sqrt_v;
    return GC_OK;
}

/* ---- random field theory ------------------------------------------------------- */

static void ec_density(double u, double df, double rho[2])
{
    rho[0] = gsl_cdf_tdist_Q(u, df);
    rho[1] = sqrt(FOUR_LN2) / TWO_PI * pow(1.0 + u * u / df, -0.5 * (df - 1.0));
    if (rho[0] < EPS_RFT)
        rho[0] = EPS_RFT;
    if (rho[1] < EPS_RFT)
        rho[1] = EPS_RFT;
}

static int rft_args_ok(double u, double df, double r0, double r1)
{
    return !isnan(u) && df > 0 && isfinite(df) && r0 >= 0 && r1 >= 0 && isfinite(r0) &&
           isfinite(r1);
}

int gc_spm_ec_density(double u, double df, double rho[2])
{
    if (!rft_args_ok(u, df, 0, 0))
        return GC_EINVAL;
    ec_density(u, df, rho);
    return GC_OK;
}

static double expected_ec(double u, double df, double r0, double r1)
{
    double rho[2];
    ec_density(u, df, rho);
    return r0 * rho[0] + r1 * rho[1];
}

int gc_spm_expected_ec(double u, double df, double r0, double r1, double *ec)
{
    if (!rft_args_ok(u, df, r0, r1))
        return GC_EINVAL;
    *ec = expected_ec(u, df, r0, r1);
    return GC_OK;
}

static double p_max(double u, double df, double r0, double r1, size_t nodes)
{
    double rho[2];
    ec_density(u, df, rho);
    double p = -expm1(-(r0 * rho[0] + r1 * rho[1] + EPS_RFT));
    if (nodes > 0 && (double)nodes * rho[0] < p)
        p = (double)nodes * rho[0];  /* Bonferroni bound: never worse than Q tests */
    return p > rho[0] ? p : rho[0];  /* never below a single node's p */
}

int gc_spm_p_max(double u, double df, double r0, double r1, size_t nodes, double *p)
{
    if (!rft_args_ok(u, df, r0, r1))
        return GC_EINVAL;
    *p = p_max(u, df, r0, r1, nodes);
    return GC_OK;
}

struct threshold_params {
    double alpha, df, r0, r1;
    size_t nodes;
};

static double threshold_residual(double u, void *params)
{
    const struct threshold_params *tp = params;
    return p_max(u, tp->df, tp->r0, tp->r1, tp->nodes) - tp->alpha;
}

int gc_spm_threshold(double alpha, double df, double r0, double r1, size_t nodes, double *u)
{
    if (!(alpha > 0 && alpha < 0.5) || !rft_args_ok(0, df, r0, r1) || !(r0 + r1 > 0))
        return GC_EINVAL;
    struct threshold_params tp = {alpha, df, r0, r1, nodes};
    gsl_function f = {threshold_residual, &tp};
    /* start near the Bonferroni-like guess; p_max decreases with u and p_max(0) >= 0.5 */
    double guess = gsl_cdf_tdist_Qinv(alpha / (r0 + r1), df);
    if (!isfinite(guess) || guess <= 0)
        guess = 1.0;
    double lo = guess, hi = guess;
    while (lo > 0 && threshold_residual(lo, &tp) < 0)
        lo = lo < 1e-3 ? 0.0 : 0.5 * lo;
    while (threshold_residual(hi, &tp) > 0) {
        hi *= 2.0;  /* wide bracket: df = 3, alpha = 0.001, r1 = 20 needs u = 126 */
        if (hi > 1e12)
            return GC_ENOCONV;
    }
    if (threshold_residual(lo, &tp) == 0) {
        *u = lo;
        return GC_OK;
    }
    if (threshold_residual(hi, &tp) == 0) {
        *u = hi;
        return GC_OK;
    }
    gsl_root_fsolver *s = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
    if (!s)
        return GC_ENOMEM;
    int status = gsl_root_fsolver_set(s, &f, lo, hi);
    int result = GC_ENOCONV;
    for (int iter = 0; status == GSL_SUCCESS && iter < 500; iter++) {
        status = gsl_root_fsolver_iterate(s);
        if (status != GSL_SUCCESS)
            break;
        double a = gsl_root_fsolver_x_lower(s), b = gsl_root_fsolver_x_upper(s);
        if (gsl_root_test_interval(a, b, 1e-14, 1e-14) == GSL_SUCCESS) {
            *u = gsl_root_fsolver_root(s);
            result = GC_OK;
            break;
        }
    }
    if (status != GSL_SUCCESS)
        result = GC_EGSL;
    gsl_root_fsolver_free(s);
    return result;
}

/* Probability that a cluster above h has at least k_resels resels (one tailed). */
static double p_extent(double k_resels, double h, double df)
{
    double rho[2];
    ec_density(h, df, rho);
    double expected_k = rho[0] / rho[1];          /* E[extent] in resels: E_N / E_m */
    double beta = GAMMA_3_2 / expected_k;         /* (Gamma(D/2+1) / E_k)^(2/D), D = 1 */
    return exp(-beta * beta * k_resels * k_resels);
}

static double p_cluster(double k_resels, double h, double df, double r0, double r1)
{
    double ec = expected_ec(h, df, r0, r1);
    return -expm1(-(ec + EPS_RFT) * p_extent(k_resels, h, df));
}

int gc_spm_p_cluster(double k_resels, double h, double df, double r0, double r1, double *p)
{
    if (!rft_args_ok(h, df, r0, r1) || !(k_resels >= 0))
        return GC_EINVAL;
    *p = p_cluster(k_resels, h, df, r0, r1);
    return GC_OK;
}

static double p_set(size_t c, double k_min, double u, double df, double r0, double r1)
{
    if (c == 0)
        return 1.0;
    double lambda = expected_ec(u, df, r0, r1) * p_extent(k_min, u, df);
    return gsl_cdf_poisson_Q((unsigned int)(c - 1), lambda);  /* P(N >= c) */
}

int gc_spm_p_set(size_t c, double k_min_resels, double u, double df, double r0, double r1,
                 double *p)
{
    if (!rft_args_ok(u, df, r0, r1) || !(k_min_resels >= 0))
        return GC_EINVAL;
    *p = p_set(c, k_min_resels, u, df, r0, r1);
    return GC_OK;
}

/* ---- clusters ---------------------------------------------------------------- */

/* The cluster of sign s over the run [i0, i1] of s*z >= u. */
static gc_spm_cluster make_cluster(const double *z, size_t Q, size_t i0, size_t i1, int s,
                                   double u)
{
    gc_spm_cluster c;
    double x0 = (double)i0, x1 = (double)i1, h = INFINITY;
    int interpolated = 0;
    if (i0 > 0) {  /* crossing between i0 - 1 (below u) and i0 (at or above u) */
        double a = s * z[i0 - 1], b = s * z[i0];
        x0 = (double)(i0 - 1) + (u - a) / (b - a);
        interpolated = 1;
    }
    if (i1 < Q - 1) {
        double a = s * z[i1], b = s * z[i1 + 1];
        x1 = (double)i1 + (a - u) / (a - b);
        interpolated = 1;
    }
    for (size_t q = i0; q <= i1; q++)
        if (s * z[q] < h)
            h = s * z[q];
    if (interpolated && u < h)
        h = u;  /* the interpolated endpoints sit at the threshold */
    c.x0 = x0;
    c.x1 = x1;
    c.extent = x1 > x0 ? x1 - x0 : 1.0;  /* a lone node without interpolation counts 1 */
    c.height = h;
    c.sign = s;
    c.extent_resels = 0.0;
    c.p = 1.0;
    return c;
}

static int by_start(const void *a, const void *b)
{
    double xa = ((const gc_spm_cluster *)a)->x0, xb = ((const gc_spm_cluster *)b)->x0;
    return (xa > xb) - (xa < xb);
}

int gc_spm_clusters(const double *z, size_t Q, double u, double df, double fwhm,
                    double r0, double r1, int two_tailed, gc_spm_cluster *out,
                    size_t *n_clusters, double *p_set_out)
{
    if (Q < 1 || !(u > 0) || !isfinite(u) || !(fwhm > 0) || !rft_args_ok(u, df, r0, r1))
        return GC_EINVAL;
    if (!all_finite(z, Q))
        return GC_ENOTFINITE;
    size_t n = 0;
    for (int s = 1; s >= -1; s -= 2) {
        if (s < 0 && !two_tailed)
            break;
        size_t q = 0;
        while (q < Q) {
            if (s * z[q] >= u) {
                size_t i0 = q;
                while (q + 1 < Q && s * z[q + 1] >= u)
                    q++;
                out[n++] = make_cluster(z, Q, i0, q, s, u);
            }
            q++;
        }
    }
    qsort(out, n, sizeof *out, by_start);
    const double tails = two_tailed ? 2.0 : 1.0;
    double k_min = INFINITY;
    for (size_t c = 0; c < n; c++) {
        out[c].extent_resels = out[c].extent / fwhm;
        double p = tails * p_cluster(out[c].extent_resels, out[c].height, df, r0, r1);
        out[c].p = p < 1.0 ? p : 1.0;
        if (out[c].extent_resels < k_min)
            k_min = out[c].extent_resels;
    }
    double ps = n ? tails * p_set(n, k_min, u, df, r0, r1) : 1.0;
    *p_set_out = ps < 1.0 ? ps : 1.0;
    *n_clusters = n;
    return GC_OK;
}
