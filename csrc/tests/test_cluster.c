/* C unit tests of gc_cluster.c (least-squares rigid fit): exact poses recovered to rounding,
 * a noisy 4-marker cluster against numpy.linalg.svd (Soderkvist & Wedin 1993 computed in
 * NumPy; the script is in the comment below), gaps and degenerate clusters give NaN, +-inf
 * is refused.
 *
 * NumPy reference:
 *   a, b = ref.mean(0), pts.mean(0); u, s, vt = np.linalg.svd((ref - a).T @ (pts - b))
 *   R = vt.T @ np.diag([1, 1, np.sign(np.linalg.det(vt.T @ u.T))]) @ u.T; t = b - R @ a
 */
#include <stdlib.h>
#include <string.h>

#include "core/gaitcore.h"
#include "gc_test.h"

static const double REF[12] = {0, 0, 0, 100, 0, 0, 0, 80, 0, 30, 40, 60};

static void rotate(const double *r, const double *t, const double *p, double *out)
{
    for (int i = 0; i < 3; i++)
        out[i] = r[3 * i] * p[0] + r[3 * i + 1] * p[1] + r[3 * i + 2] * p[2] + t[i];
}

static void test_exact_pose(void)
{
    const double c = cos(0.7), s = sin(0.7), c2 = cos(-1.2), s2 = sin(-1.2);
    /* R = Rz(0.7) Rx(-1.2) */
    const double rz[9] = {c, -s, 0, s, c, 0, 0, 0, 1}, rx[9] = {1, 0, 0, 0, c2, -s2, 0, s2, c2};
    double r[9], t[3] = {250.0, -1300.0, 910.0}, pts[2 * 12], rot[18], trans[6];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            r[3 * i + j] = rz[3 * i] * rx[j] + rz[3 * i + 1] * rx[3 + j] + rz[3 * i + 2] * rx[6 + j];
    for (int k = 0; k < 4; k++) {
        rotate(r, t, REF + 3 * k, pts + 3 * k);
        rotate(r, t, REF + 3 * k, pts + 12 + 3 * k);
    }
    pts[12] = NAN; /* frame 1 misses marker 0: 3 markers still fit exactly */
    CHECK(gc_cluster_rigid_fit(2, 4, REF, pts, rot, trans) == GC_OK);
    for (int f = 0; f < 2; f++) {
        for (int i = 0; i < 9; i++)
            CHECK_CLOSE(rot[9 * f + i], r[i], 1e-12);
        for (int i = 0; i < 3; i++)
            CHECK_CLOSE(trans[3 * f + i], t[i], 1e-12);
    }
}

static void test_noisy_against_numpy(void)
{
    const double pts[12] = {12.5, 3, 1000, 110.9, 20, 1003, -5, 83, 990, 22, 55, 1061};
    const double want_r[9] = {0.9793809069484386, -0.18182265967292885, -0.088054298783854332,
                              0.18960772587603381, 0.97772577189180765, 0.090006806779756657,
                              0.069727680249473303, -0.10484672340150593, 0.99204093423557682};
    const double want_t[3] = {10.045614796121427, 3.4058736505783216, 999.49863808040368};
    double rot[9], trans[3];
    CHECK(gc_cluster_rigid_fit(1, 4, REF, pts, rot, trans) == GC_OK);
    for (int i = 0; i < 9; i++)
        CHECK_CLOSE(rot[i], want_r[i], 1e-12);
    for (int i = 0; i < 3; i++)
        CHECK_CLOSE(trans[i], want_t[i], 1e-12);
}

static void test_gaps_and_refusals(void)
{
    double pts[12], rot[9], trans[3];
    memcpy(pts, REF, sizeof pts);
    pts[0] = pts[3] = NAN; /* two markers missing: a gap */
    CHECK(gc_cluster_rigid_fit(1, 4, REF, pts, rot, trans) == GC_OK);
    CHECK(isnan(rot[0]) && isnan(rot[8]) && isnan(trans[2]));
    const double line[9] = {0, 0, 0, 1, 0, 0, 2, 0, 0};
    CHECK(gc_cluster_rigid_fit(1, 3, line, line, rot, trans) == GC_OK);
    CHECK(isnan(rot[4]) && isnan(trans[0]));
    memcpy(pts, REF, sizeof pts);
    pts[5] = INFINITY;
    CHECK(gc_cluster_rigid_fit(1, 4, REF, pts, rot, trans) == GC_ENOTFINITE);
    CHECK(gc_cluster_rigid_fit(1, 0, REF, pts, rot, trans) == GC_EINVAL);
    CHECK(gc_cluster_rigid_fit(1, 4, NULL, pts, rot, trans) == GC_EINVAL);
    CHECK(gc_cluster_rigid_fit(0, 4, REF, pts, rot, trans) == GC_OK); /* nothing to do */
}

int main(void)
{
    gc_test_init();
    test_exact_pose();
    test_noisy_against_numpy();
    test_gaps_and_refusals();
    return gc_test_report("test_cluster");
}
