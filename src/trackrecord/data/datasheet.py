"""A dataset's datasheet: who made the data, why, how it was prepared and labelled,
its gaps, biases and license.

The fields follow "Datasheets for Datasets" (Gebru et al., 2021) and what
Article 10 of the EU AI Act asks of training, validation and test data
(origin, purpose, preparation, labelling, known gaps and biases). Every field is
optional.

Example:
    >>> sheet = Datasheet.from_value({"origin": "hospital A", "preparation": ["dedupe"]})
    >>> sheet.to_dict()
    {'origin': 'hospital A', 'preparation': ['dedupe']}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, Final

from trackrecord.errors import InvalidValueError

__all__ = ["MAX_FIELD_CHARS", "Datasheet"]

MAX_FIELD_CHARS: Final = 20_000


@dataclass(frozen=True)
class Datasheet:
    """Structured facts about a dataset, recorded with it.

    Attributes:
        origin: where the data comes from and who collected it.
        purpose: why it was collected.
        preparation: the preparation and cleaning steps, in order.
        labelling: how the labels were made.
        known_gaps: what is known to be missing or under-represented.
        biases: known or suspected biases.
        license: the license or terms of use.
        contact: who to ask about the data.

    Raises:
        InvalidValueError: a field of the wrong type, or longer than
            :data:`MAX_FIELD_CHARS` characters.
    """

    origin: str | None = None
    purpose: str | None = None
    preparation: tuple[str, ...] = ()
    labelling: str | None = None
    known_gaps: str | None = None
    biases: str | None = None
    license: str | None = None
    contact: str | None = None

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if field.name == "preparation":
                object.__setattr__(self, "preparation", _steps(value))
            elif value is not None:
                _check_text(field.name, value)

    def to_dict(self) -> dict[str, Any]:
        """The fields that are set, JSON-ready (``preparation`` as a list).

        Example:
            >>> Datasheet(license="CC-BY-4.0").to_dict()
            {'license': 'CC-BY-4.0'}
        """
        result: dict[str, Any] = {}
        for field in fields(self):
            value = getattr(self, field.name)
            if field.name == "preparation" and value:
                result["preparation"] = list(value)
            elif field.name != "preparation" and value is not None:
                result[field.name] = value
        return result

    @classmethod
    def from_value(cls, value: Datasheet | Mapping[str, Any] | None) -> Datasheet | None:
        """A Datasheet from a Datasheet, a mapping of its fields, or None.

        Raises:
            InvalidValueError: an unknown key (the message lists the allowed ones),
                a value of the wrong type, or *value* of another type.

        Example:
            >>> Datasheet.from_value({"biases": "mostly adults"}).biases
            'mostly adults'
        """
        if value is None or isinstance(value, Datasheet):
            return value
        if not isinstance(value, Mapping):
            raise InvalidValueError(
                f"datasheet must be a Datasheet or a dict of its fields, not "
                f"{type(value).__name__}; for example datasheet={{'origin': '...'}}"
            )
        allowed = [field.name for field in fields(cls)]
        unknown = sorted(str(key) for key in value if key not in allowed)
        if unknown:
            raise InvalidValueError(
                f"unknown datasheet field(s) {', '.join(map(repr, unknown))}; "
                f"the allowed fields are: {', '.join(allowed)}"
            )
        return cls(**value)


def _check_text(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise InvalidValueError(
            f"datasheet field {name!r} must be a string or None, not {type(value).__name__}"
        )
    if len(value) > MAX_FIELD_CHARS:
        raise InvalidValueError(
            f"datasheet field {name!r} has {len(value)} characters; the limit is "
            f"{MAX_FIELD_CHARS}. Shorten it, or log the full text as an artifact"
        )
    return value


def _steps(value: object) -> tuple[str, ...]:
    """The preparation steps as a tuple; a single string is one step."""
    if isinstance(value, str):
        return (_check_text("preparation", value),)
    if not isinstance(value, (list, tuple)):
        raise InvalidValueError(
            f"datasheet field 'preparation' must be a list of strings (the steps, in order), "
            f"not {type(value).__name__}"
        )
    return tuple(_check_text("preparation", step) for step in value)
