"""DemoteToDebug: Scrapy's startup listings drop to DEBUG; any other record keeps its level."""

import logging

from matter_certis.run.logs import DemoteToDebug


def test_a_demoted_record_is_debug_and_others_keep_their_level():
    demote = DemoteToDebug(("Enabled ",))
    listing, warning = (
        logging.LogRecord("scrapy.middleware", level, __file__, 1, message, None, None)
        for level, message in (
            (logging.INFO, "Enabled %(componentname)ss:"),
            (logging.WARNING, "Enabled twice"),
        )
    )
    assert demote.filter(listing) and demote.filter(warning)
    assert [(listing.levelname, listing.levelno), (warning.levelname, warning.levelno)] == [
        ("DEBUG", logging.DEBUG),
        ("WARNING", logging.WARNING),
    ]
