/*
 * gc_cluster.c -- least-squares rigid fit of a marker cluster (CAST calibration).
 *
 * Soderkvist & Wedin 1993 (J Biomech 26:1473): with the markers seen in a frame,
 * centroids a (reference) and b (frame), cross-covariance H = sum (r_i - a)(p_i - b)^T
 * = U S V^T, the rotation minimising sum |R r_i + t - p_i|^2 is
 * R = V diag(1, 1, det(V U^T)) U^T and t = b - R a.
 *
 * The same minimiser in closed form (Horn 1987, J Opt Soc Am A 4:629): R is the rotation of
 * the unit quaternion q maximising q^T N q, N the traceless symmetric 4x4 matrix built from
 * H, i.e. q is N's eigenvector of the largest eigenvalue lambda_1 = s1 + s2 + sign(det H) s3
 * (which is why no det correction is needed: q always gives det +1).  lambda_1 is the largest
 * root of N's characteristic quartic, found by Newton's method started above it at
 * (|a-centred r|^2 + |b-centred p|^2) / 2 (Theobald 2005, Acta Cryst A61:478: "QCP"); from
 * above the largest root of a polynomial with real roots Newton decreases monotonically onto it.
 * q is a column of the adjugate of N - lambda_1 I (rank one there: c q q^T with
 * c = prod_{j>1} (lambda_j - lambda_1)), the column of the largest diagonal entry.
 * When |c| < QCP_MIN_GAP lambda_1^3 the eigen-gap is too small for q to be accurate to about
 * 1e-10 (the error grows like eps / (|c| / lambda_1^3)^2) -- nearly collinear clusters, or a
 * reflection in noisy data with s2 ~ s3 -- and the frame goes to the SVD above, as does a
 * Newton iteration that does not converge.  So no frame is fitted worse than by the SVD.
 */
#include <math.h>
#include <string.h>

#include <gsl/gsl_linalg.h>

#include "gaitcore.h"

#define RIGID_COLLINEAR 1e-10 /* s2 / s1 below which the seen markers are in a line */
#define QCP_MIN_GAP 1e-2      /* |c| / lambda_1^3 below which the SVD fits the frame */
#define QCP_MAX_NEWTON 60

static int point_finite(const double *p) { return isfinite(p[0]) && isfinite(p[1]) && isfinite(p[2]); }

static void nan_frame(double *rot, double *trans)
{
    for (int i = 0; i < 9; i++)
        rot[i] = NAN;
    for (int i = 0; i < 3; i++)
        trans[i] = NAN;
}

/* Centroids a, b of the markers finite in both ref and pts; the number of them. */
static size_t centroids(size_t k, const double *ref, const double *pts, double *a, double *b)
{
    size_t seen = 0;
    a[0] = a[1] = a[2] = b[0] = b[1] = b[2] = 0.0;
    for (size_t i = 0; i < k; i++) {
        if (!point_finite(pts + 3 * i) || !point_finite(ref + 3 * i))
            continue;
        for (int j = 0; j < 3; j++) {
            a[j] += ref[3 * i + j];
            b[j] += pts[3 * i + j];
        }
        seen++;
    }
    if (seen)
        for (int j = 0; j < 3; j++) {
            a[j] /= (double)seen;
            b[j] /= (double)seen;
        }
    return seen;
}

/* h (row-major) = sum (r_i - a)(p_i - b)^T; *g = sum |r_i - a|^2 + |p_i - b|^2. */
static void cross_covariance(size_t k, const double *ref, const double *pts, const double *a,
                             const double *b, double *h, double *g)
{
    memset(h, 0, 9 * sizeof *h);
    *g = 0.0;
    for (size_t i = 0; i < k; i++) {
        if (!point_finite(pts + 3 * i) || !point_finite(ref + 3 * i))
            continue;
        const double x[3] = {ref[3 * i] - a[0], ref[3 * i + 1] - a[1], ref[3 * i + 2] - a[2]};
        const double y[3] = {pts[3 * i] - b[0], pts[3 * i + 1] - b[1], pts[3 * i + 2] - b[2]};
        for (int r = 0; r < 3; r++)
            for (int c = 0; c < 3; c++)
                h[3 * r + c] += x[r] * y[c];
        *g += x[0] * x[0] + x[1] * x[1] + x[2] * x[2] + y[0] * y[0] + y[1] * y[1] + y[2] * y[2];
    }
}

static void translation(const double *rot, const double *a, const double *b, double *trans)
{
    for (int r = 0; r < 3; r++)
        trans[r] = b[r] - (rot[3 * r] * a[0] + rot[3 * r + 1] * a[1] + rot[3 * r + 2] * a[2]);
}

static double det3(const double *m)
{
    return m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) +
           m[2] * (m[3] * m[7] - m[4] * m[6]);
}

/* SVD path: 0 when fitted, 1 when the markers are in a line (or the SVD fails). */
static int rotation_svd(const double *hh, gsl_matrix *h, gsl_matrix *v, gsl_vector *s,
                        gsl_vector *work, double *rot)
{
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 3; c++)
            gsl_matrix_set(h, r, c, hh[3 * r + c]);
    if (gsl_linalg_SV_decomp(h, v, s, work) != GSL_SUCCESS) /* h now holds U */
        return 1;
    const double s0 = gsl_vector_get(s, 0), s1 = gsl_vector_get(s, 1);
    if (!(s0 > 0.0) || s1 <= RIGID_COLLINEAR * s0)
        return 1;
    double vu[9];
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 3; c++) {
            double acc = 0.0;
            for (int j = 0; j < 3; j++)
                acc += gsl_matrix_get(v, r, j) * gsl_matrix_get(h, c, j);
            vu[3 * r + c] = acc;
        }
    const double d = det3(vu) < 0 ? -1.0 : 1.0;
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 3; c++)
            rot[3 * r + c] = gsl_matrix_get(v, r, 0) * gsl_matrix_get(h, c, 0) +
                             gsl_matrix_get(v, r, 1) * gsl_matrix_get(h, c, 1) +
                             d * gsl_matrix_get(v, r, 2) * gsl_matrix_get(h, c, 2);
    return 0;
}

/* Horn's N (row-major 4x4) from h: q^T N q = trace(R(q) H) for a unit quaternion q. */
static void horn_matrix(const double *h, double *n)
{
    const double sxx = h[0], sxy = h[1], sxz = h[2], syx = h[3], syy = h[4], syz = h[5],
                 szx = h[6], szy = h[7], szz = h[8];
    const double m[16] = {sxx + syy + szz, syz - szy,       szx - sxz,        sxy - syx,
                          syz - szy,       sxx - syy - szz, sxy + syx,        szx + sxz,
                          szx - sxz,       sxy + syx,       -sxx + syy - szz, syz + szy,
                          sxy - syx,       szx + sxz,       syz + szy,        -sxx - syy + szz};
    memcpy(n, m, sizeof m);
}

/* Cofactor (i, j) of the 4x4 matrix a: (-1)^(i+j) times the minor without row i, column j. */
static double cofactor4(const double *a, int i, int j)
{
    double m[9];
    int p = 0;
    for (int r = 0; r < 4; r++)
        for (int c = 0; c < 4; c++)
            if (r != i && c != j)
                m[p++] = a[4 * r + c];
    return ((i + j) & 1 ? -1.0 : 1.0) * det3(m);
}

/* Largest root of x^4 + c2 x^2 + c1 x + c0 by Newton from x0 above it; 1 if no convergence. */
static int largest_root(double c2, double c1, double c0, double x0, double *root)
{
    double x = x0;
    for (int it = 0; it < QCP_MAX_NEWTON; it++) {
        const double x2 = x * x;
        const double p = (x2 + c2) * x2 + c1 * x + c0, dp = (4.0 * x2 + 2.0 * c2) * x + c1;
        if (!(dp > 0.0)) /* above the largest root dp > 0; anything else is a stall */
            return 1;
        const double step = p / dp;
        x -= step;
        if (fabs(step) <= 1e-15 * fabs(x)) {
            *root = x;
            return 0;
        }
    }
    return 1;
}

/* QCP path: 0 when fitted, 1 when the eigen-gap is too small (then the SVD decides). */
static int rotation_qcp(const double *h, double g, double *rot)
{
    double n[16];
    horn_matrix(h, n);
    /* characteristic polynomial of the traceless N: x^4 + c2 x^2 + c1 x + c0 */
    double f2 = 0.0;
    for (int i = 0; i < 9; i++)
        f2 += h[i] * h[i];
    const double c2 = -2.0 * f2, c1 = -8.0 * det3(h);
    double c0 = 0.0;
    for (int j = 0; j < 4; j++)
        c0 += n[j] * cofactor4(n, 0, j);
    double lambda;
    if (largest_root(c2, c1, c0, 0.5 * g, &lambda) || !(lambda > 0.0))
        return 1;
    for (int i = 0; i < 4; i++)
        n[5 * i] -= lambda;
    int best = 0;
    double diag[4];
    for (int i = 0; i < 4; i++) {
        diag[i] = cofactor4(n, i, i);
        if (fabs(diag[i]) > fabs(diag[best]))
            best = i;
    }
    if (!(fabs(diag[best]) >= QCP_MIN_GAP * lambda * lambda * lambda))
        return 1;
    double q[4], qn = 0.0;
    for (int i = 0; i < 4; i++) {
        q[i] = i == best ? diag[best] : cofactor4(n, best, i);
        qn += q[i] * q[i];
    }
    qn = 1.0 / sqrt(qn);
    const double w = q[0] * qn, x = q[1] * qn, y = q[2] * qn, z = q[3] * qn;
    const double r[9] = {w * w + x * x - y * y - z * z, 2.0 * (x * y - w * z), 2.0 * (x * z + w * y),
                         2.0 * (x * y + w * z), w * w - x * x + y * y - z * z, 2.0 * (y * z - w * x),
                         2.0 * (x * z - w * y), 2.0 * (y * z + w * x), w * w - x * x - y * y + z * z};
    memcpy(rot, r, sizeof r);
    return 0;
}

typedef struct {
    gsl_matrix *h, *v;
    gsl_vector *s, *work;
} svd_workspace;

/* One frame: 0 when fitted, 1 when the frame is a gap (fewer than 3 usable markers, or in a
 * line).  use_qcp = 0 forces the SVD (the reference path, gc_cluster_rigid_fit_svd). */
static int fit_frame(size_t k, const double *ref, const double *pts, svd_workspace *ws, int use_qcp,
                     double *rot, double *trans)
{
    double a[3], b[3], h[9], g;
    if (centroids(k, ref, pts, a, b) < 3)
        return 1;
    cross_covariance(k, ref, pts, a, b, h, &g);
    if ((!use_qcp || rotation_qcp(h, g, rot)) && rotation_svd(h, ws->h, ws->v, ws->s, ws->work, rot))
        return 1;
    translation(rot, a, b, trans);
    return 0;
}

static int rigid_fit(size_t n, size_t k, const double *ref, const double *pts, int use_qcp, double *rot,
                     double *trans)
{
    if (!ref || !pts || !rot || !trans || k == 0)
        return GC_EINVAL;
    if (n > SIZE_MAX / (3 * k) || n > SIZE_MAX / 9)
        return GC_EINVAL;
    for (size_t i = 0; i < 3 * k; i++)
        if (isinf(ref[i]))
            return GC_ENOTFINITE;
    for (size_t i = 0; i < 3 * k * n; i++)
        if (isinf(pts[i]))
            return GC_ENOTFINITE;
    svd_workspace ws = {gsl_matrix_alloc(3, 3), gsl_matrix_alloc(3, 3), gsl_vector_alloc(3),
                        gsl_vector_alloc(3)};
    int st = GC_OK;
    if (!ws.h || !ws.v || !ws.s || !ws.work) {
        st = GC_ENOMEM;
        goto done;
    }
    for (size_t t = 0; t < n; t++)
        if (fit_frame(k, ref, pts + 3 * k * t, &ws, use_qcp, rot + 9 * t, trans + 3 * t))
            nan_frame(rot + 9 * t, trans + 3 * t);
done:
    if (ws.h)
        gsl_matrix_free(ws.h);
    if (ws.v)
        gsl_matrix_free(ws.v);
    if (ws.s)
        gsl_vector_free(ws.s);
    if (ws.work)
        gsl_vector_free(ws.work);
    return st;
}

int gc_cluster_rigid_fit(size_t n, size_t k, const double *ref, const double *pts, double *rot,
                         double *trans)
{
    return rigid_fit(n, k, ref, pts, 1, rot, trans);
}

int gc_cluster_rigid_fit_svd(size_t n, size_t k, const double *ref, const double *pts, double *rot,
                             double *trans)
{
    return rigid_fit(n, k, ref, pts, 0, rot, trans);
}

static int pose_finite(const double *rot, const double *org)
{
    for (int i = 0; i < 9; i++)
        if (!isfinite(rot[i]))
            return 0;
    return point_finite(org);
}

/* Rows 3r..3r+2 of A = [rot_p, -rot_t] and of b = org_t - org_p for one frame. */
static void score_rows(size_t r, const double *rp, const double *op, const double *rt, const double *ot,
                       gsl_matrix *a, gsl_vector *b)
{
    for (size_t i = 0; i < 3; i++) {
        for (size_t j = 0; j < 3; j++) {
            gsl_matrix_set(a, 3 * r + i, j, rp[3 * i + j]);
            gsl_matrix_set(a, 3 * r + i, 3 + j, -rt[3 * i + j]);
        }
        gsl_vector_set(b, 3 * r + i, ot[i] - op[i]);
    }
}

int gc_cluster_score(size_t n, const double *rot_p, const double *org_p, const double *rot_t,
                     const double *org_t, double *c_p, double *c_t, double *rms_mm,
                     double *conditioning)
{
    if (!rot_p || !org_p || !rot_t || !org_t || !c_p || !c_t || !rms_mm || !conditioning)
        return GC_EINVAL;
    if (n > SIZE_MAX / 9)
        return GC_EINVAL;
    size_t m = 0;
    for (size_t t = 0; t < n; t++) {
        for (int i = 0; i < 9; i++)
            if (isinf(rot_p[9 * t + i]) || isinf(rot_t[9 * t + i]))
                return GC_ENOTFINITE;
        for (int i = 0; i < 3; i++)
            if (isinf(org_p[3 * t + i]) || isinf(org_t[3 * t + i]))
                return GC_ENOTFINITE;
        m += pose_finite(rot_p + 9 * t, org_p + 3 * t) && pose_finite(rot_t + 9 * t, org_t + 3 * t);
    }
    if (m < 3)
        return GC_ETOOSHORT;
    gsl_matrix *a = gsl_matrix_alloc(3 * m, 6), *v = gsl_matrix_alloc(6, 6);
    gsl_vector *b = gsl_vector_alloc(3 * m), *s = gsl_vector_alloc(6), *work = gsl_vector_alloc(6),
               *x = gsl_vector_alloc(6);
    int st = GC_OK;
    if (!a || !v || !b || !s || !work || !x) {
        st = GC_ENOMEM;
        goto done;
    }
    size_t r = 0;
    for (size_t t = 0; t < n; t++)
        if (pose_finite(rot_p + 9 * t, org_p + 3 * t) && pose_finite(rot_t + 9 * t, org_t + 3 * t))
            score_rows(r++, rot_p + 9 * t, org_p + 3 * t, rot_t + 9 * t, org_t + 3 * t, a, b);
    if (gsl_linalg_SV_decomp(a, v, s, work) != GSL_SUCCESS || gsl_linalg_SV_solve(a, v, s, b, x) != GSL_SUCCESS) {
        st = GC_EGSL;
        goto done;
    }
    const double s_max = gsl_vector_get(s, 0);
    *conditioning = s_max > 0.0 ? gsl_vector_get(s, 5) / s_max : 0.0;
    for (int j = 0; j < 3; j++) {
        c_p[j] = gsl_vector_get(x, j);
        c_t[j] = gsl_vector_get(x, 3 + j);
    }
    double sum = 0.0;
    for (size_t t = 0; t < n; t++) {
        const double *rp = rot_p + 9 * t, *op = org_p + 3 * t, *rt = rot_t + 9 * t, *ot = org_t + 3 * t;
        if (!(pose_finite(rp, op) && pose_finite(rt, ot)))
            continue;
        for (int i = 0; i < 3; i++) {
            const double d = op[i] + rp[3 * i] * c_p[0] + rp[3 * i + 1] * c_p[1] + rp[3 * i + 2] * c_p[2] -
                             (ot[i] + rt[3 * i] * c_t[0] + rt[3 * i + 1] * c_t[1] + rt[3 * i + 2] * c_t[2]);
            sum += d * d;
        }
    }
    *rms_mm = sqrt(sum / (double)m);
done:
    gsl_matrix_free(a);
    gsl_matrix_free(v);
    gsl_vector_free(b);
    gsl_vector_free(s);
    gsl_vector_free(work);
    gsl_vector_free(x);
    return st;
}
