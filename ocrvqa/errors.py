"""The project's one error family."""

from __future__ import annotations


class OcrvqaError(Exception):
    """Base of every error the project raises about something a user can fix (a config key,
    an input file, a model name). Its message is one line that names the input and the fix,
    so the command line prints it as it is, without a traceback. Each subclass also derives
    from the built-in error of its kind (``ValueError``, ``RuntimeError``), so callers that
    catch those catch it too."""
