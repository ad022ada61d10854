"""Helpers for the ledger tests: walks of the replica's DCL model and compliance lists into
one database, and the stored rows read back in the replica's ground-truth shape."""

from tests.crawling import crawl, rows

MODEL_COLUMNS = (
    "vid",
    "pid",
    "device_type_id",
    "product_name",
    "product_label",
    "part_number",
    "product_url",
    "support_url",
    "user_manual_url",
    "commissioning_custom_flow",
    "commissioning_custom_flow_url",
    "schema_version",
)
COMPLIANCE_COLUMNS = (
    "vid",
    "pid",
    "software_version",
    "software_version_string",
    "certification_type",
    "certificate_id",
    "cd_version_number",
    "status",
    "certification_date",
    "reason",
    "history",
)


def walk(replica, workdir, spider, **settings):
    """One ``scrapy crawl`` of ``spider`` against ``replica`` into ``workdir``; returns what
    the tests look at: the process, the log, the DCL requests it made and its run row."""
    replica.clear_log()
    (workdir / "crawl.log").unlink(missing_ok=True)
    result = crawl(replica, workdir, spider=spider, **settings)
    database = workdir / "matter_certis.db"
    return {
        "result": result,
        "log": (workdir / "crawl.log").read_text(),
        "requests": [record.path for record in replica.request_log if record.kind == "dcl"],
        "run": rows(
            database,
            "SELECT * FROM crawling_results WHERE spider = ? ORDER BY started_at DESC",
            spider,
        )[0],
    }


def stored_models(workdir, where="removed_at IS NULL"):
    return rows(
        workdir / "matter_certis.db",
        f"SELECT {', '.join(MODEL_COLUMNS)} FROM dcl_models WHERE {where} ORDER BY vid, pid",
    )


def stored_compliance(workdir, where="removed_at IS NULL"):
    return rows(
        workdir / "matter_certis.db",
        f"SELECT {', '.join(COMPLIANCE_COLUMNS)} FROM dcl_compliance WHERE {where} "
        "ORDER BY vid, pid, software_version, certification_type",
    )


def pages(records, limit):
    return -(-records // limit)
