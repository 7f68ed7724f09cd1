/*
 * gc_kinematics.c -- segment frames from markers, joint centres and Cardan angles.
 *
 * Definitions: docs/methods.md part C (Conventional Gait Model / Plug-in Gait frames in
 * ISB axes: x anterior, y superior, z right).  Every function works row by row over
 * n frames; a row with a NaN input (or a degenerate geometry such as coincident
 * markers) gives a NaN output row, never a made-up value.
 */
#include <math.h>
#include <string.h>

#include "gaitcore.h"

#define RAD2DEG (180.0 / 3.14159265358979323846)
#define TINY 1e-12 /* squared length (mm^2) below which a direction is undefined */

/* ---- small 3-vector helpers ------------------------------------------------ */

static double dot(const double *a, const double *b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }

static void sub(const double *a, const double *b, double *out)
{
    out[0] = a[0] - b[0];
    out[1] = a[1] - b[1];
    out[2] = a[2] - b[2];
}

static void mid(const double *a, const double *b, double *out)
{
    for (int i = 0; i < 3; i++)
        out[i] = 0.5 * (a[i] + b[i]);
}

static void cross(const double *a, const double *b, double *out)
{
    double c0 = a[1] * b[2] - a[2] * b[1];
    double c1 = a[2] * b[0] - a[0] * b[2];
    double c2 = a[0] * b[1] - a[1] * b[0];
    out[0] = c0;
    out[1] = c1;
    out[2] = c2;
}

/* Normalise v in place; 0 when its length is (numerically) zero or not finite. */
static int normalise(double *v)
{
    double s = dot(v, v);
    if (!(s > TINY) || !isfinite(s))
        return 0;
    s = 1.0 / sqrt(s);
    v[0] *= s;
    v[1] *= s;
    v[2] *= s;
    return 1;
}

static void nan_row(double *v, size_t len)
{
    for (size_t i = 0; i < len; i++)
        v[i] = NAN;
}

static int row_finite(const double *v, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!isfinite(v[i]))
            return 0;
    return 1;
}

/* GC_ENOTFINITE when an array holds +-inf (NaN is a gap and is allowed). */
static int check_inf(const double *x, size_t len)
{
    if (!x)
        return GC_OK;
    for (size_t i = 0; i < len; i++)
        if (isinf(x[i]))
            return GC_ENOTFINITE;
    return GC_OK;
}

/* Write the columns x, y, z into a row-major 3x3 frame. */
static void set_frame(double *f, const double *x, const double *y, const double *z)
{
    for (int i = 0; i < 3; i++) {
        f[3 * i + 0] = x[i];
        f[3 * i + 1] = y[i];
        f[3 * i + 2] = z[i];
    }
}

static void column(const double *f, int j, double *out)
{
    out[0] = f[j];
    out[1] = f[3 + j];
    out[2] = f[6 + j];
}

/* ---- segment frames -------------------------------------------------------- */

int gc_kin_pelvis(size_t n, const double *lasi, const double *rasi, const double *lpsi,
                  const double *rpsi, double *origin, double *frames)
{
    if (!lasi || !rasi || !lpsi || !rpsi || !origin || !frames)
        return GC_EINVAL;
    int st;
    if ((st = check_inf(lasi, 3 * n)) || (st = check_inf(rasi, 3 * n)) ||
        (st = check_inf(lpsi, 3 * n)) || (st = check_inf(rpsi, 3 * n)))
        return st;
    for (size_t t = 0; t < n; t++) {
        const double *la = lasi + 3 * t, *ra = rasi + 3 * t, *lp = lpsi + 3 * t, *rp = rpsi + 3 * t;
        double o[3], s[3], x[3], y[3], z[3];
        mid(la, ra, o);
        mid(lp, rp, s);
        sub(ra, la, z);
        sub(o, s, x);
        int ok = normalise(z);
        double k = dot(x, z);
        for (int i = 0; i < 3; i++)
            x[i] -= k * z[i];  /* Gram-Schmidt: anterior made orthogonal to z */
        ok = ok && normalise(x);
        cross(z, x, y);
        if (!ok || !row_finite(o, 3) || !row_finite(y, 3)) {
            nan_row(origin + 3 * t, 3);
            nan_row(frames + 9 * t, 9);
            continue;
        }
        memcpy(origin + 3 * t, o, sizeof o);
        set_frame(frames + 9 * t, x, y, z);
    }
    return GC_OK;
}

/* Hip joint centre in pelvis coordinates (ISB axes, mm, from the pelvis origin). */
static int hjc_local(const gc_kin_hjc_params *p, int side, double *local)
{
    const double s = side > 0 ? 1.0 : -1.0;
    if (p->method == GC_KIN_HJC_HARRINGTON) {
        const double pw = p->pelvic_width_mm, pd = p->pelvic_depth_mm;
        if (!(pw > 0) || !(pd > 0))
            return GC_EINVAL;
        local[0] = -0.24 * pd - 9.9;
        if (p->harrington_leg_length) {
            if (!(p->leg_length_mm > 0))
                return GC_EINVAL;
            local[1] = -0.16 * pw - 0.04 * p->leg_length_mm - 7.1;
            local[2] = s * (0.28 * pd + 0.16 * pw + 7.9);
        } else {
            local[1] = -0.30 * pw - 10.9;
            local[2] = s * (0.33 * pw + 7.3);
        }
        return GC_OK;
    }
    if (p->method == GC_KIN_HJC_DAVIS) {
        const double ll = p->leg_length_mm, a = 0.5 * p->pelvic_width_mm, m = p->marker_radius_mm;
        if (!(ll > 0) || !(a > 0) || !(m >= 0))
            return GC_EINVAL;
        const double atd = isnan(p->asis_trochanter_mm) ? 0.1288 * ll - 48.56 : p->asis_trochanter_mm;
        const double c = 0.115 * ll - 15.3, theta = 0.5, beta = 0.314;
        /* Davis (1991) in Plug-in-Gait axes (X anterior, Y left, Z up) ... */
        const double X = (-atd - m) * cos(beta) + c * cos(theta) * sin(beta);
        const double Y = s * (c * sin(theta) - a); /* right hip: Y = C sin(theta) - a < 0 (PiG Y points left) */
        const double Z = (-atd - m) * sin(beta) - c * cos(theta) * cos(beta);
        /* ... converted to ISB: x = X, y = Z, z = -Y. */
        local[0] = X;
        local[1] = Z;
        local[2] = -Y;
        return GC_OK;
    }
    return GC_EINVAL;
}

/* p = origin + frames * local for one row; NaN when any input is NaN. */
static void point_global(const double *o, const double *f, const double *local, double *p)
{
    for (int i = 0; i < 3; i++)
        p[i] = o[i] + f[3 * i] * local[0] + f[3 * i + 1] * local[1] + f[3 * i + 2] * local[2];
}

int gc_kin_hjc(size_t n, const double *origin, const double *frames,
               const gc_kin_hjc_params *p, int side, double *hjc)
{
    if (!origin || !frames || !p || !hjc || (side != 1 && side != -1))
        return GC_EINVAL;
    double local[3];
    int st = hjc_local(p, side, local);
    if (st != GC_OK)
        return st;
    if ((st = check_inf(origin, 3 * n)) || (st = check_inf(frames, 9 * n)))
        return st;
    for (size_t t = 0; t < n; t++)
        point_global(origin + 3 * t, frames + 9 * t, local, hjc + 3 * t);
    return GC_OK;
}

int gc_kin_chord(size_t n, const double *prox, const double *wand, const double *lat,
                 const double *medial, double delta, double *jc)
{
    if (!prox || !wand || !lat || !medial || !jc || !(delta > 0) || !isfinite(delta))
        return GC_EINVAL;
    int st;
    if ((st = check_inf(prox, 3 * n)) || (st = check_inf(wand, 3 * n)) || (st = check_inf(lat, 3 * n)))
        return st;
    for (size_t t = 0; t < n; t++) {
        const double *c = lat + 3 * t, *b = prox + 3 * t, *a = wand + 3 * t;
        double u[3], w[3], v[3];
        sub(b, c, u);
        const double len = sqrt(dot(u, u));
        sub(a, c, w);
        int ok = normalise(u) && len > delta;
        /* v: in-plane unit normal to u, on the medial side */
        const double k = dot(w, u);
        for (int i = 0; i < 3; i++)
            v[i] = w[i] - k * u[i];
        ok = ok && normalise(v);
        if (dot(v, medial + 3 * t) < 0)
            for (int i = 0; i < 3; i++)
                v[i] = -v[i];
        ok = ok && isfinite(dot(v, medial + 3 * t));
        if (!ok) {
            nan_row(jc + 3 * t, 3);
            continue;
        }
        /* Thales: J on the circle of diameter (lat, prox), |J - lat| = delta */
        const double cphi = delta / len, sphi = sqrt(1.0 - cphi * cphi);
        for (int i = 0; i < 3; i++)
            jc[3 * t + i] = c[i] + delta * (cphi * u[i] + sphi * v[i]);
    }
    return GC_OK;
}

int gc_kin_segment(size_t n, const double *prox_jc, const double *dist_jc, const double *lat,
                   int side, double *frames)
{
    if (!prox_jc || !dist_jc || !lat || !frames || (side != 1 && side != -1))
        return GC_EINVAL;
    int st;
    if ((st = check_inf(prox_jc, 3 * n)) || (st = check_inf(dist_jc, 3 * n)) || (st = check_inf(lat, 3 * n)))
        return st;
    for (size_t t = 0; t < n; t++) {
        double x[3], y[3], z[3], l[3];
        sub(prox_jc + 3 * t, dist_jc + 3 * t, y);
        sub(lat + 3 * t, prox_jc + 3 * t, l);
        int ok = normalise(y);
        if (side > 0)
            cross(y, l, x);
        else
            cross(l, y, x);
        ok = ok && normalise(x);
        cross(x, y, z);
        if (!ok) {
            nan_row(frames + 9 * t, 9);
            continue;
        }
        set_frame(frames + 9 * t, x, y, z);
    }
    return GC_OK;
}

int gc_kin_foot(size_t n, const double *ajc, const double *toe, const double *shank_frames,
                double *frames)
{
    if (!ajc || !toe || !shank_frames || !frames)
        return GC_EINVAL;
    int st;
    if ((st = check_inf(ajc, 3 * n)) || (st = check_inf(toe, 3 * n)) || (st = check_inf(shank_frames, 9 * n)))
        return st;
    for (size_t t = 0; t < n; t++) {
        double x[3], y[3], z[3];
        sub(toe + 3 * t, ajc + 3 * t, x);
        column(shank_frames + 9 * t, 2, z);
        int ok = normalise(x);
        const double k = dot(z, x);
        for (int i = 0; i < 3; i++)
            z[i] -= k * x[i];
        ok = ok && normalise(z);
        cross(z, x, y);
        if (!ok) {
            nan_row(frames + 9 * t, 9);
            continue;
        }
        set_frame(frames + 9 * t, x, y, z);
    }
    return GC_OK;
}

int gc_kin_thorax(size_t n, const double *c7, const double *t10, const double *clav,
                  const double *strn, double *origin, double *frames)
{
    if (!c7 || !clav || !strn || !origin || !frames)
        return GC_EINVAL;
    int st;
    if ((st = check_inf(c7, 3 * n)) || (st = check_inf(t10, 3 * n)) || (st = check_inf(clav, 3 * n)) ||
        (st = check_inf(strn, 3 * n)))
        return st;
    for (size_t t = 0; t < n; t++) {
        double upper[3], lower[3], front[3], back[3], x[3], y[3], z[3];
        mid(clav + 3 * t, c7 + 3 * t, upper);
        mid(clav + 3 * t, strn + 3 * t, front);
        if (t10) {
            mid(strn + 3 * t, t10 + 3 * t, lower);
            mid(c7 + 3 * t, t10 + 3 * t, back);
        } else {
            memcpy(lower, strn + 3 * t, sizeof lower);
            memcpy(back, c7 + 3 * t, sizeof back);
        }
        sub(upper, lower, y);
        double ant[3];
        sub(front, back, ant);
        int ok = normalise(y);
        cross(ant, y, z);
        ok = ok && normalise(z);
        cross(y, z, x);
        if (!ok) {
            nan_row(origin + 3 * t, 3);
            nan_row(frames + 9 * t, 9);
            continue;
        }
        for (int i = 0; i < 3; i++)
            origin[3 * t + i] = clav[3 * t + i] - 7.0 * x[i];
        set_frame(frames + 9 * t, x, y, z);
    }
    return GC_OK;
}

int gc_kin_cluster(size_t n, const double *m1, const double *m2, const double *m3,
                   double *origin, double *frames)
{
    if (!m1 || !m2 || !m3 || !origin || !frames)
        return GC_EINVAL;
    int st;
    if ((st = check_inf(m1, 3 * n)) || (st = check_inf(m2, 3 * n)) || (st = check_inf(m3, 3 * n)))
        return st;
    for (size_t t = 0; t < n; t++) {
        double x[3], y[3], z[3], w[3];
        sub(m2 + 3 * t, m1 + 3 * t, x);
        sub(m3 + 3 * t, m1 + 3 * t, w);
        int ok = normalise(x);
        cross(x, w, z);
        ok = ok && normalise(z);
        cross(z, x, y);
        if (!ok || !row_finite(m1 + 3 * t, 3)) {
            nan_row(origin + 3 * t, 3);
            nan_row(frames + 9 * t, 9);
            continue;
        }
        memcpy(origin + 3 * t, m1 + 3 * t, 3 * sizeof(double));
        set_frame(frames + 9 * t, x, y, z);
    }
    return GC_OK;
}

int gc_kin_to_local(size_t n, const double *origin, const double *frames, const double *p,
                    double *local)
{
    if (!origin || !frames || !p || !local)
        return GC_EINVAL;
    for (size_t t = 0; t < n; t++) {
        double d[3], a[3];
        sub(p + 3 * t, origin + 3 * t, d);
        for (int j = 0; j < 3; j++) {
            column(frames + 9 * t, j, a);
            local[3 * t + j] = dot(d, a);
        }
    }
    return GC_OK;
}

int gc_kin_to_global(size_t n, const double *origin, const double *frames, const double *local,
                     double *p)
{
    if (!origin || !frames || !local || !p)
        return GC_EINVAL;
    for (size_t t = 0; t < n; t++)
        point_global(origin + 3 * t, frames + 9 * t, local + 3 * t, p + 3 * t);
    return GC_OK;
}

/* v minus its component along the unit vector up. */
static void horizontal(const double *v, const double *up, double *out)
{
    const double k = dot(v, up);
    for (int i = 0; i < 3; i++)
        out[i] = v[i] - k * up[i];
}

int gc_kin_travel_direction(size_t n, const double *origin, const double *frames,
                            const double up[3], double min_displacement_mm, double dir[3],
                            int *treadmill)
{
    if (!origin || !up || !dir || !treadmill || !(min_displacement_mm >= 0))
        return GC_EINVAL;
    double u[3] = {up[0], up[1], up[2]};
    if (!normalise(u))
        return GC_EINVAL;
    size_t first = n, last = n;
    for (size_t t = 0; t < n; t++)
        if (row_finite(origin + 3 * t, 3)) {
            if (first == n)
                first = t;
            last = t;
        }
    if (first < n) {
        double d[3], h[3];
        sub(origin + 3 * last, origin + 3 * first, d);
        horizontal(d, u, h);
        if (sqrt(dot(h, h)) >= min_displacement_mm && normalise(h)) {
            memcpy(dir, h, sizeof h);
            *treadmill = 0;
            return GC_OK;
        }
    }
    /* Treadmill: the direction the pelvis faces, averaged over the trial. */
    double sum[3] = {0, 0, 0};
    size_t count = 0;
    for (size_t t = 0; frames && t < n; t++) {
        double x[3], h[3];
        column(frames + 9 * t, 0, x);
        if (!row_finite(x, 3))
            continue;
        horizontal(x, u, h);
        if (!normalise(h))
            continue;
        for (int i = 0; i < 3; i++)
            sum[i] += h[i];
        count++;
    }
    if (count == 0 || !normalise(sum))
        return GC_ENODATA;
    memcpy(dir, sum, sizeof sum);
    *treadmill = 1;
    return GC_OK;
}

int gc_kin_progression_frame(const double dir[3], const double up[3], double frame[9])
{
    if (!dir || !up || !frame)
        return GC_EINVAL;
    double y[3] = {up[0], up[1], up[2]}, x[3], z[3];
    if (!normalise(y))
        return GC_EINVAL;
    horizontal(dir, y, x);
    if (!normalise(x))
        return GC_EINVAL;
    cross(x, y, z);
    set_frame(frame, x, y, z);
    return GC_OK;
}

/* ---- Cardan angles --------------------------------------------------------- */

/* R = P^T D for row-major 3x3 frames whose columns are the axes. */
static void relative(const double *P, const double *D, double *R)
{
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            R[3 * i + j] = P[i] * D[j] + P[3 + i] * D[3 + j] + P[6 + i] * D[6 + j];
}

/* The middle angle uses atan2 against the hypotenuse rather than asin: it stays
 * accurate to rounding near +-90 degrees (gimbal lock), where asin loses half the
 * digits.  At exact lock the first and last angles are not separable; atan2(0, 0)
 * then yields 0 for them. */
static void decompose(const double *R, int sequence, double *abc)
{
    if (sequence == GC_KIN_SEQ_ZXY) { /* R = Rz(a) Rx(b) Ry(c) */
        abc[1] = atan2(R[7], sqrt(R[1] * R[1] + R[4] * R[4])); /* |R| <= 1: no overflow, hypot not needed */
        abc[0] = atan2(-R[1], R[4]);
        abc[2] = atan2(-R[6], R[8]);
    } else if (sequence == GC_KIN_SEQ_ZYX) { /* R = Rz(a) Ry(b) Rx(c) */
        abc[1] = atan2(-R[6], sqrt(R[0] * R[0] + R[3] * R[3]));
        abc[0] = atan2(R[3], R[0]);
        abc[2] = atan2(R[7], R[8]);
    } else { /* R = Ry(a) Rx(b) Rz(c) */
        abc[1] = atan2(-R[5], sqrt(R[2] * R[2] + R[8] * R[8]));
        abc[0] = atan2(R[2], R[8]);
        abc[2] = atan2(R[3], R[4]);
    }
}

int gc_kin_cardan(size_t n, const double *prox, size_t prox_stride, const double *dist,
                  int sequence, double *out)
{
    if (!prox || !dist || !out || (prox_stride != 0 && prox_stride != 9) ||
        (sequence != GC_KIN_SEQ_ZXY && sequence != GC_KIN_SEQ_YXZ && sequence != GC_KIN_SEQ_ZYX))
        return GC_EINVAL;
    /* +-inf is looked for only in rows that are not finite: one pass over the data */
    for (size_t t = 0; t < n; t++) {
        const double *P = prox + prox_stride * t, *D = dist + 9 * t;
        if (!row_finite(P, 9) || !row_finite(D, 9)) {
            if (check_inf(P, 9) || check_inf(D, 9))
                return GC_ENOTFINITE;
            nan_row(out + 3 * t, 3);
            continue;
        }
        double R[9];
        relative(P, D, R);
        decompose(R, sequence, out + 3 * t);
    }
    return GC_OK;
}

int gc_kin_angles(size_t n, const double *prox, size_t prox_stride, const double *dist,
                  int joint, int side, double *out_deg)
{
    if (side != 1 && side != -1)
        return GC_EINVAL;
    int seq = joint == GC_KIN_SEGMENT_BAKER ? GC_KIN_SEQ_YXZ
            : joint == GC_KIN_ANKLE_PIG   ? GC_KIN_SEQ_ZYX
                                          : GC_KIN_SEQ_ZXY;
    if (joint < GC_KIN_HIP || joint > GC_KIN_ANKLE_PIG)
        return GC_EINVAL;
    int st = gc_kin_cardan(n, prox, prox_stride, dist, seq, out_deg);
    if (st != GC_OK)
        return st;
    const double s = (double)side;
    for (size_t t = 0; t < n; t++) {
        double *o = out_deg + 3 * t;
        const double a = o[0] * RAD2DEG, b = o[1] * RAD2DEG, c = o[2] * RAD2DEG;
        switch (joint) {
        case GC_KIN_HIP:
        case GC_KIN_ANKLE:
            o[0] = a; o[1] = s * b; o[2] = s * c;
            break;
        case GC_KIN_KNEE:
            o[0] = -a; o[1] = s * b; o[2] = s * c;
            break;
        case GC_KIN_ANKLE_PIG: /* a = flexion about z, b = rotation about y, c = about x */
            o[0] = a; o[1] = -s * c; o[2] = s * b;
            break;
        case GC_KIN_SEGMENT_BAKER: /* a = rotation about y, b = about x, c = tilt about z */
            o[0] = -c; o[1] = -s * b; o[2] = s * a;
            break;
        default: /* PiG: a = tilt about z, b = obliquity about x, c = rotation about y */
            o[0] = -a; o[1] = -s * b; o[2] = s * c;
            break;
        }
    }
    return GC_OK;
}

int gc_kin_lean(size_t n, const double *top, const double *bottom, const double prog[9],
                double *out_deg)
{
    if (!top || !bottom || !prog || !out_deg)
        return GC_EINVAL;
    int st;
    if ((st = check_inf(top, 3 * n)) || (st = check_inf(bottom, 3 * n)))
        return st;
    double x[3], y[3];
    column(prog, 0, x);
    column(prog, 1, y);
    for (size_t t = 0; t < n; t++) {
        double e[3];
        sub(top + 3 * t, bottom + 3 * t, e);
        out_deg[t] = row_finite(e, 3) ? atan2(dot(e, x), dot(e, y)) * RAD2DEG : NAN;
    }
    return GC_OK;
}
