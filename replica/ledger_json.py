"""The ledger's records in the DCL REST API's JSON shapes, and their keys in its store (which
the pagination's next_key points into)."""

from .ledger_truth import STATUS

# Between a model's name and its vendor's in a label: as in real ledger labels, sometimes a
# double space or a no-break space.
LABEL_GAPS = (" ", "  ", "\u00a0")


def timestamp(iso_date):
    """The ledger's date shape: ``2023-12-11T00:00:00.000Z``."""
    return f"{iso_date}T00:00:00.000Z"


def model_json(product, vid, pid, vendor=None):
    """A model record in the ledger's JSON shape, of a product (or a ledger-only vendor's)."""
    vendor = vendor or product.vendor
    name = product.values["model"] if product else f"{vendor.name} Ledger Device {pid}"
    serial = product.serial if product else pid
    flow = serial % 3
    return {
        "vid": vid,
        "pid": pid,
        "deviceTypeId": int(product.values["primary_device_type_id"].split(",")[0], 16)
        if product and product.values["primary_device_type_id"]
        else 0,
        "productName": name,
        # a double space or a no-break space inside, as in real ledger labels
        "productLabel": "" if serial % 4 == 0 else f"{name}{LABEL_GAPS[serial % 3]}({vendor.name})",
        "partNumber": (product.values["family_variant_sku"] or "") if product else f"LD-{pid}",
        # a trailing space, as on the real ledger
        "productUrl": f"https://www.example.com/{vendor.slug}/{pid}"
        + (" " if serial % 5 == 0 else ""),
        "supportUrl": "" if serial % 2 else f"https://support.example.com/{vendor.slug}",
        "userManualUrl": "",
        "lsfUrl": "",
        "lsfRevision": 0,
        "commissioningCustomFlow": flow,
        "commissioningCustomFlowUrl": f"https://setup.example.com/{vendor.slug}/{pid}"
        if flow == 2
        else "",
        "commissioningModeInitialStepsHint": 1,
        "commissioningModeInitialStepsInstruction": "",
        "commissioningModeSecondaryStepsHint": 0,
        "commissioningModeSecondaryStepsInstruction": "",
        "maintenanceUrl": "",
        "factoryResetStepsHint": 0,
        "factoryResetStepsInstruction": "",
        "enhancedSetupFlowOptions": 0,
        "creator": vendor.creator,
        "schemaVersion": 0,
    }


def state(status, on, reason):
    """A compliance state: the record's current one, or one of its history."""
    return {
        "softwareVersionCertificationStatus": STATUS[status],
        "date": timestamp(on),
        "reason": reason,
        "cDVersionNumber": 1,
    }


def compliance_json(vid, pid, software_version, version_string, kind, certificate, state, history):
    return {
        "vid": vid,
        "pid": pid,
        "softwareVersion": software_version,
        "certificationType": kind,
        "softwareVersionString": version_string,
        "cDVersionNumber": state["cDVersionNumber"],
        "softwareVersionCertificationStatus": state["softwareVersionCertificationStatus"],
        "date": state["date"],
        "reason": state["reason"],
        "owner": "cosmos1" + "q" * 38,
        "history": history,
        "cDCertificateId": certificate,
        "certificationRoute": "",
        "programType": "",
        "programTypeVersion": "",
        "compliantPlatformUsed": "",
        "compliantPlatformVersion": "",
        "transport": "",
        "familyId": "",
        "supportedClusters": "",
        "OSVersion": "",
        "parentChild": "",
        "certificationIdOfSoftwareComponent": "",
        "schemaVersion": 0,
    }


def model_store_key(record):
    return record["vid"].to_bytes(2, "big") + record["pid"].to_bytes(2, "big")


def compliance_store_key(record):
    kind = record["certificationType"].encode().ljust(8, b"\0")[:8]
    return (
        record["vid"].to_bytes(2, "big")
        + record["pid"].to_bytes(2, "big")
        + record["softwareVersion"].to_bytes(4, "big")
        + kind
    )
