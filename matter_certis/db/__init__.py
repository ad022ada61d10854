"""The database, with one owner per concern: ``models`` (the tables), ``connection`` (the
only module that opens, configures, retries and closes connections), ``store`` (the
crawl's writes), ``dead_letters`` (failed requests), ``analysis`` (what a sync must fetch),
the db commands' reads: ``products`` (listed products, filtered), ``stats`` (counts),
``checks`` (integrity), ``changes`` (what changed since a time), ``reconcile`` (the listing
beside the ledger); ``drift`` (field coverage against the stored baseline)."""
