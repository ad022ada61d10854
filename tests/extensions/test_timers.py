"""TimerPurge: the reactor drops the timed calls a crawl cancels while the spider runs.

Checked in a process of its own: there no other Twisted timed call comes due (the test
runner's would purge them too) and Scrapy's timers are asyncio's, as in a crawl.
"""

import subprocess
import sys

import pytest
from scrapy.exceptions import NotConfigured

from matter_certis.extensions import timers
from matter_certis.extensions.timers import TimerPurge
from tests.helpers import PROJECT_ROOT

# 300 timed calls made and cancelled (as every response's download timeout is), then, on
# an asyncio timer 0.3 s later, how many of them the process still holds.
KEPT_AFTER_CANCELLING = """
import asyncio, gc, sys, weakref
from scrapy.utils.reactor import install_reactor
install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")
from twisted.internet import reactor
from matter_certis.extensions.timers import TimerPurge
purge = TimerPurge(interval=0.05) if sys.argv[1] == "purge" else None
references = []

def count_and_stop():
    gc.collect()
    print(sum(reference() is not None for reference in references))
    reactor.stop()

def begin():
    if purge:
        purge.spider_opened()
    calls = [reactor.callLater(60, lambda: None) for _ in range(300)]
    for call in calls:
        call.cancel()
    references.extend(weakref.ref(call) for call in calls)
    asyncio.get_event_loop().call_later(0.3, count_and_stop)

reactor.callWhenRunning(begin)
reactor.run(installSignalHandlers=False)
"""


def kept_after_cancelling(mode):
    result = subprocess.run(
        [sys.executable, "-c", KEPT_AFTER_CANCELLING, mode],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return int(result.stdout)


def test_cancelled_timed_calls_are_dropped_while_the_spider_is_open():
    assert kept_after_cancelling("purge") == 0


def test_without_it_the_asyncio_reactor_keeps_every_cancelled_call():
    assert kept_after_cancelling("none") == 300


def test_off_without_the_asyncio_reactor(make_crawler, monkeypatch):
    """Twisted's other reactors drop cancelled calls at every turn of their loop."""
    monkeypatch.setattr(timers, "is_asyncio_reactor_installed", lambda: False)
    with pytest.raises(NotConfigured):
        TimerPurge.from_crawler(make_crawler())
