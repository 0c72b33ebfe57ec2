"""Pydantic validation errors as messages a user can act on: one line per problem, each
naming the file (or ``config``) and the dotted key."""

from __future__ import annotations

from pydantic import ValidationError


def format_validation_error(exc: ValidationError, where: str = "config", what: str = "run config") -> str:
    """``"{where}: invalid {what}"`` followed by one indented line per problem, naming its key."""
    lines = [f"{where}: invalid {what}"]
    for err in exc.errors():
        loc = [str(p) for p in err["loc"]]
        # pydantic adds the union branch tried ("str", "dict[str,any]") to the location: drop it
        loc = [p for p in loc if not p.startswith(("str", "dict[", "function-"))]
        key = ".".join(loc) or "(top level)"
        if err["type"] == "extra_forbidden":
            lines.append(f"  {key}: unknown key")
        elif err["type"] == "missing":
            lines.append(f"  {key}: required key is missing")
        else:
            got = err.get("input")
            shown = "" if isinstance(got, (dict, list)) else f" (got {got!r})"
            # a validator's own message already says what is wrong: drop pydantic's prefix
            msg = err["msg"].removeprefix("Value error, ")
            lines.append(f"  {key}: {msg}{shown}")
    return "\n".join(lines)
