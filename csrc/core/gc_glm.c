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

/* Residuals of y (n x Q) on the design X (n x p) into resid (n x Q). */
static int ols_residuals(const double *X, size_t n, size_t p, const double *y, size_t Q,
                         double *resid)
{
    gsl_matrix *qr = NULL, *E = gsl_matrix_alloc(n, Q);
    gsl_vector *tau = NULL;
    int status = E ? qr_of(X, n, p, &qr, &tau) : GC_ENOMEM;
    if (status == GC_OK) {
        memcpy(E->data, y, n * Q * sizeof(double));
        gsl_linalg_QR_QTmat(qr, tau, E);
        gsl_matrix_view B = gsl_matrix_submatrix(E, 0, 0, p, Q);
        gsl_matrix_const_view R = gsl_matrix_const_submatrix(qr, 0, 0, p, p);
        gsl_blas_dtrsm(CblasLeft, CblasUpper, CblasNoTrans, CblasNonUnit, 1.0, &R.matrix,
                       &B.matrix);
        gsl_matrix_const_view Xv = gsl_matrix_const_view_array(X, n, p);
        gsl_matrix_view Rv = gsl_matrix_view_array(resid, n, Q);
        memcpy(resid, y, n * Q * sizeof(double));
        gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, -1.0, &Xv.matrix, &B.matrix, 1.0, &Rv.matrix);
    }
    gsl_matrix_free(qr);
    gsl_matrix_free(E);
    gsl_vector_free(tau);
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
    gsl_matrix *E = gsl_matrix_alloc(n, Q);
    double *scale = gc_malloc_array(Q, sizeof *scale);
    double *resid = gc_malloc_array(n * Q, sizeof *resid);
    if (!E || !scale || !resid) {
        status = GC_ENOMEM;
        goto done;
    }
    memcpy(E->data, y, n * Q * sizeof(double));
    gsl_linalg_QR_QTmat(f.qr, f.tau, E);
    node_scale(y, n, Q, scale);
    for (size_t q = 0; q < Q; q++) {
        double sse = 0.0;
        for (size_t i = p; i < n; i++)
            sse += E->data[i * Q + q] * E->data[i * Q + q];
        z[q] = node_stat(&f, d->stat, E->data + q, Q, sse, scale[q]);
        if (isnan(z[q])) {
            status = GC_EINVAL;  /* zero error variance: the statistic is undefined */
            goto done;
        }
    }
    df[0] = (double)d->k;
    df[1] = d->Ce ? (double)d->ke : (double)(n - p);
    status = d->Xr ? ols_residuals(d->Xr, n, d->pr, y, Q, resid)
                   : ols_residuals(d->X, n, p, y, Q, resid);
    if (status == GC_OK)
        status = gc_spm_fwhm(resid, n, Q, fwhm);
done:
    factor_free(&f);
    gsl_matrix_free(E);
    free(scale);
    free(resid);
    return status;
}

/* ---- permutations ------------------------------------------------------------------ */

typedef struct {
    const glm_factor *f;
    int stat, two_tailed;
    const double *y, *q1, *sst, *scale;  /* q1: n x p, first p columns of Q */
    size_t Q;
    const size_t *src;
    const signed char *sign;
    size_t begin, end;
    double *fields, *zmax;
    int status;
} perm_job;

static void *perm_worker(void *arg)
{
    perm_job *job = arg;
    const glm_factor *f = job->f;
    const size_t n = f->n, p = f->p, Q = job->Q;
    double *e = gc_malloc_array(p * Q, sizeof *e);
    if (!e) {
        job->status = GC_ENOMEM;
        return NULL;
    }
    for (size_t i = job->begin; i < job->end; i++) {
        memset(e, 0, p * Q * sizeof *e);
        for (size_t j = 0; j < n; j++) {
            const double *row = job->y + job->src[i * n + j] * Q;
            double s = job->sign ? (double)job->sign[i * n + j] : 1.0;
            for (size_t a = 0; a < p; a++) {
                double w = s * job->q1[j * p + a];
                double *ea = e + a * Q;
                for (size_t q = 0; q < Q; q++)
                    ea[q] += w * row[q];
            }
        }
        double *z = job->fields + i * Q, best = -INFINITY;
        for (size_t q = 0; q < Q; q++) {
            double fit = 0.0;
            for (size_t a = 0; a < p; a++)
                fit += e[a * Q + q] * e[a * Q + q];
            double sse = job->sst[q] - fit;
            double v = node_stat(f, job->stat, e + q, Q, sse > 0 ? sse : 0.0, job->scale[q]);
            z[q] = isnan(v) ? 0.0 : v;  /* a permutation that fits exactly carries no evidence */
            double m = job->two_tailed ? fabs(z[q]) : z[q];
            best = m > best ? m : best;
        }
        job->zmax[i] = best;
    }
    free(e);
    job->status = GC_OK;
    return NULL;
}

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

int gc_glm_permute(const gc_glm_design *d, const double *y, size_t Q, const size_t *src,
                   const signed char *sign, size_t n_perm, int two_tailed, int n_threads,
                   double *fields, double *zmax)
{
    if (!design_ok(d) || !y || !src || !fields || !zmax || n_perm < 1)
        return GC_EINVAL;
    if (Q < 1)
        return GC_ETOOSHORT;
    const size_t n = d->n;
    for (size_t i = 0; i < n * Q; i++)
        if (!isfinite(y[i]))
            return GC_ENOTFINITE;
    for (size_t i = 0; i < n_perm * n; i++)
        if (src[i] >= n || (sign && sign[i] != 1 && sign[i] != -1))
            return GC_EINVAL;
    glm_factor f;
    int status = factor_design(d, &f);
    if (status != GC_OK)
        return status;
    double *q1 = gc_malloc_array(n * d->p, sizeof *q1);
    double *sst = calloc(Q, sizeof *sst), *scale = gc_malloc_array(Q, sizeof *scale);
    status = (q1 && sst && scale) ? thin_q(&f, q1) : GC_ENOMEM;
    if (status == GC_OK) {
        for (size_t j = 0; j < n; j++)
            for (size_t q = 0; q < Q; q++)
                sst[q] += y[j * Q + q] * y[j * Q + q];
        node_scale(y, n, Q, scale);
        perm_job proto = {&f, d->stat, two_tailed != 0, y, q1, sst, scale, Q, src, sign,
                          0, 0, fields, zmax, GC_OK};
        status = run_jobs(&proto, n_perm, n_threads);
    }
    factor_free(&f);
    free(q1);
    free(sst);
    free(scale);
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
