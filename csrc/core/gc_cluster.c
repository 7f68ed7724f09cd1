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
