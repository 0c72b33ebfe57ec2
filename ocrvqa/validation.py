"""Pydantic validation errors as short lines, each naming the dotted key at fault."""

from __future__ import annotations

from pydantic import ValidationError
from pydantic_core import ErrorDetails


def error_key_problem(error: ErrorDetails, unknown: str = "unknown key") -> tuple[str, str]:
    """(dotted key, problem) of one pydantic error; ``unknown`` is the problem of a key the
    model does not have. The key is empty for a problem with the whole input."""
    loc = [str(p) for p in error["loc"]]
    # pydantic adds the union branch tried ("str", "dict[str,any]") to the location: drop it
    loc = [p for p in loc if not p.startswith(("str", "dict[", "function-"))]
    if error["type"] == "extra_forbidden":
        problem = unknown
    elif error["type"] == "missing":
        problem = "required key is missing"
    else:
        got = error.get("input")
        # a validator's own message already says what it was given
        shown = "" if isinstance(got, (dict, list)) or not loc else f" (got {got!r})"
        problem = f"{error['msg'].removeprefix('Value error, ')}{shown}"
    return ".".join(loc), problem


def error_lines(exc: ValidationError) -> list[str]:
    """One ``key: problem`` line per error (``budget_tokens: Input should be greater than
    or equal to 0 (got -1)``, ``colour: unknown key``); a problem with the whole input has
    no key."""
    lines = []
    for error in exc.errors():
        key, problem = error_key_problem(error)
        lines.append(f"{key}: {problem}" if key else problem)
    return lines


def format_validation_error(
    exc: ValidationError, where: str = "config", what: str = "run config"
) -> str:
    """``"{where}: invalid {what}"`` followed by one indented :func:`error_lines` line per
    problem."""
    return "\n".join([f"{where}: invalid {what}", *(f"  {line}" for line in error_lines(exc))])


__all__ = ["error_key_problem", "error_lines", "format_validation_error"]
