"""The listing: stable slots (positions), how reads placed while the site moves (movement)
and what a run reads (planner). Plain data in and out: no Scrapy, no database."""
