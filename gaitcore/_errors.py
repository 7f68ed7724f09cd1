"""The exceptions gaitcore raises.

Every error a public function raises on bad input or data is a :class:`GaitcoreError`;
each also derives from the built-in type that code written before the hierarchy caught
(``ValueError``, ``TypeError``, ``RuntimeError``, ``TimeoutError``), so existing
``except ValueError`` clauses keep working::

    GaitcoreError
    ├── InputError (ValueError)          an argument out of its domain: NaN rate, empty array ...
    │   ├── InputTypeError (TypeError)   an argument of the wrong type: complex array, str rate ...
    │   ├── MissingMarkersError          the markers a segment needs are absent
    │   └── NotEnoughDataError           too few samples, steps or strides for the analysis
    ├── FormatError (ValueError)         a file is truncated, corrupt or not its claimed format
    ├── ComputationError (RuntimeError)  a numerical routine failed (no convergence, GSL error)
    ├── TrialTimeoutError (TimeoutError) a batch trial ran past its time limit
    └── OutputLockedError (RuntimeError) another batch is writing the same output folder

File-system problems (a missing file, a permission denied) stay ``OSError``.
"""
from __future__ import annotations


class GaitcoreError(Exception):
    """Base class of every exception gaitcore raises on bad input or data."""


class InputError(GaitcoreError, ValueError):
    """An argument is out of its domain; the message names the argument and the problem."""


class InputTypeError(InputError, TypeError):
    """An argument has the wrong type (e.g. a complex or string array, a str rate)."""


class MissingMarkersError(InputError):
    """The markers a segment needs are missing; the message names them and the alternatives."""


class NotEnoughDataError(InputError):
    """The data are valid but too short or too sparse for the analysis asked for."""


class FormatError(GaitcoreError, ValueError):
    """A file could not be read: truncated, corrupt or not the format its name claims.

    The message names the path.
    """

    def __init__(self, path, problem):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")

    def __reduce__(self):  # picklable across batch workers despite the two-argument constructor
        return (type(self), (self.path, self.problem))


class ComputationError(GaitcoreError, RuntimeError):
    """A numerical routine failed on data that passed validation (e.g. no convergence)."""


class TrialTimeoutError(GaitcoreError, TimeoutError):
    """A trial of a batch ran past the per-trial time limit and was stopped."""


class OutputLockedError(GaitcoreError, RuntimeError):
    """Another batch run holds the lock of the output folder."""


__all__ = ["ComputationError", "FormatError", "GaitcoreError", "InputError", "InputTypeError",
           "MissingMarkersError", "NotEnoughDataError", "OutputLockedError", "TrialTimeoutError"]
