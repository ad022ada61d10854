"""The normalisation rules, table by table."""

from datetime import datetime

import pytest

from matter_certis.exceptions import InvalidValue
from matter_certis.parsing.normalize import (
    DATE_FORMATS,
    clean_text,
    format_hex_id,
    parse_date,
    parse_device_type_ids,
    parse_hex_id,
    parse_yes_no,
    strip_certificate_label,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tuya Global Inc.", "Tuya Global Inc."),
        ("  Tuya\u00a0Global \u00a0 Inc.\n", "Tuya Global Inc."),
        ("a\tb\r\nc", "a b c"),
        ("Caf\x00\x07\x1b\u00e9 Labs", "Caf\u00e9 Labs"),
        ("", None),
        ("   ", None),
        ("N/A", None),
        ("n/a", None),
        ("-", None),
        ("None", None),
        ("Unknown", None),
        ("UNKNOWN", None),
        (None, None),
        ("Non-Matter", "Non-Matter"),
    ],
)
def test_clean_text(text, expected):
    assert clean_text(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0x1552", 0x1552),
        ("0X1552", 0x1552),
        ("0x13b1", 0x13B1),
        ("0x0D02", 0x0D02),
        ("13B1", 0x13B1),
        ("fff1", 0xFFF1),
        ("4946", 4946),
        ("0", 0),
        ("65535", 0xFFFF),
        ("0xFFFF", 0xFFFF),
        (" 0x1552 ", 0x1552),
    ],
)
def test_parse_hex_id(text, expected):
    assert parse_hex_id(text) == expected


@pytest.mark.parametrize(
    "text", ["0x1FFFF", "65536", "70000", "0xZZ12", "0x", "12-34", "0x-1", "ABCDEFG"]
)
def test_parse_hex_id_refuses_out_of_range_and_junk(text):
    with pytest.raises(InvalidValue):
        parse_hex_id(text)


@pytest.mark.parametrize(
    ("number", "expected"), [(0x1552, "0x1552"), (0xD02, "0x0D02"), (0, "0x0000"), (None, None)]
)
def test_format_hex_id(number, expected):
    assert format_hex_id(number) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0x010A", "0x010A"),
        ("0x010a", "0x010A"),
        ("0x010A,0x0100", "0x010A, 0x0100"),
        ("0x010a , 0x0100", "0x010A, 0x0100"),
        ("0x0015, ", "0x0015"),
        ("10A", "0x010A"),
        (",", None),
    ],
)
def test_parse_device_type_ids(text, expected):
    assert parse_device_type_ids(text) == expected


def test_parse_device_type_ids_refuses_a_bad_id():
    with pytest.raises(InvalidValue):
        parse_device_type_ids("0x010A, 0x1FFFF")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("06/27/2025", "2025-06-27"),
        ("01/02/2025", "2025-01-02"),
        ("2025-06-27", "2025-06-27"),
        ("June 27, 2025", "2025-06-27"),
        ("27 Jun 2025", "2025-06-27"),
        ("27 June 2025", "2025-06-27"),
        ("Jun 27, 2025", "2025-06-27"),
        ("june 27, 2025", "2025-06-27"),
    ],
)
def test_parse_date(text, expected):
    assert parse_date(text) == expected


def test_parse_date_reads_a_text_as_trying_every_format_in_order_would():
    """Only the formats of a text's shape are tried: the answer is the one the first of all
    ``DATE_FORMATS`` that matches gives, for the site's formats and for odd texts."""
    day = datetime(2025, 6, 7)
    texts = [day.strftime(f) for f in DATE_FORMATS] + [
        "6/7/2025", "2025-6-7", "7 jun 2025", "JUNE 7, 2025", "June 7,2025", "Jun-07-2025",
        "7-Jun-2025", "June/7/2025", "7 June, 2025", "٧ Jun 2025", "", "-", "/", "June", "7",
    ]  # fmt: skip

    def every_format(text):
        for date_format in DATE_FORMATS:
            try:
                return datetime.strptime(text.strip(), date_format).date().isoformat()
            except ValueError:
                continue
        return None

    for text in texts:
        try:
            answer = parse_date(text)
        except InvalidValue:
            answer = None
        assert answer == every_format(text), text


@pytest.mark.parametrize("text", ["TBD", "13/45/2025", "June 2025", "2025", "27", "soon"])
def test_parse_date_refuses_unparseable_and_incomplete_dates(text):
    with pytest.raises(InvalidValue):
        parse_date(text)


@pytest.mark.parametrize(
    "text",
    ["1/2/3", "05.06.2025", "27/06/2025", "2025/06/27", "06-27-2025", "20250627", "Friday 27 June"],
)
def test_parse_date_refuses_shapes_the_site_does_not_use(text):
    """A parser that guesses would read ``1/2/3`` as 2003-01-02, ``05.06.2025`` as May 6."""
    with pytest.raises(InvalidValue, match="not a date: "):
        parse_date(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Yes", True), ("yes", True), ("YES", True), ("No", False), ("no", False)],
)
def test_parse_yes_no(text, expected):
    assert parse_yes_no(text) is expected


@pytest.mark.parametrize("text", ["Maybe", "Y", "Pending"])
def test_parse_yes_no_refuses_other_answers(text):
    with pytest.raises(InvalidValue):
        parse_yes_no(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Certificate ID: CSA22059MAT40059-24", "CSA22059MAT40059-24"),
        ("certificate id:CSA22059MAT40059-24", "CSA22059MAT40059-24"),
        ("CSA244D4MAT43911-00", "CSA244D4MAT43911-00"),
    ],
)
def test_strip_certificate_label(text, expected):
    assert strip_certificate_label(text) == expected
