"""What every spider of the project promises the run record, the pipelines and Scrapyd."""

import uuid

import scrapy

from matter_certis.base_spiders import setting_checks


class ProjectSpider(scrapy.Spider):
    """The contract the run record and the pipelines read:

    - ``session_id``: Scrapyd's ``_job`` argument, or a new id;
    - ``mode``: ``full`` (reads the whole source) or ``incremental``;
    - ``total_pages``: the pages the source announced, ``None`` while unknown or unpaged;
    - ``sliced``: the run covers only part of the source (so delisting is not judged);
    - ``audit()``: what the run planned but did not store, as ``verdict.Problem``s;
    - ``listed_urls()``: every product the source lists, when the run saw it whole (so
      the others may be marked delisted), else ``None``;
    - ``unsettled(failures)``: the run's failed requests that keep it from ``completed``.

    Arguments are checked by ``check_arguments`` (``scrapy crawl`` calls it before anything
    opens, so a bad one costs one line and exit code 2); arguments a spider does not know,
    like Scrapyd's ``_job``, are accepted and ignored.
    """

    mode = "full"
    total_pages = None
    sliced = False

    def __init__(self, *args, _job=None, **kwargs):
        super().__init__(*args)
        self.session_id = _job or uuid.uuid4().hex
        vars(self).update(self.check_arguments(**kwargs))

    @classmethod
    def check_arguments(cls, deltafetch_reset=None, **unknown):
        """The arguments this spider takes, checked and converted (``SpiderArgumentError``
        names a bad one); unknown ones are dropped. ``deltafetch_reset`` is scrapy-deltafetch's
        argument, read by ``CommittedDeltaFetch``: kept as given."""
        return {} if deltafetch_reset is None else {"deltafetch_reset": deltafetch_reset}

    @classmethod
    def check_settings(cls, settings):
        """Raise ``SettingError`` for a setting this spider cannot use (``scrapy crawl``
        calls it before anything opens, like ``check_arguments``): those every run reads
        here, a spider's own in its override, which calls this one."""
        setting_checks.check_shared(settings)

    def audit(self):
        return []

    def listed_urls(self):
        return None

    def unsettled(self, failures):
        return list(failures)
