"""Exceptions raised by gaitcore."""


class FormatError(ValueError):
    """A file could not be read: truncated, corrupt or not the format its name claims.

    The message names the path.
    """

    def __init__(self, path, problem):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")
