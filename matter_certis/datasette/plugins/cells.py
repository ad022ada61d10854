"""Datasette plugin of ``scrapy dbbrowse``: the listed products read as a person reads them,
lists as text and each model a link to its page (Datasette's ``plugins_dir``)."""

import json

from datasette import hookimpl
from markupsafe import Markup, escape

# Columns of listed_products that hold a JSON list (so that Datasette's array facets count
# each item), shown as the comma-separated text the site shows.
LIST_COLUMNS = {"Transport", "Categories"}


@hookimpl
def render_cell(row, value, column, table):
    if table != "listed_products" or not isinstance(value, str):
        return None
    if column in LIST_COLUMNS and value.startswith("["):
        try:
            items = json.loads(value)
        except ValueError:
            return None
        return ", ".join(map(str, items)) if isinstance(items, list) else None
    if column == "Model" and row["URL"]:
        return Markup(f'<a href="{escape(row["URL"])}">{escape(value)}</a>')
    return None
