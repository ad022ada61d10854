"""One record of each url a run meets, shared by the parts that count or check urls: the
run record (products found), Progress (details requested and done) and the duplicate
filter (details asked this run). Each kept a set or dict of every url of its own, and at
30,000 products those were the largest things a run held (2 MB each)."""


class UrlTally:
    """url -> what befell it (bits), and how many urls each befell:

    - ``FOUND``: a product card stored (the run record's products found);
    - ``REQUESTED``, ``DONE``: its detail page requested and done (Progress), once however
      often the page is retried or redirected;
    - ``ASKED``: its detail page let through by this run's duplicate filter. Not pickled
      with a JOBDIR state: what a resumed job may ask again is the filter's to decide, from
      its seen file.
    """

    REQUESTED, DONE, FOUND, ASKED = 1, 2, 4, 8

    def __init__(self):
        self.urls = {}
        self.counts = {}

    def mark(self, url, what):
        """Note that ``what`` befell ``url``, counted once."""
        befell = self.urls.get(url, 0)
        if not befell & what:
            self.urls[url] = befell | what
            self.counts[what] = self.counts.get(what, 0) + 1

    def has(self, url, what):
        return bool(self.urls.get(url, 0) & what)

    def count(self, what):
        return self.counts.get(what, 0)

    def __getstate__(self):
        kept = ~self.ASKED
        urls = {url: befell & kept for url, befell in self.urls.items() if befell & kept}
        counts = {what: count for what, count in self.counts.items() if what != self.ASKED}
        return {"urls": urls, "counts": counts}


def url_tally(spider):
    """The spider's tally: in its ``state`` when JOBDIR gives it one, so that a resumed job
    counts on from where it stopped; else in the spider's own attributes."""
    holder = getattr(spider, "state", None)
    if holder is None:
        holder = vars(spider)
    if "url_tally" not in holder:
        # A state saved before the tally was shared kept Progress's part of it so.
        holder["url_tally"] = holder.pop("detail_tally", None) or UrlTally()
    return holder["url_tally"]
