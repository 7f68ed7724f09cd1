/*
 * _coremodule.c -- the Python and NumPy glue (with _glm_glue.c, the GLM's glue: split off
 * when this file neared 1,500 lines and several helpers were adding glue at once).
 *
 * Each wrapper converts its arguments (PyArray_FROM_OTF to aligned, C-contiguous
 * float64), allocates outputs while holding the GIL, runs the C core with the GIL
 * released, and maps the core's status to a Python exception.  Argument checks with
 * user-facing messages live in the Python layer (the gaitcore package); the checks here
 * only guarantee that no input can crash the interpreter.
 */
#define GAITCORE_GLUE_MAIN
#include "_glue.h"

#include <gsl/gsl_errno.h>

#include "core/gaitcore.h"

/* gaitcore's exception hierarchy (gaitcore/_errors.py), looked up at module init:
 * bad arguments raise InputError (a ValueError), failed numerics ComputationError
 * (a RuntimeError). */
PyObject *glue_InputError = NULL;
PyObject *glue_ComputationError = NULL;

/* Raise the Python exception matching a core status; returns NULL for chaining. */
PyObject *raise_status(int status, const char *what)
{
    PyObject *type = glue_ComputationError;
    switch (status) {
    case GC_EINVAL:
    case GC_ENOTFINITE:
    case GC_ETOOSHORT:
    case GC_ENODATA:
        type = glue_InputError;
        break;
    case GC_ENOMEM:
        return PyErr_NoMemory();
    default:
        break;
    }
    PyErr_Format(type, "%s: %s", what, gc_strerror(status));
    return NULL;
}

PyObject *cluster_list(const gc_spm_cluster *cl, size_t n)
{
    PyObject *list = PyList_New((Py_ssize_t)n);
    if (!list)
        return NULL;
    for (size_t c = 0; c < n; c++) {
        PyObject *item = Py_BuildValue("(ddddddi)", cl[c].x0, cl[c].x1, cl[c].extent,
                                       cl[c].extent_resels, cl[c].height, cl[c].p, cl[c].sign);
        if (!item) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, (Py_ssize_t)c, item);
    }
    return list;
}

/* View a C-contiguous array as (outer, n, inner) around `axis`. */
static int axis_layout(PyArrayObject *arr, int axis, size_t *outer, size_t *n, size_t *inner)
{
    const int ndim = PyArray_NDIM(arr);
    if (ndim == 0) {
        PyErr_SetString(glue_InputError, "x must have at least one dimension");
        return -1;
    }
    if (axis < 0)
        axis += ndim;
    if (axis < 0 || axis >= ndim) {
        PyErr_Format(glue_InputError, "axis out of range for an array of %d dimensions", ndim);
        return -1;
    }
    const npy_intp *shape = PyArray_DIMS(arr);
    *outer = 1;
    *inner = 1;
    for (int d = 0; d < axis; d++)
        *outer *= (size_t)shape[d];
    for (int d = axis + 1; d < ndim; d++)
        *inner *= (size_t)shape[d];
    *n = (size_t)shape[axis];
    return 0;
}

static PyArrayObject *as_double_array(PyObject *obj)
{
    return (PyArrayObject *)PyArray_FROM_OTF(obj, NPY_DOUBLE, NPY_ARRAY_IN_ARRAY);
}

/* As as_double_array, and of exactly `ndim` dimensions, else ValueError naming `what`. */
static PyArrayObject *as_double_ndim(PyObject *obj, int ndim, const char *what)
{
    PyArrayObject *arr = as_double_array(obj);
    if (arr && PyArray_NDIM(arr) != ndim) {
        PyErr_Format(glue_InputError, "%s must be %d-D, got %d dimensions", what, ndim, PyArray_NDIM(arr));
        Py_DECREF(arr);
        return NULL;
    }
    return arr;
}

/* ---- filter ------------------------------------------------------------- */

/* (order, wn) of butter and butter_sos; -1 with an exception set when order is out of range. */
static int parse_design(PyObject *args, Py_ssize_t *order, double *wn)
{
    if (!PyArg_ParseTuple(args, "nd", order, wn))
        return -1;
    if (*order < 1 || *order > GC_FILTER_MAX_ORDER) {
        PyErr_Format(glue_InputError, "order must be 1..%d", GC_FILTER_MAX_ORDER);
        return -1;
    }
    return 0;
}

static PyObject *py_butter(PyObject *Py_UNUSED(self), PyObject *args)
{
    Py_ssize_t order;
    double wn;
    if (parse_design(args, &order, &wn) < 0)
        return NULL;
    npy_intp len = order + 1;
    PyArrayObject *b = NULL, *a = NULL;
    b = (PyArrayObject *)PyArray_SimpleNew(1, &len, NPY_DOUBLE);
    a = (PyArrayObject *)PyArray_SimpleNew(1, &len, NPY_DOUBLE);
    if (!b || !a)
        goto error;
    int status = gc_filter_butter_lowpass((size_t)order, wn, PyArray_DATA(b), PyArray_DATA(a));
    if (status != GC_OK) {
        raise_status(status, "butter");
        goto error;
    }
    return Py_BuildValue("NN", b, a);
error:
    Py_XDECREF(b);
    Py_XDECREF(a);
    return NULL;
}

static PyObject *py_butter_sos(PyObject *Py_UNUSED(self), PyObject *args)
{
    Py_ssize_t order;
    double wn;
    if (parse_design(args, &order, &wn) < 0)
        return NULL;
    npy_intp dims[2] = {(npy_intp)gc_filter_n_sections((size_t)order), 6};
    PyArrayObject *sos = (PyArrayObject *)PyArray_SimpleNew(2, dims, NPY_DOUBLE);
    if (!sos)
        return NULL;
    int status = gc_filter_butter_sos((size_t)order, wn, PyArray_DATA(sos));
    if (status != GC_OK) {
        Py_DECREF(sos);
        return raise_status(status, "butter_sos");
    }
    return (PyObject *)sos;
}

static PyObject *py_lowpass(PyObject *Py_UNUSED(self), PyObject *args)
{
    PyObject *x_obj;
    double wn;
    Py_ssize_t order;
    int axis;
    PyArrayObject *x = NULL, *y = NULL;
    gc_filter_workspace *w = NULL;
    if (!PyArg_ParseTuple(args, "Odni", &x_obj, &wn, &order, &axis))
        return NULL;
    if (order < 1 || order > GC_FILTER_MAX_ORDER) {
        PyErr_Format(glue_InputError, "order must be 1..%d", GC_FILTER_MAX_ORDER);
        return NULL;
    }
    x = as_double_array(x_obj);
    if (!x)
        goto error;
    size_t outer, n, inner;
    if (axis_layout(x, axis, &outer, &n, &inner) < 0)
        goto error;
    y = (PyArrayObject *)PyArray_SimpleNew(PyArray_NDIM(x), PyArray_DIMS(x), NPY_DOUBLE);
    if (!y)
        goto error;
    if (!(wn > 0.0 && wn < 1.0)) {
        raise_status(GC_EINVAL, "lowpass");
        goto error;
    }
    w = gc_filter_alloc((size_t)order, wn, n);
    if (!w) {
        PyErr_NoMemory();
        goto error;
    }
    int status;
    Py_BEGIN_ALLOW_THREADS
    status = gc_filter_filtfilt(w, PyArray_DATA(x), PyArray_DATA(y), outer, n, inner);
    Py_END_ALLOW_THREADS
    if (status != GC_OK) {
        raise_status(status, "lowpass");
        goto error;
    }
    gc_filter_free(w);
    Py_DECREF(x);
    return (PyObject *)y;
error:
    gc_filter_free(w);
    Py_XDECREF(x);
    Py_XDECREF(y);
    return NULL;
}

/* ---- gaps --------------------------------------------------------------- */

static PyObject *py_fill_gaps(PyObject *Py_UNUSED(self), PyObject *args)
{
    PyObject *x_obj;
    Py_ssize_t max_gap, support;
    int axis;
    PyArrayObject *x = NULL, *y = NULL, *mask = NULL;
    if (!PyArg_ParseTuple(args, "Onni", &x_obj, &max_gap, &support, &axis))
        return NULL;
    if (max_gap < 0 || support < 2) {
        PyErr_SetString(glue_InputError, "max_gap must be >= 0 and support >= 2");
        return NULL;
    }
    x = as_double_array(x_obj);
    if (!x)
        goto error;
    size_t outer, n, inner;
    if (axis_layout(x, axis, &outer, &n, &inner) < 0)
        goto error;
    y = (PyArrayObject *)PyArray_SimpleNew(PyArray_NDIM(x), PyArray_DIMS(x), NPY_DOUBLE);
    mask = (PyArrayObject *)PyArray_SimpleNew(PyArray_NDIM(x), PyArray_DIMS(x), NPY_BOOL);
    if (!y || !mask)
        goto error;
    int status;
    Py_BEGIN_ALLOW_THREADS
    status = gc_gaps_fill(PyArray_DATA(x), PyArray_DATA(y), PyArray_DATA(mask), outer, n,
                          inner, (size_t)max_gap, (size_t)support);
    Py_END_ALLOW_THREADS
    if (status != GC_OK) {
        raise_status(status, "fill_gaps");
        goto error;
    }
    Py_DECREF(x);
    return Py_BuildValue("NN", y, mask);
error:
    Py_XDECREF(x);
    Py_XDECREF(y);
    Py_XDECREF(mask);
    return NULL;
}

/* ---- cadence ------------------------------------------------------------ */

/* A one-slot cache of the last cadence workspace (its FFT wavetable and Hann window
 * cost more to build than one transform), as FFT libraries cache their plans.  It is
 * only taken and given back while holding the GIL, so a thread running the core with
 * the GIL released owns its workspace alone. */
static gc_cadence_workspace *cadence_cache = NULL;

static gc_cadence_workspace *cadence_workspace_take(size_t nperseg, size_t nbins)
{
    gc_cadence_workspace *w = cadence_cache;
    if (w && gc_cadence_nfreq(w) == nbins && gc_cadence_fft_length(w) == gc_cadence_nfft(nperseg)
        && gc_cadence_segment_length(w) == nperseg) {
        cadence_cache = NULL;
        return w;
    }
    return gc_cadence_alloc(nperseg, nbins);
}

static void cadence_workspace_give_back(gc_cadence_workspace *w)
{
    if (!w)
        return;
    gc_cadence_free(cadence_cache);
    cadence_cache = w;
}

/* cadence(x, nperseg, rate, kind, lo_hz, hi_hz, fmax_hz) with x of shape (n, k): one
 * Welch PSD (bins up to fmax_hz) and estimate per column, all with one workspace. */
static PyObject *py_cadence(PyObject *Py_UNUSED(self), PyObject *args)
{
    PyObject *x_obj;
    Py_ssize_t nperseg;
    double rate, lo_hz, hi_hz, fmax_hz;
    int kind;
    PyArrayObject *x = NULL, *psd = NULL, *step = NULL, *peak = NULL, *harm = NULL, *qual = NULL;
    gc_cadence_workspace *w = NULL;
    if (!PyArg_ParseTuple(args, "Ondiddd", &x_obj, &nperseg, &rate, &kind, &lo_hz, &hi_hz, &fmax_hz))
        return NULL;
    x = as_double_array(x_obj);
    if (!x)
        goto error;
    if (PyArray_NDIM(x) != 2) {
        PyErr_SetString(glue_InputError, "x must be 2-D (n, k)");
        goto error;
    }
    const size_t n = (size_t)PyArray_DIM(x, 0), k = (size_t)PyArray_DIM(x, 1);
    if (nperseg < 4 || (size_t)nperseg > n) {
        PyErr_SetString(glue_InputError, "nperseg must be between 4 and the number of samples");
        goto error;
    }
    const size_t nbins = gc_cadence_nbins((size_t)nperseg, rate, fmax_hz);
    if (nbins < 3) {
        PyErr_SetString(glue_InputError, "rate and fmax_hz must be > 0");
        goto error;
    }
    w = cadence_workspace_take((size_t)nperseg, nbins);
    if (!w) {
        PyErr_NoMemory();
        goto error;
    }
    const size_t nfreq = gc_cadence_nfreq(w);
    npy_intp psd_dims[2] = {(npy_intp)k, (npy_intp)nfreq}, kdim = (npy_intp)k;
    psd = (PyArrayObject *)PyArray_SimpleNew(2, psd_dims, NPY_DOUBLE);
    step = (PyArrayObject *)PyArray_SimpleNew(1, &kdim, NPY_DOUBLE);
    peak = (PyArrayObject *)PyArray_SimpleNew(1, &kdim, NPY_DOUBLE);
    harm = (PyArrayObject *)PyArray_SimpleNew(1, &kdim, NPY_INT);
    qual = (PyArrayObject *)PyArray_SimpleNew(1, &kdim, NPY_DOUBLE);
    if (!psd || !step || !peak || !harm || !qual)
        goto error;
    const double *xd = PyArray_DATA(x);
    double *pd = PyArray_DATA(psd), *sd = PyArray_DATA(step), *kd = PyArray_DATA(peak);
    double *qd = PyArray_DATA(qual);
    int *hd = PyArray_DATA(harm);
    int status = GC_OK;
    Py_BEGIN_ALLOW_THREADS
    for (size_t j = 0; j < k && status == GC_OK; j++) {
        gc_cadence_result r = {NAN, NAN, 0, NAN};
        status = gc_cadence_compute(w, xd + j, n, k, rate, kind, lo_hz, hi_hz, pd + j * nfreq, &r);
        sd[j] = r.step_hz;
        kd[j] = r.peak_hz;
        hd[j] = r.harmonic;
        qd[j] = r.quality;
    }
    Py_END_ALLOW_THREADS
    if (status != GC_OK) {
        raise_status(status, "cadence");
        goto error;
    }
    cadence_workspace_give_back(w);
    Py_DECREF(x);
    return Py_BuildValue("NNNNN", psd, step, peak, harm, qual);
error:
    gc_cadence_free(w);
    Py_XDECREF(x);
    Py_XDECREF(psd);
    Py_XDECREF(step);
    Py_XDECREF(peak);
    Py_XDECREF(harm);
    Py_XDECREF(qual);
    return NULL;
}

/* cadence_track(x, nperseg, hop, rate, kind, lo_hz, hi_hz, fmax_hz) over a 1-D x. */
static PyObject *py_cadence_track(PyObject *Py_UNUSED(self), PyObject *args)
{
    PyObject *x_obj;
    Py_ssize_t nperseg, hop;
    double rate, lo_hz, hi_hz, fmax_hz;
    int kind;
    PyArrayObject *x = NULL, *t = NULL, *f = NULL, *q = NULL;
    gc_cadence_workspace *w = NULL;
    if (!PyArg_ParseTuple(args, "Onndiddd", &x_obj, &nperseg, &hop, &rate, &kind, &lo_hz, &hi_hz,
                          &fmax_hz))
        return NULL;
    x = as_double_array(x_obj);
    if (!x)
        goto error;
    if (PyArray_NDIM(x) != 1) {
        PyErr_SetString(glue_InputError, "x must be 1-D");
        goto error;
    }
    const size_t n = (size_t)PyArray_DIM(x, 0);
    if (nperseg < 4 || (size_t)nperseg > n || hop < 1) {
        PyErr_SetString(glue_InputError, "need 4 <= nperseg <= len(x) and hop >= 1");
        goto error;
    }
    const size_t nbins = gc_cadence_nbins((size_t)nperseg, rate, fmax_hz);
    if (nbins < 3) {
        PyErr_SetString(glue_InputError, "rate and fmax_hz must be > 0");
        goto error;
    }
    w = cadence_workspace_take((size_t)nperseg, nbins);
    if (!w) {
        PyErr_NoMemory();
        goto error;
    }
    npy_intp count = (npy_intp)gc_cadence_track_count(n, (size_t)nperseg, (size_t)hop);
    t = (PyArrayObject *)PyArray_SimpleNew(1, &count, NPY_DOUBLE);
    f = (PyArrayObject *)PyArray_SimpleNew(1, &count, NPY_DOUBLE);
    q = (PyArrayObject *)PyArray_SimpleNew(1, &count, NPY_DOUBLE);
    if (!t || !f || !q)
        goto error;
    int status;
    Py_BEGIN_ALLOW_THREADS
    status = gc_cadence_track(w, PyArray_DATA(x), n, rate, (size_t)hop, kind, lo_hz, hi_hz,
                              PyArray_DATA(t), PyArray_DATA(f), PyArray_DATA(q));
    Py_END_ALLOW_THREADS
    if (status != GC_OK) {
        raise_status(status, "cadence_track");
        goto error;
    }
    cadence_workspace_give_back(w);
    Py_DECREF(x);
    return Py_BuildValue("NNN", t, f, q);
error:
    gc_cadence_free(w);
    Py_XDECREF(x);
    Py_XDECREF(t);
    Py_XDECREF(f);
    Py_XDECREF(q);
    return NULL;
}

/* ---- spm: t curves, RFT inference, t distribution ------------------------ */

/* Elementwise t-distribution upper tail (inverse=0) or its inverse (inverse=1). */
static PyObject *t_dist(PyObject *args, int inverse)
{
    PyObject *x_obj, *df_obj;
    PyArrayObject *x = NULL, *df = NULL, *y = NULL;
    if (!PyArg_ParseTuple(args, "OO", &x_obj, &df_obj))
        return NULL;
    x = as_double_array(x_obj);
    df = as_double_array(df_obj);
    if (!x || !df)
        goto error;
    npy_intp n = PyArray_SIZE(x);
    if (PyArray_SIZE(df) != n) {
        PyErr_SetString(glue_InputError, "x and df must have the same size");
        goto error;
    }
    y = (PyArrayObject *)PyArray_SimpleNew(PyArray_NDIM(x), PyArray_DIMS(x), NPY_DOUBLE);
    if (!y)
        goto error;
    const double *xv = PyArray_DATA(x), *dv = PyArray_DATA(df);
    double *yv = PyArray_DATA(y);
    int status = GC_OK;
    for (npy_intp k = 0; k < n && status == GC_OK; k++)
        status = inverse ? gc_spm_t_isf(xv[k], dv[k], yv + k) : gc_spm_t_sf(xv[k], dv[k], yv + k);
    if (status != GC_OK) {
        raise_status(status, inverse ? "t_isf" : "t_sf");
        goto error;
    }
    Py_DECREF(x);
    Py_DECREF(df);
    return (PyObject *)y;
error:
    Py_XDECREF(x);
    Py_XDECREF(df);
    Py_XDECREF(y);
    return NULL;
}

static PyObject *py_t_sf(PyObject *Py_UNUSED(self), PyObject *args) { return t_dist(args, 0); }
static PyObject *py_t_isf(PyObject *Py_UNUSED(self), PyObject *args) { return t_dist(args, 1); }

/* spm_ttest2_df(ya, yb) -> df: effective df of the two-sample test without equal variances
 * (ReML, spm1d's ttest2(equal_var=False)); t and fwhm come from glm_fit (the pooled design). */
static PyObject *py_spm_ttest2_df(PyObject *Py_UNUSED(self), PyObject *args)
{
    PyObject *ya_obj, *yb_obj;
    PyArrayObject *ya = NULL, *yb = NULL;
    if (!PyArg_ParseTuple(args, "OO", &ya_obj, &yb_obj))
        return NULL;
    ya = as_double_ndim(ya_obj, 2, "ya");
    if (!ya)
        goto error;
    yb = as_double_ndim(yb_obj, 2, "yb");
    if (!yb)
        goto error;
    size_t Ja = (size_t)PyArray_DIM(ya, 0), Jb = (size_t)PyArray_DIM(yb, 0);
    size_t Q = (size_t)PyArray_DIM(ya, 1);
    if ((size_t)PyArray_DIM(yb, 1) != Q) {
        PyErr_SetString(glue_InputError, "ya and yb have incompatible shapes");
        goto error;
    }
    int status;
    double df = NAN;
    const double *a = PyArray_DATA(ya), *b = PyArray_DATA(yb);
    Py_BEGIN_ALLOW_THREADS
    status = gc_spm_ttest2_reml_df(a, Ja, b, Jb, Q, &df);
    Py_END_ALLOW_THREADS
    if (status != GC_OK) {
        raise_status(status, "spm ttest2 effective df");
        goto error;
    }
    Py_DECREF(ya);
    Py_DECREF(yb);
    return PyFloat_FromDouble(df);
error:
    Py_XDECREF(ya);
    Py_XDECREF(yb);
    return NULL;
}

static PyObject *py_spm_threshold(PyObject *Py_UNUSED(self), PyObject *args)
{
    double alpha, df, r0, r1, u = NAN;
    Py_ssize_t nodes;
    if (!PyArg_ParseTuple(args, "ddddn", &alpha, &df, &r0, &r1, &nodes))
        return NULL;
    if (nodes < 0) {
        PyErr_SetString(glue_InputError, "nodes must be >= 0");
        return NULL;
    }
    int status = gc_spm_threshold(alpha, df, r0, r1, (size_t)nodes, &u);
    if (status != GC_OK)
        return raise_status(status, "rft threshold");
    return PyFloat_FromDouble(u);
}

/* spm_rft(what, u, df, r0, r1, extra): 0 expected EC, 1 p_max (extra = nodes),
 * 2 cluster p (extra = extent in resels); returns a float. */
static PyObject *py_spm_rft(PyObject *Py_UNUSED(self), PyObject *args)
{
    int what;
    double u, df, r0, r1, extra, out = NAN;
    if (!PyArg_ParseTuple(args, "iddddd", &what, &u, &df, &r0, &r1, &extra))
        return NULL;
    int status = GC_EINVAL;
    if (what == 0)
        status = gc_spm_expected_ec(u, df, r0, r1, &out);
    else if (what == 1 && extra >= 0 && extra < 1e15)
        status = gc_spm_p_max(u, df, r0, r1, (size_t)extra, &out);
    else if (what == 2)
        status = gc_spm_p_cluster(extra, u, df, r0, r1, &out);
    if (status != GC_OK)
        return raise_status(status, "rft");
    return PyFloat_FromDouble(out);
}

/* spm_clusters(z, u, df, fwhm, r0, r1, two_tailed) ->
 *   ([(x0, x1, extent, extent_resels, height, p, sign), ...], p_set) */
static PyObject *py_spm_clusters(PyObject *Py_UNUSED(self), PyObject *args)
{
    PyObject *z_obj, *list = NULL;
    double u, df, fwhm, r0, r1, p_set = NAN;
    int two_tailed;
    PyArrayObject *z = NULL;
    gc_spm_cluster *cl = NULL;
    if (!PyArg_ParseTuple(args, "Odddddp", &z_obj, &u, &df, &fwhm, &r0, &r1, &two_tailed))
        return NULL;
    z = as_double_array(z_obj);
    if (!z)
        goto error;
    size_t Q = (size_t)PyArray_SIZE(z), n = 0;
    cl = malloc((Q ? Q : 1) * sizeof *cl);
    if (!cl) {
        PyErr_NoMemory();
        goto error;
    }
    int status = gc_spm_clusters(PyArray_DATA(z), Q, u, df, fwhm, r0, r1, two_tailed, cl, &n, &p_set);
    if (status != GC_OK) {
        raise_status(status, "spm clusters");
        goto error;
    }
    list = cluster_list(cl, n);
    if (!list)
        goto error;
    free(cl);
    Py_DECREF(z);
    return Py_BuildValue("Nd", list, p_set);
error:
    free(cl);
    Py_XDECREF(z);
    Py_XDECREF(list);
    return NULL;
}

/* ---- cycles ------------------------------------------------------------- */

/* normalize_cycles(x, rate, starts_s, ends_s, points, kind, nan_tolerance):
 * x (n, ...) with time on axis 0 -> (n_cycles, points, ...). */
static PyObject *py_normalize_cycles(PyObject *Py_UNUSED(self), PyObject *args)
{
    PyObject *x_obj, *s_obj, *e_obj;
    double rate, tol;
    Py_ssize_t points;
    int kind;
    PyArrayObject *x = NULL, *s = NULL, *e = NULL, *out = NULL;
    if (!PyArg_ParseTuple(args, "OdOOnid", &x_obj, &rate, &s_obj, &e_obj, &points, &kind, &tol))
        return NULL;
    if (points < 2) {
        PyErr_SetString(glue_InputError, "points must be >= 2");
        return NULL;
    }
    x = as_double_array(x_obj);
    s = as_double_array(s_obj);
    e = as_double_array(e_obj);
    if (!x || !s || !e)
        goto error;
    size_t outer, n, inner;
    if (axis_layout(x, 0, &outer, &n, &inner) < 0)
        goto error;
    size_t n_cycles = (size_t)PyArray_SIZE(s);
    if ((size_t)PyArray_SIZE(e) != n_cycles) {
        PyErr_SetString(glue_InputError, "starts_s and ends_s must have the same length");
        goto error;
    }
    int ndim = PyArray_NDIM(x);
    npy_intp dims[NPY_MAXDIMS + 1];
    dims[0] = (npy_intp)n_cycles;
    dims[1] = points;
    for (int d = 1; d < ndim && d < NPY_MAXDIMS; d++)
        dims[d + 1] = PyArray_DIM(x, d);
    if (ndim + 1 > NPY_MAXDIMS) {
        PyErr_SetString(glue_InputError, "x has too many dimensions");
        goto error;
    }
    out = (PyArrayObject *)PyArray_SimpleNew(ndim + 1, dims, NPY_DOUBLE);
    if (!out)
        goto error;
    int status;
    Py_BEGIN_ALLOW_THREADS
    status = gc_cycles_normalize(PyArray_DATA(x), n, inner, rate, PyArray_DATA(s), PyArray_DATA(e),
                                 n_cycles, (size_t)points, kind, tol, PyArray_DATA(out));
    Py_END_ALLOW_THREADS
    if (status != GC_OK) {
        raise_status(status, "normalize_cycles");
        goto error;
    }
    Py_DECREF(x);
    Py_DECREF(s);
    Py_DECREF(e);
    return (PyObject *)out;
error:
    Py_XDECREF(x);
    Py_XDECREF(s);
    Py_XDECREF(e);
    Py_XDECREF(out);
    return NULL;
}

/* ---- events ------------------------------------------------------------- */

static PyObject *py_detect_contacts(PyObject *Py_UNUSED(self), PyObject *args)
{
    PyObject *fz_obj;
    double rate, on, off, min_contact_s, min_flight_s;
    PyArrayObject *fz = NULL, *on_arr = NULL, *off_arr = NULL, *flag_arr = NULL;
    gc_contact *buf = NULL;
    if (!PyArg_ParseTuple(args, "Oddddd", &fz_obj, &rate, &on, &off, &min_contact_s, &min_flight_s))
        return NULL;
    fz = as_double_ndim(fz_obj, 1, "fz");
    if (!fz)
        goto error;
    const size_t n = (size_t)PyArray_DIM(fz, 0);
    if (n == 0) {
        PyErr_SetString(glue_InputError, "fz is empty");
        goto error;
    }
    const size_t cap = gc_events_max_contacts(n);
    buf = PyMem_RawMalloc(cap * sizeof *buf);
    if (!buf) {
        PyErr_NoMemory();
        goto error;
    }
    size_t nc = 0;
    int status;
    Py_BEGIN_ALLOW_THREADS
    status = gc_events_contacts(PyArray_DATA(fz), n, rate, on, off, min_contact_s, min_flight_s,
                                buf, cap, &nc);
    Py_END_ALLOW_THREADS
    if (status != GC_OK) {
        raise_status(status, "detect_contacts");
        goto error;
    }
    npy_intp len = (npy_intp)nc;
    on_arr = (PyArrayObject *)PyArray_SimpleNew(1, &len, NPY_DOUBLE);
    off_arr = (PyArrayObject *)PyArray_SimpleNew(1, &len, NPY_DOUBLE);
    flag_arr = (PyArrayObject *)PyArray_SimpleNew(1, &len, NPY_UINT8);
    if (!on_arr || !off_arr || !flag_arr)
        goto error;
    double *on_s = PyArray_DATA(on_arr), *off_s = PyArray_DATA(off_arr);
    npy_uint8 *flags = PyArray_DATA(flag_arr);
    for (size_t k = 0; k < nc; k++) {
        on_s[k] = buf[k].on_s;
        off_s[k] = buf[k].off_s;
        flags[k] = (npy_uint8)buf[k].flags;
    }
    PyMem_RawFree(buf);
    Py_DECREF(fz);
    return Py_BuildValue("NNN", on_arr, off_arr, flag_arr);
error:
    PyMem_RawFree(buf);
    Py_XDECREF(fz);
    Py_XDECREF(on_arr);
    Py_XDECREF(off_arr);
    Py_XDECREF(flag_arr);
    return NULL;
}

static PyObject *py_flight_baseline(PyObject *Py_UNUSED(self), PyObject *args)
{
    PyObject *fz_obj, *on_obj, *off_obj;
    double rate;
    PyArrayObject *fz = NULL, *on = NULL, *off = NULL, *base = NULL;
    gc_contact *contacts = NULL;
    if (!PyArg_ParseTuple(args, "OdOO", &fz_obj, &rate, &on_obj, &off_obj))
        return NULL;
    fz = as_double_ndim(fz_obj, 1, "fz");
    on = fz ? as_double_ndim(on_obj, 1, "on_s") : NULL;
    off = on ? as_double_ndim(off_obj, 1, "off_s") : NULL;
    if (!off)
        goto error;
    const size_t n = (size_t)PyArray_DIM(fz, 0), nc = (size_t)PyArray_DIM(on, 0);
    if ((size_t)PyArray_DIM(off, 0) != nc || n == 0) {
        PyErr_SetString(glue_InputError, "on_s and off_s must have the same length, fz non-empty");
        goto error;
    }
    contacts = PyMem_RawMalloc((nc + 1) * sizeof *contacts);
    base = (PyArrayObject *)PyArray_SimpleNew(1, PyArray_DIMS(fz), NPY_DOUBLE);
    if (!contacts || !base) {
        if (!contacts)
            PyErr_NoMemory();
        goto error;
    }
    const double *on_s = PyArray_DATA(on), *off_s = PyArray_DATA(off);
    for (size_t k = 0; k < nc; k++) {
        contacts[k].on_s = on_s[k];
        contacts[k].off_s = off_s[k];
        contacts[k].flags = 0;
    }
    int status;
    Py_BEGIN_ALLOW_THREADS
    status = gc_events_flight_baseline(PyArray_DATA(fz), n, rate, contacts, nc, PyArray_DATA(base));
    Py_END_ALLOW_THREADS
    if (status != GC_OK) {
        raise_status(status, "flight_baseline");
        goto error;
    }
    PyMem_RawFree(contacts);
    Py_DECREF(fz);
    Py_DECREF(on);
    Py_DECREF(off);
    return (PyObject *)base;
error:
    PyMem_RawFree(contacts);
    Py_XDECREF(fz);
    Py_XDECREF(on);
    Py_XDECREF(off);
    Py_XDECREF(base);
    return NULL;
}

/* ---- kinematics --------------------------------------------------------- */

/* The input arrays of one call, released together. */
typedef struct {
    PyArrayObject *arr[6];
    int count;
} kin_inputs;

static void kin_release(kin_inputs *in)
{
    for (int k = 0; k < in->count; k++)
        Py_XDECREF(in->arr[k]);
    in->count = 0;
}

/* Take obj as C-contiguous float64 of shape (n, 3) (inner 3) or (n, 3, 3) (inner 9);
 * *n comes from the first array (pass -1) and is checked on the others.  inner 99
 * accepts either (3, 3) (a constant frame, *stride = 0) or (n, 3, 3) (*stride = 9). */
static double *kin_in(kin_inputs *in, PyObject *obj, int inner, npy_intp *n, const char *name,
                      size_t *stride)
{
    PyArrayObject *arr = as_double_array(obj);
    if (!arr)
        return NULL;
    in->arr[in->count++] = arr;
    const int ndim = PyArray_NDIM(arr);
    const npy_intp *sh = PyArray_DIMS(arr);
    int ok;
    if (inner == 3)
        ok = ndim == 2 && sh[1] == 3;
    else if (inner == 99 && ndim == 2)
        ok = sh[0] == 3 && sh[1] == 3;
    else
        ok = ndim == 3 && sh[1] == 3 && sh[2] == 3;
    if (ok && ndim > (inner == 3 ? 1 : 2) && *n >= 0 && sh[0] != *n)
        ok = 0;
    if (!ok) {
        PyErr_Format(glue_InputError, "%s has shape incompatible with (n, 3%s) or differs in n",
                     name, inner == 3 ? "" : ", 3");
        return NULL;
    }
    if (stride)
        *stride = ndim == 2 && inner == 99 ? 0 : 9;
    if (!(inner == 99 && ndim == 2))
        *n = sh[0];
    return (double *)PyArray_DATA(arr);
}

static PyArrayObject *kin_out(npy_intp n, int inner)
{
    npy_intp dims[3] = {n, 3, 3};
    int nd = inner == 1 ? 1 : (inner == 3 ? 2 : 3);
    return (PyArrayObject *)PyArray_SimpleNew(nd, dims, NPY_DOUBLE);
}

#define KD(a) ((double *)PyArray_DATA(a))

static PyObject *kin_finish(int st, const char *what, kin_inputs *in, PyArrayObject *a, PyArrayObject *b)
{
    kin_release(in);
    if (st != GC_OK) {
        Py_XDECREF(a);
        Py_XDECREF(b);
        return raise_status(st, what);
    }
    if (b)
        return Py_BuildValue("NN", a, b);
    return (PyObject *)a;
}

static PyObject *py_kin_pelvis(PyObject *Py_UNUSED(self), PyObject *args)
{
    PyObject *o[4];
    if (!PyArg_ParseTuple(args, "OOOO", &o[0], &o[1], &o[2], &o[3]))
        return NULL;
    kin_inputs in = {{NULL}, 0};
    PyArrayObject *origin = NULL, *frames = NULL;
    static const char *names[4] = {"lasi", "rasi", "lpsi", "rpsi"};
    double *m[4];
    npy_intp n = -1;
    int st;
    for (int k = 0; k < 4; k++)
        if (!(m[k] = kin_in(&in, o[k], 3, &n, names[k], NULL)))
            goto fail;
    if (!(origin = kin_out(n, 3)) || !(frames = kin_out(n, 9)))
        goto fail;
    Py_BEGIN_ALLOW_THREADS
    st = gc_kin_pelvis((size_t)n, m[0], m[1], m[2], m[3], KD(origin), KD(frames));
    Py_END_ALLOW_THREADS
    return kin_finish(st, "pelvis", &in, origin, frames);
fail:
    kin_release(&in);
    Py_XDECREF(origin);
    Py_XDECREF(frames);
    return NULL;
}

static PyObject *py_kin_hjc(PyObject *Py_UNUSED(self), PyObject *args)
{
    PyObject *oo, *fo;
    gc_kin_hjc_params p;
    int side;
    if (!PyArg_ParseTuple(args, "OOidddddii", &oo, &fo, &p.method, &p.pelvic_width_mm,
                          &p.pelvic_depth_mm, &p.leg_length_mm, &p.asis_trochanter_mm,
                          &p.marker_radius_mm, &p.harrington_leg_length, &side))
        return NULL;
    kin_inputs in = {{NULL}, 0};
    PyArrayObject *out = NULL;
    npy_intp n = -1;
    int st;
    double *o = kin_in(&in, oo, 3, &n, "origin", NULL);
    double *f = o ? kin_in(&in, fo, 9, &n, "frames", NULL) : NULL;
    if (!f || !(out = kin_out(n, 3)))
        goto fail;
    Py_BEGIN_ALLOW_THREADS
    st = gc_kin_hjc((size_t)n, o, f, &p, side, KD(out));
    Py_END_ALLOW_THREADS
    return kin_finish(st, "hip joint centre", &in, out, NULL);
fail:
    kin_release(&in);
    Py_XDECREF(out);
    return NULL;
}

static PyObject *py_kin_chord(PyObject *Py_UNUSED(self), PyObject *args)
{
    PyObject *po, *wo, *lo, *mo;
    double delta;
    if (!PyArg_ParseTuple(args, "OOOOd", &po, &wo, &lo, &mo, &delta))
        return NULL;
    kin_inputs in = {{NULL}, 0};
    PyArrayObject *out = NULL;
    npy_intp n = -1;
    int st;
    double *p = kin_in(&in, po, 3, &n, "prox", NULL);
    double *w = p ? kin_in(&in, wo, 3, &n, "wand", NULL) : NULL;
    double *l = w ? kin_in(&in, lo, 3, &n, "lat", NULL) : NULL;
    double *md = l ? kin_in(&in, mo, 3, &n, "medial", NULL) : NULL;
    if (!md || !(out = kin_out(n, 3)))
        goto fail;
    Py_BEGIN_ALLOW_THREADS
    st = gc_kin_chord((size_t)n, p, w, l, md, delta, KD(out));
    Py_END_ALLOW_THREADS
    return kin_finish(st, "chord joint centre", &in, out, NULL);
fail:
    kin_release(&in);
    Py_XDECREF(out);
    return NULL;
}

static PyObject *py_kin_segment(PyObject *Py_UNUSED(self), PyObject *args)
{
    PyObject *po, *dob, *lo;
    int side;
    if (!PyArg_ParseTuple(args, "OOOi", &po, &dob, &lo, &side))
        return NULL;
    kin_inputs in = {{NULL}, 0};
    PyArrayObject *out = NULL;
    npy_intp n = -1;
    int st;
    double *p = kin_in(&in, po, 3, &n, "prox_jc", NULL);
    double *d = p ? kin_in(&in, dob, 3, &n, "dist_jc", NULL) : NULL;
    double *l = d ? kin_in(&in, lo, 3, &n, "lat", NULL) : NULL;
    if (!l || !(out = kin_out(n, 9)))
        goto fail;
    Py_BEGIN_ALLOW_THREADS
    st = gc_kin_segment((size_t)n, p, d, l, side, KD(out));
    Py_END_ALLOW_THREADS
    return kin_finish(st, "segment frame", &in, out, NULL);
fail:
    kin_release(&in);
    Py_XDECREF(out);
    return NULL;
}

static PyObject *py_kin_foot(PyObject *Py_UNUSED(self), PyObject *args)
{
    PyObject *ao, *to, *so;
    if (!PyArg_ParseTuple(args, "OOO", &ao, &to, &so))
        return NULL;
    kin_inputs in = {{NULL}, 0};
    PyArrayObject *out = NULL;
    npy_intp n = -1;
    int st;
    double *a = kin_in(&in, ao, 3, &n, "ajc", NULL);
    double *t = a ? kin_in(&in, to, 3, &n, "toe", NULL) : NULL;
    double *s = t ? kin_in(&in, so, 9, &n, "shank", NULL) : NULL;
    if (!s || !(out = kin_out(n, 9)))
        goto fail;
    Py_BEGIN_ALLOW_THREADS
    st = gc_kin_foot((size_t)n, a, t, s, KD(out));
    Py_END_ALLOW_THREADS
    return kin_finish(st, "foot frame", &in, out, NULL);
fail:
    kin_release(&in);
    Py_XDECREF(out);
    return NULL;
}

static PyObject *py_kin_thorax(PyObject *Py_UNUSED(self), PyObject *args)
{
    PyObject *c7o, *t10o, *clo, *sto;
    if (!PyArg_ParseTuple(args, "OOOO", &c7o, &t10o, &clo, &sto))
        return NULL;
    kin_inputs in = {{NULL}, 0};
    PyArrayObject *origin = NULL, *frames = NULL;
    npy_intp n = -1;
    int st;
    double *c7 = kin_in(&in, c7o, 3, &n, "c7", NULL), *t10 = NULL;
    if (c7 && t10o != Py_None && !(t10 = kin_in(&in, t10o, 3, &n, "t10", NULL)))
        goto fail;
    double *cl = c7 ? kin_in(&in, clo, 3, &n, "clav", NULL) : NULL;
    double *sn = cl ? kin_in(&in, sto, 3, &n, "strn", NULL) : NULL;
    if (!sn || !(origin = kin_out(n, 3)) || !(frames = kin_out(n, 9)))
        goto fail;
    Py_BEGIN_ALLOW_THREADS
    st = gc_kin_thorax((size_t)n, c7, t10, cl, sn, KD(origin), KD(frames));
    Py_END_ALLOW_THREADS
    return kin_finish(st, "thorax", &in, origin, frames);
fail:
    kin_release(&in);
    Py_XDECREF(origin);
    Py_XDECREF(frames);
    return NULL;
}

static PyObject *py_kin_cluster(PyObject *Py_UNUSED(self), PyObject *args)
{
    PyObject *o[3];
    if (!PyArg_ParseTuple(args, "OOO", &o[0], &o[1], &o[2]))
        return NULL;
    kin_inputs in = {{NULL}, 0};
    PyArrayObject *origin = NULL, *frames = NULL;
    double *m[3];
    npy_intp n = -1;
    int st;
    for (int k = 0; k < 3; k++)
        if (!(m[k] = kin_in(&in, o[k], 3, &n, "cluster marker", NULL)))
            goto fail;
    if (!(origin = kin_out(n, 3)) || !(frames = kin_out(n, 9)))
        goto fail;
    Py_BEGIN_ALLOW_THREADS
    st = gc_kin_cluster((size_t)n, m[0], m[1], m[2], KD(origin), KD(frames));
    Py_END_ALLOW_THREADS
    return kin_finish(st, "cluster", &in, origin, frames);
fail:
    kin_release(&in);
    Py_XDECREF(origin);
    Py_XDECREF(frames);
    return NULL;
}

/* kin_score(rot_p (n, 3, 3), org_p (n, 3), rot_t (n, 3, 3), org_t (n, 3))
 *   -> (c_p (3,), c_t (3,), rms_mm, conditioning). */
static PyObject *py_kin_score(PyObject *Py_UNUSED(self), PyObject *args)
{
    PyObject *o[4];
    if (!PyArg_ParseTuple(args, "OOOO", &o[0], &o[1], &o[2], &o[3]))
        return NULL;
    kin_inputs in = {{NULL}, 0};
    PyArrayObject *cp = NULL, *ct = NULL;
    npy_intp n = -1;
    double *rp, *op, *rt, *ot, rms = NAN, cond = NAN;
    if (!(rp = kin_in(&in, o[0], 9, &n, "rot_p", NULL)) || !(op = kin_in(&in, o[1], 3, &n, "org_p", NULL)) ||
        !(rt = kin_in(&in, o[2], 9, &n, "rot_t", NULL)) || !(ot = kin_in(&in, o[3], 3, &n, "org_t", NULL)))
        goto error;
    npy_intp three = 3;
    if (!(cp = (PyArrayObject *)PyArray_SimpleNew(1, &three, NPY_DOUBLE)) ||
        !(ct = (PyArrayObject *)PyArray_SimpleNew(1, &three, NPY_DOUBLE)))
        goto error;
    int st;
    Py_BEGIN_ALLOW_THREADS
    st = gc_cluster_score((size_t)n, rp, op, rt, ot, KD(cp), KD(ct), &rms, &cond);
    Py_END_ALLOW_THREADS
    kin_release(&in);
    if (st != GC_OK) {
        Py_DECREF(cp);
        Py_DECREF(ct);
        return raise_status(st, "SCoRE (functional joint centre)");
    }
    return Py_BuildValue("NNdd", cp, ct, rms, cond);
error:
    kin_release(&in);
    Py_XDECREF(cp);
    Py_XDECREF(ct);
    return NULL;
}

/* kin_rigid_fit(reference (k, 3), points (n, k, 3)) -> (rot (n, 3, 3), trans (n, 3)). */
static PyObject *py_kin_rigid_fit(PyObject *Py_UNUSED(self), PyObject *args)
{
    PyObject *ro, *po;
    if (!PyArg_ParseTuple(args, "OO", &ro, &po))
        return NULL;
    PyArrayObject *ref = NULL, *pts = NULL, *rot = NULL, *trans = NULL;
    int st;
    if (!(ref = as_double_array(ro)) || !(pts = as_double_array(po)))
        goto fail;
    if (PyArray_NDIM(ref) != 2 || PyArray_DIM(ref, 1) != 3 || PyArray_DIM(ref, 0) < 1 || PyArray_NDIM(pts) != 3 ||
        PyArray_DIM(pts, 1) != PyArray_DIM(ref, 0) || PyArray_DIM(pts, 2) != 3) {
        PyErr_SetString(glue_InputError, "rigid_fit: reference must be (k, 3) with k >= 1 and points (n, k, 3)");
        goto fail;
    }
    npy_intp n = PyArray_DIM(pts, 0), k = PyArray_DIM(ref, 0);
    if (!(rot = kin_out(n, 9)) || !(trans = kin_out(n, 3)))
        goto fail;
    Py_BEGIN_ALLOW_THREADS
    st = gc_cluster_rigid_fit((size_t)n, (size_t)k, KD(ref), KD(pts), KD(rot), KD(trans));
    Py_END_ALLOW_THREADS
    Py_DECREF(ref);
    Py_DECREF(pts);
    if (st != GC_OK) {
        Py_DECREF(rot);
        Py_DECREF(trans);
        return raise_status(st, "rigid_fit");
    }
    return Py_BuildValue("NN", rot, trans);
fail:
    Py_XDECREF(ref);
    Py_XDECREF(pts);
    Py_XDECREF(rot);
    Py_XDECREF(trans);
    return NULL;
}

/* to_local / to_global share one wrapper; closure flag 0 = to local, 1 = to global. */
static PyObject *kin_transform(PyObject *args, int to_global)
{
    PyObject *oo, *fo, *po;
    if (!PyArg_ParseTuple(args, "OOO", &oo, &fo, &po))
        return NULL;
    kin_inputs in = {{NULL}, 0};
    PyArrayObject *out = NULL;
    npy_intp n = -1;
    int st;
    double *o = kin_in(&in, oo, 3, &n, "origin", NULL);
    double *f = o ? kin_in(&in, fo, 9, &n, "frames", NULL) : NULL;
    double *p = f ? kin_in(&in, po, 3, &n, "points", NULL) : NULL;
    if (!p || !(out = kin_out(n, 3)))
        goto fail;
    Py_BEGIN_ALLOW_THREADS
    st = to_global ? gc_kin_to_global((size_t)n, o, f, p, KD(out)) : gc_kin_to_local((size_t)n, o, f, p, KD(out));
    Py_END_ALLOW_THREADS
    return kin_finish(st, "transform", &in, out, NULL);
fail:
    kin_release(&in);
    Py_XDECREF(out);
    return NULL;
}

static PyObject *py_kin_to_local(PyObject *Py_UNUSED(self), PyObject *args) { return kin_transform(args, 0); }
static PyObject *py_kin_to_global(PyObject *Py_UNUSED(self), PyObject *args) { return kin_transform(args, 1); }

static PyObject *py_kin_travel_direction(PyObject *Py_UNUSED(self), PyObject *args)
{
    PyObject *oo, *fo;
    double up[3], min_disp;
    if (!PyArg_ParseTuple(args, "OO(ddd)d", &oo, &fo, &up[0], &up[1], &up[2], &min_disp))
        return NULL;
    kin_inputs in = {{NULL}, 0};
    npy_intp n = -1;
    int st, treadmill = 0;
    double dir[3];
    double *o = kin_in(&in, oo, 3, &n, "origin", NULL);
    double *f = o ? kin_in(&in, fo, 9, &n, "frames", NULL) : NULL;
    if (!f) {
        kin_release(&in);
        return NULL;
    }
    Py_BEGIN_ALLOW_THREADS
    st = gc_kin_travel_direction((size_t)n, o, f, up, min_disp, dir, &treadmill);
    Py_END_ALLOW_THREADS
    kin_release(&in);
    if (st != GC_OK)
        return raise_status(st, "direction of travel");
    return Py_BuildValue("(ddd)O", dir[0], dir[1], dir[2], treadmill ? Py_True : Py_False);
}

static PyObject *py_kin_progression_frame(PyObject *Py_UNUSED(self), PyObject *args)
{
    double dir[3], up[3];
    if (!PyArg_ParseTuple(args, "(ddd)(ddd)", &dir[0], &dir[1], &dir[2], &up[0], &up[1], &up[2]))
        return NULL;
    npy_intp dims[2] = {3, 3};
    PyArrayObject *out = (PyArrayObject *)PyArray_SimpleNew(2, dims, NPY_DOUBLE);
    if (!out)
        return NULL;
    int st = gc_kin_progression_frame(dir, up, KD(out));
    if (st != GC_OK) {
        Py_DECREF(out);
        return raise_status(st, "progression frame (direction of travel vertical or zero?)");
    }
    return (PyObject *)out;
}

/* cardan(prox, dist, sequence) -> radians; angles(prox, dist, joint, side) -> degrees.
 * prox is (3, 3) (a constant frame) or (n, 3, 3). */
static PyObject *kin_cardan_or_angles(PyObject *args, int clinical)
{
    PyObject *po, *dob;
    int code, side = 1;
    if (clinical ? !PyArg_ParseTuple(args, "OOii", &po, &dob, &code, &side)
                 : !PyArg_ParseTuple(args, "OOi", &po, &dob, &code))
        return NULL;
    kin_inputs in = {{NULL}, 0};
    PyArrayObject *out = NULL;
    npy_intp n = -1;
    size_t stride = 9;
    int st;
    double *d = kin_in(&in, dob, 9, &n, "dist", NULL);
    double *p = d ? kin_in(&in, po, 99, &n, "prox", &stride) : NULL;
    if (!p || !(out = kin_out(n, 3)))
        goto fail;
    Py_BEGIN_ALLOW_THREADS
    st = clinical ? gc_kin_angles((size_t)n, p, stride, d, code, side, KD(out))
                  : gc_kin_cardan((size_t)n, p, stride, d, code, KD(out));
    Py_END_ALLOW_THREADS
    return kin_finish(st, clinical ? "joint angles" : "cardan", &in, out, NULL);
fail:
    kin_release(&in);
    Py_XDECREF(out);
    return NULL;
}

static PyObject *py_kin_cardan(PyObject *Py_UNUSED(self), PyObject *args) { return kin_cardan_or_angles(args, 0); }
static PyObject *py_kin_angles(PyObject *Py_UNUSED(self), PyObject *args) { return kin_cardan_or_angles(args, 1); }

static PyObject *py_kin_lean(PyObject *Py_UNUSED(self), PyObject *args)
{
    PyObject *to, *bo, *fo;
    if (!PyArg_ParseTuple(args, "OOO", &to, &bo, &fo))
        return NULL;
    kin_inputs in = {{NULL}, 0};
    PyArrayObject *out = NULL;
    npy_intp n = -1;
    size_t stride = 9;
    int st;
    double *t = kin_in(&in, to, 3, &n, "top", NULL);
    double *b = t ? kin_in(&in, bo, 3, &n, "bottom", NULL) : NULL;
    double *f = b ? kin_in(&in, fo, 99, &n, "progression frame", &stride) : NULL;
    if (f && stride != 0) {
        PyErr_SetString(glue_InputError, "progression frame must have shape (3, 3)");
        goto fail;
    }
    if (!f || !(out = kin_out(n, 1)))
        goto fail;
    Py_BEGIN_ALLOW_THREADS
    st = gc_kin_lean((size_t)n, t, b, f, KD(out));
    Py_END_ALLOW_THREADS
    return kin_finish(st, "lean", &in, out, NULL);
fail:
    kin_release(&in);
    Py_XDECREF(out);
    return NULL;
}

/* ---- C3D data section -------------------------------------------------------------- */

/* c3d_decode(data, start, layout tuple, analog_offset, analog_scale) -> (xyz, residual, analog).
 * layout = (processor, is_float, analog_unsigned, n_frames, n_points, n_analog, per_frame,
 * point_scale).  The byte count is checked against len(data) - start before any allocation. */
static PyObject *py_c3d_decode(PyObject *Py_UNUSED(self), PyObject *args)
{
    Py_buffer buf = {0};
    Py_ssize_t start;
    int processor, is_float, is_unsigned;
    unsigned long long n_frames, n_points, n_analog, per_frame;
    double point_scale;
    PyObject *off_obj, *scale_obj;
    PyArrayObject *off = NULL, *scale = NULL, *xyz = NULL, *res = NULL, *ana = NULL;
    if (!PyArg_ParseTuple(args, "y*n(iiiKKKKd)OO", &buf, &start, &processor, &is_float, &is_unsigned,
                          &n_frames, &n_points, &n_analog, &per_frame, &point_scale, &off_obj, &scale_obj))
        return NULL;
    struct gc_c3d_layout lay = {processor, is_float, is_unsigned, (size_t)n_frames, (size_t)n_points,
                                (size_t)n_analog, (size_t)per_frame, point_scale};
    size_t need = 0, m = 0;
    if (start < 0 || start > buf.len || gc_c3d_data_size(&lay, &need) != GC_OK
        || need > (size_t)(buf.len - start) || n_frames > (unsigned long long)NPY_MAX_INTP / 4
        || (per_frame && n_frames * per_frame / per_frame != n_frames)) {
        PyErr_SetString(glue_InputError, "c3d_decode: the data section is shorter than its layout says");
        goto error;
    }
    m = (size_t)(n_frames * per_frame);
    if (!(off = as_double_ndim(off_obj, 1, "analog_offset")) || !(scale = as_double_ndim(scale_obj, 1, "analog_scale")))
        goto error;
    if ((size_t)PyArray_DIM(off, 0) != lay.n_analog || (size_t)PyArray_DIM(scale, 0) != lay.n_analog) {
        PyErr_SetString(glue_InputError, "c3d_decode: analog_offset and analog_scale need one value per channel");
        goto error;
    }
    npy_intp xyz_dims[3] = {(npy_intp)n_points, (npy_intp)n_frames, 3};
    npy_intp ana_dims[2] = {(npy_intp)n_analog, (npy_intp)m};
    if (!(xyz = (PyArrayObject *)PyArray_SimpleNew(3, xyz_dims, NPY_DOUBLE))
        || !(res = (PyArrayObject *)PyArray_SimpleNew(2, xyz_dims, NPY_DOUBLE))
        || !(ana = (PyArrayObject *)PyArray_SimpleNew(2, ana_dims, NPY_DOUBLE)))
        goto error;
    int st;
    const unsigned char *bytes = (const unsigned char *)buf.buf + start;
    const size_t avail = (size_t)(buf.len - start);
    Py_BEGIN_ALLOW_THREADS
    st = gc_c3d_decode(bytes, avail, &lay, (const double *)PyArray_DATA(off), (const double *)PyArray_DATA(scale),
                       (double *)PyArray_DATA(xyz), (double *)PyArray_DATA(res), (double *)PyArray_DATA(ana));
    Py_END_ALLOW_THREADS
    if (st != GC_OK) {
        raise_status(st, "c3d_decode");
        goto error;
    }
    PyBuffer_Release(&buf);
    Py_DECREF(off);
    Py_DECREF(scale);
    return Py_BuildValue("NNN", xyz, res, ana);
error:
    PyBuffer_Release(&buf);
    Py_XDECREF(off);
    Py_XDECREF(scale);
    Py_XDECREF(xyz);
    Py_XDECREF(res);
    Py_XDECREF(ana);
    return NULL;
}

/* ---- numeric tables of text files ---------------------------------------------------- */

/* text_table(data, start, n_cols, whitespace) -> (table (rows, n_cols), bad_row, bad_col).
 * bad_row/bad_col are 1-based and 0 when every row parsed.  The caller bounds rows * n_cols. */
static PyObject *py_text_table(PyObject *Py_UNUSED(self), PyObject *args)
{
    Py_buffer buf = {0};
    Py_ssize_t start, n_cols;
    int whitespace;
    PyArrayObject *out = NULL;
    if (!PyArg_ParseTuple(args, "y*nnp", &buf, &start, &n_cols, &whitespace))
        return NULL;
    size_t rows = 0, bad_row = 0, bad_col = 0;
    if (start < 0 || start > buf.len || n_cols < 0) {
        PyErr_SetString(glue_InputError, "text_table: start or n_cols out of range");
        goto error;
    }
    const char *text = (const char *)buf.buf + start;
    const size_t len = (size_t)(buf.len - start);
    int st;
    Py_BEGIN_ALLOW_THREADS
    st = gc_text_count_rows(text, len, &rows);
    Py_END_ALLOW_THREADS
    /* Each cell of a real row takes at least one byte: a header declaring far more columns
     * than the rows hold must not allocate rows x n_cols doubles. */
    if (st != GC_OK || (n_cols && rows > (2 * len + 1000000) / (size_t)n_cols)) {
        PyErr_SetString(glue_InputError, "the header declares far more columns than the rows hold");
        goto error;
    }
    npy_intp dims[2] = {(npy_intp)rows, (npy_intp)n_cols};
    if (!(out = (PyArrayObject *)PyArray_SimpleNew(2, dims, NPY_DOUBLE)))
        goto error;
    Py_BEGIN_ALLOW_THREADS
    st = gc_text_parse(text, len, whitespace, (size_t)n_cols, rows, (double *)PyArray_DATA(out), &bad_row, &bad_col);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&buf);
    if (st != GC_OK && !bad_row)
        bad_row = rows;  /* cannot happen: the rows were counted on the same bytes */
    return Py_BuildValue("Nnn", out, (Py_ssize_t)bad_row, (Py_ssize_t)bad_col);
error:
    PyBuffer_Release(&buf);
    Py_XDECREF(out);
    return NULL;
}

static PyMethodDef core_methods[] = {
    {"butter", py_butter, METH_VARARGS,
     "butter(order, wn) -> (b, a): digital Butterworth low-pass, wn in (0, 1)."},
    {"butter_sos", py_butter_sos, METH_VARARGS,
     "butter_sos(order, wn) -> sos: the same filter as unit-gain second-order sections."},
    {"lowpass", py_lowpass, METH_VARARGS,
     "lowpass(x, wn, order, axis) -> y: zero-lag Butterworth over finite runs."},
    {"fill_gaps", py_fill_gaps, METH_VARARGS,
     "fill_gaps(x, max_gap, support, axis) -> (y, mask): cubic-spline gap filling."},
    {"cadence", py_cadence, METH_VARARGS,
     "cadence(x, nperseg, rate, kind, lo_hz, hi_hz, fmax_hz) -> (psd, step_hz, peak_hz, harmonic, quality)."},
    {"cadence_track", py_cadence_track, METH_VARARGS,
     "cadence_track(x, nperseg, hop, rate, kind, lo_hz, hi_hz, fmax_hz) -> (time_s, step_hz, quality)."},
    {"t_sf", py_t_sf, METH_VARARGS, "t_sf(t, df) -> P(T_df > t), elementwise (GSL)."},
    {"t_isf", py_t_isf, METH_VARARGS, "t_isf(p, df) -> t with P(T_df > t) = p, elementwise (GSL)."},
    {"spm_ttest2_df", py_spm_ttest2_df, METH_VARARGS,
     "spm_ttest2_df(ya, yb) -> df: ReML effective df of the two-sample test, unequal variances."},
    {"spm_threshold", py_spm_threshold, METH_VARARGS,
     "spm_threshold(alpha, df, r0, r1, nodes) -> u: RFT critical threshold (Brent)."},
    {"spm_rft", py_spm_rft, METH_VARARGS,
     "spm_rft(what, u, df, r0, r1, extra) -> float: 0 E_c, 1 p_max(nodes), 2 cluster p(k_resels)."},
    {"spm_clusters", py_spm_clusters, METH_VARARGS,
     "spm_clusters(z, u, df, fwhm, r0, r1, two_tailed) -> (clusters, p_set)."},
    {"normalize_cycles", py_normalize_cycles, METH_VARARGS,
     "normalize_cycles(x, rate, starts_s, ends_s, points, kind, nan_tolerance) -> cycles."},
{"detect_contacts", py_detect_contacts, METH_VARARGS,
     "detect_contacts(fz, rate, on, off, min_contact_s, min_flight_s) -> (on_s, off_s, flags)."},
    {"flight_baseline", py_flight_baseline, METH_VARARGS,
     "flight_baseline(fz, rate, on_s, off_s) -> baseline: mid-flight drift baseline."},
    {"kin_pelvis", py_kin_pelvis, METH_VARARGS, "kin_pelvis(lasi, rasi, lpsi, rpsi) -> (origin, frames)."},
    {"kin_hjc", py_kin_hjc, METH_VARARGS,
     "kin_hjc(origin, frames, method, pw, pd, ll, atd, marker_radius, harrington_ll, side) -> hjc."},
    {"kin_chord", py_kin_chord, METH_VARARGS, "kin_chord(prox, wand, lat, medial, delta) -> joint centre."},
    {"kin_segment", py_kin_segment, METH_VARARGS, "kin_segment(prox_jc, dist_jc, lat, side) -> frames."},
    {"kin_foot", py_kin_foot, METH_VARARGS, "kin_foot(ajc, toe, shank_frames) -> frames."},
    {"kin_thorax", py_kin_thorax, METH_VARARGS, "kin_thorax(c7, t10 or None, clav, strn) -> (origin, frames)."},
    {"kin_cluster", py_kin_cluster, METH_VARARGS, "kin_cluster(m1, m2, m3) -> (origin, frames)."},
    {"kin_score", py_kin_score, METH_VARARGS,
     "kin_score(rot_p, org_p, rot_t, org_t) -> (c_p, c_t, rms_mm, conditioning): SCoRE."},
    {"kin_rigid_fit", py_kin_rigid_fit, METH_VARARGS,
     "kin_rigid_fit(reference (k, 3), points (n, k, 3)) -> (rot (n, 3, 3), trans (n, 3))."},
    {"kin_to_local", py_kin_to_local, METH_VARARGS, "kin_to_local(origin, frames, points) -> local."},
    {"kin_to_global", py_kin_to_global, METH_VARARGS, "kin_to_global(origin, frames, local) -> points."},
    {"kin_travel_direction", py_kin_travel_direction, METH_VARARGS,
     "kin_travel_direction(origin, frames, up, min_displacement_mm) -> (dir, treadmill)."},
    {"kin_progression_frame", py_kin_progression_frame, METH_VARARGS, "kin_progression_frame(dir, up) -> (3, 3)."},
    {"kin_cardan", py_kin_cardan, METH_VARARGS, "kin_cardan(prox, dist, sequence) -> (n, 3) radians."},
    {"kin_angles", py_kin_angles, METH_VARARGS, "kin_angles(prox, dist, joint, side) -> (n, 3) degrees."},
    {"kin_lean", py_kin_lean, METH_VARARGS, "kin_lean(top, bottom, prog) -> (n,) degrees."},
    {"text_table", py_text_table, METH_VARARGS,
     "text_table(data, start, n_cols, whitespace) -> (table (rows, n_cols), bad_row, bad_col)."},
    {"c3d_decode", py_c3d_decode, METH_VARARGS,
     "c3d_decode(data, start, (processor, is_float, unsigned, n_frames, n_points, n_analog, per_frame, "
     "point_scale), analog_offset, analog_scale) -> (xyz (P, n, 3), residual (P, n), analog (A, n*per_frame))."},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef core_module = {
    PyModuleDef_HEAD_INIT, "gaitcore._core",
    "gaitcore's C analysis core (use the functions in the gaitcore package).", -1,
    core_methods, NULL, NULL, NULL, NULL
};

PyMODINIT_FUNC PyInit__core(void)
{
    import_array();
    gsl_set_error_handler_off();  /* the core reads GSL status codes; never abort */
    PyObject *errors = PyImport_ImportModule("gaitcore._errors");
    if (!errors)
        return NULL;
    glue_InputError = PyObject_GetAttrString(errors, "InputError");
    glue_ComputationError = PyObject_GetAttrString(errors, "ComputationError");
    Py_DECREF(errors);
    if (!glue_InputError || !glue_ComputationError)
        return NULL;
    PyObject *m = PyModule_Create(&core_module);
    if (m && glue_glm_register(m) < 0)
        Py_CLEAR(m);
    return m;
}
