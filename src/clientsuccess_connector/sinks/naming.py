"""How record keys and stream names become table and column names: as the API spells them
(`api`, the default), or in `snake_case` so that SQL users can write `client_id` unquoted."""

from __future__ import annotations

import re

from clientsuccess_connector.errors import ConfigError

API = "api"
SNAKE_CASE = "snake_case"
NAMINGS = (API, SNAKE_CASE)

# A few regular expressions are the whole rule; a dependency (inflection, pyhumps) would add
# more than it saves, and none of them also folds spaces and punctuation.
_ACRONYM_END = re.compile(r"([A-Z]+)([A-Z][a-z])")  # HTTPStatus -> HTTP_Status
_WORD_START = re.compile(r"([a-z0-9])([A-Z])")  # clientId -> client_Id
_NOT_WORD = re.compile(r"[^\w]+|_+")


def check_naming(naming: str, where: str) -> str:
    """`naming` if it is one we know, else a ConfigError naming `where` it was given."""
    if naming not in NAMINGS:
        raise ConfigError(
            f"{where}: naming must be {' or '.join(NAMINGS)}, not {naming!r} "
            "(snake_case turns clientId into client_id)"
        )
    return naming


def snake_case(name: str) -> str:
    """`clientId` -> `client_id`, `HTTPStatus` -> `http_status`, `Due Date` -> `due_date`.

    Letters are lower-cased, a capital after a lower-case letter or digit starts a new word,
    and any run of other characters becomes one `_`. A leading `_` is kept (`_lookup`); a name
    that would start with a digit gets one (`1st` -> `_1st`).
    """
    text = _WORD_START.sub(r"\1_\2", _ACRONYM_END.sub(r"\1_\2", name))
    words = [w for w in _NOT_WORD.split(text) if w]
    out = "_".join(words).lower()
    if name.startswith("_") or (out[:1].isdigit()):
        out = "_" + out
    return out or name


def apply_naming(naming: str, name: str) -> str:
    """`name` as `naming` spells it."""
    return snake_case(name) if naming == SNAKE_CASE else name
