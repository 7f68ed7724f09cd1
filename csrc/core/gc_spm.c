/* gc_spm.c -- SPM{t} and SPM{F}: t distribution, smoothness, random field theory inference
 * (the t and F curves themselves come from the GLM, gc_glm.c).
 *
 * Implemented from the formulas in docs/methods.md D (Worsley et al. 1996, Hum Brain Mapp 4:58;
 * Friston et al. 2007, Statistical Parametric Mapping; Pataky 2016 for 1D fields).
 * spm1d / rft1d (GPL) serve as test references only; no code is taken from them.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_roots.h>
#include <gsl/gsl_sf_gamma.h>

#include "gaitcore.h"
#include "gc_size.h"

#define EPS_RFT 2.220446049250313e-16   /* clip of EC densities, added to E_c */
#define GAMMA_3_2 0.88622692545275801   /* Gamma(3/2) = sqrt(pi) / 2 */
#define FOUR_LN2 2.772588722239781      /* 4 ln 2 */
#define TWO_PI 6.283185307179586
#define SQRT2 1.4142135623730951
#define FLAT_EPS (64 * DBL_EPSILON)      /* rounding noise allowed in a 'flat' node */

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

/* ---- residual sums (smoothness, ReML df) ----------------------------------- */

static int all_finite(const double *y, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (!isfinite(y[k]))
            return 0;
    return 1;
}

/* Any NaN or inf input reaches the mean and the residual sum of squares of its node. */
static int sums_finite(const double *mean, const double *ss, const double *scale, size_t Q)
{
    for (size_t q = 0; q < Q; q++)
        if (!isfinite(mean[q]) || !isfinite(ss[q]) || !isfinite(scale[q]))
            return 0;
    return 1;
}

/* Zero variance up to rounding: the residual sum of squares ss of `rows` values is no larger
 * than the rounding noise of values of magnitude scale, rows * (64 eps scale)^2. */
static int flat_node(double ss, size_t rows, double scale)
{
    double noise = FLAT_EPS * scale;
    return !(ss > (double)rows * noise * noise);
}

/* Column means of a J x Q block into mean[Q]; scale[q] = max(scale[q], max_j |y_jq|)
 * in the same pass (branch-free, vectorisable).  NaN and inf are caught afterwards by
 * sums_finite: they make the mean and the residual sums of their node non-finite. */
static void column_means(const double *restrict y, size_t J, size_t Q, double *restrict mean,
                         double *restrict scale)
{
    for (size_t q = 0; q < Q; q++)
        mean[q] = 0.0;
    for (size_t j = 0; j < J; j++) {
        const double *restrict row = y + j * Q;
        for (size_t q = 0; q < Q; q++) {
            double a = fabs(row[q]);
            mean[q] += row[q];
            scale[q] = a > scale[q] ? a : scale[q];
        }
    }
    for (size_t q = 0; q < Q; q++)
        mean[q] /= (double)J;
}

/* For each row j of y minus mean: the residual row r, ss[q] += r_q^2 and dd[q] +=
 * (numpy.gradient of r)_q^2.  One pass, no J x Q storage; Q >= 2; row is Q doubles of scratch. */
static void accumulate_residuals(const double *restrict y, size_t J, size_t Q,
                                 const double *restrict mean, double *restrict row,
                                 double *restrict ss, double *restrict dd)
{
    for (size_t j = 0; j < J; j++) {
        const double *a = y + j * Q;
        for (size_t q = 0; q < Q; q++)
            row[q] = a[q] - mean[q];
        double d = row[1] - row[0];  /* one-sided at the ends, central inside */
        dd[0] += d * d;
        for (size_t q = 1; q + 1 < Q; q++) {
            d = 0.5 * (row[q + 1] - row[q - 1]);
            dd[q] += d * d;
        }
        d = row[Q - 1] - row[Q - 2];
        dd[Q - 1] += d * d;
        for (size_t q = 0; q < Q; q++)
            ss[q] += row[q] * row[q];
    }
}

/* fwhm = 1 / mean_q sqrt(v_q / (4 ln 2)), v_q = dd_q / ss_q. */
static int fwhm_from_sums(const double *ss, const double *dd, size_t Q, double *fwhm)
{
    double sum_sqrt_v = 0.0;
    for (size_t q = 0; q < Q; q++) {
        if (!(ss[q] > 0))
            return GC_EINVAL;
        sum_sqrt_v += sqrt(dd[q] / ss[q] / FOUR_LN2);
    }
    if (!(sum_sqrt_v > 0) || !isfinite(sum_sqrt_v))
        return GC_EINVAL;  /* perfectly flat residual field: infinite smoothness */
    *fwhm = (double)Q / sum_sqrt_v;
    return GC_OK;
}

/* ---- two-sample test without equal variances: ReML effective df -------------------- */

/* The two-sample GLM Y = X beta + e (X: group indicators, n = Ja + Jb rows) with the error
 * covariance C = h_a Q_a + h_b Q_b, Q_g the identity on the rows of group g (SPM's
 * non-sphericity model; spm1d.stats.ttest2(equal_var=False)).  The hyperparameters h are the
 * restricted maximum likelihood (ReML) estimates of Friston et al. (2002, NeuroImage 16:465,
 * Appendix) by Fisher scoring as in SPM's spm_reml, fitted to the sample covariance of the Q
 * node columns each scaled to unit pooled variance: w_q = (n - 2) / ss_q, YY = Y W Y' / Q.
 * Only the effective df changes: t, the residuals and thus FWHM and resels stay pooled.
 *
 * Everything is block diagonal here, so the n x n matrices reduce to scalars.  With
 * a_g = 1 / h_g + 1e^-32 (spm_reml's regularised inverse of C) the ReML projector is
 * P = a_a M_a (+) a_b M_b (M_g = I - 11'/J_g, the centring matrix of group g), and
 *   tr(P Q_g)          = a_g (J_g - 1)
 *   tr(P Q_g P YY)     = a_g^2 S_g,  S_g = (n - 2) / Q sum_q ss_g,q / ss_q
 *   tr(P Q_g P Q_k)    = a_g^2 (J_g - 1) if g == k, else 0
 * (S_g is the group's share of the unit-scaled residual variance; S_a + S_b = n - 2).
 * Gradient and expected curvature of the ReML objective F, with spm_reml's weak
 * hyperprior (mean 0, precision e^-32):
 *   dF/dh_g   = -1/2 (a_g (J_g - 1) - a_g^2 S_g) - e^-32 h_g
 *   d2F/dh_g2 = -1/2 a_g^2 (J_g - 1) - e^-32
 * Fisher scoring from h = (1, 1) with spm_reml's step damping: h += -(dF/dh) / (d2F/dh2) /
 * ln(k + 3) at iteration k = 0, 1, ..., stopping once the predicted change of F,
 * sum_g (dF/dh_g) dh_g, is below 0.1, or after 128 iterations.  (Without the e^-32 terms
 * a step moves h_g a fraction 1 / ln(k + 3) towards S_g / (J_g - 1); the early stop is part
 * of the estimator and is kept so that df equals spm1d's.)  With V = h_a Q_a + h_b Q_b and
 * the residual-forming matrix R = I - X (X'X)^-1 X' = M_a (+) M_b, Satterthwaite:
 *   df = tr(RV)^2 / tr(RVRV) = (h_a (Ja - 1) + h_b (Jb - 1))^2 / (h_a^2 (Ja - 1) + h_b^2 (Jb - 1))
 * (scale free, so spm1d's normalisation of V to trace n is not needed); df = Ja + Jb - 2
 * when the groups' variance shares match their sizes. */

#define REML_PRIOR 1.2664165549094176e-14  /* e^-32: spm_reml's hyperprior precision */
#define REML_MAX_ITER 128
#define REML_STOP 0.1

static double reml_effective_df(double s_a, double s_b, size_t Ja, size_t Jb)
{
    const double S[2] = {s_a, s_b}, m[2] = {(double)Ja - 1.0, (double)Jb - 1.0};
    double h[2] = {1.0, 1.0};
    for (int k = 0; k < REML_MAX_ITER; k++) {
        double dF = 0.0, damp = log((double)k + 3.0), step[2];
        for (int g = 0; g < 2; g++) {
            double a = 1.0 / h[g] + REML_PRIOR;
            double grad = -0.5 * (a * m[g] - a * a * S[g]) - REML_PRIOR * h[g];
            double curv = -0.5 * a * a * m[g] - REML_PRIOR;
            step[g] = -grad / curv / damp;
            dF += grad * step[g];
        }
        h[0] += step[0];
        h[1] += step[1];
        if (dF < REML_STOP)
            break;
    }
    double tr_rv = h[0] * m[0] + h[1] * m[1];
    double tr_rvrv = h[0] * h[0] * m[0] + h[1] * h[1] * m[1];
    return tr_rv * tr_rv / tr_rvrv;
}

/* ss[q] = sum_j (y_jq - mean_q)^2 of a J x Q block. */
static void group_ss(const double *restrict y, size_t J, size_t Q, const double *restrict mean,
                     double *restrict ss)
{
    for (size_t j = 0; j < J; j++) {
        const double *restrict row = y + j * Q;
        for (size_t q = 0; q < Q; q++) {
            double r = row[q] - mean[q];
            ss[q] += r * r;
        }
    }
}

int gc_spm_ttest2_reml_df(const double *ya, size_t Ja, const double *yb, size_t Jb, size_t Q,
                          double *df)
{
    if (Ja < 2 || Jb < 2 || Q < 2)
        return GC_ETOOSHORT;
    size_t count;
    double *buf = gc_size_mul(6, Q, &count) ? calloc(count, sizeof *buf) : NULL;
    if (!buf)
        return GC_ENOMEM;
    double *mean_a = buf, *mean_b = buf + Q, *ss_a = buf + 2 * Q, *ss_b = buf + 3 * Q;
    double *scale_a = buf + 4 * Q, *scale_b = buf + 5 * Q;
    column_means(ya, Ja, Q, mean_a, scale_a);
    column_means(yb, Jb, Q, mean_b, scale_b);
    group_ss(ya, Ja, Q, mean_a, ss_a);
    group_ss(yb, Jb, Q, mean_b, ss_b);
    int status = GC_ENOTFINITE;
    if (!sums_finite(mean_a, ss_a, scale_a, Q) || !sums_finite(mean_b, ss_b, scale_b, Q))
        goto done;
    status = GC_EINVAL;
    const size_t n = Ja + Jb;
    int varies_a = 0, varies_b = 0;
    double share_a = 0.0, share_b = 0.0;
    for (size_t q = 0; q < Q; q++) {
        double scale = scale_a[q] > scale_b[q] ? scale_a[q] : scale_b[q];
        double ss = ss_a[q] + ss_b[q];
        if (flat_node(ss, n, scale))
            goto done;  /* pooled variance zero: t undefined (as gc_glm_fit) */
        varies_a |= !flat_node(ss_a[q], Ja, scale_a[q]);
        varies_b |= !flat_node(ss_b[q], Jb, scale_b[q]);
        share_a += ss_a[q] / ss;
        share_b += ss_b[q] / ss;
    }
    if (!varies_a || !varies_b)
        goto done;  /* a group without variance: its variance component is 0, ReML undefined */
    const double unit = (double)(n - 2) / (double)Q;
    *df = reml_effective_df(unit * share_a, unit * share_b, Ja, Jb);
    status = isfinite(*df) && *df > 0 ? GC_OK : GC_EINVAL;
done:
    free(buf);
    return status;
}

/* ---- smoothness ---------------------------------------------------------------- */

int gc_spm_fwhm(const double *resid, size_t J, size_t Q, double *fwhm)
{
    if (J < 1 || Q < 2)
        return GC_ETOOSHORT;
    if (!all_finite(resid, J * Q))
        return GC_ENOTFINITE;
    size_t count;
    double *buf = gc_size_mul(4, Q, &count) ? calloc(count, sizeof *buf) : NULL;  /* zero mean, ss, dd, row */
    if (!buf)
        return GC_ENOMEM;
    accumulate_residuals(resid, J, Q, buf, buf + 3 * Q, buf + Q, buf + 2 * Q);
    int status = fwhm_from_sums(buf + Q, buf + 2 * Q, Q, fwhm);
    free(buf);
    return status;
}

/* ---- random field theory ------------------------------------------------------- */

/* The EC densities of a T field (df2 = error df) or an F field (df1, df2) in 1D (Worsley et
 * al. 1996, Table 2, D = 0 and 1):
 *   T: rho0 = P(T > u), rho1 = sqrt(4 ln 2) / (2 pi) (1 + u^2/v)^(-(v-1)/2)
 *   F: rho0 = P(F > u), rho1 = sqrt(4 ln 2 / (2 pi)) sqrt(2) Gamma((v+k-1)/2)
 *            / (Gamma(v/2) Gamma(k/2)) (k u / v)^((k-1)/2) (1 + k u / v)^(-(v+k-2)/2)
 * each clipped at eps (F below 0: rho0 = 1, rho1 = 0, the field is never below 0). */
static void ec_density(const gc_spm_field *f, double u, double rho[2])
{
    if (f->kind == GC_FIELD_F) {
        const double k = f->df1, v = f->df2;
        if (u < 0) {
            rho[0] = 1.0;
            rho[1] = 0.0;
        } else {
            rho[0] = gsl_cdf_fdist_Q(u, k, v);
            double x = k * u / v;
            double log_c = gsl_sf_lngamma(0.5 * (v + k - 1.0)) - gsl_sf_lngamma(0.5 * v) -
                           gsl_sf_lngamma(0.5 * k);
            rho[1] = sqrt(FOUR_LN2 / TWO_PI) * SQRT2 * exp(log_c) * pow(x, 0.5 * (k - 1.0)) *
                     pow(1.0 + x, -0.5 * (v + k - 2.0));
        }
    } else {
        const double df = f->df2;
        rho[0] = gsl_cdf_tdist_Q(u, df);
        rho[1] = sqrt(FOUR_LN2) / TWO_PI * pow(1.0 + u * u / df, -0.5 * (df - 1.0));
    }
    if (rho[0] < EPS_RFT)
        rho[0] = EPS_RFT;
    if (rho[1] < EPS_RFT)
        rho[1] = EPS_RFT;
}

static gc_spm_field t_field(double df)
{
    gc_spm_field f = {GC_FIELD_T, 1.0, df};
    return f;
}

static int rft_args_ok(double u, double df, double r0, double r1)
{
    return !isnan(u) && df > 0 && isfinite(df) && r0 >= 0 && r1 >= 0 && isfinite(r0) &&
           isfinite(r1);
}

static int field_ok(const gc_spm_field *f)
{
    if (!f || (f->kind != GC_FIELD_T && f->kind != GC_FIELD_F))
        return 0;
    if (!(f->df2 > 0) || !isfinite(f->df2))
        return 0;
    return f->kind == GC_FIELD_T || (f->df1 >= 1 && isfinite(f->df1));
}

int gc_spm_ec_density(double u, double df, double rho[2])
{
    if (!rft_args_ok(u, df, 0, 0))
        return GC_EINVAL;
    gc_spm_field f = t_field(df);
    ec_density(&f, u, rho);
    return GC_OK;
}

static double expected_ec(const gc_spm_field *f, double u, double r0, double r1)
{
    double rho[2];
    ec_density(f, u, rho);
    return r0 * rho[0] + r1 * rho[1];
}

int gc_spm_expected_ec(double u, double df, double r0, double r1, double *ec)
{
    if (!rft_args_ok(u, df, r0, r1))
        return GC_EINVAL;
    gc_spm_field f = t_field(df);
    *ec = expected_ec(&f, u, r0, r1);
    return GC_OK;
}

static double p_max(const gc_spm_field *f, double u, double r0, double r1, size_t nodes)
{
    double rho[2];
    ec_density(f, u, rho);
    double p = -expm1(-(r0 * rho[0] + r1 * rho[1] + EPS_RFT));
    if (nodes > 0 && (double)nodes * rho[0] < p)
        p = (double)nodes * rho[0];  /* Bonferroni bound: never worse than Q tests */
    return p > rho[0] ? p : rho[0];  /* never below a single node's p */
}

int gc_spm_p_max(double u, double df, double r0, double r1, size_t nodes, double *p)
{
    if (!rft_args_ok(u, df, r0, r1))
        return GC_EINVAL;
    gc_spm_field f = t_field(df);
    *p = p_max(&f, u, r0, r1, nodes);
    return GC_OK;
}

struct threshold_params {
    const gc_spm_field *field;
    double alpha, r0, r1;
    size_t nodes;
};

static double threshold_residual(double u, void *params)
{
    const struct threshold_params *tp = params;
    return p_max(tp->field, u, tp->r0, tp->r1, tp->nodes) - tp->alpha;
}

/* A starting point near the root: the node-wise (Bonferroni-like) quantile. */
static double threshold_guess(const gc_spm_field *f, double alpha, double r0, double r1)
{
    double a = alpha / (r0 + r1);
    double g = f->kind == GC_FIELD_F ? gsl_cdf_fdist_Qinv(a, f->df1, f->df2)
                                     : gsl_cdf_tdist_Qinv(a, f->df2);
    return isfinite(g) && g > 0 ? g : 1.0;
}

int gc_spm_field_threshold(const gc_spm_field *field, double alpha, double r0, double r1,
                           size_t nodes, double *u)
{
    /* T with df <= 1: rho1 does not decay with u (Cauchy-like field), P never falls to alpha */
    if (!field_ok(field) || !(alpha > 0 && alpha < 0.5) || !rft_args_ok(0, field->df2, r0, r1) ||
        !(r0 + r1 > 0) || (field->kind == GC_FIELD_T && !(field->df2 > 1)))
        return GC_EINVAL;
    struct threshold_params tp = {field, alpha, r0, r1, nodes};
    gsl_function f = {threshold_residual, &tp};
    double guess = threshold_guess(field, alpha, r0, r1);
    double lo = guess, hi = guess;
    while (lo > 0 && threshold_residual(lo, &tp) < 0)
        lo = lo < 1e-3 ? 0.0 : 0.5 * lo;
    while (threshold_residual(hi, &tp) > 0) {
        hi *= 2.0;  /* wide bracket: df = 3, alpha = 0.001, r1 = 20 needs u = 126 */
        if (hi > 1e300)
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
    /* a sign change caused by overflow (u^2 = inf for df barely above 1) is not a root */
    if (result == GC_OK && !(fabs(threshold_residual(*u, &tp)) <= 1e-6 * alpha))
        result = GC_ENOCONV;
    return result;
}

int gc_spm_threshold(double alpha, double df, double r0, double r1, size_t nodes, double *u)
{
    if (!(df > 1))
        return GC_EINVAL;
    gc_spm_field f = t_field(df);
    return gc_spm_field_threshold(&f, alpha, r0, r1, nodes, u);
}

/* Probability that a cluster above h has at least k_resels resels (one tailed). */
static double p_extent(const gc_spm_field *f, double k_resels, double h)
{
    double rho[2];
    ec_density(f, h, rho);
    double expected_k = rho[0] / rho[1];          /* E[extent] in resels: E_N / E_m */
    double beta = GAMMA_3_2 / expected_k;         /* (Gamma(D/2+1) / E_k)^(2/D), D = 1 */
    return exp(-beta * beta * k_resels * k_resels);
}

static double p_cluster(const gc_spm_field *f, double k_resels, double h, double r0, double r1)
{
    double ec = expected_ec(f, h, r0, r1);
    return -expm1(-(ec + EPS_RFT) * p_extent(f, k_resels, h));
}

int gc_spm_p_cluster(double k_resels, double h, double df, double r0, double r1, double *p)
{
    if (!rft_args_ok(h, df, r0, r1) || !(k_resels >= 0))
        return GC_EINVAL;
    gc_spm_field f = t_field(df);
    *p = p_cluster(&f, k_resels, h, r0, r1);
    return GC_OK;
}

int gc_spm_field_rft(const gc_spm_field *field, int what, double u, double r0, double r1,
                     double extra, double *out)
{
    if (!field_ok(field) || !rft_args_ok(u, field->df2, r0, r1))
        return GC_EINVAL;
    double rho[2];
    switch (what) {
    case GC_RFT_EC:
        *out = expected_ec(field, u, r0, r1);
        return GC_OK;
    case GC_RFT_P_MAX:
        if (!(extra >= 0))
            return GC_EINVAL;
        *out = p_max(field, u, r0, r1, (size_t)extra);
        return GC_OK;
    case GC_RFT_P_CLUSTER:
        if (!(extra >= 0))
            return GC_EINVAL;
        *out = p_cluster(field, extra, u, r0, r1);
        return GC_OK;
    case GC_RFT_RHO0:
    case GC_RFT_RHO1:
        ec_density(field, u, rho);
        *out = rho[what - GC_RFT_RHO0];
        return GC_OK;
    default:
        return GC_EINVAL;
    }
}

static double p_set(const gc_spm_field *f, size_t c, double k_min, double u, double r0, double r1)
{
    if (c == 0)
        return 1.0;
    double lambda = expected_ec(f, u, r0, r1) * p_extent(f, k_min, u);
    if (!(lambda > 0))
        return 0.0;  /* p_k underflows for very wide clusters: GSL's Poisson needs mu > 0 */
    return gsl_cdf_poisson_Q((unsigned int)(c - 1), lambda);  /* P(N >= c) */
}

int gc_spm_p_set(size_t c, double k_min_resels, double u, double df, double r0, double r1,
                 double *p)
{
    if (!rft_args_ok(u, df, r0, r1) || !(k_min_resels >= 0))
        return GC_EINVAL;
    gc_spm_field f = t_field(df);
    *p = p_set(&f, c, k_min_resels, u, r0, r1);
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

int gc_spm_field_clusters(const gc_spm_field *field, const double *z, size_t Q, double u,
                          double fwhm, double r0, double r1, int two_tailed, gc_spm_cluster *out,
                          size_t *n_clusters, double *p_set_out)
{
    if (!field_ok(field) || Q < 1 || !(u > 0) || !isfinite(u) || !(fwhm > 0) ||
        !rft_args_ok(u, field->df2, r0, r1))
        return GC_EINVAL;
    if (field->kind == GC_FIELD_F)
        two_tailed = 0;  /* F >= 0: one tail */
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
        double p = tails * p_cluster(field, out[c].extent_resels, out[c].height, r0, r1);
        out[c].p = p < 1.0 ? p : 1.0;
        if (out[c].extent_resels < k_min)
            k_min = out[c].extent_resels;
    }
    double ps = n ? tails * p_set(field, n, k_min, u, r0, r1) : 1.0;
    *p_set_out = ps < 1.0 ? ps : 1.0;
    *n_clusters = n;
    return GC_OK;
}

int gc_spm_clusters(const double *z, size_t Q, double u, double df, double fwhm,
                    double r0, double r1, int two_tailed, gc_spm_cluster *out,
                    size_t *n_clusters, double *p_set_out)
{
    gc_spm_field f = t_field(df);
    return gc_spm_field_clusters(&f, z, Q, u, fwhm, r0, r1, two_tailed, out, n_clusters,
                                 p_set_out);
}
