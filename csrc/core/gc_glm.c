/* gc_glm.c -- the general linear model over curves: OLS per node, t and F contrasts,
 * residual smoothness, and the permutation distribution of the statistic.
 *
 * Y (n x Q) = X (n x p) B + E.  One Householder QR of X (GSL) serves every node:
 * X = Q R, the effects E* = Q'Y give B = R^-1 E*[0:p] and the residual sum of squares
 * SSE_q = sum_{i >= p} (E*_iq)^2 (no cancellation).  A contrast C (k x p) tests C B = 0 with
 * the sum of squares SS_C = (C b)' M^-1 (C b), M = C (X'X)^-1 C' = W W', W = C R^-1; with
 * M = L L' (Cholesky) and G = L^-1 W, SS_C = |G e|^2 for the effects e = E*[0:p] of a node:
 * one k x p matrix for all nodes.  t = G e / s (k == 1), F = SS_C / k / s^2, s^2 = SSE / (n - p),
 * or, with an error-term contrast Ce (repeated measures), s^2 = SS_Ce / ke (Friston et al. 2007,
 * ch. 8 and 13; Christensen, Plane Answers to Complex Questions, ch. 3).
 *
 * Permutations reuse the factorisation: for the rows of y permuted (and sign flipped), the
 * effects are Q_1' y_perm (Q_1 = the first p columns of Q) and SSE = sum y^2 - |Q_1' y_perm|^2,
 * because sum y^2 does not change under a permutation or a sign flip.
 */
#define _POSIX_C_SOURCE 200809L
#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>

#include "gaitcore.h"
#include "gc_size.h"

#define FLAT_EPS (64 * DBL_EPSILON) /* rounding noise allowed in a 'flat' node (as gc_spm.c) */

/* ---- factorisation ------------------------------------------------------------------- */

/* QR of a design and the contrast matrices G (k x p) of the statistic and Ge of the error. */
typedef struct {
    size_t n, p, k, ke;
    gsl_matrix *qr;    /* n x p, GSL's packed QR */
    gsl_vector *tau;   /* p */
    gsl_matrix *G;     /* k x p: L^-1 C R^-1 */
    gsl_matrix *Ge;    /* ke x p or NULL */
} glm_factor;

static void factor_free(glm_factor *f)
{
    gsl_matrix_free(f->qr);
    gsl_vector_free(f->tau);
    gsl_matrix_free(f->G);
    gsl_matrix_free(f->Ge);
    memset(f, 0, sizeof *f);
}

/* Full column rank up to the tolerance of numpy.linalg.matrix_rank (times 10, as spm1d's
 * design check): |R_jj| > 10 max|R_jj| max(n, p) eps.  |R_jj| are not the singular values but
 * bound them from above on the rank-deficient side for Householder QR. */
static int full_rank(const gsl_matrix *qr)
{
    size_t p = qr->size2;
    double big = 0.0;
    for (size_t j = 0; j < p; j++)
        big = fmax(big, fabs(gsl_matrix_get(qr, j, j)));
    double tol = 10.0 * big * (double)(qr->size1 > p ? qr->size1 : p) * DBL_EPSILON;
    for (size_t j = 0; j < p; j++)
        if (!(fabs(gsl_matrix_get(qr, j, j)) > tol))
            return 0;
    return big > 0;
}

/* G = L^-1 C R^-1 with L L' = C (R'R)^-1 C'.  GC_EINVAL if C is rank deficient. */
static int contrast_matrix(const gsl_matrix *qr, const double *C, size_t k, gsl_matrix **out)
{
    size_t p = qr->size2;
    gsl_matrix_const_view R = gsl_matrix_const_submatrix(qr, 0, 0, p, p);
    gsl_matrix *W = gsl_matrix_alloc(k, p), *M = gsl_matrix_alloc(k, k);
    if (!W || !M) {
        gsl_matrix_free(W);
        gsl_matrix_free(M);
        return GC_ENOMEM;
    }
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < p; j++)
            gsl_matrix_set(W, i, j, C[i * p + j]);
    /* W R = C  <=>  W = C R^-1 (right-side triangular solve) */
    gsl_blas_dtrsm(CblasRight, CblasUpper, CblasNoTrans, CblasNonUnit, 1.0, &R.matrix, W);
    gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, W, W, 0.0, M);
    double big = 0.0;
    for (size_t i = 0; i < k; i++)
        big = fmax(big, gsl_matrix_get(M, i, i));
    int status = GC_EINVAL;
    if (big > 0 && isfinite(big) && gsl_linalg_cholesky_decomp1(M) == GSL_SUCCESS) {
        status = GC_OK;
        for (size_t i = 0; i < k; i++)  /* a pivot that vanished: C has dependent rows */
            if (!(gsl_matrix_get(M, i, i) > 1e-7 * sqrt(big)))
                status = GC_EINVAL;
    }
    if (status == GC_OK)  /* G = L^-1 W */
        gsl_blas_dtrsm(CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, 1.0, M, W);
    gsl_matrix_free(M);
    if (status != GC_OK) {
        gsl_matrix_free(W);
        return status;
    }
    *out = W;
    return GC_OK;
}

static int design_ok(const gc_glm_design *d)
{
    if (!d || !d->X || !d->C || d->p < 1 || d->k < 1 || d->n <= d->p || d->k > d->p)
        return 0;
    if (d->stat != GC_FIELD_T && d->stat != GC_FIELD_F)
        return 0;
    if (d->stat == GC_FIELD_T && d->k != 1)
        return 0;
    if (d->Ce && (d->ke < 1 || d->ke > d->p))
        return 0;
    if (d->Xr && (d->pr < 1 || d->pr >= d->n))
        return 0;
    for (size_t i = 0; i < d->n * d->p; i++)
        if (!isfinite(d->X[i]))
            return 0;
    for (size_t i = 0; i < d->k * d->p; i++)
        if (!isfinite(d->C[i]))
            return 0;
    for (size_t i = 0; d->Ce && i < d->ke * d->p; i++)
        if (!isfinite(d->Ce[i]))
            return 0;
    for (size_t i = 0; d->Xr && i < d->n * d->pr; i++)
        if (!isfinite(d->Xr[i]))
            return 0;
    return 1;
}

/* Householder QR of an n x p design; GC_EINVAL if rank deficient. */
static int qr_of(const double *X, size_t n, size_t p, gsl_matrix **qr, gsl_vector **tau)
{
    *qr = gsl_matrix_alloc(n, p);
    *tau = gsl_vector_alloc(p);
    if (!*qr || !*tau)
        return GC_ENOMEM;
    memcpy((*qr)->data, X, n * p * sizeof(double));
    if (gsl_linalg_QR_decomp(*qr, *tau) != GSL_SUCCESS)
        return GC_EGSL;
    return full_rank(*qr) ? GC_OK : GC_EINVAL;
}

static int factor_design(const gc_glm_design *d, glm_factor *f)
{
    memset(f, 0, sizeof *f);
    f->n = d->n;
    f->p = d->p;
    f->k = d->k;
    f->ke = d->Ce ? d->ke : 0;
    int status = qr_of(d->X, d->n, d->p, &f->qr, &f->tau);
    if (status == GC_OK)
        status = contrast_matrix(f->qr, d->C, d->k, &f->G);
    if (status == GC_OK && d->Ce)
        status = contrast_matrix(f->qr, d->Ce, d->ke, &f->Ge);
    if (status != GC_OK)
        factor_free(f);
    return status;
}

/* ---- the statistic at one node ------------------------------------------------------- */

static double contrast_ss(const gsl_matrix *G, const double *e, size_t stride, double *first)
{
    double ss = 0.0;
    for (size_t i = 0; i < G->size1; i++) {
        double v = 0.0;
        for (size_t j = 0; j < G->size2; j++)
            v += gsl_matrix_get(G, i, j) * e[j * stride];
        if (i == 0)
            *first = v;
        ss += v * v;
    }
    return ss;
}

/* The statistic from the effects e (p values, stride apart) and the residual sum of squares
 * sse of one node; NaN when the error variance is zero up to rounding (flat node). */
static double node_stat(const glm_factor *f, int stat, const double *e, size_t stride,
                        double sse, double scale)
{
    double first = 0.0, unused;
    double ss = contrast_ss(f->G, e, stride, &first);
    double err = f->Ge ? contrast_ss(f->Ge, e, stride, &unused) : sse;
    double df_err = f->Ge ? (double)f->ke : (double)(f->n - f->p);
    double noise = FLAT_EPS * scale;
    if (!(err > (double)f->n * noise * noise))
        return NAN;
    double s2 = err / df_err;
    return stat == GC_FIELD_T ? first / sqrt(s2) : ss / (double)f->k / s2;
}

/* ---- fit ------------------------------------------------------------------------------ */

/* The first p columns of Q (n x p) from GSL's packed QR. */
static int thin_q(const glm_factor *f, double *q1)
{
    gsl_vector *v = gsl_vector_alloc(f->n);
    if (!v)
        return GC_ENOMEM;
    for (size_t a = 0; a < f->p; a++) {
        gsl_vector_set_basis(v, a);
        gsl_linalg_QR_Qvec(f->qr, f->tau, v);
        for (size_t j = 0; j < f->n; j++)
            q1[j * f->p + a] = gsl_vector_get(v, j);
    }
    gsl_vector_free(v);
    return GC_OK;
}

/* Effects e = Q_1' y (p x Q) and residuals r = y - Q_1 e (n x Q) of y (n x Q) for the thin
 * Q_1 (n x p, orthonormal columns).  Row by row, so that every loop runs along the contiguous
 * nodes (GSL's QR_QTmat walks the columns of a row-major y: slow for long curves). */
static void project(const double *q1, size_t n, size_t p, const double *y, size_t Q, double *e,
                    double *resid)
{
    memset(e, 0, p * Q * sizeof *e);
    for (size_t j = 0; j < n; j++)
        for (size_t a = 0; a < p; a++) {
            const double w = q1[j * p + a], *row = y + j * Q;
            double *ea = e + a * Q;
            for (size_t q = 0; q < Q; q++)
                ea[q] += w * row[q];
        }
    memcpy(resid, y, n * Q * sizeof *resid);
    for (size_t j = 0; j < n; j++)
        for (size_t a = 0; a < p; a++) {
            const double w = q1[j * p + a], *ea = e + a * Q;
            double *r = resid + j * Q;
            for (size_t q = 0; q < Q; q++)
                r[q] -= w * ea[q];
        }
}

/* Residuals of y (n x Q) on the smoothness design Xr (n x pr) into resid. */
static int design_residuals(const double *X, size_t n, size_t p, const double *y, size_t Q,
                            double *resid)
{
    glm_factor f = {0};
    f.n = n;
    f.p = p;
    int status = qr_of(X, n, p, &f.qr, &f.tau);
    double *q1 = gc_malloc_array(n * p, sizeof *q1), *e = gc_malloc_array(p * Q, sizeof *e);
    if (status == GC_OK)
        status = (q1 && e) ? thin_q(&f, q1) : GC_ENOMEM;
    if (status == GC_OK)
        project(q1, n, p, y, Q, e, resid);
    gsl_matrix_free(f.qr);
    gsl_vector_free(f.tau);
    free(q1);
    free(e);
    return status;
}

static void node_scale(const double *y, size_t n, size_t Q, double *scale)
{
    for (size_t q = 0; q < Q; q++)
        scale[q] = 0.0;
    for (size_t i = 0; i < n; i++)
        for (size_t q = 0; q < Q; q++)
            scale[q] = fmax(scale[q], fabs(y[i * Q + q]));
}

int gc_glm_fit(const gc_glm_design *d, const double *y, size_t Q, double *z, double df[2],
               double *fwhm)
{
    if (!design_ok(d) || !y || !z || !df || !fwhm)
        return GC_EINVAL;
    if (Q < 2)
        return GC_ETOOSHORT;
    const size_t n = d->n, p = d->p;
    for (size_t i = 0; i < n * Q; i++)
        if (!isfinite(y[i]))
            return GC_ENOTFINITE;
    glm_factor f;
    int status = factor_design(d, &f);
    if (status != GC_OK)
        return status;
    double *q1 = gc_malloc_array(n * p, sizeof *q1), *e = gc_malloc_array(p * Q, sizeof *e);
    double *scale = gc_malloc_array(Q, sizeof *scale), *sse = calloc(Q, sizeof *sse);
    double *resid = gc_malloc_array(n * Q, sizeof *resid);
    status = (q1 && e && scale && sse && resid) ? thin_q(&f, q1) : GC_ENOMEM;
    if (status != GC_OK)
        goto done;
    project(q1, n, p, y, Q, e, resid);
    for (size_t j = 0; j < n; j++)
        for (size_t q = 0; q < Q; q++)
            sse[q] += resid[j * Q + q] * resid[j * Q + q];
    node_scale(y, n, Q, scale);
    for (size_t q = 0; q < Q; q++) {
        z[q] = node_stat(&f, d->stat, e + q, Q, sse[q], scale[q]);
        if (isnan(z[q])) {
            status = GC_EINVAL;  /* zero error variance: the statistic is undefined */
            goto done;
        }
    }
    df[0] = (double)d->k;
    df[1] = d->Ce ? (double)d->ke : (double)(n - p);
    if (d->Xr)
        status = design_residuals(d->Xr, n, d->pr, y, Q, resid);
    if (status == GC_OK)
        status = gc_spm_fwhm(resid, n, Q, fwhm);
done:
    factor_free(&f);
    free(q1);
    free(e);
    free(scale);
    free(sse);
    free(resid);
    return status;
}

/* ---- permutations ------------------------------------------------------------------ */

typedef struct {
    const glm_factor *f;
    int stat, two_tailed;
    const double *y, *sst;
    size_t Q;
    const size_t *src;
    const signed char *sign;
    const size_t *cls;     /* class of each row of X (rows equal in X share Q_1 rows) */
    const size_t *class_rows, *class_start;  /* rows of class c: class_rows[class_start[c] ..] */
    const double *floor;   /* Q: SSE at or below this is rounding noise (a flat node) */
    const double *q1c;     /* n_cls x p: the Q_1 row of each class */
    const double *total;   /* Q: sum of the rows of y (kept by a permutation without signs) */
    size_t n_cls, big;     /* the largest class is the total minus the others (no signs) */
    const gc_glm_random *random;  /* draw the permutations here instead of src/sign */
    size_t begin, end;
    double *fields, *zmax;
    int status;
} perm_job;

/* dst += w src over Q nodes (restrict: the compiler vectorises without alias checks). */
static void axpy(double *restrict dst, double w, const double *restrict src, size_t Q)
{
    for (size_t q = 0; q < Q; q++)
        dst[q] += w * src[q];
}

static void subtract_from(double *restrict dst, const double *restrict src, size_t Q)
{
    for (size_t q = 0; q < Q; q++)
        dst[q] -= src[q];
}

/* dst = sum over the m listed rows j of sign_j y[src_j] (sign NULL: all +1).  Four rows per pass
 * over the nodes: dst is loaded and stored once per four rows (the pass is store-bound). */
static void sum_rows(double *restrict dst, const double *y, size_t Q, const size_t *rows,
                     size_t m, const size_t *src, const signed char *sign)
{
    memset(dst, 0, Q * sizeof *dst);
    size_t k = 0;
    for (; k + 4 <= m; k += 4) {
        const double *restrict r0 = y + src[rows[k]] * Q, *restrict r1 = y + src[rows[k + 1]] * Q;
        const double *restrict r2 = y + src[rows[k + 2]] * Q, *restrict r3 = y + src[rows[k + 3]] * Q;
        if (sign) {
            const double s0 = sign[rows[k]], s1 = sign[rows[k + 1]];
            const double s2 = sign[rows[k + 2]], s3 = sign[rows[k + 3]];
            for (size_t q = 0; q < Q; q++)
                dst[q] += (s0 * r0[q] + s1 * r1[q]) + (s2 * r2[q] + s3 * r3[q]);
        } else {
            for (size_t q = 0; q < Q; q++)
                dst[q] += (r0[q] + r1[q]) + (r2[q] + r3[q]);
        }
    }
    for (; k < m; k++)
        axpy(dst, sign ? (double)sign[rows[k]] : 1.0, y + src[rows[k]] * Q, Q);
}

/* Effects e = Q_1' y_perm (p x Q) of one permutation: rows are first summed per class of equal
 * design rows (S_c), then e_a = sum_c Q_1[c, a] S_c.  Without sign flips a permutation keeps the
 * sum of all rows, so the largest class needs no pass: S_big = total - sum of the others. */
static void perm_effects(const perm_job *job, const size_t *src, const signed char *sign,
                         double *S, double *e)
{
    const size_t p = job->f->p, Q = job->Q, C = job->n_cls;
    const int derive = sign == NULL;
    for (size_t c = 0; c < C; c++)
        if (!(derive && c == job->big))
            sum_rows(S + c * Q, job->y, Q, job->class_rows + job->class_start[c],
                     job->class_start[c + 1] - job->class_start[c], src, sign);
    if (derive) {
        double *Sb = S + job->big * Q;
        memcpy(Sb, job->total, Q * sizeof *Sb);
        for (size_t c = 0; c < C; c++)
            if (c != job->big)
                subtract_from(Sb, S + c * Q, Q);
    }
    memset(e, 0, p * Q * sizeof *e);
    for (size_t c = 0; c < C; c++)
        for (size_t a = 0; a < p; a++)
            axpy(e + a * Q, job->q1c[c * p + a], S + c * Q, Q);
}

/* acc[q] += |G e_q|^2 over the rows of G (k x p, row-major) for the effects e (p x Q); the
 * first row's value G_0 e_q goes to first[q] when first is not NULL.  Loops run over the nodes
 * innermost (contiguous, vectorisable); v is Q doubles of scratch. */
static void contrast_ss_nodes(const double *G, size_t k, size_t p, const double *e, size_t Q,
                              double *v, double *acc, double *first)
{
    for (size_t q = 0; q < Q; q++)
        acc[q] = 0.0;
    for (size_t i = 0; i < k; i++) {
        for (size_t q = 0; q < Q; q++)
            v[q] = 0.0;
        for (size_t a = 0; a < p; a++)
            axpy(v, G[i * p + a], e + a * Q, Q);
        for (size_t q = 0; q < Q; q++)
            acc[q] += v[q] * v[q];
        if (i == 0 && first)
            memcpy(first, v, Q * sizeof *v);
    }
}

/* SSE of node q computed from the residuals of the permuted rows (O(n p)): used where
 * sum y^2 - |Q_1' y|^2 cancels (a model that explains almost all of sum y^2, e.g. large subject
 * offsets in a repeated-measures design). */
static double direct_sse(const perm_job *job, const size_t *src, const signed char *sign,
                         const double *e, size_t q)
{
    const size_t n = job->f->n, p = job->f->p, Q = job->Q;
    double sse = 0.0;
    for (size_t j = 0; j < n; j++) {
        double r = job->y[src[j] * Q + q];
        r = (sign && sign[j] < 0) ? -r : r;
        const double *w = job->q1c + job->cls[j] * p;
        for (size_t a = 0; a < p; a++)
            r -= w[a] * e[a * Q + q];
        sse += r * r;
    }
    return sse;
}

/* Below this share of sum y^2 the SSE is recomputed from the residuals: the relative rounding
 * error of sum y^2 - |Q_1' y|^2 grows as DBL_EPSILON / share (measured: 5e-12 at a share of
 * 1e-4 on a mixed design with large subject offsets; 1e-2 keeps it near 1e-14). */
#define CANCELLATION_SHARE 1e-2

/* z = t (first / sqrt(err / df)) or F (ss / k / (err / df)) at every node; 0 where err is at
 * or below the rounding floor (a permutation that fits exactly carries no evidence). */
static void field_values(int t_stat, double df, double k, const double *restrict first,
                         const double *restrict ss, const double *restrict err,
                         const double *restrict floor, size_t Q, double *restrict z)
{
    const double inv_df = 1.0 / df, inv_k = 1.0 / k;
    if (t_stat)
        for (size_t q = 0; q < Q; q++) {
            double v = first[q] / sqrt(fabs(err[q]) * inv_df);
            z[q] = err[q] > floor[q] ? v : 0.0;
        }
    else
        for (size_t q = 0; q < Q; q++) {
            double v = ss[q] * inv_k / (err[q] * inv_df);
            z[q] = err[q] > floor[q] ? v : 0.0;
        }
}

/* The maximum of t (of |t| when two-tailed) without the field: t^2 = first^2 df / err is
 * monotonic in the signed ratio sign(first) first^2 / err, so one division per node and a single
 * square root (the per-node square root dominated the kernel). */
static double t_max(const double *restrict first, const double *restrict err,
                    const double *restrict floor, size_t Q, double df, int two_tailed)
{
    double best = -INFINITY;
    for (size_t q = 0; q < Q; q++) {
        double r = err[q] > floor[q] ? first[q] * first[q] / err[q] : 0.0;
        r = (two_tailed || first[q] >= 0) ? r : -r;
        best = r > best ? r : best;
    }
    return copysign(sqrt(fabs(best) * df), best);
}

/* The statistic of every node of one permutation (rows src, signs sign) from its effects e
 * (p x Q) into z (NULL: the field is not kept); returns its maximum (of |z| when two-tailed). */
static double perm_fields(const perm_job *job, const size_t *src, const signed char *sign,
                          const double *G, const double *Ge, const double *e, double *buf, double *z)
{
    const glm_factor *f = job->f;
    const size_t p = f->p, Q = job->Q;
    double *v = buf, *ss = buf + Q, *first = buf + 2 * Q, *err = buf + 3 * Q;
    contrast_ss_nodes(G, f->k, p, e, Q, v, ss, first);
    if (Ge) {
        contrast_ss_nodes(Ge, f->ke, p, e, Q, v, err, NULL);
    } else {
        for (size_t q = 0; q < Q; q++)
            err[q] = job->sst[q];
        for (size_t a = 0; a < p; a++)
            for (size_t q = 0; q < Q; q++)
                err[q] -= e[a * Q + q] * e[a * Q + q];  /* SSE = sum y^2 - |Q_1' y|^2 */
        for (size_t q = 0; q < Q; q++)
            if (err[q] < CANCELLATION_SHARE * job->sst[q])
                err[q] = direct_sse(job, src, sign, e, q);
    }
    const double df = Ge ? (double)f->ke : (double)(f->n - f->p);
    if (!z && job->stat == GC_FIELD_T)
        return t_max(first, err, job->floor, Q, df, job->two_tailed);
    z = z ? z : buf;  /* the field is not kept: v's scratch holds it */
    field_values(job->stat == GC_FIELD_T, df, (double)f->k, first, ss, err, job->floor, Q, z);
    double best = -INFINITY;  /* z has no NaN: a plain compare (fmax is a libm call) */
    if (job->two_tailed)
        for (size_t q = 0; q < Q; q++)
            best = fabs(z[q]) > best ? fabs(z[q]) : best;
    else
        for (size_t q = 0; q < Q; q++)
            best = z[q] > best ? z[q] : best;
    return best;
}

/* splitmix64 (Steele, Lea & Flood 2014): a small, well-mixed 64-bit generator; one stream per
 * permutation index, so that the draw does not depend on the threads. */
static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Uniform integer in [0, bound), 0 < bound < 2^32: Lemire's multiply-shift on 32 random bits
 * with rejection of the biased low products (a division only on the rare rejection path). */
static size_t uniform_below(uint64_t *state, uint32_t bound)
{
    uint64_t m = (splitmix64(state) >> 32) * (uint64_t)bound;
    uint32_t low = (uint32_t)m;
    if (low < bound) {
        uint32_t threshold = (uint32_t)(-bound) % bound;
        while (low < threshold) {
            m = (splitmix64(state) >> 32) * (uint64_t)bound;
            low = (uint32_t)m;
        }
    }
    return (size_t)(m >> 32);
}

/* Fisher-Yates shuffle of items[0 .. m - 1]. */
static void shuffle(uint64_t *state, size_t *items, size_t m)
{
    for (size_t t = m; t > 1; t--) {
        size_t u = uniform_below(state, (uint32_t)t);
        size_t tmp = items[t - 1];
        items[t - 1] = items[u];
        items[u] = tmp;
    }
}

/* Whole blocks exchanged within their groups: block t receives, row by row, the rows of the
 * block drawn for it (order: n_blocks of scratch). */
static void exchange_blocks(const gc_glm_random *r, uint64_t *state, size_t *order, size_t *src)
{
    size_t n_groups = r->group_start ? r->n_groups : 1;
    for (size_t b = 0; b < r->n_blocks; b++)
        order[b] = b;
    for (size_t g = 0; g < n_groups; g++) {
        size_t g0 = r->group_start ? r->group_start[g] : 0;
        size_t g1 = r->group_start ? r->group_start[g + 1] : r->n_blocks;
        shuffle(state, order + g0, g1 - g0);
    }
    for (size_t t = 0; t < r->n_blocks; t++) {
        const size_t *to = r->block_rows + r->block_start[t];
        const size_t *from = r->block_rows + r->block_start[order[t]];
        for (size_t k = 0; k < r->block_start[t + 1] - r->block_start[t]; k++)
            src[to[k]] = from[k];
    }
}

/* Permutation i of the random scheme into src (n) and sign (n): the identity for i == 0; else
 * random signs (per row, or per block), whole blocks exchanged, or a Fisher-Yates shuffle of the
 * rows within each block (see gc_glm_random). */
static void draw_permutation(const gc_glm_random *r, size_t n, size_t i, size_t *src,
                             signed char *sign, size_t *order)
{
    for (size_t j = 0; j < n; j++) {
        src[j] = j;
        sign[j] = 1;
    }
    if (i == 0)
        return;
    uint64_t state = r->seed ^ (0xD1B54A32D192ED03ull * (uint64_t)(i + 1));
    if (r->sign_flip && !r->block_rows) {
        for (size_t j = 0; j < n; j++)
            sign[j] = (splitmix64(&state) >> 63) ? -1 : 1;
        return;
    }
    if (r->sign_flip) {
        for (size_t b = 0; b < r->n_blocks; b++) {
            signed char s = (splitmix64(&state) >> 63) ? -1 : 1;
            for (size_t k = r->block_start[b]; k < r->block_start[b + 1]; k++)
                sign[r->block_rows[k]] = s;
        }
        return;
    }
    if (r->whole) {
        exchange_blocks(r, &state, order, src);
        return;
    }
    for (size_t b = 0; b < r->n_blocks; b++) {  /* rows of block b: block_rows[start[b] ..] */
        const size_t *rows = r->block_rows + r->block_start[b];
        size_t m = r->block_start[b + 1] - r->block_start[b];
        for (size_t t = m; t > 1; t--) {
            size_t u = uniform_below(&state, (uint32_t)t);
            size_t tmp = src[rows[t - 1]];
            src[rows[t - 1]] = src[rows[u]];
            src[rows[u]] = tmp;
        }
    }
}

static void *perm_worker(void *arg)
{
    perm_job *job = arg;
    const glm_factor *f = job->f;
    const size_t p = f->p, Q = job->Q, ke = f->Ge ? f->ke : 0;
    double *e = gc_malloc_array(p * Q + 4 * Q + f->k * p + ke * p + job->n_cls * Q, sizeof *e);
    if (!e) {
        job->status = GC_ENOMEM;
        return NULL;
    }
    double *buf = e + p * Q, *G = buf + 4 * Q, *Ge = ke ? G + f->k * p : NULL;
    double *S = G + f->k * p + ke * p;
    size_t *src = job->random ? gc_malloc_array(f->n, sizeof *src) : NULL;
    size_t *order = job->random ? gc_malloc_array(job->random->n_blocks + 1, sizeof *order) : NULL;
    signed char *sign = job->random ? malloc(f->n) : NULL;
    job->status = GC_ENOMEM;
    if (job->random && (!src || !sign || !order))
        goto done;
    for (size_t i = 0; i < f->k * p; i++)  /* plain arrays: no gsl_matrix_get in the loops */
        G[i] = gsl_matrix_get(f->G, i / p, i % p);
    for (size_t i = 0; i < ke * p; i++)
        Ge[i] = gsl_matrix_get(f->Ge, i / p, i % p);
    for (size_t i = job->begin; i < job->end; i++) {
        const size_t *rows = src;
        const signed char *signs = sign;
        if (job->random) {
            const size_t *draws = job->random->draws;
            draw_permutation(job->random, f->n, draws ? draws[i] : i, src, sign, order);
            signs = job->random->sign_flip ? sign : NULL;
        } else {
            rows = job->src + i * f->n;
            signs = job->sign ? job->sign + i * f->n : NULL;
        }
        perm_effects(job, rows, signs, S, e);
        job->zmax[i] = perm_fields(job, rows, signs, G, Ge, e, buf, job->fields ? job->fields + i * Q : NULL);
    }
    job->status = GC_OK;
done:
    free(src);
    free(order);
    free(sign);
    free(e);
    return NULL;
}

/* Classes of equal rows of X: cls[j] in 0 .. n_cls - 1, rep[c] the first row of class c
 * (a group-indicator design has one class per group; a regression, one per distinct x). */
static size_t row_classes(const double *X, size_t n, size_t p, size_t *cls, size_t *rep)
{
    size_t n_cls = 0;
    for (size_t j = 0; j < n; j++) {
        size_t c = 0;
        while (c < n_cls && memcmp(X + j * p, X + rep[c] * p, p * sizeof *X) != 0)
            c++;
        if (c == n_cls)
            rep[n_cls++] = j;
        cls[j] = c;
    }
    return n_cls;
}

static int run_jobs(perm_job *proto, size_t n_perm, int n_threads)
{
    size_t nt = n_threads < 1 ? 1 : (size_t)n_threads;
    if (nt > n_perm)
        nt = n_perm ? n_perm : 1;
    perm_job *jobs = calloc(nt, sizeof *jobs);
    pthread_t *tid = calloc(nt, sizeof *tid);
    int *started = calloc(nt, sizeof *started);
    int status = (jobs && tid && started) ? GC_OK : GC_ENOMEM;
    for (size_t t = 0; status == GC_OK && t < nt; t++) {
        jobs[t] = *proto;
        jobs[t].begin = n_perm * t / nt;
        jobs[t].end = n_perm * (t + 1) / nt;
        jobs[t].status = GC_ENOMEM;
        if (t == 0)
            continue;  /* the calling thread takes the first block */
        started[t] = pthread_create(&tid[t], NULL, perm_worker, &jobs[t]) == 0;
        if (!started[t])
            perm_worker(&jobs[t]);  /* no thread available: run it here */
    }
    if (status == GC_OK)
        perm_worker(&jobs[0]);
    for (size_t t = 0; status == GC_OK && t < nt; t++) {
        if (started[t])
            pthread_join(tid[t], NULL);
        if (jobs[t].status != GC_OK)
            status = jobs[t].status;
    }
    free(jobs);
    free(tid);
    free(started);
    return status;
}

static int permute(const gc_glm_design *d, const double *y, size_t Q, const size_t *src,
                   const signed char *sign, const gc_glm_random *random, size_t n_perm,
                   int two_tailed, int n_threads, double *fields, double *zmax);

int gc_glm_permute(const gc_glm_design *d, const double *y, size_t Q, const size_t *src,
                   const signed char *sign, size_t n_perm, int two_tailed, int n_threads,
                   double *fields, double *zmax)
{
    if (!src)
        return GC_EINVAL;
    for (size_t i = 0; d && i < n_perm * d->n; i++)
        if (src[i] >= d->n || (sign && sign[i] != 1 && sign[i] != -1))
            return GC_EINVAL;
    return permute(d, y, Q, src, sign, NULL, n_perm, two_tailed, n_threads, fields, zmax);
}

/* The blocks list every row once (block_start non-decreasing from 0 to n). */
static int blocks_ok(const gc_glm_random *r, size_t n, int *ok)
{
    *ok = r->block_rows && r->block_start && r->n_blocks >= 1 && r->block_start[0] == 0 &&
          r->block_start[r->n_blocks] == n;
    for (size_t b = 0; *ok && b < r->n_blocks; b++)
        *ok = r->block_start[b] <= r->block_start[b + 1];
    if (!*ok)
        return GC_OK;
    unsigned char *seen = calloc(n, 1);
    if (!seen)
        return GC_ENOMEM;
    for (size_t j = 0; *ok && j < n; j++) {
        size_t row = r->block_rows[j];
        *ok = row < n && !seen[row];
        if (*ok)
            seen[row] = 1;
    }
    free(seen);
    return GC_OK;
}

/* Whole-block exchange: groups cover the blocks in order (no groups: one group of all blocks)
 * and the blocks of a group are equal in size. */
static int groups_ok(const gc_glm_random *r)
{
    size_t n_groups = r->group_start ? r->n_groups : 1;
    if (r->group_start && (r->n_groups < 1 || r->group_start[0] != 0 ||
                           r->group_start[r->n_groups] != r->n_blocks))
        return 0;
    for (size_t g = 0; g < n_groups; g++) {
        size_t g0 = r->group_start ? r->group_start[g] : 0;
        size_t g1 = r->group_start ? r->group_start[g + 1] : r->n_blocks;
        if (g0 > g1)
            return 0;
        for (size_t b = g0; b < g1; b++)
            if (r->block_start[b + 1] - r->block_start[b] != r->block_start[g0 + 1] - r->block_start[g0])
                return 0;
    }
    return 1;
}

int gc_glm_permute_random(const gc_glm_design *d, const double *y, size_t Q,
                          const gc_glm_random *random, size_t n_perm, int two_tailed,
                          int n_threads, double *fields, double *zmax)
{
    if (!random || !d || d->n >= UINT32_MAX)
        return GC_EINVAL;
    if (!random->sign_flip || random->block_rows) {
        int ok, status = blocks_ok(random, d->n, &ok);
        if (status != GC_OK)
            return status;
        if (!ok || random->n_blocks >= UINT32_MAX)
            return GC_EINVAL;
        if (random->whole && (random->sign_flip || !groups_ok(random)))
            return GC_EINVAL;
    }
    return permute(d, y, Q, NULL, NULL, random, n_perm, two_tailed, n_threads, fields, zmax);
}

static int permute(const gc_glm_design *d, const double *y, size_t Q, const size_t *src,
                   const signed char *sign, const gc_glm_random *random, size_t n_perm,
                   int two_tailed, int n_threads, double *fields, double *zmax)
{
    if (!design_ok(d) || !y || !zmax || n_perm < 1)
        return GC_EINVAL;
    if (Q < 1)
        return GC_ETOOSHORT;
    const size_t n = d->n;
    for (size_t i = 0; i < n * Q; i++)
        if (!isfinite(y[i]))
            return GC_ENOTFINITE;
    glm_factor f;
    int status = factor_design(d, &f);
    if (status != GC_OK)
        return status;
    const size_t p = d->p;
    double *q1 = gc_malloc_array(n * p, sizeof *q1), *q1c = gc_malloc_array(n * p, sizeof *q1c);
    double *sst = calloc(Q, sizeof *sst), *total = calloc(Q, sizeof *total);
    double *floor = gc_malloc_array(Q, sizeof *floor);
    size_t *cls = gc_malloc_array(n, sizeof *cls), *rep = gc_malloc_array(n, sizeof *rep);
    size_t *class_rows = gc_malloc_array(n, sizeof *class_rows);
    size_t *class_start = calloc(n + 1, sizeof *class_start);
    status = (q1 && q1c && sst && total && floor && cls && rep && class_rows && class_start)
                 ? thin_q(&f, q1) : GC_ENOMEM;
    if (status == GC_OK) {
        for (size_t j = 0; j < n; j++)
            for (size_t q = 0; q < Q; q++) {
                sst[q] += y[j * Q + q] * y[j * Q + q];
                total[q] += y[j * Q + q];
            }
        size_t n_cls = row_classes(d->X, n, p, cls, rep), big = 0;
        for (size_t c = 0; c < n_cls; c++)
            memcpy(q1c + c * p, q1 + rep[c] * p, p * sizeof *q1c);
        for (size_t j = 0; j < n; j++)  /* rows listed by class (counting sort) */
            class_start[cls[j] + 1]++;
        for (size_t c = 0; c < n_cls; c++)
            class_start[c + 1] += class_start[c];
        for (size_t c = 0; c < n_cls; c++)  /* rep is free now: the fill positions */
            rep[c] = class_start[c];
        for (size_t j = 0; j < n; j++)
            class_rows[rep[cls[j]]++] = j;
        for (size_t c = 1; c < n_cls; c++)
            big = class_start[c + 1] - class_start[c] > class_start[big + 1] - class_start[big] ? c : big;
        node_scale(y, n, Q, floor);
        for (size_t q = 0; q < Q; q++) {  /* as node_stat: SSE <= n (64 eps max|y|)^2 is flat */
            double noise = FLAT_EPS * floor[q];
            floor[q] = (double)n * noise * noise;
        }
        perm_job proto = {&f, d->stat, two_tailed != 0, y, sst, Q, src, sign, cls, class_rows,
                          class_start, floor, q1c, total, n_cls, big, random, 0, 0, fields, zmax,
                          GC_OK};
        status = run_jobs(&proto, n_perm, n_threads);
    }
    free(rep);
    factor_free(&f);
    free(q1);
    free(q1c);
    free(sst);
    free(total);
    free(floor);
    free(cls);
    free(class_rows);
    free(class_start);
    return status;
}

/* ---- cluster mass ------------------------------------------------------------------ */

int gc_spm_max_cluster_mass(const double *fields, size_t n_fields, size_t Q, double u,
                            int two_tailed, double *mass)
{
    if (!fields || !mass || Q < 1 || isnan(u))
        return GC_EINVAL;
    for (size_t i = 0; i < n_fields; i++) {
        const double *z = fields + i * Q;
        double best = 0.0;
        size_t q = 0;
        while (q < Q) {
            double h = two_tailed ? fabs(z[q]) : z[q];
            if (!(h > u)) {
                q++;
                continue;
            }
            double first = h - u, last = first, sum = 0.0;
            int positive = z[q] > 0;
            size_t len = 0;
            for (; q < Q; q++) {
                double v = (two_tailed ? fabs(z[q]) : z[q]);
                if (!(v > u) || (z[q] > 0) != positive)
                    break;  /* a run ends below u or where the sign flips (two-tailed) */
                last = v - u;
                sum += last;
                len++;
            }
            double m = len == 1 ? first : sum - 0.5 * (first + last);  /* trapezoid, unit steps */
            best = m > best ? m : best;
        }
        mass[i] = best;
    }
    return GC_OK;
}
