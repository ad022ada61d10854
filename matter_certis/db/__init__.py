"""The database, with one owner per concern: ``models`` (the tables), ``connection`` (the
only module that opens, configures, retries and closes connections), ``store`` (the
crawl's writes), ``analysis`` (what a sync must fetch), ``queries`` (read-only questions
of the db commands), ``reconcile`` (the listing beside the ledger), ``drift`` (field
coverage against the stored baseline)."""
