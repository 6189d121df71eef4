"""The one exception type for mistakes a user can fix: its message is one sentence that says what
is wrong and what to do. The CLI prints it and exits 2, with no traceback."""


class UserError(Exception):
    """A problem with the user's input or files, explained in one sentence."""
