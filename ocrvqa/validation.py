"""Pydantic validation errors as short lines, each naming the dotted key at fault."""

from __future__ import annotations

from pydantic import ValidationError


def error_lines(exc: ValidationError) -> list[str]:
    """One ``key: problem`` line per error (``budget_tokens: Input should be greater than
    or equal to 0 (got -1)``, ``colour: unknown key``); a problem with the whole input has
    no key."""
    lines = []
    for err in exc.errors():
        loc = [str(p) for p in err["loc"]]
        # pydantic adds the union branch tried ("str", "dict[str,any]") to the location: drop it
        loc = [p for p in loc if not p.startswith(("str", "dict[", "function-"))]
        key = ".".join(loc)
        if err["type"] == "extra_forbidden":
            problem = "unknown key"
        elif err["type"] == "missing":
            problem = "required key is missing"
        else:
            got = err.get("input")
            # a validator's own message already says what it was given
            shown = "" if isinstance(got, (dict, list)) or not loc else f" (got {got!r})"
            problem = f"{err['msg'].removeprefix('Value error, ')}{shown}"
        lines.append(f"{key}: {problem}" if key else problem)
    return lines


def format_validation_error(exc: ValidationError, where: str = "config", what: str = "run config") -> str:
    """``"{where}: invalid {what}"`` followed by one indented :func:`error_lines` line per problem."""
    return "\n".join([f"{where}: invalid {what}", *(f"  {line}" for line in error_lines(exc))])


__all__ = ["error_lines", "format_validation_error"]
