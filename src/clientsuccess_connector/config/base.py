"""The base of every flow-file model: unknown keys refused with the closest known key."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, model_validator
from pydantic_core import PydanticCustomError

_PLAIN = re.compile(r"^[\w.$@/-]+$")


def shown_key(key: object) -> str:
    """A key as an error message shows it: as written when plain, else quoted and escaped."""
    text = str(key)
    return text if _PLAIN.match(text) else repr(text)


def closest(word: str, known: list[str]) -> str | None:
    """The known key `word` was probably meant to be, if one is close enough."""
    found = difflib.get_close_matches(word, known, n=1, cutoff=0.6)
    if not found:
        found = [k for k in known if word.lower() in k.lower() or k.lower() in word.lower()][:1]
    return found[0] if found else None


def unknown_keys_message(unknown: list[str], known: list[str]) -> str:
    """`unknown key(s) X; did you mean Y? known: ...` for the keys of one mapping."""
    guesses = [g for g in (closest(u, known) for u in unknown) if g]
    hint = f" (did you mean {', '.join(dict.fromkeys(guesses))}?)" if guesses else ""
    keys = ", ".join(map(shown_key, unknown))
    return f"unknown key(s) {keys}{hint}; known: {', '.join(known)}"


class Strict(BaseModel):
    """Unknown keys are errors naming the closest known key; infinities and NaN are refused."""

    model_config = ConfigDict(
        extra="forbid", allow_inf_nan=False, populate_by_name=False, frozen=True
    )
    unknown_message: ClassVar[str] = ""  # a sentence before the known keys, if not the default

    @classmethod
    def keys(cls) -> list[str]:
        """The keys this mapping takes, as written in a flow file."""
        return [f.alias or name for name, f in cls.model_fields.items()]

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        known = cls.keys()
        unknown = sorted(str(k) for k in data if k not in known)
        if unknown:
            message = cls.unknown_message.format(keys=", ".join(map(shown_key, unknown)))
            if message:
                raise PydanticCustomError(
                    "unknown_key", "{message}; it takes: {known}",
                    {"message": message, "known": ", ".join(k for k in known if k != "type")},
                )  # fmt: skip
            raise PydanticCustomError(
                "unknown_key", "{message}", {"message": unknown_keys_message(unknown, known)}
            )
        return data
