"""``scrapy dbchanges`` after three syncs of a replica that changed between them: new,
changed, delisted and relisted products and a revocation on the ledger, in every format;
new firmware and its changes (model versions written in process into a copy); what
``--since last`` and ``--since DATE`` mean; bad arguments."""

import json
import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from xml.etree import ElementTree

import pytest

from matter_certis.db import connection, models
from replica import Catalog, ReplicaServer
from tests.helpers import copy_database, crawl, execute, rows, scrapy_command

ATOM = "{http://www.w3.org/2005/Atom}"
# A product name that is markdown: a digest must show it as text, not as a link.
MARKDOWN_MODEL = "Plug [click](javascript:alert(1)) *now*"


def synced(replica, workdir, *arguments, spider="matter_products"):
    result = crawl(replica, workdir, *arguments, spider=spider)
    assert result.returncode == 0, result.stderr
    return rows(
        workdir / "matter_certis.db",
        "SELECT * FROM crawling_results ORDER BY started_at DESC LIMIT 1",
    )[0]


@pytest.fixture(scope="module")
def followed(tmp_path_factory):
    """A first sync and ledger walks; a full sync that delists ``relisted``; from ``since``
    on: a full sync that finds 3 new products, a changed one and a delisted one, the last
    full sync that finds ``relisted`` back, and a compliance walk that finds a revocation."""
    workdir = tmp_path_factory.mktemp("dbchanges")
    catalog = Catalog(products=30, seed=14)
    with ReplicaServer(catalog) as replica:
        synced(replica, workdir)
        synced(replica, workdir, spider="dcl_models")
        synced(replica, workdir, spider="dcl_compliance")
        listed = catalog.expected_products(replica.base_url)
        changed, delisted, relisted = listed[4]["url"], listed[12]["url"], listed[20]["url"]
        catalog.delist([relisted])
        synced(replica, workdir, "mode=full")

        since = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
        catalog.add_products(3)
        new = [product["url"] for product in catalog.expected_products(replica.base_url)[:3]]
        catalog.change(new[0], model=MARKDOWN_MODEL)
        catalog.change(changed, software_version="9.9.9", model="Renamed Plug")
        catalog.delist([delisted])
        synced(replica, workdir, "mode=full")
        catalog.relist([relisted])
        last = synced(replica, workdir, "mode=full")
        revoked = next(
            product["url"]
            for product in listed[5:12]
            if replica.ledger.plan(catalog.product(product["url"])) is None
        )
        replica.ledger.revoke(revoked, on="2026-11-30")
        synced(replica, workdir, spider="dcl_compliance")
    return SimpleNamespace(
        workdir=workdir,
        database=workdir / "matter_certis.db",
        new=new,
        changed=changed,
        delisted=delisted,
        relisted=relisted,
        last=last,
        since=since,
    )


def changes(workdir, *options):
    result = scrapy_command(workdir, "dbchanges", *options)
    assert result.returncode == 0, result.stderr
    return result.stdout


def as_json(workdir, *options):
    return json.loads(changes(workdir, "--format", "json", *options))


@pytest.fixture(scope="module")
def digest(followed):
    """The changes since the sync before the last two."""
    return as_json(followed.workdir, "--since", followed.since)


def urls(entries):
    return sorted(entry["url"] for entry in entries)


def stored_time(text):
    return datetime.fromisoformat(text).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_last_is_the_start_of_the_last_completed_sync(followed):
    last = as_json(followed.workdir)
    assert last["since"] == stored_time(followed.last["started_at"])
    assert followed.last["session_id"] in last["basis"]
    assert (urls(last["relisted"]), last["new"]) == ([followed.relisted], [])


def test_new_products_are_those_first_stored_since(followed, digest):
    assert urls(digest["new"]) == sorted(followed.new)


def test_a_changed_product_lists_each_field_old_and_new(followed, digest):
    [product] = digest["changed"]
    assert product["url"] == followed.changed
    assert product["model"] == "Renamed Plug"
    recorded = rows(
        followed.database,
        "SELECT field, old_value, new_value FROM "
        "product_changes WHERE url = ? AND field != 'delisted_at'",
        followed.changed,
    )
    assert {(c["field"], c["old_value"], c["new_value"]) for c in product["changes"]} == {
        (r["field"], r["old_value"], r["new_value"]) for r in recorded
    }
    assert {c["field"] for c in product["changes"]} == {"software_version", "model"}


def test_a_product_the_last_sync_delisted_is_delisted(followed, digest):
    assert urls(digest["delisted"]) == [followed.delisted]


def test_a_product_back_on_the_listing_is_relisted(followed, digest):
    [product] = digest["relisted"]
    assert product["url"] == followed.relisted
    assert product["delisted_at"] and product["relisted_at"] >= digest["since"]


def test_a_revocation_on_the_ledger_is_a_changed_ledger_record(digest):
    revocation = ("status", "certified", "revoked")
    [revoked] = [
        record
        for record in digest["ledger"]
        if revocation
        in {
            (change["field"], change["old_value"], change["new_value"])
            for change in record["changes"]
        }
    ]
    assert revoked["record"] == "compliance"
    assert re.fullmatch(r"0x[0-9A-F]{4}", revoked["vid"])
    assert {"certification_date", "reason"} <= {change["field"] for change in revoked["changes"]}


def test_the_headline_counts_each_kind(followed, digest):
    ledger = rows(
        followed.database,
        "SELECT COUNT(DISTINCT record || vid || pid || "
        "software_version || certification_type) AS n "
        "FROM dcl_changes",
    )[0]["n"]
    expected = f"+3 products, 1 changed, 1 delisted, 1 relisted, {ledger} ledger records changed"
    assert digest["headline"] == expected
    assert changes(followed.workdir, "--since", followed.since, "--format", "headline") == (
        expected + "\n"
    )


def test_a_date_covers_every_sync_since(followed):
    everything = as_json(followed.workdir, "--since", "2000-01-01")
    assert len(everything["new"]) == 33
    assert everything["since"] == "2000-01-01T00:00:00Z"


def test_a_period_counts_back_from_now(followed):
    week = as_json(followed.workdir, "--since", "7d")
    since = datetime.strptime(week["since"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert abs(since - (datetime.now(UTC) - timedelta(days=7))) < timedelta(minutes=5)
    assert len(week["new"]) == 33


def test_a_time_with_an_offset_is_read_as_utc(followed):
    assert as_json(followed.workdir, "--since", "2026-01-02T10:00+02:00")["since"] == (
        "2026-01-02T08:00:00Z"
    )


def test_a_sync_that_did_not_complete_leaves_last_where_it_was(followed, tmp_path):
    database = tmp_path / "matter_certis.db"
    database.write_bytes(followed.database.read_bytes())
    later = {"session_id": "'later'", "status": "'partial'", "started_at": "'2999-01-01'"}
    columns = [column["name"] for column in rows(database, "PRAGMA table_info(crawling_results)")]
    execute(
        database,
        f"INSERT INTO crawling_results ({', '.join(columns)}) SELECT "
        f"{', '.join(later.get(column, column) for column in columns)} "
        "FROM crawling_results WHERE session_id = ?",
        followed.last["session_id"],
    )
    assert as_json(tmp_path)["since"] == stored_time(followed.last["started_at"])


def test_without_a_completed_sync_every_change_counts(followed, tmp_path):
    database = tmp_path / "matter_certis.db"
    database.write_bytes(followed.database.read_bytes())
    execute(database, "UPDATE crawling_results SET status = 'failed'")
    digest = as_json(tmp_path)
    assert len(digest["new"]) == 33
    assert digest["basis"] == "no completed sync yet: every change"


def test_text_lists_each_kind_under_its_heading(followed):
    text = changes(followed.workdir, "--since", followed.since)
    lines = text.splitlines()
    assert lines[0].startswith("Changes since ")
    assert lines[1].startswith("+3 products, 1 changed, 1 delisted")
    for heading in (
        "New products (3)",
        "Changed products (1)",
        "Delisted products (1)",
        "Relisted products (1)",
    ):
        assert heading in lines
    assert "      software_version: " in text and " → 9.9.9" in text


def test_markdown_links_products_and_shows_their_text_as_text(followed):
    markdown = changes(followed.workdir, "--since", followed.since, "--format", "markdown")
    assert "### New products (3)" in markdown
    assert f"]({followed.changed})" in markdown
    assert r"Plug \[click\](javascript:alert(1)) \*now\*" in markdown
    assert not re.search(r"(?<!\\)\]\(javascript", markdown)


def test_the_atom_feed_parses_and_names_each_change(followed, digest):
    feed = ElementTree.fromstring(
        changes(followed.workdir, "--since", followed.since, "--format", "atom")
    )
    assert feed.tag == f"{ATOM}feed"
    for tag in ("id", "title", "updated"):
        assert feed.find(f"{ATOM}{tag}").text
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == sum(
        len(digest[key]) for key in ("new", "changed", "delisted", "relisted", "ledger")
    )
    for entry in entries:
        assert entry.find(f"{ATOM}id").text.startswith("urn:uuid:")
        assert entry.find(f"{ATOM}title").text
        assert entry.find(f"{ATOM}content").text  # RFC 4287: content, or an alternate link
        datetime.strptime(entry.find(f"{ATOM}updated").text, "%Y-%m-%dT%H:%M:%SZ")
    assert len({entry.find(f"{ATOM}id").text for entry in entries}) == len(entries)
    links = {link.get("href") for link in feed.iter(f"{ATOM}link")}
    assert set(followed.new) | {followed.changed, followed.delisted, followed.relisted} <= links


def test_a_change_keeps_its_atom_id_from_one_feed_to_the_next(followed):
    def ids():
        feed = ElementTree.fromstring(
            changes(followed.workdir, "--since", followed.since, "--format", "atom")
        )
        return [entry.find(f"{ATOM}id").text for entry in feed.iter(f"{ATOM}entry")]

    assert ids() == ids()


@pytest.mark.parametrize(
    "options, message",
    [
        (("--since", "soon"), "--since: expected a date (2025-06-27), an ISO time"),
        (("--format", "yaml"), "unknown format 'yaml': use one of text, markdown, json, atom"),
        (("everything",), "unexpected argument 'everything'"),
    ],
)
def test_a_bad_argument_is_one_error_line(followed, options, message):
    result = scrapy_command(followed.workdir, "dbchanges", *options)
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("scrapy dbchanges: error: ") and message in line


def test_no_database_is_one_error_line(tmp_path):
    result = scrapy_command(tmp_path, "dbchanges")
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert "no database file at" in line


OTA = "https://cdn.example.com/plug/plug-2.0.ota"


@pytest.fixture(scope="module")
def firmware(followed, tmp_path_factory):
    """A copy of the followed database with a model's versions: one stored before
    ``since``, two after (one with an OTA image, one without and not valid), one after but
    gone from the ledger; and the OTA URL and validity of the old one changed after
    ``since`` (a change before it too)."""
    workdir = tmp_path_factory.mktemp("firmware")
    copy_database(followed.database, workdir / "matter_certis.db")
    since = datetime.fromisoformat(followed.since)
    before, after = since - timedelta(hours=1), since + timedelta(seconds=1)
    connection.open_database(f"sqlite:///{workdir / 'matter_certis.db'}")
    model = models.DclModel.select().order_by(models.DclModel.vid, models.DclModel.pid).get()

    def version(number, at, **values):
        models.DclModelVersion.create(
            vid=model.vid,
            pid=model.pid,
            software_version=number,
            software_version_string=f"{number}.0",
            created_at=at,
            **values,
        )

    def change(field, old, new, at):
        models.DclChange.create(
            record="version",
            vid=model.vid,
            pid=model.pid,
            software_version=1,
            field=field,
            old_value=old,
            new_value=new,
            detected_at=at,
        )

    version(1, before, software_version_valid=False, ota_url=OTA)
    version(2, after, software_version_valid=True, ota_url=OTA)
    version(3, after, software_version_valid=False)
    version(4, after, software_version_valid=True, removed_at=after)
    change("min_applicable_software_version", None, "0", before)
    change("ota_url", "http://cdn.example.com/plug/plug-1.0.ota", OTA, after)
    change("software_version_valid", "True", "False", after)
    models.database.close()
    return SimpleNamespace(workdir=workdir, since=followed.since, model=model)


def model_ids(model):
    return f"0x{model.vid:04X}/0x{model.pid:04X}"


def test_new_firmware_is_each_version_first_stored_since_and_still_on_the_ledger(firmware):
    digest = as_json(firmware.workdir, "--since", firmware.since)
    assert [
        {key: entry[key] for key in ("software_version_string", "ota_url", "product_name")}
        for entry in digest["new_firmware"]
    ] == [
        {
            "software_version_string": "2.0",
            "ota_url": OTA,
            "product_name": firmware.model.product_name,
        },
        {
            "software_version_string": "3.0",
            "ota_url": None,
            "product_name": firmware.model.product_name,
        },
    ]
    assert digest["new_firmware"][0]["vid"] == f"0x{firmware.model.vid:04X}"


def test_firmware_changes_are_the_version_records_changed_since(firmware, digest):
    found = as_json(firmware.workdir, "--since", firmware.since)
    [version] = found["firmware_changes"]
    assert (version["software_version"], version["software_version_string"]) == (1, "1.0")
    assert [(c["field"], c["new_value"]) for c in version["changes"]] == [
        ("ota_url", OTA),
        ("software_version_valid", "False"),
    ]
    assert found["ledger"] == digest["ledger"]


def test_the_headline_counts_new_and_changed_firmware(firmware):
    headline = changes(firmware.workdir, "--since", firmware.since, "--format", "headline")
    assert headline.rstrip().endswith(", 2 new firmware, 1 firmware changed")


def test_text_and_markdown_show_the_firmware_sections(firmware):
    name = f"{firmware.model.product_name} 2.0 ({model_ids(firmware.model)}, software 2)"
    text = changes(firmware.workdir, "--since", firmware.since).splitlines()
    new = text.index("New firmware (2)")
    assert text[new + 1 : new + 5] == [
        f"  {name}",
        f"      OTA image {OTA}",
        f"  {firmware.model.product_name} 3.0 ({model_ids(firmware.model)}, software 3)",
        "      no OTA image (marked not valid)",
    ]
    assert "Firmware changes (1)" in text
    assert f"      ota_url: http://cdn.example.com/plug/plug-1.0.ota → {OTA}" in text
    markdown = changes(firmware.workdir, "--since", firmware.since, "--format", "markdown")
    assert "### New firmware (2)" in markdown and "### Firmware changes (1)" in markdown


def test_the_atom_feed_has_an_entry_per_new_and_changed_firmware(firmware):
    feed = ElementTree.fromstring(
        changes(firmware.workdir, "--since", firmware.since, "--format", "atom")
    )
    terms = [entry.find(f"{ATOM}category").get("term") for entry in feed.iter(f"{ATOM}entry")]
    assert (terms.count("new_firmware"), terms.count("firmware_changes")) == (2, 1)
