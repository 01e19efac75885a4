"""Datasheets: every field optional, wrong ones refused with the allowed list."""

from __future__ import annotations

import pytest

from trackrecord.data.datasheet import MAX_FIELD_CHARS, Datasheet
from trackrecord.errors import InvalidValueError


def test_only_the_fields_that_are_set_are_recorded() -> None:
    sheet = Datasheet.from_value(
        {"origin": "ward records, 2019-2023", "preparation": ["dedupe", "anonymise"]}
    )
    assert sheet is not None
    assert sheet.preparation == ("dedupe", "anonymise")
    assert sheet.to_dict() == {
        "origin": "ward records, 2019-2023",
        "preparation": ["dedupe", "anonymise"],
    }
    assert Datasheet().to_dict() == {}


def test_a_datasheet_or_none_passes_through() -> None:
    sheet = Datasheet(license="CC-BY-4.0")
    assert Datasheet.from_value(sheet) is sheet
    assert Datasheet.from_value(None) is None


def test_a_single_preparation_step_may_be_a_string() -> None:
    assert Datasheet(preparation="drop empty rows").preparation == ("drop empty rows",)  # type: ignore[arg-type]


def test_unknown_fields_are_named_with_the_allowed_ones() -> None:
    with pytest.raises(InvalidValueError) as caught:
        Datasheet.from_value({"orign": "x", "licence": "MIT"})
    message = str(caught.value)
    assert "'licence', 'orign'" in message
    assert "origin, purpose, preparation, labelling, known_gaps, biases, license, contact" in (
        message
    )


@pytest.mark.parametrize(
    ("value", "match"),
    [
        ({"origin": 3}, "'origin' must be a string"),
        ({"preparation": {"step": 1}}, "list of strings"),
        ({"preparation": ["ok", 2]}, "'preparation' must be a string"),
        ({"biases": "x" * (MAX_FIELD_CHARS + 1)}, "as an artifact"),
        (["origin"], "must be a Datasheet or a dict"),
    ],
)
def test_wrong_types_say_what_is_expected(value: object, match: str) -> None:
    with pytest.raises(InvalidValueError, match=match):
        Datasheet.from_value(value)  # type: ignore[arg-type]
