/*
 * gc_cluster.c -- least-squares rigid fit of a marker cluster (CAST calibration).
 *
 * Soderkvist & Wedin 1993 (J Biomech 26:1473): with the markers seen in a frame,
 * centroids a (reference) and b (frame), cross-covariance H = sum (r_i - a)(p_i - b)^T
 * = U S V^T, the rotation minimising sum |R r_i + t - p_i|^2 is
 * R = V diag(1, 1, det(V U^T)) U^T and t = b - R a.
 */
#include <math.h>
#include <string.h>

#include <gsl/gsl_linalg.h>

#include "gaitcore.h"

#define RIGID_COLLINEAR 1e-10 /* s2 / s1 below which the seen markers are in a line */

static int point_finite(const double *p) { return isfinite(p[0]) && isfinite(p[1]) && isfinite(p[2]); }

static void nan_frame(double *rot, double *trans)
{
    for (int i = 0; i < 9; i++)
        rot[i] = NAN;
    for (int i = 0; i < 3; i++)
        trans[i] = NAN;
}

/* One frame: 0 when fitted, 1 when the frame is a gap (fewer than 3 usable markers). */
static int fit_frame(size_t k, const double *ref, const double *pts, gsl_matrix *h, gsl_matrix *v,
                     gsl_vector *s, gsl_vector *work, double *rot, double *trans)
{
    double a[3] = {0, 0, 0}, b[3] = {0, 0, 0};
    size_t seen = 0;
    for (size_t i = 0; i < k; i++) {
        if (!point_finite(pts + 3 * i) || !point_finite(ref + 3 * i))
            continue;
        for (int j = 0; j < 3; j++) {
            a[j] += ref[3 * i + j];
            b[j] += pts[3 * i + j];
        }
        seen++;
    }
    if (seen < 3)
        return 1;
    for (int j = 0; j < 3; j++) {
        a[j] /= (double)seen;
        b[j] /= (double)seen;
    }
    gsl_matrix_set_zero(h);
    for (size_t i = 0; i < k; i++) {
        if (!point_finite(pts + 3 * i) || !point_finite(ref + 3 * i))
            continue;
        for (int r = 0; r < 3; r++)
            for (int c = 0; c < 3; c++)
                *gsl_matrix_ptr(h, r, c) += (ref[3 * i + r] - a[r]) * (pts[3 * i + c] - b[c]);
    }
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
    const double det = vu[0] * (vu[4] * vu[8] - vu[5] * vu[7]) - vu[1] * (vu[3] * vu[8] - vu[5] * vu[6]) +
                       vu[2] * (vu[3] * vu[7] - vu[4] * vu[6]);
    const double d = det < 0 ? -1.0 : 1.0;
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 3; c++)
            rot[3 * r + c] = gsl_matrix_get(v, r, 0) * gsl_matrix_get(h, c, 0) +
                             gsl_matrix_get(v, r, 1) * gsl_matrix_get(h, c, 1) +
                             d * gsl_matrix_get(v, r, 2) * gsl_matrix_get(h, c, 2);
    for (int r = 0; r < 3; r++)
        trans[r] = b[r] - (rot[3 * r] * a[0] + rot[3 * r + 1] * a[1] + rot[3 * r + 2] * a[2]);
    return 0;
}

int gc_cluster_rigid_fit(size_t n, size_t k, const double *ref, const double *pts, double *rot,
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
    gsl_matrix *h = gsl_matrix_alloc(3, 3), *v = gsl_matrix_alloc(3, 3);
    gsl_vector *s = gsl_vector_alloc(3), *work = gsl_vector_alloc(3);
    int st = GC_OK;
    if (!h || !v || !s || !work) {
        st = GC_ENOMEM;
        goto done;
    }
    for (size_t t = 0; t < n; t++)
        if (fit_frame(k, ref, pts + 3 * k * t, h, v, s, work, rot + 9 * t, trans + 3 * t))
            nan_frame(rot + 9 * t, trans + 3 * t);
done:
    if (h)
        gsl_matrix_free(h);
    if (v)
        gsl_matrix_free(v);
    if (s)
        gsl_vector_free(s);
    if (work)
        gsl_vector_free(work);
    return st;
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
