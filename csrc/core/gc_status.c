/* gc_status.c -- status codes shared by every module. */
#include "gaitcore.h"

const char *gc_strerror(int status)
{
    switch (status) {
    case GC_OK:         return "success";
    case GC_EINVAL:     return "invalid argument";
    case GC_ENOMEM:     return "out of memory";
    case GC_ENOTFINITE: return "input contains infinite values";
    case GC_ETOOSHORT:  return "not enough samples";
    case GC_ENODATA:    return "no finite data";
    case GC_ENOCONV:    return "solver did not converge";
    case GC_EGSL:       return "GSL error";
    default:            return "unknown error";
    }
}
