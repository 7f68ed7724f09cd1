/*
 * gc_size.h -- overflow-checked size arithmetic for the core's allocations (private).
 *
 * Every buffer size computed from a caller's count goes through these, so that a huge
 * count (e.g. support = 2^61 in gc_gaps_fill) makes the call fail with GC_ENOMEM instead
 * of wrapping around to a small allocation that is then written past its end.
 */
#ifndef GC_SIZE_H
#define GC_SIZE_H

#include <stdint.h>
#include <stdlib.h>

/* *out = a * b; returns 0 (and leaves *out alone) on overflow. */
static inline int gc_size_mul(size_t a, size_t b, size_t *out)
{
    if (b != 0 && a > SIZE_MAX / b)
        return 0;
    *out = a * b;
    return 1;
}

/* *out = a + b; returns 0 on overflow. */
static inline int gc_size_add(size_t a, size_t b, size_t *out)
{
    if (a > SIZE_MAX - b)
        return 0;
    *out = a + b;
    return 1;
}

/* malloc of count elements of size bytes each; NULL on overflow or when out of memory. */
static inline void *gc_malloc_array(size_t count, size_t size)
{
    size_t bytes;
    if (!gc_size_mul(count, size, &bytes))
        return NULL;
    return malloc(bytes ? bytes : 1);
}

#endif /* GC_SIZE_H */
