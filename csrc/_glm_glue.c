/*
 * _glm_glue.c -- Python glue of the GLM over curves (csrc/core/gc_glm.c) and of the T/F
 * random-field functions.  Same rules as _coremodule.c: arrays through PyArray_FROM_OTF
 * (aligned, C-contiguous), outputs allocated with the GIL held, the core run without it,
 * one error: label.  The Python layer (gaitcore/stats_glm.py) checks the arguments with
 * user-facing messages; the checks here only keep bad input from crashing.
 */
#include "_glue.h"

#include <stdint.h>
#include <string.h>

#include "core/gaitcore.h"

static PyArrayObject *as_array(PyObject *obj, int type, int ndim, const char *what)
{
    PyArrayObject *arr = (PyArrayObject *)PyArray_FROM_OTF(obj, type, NPY_ARRAY_IN_ARRAY);
    if (arr && PyArray_NDIM(arr) != ndim) {
        PyErr_Format(glue_InputError, "%s must be %d-D, got %d dimensions", what, ndim,
                     PyArray_NDIM(arr));
        Py_DECREF(arr);
        return NULL;
    }
    return arr;
}

/* A 2-D float64 array with `cols` columns (cols 0: any), or NULL for None when optional. */
static int matrix_arg(PyObject *obj, size_t cols, const char *what, int optional,
                      PyArrayObject **out)
{
    *out = NULL;
    if (obj == Py_None && optional)
        return 0;
    *out = as_array(obj, NPY_DOUBLE, 2, what);
    if (!*out)
        return -1;
    if (cols && (size_t)PyArray_DIM(*out, 1) != cols) {
        PyErr_Format(glue_InputError, "%s must have %zu columns", what, cols);
        return -1;
    }
    return 0;
}

typedef struct {
    PyArrayObject *y, *X, *C, *Ce, *Xr;
    gc_glm_design d;
} glm_args;

static void glm_args_release(glm_args *a)
{
    Py_XDECREF(a->y);
    Py_XDECREF(a->X);
    Py_XDECREF(a->C);
    Py_XDECREF(a->Ce);
    Py_XDECREF(a->Xr);
}

/* y (n x Q), X (n x p), C (k x p), stat, Ce (ke x p) or None, Xr (n x pr) or None. */
static int glm_args_parse(glm_args *a, PyObject *y, PyObject *X, PyObject *C, int stat,
                          PyObject *Ce, PyObject *Xr)
{
    memset(a, 0, sizeof *a);
    if (matrix_arg(y, 0, "y", 0, &a->y) < 0 || matrix_arg(X, 0, "X", 0, &a->X) < 0)
        return -1;
    size_t n = (size_t)PyArray_DIM(a->y, 0), p = (size_t)PyArray_DIM(a->X, 1);
    if ((size_t)PyArray_DIM(a->X, 0) != n) {
        PyErr_SetString(glue_InputError, "X must have one row per row of y");
        return -1;
    }
    if (matrix_arg(C, p, "C", 0, &a->C) < 0 || matrix_arg(Ce, p, "Ce", 1, &a->Ce) < 0 ||
        matrix_arg(Xr, 0, "Xr", 1, &a->Xr) < 0)
        return -1;
    if (a->Xr && (size_t)PyArray_DIM(a->Xr, 0) != n) {
        PyErr_SetString(glue_InputError, "Xr must have one row per row of y");
        return -1;
    }
    gc_glm_design d = {PyArray_DATA(a->X), n, p, PyArray_DATA(a->C),
                       (size_t)PyArray_DIM(a->C, 0), stat,
                       a->Ce ? PyArray_DATA(a->Ce) : NULL,
                       a->Ce ? (size_t)PyArray_DIM(a->Ce, 0) : 0,
                       a->Xr ? PyArray_DATA(a->Xr) : NULL,
                       a->Xr ? (size_t)PyArray_DIM(a->Xr, 1) : 0};
    a->d = d;
    return 0;
}

/* glm_fit(y, X, C, stat, Ce, Xr) -> (z, df1, df2, fwhm) */
static PyObject *py_glm_fit(PyObject *Py_UNUSED(self), PyObject *args)
{
    PyObject *y, *X, *C, *Ce, *Xr;
    int stat;
    if (!PyArg_ParseTuple(args, "OOOiOO", &y, &X, &C, &stat, &Ce, &Xr))
        return NULL;
    glm_args a;
    PyArrayObject *z = NULL;
    if (glm_args_parse(&a, y, X, C, stat, Ce, Xr) < 0)
        goto error;
    npy_intp Q = PyArray_DIM(a.y, 1);
    z = (PyArrayObject *)PyArray_SimpleNew(1, &Q, NPY_DOUBLE);
    if (!z)
        goto error;
    double df[2] = {NAN, NAN}, fwhm = NAN;
    int status;
    Py_BEGIN_ALLOW_THREADS
    status = gc_glm_fit(&a.d, PyArray_DATA(a.y), (size_t)Q, PyArray_DATA(z), df, &fwhm);
    Py_END_ALLOW_THREADS
    if (status != GC_OK) {
        raise_status(status, "glm fit");
        goto error;
    }
    glm_args_release(&a);
    return Py_BuildValue("Nddd", (PyObject *)z, df[0], df[1], fwhm);
error:
    glm_args_release(&a);
    Py_XDECREF(z);
    return NULL;
}

/* The fields of n_perm permutations (n_perm, Q) when kept, else None (a new reference). */
static PyObject *fields_out(int keep, npy_intp n_perm, npy_intp Q)
{
    npy_intp dims[2] = {n_perm, Q};
    if (keep)
        return PyArray_SimpleNew(2, dims, NPY_DOUBLE);
    Py_INCREF(Py_None);
    return Py_None;
}

static double *fields_data(PyObject *fields)
{
    return fields == Py_None ? NULL : PyArray_DATA((PyArrayObject *)fields);
}

/* glm_permute(y, X, C, stat, Ce, src, sign, two_tailed, n_threads, keep_fields) -> (fields, zmax)
 * src: (n_perm, n) intp row indices; sign: (n_perm, n) int8 of +-1, or None; fields None unless
 * keep_fields. */
static PyObject *py_glm_permute(PyObject *Py_UNUSED(self), PyObject *args)
{
    PyObject *y, *X, *C, *Ce, *src_obj, *sign_obj;
    int stat, two_tailed, n_threads, keep;
    if (!PyArg_ParseTuple(args, "OOOiOOOpip", &y, &X, &C, &stat, &Ce, &src_obj, &sign_obj,
                          &two_tailed, &n_threads, &keep))
        return NULL;
    glm_args a;
    PyArrayObject *src = NULL, *sign = NULL, *zmax = NULL;
    PyObject *fields = NULL;
    if (glm_args_parse(&a, y, X, C, stat, Ce, Py_None) < 0)
        goto error;
    src = as_array(src_obj, NPY_INTP, 2, "src");
    if (!src)
        goto error;
    if (sign_obj != Py_None && !(sign = as_array(sign_obj, NPY_INT8, 2, "sign")))
        goto error;
    npy_intp n_perm = PyArray_DIM(src, 0), Q = PyArray_DIM(a.y, 1);
    if ((size_t)PyArray_DIM(src, 1) != a.d.n ||
        (sign && (PyArray_DIM(sign, 0) != n_perm || PyArray_DIM(sign, 1) != PyArray_DIM(src, 1)))) {
        PyErr_SetString(glue_InputError, "src and sign must be (n_perm, n)");
        goto error;
    }
    npy_intp *s = PyArray_DATA(src);
    for (npy_intp i = 0; i < n_perm * (npy_intp)a.d.n; i++)
        if (s[i] < 0 || (size_t)s[i] >= a.d.n) {
            PyErr_SetString(glue_InputError, "src holds a row index out of range");
            goto error;
        }
    fields = fields_out(keep, n_perm, Q);
    zmax = (PyArrayObject *)PyArray_SimpleNew(1, &n_perm, NPY_DOUBLE);
    if (!fields || !zmax)
        goto error;
    int status;
    double *fv = fields_data(fields);
    Py_BEGIN_ALLOW_THREADS
    status = gc_glm_permute(&a.d, PyArray_DATA(a.y), (size_t)Q, (const size_t *)s,
                            sign ? PyArray_DATA(sign) : NULL, (size_t)n_perm, two_tailed,
                            n_threads, fv, PyArray_DATA(zmax));
    Py_END_ALLOW_THREADS
    if (status != GC_OK) {
        raise_status(status, "glm permutations");
        goto error;
    }
    glm_args_release(&a);
    Py_DECREF(src);
    Py_XDECREF(sign);
    return Py_BuildValue("NN", fields, (PyObject *)zmax);
error:
    glm_args_release(&a);
    Py_XDECREF(src);
    Py_XDECREF(sign);
    Py_XDECREF(fields);
    Py_XDECREF(zmax);
    return NULL;
}

/* An optional 1-D intp array (None: NULL) read as size_t (the C core checks the values). */
static int index_arg(PyObject *obj, const char *what, PyArrayObject **out, size_t *size)
{
    *out = NULL;
    *size = 0;
    if (obj == Py_None)
        return 0;
    *out = as_array(obj, NPY_INTP, 1, what);
    if (!*out)
        return -1;
    *size = (size_t)PyArray_DIM(*out, 0);
    return 0;
}

static const size_t *index_data(PyArrayObject *arr)
{
    return arr ? (const size_t *)PyArray_DATA(arr) : NULL;
}

/* glm_permute_random(y, X, C, stat, Ce, seed, sign_flip, rows, start, whole, groups, n_perm,
 *                    draws, two_tailed, n_threads, keep_fields) -> (fields, zmax)
 * rows: the rows grouped by block, start: (B + 1) block offsets into rows (both None: per-row
 * sign flips); groups: (G + 1) offsets of the groups of blocks for whole-block exchange or None;
 * draws: None (permutations 0 .. n_perm - 1) or the n_perm permutation indices to draw (see
 * gc_glm_random); fields None unless keep_fields. */
static PyObject *py_glm_permute_random(PyObject *Py_UNUSED(self), PyObject *args)
{
    PyObject *y, *X, *C, *Ce, *rows_obj, *start_obj, *groups_obj, *draws_obj;
    unsigned long long seed;
    int stat, sign_flip, whole, two_tailed, n_threads, keep;
    Py_ssize_t n_perm;
    if (!PyArg_ParseTuple(args, "OOOiOKpOOpOnOpip", &y, &X, &C, &stat, &Ce, &seed, &sign_flip,
                          &rows_obj, &start_obj, &whole, &groups_obj, &n_perm, &draws_obj,
                          &two_tailed, &n_threads, &keep))
        return NULL;
    glm_args a;
    PyArrayObject *rows = NULL, *start = NULL, *groups = NULL, *draws = NULL, *zmax = NULL;
    PyObject *fields = NULL;
    size_t n_rows, n_start, n_groups, n_draws;
    if (glm_args_parse(&a, y, X, C, stat, Ce, Py_None) < 0)
        goto error;
    if (n_perm < 1) {
        PyErr_SetString(glue_InputError, "n_perm must be >= 1");
        goto error;
    }
    if (index_arg(rows_obj, "rows", &rows, &n_rows) < 0 ||
        index_arg(start_obj, "start", &start, &n_start) < 0 ||
        index_arg(groups_obj, "groups", &groups, &n_groups) < 0 ||
        index_arg(draws_obj, "draws", &draws, &n_draws) < 0)
        goto error;
    if ((rows && n_rows != a.d.n) || (!rows) != (!start) || (start && n_start < 2) ||
        (groups && n_groups < 2) || (draws && n_draws != (size_t)n_perm)) {
        PyErr_SetString(glue_InputError, "rows must list every row once, start must hold the block "
                        "offsets (B + 1), groups the group offsets (G + 1), draws n_perm indices");
        goto error;
    }
    npy_intp Q = PyArray_DIM(a.y, 1), count = n_perm;
    fields = fields_out(keep, count, Q);
    zmax = (PyArrayObject *)PyArray_SimpleNew(1, &count, NPY_DOUBLE);
    if (!fields || !zmax)
        goto error;
    gc_glm_random r = {(uint64_t)seed, sign_flip, index_data(rows), index_data(start),
                       start ? n_start - 1 : 0, whole, index_data(groups), groups ? n_groups - 1 : 0,
                       index_data(draws)};
    int status;
    double *fv = fields_data(fields);
    Py_BEGIN_ALLOW_THREADS
    status = gc_glm_permute_random(&a.d, PyArray_DATA(a.y), (size_t)Q, &r, (size_t)n_perm,
                                   two_tailed, n_threads, fv, PyArray_DATA(zmax));
    Py_END_ALLOW_THREADS
    if (status != GC_OK) {
        raise_status(status, "glm permutations");
        goto error;
    }
    glm_args_release(&a);
    Py_XDECREF(rows);
    Py_XDECREF(start);
    Py_XDECREF(groups);
    Py_XDECREF(draws);
    return Py_BuildValue("NN", fields, (PyObject *)zmax);
error:
    glm_args_release(&a);
    Py_XDECREF(rows);
    Py_XDECREF(start);
    Py_XDECREF(groups);
    Py_XDECREF(draws);
    Py_XDECREF(fields);
    Py_XDECREF(zmax);
    return NULL;
}

/* spm_max_cluster_mass(fields (n, Q), u, two_tailed) -> mass (n,) */
static PyObject *py_spm_max_cluster_mass(PyObject *Py_UNUSED(self), PyObject *args)
{
    PyObject *obj;
    double u;
    int two_tailed;
    if (!PyArg_ParseTuple(args, "Odp", &obj, &u, &two_tailed))
        return NULL;
    PyArrayObject *f = as_array(obj, NPY_DOUBLE, 2, "fields"), *mass = NULL;
    if (!f)
        return NULL;
    npy_intp n = PyArray_DIM(f, 0);
    mass = (PyArrayObject *)PyArray_SimpleNew(1, &n, NPY_DOUBLE);
    if (!mass)
        goto error;
    int status;
    Py_BEGIN_ALLOW_THREADS
    status = gc_spm_max_cluster_mass(PyArray_DATA(f), (size_t)n, (size_t)PyArray_DIM(f, 1), u,
                                     two_tailed, PyArray_DATA(mass));
    Py_END_ALLOW_THREADS
    if (status != GC_OK) {
        raise_status(status, "cluster mass");
        goto error;
    }
    Py_DECREF(f);
    return (PyObject *)mass;
error:
    Py_XDECREF(f);
    Py_XDECREF(mass);
    return NULL;
}

/* spm_field_threshold(kind, df1, df2, alpha, r0, r1, nodes) -> u */
static PyObject *py_spm_field_threshold(PyObject *Py_UNUSED(self), PyObject *args)
{
    gc_spm_field f;
    double alpha, r0, r1, u = NAN;
    Py_ssize_t nodes;
    if (!PyArg_ParseTuple(args, "idddddn", &f.kind, &f.df1, &f.df2, &alpha, &r0, &r1, &nodes))
        return NULL;
    if (nodes < 0) {
        PyErr_SetString(glue_InputError, "nodes must be >= 0");
        return NULL;
    }
    int status = gc_spm_field_threshold(&f, alpha, r0, r1, (size_t)nodes, &u);
    if (status != GC_OK)
        return raise_status(status, "rft threshold");
    return PyFloat_FromDouble(u);
}

/* spm_field_rft(kind, df1, df2, what, u, r0, r1, extra) -> float (see gc_spm_field_rft) */
static PyObject *py_spm_field_rft(PyObject *Py_UNUSED(self), PyObject *args)
{
    gc_spm_field f;
    int what;
    double u, r0, r1, extra, out = NAN;
    if (!PyArg_ParseTuple(args, "iddidddd", &f.kind, &f.df1, &f.df2, &what, &u, &r0, &r1, &extra))
        return NULL;
    if (what == GC_RFT_P_MAX && !(extra < 1e15)) {
        PyErr_SetString(glue_InputError, "nodes out of range");
        return NULL;
    }
    int status = gc_spm_field_rft(&f, what, u, r0, r1, extra, &out);
    if (status != GC_OK)
        return raise_status(status, "rft");
    return PyFloat_FromDouble(out);
}

/* spm_field_clusters(kind, df1, df2, z, u, fwhm, r0, r1, two_tailed) ->
 *   ([(x0, x1, extent, extent_resels, height, p, sign), ...], p_set) */
static PyObject *py_spm_field_clusters(PyObject *Py_UNUSED(self), PyObject *args)
{
    gc_spm_field f;
    PyObject *z_obj, *list = NULL;
    double u, fwhm, r0, r1, p_set = NAN;
    int two_tailed;
    if (!PyArg_ParseTuple(args, "iddOddddp", &f.kind, &f.df1, &f.df2, &z_obj, &u, &fwhm, &r0,
                          &r1, &two_tailed))
        return NULL;
    PyArrayObject *z = as_array(z_obj, NPY_DOUBLE, 1, "z");
    gc_spm_cluster *cl = NULL;
    if (!z)
        return NULL;
    size_t Q = (size_t)PyArray_SIZE(z), n = 0;
    cl = malloc((Q ? Q : 1) * sizeof *cl);
    if (!cl) {
        PyErr_NoMemory();
        goto error;
    }
    int status = gc_spm_field_clusters(&f, PyArray_DATA(z), Q, u, fwhm, r0, r1, two_tailed, cl,
                                       &n, &p_set);
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

static PyMethodDef glm_methods[] = {
    {"glm_fit", py_glm_fit, METH_VARARGS,
     "glm_fit(y, X, C, stat, Ce, Xr) -> (z, df1, df2, fwhm): OLS over curves, t (stat 0) or F (1)."},
    {"glm_permute", py_glm_permute, METH_VARARGS,
     "glm_permute(y, X, C, stat, Ce, src, sign, two_tailed, n_threads, keep_fields) -> (fields, zmax)."},
    {"glm_permute_random", py_glm_permute_random, METH_VARARGS,
     "glm_permute_random(y, X, C, stat, Ce, seed, sign_flip, rows, start, whole, groups, n_perm,"
     " draws, two_tailed, n_threads, keep_fields) -> (fields, zmax): permutations drawn in C"
     " (identity first)."},
    {"spm_max_cluster_mass", py_spm_max_cluster_mass, METH_VARARGS,
     "spm_max_cluster_mass(fields, u, two_tailed) -> largest cluster mass of each field."},
    {"spm_field_threshold", py_spm_field_threshold, METH_VARARGS,
     "spm_field_threshold(kind, df1, df2, alpha, r0, r1, nodes) -> u (kind 0 T, 1 F)."},
    {"spm_field_rft", py_spm_field_rft, METH_VARARGS,
     "spm_field_rft(kind, df1, df2, what, u, r0, r1, extra) -> float (0 E_c, 1 p_max, 2 p_cluster, 3 rho0, 4 rho1)."},
    {"spm_field_clusters", py_spm_field_clusters, METH_VARARGS,
     "spm_field_clusters(kind, df1, df2, z, u, fwhm, r0, r1, two_tailed) -> (clusters, p_set)."},
    {NULL, NULL, 0, NULL}
};

int glue_glm_register(PyObject *module)
{
    return PyModule_AddFunctions(module, glm_methods);
}
