"""Directory value rules: extensions, phone numbers, e-mails, schedule intervals."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from vats.core.directory.models import Interval
from vats.core.directory.validation import (
    RESERVED_EXTENSIONS,
    check_email,
    check_extension,
    check_intervals,
    extension_problem,
    next_free_extension,
    normalise_phone,
)
from vats.core.errors import ValidationError


@given(st.text(alphabet="0123456789", min_size=1, max_size=7))
def test_extension_rule_matches_the_seed(text: str) -> None:
    expected_ok = 2 <= len(text) <= 5 and not text.startswith("0") and text not in RESERVED_EXTENSIONS
    assert (extension_problem(text) is None) == expected_ok


@pytest.mark.parametrize(
    "reserved", ["112", "101", "102", "103", "104", "04", "100", "109", "115", "121", "123", "125", "141", "149"]
)
def test_emergency_and_service_numbers_are_refused(reserved: str) -> None:
    with pytest.raises(ValidationError) as info:
        check_extension(reserved)
    assert info.value.field == "extension"


@pytest.mark.parametrize("bad", ["1", "123456", "0123", "12a", "", " 12"])
def test_malformed_extensions_are_refused(bad: str) -> None:
    with pytest.raises(ValidationError):
        check_extension(bad)


@given(st.sets(st.integers(min_value=100, max_value=400).map(str), max_size=200))
def test_next_free_extension_is_valid_unused_and_smallest(taken: set[str]) -> None:
    chosen = next_free_extension(taken)
    assert chosen not in taken
    assert extension_problem(chosen) is None
    smaller = [str(n) for n in range(100, int(chosen))]
    assert all(s in taken or extension_problem(s) is not None for s in smaller)


def test_first_automatic_extension_skips_service_numbers() -> None:
    assert next_free_extension([]) == "105"
    assert next_free_extension(["105", "106"]) == "107"


@pytest.mark.parametrize(
    ("given_text", "e164"),
    [
        ("8 916 555-12-34", "+79165551234"),
        ("+7 (495) 123-45-67", "+74951234567"),
        ("+44 20 7946 0958", "+442079460958"),
    ],
)
def test_phones_are_normalised_to_e164(given_text: str, e164: str) -> None:
    assert normalise_phone(given_text) == e164


@pytest.mark.parametrize("bad", ["12", "hello", "+7 000", ""])
def test_bad_phones_are_refused_naming_the_field(bad: str) -> None:
    with pytest.raises(ValidationError) as info:
        normalise_phone(bad, "external_numbers[0]")
    assert info.value.field == "external_numbers[0]"


def test_email_is_lowercased_and_deny_list_applies_to_subdomains() -> None:
    assert check_email("  Anna@Example.COM ") == "anna@example.com"
    with pytest.raises(ValidationError, match="not accepted"):
        check_email("ivan@mail.ru", ["ru"])
    assert check_email("ivan@mail.rus", ["ru"]) == "ivan@mail.rus"
    with pytest.raises(ValidationError):
        check_email("not-an-address")


def test_intervals_must_be_ordered_and_not_overlap() -> None:
    ok = check_intervals([Interval(day=0, start="14:00", end="18:00"), Interval(day=0, start="09:00", end="13:00")])
    assert [iv.start for iv in ok] == ["09:00", "14:00"]
    assert check_intervals([Interval(day=6, start="00:00", end="24:00")])
    for bad, field in [
        ([Interval(day=7, start="09:00", end="10:00")], "intervals[0].day"),
        ([Interval(day=1, start="10:00", end="09:00")], "intervals[0].end"),
        ([Interval(day=1, start="9:00", end="10:00")], "intervals[0].start"),
        ([Interval(day=1, start="09:00", end="24:30")], "intervals[0].end"),
        ([Interval(day=1, start="09:00", end="12:00"), Interval(day=1, start="11:00", end="13:00")], "intervals[1]"),
    ]:
        with pytest.raises(ValidationError) as info:
            check_intervals(bad)
        assert info.value.field == field
