"""The crawl's feeds (``-o``/``-O``, ``FEEDS``) written whole or not at all, and a feed that
could not be written counted against the run.

Scrapy's ``FeedExporter`` finishes its feeds in tasks that run after the other
``spider_closed`` handlers, the run record's verdict among them, so a feed that failed
would not count; ``Feeds`` puts every file feed in place first."""

import io
import logging
import shutil
from pathlib import Path

from scrapy import signals
from scrapy.extensions.feedexport import FeedExporter, FileFeedStorage

from matter_certis.output.files import Replacement
from matter_certis.run import stat_keys

logger = logging.getLogger(__name__)


class KeptErrors(io.RawIOBase):
    """A feed's file whose first failure (a full disk, a file that cannot be made) is kept
    for ``store`` to raise, the later writes dropped: raised at every item, Scrapy would log
    a traceback each, and skip the feeds after it."""

    def __init__(self, file=None, error=None):
        super().__init__()
        self.file = file
        self.error = error

    def writable(self):
        return True

    def write(self, data):
        if self.error is None:
            try:
                self.file.write(data)
            except OSError as error:
                self.error = error
        return len(data)

    def seekable(self):
        return self.file is not None and self.file.seekable()

    def seek(self, *position):
        return self.file.seek(*position)

    def tell(self):
        return self.file.tell()


class WholeFileFeedStorage(FileFeedStorage):
    """Scrapy's storage of a local file feed, written through ``files.Replacement``: the new
    file takes the earlier one's place when the run ends, whole (``-o``, which appends,
    copies the earlier content first). ``store`` stores once; a failure, whenever it
    happened, is raised there, naming the feed, and leaves the earlier file."""

    replacement = None

    def open(self, spider):
        path = Path(self.path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.replacement = Replacement(path)
            if self.write_mode == "ab" and path.is_file():
                with path.open("rb") as earlier:
                    shutil.copyfileobj(earlier, self.replacement.file)
        except OSError as error:
            self.discard()
            self.writes = KeptErrors(error=error)
        else:
            self.writes = KeptErrors(self.replacement.file)
        return self.writes

    def store(self, file):
        replacement, self.replacement = self.replacement, None
        failure = self.writes.error
        if replacement is None:  # the file could not be made, or is stored already
            if failure is not None:
                raise failure
            return
        try:
            if failure is not None:
                raise failure
            replacement.commit()
        except OSError as error:
            replacement.discard()
            raise replacement.naming(error) from None

    def discard(self):
        """Give up the feed: the earlier file stays."""
        if self.replacement is not None:
            self.replacement.discard()
            self.replacement = None


class Feeds(FeedExporter):
    """Scrapy's feed exporter, each local file feed finished and stored here as soon as the
    spider closes, before the run record judges the run (a later handler: settings.py's
    EXTENSIONS); Scrapy's own close is left the others. A feed that fails is one error line,
    counted as Scrapy counts it (``feedexport/failed_count/<storage>``), its reason in
    ``stat_keys.FEED_FAILURE``."""

    async def close_spider(self, spider):
        files = [slot for slot in self.slots if isinstance(slot.storage, WholeFileFeedStorage)]
        self.slots = [slot for slot in self.slots if slot not in files]
        stored = [slot for slot in files if self.stored(slot)]  # before any await
        for slot in stored:
            await self.crawler.signals.send_catch_log_async(signals.feed_slot_closed, slot=slot)
        await super().close_spider(spider)

    def stored(self, slot):
        """Finish ``slot``'s file and put it in place, as Scrapy would: whether it did."""
        if not slot.itemcount and not (slot.store_empty and slot.batch_id == 1):
            return False  # Scrapy writes no file for it
        stats = self.crawler.stats
        storage = type(slot.storage).__name__
        try:
            slot.start_exporting()
            slot.finish_exporting()
            if slot.file is not slot.storage.writes:  # post-processing (gzip): flush it
                slot.file.close()
            slot.storage.store(slot.file)
        except Exception as error:
            slot.storage.discard()
            reason = error.strerror if isinstance(error, OSError) and error.strerror else error
            message = f"the feed {slot.uri} was not written: {reason}"
            logger.error("%s; any earlier file there is kept", message[0].upper() + message[1:])
            stats.inc_value(stat_keys.FEEDS_FAILED + storage)
            if stats.get_value(stat_keys.FEED_FAILURE) is None:
                stats.set_value(stat_keys.FEED_FAILURE, message)
            return False
        logger.info("Stored %s feed (%d items) in: %s", slot.format, slot.itemcount, slot.uri)
        stats.inc_value(f"feedexport/success_count/{storage}")
        return True
