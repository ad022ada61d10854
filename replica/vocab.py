"""Word lists the generator draws from, so products and vendors read like the real site's."""

# (device type label, primary device type ids, application categories, model nouns)
DEVICE_KINDS = [
    (
        "Light Bulb",
        (0x0101, 0x010C, 0x010D),
        ("Lighting",),
        ("Bulb", "Smart Bulb A19", "GU10 Spot", "Filament Bulb"),
    ),
    (
        "Plug-in Unit",
        (0x010A, 0x010B),
        ("Energy Management", "Appliances"),
        ("Plug", "Smart Plug Mini", "Plug & Energy Meter"),
    ),
    (
        "Door Lock",
        (0x000A,),
        ("Security", "Access Control"),
        ("Door Lock", "Smart Deadbolt", "Lever Lock Pro"),
    ),
    (
        "Thermostat",
        (0x0301,),
        ("HVAC", "Energy Management"),
        ("Thermostat", "Radiator Valve", "Smart Thermostat E"),
    ),
    ("Bridge", (0x000E,), ("Hubs & Bridges",), ("Hub", "Bridge", "Gateway & Hub")),
    (
        "Contact Sensor",
        (0x0015,),
        ("Security", "Sensors"),
        ("Door/Window Sensor", "Contact Sensor"),
    ),
    ("Motion Sensor", (0x0107,), ("Security", "Sensors"), ("Motion Sensor", "Presence Sensor FP2")),
    (
        "Temperature Sensor",
        (0x0302, 0x0307),
        ("Sensors", "HVAC"),
        ("Temp & Humidity Sensor", "Climate Sensor"),
    ),
    (
        "Window Covering",
        (0x0202,),
        ("Window Coverings",),
        ("Roller Blind", "Curtain Motor", "Shade Controller"),
    ),
    (
        "Switch",
        (0x000F, 0x0103, 0x0104),
        ("Lighting", "Switches & Controls"),
        ("Wall Switch", "Dimmer Switch", "Scene Button"),
    ),
    (
        "LED Strip",
        (0x010C, 0x010D),
        ("Lighting",),
        ("LED Strip", "Light Strip Plus", "RGBIC Strip"),
    ),
    (
        "Air Purifier",
        (0x002D,),
        ("Appliances", "Air Quality"),
        ("Air Purifier", "HEPA Purifier 300"),
    ),
    ("Robot Vacuum Cleaner", (0x0074,), ("Appliances",), ("Robot Vacuum", "Robot Vacuum & Mop")),
    ("Smoke & CO Alarm", (0x0076,), ("Security", "Safety"), ("Smoke Alarm", "Smoke & CO Detector")),
    ("Fan", (0x002B,), ("HVAC", "Appliances"), ("Ceiling Fan", "Tower Fan")),
]
# weights: bulbs and plugs dominate, as on the live site
DEVICE_WEIGHTS = [18, 16, 6, 5, 4, 6, 5, 5, 5, 8, 7, 3, 3, 3, 3]

MODEL_PREFIXES = ["", "", "Smart", "Wi-Fi", "Matter", "Thread", "Mini", "Pro", "Home", "Eco"]
TRANSPORTS = [
    ("Wi-Fi", 30),
    ("Thread", 25),
    ("Ethernet", 5),
    ("Wi-Fi, Bluetooth", 25),
    ("Thread, Bluetooth", 15),
]
EXTRA_CATEGORIES = ["Smart Home", "Voice Assistants", "Outdoor", "Accessories"]

VENDOR_HEADS = [
    "Bright",
    "Nova",
    "Lumi",
    "Aqua",
    "Zen",
    "Hexa",
    "Orbi",
    "Vela",
    "Terra",
    "Sky",
    "Quanta",
    "Halo",
    "Pixel",
    "Arc",
    "Beacon",
    "Cobalt",
    "Ember",
    "Flux",
    "Gale",
    "Iris",
    "Juno",
    "Kite",
    "Lyra",
    "Mira",
]
VENDOR_TAILS = [
    "wave",
    "link",
    "tek",
    "home",
    "sense",
    "light",
    "volt",
    "net",
    "ify",
    "lab",
    "mesh",
    "works",
]
VENDOR_SECTORS = [
    "Home",
    "Electric",
    "Technology",
    "Smart Living",
    "Lighting",
    "Electronics",
    "Systems",
]
LEGAL_FORMS = [
    "Inc.",
    "Co., Ltd.",
    "GmbH",
    "B.V.",
    "LLC",
    "Ltd.",
    "S.A.",
    "AB",
    "Technology Co., Ltd.",
    "Corporation",
]

UNKNOWN_FIELDS = [
    ("Certification Type", ("Matter", "Matter Product", "Matter (Rapid Recertification)")),
    ("Product Tags", ("smart home", "energy, plug", "lighting, bulb", "security")),
    ("Program Type", ("Matter",)),
]

DESC_FIRST = [
    "The {model} is a Matter certified {kind} from {maker}.",
    "{maker} presents the {model}, a {kind} that works with every Matter ecosystem.",
    "Control your home with the {model}: a reliable {kind} built on Matter.",
]
DESC_SECOND = [
    "Works with Apple Home, Google Home & Amazon Alexa out of the box.",
    "Setup takes less than a minute; no proprietary hub is required.",
    "Firmware updates are delivered over the air & keep the device secure.",
]

MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
MISSING_TOKENS = ["", "N/A", "-", "None", "Unknown", "n/a", "unknown", "NONE"]


def ledger_text(value):
    """The crawler's convention for a ledger string: trimmed at both ends only ("" -> None)."""
    return value.strip() or None


def clean(value):
    """The crawler's string convention: collapse whitespace (NBSP too); blank/N/A-like -> None."""
    if value is None:
        return None
    text = " ".join(str(value).split())
    return None if text.lower() in {"", "n/a", "-", "none", "unknown"} else text
