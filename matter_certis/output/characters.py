"""Text that XML 1.0 cannot hold, replaced in the files that are XML inside (XLSX, Atom, the
HTML report): one such character in a product's name would make the whole file unreadable.
The database keeps the text as the page gave it."""

import re

# XML 1.0's Char production: tab, newline, carriage return and the rest of Unicode but the
# other control characters, the surrogates (lone ones, in Python text) and U+FFFE/U+FFFF.
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
REPLACEMENT = "\ufffd"


def xml_text(value):
    """``value`` with each character XML cannot hold replaced by U+FFFD (what a reader shows
    for a character it cannot read); a value that is not text, unchanged."""
    if isinstance(value, str):
        return NOT_XML.sub(REPLACEMENT, value)
    return value
