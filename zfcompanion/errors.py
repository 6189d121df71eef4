"""The one exception type for mistakes a user can fix: its message is one sentence that says what
is wrong and what to do. The CLI prints it and exits 2, with no traceback."""


class UserError(Exception):
    """A problem with the user's input or files, explained in one sentence."""


def one_sentence(message: str) -> str:
    """A UserError's sentence, also when a DataLoader worker raised it: torch then re-raises it in
    the main process with the worker's whole traceback in front, and the sentence is its last line."""
    message = message.strip()
    if "Original Traceback" in message:
        message = message.splitlines()[-1].split(": ", 1)[-1]
    return message
