"""From a page to an item: what a whole page is (pages), the item loaders (loaders) and the
normalisation rules as small pure functions (normalize)."""
