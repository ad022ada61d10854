"""From a page to an item: what a whole page is (pages), the item loaders (loaders for the
site's pages, dcl_loaders for the ledger's records) and the normalisation rules as small
pure functions (normalize)."""
