"""Spider middlewares: the page check (unusable pages to the errback) and deltafetch (skip
stored details); settings.SPIDER_MIDDLEWARES lists them in their order."""
