"""``scrapy dbfirmware`` on a database filled in process: a product's firmware is the model of
its matched compliance record (else its own ids), every version still on the ledger newest
first with its OTA image, compliance status and checksum type by name; per model with
``--vid``/``--pid``; a table or a file in each format; what has no firmware said in one line;
bad arguments in one line."""

import csv
import json
from types import SimpleNamespace

import openpyxl
import pytest

from matter_certis.db import connection, models
from matter_certis.db.models import utc_now
from tests.helpers import execute, scrapy_command

VENDOR = 0x1001
# The product's page says 0x0001; its certificate's record is of model 0x0002.
MATCHED, OWN, OTHER = 0x0002, 0x0003, 0x0004
OTA = "https://cdn.example.com/bulb/bulb-a-1.0.10.ota"
OTA_PLAIN = "http://cdn.example.com/bulb/bulb-a-1.0.2.ota"
NOTES = "https://example.com/bulb-a/notes"
HEADINGS = (
    "Model",
    "VID",
    "PID",
    "Version",
    "Software",
    "Status",
    "Valid",
    "Applies to",
    "OTA size",
    "Checksum",
    "Findings",
    "OTA URL",
    "Release notes",
    "Product URL",
)


def url(name):
    return f"https://csa-iot.org/csa_product/{name}/"


def product(slot, name, certificate=None, vid=None, pid=None):
    models.Product.create(url=url(name), model=name, page_id=0, index_in_page=slot)
    models.ProductDetail.create(
        url=url(name), model=name, certificate_id=certificate, vid=vid, pid=pid
    )


def version(pid, number, **values):
    models.DclModelVersion.create(
        vid=VENDOR,
        pid=pid,
        software_version=number,
        software_version_string=f"1.0.{number}",
        **values,
    )


def compliance(pid, number, kind, status):
    models.DclCompliance.create(
        vid=VENDOR,
        pid=pid,
        software_version=number,
        certification_type=kind,
        certificate_id=f"CSA-{pid}-{number}-{kind}",
        status=status,
    )


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    """Bulb A (matched to model 0x0002 by its certificate) with three versions (the
    newest with an image, certified for matter but revoked as another type; one over plain
    HTTP) and one removed, Plug B (no match, its own model 0x0003), Sensor C (its model has no versions),
    Switch D (no ids, no match), and a completed ``dcl_versions`` walk."""
    workdir = tmp_path_factory.mktemp("dbfirmware")
    connection.open_database(f"sqlite:///{workdir / 'matter_certis.db'}")
    models.Vendor.create(vendor_id=VENDOR, vendor_name="Acme Lighting")
    for pid in (MATCHED, OWN, OTHER):
        models.DclModel.create(vid=VENDOR, pid=pid, product_name=f"Model {pid}")
    product(3, "Bulb A", "CSA-2-10-matter", VENDOR, 0x0001)
    product(2, "Plug B", "CSA-unknown", VENDOR, OWN)
    product(1, "Sensor C", None, VENDOR, OTHER)
    product(0, "Switch D")
    version(
        MATCHED,
        10,
        software_version_valid=True,
        ota_url=OTA,
        ota_file_size=615708,
        ota_checksum="rFZ6WdH0DuuCf7HVoRmNjCF73mYZ98DGYpHoDKmf0Bw=",
        ota_checksum_type=1,
        min_applicable_software_version=1,
        max_applicable_software_version=9,
        release_notes_url=NOTES,
    )
    version(MATCHED, 2, software_version_valid=True, ota_url=OTA_PLAIN, ota_checksum_type=7)
    version(MATCHED, 1, software_version_valid=False, ota_checksum_type=99)
    version(MATCHED, 5, software_version_valid=True, removed_at=utc_now())
    version(OWN, 3, software_version_valid=True)
    compliance(MATCHED, 10, "matter", "certified")
    compliance(MATCHED, 10, "alpha", "revoked")
    compliance(MATCHED, 2, "zigbee", "provisional")
    models.CrawlingResult.create(
        session_id="walk", spider="dcl_versions", status="completed", started_at=utc_now()
    )
    models.database.close()
    return SimpleNamespace(workdir=workdir, database=workdir / "matter_certis.db")


def firmware(workdir, *options):
    result = scrapy_command(workdir, "dbfirmware", *options)
    assert result.returncode == 0, result.stderr
    return result


def table_rows(stdout):
    """The body of a table as dicts by heading, cut at the column starts of its rule."""
    header, rule, *body = stdout.splitlines()[:-2]
    starts = [i for i, c in enumerate(rule) if c == "-" and (i == 0 or rule[i - 1] == " ")]
    ends = [*starts[1:], None]
    names = [header[start:end].strip() for start, end in zip(starts, ends)]
    return [
        {name: line[start:end].strip() for name, start, end in zip(names, starts, ends)}
        for line in body
    ]


def exported(filled, tmp_path, name, *options):
    path = tmp_path / name
    result = firmware(filled.workdir, *options, path)
    return path, result


def test_a_product_lists_the_versions_of_its_matched_model_newest_first(filled):
    result = firmware(filled.workdir, "--text", "bulb")
    found = table_rows(result.stdout)
    assert [row["Software"] for row in found] == ["10", "2", "1"]
    assert found[0] == {
        "Model": "Bulb A",
        "VID": "0x1001",
        "PID": "0x0002",
        "Version": "1.0.10",
        "Software": "10",
        "Status": "certified",
        "Valid": "yes",
        "Applies to": "1–9",
        "OTA size": "615708",
        "Checksum": "sha-256",
        "Findings": "ota_for_revoked",
        "OTA URL": OTA,
        "Release notes": NOTES,
        "Product URL": url("Bulb A"),
    }
    assert result.stdout.splitlines()[0].split("  ")[0] == "Model"
    assert result.stdout.splitlines()[-1] == "3 versions of 1 model"
    assert result.stderr == ""


def test_the_status_is_the_matter_records_else_another_records_else_none(filled):
    found = table_rows(firmware(filled.workdir, "--text", "bulb").stdout)
    assert [row["Status"] for row in found] == ["certified", "provisional", ""]


def test_checksum_types_have_their_iana_names_and_an_unknown_id_says_so(filled):
    found = table_rows(firmware(filled.workdir, "--text", "bulb").stdout)
    assert [row["Checksum"] for row in found] == ["sha-256", "sha-384", "unknown (99)"]
    assert [row["Valid"] for row in found] == ["yes", "yes", "no"]


def test_each_version_names_its_findings(filled):
    found = table_rows(firmware(filled.workdir, "--vid", "0x1001").stdout)
    assert [row["Findings"] for row in found] == ["ota_for_revoked", "ota_not_https", "", ""]


def test_a_product_without_a_match_has_the_versions_of_its_own_model(filled):
    [row] = table_rows(firmware(filled.workdir, "--certificate", "unknown").stdout)
    assert (row["Model"], row["PID"], row["Version"]) == ("Plug B", "0x0003", "1.0.3")


def test_a_model_lists_its_versions_by_hex_or_decimal_ids_without_product_columns(filled):
    by_hex = firmware(filled.workdir, "--vid", "0x1001", "--pid", "0x0002").stdout
    assert by_hex == firmware(filled.workdir, "--vid", str(VENDOR), "--pid", "2").stdout
    found = table_rows(by_hex)
    assert list(found[0]) == [h for h in HEADINGS if h not in ("Model", "Product URL")]
    assert [row["Software"] for row in found] == ["10", "2", "1"]


def test_a_vendor_lists_the_versions_of_each_of_its_models(filled):
    found = table_rows(firmware(filled.workdir, "--vid", "0x1001").stdout)
    assert [(row["PID"], row["Software"]) for row in found] == [
        ("0x0002", "10"),
        ("0x0002", "2"),
        ("0x0002", "1"),
        ("0x0003", "3"),
    ]


def test_every_listed_product_with_firmware_and_one_line_on_the_others(filled):
    result = firmware(filled.workdir)
    assert [row["Model"] for row in table_rows(result.stdout)] == ["Bulb A"] * 3 + ["Plug B"]
    assert result.stderr.splitlines() == [
        "2 of 4 products have no firmware: 1 without a model on the ledger, "
        "1 whose model has no versions on the ledger"
    ]


@pytest.mark.parametrize(
    "options, message",
    [
        (("--text", "sensor"), f"{url('Sensor C')}: its model 0x1001/0x0004 has no versions"),
        (("--text", "switch"), f"{url('Switch D')}: no model on the ledger"),
        (("--text", "kettle"), "No listed product matches these filters."),
        (("--vid", "0x1001", "--pid", "4"), "the model 0x1001/0x0004 has no versions"),
        (("--vid", "0x1001", "--pid", "9"), "no model 0x1001/0x0009 on the ledger"),
        (("--vid", "0x2222"), "no vendor 0x2222 on the ledger"),
    ],
)
def test_nothing_to_list_is_one_line_and_an_empty_table(filled, options, message):
    result = firmware(filled.workdir, *options)
    [line] = result.stderr.splitlines()
    assert line.startswith(message)
    assert table_rows(result.stdout) == []
    assert result.stdout.splitlines()[-1] == "0 versions of 0 models"


def test_nothing_to_list_before_a_versions_walk_names_the_crawl(filled, tmp_path):
    (tmp_path / "matter_certis.db").write_bytes(filled.database.read_bytes())
    execute(tmp_path / "matter_certis.db", "DELETE FROM crawling_results")
    result = firmware(tmp_path, "--text", "sensor")
    [line] = result.stderr.splitlines()
    assert line.endswith("no dcl_versions walk completed yet: run `scrapy crawl dcl_versions`")


def test_json_has_every_field_of_each_version(filled, tmp_path):
    path, result = exported(filled, tmp_path, "bulb.json", "--text", "bulb")
    assert result.stdout == f"3 versions written to {path}\n"
    newest, *_ = json.loads(path.read_text())
    assert newest == {
        "url": url("Bulb A"),
        "model": "Bulb A",
        "vid": "0x1001",
        "pid": "0x0002",
        "software_version": 10,
        "software_version_string": "1.0.10",
        "status": "certified",
        "software_version_valid": True,
        "findings": "ota_for_revoked",
        "ota_url": OTA,
        "ota_file_size": 615708,
        "ota_checksum_type": "sha-256",
        "ota_checksum": "rFZ6WdH0DuuCf7HVoRmNjCF73mYZ98DGYpHoDKmf0Bw=",
        "min_applicable_software_version": 1,
        "max_applicable_software_version": 9,
        "release_notes_url": NOTES,
    }


def test_a_models_file_leaves_out_the_product_fields(filled, tmp_path):
    path, _ = exported(filled, tmp_path, "model.jsonl", "--vid", "0x1001", "--pid", "3")
    [line] = path.read_text().splitlines()
    assert "url" not in json.loads(line) and "model" not in json.loads(line)
    assert json.loads(line)["software_version_string"] == "1.0.3"


def shown(row):
    """What a row shows of a version, an empty cell as ``None``."""
    return tuple(
        row[name] or None for name in ("url", "software_version_string", "ota_checksum_type")
    )


def test_csv_and_xlsx_hold_the_same_rows_as_json(filled, tmp_path):
    path, _ = exported(filled, tmp_path, "all.json")
    expected = [shown(row) for row in json.loads(path.read_text())]
    assert len(expected) == 4
    path, _ = exported(filled, tmp_path, "all.csv")
    with path.open() as file:
        assert [shown(row) for row in csv.DictReader(file)] == expected
    path, _ = exported(filled, tmp_path, "all.xlsx")
    header, *cells = openpyxl.load_workbook(path).active.iter_rows(values_only=True)
    assert [shown(dict(zip(header, row))) for row in cells] == expected


def test_nothing_to_list_writes_an_empty_file(filled, tmp_path):
    path, result = exported(filled, tmp_path, "none.csv", "--vid", "0x2222")
    assert path.read_text().splitlines()[0].startswith("vid,pid,software_version,")
    assert len(path.read_text().splitlines()) == 1
    assert result.stderr.splitlines() == ["no vendor 0x2222 on the ledger"]


@pytest.mark.parametrize(
    "options, message",
    [
        (("--vid", "zz"), "--vid: not a hex or decimal id: 'zz'"),
        (("--vid", "0x10000"), "--vid: id out of range 0..0xFFFF"),
        (("--pid", "2"), "--pid needs --vid"),
        (("--vid", "1", "--text", "bulb"), "--vid lists a model's versions, the filters"),
        (("--since", "soon"), "--since: expected a date (2025-06-27), an ISO time"),
        (("versions.txt",), "unknown format 'txt'"),
        (("a.csv", "b.csv"), "unexpected argument 'b.csv'"),
        (("missing/a.csv",), "no folder missing to write a.csv into"),
    ],
)
def test_a_bad_argument_is_one_error_line(filled, options, message):
    result = scrapy_command(filled.workdir, "dbfirmware", *options)
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("scrapy dbfirmware: error: ") and message in line
    assert result.stdout == ""
