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

/* ---- events ------------------------------------------------------------- */

/* A 1-D float64 view of obj, or NULL with ValueError naming `what`. */
static PyArrayObject *as_double_vector(PyObject *obj, const char *what)
{
    PyArrayObject *arr = as_double_array(obj);
    if (arr && PyArray_NDIM(arr) != 1) {
        PyErr_Format(PyExc_ValueError, "%s must be 1-D, got %d dimensions", what, PyArray_NDIM(arr));
        Py_DECREF(arr);
        return NULL;
    }
    return arr;
}

static PyObject *py_detect_contacts(PyObject *Py_UNUSED(self), PyObject *args)
{
    PyObject *fz_obj;
    double rate, on, off, min_contact_s, min_flight_s;
    PyArrayObject *fz = NULL, *on_arr = NULL, *off_arr = NULL, *flag_arr = NULL;
    gc_contact *buf = NULL;
    if (!PyArg_ParseTuple(args, "Oddddd", &fz_obj, &rate, &on, &off, &min_contact_s, &min_flight_s))
        return NULL;
    fz = as_double_vector(fz_obj, "fz");
    if (!fz)
        goto error;
    const size_t n = (size_t)PyArray_DIM(fz, 0);
    if (n == 0) {
        PyErr_SetString(PyExc_ValueError, "fz is empty");
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
    fz = as_double_vector(fz_obj, "fz");
    on = fz ? as_double_vector(on_obj, "on_s") : NULL;
    off = on ? as_double_vector(off_obj, "off_s") : NULL;
    if (!off)
        goto error;
    const size_t n = (size_t)PyArray_DIM(fz, 0), nc = (size_t)PyArray_DIM(on, 0);
    if ((size_t)PyArray_DIM(off, 0) != nc || n == 0) {
        PyErr_SetString(PyExc_ValueError, "on_s and off_s must have the same length, fz non-empty");
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

static PyMethodDef core_methods[] = {
    {"butter", py_butter, METH_VARARGS,
     "butter(order, wn) -> (b, a): digital Butterworth low-pass, wn in (0, 1)."},
    {"lowpass", py_lowpass, METH_VARARGS,
     "lowpass(x, wn, order, axis) -> y: zero-lag Butterworth over finite runs."},
    {"fill_gaps", py_fill_gaps, METH_VARARGS,
     "fill_gaps(x, max_gap, support, axis) -> (y, mask): cubic-spline gap filling."},
    {"detect_contacts", py_detect_contacts, METH_VARARGS,
     "detect_contacts(fz, rate, on, off, min_contact_s, min_flight_s) -> (on_s, off_s, flags)."},
    {"flight_baseline", py_flight_baseline, METH_VARARGS,
     "flight_baseline(fz, rate, on_s, off_s) -> baseline: mid-flight drift baseline."},
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
