/* test_c3d.c -- the C3D data-section decoder on frames built byte by byte here. */
#include <stdint.h>
#include <string.h>

#include "core/gaitcore.h"
#include "tests/gc_test.h"

/* Two frames, two points, two analog channels, two analog samples per frame. */
enum { NF = 2, NP = 2, NA = 2, K = 2, PER_FRAME = 4 * NP + NA * K };

static const double coords[NF][NP][4] = {
    {{1.5, -2.25, 1000.0, 3.0}, {0.0, 0.0, 0.0, -1.0}},
    {{-7.0, 0.125, 12.5, 257.0}, {100.0, 200.0, 300.0, 0.0}},
};
static const double analog_raw[NF][K][NA] = {{{10, -20}, {30, 40}}, {{-50, 60}, {70, 32000}}};

static void put_u16(unsigned char *p, uint16_t v, int big)
{
    p[big ? 1 : 0] = (unsigned char)(v & 0xFF);
    p[big ? 0 : 1] = (unsigned char)(v >> 8);
}

static void put_u32(unsigned char *p, uint32_t v, int big)
{
    for (int b = 0; b < 4; b++)
        p[big ? 3 - b : b] = (unsigned char)(v >> (8 * b));
}

/* A float in the processor's format (DEC: exponent + 2, 16-bit words swapped). */
static void put_float(unsigned char *p, double value, int processor)
{
    float f = (float)value;
    uint32_t bits;
    memcpy(&bits, &f, sizeof bits);
    if (processor == GC_C3D_DEC) {
        if ((bits & 0x7F800000u) != 0)
            bits += 0x01000000u;
        else
            bits = 0;
        bits = (bits >> 16) | (bits << 16);
    }
    put_u32(p, bits, processor == GC_C3D_MIPS);
}

/* Data section of the frames above; integer storage writes value / scale. */
static size_t build(unsigned char *buf, int processor, int is_float, double scale, int unsigned_offset)
{
    const size_t word = is_float ? 4 : 2;
    unsigned char *p = buf;
    for (int i = 0; i < NF; i++) {
        for (int j = 0; j < NP; j++)
            for (int c = 0; c < 4; c++, p += word) {
                double v = coords[i][j][c];
                if (c < 3 && !is_float)
                    v /= scale;
                if (is_float)
                    put_float(p, v, processor);
                else
                    put_u16(p, (uint16_t)(int16_t)v, processor == GC_C3D_MIPS);
            }
        for (int s = 0; s < K; s++)
            for (int c = 0; c < NA; c++, p += word) {
                const double v = analog_raw[i][s][c] + unsigned_offset;
                if (is_float)
                    put_float(p, v, processor);
                else
                    put_u16(p, (uint16_t)(long)v, processor == GC_C3D_MIPS);
            }
    }
    return (size_t)(p - buf);
}

static void check_decoded(int processor, int is_float, int analog_unsigned)
{
    unsigned char buf[NF * PER_FRAME * 4];
    const double scale = is_float ? 0.5 : 0.125;
    const int offset = analog_unsigned ? 32768 : 0;
    const size_t n_bytes = build(buf, processor, is_float, scale, offset);
    struct gc_c3d_layout lay = {processor, is_float, analog_unsigned, NF, NP, NA, K, scale};
    size_t need = 0;
    CHECK(gc_c3d_data_size(&lay, &need) == GC_OK && need == n_bytes);

    double xyz[NP * NF * 3], res[NP * NF], ana[NA * NF * K];
    const double off[NA] = {offset, offset}, sc[NA] = {2.0, -0.5};
    CHECK(gc_c3d_decode(buf, n_bytes, &lay, off, sc, xyz, res, ana) == GC_OK);
    for (int i = 0; i < NF; i++)
        for (int j = 0; j < NP; j++) {
            for (int c = 0; c < 3; c++)
                CHECK_CLOSE(xyz[3 * (j * NF + i) + c], coords[i][j][c], 1e-12);
            const double w = coords[i][j][3];
            const double want = w < 0 ? -1.0 : (double)((long)w & 0xFF) * scale;
            CHECK_CLOSE(res[j * NF + i], want, 1e-12);
        }
    for (int i = 0; i < NF; i++)
        for (int s = 0; s < K; s++)
            for (int c = 0; c < NA; c++)
                CHECK_CLOSE(ana[c * NF * K + i * K + s], analog_raw[i][s][c] * sc[c], 1e-12);

    /* One byte short: refused, nothing read past the buffer. */
    CHECK(gc_c3d_decode(buf, n_bytes - 1, &lay, off, sc, xyz, res, ana) == GC_EINVAL);
    /* Outputs may be skipped. */
    CHECK(gc_c3d_decode(buf, n_bytes, &lay, off, sc, NULL, NULL, ana) == GC_OK);
}

static void test_bad_layouts(void)
{
    size_t need = 0;
    struct gc_c3d_layout huge = {GC_C3D_INTEL, 1, 0, (size_t)1 << 31, SIZE_MAX / 8, 0, 0, 1.0};
    CHECK(gc_c3d_data_size(&huge, &need) == GC_EINVAL);  /* overflows size_t */
    struct gc_c3d_layout proc = {99, 1, 0, 1, 1, 0, 0, 1.0};
    CHECK(gc_c3d_data_size(&proc, &need) == GC_EINVAL);
    struct gc_c3d_layout big_frames = {GC_C3D_INTEL, 0, 0, (size_t)1 << 31, 1, 0, 0, 1.0};
    unsigned char buf[64] = {0};
    double xyz[3], res[1];
    CHECK(gc_c3d_decode(buf, sizeof buf, &big_frames, NULL, NULL, xyz, res, NULL) == GC_EINVAL);
    struct gc_c3d_layout no_points = {GC_C3D_INTEL, 0, 0, 3, 0, 0, 0, 1.0};
    CHECK(gc_c3d_decode(buf, 0, &no_points, NULL, NULL, NULL, NULL, NULL) == GC_OK);  /* zero-byte frames */
}

/* VAX F values whose IEEE image would be subnormal or infinite. */
static void test_dec_extremes(void)
{
    /* e = 1, f = 0: 2^23 * 2^(1 - 152) = 2^-128 (IEEE float would need a subnormal). */
    unsigned char b[4];
    put_u32(b, (0x00800000u >> 16) | (0x00800000u << 16), 0);
    struct gc_c3d_layout lay = {GC_C3D_DEC, 1, 0, 1, 0, 1, 1, 1.0};
    double one = 1.0, zero = 0.0, out = 0.0;
    CHECK(gc_c3d_decode(b, 4, &lay, &zero, &one, NULL, NULL, &out) == GC_OK);
    CHECK(out == ldexp(1.0, -128));
    /* e = 255: 2^(255 - 129) = 2^126 exactly for f = 0 (finite in VAX, infinite as IEEE bits). */
    put_u32(b, (0x7F800000u >> 16) | (0x7F800000u << 16), 0);
    CHECK(gc_c3d_decode(b, 4, &lay, &zero, &one, NULL, NULL, &out) == GC_OK);
    CHECK(out == ldexp(1.0, 126));
}

int main(void)
{
    gc_test_init();
    const int procs[3] = {GC_C3D_INTEL, GC_C3D_DEC, GC_C3D_MIPS};
    for (int p = 0; p < 3; p++) {
        check_decoded(procs[p], 1, 0);
        check_decoded(procs[p], 0, 0);
        check_decoded(procs[p], 0, 1);
    }
    test_bad_layouts();
    test_dec_extremes();
    return gc_test_report("test_c3d");
}
