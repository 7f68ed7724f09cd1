/* _glue.h -- shared by the Python glue files (_coremodule.c and the per-module glue files,
 * e.g. _glm_glue.c): one NumPy C-API table for the whole extension, and the status mapping. */
#ifndef GAITCORE_GLUE_H
#define GAITCORE_GLUE_H
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#define NPY_NO_DEPRECATED_API NPY_2_0_API_VERSION
#define PY_ARRAY_UNIQUE_SYMBOL gaitcore_ARRAY_API
#ifndef GAITCORE_GLUE_MAIN
#define NO_IMPORT_ARRAY  /* only _coremodule.c calls import_array() */
#endif
#include <numpy/arrayobject.h>

#include "core/gaitcore.h"

/* gaitcore.InputError (a ValueError) and gaitcore.ComputationError (a RuntimeError), looked
 * up at module init: the glue raises these, never bare built-in exceptions. */
extern PyObject *glue_InputError;
extern PyObject *glue_ComputationError;

/* Raise the Python exception matching a core status; returns NULL for chaining. */
PyObject *raise_status(int status, const char *what);

/* The clusters of an SPM as a list of (x0, x1, extent, extent_resels, height, p, sign) tuples;
 * NULL with an exception set on failure. */
PyObject *cluster_list(const gc_spm_cluster *cl, size_t n);

/* Add the GLM functions (_glm_glue.c) to the module; -1 with an exception set on failure. */
int glue_glm_register(PyObject *module);
#endif
