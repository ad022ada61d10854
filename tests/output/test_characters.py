"""``xml_text``: what XML 1.0 cannot hold becomes U+FFFD; everything else stays."""

import pytest

from matter_certis.output.characters import xml_text


@pytest.mark.parametrize(
    "character",
    [
        "\x00",
        "\x01",
        "\x08",
        "\x0b",
        "\x0c",
        "\x1b",
        "\x1f",
        "\ud800",
        "\udfff",
        "\ufffe",
        "\uffff",
    ],
)
def test_a_character_xml_cannot_hold_is_replaced(character):
    assert xml_text(f"a{character}b") == "a\ufffdb"


@pytest.mark.parametrize("text", ["tab\tnew\nline\rreturn", "Société Lumière", "灯 💡", "\x7f\x85"])
def test_text_xml_can_hold_is_unchanged(text):
    assert xml_text(text) == text


@pytest.mark.parametrize("value", [None, 42, 1.5, True])
def test_a_value_that_is_not_text_is_unchanged(value):
    assert xml_text(value) is value
