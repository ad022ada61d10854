"""Item loaders of the DCL ledger's JSON records (vendors, models, compliance): each ledger
key to its column, each value checked by its JSON rule (``normalize.json_*``). Unlike a
page's, a value its rule refuses is not left out: the loader notes it (``refusals``) and the
spider refuses the whole record, so that what is stored for it stays as it was."""

from itemloaders.processors import MapCompose

from matter_certis.exceptions import InvalidValue
from matter_certis.items import DclCompliance, DclModel, DclModelVersion, Vendor
from matter_certis.parsing import normalize
from matter_certis.parsing.loaders import ResolvedOnceLoader

# DCL vendor record keys and the column each fills; ``creator`` is not stored.
DCL_VENDOR_KEYS = {
    "vendorID": "vendor_id",
    "vendorName": "vendor_name",
    "companyLegalName": "company_legal_name",
    "companyPreferredName": "company_preferred_name",
    "vendorLandingPageURL": "vendor_landing_page_url",
}


def json_value_in(rule, key):
    """Input processor for the value of the ledger's ``key``: a value its rule refuses is
    noted in the loader's ``refusals`` as ``(key, why)``, never coerced."""

    def apply(value, loader_context):
        try:
            return rule(value)
        except InvalidValue as error:
            loader_context["refusals"].append((key, str(error)))
            return None

    return MapCompose(apply)


class JsonRecordLoader(ResolvedOnceLoader):
    """Loads one DCL JSON record; ``add_record`` maps the ledger's names (``record_keys``)
    to ours.

    JSON values keep their JSON meaning: only ``null``, ``""`` or a missing key is missing
    (the site's HTML markers such as ``None`` are names here), and a value of the wrong
    type (a string where an integer belongs, a number for a name) or shape (a date that is
    no ledger date) is refused: ``refusals`` lists them, and the spider refuses the record.
    """

    record_keys = {}
    # Column -> its JSON rule; a column not named is text (``normalize.json_text``).
    rules = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for key, field in cls.record_keys.items():
            rule = cls.rules.get(field, normalize.json_text)
            setattr(cls, f"{field}_in", json_value_in(rule, key))

    def __init__(self, response=None, spider=None):
        # The response only names the page in warnings: giving it to ItemLoader would parse
        # the whole page again for every record (a JSON selector).
        super().__init__(spider=spider)
        self.context["response"] = response
        self.context["refusals"] = []

    @property
    def refusals(self):
        """``(ledger key, why)`` of each value its rule refused."""
        return self.context["refusals"]

    def add_record(self, record):
        for key, field in self.record_keys.items():
            # Wrapped: a JSON list is one value (history, or a refused name), not several.
            self.add_value(field, [record.get(key)])


class VendorLoader(JsonRecordLoader):
    """Loads one DCL ``vendorInfo`` record."""

    default_item_class = Vendor
    record_keys = DCL_VENDOR_KEYS
    rules = {"vendor_id": normalize.json_id}


# DCL model record keys (``/dcl/model/models``) and the column each fills; the commissioning hints
# and instructions, lsf and maintenance URLs and ``creator`` are not stored.
DCL_MODEL_KEYS = {
    "vid": "vid",
    "pid": "pid",
    "deviceTypeId": "device_type_id",
    "productName": "product_name",
    "productLabel": "product_label",
    "partNumber": "part_number",
    "productUrl": "product_url",
    "supportUrl": "support_url",
    "userManualUrl": "user_manual_url",
    "commissioningCustomFlow": "commissioning_custom_flow",
    "commissioningCustomFlowUrl": "commissioning_custom_flow_url",
    "schemaVersion": "schema_version",
}


class DclModelLoader(JsonRecordLoader):
    """Loads one DCL ``model`` record: ids and counts JSON integers, text trimmed."""

    default_item_class = DclModel
    record_keys = DCL_MODEL_KEYS
    rules = {
        "vid": normalize.json_id,
        "pid": normalize.json_id,
        "device_type_id": normalize.json_integer,
        "commissioning_custom_flow": normalize.json_integer,
        "schema_version": normalize.json_integer,
    }


# DCL compliance record keys and the column each fills; the platform, transport and
# program details are not stored.
DCL_COMPLIANCE_KEYS = {
    "vid": "vid",
    "pid": "pid",
    "softwareVersion": "software_version",
    "softwareVersionString": "software_version_string",
    "certificationType": "certification_type",
    "cDCertificateId": "certificate_id",
    "cDVersionNumber": "cd_version_number",
    "softwareVersionCertificationStatus": "status",
    "date": "certification_date",
    "reason": "reason",
    "history": "history",
}


class DclComplianceLoader(JsonRecordLoader):
    """Loads one DCL ``complianceInfo`` record: the status code as its name, the date as
    an ISO date, the history as JSON text."""

    default_item_class = DclCompliance
    record_keys = DCL_COMPLIANCE_KEYS
    rules = {
        "vid": normalize.json_id,
        "pid": normalize.json_id,
        "software_version": normalize.json_integer,
        "cd_version_number": normalize.json_integer,
        "status": normalize.json_status,
        "certification_date": normalize.json_date,
        "history": normalize.json_list,
    }


# DCL model version keys (``/dcl/model/versions/{vid}/{pid}/{softwareVersion}``) and the
# column each fills; ``creator`` is not stored.
DCL_VERSION_KEYS = {
    "vid": "vid",
    "pid": "pid",
    "softwareVersion": "software_version",
    "softwareVersionString": "software_version_string",
    "cdVersionNumber": "cd_version_number",
    "firmwareInformation": "firmware_information",
    "softwareVersionValid": "software_version_valid",
    "otaUrl": "ota_url",
    "otaFileSize": "ota_file_size",
    "otaChecksum": "ota_checksum",
    "otaChecksumType": "ota_checksum_type",
    "minApplicableSoftwareVersion": "min_applicable_software_version",
    "maxApplicableSoftwareVersion": "max_applicable_software_version",
    "releaseNotesUrl": "release_notes_url",
    "schemaVersion": "schema_version",
}


class DclModelVersionLoader(JsonRecordLoader):
    """Loads one DCL ``modelVersion`` record: the OTA file size from the ledger's digit
    string, validity a JSON boolean, versions and the checksum type JSON integers."""

    default_item_class = DclModelVersion
    record_keys = DCL_VERSION_KEYS
    rules = {
        "vid": normalize.json_id,
        "pid": normalize.json_id,
        "software_version": normalize.json_integer,
        "cd_version_number": normalize.json_integer,
        "software_version_valid": normalize.json_bool,
        "ota_file_size": normalize.json_digits,
        "ota_checksum_type": normalize.json_integer,
        "min_applicable_software_version": normalize.json_integer,
        "max_applicable_software_version": normalize.json_integer,
        "schema_version": normalize.json_integer,
    }
