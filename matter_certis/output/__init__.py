"""Files users open: the feed exporters (CSV, XLSX) and the HTML report."""
