/* C unit tests of gc_cluster.c (least-squares rigid fit): exact poses recovered to rounding,
 * a noisy 4-marker cluster against numpy.linalg.svd (Soderkvist & Wedin 1993 computed in
 * NumPy; the script is in the comment below), gaps and degenerate clusters give NaN, +-inf
 * is refused.  The closed-form path (Horn quaternion + QCP) against the SVD path
 * (gc_cluster_rigid_fit_svd, itself checked against NumPy here) over random rotations incl.
 * 180 deg and near it, 3 to 8 markers, noise 0-5 mm, mirrored clusters: rotations agree to
 * 1e-10, are proper (det +1, orthonormal to 1e-12); near-collinear clusters fall back to the
 * SVD bit for bit.  SCoRE (gc_cluster_score) against numpy.linalg.lstsq of the stacked system
 * (5 frames, several axes, the thigh origin offset by a few tenths of a mm), a one-axis motion
 * gives a conditioning near 0, too few frames and +-inf are refused.
 *
 * NumPy reference:
 *   a, b = ref.mean(0), pts.mean(0); u, s, vt = np.linalg.svd((ref - a).T @ (pts - b))
 *   R = vt.T @ np.diag([1, 1, np.sign(np.linalg.det(vt.T @ u.T))]) @ u.T; t = b - R @ a
 */
#include <stdlib.h>
#include <string.h>

#include "core/gaitcore.h"
#include "gc_test.h"

static const double PI = 3.14159265358979323846;
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

/* xorshift64* uniform in [0, 1) and Box-Muller normals: the test is deterministic. */
static unsigned long long rng_state = 0x9E3779B97F4A7C15ULL;
static double uniform01(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (double)((rng_state * 2685821657736338717ULL) >> 11) * 0x1.0p-53;
}
static double normal01(void)
{
    const double u = uniform01() + 0x1.0p-54, v = uniform01();
    return sqrt(-2.0 * log(u)) * cos(2.0 * PI * v);
}

/* Rotation by angle about the unit axis (Rodrigues), row-major. */
static void axis_angle(const double *u, double angle, double *r)
{
    const double c = cos(angle), s = sin(angle), C = 1.0 - c;
    const double m[9] = {c + u[0] * u[0] * C,        u[0] * u[1] * C - u[2] * s, u[0] * u[2] * C + u[1] * s,
                         u[1] * u[0] * C + u[2] * s, c + u[1] * u[1] * C,        u[1] * u[2] * C - u[0] * s,
                         u[2] * u[0] * C - u[1] * s, u[2] * u[1] * C + u[0] * s, c + u[2] * u[2] * C};
    memcpy(r, m, sizeof m);
}

static void random_axis(double *u)
{
    double n = 0.0;
    for (int i = 0; i < 3; i++) {
        u[i] = normal01();
        n += u[i] * u[i];
    }
    for (int i = 0; i < 3; i++)
        u[i] /= sqrt(n);
}

static double max_abs_diff(const double *x, const double *y, size_t m)
{
    double worst = 0.0;
    for (size_t i = 0; i < m; i++)
        worst = fmax(worst, fabs(x[i] - y[i]));
    return worst;
}

/* |R R^T - I| and |det R - 1| */
static double improper(const double *r)
{
    double worst = 0.0;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            const double d = r[3 * i] * r[3 * j] + r[3 * i + 1] * r[3 * j + 1] + r[3 * i + 2] * r[3 * j + 2];
            worst = fmax(worst, fabs(d - (i == j)));
        }
    const double det = r[0] * (r[4] * r[8] - r[5] * r[7]) - r[1] * (r[3] * r[8] - r[5] * r[6]) +
                       r[2] * (r[3] * r[7] - r[4] * r[6]);
    return fmax(worst, fabs(det - 1.0));
}

#define MAXK 8
#define NFRAMES 400

/* Frames of k markers (reference within +-60 mm, flat when planar, mirrored in x when mirror)
 * posed by random rotations -- every 10th turned by 180 deg or within 1e-7 rad of it -- plus
 * noise_mm; the closed form must equal the SVD path.  Returns the worst rotation difference. */
static double compare_with_svd(size_t k, double noise_mm, int planar, int mirror)
{
    static double pts[NFRAMES * MAXK * 3], rq[NFRAMES * 9], tq[NFRAMES * 3], rs[NFRAMES * 9],
        ts[NFRAMES * 3];
    double ref[MAXK * 3];
    for (size_t i = 0; i < 3 * k; i++)
        ref[i] = planar && i % 3 == 2 ? 0.0 : 120.0 * uniform01() - 60.0;
    for (size_t f = 0; f < NFRAMES; f++) {
        double u[3], r[9], t[3];
        random_axis(u);
        const double angle = f % 10 == 0 ? PI - (f % 20 ? 0.0 : 1e-7) : PI * uniform01();
        axis_angle(u, angle, r);
        for (int i = 0; i < 3; i++)
            t[i] = 1000.0 * normal01();
        for (size_t m = 0; m < k; m++) {
            double p[3] = {mirror ? -ref[3 * m] : ref[3 * m], ref[3 * m + 1], ref[3 * m + 2]};
            rotate(r, t, p, pts + 3 * (k * f + m));
            for (int i = 0; i < 3; i++)
                pts[3 * (k * f + m) + i] += noise_mm * normal01();
        }
    }
    CHECK(gc_cluster_rigid_fit(NFRAMES, k, ref, pts, rq, tq) == GC_OK);
    CHECK(gc_cluster_rigid_fit_svd(NFRAMES, k, ref, pts, rs, ts) == GC_OK);
    double worst_improper = 0.0;
    for (size_t f = 0; f < NFRAMES; f++)
        worst_improper = fmax(worst_improper, improper(rq + 9 * f));
    CHECK(worst_improper < 1e-12);
    CHECK(max_abs_diff(tq, ts, 3 * NFRAMES) < 1e-10 * 3000.0); /* mm, |t| up to ~3 m */
    return max_abs_diff(rq, rs, 9 * NFRAMES);
}

static void test_closed_form_equals_svd(void)
{
    const double noise_mm[4] = {0.0, 0.5, 2.0, 5.0};
    double worst = 0.0;
    for (size_t k = 3; k <= MAXK; k++)
        for (int n = 0; n < 4; n++)
            for (int planar = 0; planar < 2; planar++)
                for (int mirror = 0; mirror < 2; mirror++) {
                    const double d = compare_with_svd(k, noise_mm[n], planar, mirror);
                    CHECK(d < 1e-10);
                    worst = fmax(worst, d);
                }
    printf("  closed form vs SVD: worst rotation element difference %.2e\n", worst);
}

/* Markers within 1e-4 mm of a 100-mm line: the eigen-gap is too small for the closed form,
 * the SVD fits these frames (bit-identical results); exactly in a line: a gap (NaN). */
static void test_degenerate_falls_back(void)
{
    double ref[12], pts[12 * 3], rq[27], tq[9], rs[27], ts[9], u[3], r[9];
    const double t[3] = {100.0, 200.0, 300.0};
    for (int m = 0; m < 4; m++) {
        ref[3 * m] = 33.0 * m;
        ref[3 * m + 1] = m == 2 ? 1e-4 : 0.0;
        ref[3 * m + 2] = m == 3 ? -1e-4 : 0.0;
    }
    random_axis(u);
    axis_angle(u, 2.0, r);
    for (int m = 0; m < 4; m++) {
        rotate(r, t, ref + 3 * m, pts + 3 * m);                     /* frame 0: exact */
        for (int i = 0; i < 3; i++) {
            pts[12 + 3 * m + i] = pts[3 * m + i] + 1e-3 * normal01(); /* frame 1: noisy */
            pts[24 + 3 * m + i] = ref[3 * m + i];
        }
    }
    pts[24 + 7] = pts[24 + 11] = 0.0; /* frame 2: exactly in a line */
    CHECK(gc_cluster_rigid_fit(3, 4, ref, pts, rq, tq) == GC_OK);
    CHECK(gc_cluster_rigid_fit_svd(3, 4, ref, pts, rs, ts) == GC_OK);
    CHECK(memcmp(rq, rs, 18 * sizeof *rq) == 0 && memcmp(tq, ts, 6 * sizeof *tq) == 0);
    CHECK(max_abs_diff(rq, r, 9) < 1e-6);
    CHECK(isnan(rq[18]) && isnan(rq[26]) && isnan(tq[6]) && isnan(rs[18]));
}

/* NumPy reference (pelvis poses near identity, thigh turned about five axes):
 *   A = concat([hstack([RP[k], -RT[k]]) for k]); b = concat([OT[k] - OP[k] for k])
 *   x = np.linalg.lstsq(A, b)[0]; s = np.linalg.svd(A, compute_uv=False)
 *   rms = sqrt(mean_k |A_k x - b_k|^2); conditioning = s[-1] / s[0] */
static const double RP[45] = {1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.998762162676919, -0.009635912167905393, 0.04879847950106747, 0.009873957806959434, 0.9999404885902365, -0.004639421854662165, -0.04875087037325666, 0.005115513132770248, 0.998797869522777, 0.9951891961936545, -0.01828779541357873, 0.09624978087423916, 0.020138104569865464, 0.9996299381687427, -0.01828779541357873, -0.09587971904298181, 0.020138104569865464, 0.9951891961936545, 0.9896654168614902, -0.025134784198544254, 0.14117579570048597, 0.031097043701530675, 0.9987081771076862, -0.040186451090727396, -0.13998334379988867, 0.044161290759385005, 0.989168561902908, 0.9827243674624094, -0.029627417267384132, 0.18268835141210188, 0.04291636537322305, 0.9966777629735403, -0.06922154561414745, -0.18003056179093407, 0.07586601966706691, 0.9807310252465335};
static const double OP[15] = {1000.0, 500.0, 900.0, 1010.0, 497.0, 901.0, 1020.0, 494.0, 902.0, 1030.0, 491.0, 903.0, 1040.0, 488.0, 904.0};
static const double RT[45] = {1.0, 0.0, 0.0, 0.0, 0.8775825618903728, -0.479425538604203, 0.0, 0.479425538604203, 0.8775825618903728, 0.9389238933221625, -0.009635912167905393, -0.3439899297151659, 0.007287841424507539, 0.9999404885902365, -0.008118290786265544, 0.3440476855264741, 0.005115513132770248, 0.9389382416374705, 0.9453361396273787, -0.3115695151905369, 0.09624978087423916, 0.3146495120299085, 0.9490317387307189, -0.01828779541357873, -0.08564617734461744, 0.047573060503632754, 0.9951891961936545, 0.8446744860873512, 0.11985614657559487, 0.5216890996380114, 0.13164558932103307, 0.8981596314881838, -0.4194981706483685, -0.5188395237117034, 0.4230174706711997, 0.742873992101994, 0.9343978856838137, 0.31651668172748443, -0.16345574758276665, -0.3236825939143702, 0.9459842962177974, -0.018528078858404694, 0.1487621243007901, 0.07022037807887876, 0.9863766668347217};
static const double OT[15] = {920.3, 671.7971949113887, 662.3863599289044, 995.6447934397702, 572.9335046520682, 653.4402270569602, 916.0532757857346, 569.5239007271866, 652.2920341591758, 836.4582448204292, 648.8234282539738, 711.0801330759308, 979.8923870625922, 571.3458884283422, 664.9635028835921};
static const double WANT_X[6] = {-70.16429157527708, 79.97821805188039, -59.94360412407383, 9.816931622243104, 4.979238060720183, 200.0713475248243};
static const double WANT_RMS = 0.46114204715893714, WANT_COND = 0.11843523038454777;

static void test_score_against_numpy(void)
{
    double cp[3], ct[3], rms, cond;
    CHECK(gc_cluster_score(5, RP, OP, RT, OT, cp, ct, &rms, &cond) == GC_OK);
    for (int i = 0; i < 3; i++) {
        CHECK_CLOSE(cp[i], WANT_X[i], 1e-9);
        CHECK_CLOSE(ct[i], WANT_X[3 + i], 1e-9);
    }
    CHECK_CLOSE(rms, WANT_RMS, 1e-9);
    CHECK_CLOSE(cond, WANT_COND, 1e-9);
}

static void test_score_degenerate_and_refusals(void)
{
    /* the thigh turns about the pelvis's x axis only: the centre is free along that axis */
    double rt[36], ot[12], rp[36], op[12], cp[3], ct[3], rms, cond;
    for (int k = 0; k < 4; k++) {
        const double a = 0.2 * k, c = cos(a), s = sin(a);
        const double r[9] = {1, 0, 0, 0, c, -s, 0, s, c}, eye[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
        memcpy(rt + 9 * k, r, sizeof r);
        memcpy(rp + 9 * k, eye, sizeof eye);
        for (int i = 0; i < 3; i++) {
            op[3 * k + i] = 0.0;
            ot[3 * k + i] = -(r[3 * i] * 10 + r[3 * i + 1] * 20 + r[3 * i + 2] * 300);
        }
    }
    CHECK(gc_cluster_score(4, rp, op, rt, ot, cp, ct, &rms, &cond) == GC_OK);
    CHECK(cond < 1e-8);
    CHECK(rms < 1e-9);
    rp[9] = NAN; /* frame 1 is a gap; 3 frames remain */
    CHECK(gc_cluster_score(4, rp, op, rt, ot, cp, ct, &rms, &cond) == GC_OK);
    rp[18] = NAN; /* 2 usable frames: too few */
    CHECK(gc_cluster_score(4, rp, op, rt, ot, cp, ct, &rms, &cond) == GC_ETOOSHORT);
    ot[0] = INFINITY;
    CHECK(gc_cluster_score(4, rp, op, rt, ot, cp, ct, &rms, &cond) == GC_ENOTFINITE);
    CHECK(gc_cluster_score(4, NULL, op, rt, ot, cp, ct, &rms, &cond) == GC_EINVAL);
}

int main(void)
{
    gc_test_init();
    test_exact_pose();
    test_noisy_against_numpy();
    test_gaps_and_refusals();
    test_closed_form_equals_svd();
    test_degenerate_falls_back();
    test_score_against_numpy();
    test_score_degenerate_and_refusals();
    return gc_test_report("test_cluster");
}
