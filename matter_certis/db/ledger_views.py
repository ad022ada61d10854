"""The listing beside the ledger in SQL, one definition each, so that ``dbreconcile``,
``dbstats``, ``dbreport``, ``dbexport``, ``dbfirmware`` and Datasette's queries can never
disagree: which compliance record a listed product matches (``LEDGER_MATCHES``), which of
them say ``revoked_but_listed``, and the findings of the model versions
(``FIRMWARE_NOT_ON_LEDGER``, ``OTA_NOT_HTTPS``, ``OTA_FOR_REVOKED``).

Each is a view of the database (``create``: with the tables, and by ``dbbrowse``) for
users' own SQL and Datasette; the commands read the same text as a subquery (``read``), so a
database an older version made, or one opened read-only, answers the same.
"""

from peewee import SqliteDatabase

from matter_certis.db.models import database

# Every listed product with a certificate id, beside the compliance record it matches: of
# the records still on the ledger whose certificate id equals its own (trimmed, any case),
# the one with the product's own (vid, pid) first (one certificate id may cover a family of
# models), then a ``matter`` record, then the newest software version: the firmware the
# listing shows. vid, pid and certification_date are the product's detail page's.
LEDGER_MATCHES = """
SELECT url, certificate_id, vid, pid, certification_date,
       ledger_vid, ledger_pid, ledger_software_version, ledger_software_version_string,
       ledger_certification_type, ledger_status, ledger_certification_date, ledger_reason
FROM (
    SELECT p.url AS url,
           COALESCE(d.certificate_id, p.certificate_id) AS certificate_id,
           d.vid AS vid,
           d.pid AS pid,
           d.certification_date AS certification_date,
           c.vid AS ledger_vid,
           c.pid AS ledger_pid,
           c.software_version AS ledger_software_version,
           c.software_version_string AS ledger_software_version_string,
           c.certification_type AS ledger_certification_type,
           c.status AS ledger_status,
           c.certification_date AS ledger_certification_date,
           c.reason AS ledger_reason,
           ROW_NUMBER() OVER (
               PARTITION BY p.url
               ORDER BY CASE WHEN c.vid = d.vid AND c.pid = d.pid THEN 0 ELSE 1 END,
                        CASE WHEN c.certification_type = 'matter' THEN 0 ELSE 1 END,
                        c.software_version DESC,
                        c.certification_type
           ) AS choice
    FROM products p
    LEFT JOIN product_details d ON d.url = p.url
    JOIN dcl_compliance c
      ON lower(trim(c.certificate_id)) = lower(trim(COALESCE(d.certificate_id, p.certificate_id)))
    WHERE p.delisted_at IS NULL AND c.removed_at IS NULL
) AS ranked
WHERE choice = 1
"""

# The finding ``revoked_but_listed``: a listed product with stored details, a vid and a pid
# whose matched record is revoked.
REVOKED_BUT_LISTED = f"""
SELECT url, certificate_id, vid, pid,
       ledger_certification_date AS revoked_on, ledger_reason AS reason
FROM ({LEDGER_MATCHES}) AS matches
WHERE ledger_status = 'revoked' AND vid IS NOT NULL AND pid IS NOT NULL
"""

# The certificate id of a model version: that of its matter compliance record, if any.
_VERSION_CERTIFICATE = """(
    SELECT MIN(c.certificate_id) FROM dcl_compliance c
    WHERE c.vid = v.vid AND c.pid = v.pid AND c.software_version = v.software_version
      AND c.certification_type = 'matter' AND c.removed_at IS NULL
)"""

# The finding ``ota_not_https``: a model version on the ledger whose OTA URL is set but is
# not HTTPS, which the Matter specification requires (the ledger does not enforce it).
OTA_NOT_HTTPS = f"""
SELECT v.vid, v.pid, v.software_version, v.software_version_string, v.ota_url,
       {_VERSION_CERTIFICATE} AS certificate_id
FROM dcl_model_versions v
WHERE v.removed_at IS NULL AND v.ota_url IS NOT NULL
  AND substr(lower(v.ota_url), 1, 8) <> 'https://'
"""

# The finding ``ota_for_revoked``: a model version that offers an OTA image (URL set, the
# version valid) although a compliance record of that firmware is revoked.
OTA_FOR_REVOKED = """
SELECT v.vid, v.pid, v.software_version, v.software_version_string, v.ota_url,
       c.certificate_id, c.certification_type, c.certification_date AS revoked_on, c.reason
FROM dcl_model_versions v
JOIN dcl_compliance c
  ON c.vid = v.vid AND c.pid = v.pid AND c.software_version = v.software_version
WHERE v.removed_at IS NULL AND v.ota_url IS NOT NULL AND v.software_version_valid
  AND c.removed_at IS NULL AND c.status = 'revoked'
"""

# The finding ``firmware_not_on_ledger``: a listed product with details, a certificate id, a
# vid, a pid and a software or firmware version, whose model (that of its matched
# compliance record, else its own vid/pid) has versions on the ledger, none of whose version
# strings is its software or firmware version (trimmed, any case).
FIRMWARE_NOT_ON_LEDGER = f"""
SELECT p.url, COALESCE(d.certificate_id, p.certificate_id) AS certificate_id, d.vid, d.pid,
       COALESCE(m.ledger_vid, d.vid) AS model_vid, COALESCE(m.ledger_pid, d.pid) AS model_pid,
       d.software_version, d.firmware_version
FROM products p
JOIN product_details d ON d.url = p.url
LEFT JOIN ({LEDGER_MATCHES}) AS m ON m.url = p.url
WHERE p.delisted_at IS NULL AND d.vid IS NOT NULL AND d.pid IS NOT NULL
  AND COALESCE(d.certificate_id, p.certificate_id) IS NOT NULL
  AND (d.software_version IS NOT NULL OR d.firmware_version IS NOT NULL)
  AND EXISTS (
      SELECT 1 FROM dcl_model_versions v
      WHERE v.vid = COALESCE(m.ledger_vid, d.vid) AND v.pid = COALESCE(m.ledger_pid, d.pid)
        AND v.removed_at IS NULL
  )
  AND NOT EXISTS (
      SELECT 1 FROM dcl_model_versions v
      WHERE v.vid = COALESCE(m.ledger_vid, d.vid) AND v.pid = COALESCE(m.ledger_pid, d.pid)
        AND v.removed_at IS NULL
        AND lower(trim(v.software_version_string)) IN (
            lower(trim(d.software_version)), lower(trim(d.firmware_version))
        )
  )
"""

VIEWS = {
    "ledger_matches": LEDGER_MATCHES,
    "revoked_but_listed": REVOKED_BUT_LISTED,
    "firmware_not_on_ledger": FIRMWARE_NOT_ON_LEDGER,
    "ota_not_https": OTA_NOT_HTTPS,
    "ota_for_revoked": OTA_FOR_REVOKED,
}

# Certificate ids are compared as LEDGER_MATCHES does: an index on that expression keeps
# the match one lookup a product.
CERTIFICATE_INDEX = (
    "CREATE INDEX IF NOT EXISTS dcl_compliance_certificate_key "
    "ON dcl_compliance (lower(trim(certificate_id)))"
)


def statements():
    """The SQL that (re)makes the views and the index, in order; each view made anew, so it
    follows this version."""
    made = [CERTIFICATE_INDEX]
    for name, select in VIEWS.items():
        made += [f"DROP VIEW IF EXISTS {name}", f"CREATE VIEW {name} AS {select.strip()}"]
    return made


def create():
    """Make the views and the index in the bound ``database`` (inside its schema
    transaction). SQLite keeps a view's statement as written: one already as this version
    writes it is left alone, so that opening the database writes nothing (a disk that is
    nearly full still opens)."""
    database.execute_sql(CERTIFICATE_INDEX)
    sqlite = isinstance(database.obj, SqliteDatabase)
    for name, select in VIEWS.items():
        statement = f"CREATE VIEW {name} AS {select.strip()}"
        if sqlite:
            cursor = database.execute_sql(
                "SELECT sql FROM sqlite_master WHERE type = 'view' AND name = ?", (name,)
            )
            if cursor.fetchone() == (statement,):
                continue
        database.execute_sql(f"DROP VIEW IF EXISTS {name}")
        database.execute_sql(statement)


def read(select):
    """The rows of one of the selects above as dicts, read as a subquery."""
    cursor = database.execute_sql(f"SELECT * FROM ({select}) AS found")
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]
