/*
 * gaitcore.h -- the public C API of the gaitcore analysis core.
 *
 * Pure C11 + GSL; no Python here.  Conventions (after GSL and bottleneck):
 *   - every function is gc_<module>_<verb> and returns an int status (GC_OK == 0);
 *   - results are written through output pointers; the caller owns all memory
 *     (workspaces come in _alloc/_free pairs);
 *   - nothing prints, aborts or longjmps; the caller must switch GSL's error
 *     handler off (gsl_set_error_handler_off) before calling into the core.
 *
 * Array layout: an array is seen as (outer, n, inner) in C order, the analysed axis
 * being the middle one; element (o, t, i) sits at index (o * n + t) * inner + i.
 * This lets the Python glue pass any C-contiguous array and any axis without copies.
 */
#ifndef GAITCORE_H
#define GAITCORE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- status codes ------------------------------------------------------ */
enum gc_status {
    GC_OK = 0,
    GC_EINVAL = 1,       /* an argument is out of its domain                  */
    GC_ENOMEM = 2,       /* allocation failed                                 */
    GC_ENOTFINITE = 3,   /* input holds +-inf (NaN is a gap, inf is an error)  */
    GC_ETOOSHORT = 4,    /* not enough samples for the requested operation     */
    GC_ENODATA = 5,      /* no usable (finite) data                            */
    GC_ENOCONV = 6,      /* an iterative solver did not converge               */
    GC_EGSL = 7          /* a GSL routine reported an error                    */
};

/* A static English description of a status code. */
const char *gc_strerror(int status);

/* ---- filter: Butterworth low-pass, zero lag -------------------------------- */
#define GC_FILTER_MAX_ORDER 8

/* Digital Butterworth low-pass of the given order and normalised cutoff wn
 * (0 < wn < 1, 1 = Nyquist), designed by the bilinear transform with
 * pre-warping.  Writes order + 1 coefficients to b and to a (a[0] == 1). */
int gc_filter_butter_lowpass(size_t order, double wn, double *b, double *a);

/* Samples of odd-extension padding used at each end: 3 * (order + 1). */
size_t gc_filter_padlen(size_t order);

typedef struct gc_filter_workspace gc_filter_workspace;

/* Workspace for filtering signals of up to max_n samples with an order-`order`
 * filter.  Returns NULL when out of memory or order is out of range. */
gc_filter_workspace *gc_filter_alloc(size_t order, size_t max_n);
void gc_filter_free(gc_filter_workspace *w);

/* Forward-backward filtering (b, a of length order + 1, a[0] == 1) of every
 * finite run of x along its middle axis: each run is padded by odd extension,
 * started from the steady-state initial conditions, filtered forward, then
 * backward.  NaN samples stay NaN.  A finite run of padlen samples or fewer is
 * copied unfiltered.  Returns GC_ENOTFINITE on +-inf.  x and y may alias. */
int gc_filter_filtfilt(gc_filter_workspace *w, const double *b, const double *a,
                       const double *x, double *y,
                       size_t outer, size_t n, size_t inner);

/* ---- gaps: cubic-spline filling of short NaN runs ---------------------------- */

/* Fill every interior NaN run of at most max_gap samples along the middle axis
 * with a natural cubic spline (GSL) through up to `support` valid samples on
 * each side (at least 2 each side are required, otherwise the run is left NaN).
 * Runs touching either end are never filled (no extrapolation).  filled[k] is
 * set to 1 for each sample written, 0 elsewhere.  x and y must not alias. */
int gc_gaps_fill(const double *x, double *y, uint8_t *filled,
                 size_t outer, size_t n, size_t inner,
                 size_t max_gap, size_t support);


/* ---- kinematics: segment frames, joint centres, Cardan angles ---------------
 *
 * Points are (n, 3) arrays, row t = (x, y, z) of frame t, in any right-handed lab
 * frame (mm).  A segment frame is an (n, 3, 3) array: frames[t][i][j] is component i
 * of axis j, i.e. the columns are the unit axes in lab coordinates.  Segment axes
 * follow ISB (METHODS.md C): x anterior, y superior (along the long axis), z to the
 * right, for both sides.  A frame whose inputs hold NaN, or whose geometry is
 * degenerate, comes out as a NaN row; +-inf gives GC_ENOTFINITE.  side is +1 for
 * right, -1 for left.                                                          */

enum gc_kin_hjc_method { GC_KIN_HJC_HARRINGTON = 0, GC_KIN_HJC_DAVIS = 1 };

typedef struct {
    int method;                  /* enum gc_kin_hjc_method                         */
    double pelvic_width_mm;      /* inter-ASIS distance (Harrington PW, Davis IAD)  */
    double pelvic_depth_mm;      /* mid-ASIS to mid-PSIS (Harrington PD)            */
    double leg_length_mm;        /* Davis LL; Harrington leg-length variant         */
    double asis_trochanter_mm;   /* Davis ATD; NaN: 0.1288 LL - 48.56               */
    double marker_radius_mm;     /* Davis m (7 mm)                                  */
    int harrington_leg_length;   /* 1: Harrington's PW + LL regression              */
} gc_kin_hjc_params;

/* Pelvis: origin = mid-ASIS, z = unit(RASI - LASI), x = mid-ASIS - mid-PSIS made
 * orthogonal to z, y = z x x.  Pass the sacrum as both lpsi and rpsi. */
int gc_kin_pelvis(size_t n, const double *lasi, const double *rasi, const double *lpsi,
                  const double *rpsi, double *origin, double *frames);

/* Hip joint centre of one side from the pelvis origin and frames (Davis or Harrington). */
int gc_kin_hjc(size_t n, const double *origin, const double *frames,
               const gc_kin_hjc_params *p, int side, double *hjc);

/* Chord method: the joint centre J lies in the plane (wand, prox, lat) at distance
 * delta from the lateral marker lat, with (J - lat) perpendicular to (prox - J).  Of
 * the two such points, the one on the side of the line lat-prox that `medial` (an
 * (n, 3) direction, e.g. -side times the pelvis z axis) points to. */
int gc_kin_chord(size_t n, const double *prox, const double *wand, const double *lat,
                 const double *medial, double delta, double *jc);

/* Thigh or shank: y = unit(prox_jc - dist_jc); x = y x (lat - prox_jc) on the right,
 * (lat - prox_jc) x y on the left; z = x x y. */
int gc_kin_segment(size_t n, const double *prox_jc, const double *dist_jc, const double *lat,
                   int side, double *frames);

/* Foot: x = unit(toe - ajc); z = the shank's z made orthogonal to x; y = z x x. */
int gc_kin_foot(size_t n, const double *ajc, const double *toe, const double *shank_frames,
                double *frames);

/* Thorax: upper = mid(CLAV, C7), lower = mid(STRN, T10), y = unit(upper - lower),
 * anterior = mid(CLAV, STRN) - mid(C7, T10), z = unit(anterior x y), x = y x z;
 * origin = CLAV - 7 mm along x.  t10 may be NULL: then lower = STRN and
 * anterior = mid(CLAV, STRN) - C7. */
int gc_kin_thorax(size_t n, const double *c7, const double *t10, const double *clav,
                  const double *strn, double *origin, double *frames);

/* Technical frame of a 3-marker cluster: origin m1, x = unit(m2 - m1),
 * z = unit(x x (m3 - m1)), y = z x x. */
int gc_kin_cluster(size_t n, const double *m1, const double *m2, const double *m3,
                   double *origin, double *frames);

/* Lab point -> local coordinates of a frame, and back. */
int gc_kin_to_local(size_t n, const double *origin, const double *frames, const double *p,
                    double *local);
int gc_kin_to_global(size_t n, const double *origin, const double *frames, const double *local,
                     double *p);

/* Horizontal direction of travel: the displacement of `origin` between its first
 * and last finite rows when it exceeds min_displacement_mm (overground), else the
 * mean horizontal anterior (x) axis of `frames` (treadmill).  up is the lab's unit
 * vertical.  *treadmill is set to 1 in the second case.  GC_ENODATA when neither
 * can be found. */
int gc_kin_travel_direction(size_t n, const double *origin, const double *frames,
                            const double up[3], double min_displacement_mm, double dir[3],
                            int *treadmill);

/* Progression frame (ISB): x = dir made horizontal, y = up, z = x x y. */
int gc_kin_progression_frame(const double dir[3], const double up[3], double frame[9]);

enum gc_kin_sequence {
    GC_KIN_SEQ_ZXY = 0,  /* R = Rz(a) Rx(b) Ry(c): ISB/Grood-Suntay joints, PiG pelvis */
    GC_KIN_SEQ_YXZ = 1,  /* R = Ry(a) Rx(b) Rz(c): Baker's rotation-obliquity-tilt     */
    GC_KIN_SEQ_ZYX = 2   /* R = Rz(a) Ry(b) Rx(c): Plug-in Gait's ankle               */
};

/* Cardan angles (radians, in the order of the rotations) of R = prox^T dist for each
 * frame.  prox_stride is 9 (one proximal frame per row) or 0 (one constant frame,
 * e.g. the progression frame).  out is (n, 3). */
int gc_kin_cardan(size_t n, const double *prox, size_t prox_stride, const double *dist,
                  int sequence, double *out);

enum gc_kin_joint {
    GC_KIN_HIP = 0, GC_KIN_KNEE = 1, GC_KIN_ANKLE = 2,
    GC_KIN_SEGMENT_BAKER = 3,  /* pelvis/thorax vs progression, rotation-obliquity-tilt */
    GC_KIN_SEGMENT_PIG = 4,    /* pelvis/thorax vs progression, tilt-obliquity-rotation */
    GC_KIN_ANKLE_PIG = 5       /* ankle in Plug-in Gait's flexion-rotation-inversion order */
};

/* Clinical angles in degrees, (n, 3), columns (sagittal, frontal, transverse):
 *   hip:   flexion +,  adduction +,  internal rotation +
 *   knee:  flexion +,  adduction (varus) +, internal rotation +
 *   ankle: dorsiflexion +, inversion (adduction) +, internal rotation +  (ISB Z-X-Y)
 *   ankle_pig: Z-Y-X (flexion, rotation, inversion): dorsiflexion +, -side * (rotation
 *          about the foot's x axis) as Plug-in Gait's second component, internal rotation +
 *   segment (pelvis/thorax): anterior tilt +, obliquity with the `side` side up +,
 *          rotation with the `side` side forward +.
 * side: +1 right, -1 left (frontal and transverse components change sign). */
int gc_kin_angles(size_t n, const double *prox, size_t prox_stride, const double *dist,
                  int joint, int side, double *out_deg);

/* Lean of top - bottom in the sagittal plane of the progression frame, degrees:
 * atan2(e . x, e . y), positive forward. */
int gc_kin_lean(size_t n, const double *top, const double *bottom, const double prog[9],
                double *out_deg);

#ifdef __cplusplus
}
#endif
#endif /* GAITCORE_H */
