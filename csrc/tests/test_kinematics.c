/* C unit tests of gc_kinematics.c: frames built from synthetic markers placed by
 * known rotations, and Cardan decompositions of known rotation products (random
 * poses and poses 0.01 deg from gimbal lock) recovered to 1e-9 deg.  The
 * references are the rotation products themselves (independent of the code under
 * test); the tolerance is rounding: ~1e-15 rad amplified by 1/cos(b) <= 6e3 near lock. */
#include <stdlib.h>
#include <string.h>

#include "core/gaitcore.h"
#include "gc_test.h"

#define PI 3.14159265358979323846
#define DEG (PI / 180.0)

static void matmul(const double *A, const double *B, double *C)
{
    double T[9];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            T[3 * i + j] = A[3 * i] * B[j] + A[3 * i + 1] * B[3 + j] + A[3 * i + 2] * B[6 + j];
    memcpy(C, T, sizeof T);
}

static void rot(int axis, double ang, double *R)
{
    double c = cos(ang), s = sin(ang);
    memset(R, 0, 9 * sizeof(double));
    if (axis == 0) {        /* x */
        R[0] = 1; R[4] = c; R[5] = -s; R[7] = s; R[8] = c;
    } else if (axis == 1) { /* y */
        R[4] = 1; R[0] = c; R[2] = s; R[6] = -s; R[8] = c;
    } else {                /* z */
        R[8] = 1; R[0] = c; R[1] = -s; R[3] = s; R[4] = c;
    }
}

/* R = R_{ax0}(a0) R_{ax1}(a1) R_{ax2}(a2) */
static void seq3(int ax0, int ax1, int ax2, double a0, double a1, double a2, double *R)
{
    double A[9], B[9], C[9];
    rot(ax0, a0, A);
    rot(ax1, a1, B);
    rot(ax2, a2, C);
    matmul(A, B, R);
    matmul(R, C, R);
}

static double urand(double lo, double hi) { return lo + (hi - lo) * rand() / (double)RAND_MAX; }

static void test_cardan(void)
{
    srand(5);
    enum { N = 400 };
    static double P[9 * N], D[9 * N], out[3 * N], want[3 * N];
    for (int seq = 0; seq < 3; seq++) {
        for (int t = 0; t < N; t++) {
            double a = urand(-179, 179) * DEG, b = urand(-89, 89) * DEG, c = urand(-179, 179) * DEG;
            if (t % 4 == 1)
                b = (89.99 + urand(-0.005, 0.005)) * DEG;  /* near gimbal lock */
            if (t % 4 == 2)
                b = -(89.99 + urand(-0.005, 0.005)) * DEG;
            want[3 * t] = a; want[3 * t + 1] = b; want[3 * t + 2] = c;
            seq3(2, 0, 1, urand(-PI, PI), urand(-1.5, 1.5), urand(-PI, PI), P + 9 * t);
            double R[9];
            if (seq == GC_KIN_SEQ_ZXY)
                seq3(2, 0, 1, a, b, c, R);
            else if (seq == GC_KIN_SEQ_YXZ)
                seq3(1, 0, 2, a, b, c, R);
            else
                seq3(2, 1, 0, a, b, c, R);
            matmul(P + 9 * t, R, D + 9 * t);
        }
        CHECK(gc_kin_cardan(N, P, 9, D, seq, out) == GC_OK);
        double worst = 0;
        for (int k = 0; k < 3 * N; k++) {
            double e = fabs(out[k] - want[k]) / DEG;
            if (e > worst)
                worst = e;
        }
        CHECK(worst < 1e-9);
        printf("  cardan seq %d: worst error %.3g deg\n", seq, worst);
    }
    /* constant proximal frame (stride 0) and a NaN row */
    double I[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
    double d2[18], o2[6];
    seq3(2, 0, 1, 0.3, -0.2, 0.1, d2);
    for (int k = 0; k < 9; k++)
        d2[9 + k] = NAN;
    CHECK(gc_kin_cardan(2, I, 0, d2, GC_KIN_SEQ_ZXY, o2) == GC_OK);
    CHECK_CLOSE(o2[0], 0.3, 1e-14);
    CHECK_CLOSE(o2[1], -0.2, 1e-14);
    CHECK_CLOSE(o2[2], 0.1, 1e-14);
    CHECK(isnan(o2[3]) && isnan(o2[4]) && isnan(o2[5]));
    /* clinical signs: right hip flexion 20, add 5, int rot 10; left gets b, c negated */
    double hip[9], a3[3];
    seq3(2, 0, 1, 20 * DEG, 5 * DEG, 10 * DEG, hip);
    CHECK(gc_kin_angles(1, I, 0, hip, GC_KIN_HIP, 1, a3) == GC_OK);
    CHECK_CLOSE(a3[0], 20, 1e-12); CHECK_CLOSE(a3[1], 5, 1e-12); CHECK_CLOSE(a3[2], 10, 1e-12);
    CHECK(gc_kin_angles(1, I, 0, hip, GC_KIN_KNEE, -1, a3) == GC_OK);
    CHECK_CLOSE(a3[0], -20, 1e-12); CHECK_CLOSE(a3[1], -5, 1e-12); CHECK_CLOSE(a3[2], -10, 1e-12);
    /* ankle, PiG order Rz(flex) Ry(rot) Rx(c): (flex, -side c, side rot) */
    seq3(2, 1, 0, 10 * DEG, 5 * DEG, 3 * DEG, hip);
    CHECK(gc_kin_angles(1, I, 0, hip, GC_KIN_ANKLE_PIG, 1, a3) == GC_OK);
    CHECK_CLOSE(a3[0], 10, 1e-12); CHECK_CLOSE(a3[1], -3, 1e-12); CHECK_CLOSE(a3[2], 5, 1e-12);
    CHECK(gc_kin_angles(1, I, 0, hip, GC_KIN_ANKLE_PIG, -1, a3) == GC_OK);
    CHECK_CLOSE(a3[1], 3, 1e-12); CHECK_CLOSE(a3[2], -5, 1e-12);
    /* pelvis, Baker: R = Ry(rot) Rx(b) Rz(tilt); anterior tilt = -tilt, right-up obliquity = -b */
    double pel[9];
    seq3(1, 0, 2, 7 * DEG, -3 * DEG, -12 * DEG, pel);
    CHECK(gc_kin_angles(1, I, 0, pel, GC_KIN_SEGMENT_BAKER, 1, a3) == GC_OK);
    CHECK_CLOSE(a3[0], 12, 1e-12); CHECK_CLOSE(a3[1], 3, 1e-12); CHECK_CLOSE(a3[2], 7, 1e-12);
    CHECK(gc_kin_angles(1, I, 0, pel, 99, 1, a3) == GC_EINVAL);
    CHECK(gc_kin_cardan(1, I, 3, pel, 0, a3) == GC_EINVAL);
    pel[0] = INFINITY;
    CHECK(gc_kin_cardan(1, I, 0, pel, 0, a3) == GC_ENOTFINITE);
}

/* Pelvis from markers placed in a known frame; Harrington HJC in pelvis coordinates. */
static void test_pelvis_hjc(void)
{
    double F[9];
    seq3(2, 0, 1, 0.2, -0.1, 0.7, F); /* pelvis axes as columns of F */
    const double o[3] = {100, -50, 900};
    const double loc[4][3] = {{0, 0, -115}, {0, 0, 115}, {-160, 30, -45}, {-160, 30, 45}};
    double m[4][3];
    for (int k = 0; k < 4; k++)
        for (int i = 0; i < 3; i++)
            m[k][i] = o[i] + F[3 * i] * loc[k][0] + F[3 * i + 1] * loc[k][1] + F[3 * i + 2] * loc[k][2];
    double origin[3], frames[9];
    CHECK(gc_kin_pelvis(1, m[0], m[1], m[2], m[3], origin, frames) == GC_OK);
    /* PSIS 30 mm above the ASIS: x is the horizontal part only (Gram-Schmidt against z),
     * so with the PSIS raised the frame is rotated about z by atan(30/160). */
    double R[9], ang[3];
    CHECK(gc_kin_cardan(1, F, 0, frames, GC_KIN_SEQ_ZXY, ang) == GC_OK);
    CHECK_CLOSE(ang[0], -atan2(30, 160), 1e-12);
    CHECK_CLOSE(ang[1], 0, 1e-12);
    CHECK_CLOSE(ang[2], 0, 1e-12);
    (void)R;
    for (int i = 0; i < 3; i++)
        CHECK_CLOSE(origin[i], o[i], 1e-12);
    gc_kin_hjc_params p = {GC_KIN_HJC_HARRINGTON, 230, 162.8, 900, NAN, 7, 0};
    double hjc[3], local[3];
    CHECK(gc_kin_hjc(1, origin, frames, &p, 1, hjc) == GC_OK);
    CHECK(gc_kin_to_local(1, origin, frames, hjc, local) == GC_OK);
    CHECK_CLOSE(local[0], -0.24 * 162.8 - 9.9, 1e-12);
    CHECK_CLOSE(local[1], -0.30 * 230 - 10.9, 1e-12);
    CHECK_CLOSE(local[2], 0.33 * 230 + 7.3, 1e-12);
    CHECK(gc_kin_hjc(1, origin, frames, &p, -1, hjc) == GC_OK);
    CHECK(gc_kin_to_local(1, origin, frames, hjc, local) == GC_OK);
    CHECK_CLOSE(local[2], -(0.33 * 230 + 7.3), 1e-12);
    /* Davis, right hip: Y_PiG = C sin(0.5) - a (negative = right), z_ISB = -Y_PiG */
    p.method = GC_KIN_HJC_DAVIS;
    CHECK(gc_kin_hjc(1, origin, frames, &p, 1, hjc) == GC_OK);
    CHECK(gc_kin_to_local(1, origin, frames, hjc, local) == GC_OK);
    const double C = 0.115 * 900 - 15.3, atd = 0.1288 * 900 - 48.56;
    CHECK_CLOSE(local[2], -(C * sin(0.5) - 115), 1e-12);
    CHECK_CLOSE(local[0], (-atd - 7) * cos(0.314) + C * cos(0.5) * sin(0.314), 1e-12);
    CHECK_CLOSE(local[1], (-atd - 7) * sin(0.314) - C * cos(0.5) * cos(0.314), 1e-12);
    p.leg_length_mm = -1;
    CHECK(gc_kin_hjc(1, origin, frames, &p, 1, hjc) == GC_EINVAL);
    /* a missing marker gives a NaN row */
    m[2][1] = NAN;
    CHECK(gc_kin_pelvis(1, m[0], m[1], m[2], m[3], origin, frames) == GC_OK);
    CHECK(isnan(origin[0]) && isnan(frames[4]));
}

/* Chord knee centre and thigh frame from a thigh placed by a known rotation. */
static void test_chord_segment(void)
{
    double F[9];
    seq3(2, 0, 1, 0.4, 0.1, -0.3, F);
    const double kjc[3] = {10, 20, 450}, L = 420, delta = 62;
    double hjc[3], kne[3], thi[3], lkne[3], lthi[3];
    for (int i = 0; i < 3; i++) {
        hjc[i] = kjc[i] + L * F[3 * i + 1];
        kne[i] = kjc[i] + delta * F[3 * i + 2];               /* right: lateral = +z */
        thi[i] = kjc[i] + 200 * F[3 * i + 1] + 90 * F[3 * i + 2];
        lkne[i] = kjc[i] - delta * F[3 * i + 2];              /* mirrored left leg */
        lthi[i] = kjc[i] + 200 * F[3 * i + 1] - 90 * F[3 * i + 2];
    }
    double jc[3], frames[9], ang[3], med[3], lmed[3];
    for (int i = 0; i < 3; i++) {
        med[i] = -F[3 * i + 2] + 0.5 * F[3 * i];  /* a rough medial hint is enough */
        lmed[i] = F[3 * i + 2] - 0.5 * F[3 * i];
        thi[i] -= 180 * F[3 * i + 2];             /* wand moved medial: the hint, not the wand, decides */
    }
    CHECK(gc_kin_chord(1, hjc, thi, kne, med, delta, jc) == GC_OK);
    for (int i = 0; i < 3; i++)
        CHECK_CLOSE(jc[i], kjc[i], 1e-10);
    CHECK(gc_kin_segment(1, hjc, jc, kne, 1, frames) == GC_OK);
    CHECK(gc_kin_cardan(1, F, 0, frames, GC_KIN_SEQ_ZXY, ang) == GC_OK);
    for (int i = 0; i < 3; i++)
        CHECK_CLOSE(ang[i], 0, 1e-12);
    CHECK(gc_kin_chord(1, hjc, lthi, lkne, lmed, delta, jc) == GC_OK);
    for (int i = 0; i < 3; i++)
        CHECK_CLOSE(jc[i], kjc[i], 1e-10);
    CHECK(gc_kin_segment(1, hjc, jc, lkne, -1, frames) == GC_OK);
    CHECK(gc_kin_cardan(1, F, 0, frames, GC_KIN_SEQ_ZXY, ang) == GC_OK);
    for (int i = 0; i < 3; i++)
        CHECK_CLOSE(ang[i], 0, 1e-12);
    CHECK(gc_kin_chord(1, hjc, thi, kne, med, 0.0, jc) == GC_EINVAL);
    /* foot: x = toe - ajc, z from the shank: a foot pitched 30 deg down about z */
    double toe[3], foot[9];
    double Rf[9], Ff[9];
    rot(2, -30 * DEG, Rf);
    matmul(F, Rf, Ff);
    for (int i = 0; i < 3; i++)
        toe[i] = kjc[i] + 150 * Ff[3 * i];
    CHECK(gc_kin_foot(1, kjc, toe, F, foot) == GC_OK);
    CHECK(gc_kin_angles(1, F, 0, foot, GC_KIN_ANKLE, 1, ang) == GC_OK);
    CHECK_CLOSE(ang[0], -30, 1e-10);
    CHECK_CLOSE(ang[1], 0, 1e-10);
    CHECK_CLOSE(ang[2], 0, 1e-10);
}

static void test_progression_lean(void)
{
    enum { N = 50 };
    double o[3 * N], f[9 * N], dir[3];
    const double up[3] = {0, 0, 1};
    int tm = -1;
    for (int t = 0; t < N; t++) {
        o[3 * t] = -20.0 * t; o[3 * t + 1] = 3.0 * t; o[3 * t + 2] = 900 + 5 * sin(t);
        double F[9];
        rot(2, PI / 2, F); /* facing +y in the lab */
        memcpy(f + 9 * t, F, sizeof F);
    }
    o[0] = NAN;
    CHECK(gc_kin_travel_direction(N, o, f, up, 300, dir, &tm) == GC_OK);
    CHECK(tm == 0);
    CHECK_CLOSE(dir[0], -20 / sqrt(409.0), 1e-12);
    CHECK_CLOSE(dir[1], 3 / sqrt(409.0), 1e-12);
    CHECK(gc_kin_travel_direction(N, o, f, up, 5000, dir, &tm) == GC_OK);
    CHECK(tm == 1);
    CHECK_CLOSE(dir[0], 0, 1e-12);
    CHECK_CLOSE(dir[1], 1, 1e-12);
    double prog[9];
    const double d[3] = {1, 0, 0.3};
    CHECK(gc_kin_progression_frame(d, up, prog) == GC_OK);
    /* x = (1,0,0), y = up, z = x cross y = (0,-1,0) */
    CHECK_CLOSE(prog[0], 1, 1e-15); CHECK_CLOSE(prog[7], 1, 1e-15); CHECK_CLOSE(prog[4], 0, 1e-15);
    CHECK_CLOSE(prog[3 * 1 + 2], -1, 1e-15);
    double top[6] = {100, 0, 1000, NAN, 0, 0}, bottom[6] = {0, 0, 0, 0, 0, 0}, lean[2];
    CHECK(gc_kin_lean(2, top, bottom, prog, lean) == GC_OK);
    CHECK_CLOSE(lean[0], atan2(100, 1000) / DEG, 1e-12);
    CHECK(isnan(lean[1]));
    const double vertical[3] = {0, 0, 1};
    CHECK(gc_kin_progression_frame(vertical, up, prog) == GC_EINVAL);
}

static void test_thorax_cluster(void)
{
    double F[9];
    seq3(2, 0, 1, -0.2, 0.05, 0.3, F);
    const double loc[4][3] = {{-80, 60, 0}, {-90, -200, 0}, {70, 40, 0}, {90, -160, 0}}; /* C7 T10 CLAV STRN */
    double m[4][3];
    for (int k = 0; k < 4; k++)
        for (int i = 0; i < 3; i++)
            m[k][i] = 5 + F[3 * i] * loc[k][0] + F[3 * i + 1] * loc[k][1] + F[3 * i + 2] * loc[k][2];
    double o[3], th[9], ang[3];
    CHECK(gc_kin_thorax(1, m[0], m[1], m[2], m[3], o, th) == GC_OK);
    /* lab-frame checks: y is the unit upper - lower direction */
    double y[3] = {0};
    double n2 = 0;
    for (int i = 0; i < 3; i++) {
        y[i] = 0.5 * (m[2][i] + m[0][i]) - 0.5 * (m[3][i] + m[1][i]);
        n2 += y[i] * y[i];
    }
    for (int i = 0; i < 3; i++)
        CHECK_CLOSE(th[3 * i + 1], y[i] / sqrt(n2), 1e-12);
    CHECK(gc_kin_thorax(1, m[0], NULL, m[2], m[3], o, th) == GC_OK);
    CHECK(isfinite(th[0]));
    /* cluster frame round trip */
    double co[3], cf[9], local[3], back[3];
    CHECK(gc_kin_cluster(1, m[0], m[1], m[2], co, cf) == GC_OK);
    CHECK(gc_kin_to_local(1, co, cf, m[3], local) == GC_OK);
    CHECK(gc_kin_to_global(1, co, cf, local, back) == GC_OK);
    for (int i = 0; i < 3; i++)
        CHECK_CLOSE(back[i], m[3][i], 1e-12);
    CHECK(gc_kin_cardan(1, cf, 0, cf, GC_KIN_SEQ_YXZ, ang) == GC_OK);
    CHECK_CLOSE(ang[0], 0, 1e-15);
}

int main(void)
{
    gc_test_init();
    test_cardan();
    test_pelvis_hjc();
    test_chord_segment();
    test_progression_lean();
    test_thorax_cluster();
    return gc_test_report("test_kinematics");
}
