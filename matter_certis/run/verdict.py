"""The run's verdict: one status (README, "How a run ends") from how the run closed and
what its audit found, with the reasons in words.

A spider ends a run that cannot go on with ``fail()`` (one error line, close reason named);
at close, ``RunRecord`` collects ``Problem``s (the spider's own ``audit()``, dead letters,
errors) and ``judge`` picks the worst status.
"""

import asyncio
import logging
import weakref
from dataclasses import dataclass

from scrapy.exceptions import CloseSpider

from matter_certis.run import stat_keys

logger = logging.getLogger(__name__)

# Worst last: the verdict is the worst status any problem calls for.
SEVERITY = ("completed", "degraded", "partial", "stopped", "failed")
EXIT_CODES = {"completed": 0, "failed": 1, "partial": 3, "degraded": 4, "stopped": 5}
STOPPED_REASONS = frozenset({"shutdown", "cancelled"})
# The close reason of a run whose arguments the site's answers showed to be unusable (a
# page range past the listing): ``failed``, and exit code 2 as for any bad argument.
BAD_ARGUMENT = "bad_argument"


def exit_code(status, close_reason):
    """``scrapy crawl``'s exit code for a run that ended with ``status``."""
    return 2 if close_reason == BAD_ARGUMENT else EXIT_CODES[status]


@dataclass(frozen=True)
class Problem:
    """Something that keeps a run from ``completed``: the status it calls for, and why."""

    status: str
    reason: str


def judge(close_reason, problems):
    """``(status, reasons)`` for a run that closed with ``close_reason``, the reasons worst
    first.

    ``finished`` is ``completed`` unless a problem says worse; Ctrl-C or a Scrapyd cancel is
    ``stopped``; any other close reason (``circuit_open``, ``site_unreachable``,
    ``database_failed``, ``dcl_malformed``, ...) is ``failed``.
    """
    problems = list(problems)
    if close_reason in STOPPED_REASONS:
        problems.append(Problem("stopped", f"stopped ({close_reason})"))
    elif close_reason != "finished":
        problems.append(Problem("failed", f"close reason: {close_reason}"))
    problems.sort(key=lambda problem: SEVERITY.index(problem.status), reverse=True)
    status = problems[0].status if problems else "completed"
    return status, [problem.reason for problem in problems]


def fail(crawler, reason, message):
    """End the run as ``failed``: one error line, the message kept for the run record.

    From a callback, raise the returned ``CloseSpider``; from a middleware, pipeline or
    extension, the close is scheduled here (awaiting it there would deadlock the engine).
    """
    logger.error(message)
    stats = crawler.stats
    if stats.get_value(stat_keys.CLOSE_MESSAGE) is None:
        stats.set_value(stat_keys.CLOSE_MESSAGE, message)
    engine = started_engine(crawler)
    if engine is not None and engine.spider is not None and crawler not in _CLOSED_BY_FAIL:
        _CLOSED_BY_FAIL.add(crawler)
        task = asyncio.ensure_future(engine.close_spider_async(reason=reason))
        _TASKS.add(task)
        task.add_done_callback(_TASKS.discard)
    return CloseSpider(reason)


# The crawlers whose spider ``fail()`` closes: a crawler crawls once, so it stays closing.
_CLOSED_BY_FAIL = weakref.WeakSet()
# The scheduled closes, kept until done: the event loop holds a task weakly.
_TASKS = set()


def started_engine(crawler):
    """The crawler's engine, or ``None`` before the crawl starts (``crawler.engine`` raises
    then)."""
    try:
        return crawler.engine
    except RuntimeError:
        return None


def ending(crawler):
    """Whether the run has begun to end, so that nothing should wait any longer: stopped
    (Ctrl-C or a Scrapyd cancel stop the engine first) or closed by ``fail()``."""
    engine = started_engine(crawler)
    return crawler in _CLOSED_BY_FAIL or (engine is not None and not engine.running)
