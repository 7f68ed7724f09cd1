/*
 * _coremodule.c -- the only file that touches Python and NumPy.
 *
 * Each wrapper converts its arguments (PyArray_FROM_OTF to aligned, C-contiguous
 * float64), allocates outputs while holding the GIL, runs the C core with the GIL
 * released, and maps the core's status to a Python exception.  Argument checks with
 * user-facing messages live in the Python layer (the gaitcore package); the checks here
 * only guarantee that no input can crash the interpreter.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#define NPY_NO_DEPRECATED_API NPY_2_0_API_VERSION
#include <numpy/arrayobject.h>

#include <gsl/gsl_errno.h>

#include "core/gaitcore.h"

/* Raise the Python exception matching a core status; returns NULL for chaining. */
static PyObject *raise_status(int status, const char *what)
{
    PyObject *type = PyExc_RuntimeError;
    switch (status) {
    case GC_EINVAL:
    case GC_ENOTFINITE:
    case GC_ETOOSHORT:
    case GC_ENODATA:
        type = PyExc_ValueError;
        break;
    case GC_ENOMEM:
        return PyErr_NoMemory();
    default:
        break;
    }
    PyErr_Format(type, "%s: %s", what, gc_strerror(status));
    return NULL;
}

/* View a C-contiguous array as (outer, n, inner) around `axis`. */
static int axis_layout(PyArrayObject *arr, int axis, size_t *outer, size_t *n, size_t *inner)
{
    const int ndim = PyArray_NDIM(arr);
    if (ndim == 0) {
        PyErr_SetString(PyExc_ValueError, "x must have at least one dimension");
        return -1;
    }
    if (axis < 0)
        axis += ndim;
    if (axis < 0 || axis >= ndim) {
        PyErr_Format(PyExc_ValueError, "axis out of range for an array of %d dimensions", ndim);
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

/* ---- filter ------------------------------------------------------------- */

static PyObject *py_butter(PyObject *Py_UNUSED(self), PyObject *args)
{
    Py_ssize_t order;
    double wn;
    if (!PyArg_ParseTuple(args, "nd", &order, &wn))
        return NULL;
    if (order < 1 || order > GC_FILTER_MAX_ORDER) {
        PyErr_Format(PyExc_ValueError, "order must be 1..%d", GC_FILTER_MAX_ORDER);
        return NULL;
    }
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
        PyErr_Format(PyExc_ValueError, "order must be 1..%d", GC_FILTER_MAX_ORDER);
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
    double b[GC_FILTER_MAX_ORDER + 1], a[GC_FILTER_MAX_ORDER + 1];
    int status = gc_filter_butter_lowpass((size_t)order, wn, b, a);
    if (status != GC_OK) {
        raise_status(status, "lowpass");
        goto error;
    }
    w = gc_filter_alloc((size_t)order, n);
    if (!w) {
        PyErr_NoMemory();
        goto error;
    }
    Py_BEGIN_ALLOW_THREADS
    status = gc_filter_filtfilt(w, b, a, PyArray_DATA(x), PyArray_DATA(y), outer, n, inner);
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
        PyErr_SetString(PyExc_ValueError, "max_gap must be >= 0 and support >= 2");
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
        PyErr_Format(PyExc_ValueError, "%s has shape incompatible with (n, 3%s) or differs in n",
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
        PyErr_SetString(PyExc_ValueError, "progression frame must have shape (3, 3)");
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

static PyMethodDef core_methods[] = {
    {"butter", py_butter, METH_VARARGS,
     "butter(order, wn) -> (b, a): digital Butterworth low-pass, wn in (0, 1)."},
    {"lowpass", py_lowpass, METH_VARARGS,
     "lowpass(x, wn, order, axis) -> y: zero-lag Butterworth over finite runs."},
    {"fill_gaps", py_fill_gaps, METH_VARARGS,
     "fill_gaps(x, max_gap, support, axis) -> (y, mask): cubic-spline gap filling."},
    {"kin_pelvis", py_kin_pelvis, METH_VARARGS, "kin_pelvis(lasi, rasi, lpsi, rpsi) -> (origin, frames)."},
    {"kin_hjc", py_kin_hjc, METH_VARARGS,
     "kin_hjc(origin, frames, method, pw, pd, ll, atd, marker_radius, harrington_ll, side) -> hjc."},
    {"kin_chord", py_kin_chord, METH_VARARGS, "kin_chord(prox, wand, lat, medial, delta) -> joint centre."},
    {"kin_segment", py_kin_segment, METH_VARARGS, "kin_segment(prox_jc, dist_jc, lat, side) -> frames."},
    {"kin_foot", py_kin_foot, METH_VARARGS, "kin_foot(ajc, toe, shank_frames) -> frames."},
    {"kin_thorax", py_kin_thorax, METH_VARARGS, "kin_thorax(c7, t10 or None, clav, strn) -> (origin, frames)."},
    {"kin_cluster", py_kin_cluster, METH_VARARGS, "kin_cluster(m1, m2, m3) -> (origin, frames)."},
    {"kin_to_local", py_kin_to_local, METH_VARARGS, "kin_to_local(origin, frames, points) -> local."},
    {"kin_to_global", py_kin_to_global, METH_VARARGS, "kin_to_global(origin, frames, local) -> points."},
    {"kin_travel_direction", py_kin_travel_direction, METH_VARARGS,
     "kin_travel_direction(origin, frames, up, min_displacement_mm) -> (dir, treadmill)."},
    {"kin_progression_frame", py_kin_progression_frame, METH_VARARGS, "kin_progression_frame(dir, up) -> (3, 3)."},
    {"kin_cardan", py_kin_cardan, METH_VARARGS, "kin_cardan(prox, dist, sequence) -> (n, 3) radians."},
    {"kin_angles", py_kin_angles, METH_VARARGS, "kin_angles(prox, dist, joint, side) -> (n, 3) degrees."},
    {"kin_lean", py_kin_lean, METH_VARARGS, "kin_lean(top, bottom, prog) -> (n,) degrees."},
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
    return PyModule_Create(&core_module);
}
