/* gc_c3d.c -- decode the data section of a C3D file (points, residuals, analog samples).
 *
 * The C3D format (c3d.org, "The C3D File Format User Guide", Motion Lab Systems 2008):
 * each 3D frame holds n_points x (x, y, z, word4) then analog_per_frame x n_analog
 * analog samples.  Samples are 16-bit integers (POINT:SCALE > 0: coordinates = value *
 * POINT:SCALE) or 32-bit floats (POINT:SCALE < 0).  The fourth word of a point packs
 * the camera mask (high byte) and residual / |POINT:SCALE| (low byte); a negative
 * fourth word marks the point invalid.  Byte order and float format follow the
 * processor type: Intel (little-endian IEEE 754), DEC (little-endian 16-bit words,
 * VAX F floats) and MIPS (big-endian IEEE 754).
 *
 * The header and parameter section are parsed in Python (gaitcore/io/c3d.py); this
 * file only turns the bytes into doubles, never reading past the buffer it is given.
 */
#include <math.h>
#include <string.h>

#include "gaitcore.h"

/* ---- scalar readers ------------------------------------------------------ */

static inline uint16_t read_u16(const unsigned char *p, int big_endian)
{
    return big_endian ? (uint16_t)((p[0] << 8) | p[1]) : (uint16_t)((p[1] << 8) | p[0]);
}

static inline uint32_t read_u32(const unsigned char *p, int big_endian)
{
    if (big_endian)
        return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
    return ((uint32_t)p[3] << 24) | ((uint32_t)p[2] << 16) | ((uint32_t)p[1] << 8) | p[0];
}

static inline double ieee_float(uint32_t bits)
{
    float f;
    memcpy(&f, &bits, sizeof f);
    return (double)f;
}

/* VAX F float stored as two little-endian 16-bit words, high word first: after the word
 * swap the bits read s|eeeeeeee|fffffff..., value = (-1)^s (2^23 + f) 2^(e - 152); e == 0
 * is zero (or, with s set, the reserved operand: NaN).  `pow2[e]` holds 2^(e - 152). */
static inline double vax_float(uint32_t little, const double *pow2)
{
    const uint32_t bits = (little >> 16) | (little << 16);
    const unsigned exponent = (bits >> 23) & 0xFFu;
    if (exponent == 0)
        return (bits >> 31) ? NAN : 0.0;
    const double value = (double)((bits & 0x7FFFFFu) | 0x800000u) * pow2[exponent];
    return (bits >> 31) ? -value : value;
}

struct sample_reader {
    int processor, is_float, analog_unsigned;
    double pow2[256];
};

static inline double read_float(const struct sample_reader *r, const unsigned char *p)
{
    switch (r->processor) {
    case GC_C3D_MIPS: return ieee_float(read_u32(p, 1));
    case GC_C3D_DEC:  return vax_float(read_u32(p, 0), r->pow2);
    default:          return ieee_float(read_u32(p, 0));
    }
}

/* One sample of the data section as a double (integer samples signed unless `as_unsigned`). */
static inline double read_sample(const struct sample_reader *r, const unsigned char *p, int as_unsigned)
{
    if (r->is_float)
        return read_float(r, p);
    const uint16_t word = read_u16(p, r->processor == GC_C3D_MIPS);
    return as_unsigned ? (double)word : (double)(int16_t)word;
}

/* ---- layout ---------------------------------------------------------------- */

static int mul_size(size_t a, size_t b, size_t *out)
{
    if (a != 0 && b > SIZE_MAX / a)
        return GC_EINVAL;
    *out = a * b;
    return GC_OK;
}

static int add_size(size_t a, size_t b, size_t *out)
{
    if (b > SIZE_MAX - a)
        return GC_EINVAL;
    *out = a + b;
    return GC_OK;
}

/* Samples in one 3D frame: 4 per point plus the frame's analog block. */
static int frame_samples(const struct gc_c3d_layout *lay, size_t *out)
{
    size_t points, analog;
    if (mul_size(lay->n_points, 4, &points) || mul_size(lay->n_analog, lay->analog_per_frame, &analog))
        return GC_EINVAL;
    return add_size(points, analog, out);
}

int gc_c3d_data_size(const struct gc_c3d_layout *layout, size_t *n_bytes)
{
    if (!layout || !n_bytes)
        return GC_EINVAL;
    if (layout->processor != GC_C3D_INTEL && layout->processor != GC_C3D_DEC && layout->processor != GC_C3D_MIPS)
        return GC_EINVAL;
    size_t per_frame, frame_bytes;
    if (frame_samples(layout, &per_frame) || mul_size(per_frame, layout->is_float ? 4 : 2, &frame_bytes))
        return GC_EINVAL;
    return mul_size(frame_bytes, layout->n_frames, n_bytes);
}

/* ---- decoding -------------------------------------------------------------- */

/* Fourth word of a point: -1 when invalid, else its low byte times the point scale. */
static inline double residual_of(double word4, double point_scale)
{
    if (!(word4 >= 0.0))  /* negative, or NaN from a DEC reserved operand */
        return -1.0;
    const long word = word4 > 32767.0 ? 32767L : (long)word4;
    return (double)(word & 0xFF) * point_scale;
}

int gc_c3d_decode(const unsigned char *data, size_t n_bytes, const struct gc_c3d_layout *layout,
                  const double *analog_offset, const double *analog_scale,
                  double *xyz, double *residual, double *analog)
{
    size_t need;
    if (!data || gc_c3d_data_size(layout, &need) != GC_OK || need > n_bytes)
        return GC_EINVAL;
    if (analog && layout->n_analog && (!analog_offset || !analog_scale))
        return GC_EINVAL;
    struct sample_reader r = {layout->processor, layout->is_float, layout->analog_unsigned, {0}};
    for (int e = 0; e < 256; e++)
        r.pow2[e] = ldexp(1.0, e - 152);
    const size_t word = layout->is_float ? 4 : 2;
    const size_t n = layout->n_frames, np = layout->n_points, na = layout->n_analog;
    const size_t k = layout->analog_per_frame, m = n * k;
    /* Float coordinates are already in file units; integer ones are scaled. */
    const double coord_scale = layout->is_float ? 1.0 : layout->point_scale;
    const double residual_scale = layout->point_scale;
    if (np == 0 && (na == 0 || k == 0))
        return GC_OK;  /* no samples: a huge frame count costs nothing */
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < np; j++, p += 4 * word) {
            if (xyz) {
                double *out = xyz + 3 * (j * n + i);
                out[0] = read_sample(&r, p, 0) * coord_scale;
                out[1] = read_sample(&r, p + word, 0) * coord_scale;
                out[2] = read_sample(&r, p + 2 * word, 0) * coord_scale;
            }
            if (residual)
                residual[j * n + i] = residual_of(read_sample(&r, p + 3 * word, 0), residual_scale);
        }
        for (size_t s = 0; s < k; s++) {
            const size_t t = i * k + s;
            for (size_t c = 0; c < na; c++, p += word)
                if (analog)
                    analog[c * m + t] = (read_sample(&r, p, r.analog_unsigned) - analog_offset[c]) * analog_scale[c];
        }
    }
    return GC_OK;
}
