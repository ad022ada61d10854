"""What every spider of the DCL ledger does with a record: load it whole or refuse it whole."""

from matter_certis.base_spiders import setting_checks
from matter_certis.base_spiders.dead_letters import REFUSED, DeadLetters
from matter_certis.exceptions import MalformedPage
from matter_certis.run import verdict


class LedgerRecords(DeadLetters):
    """Mixed into a ledger spider, which names what a record is (``noun``, for log lines;
    ``loader_class``, its loader), its key (``key``, item fields) and the endpoint whose
    ``{path}/{key parts}`` is the record's own address (``path``).

    A record is refused whole, its stored row left as it was, when a value has the wrong
    JSON type or shape, a part of its key is missing, or its key came before in this run
    (the first kept): it goes to the dead-letter list and makes the run ``partial``
    (``audit()``).
    """

    path = noun = loader_class = None
    key = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.loaded = {}  # key -> the record's values, to tell a key read twice
        self.refused = []

    @classmethod
    def check_settings(cls, settings):
        super().check_settings(settings)
        setting_checks.web_address(settings, "DCL_BASE_URL")

    def base_url(self):
        return self.settings["DCL_BASE_URL"].rstrip("/")

    def load(self, response, record, place=1):
        """The item of the ``place``-th record of a page, or its dead letter if it is
        refused (``refuse``)."""
        loader = self.loader_class(response=response, spider=self)
        loader.add_record(record)
        item = loader.load_item()
        missing = [field for field in self.key if item.get(field) is None]
        if loader.refusals or missing:
            # Named where a user finds it: its own endpoint, else its place on the page.
            where = f"{response.url}#record-{place}" if missing else self.record_url(item)
            if loader.refusals:
                why = "; ".join(f"{name}: {error}" for name, error in loader.refusals)
                return self.refuse(where, why)
            names = {field: name for name, field in self.loader_class.record_keys.items()}
            return self.refuse(where, f"no {'/'.join(names[field] for field in missing)}")
        key = tuple(item[field] for field in self.key)
        earlier = self.loaded.get(key)
        if earlier is not None:
            why = f"its key came twice in this walk, {twice(earlier, item)}"
            return self.refuse(self.record_url(item), why)
        self.loaded[key] = dict(item)
        return item

    def record_url(self, item):
        """The ledger's one-record endpoint of a loaded record: where a user looks it up."""
        return "/".join([self.base_url() + self.path, *(str(item[f]) for f in self.key)])

    def refuse(self, url, why):
        """A record that cannot be stored whole: warned about, counted, named by
        ``audit()``; returns its dead letter."""
        self.refused.append(f"DCL {self.noun} record {url} not stored ({why})")
        return self.refused_record_letter(url, why)

    def audit(self):
        """Refused records are planned but not stored: the run is ``partial``."""
        return [verdict.Problem("partial", problem) for problem in self.refused]

    def unsettled(self, failures):
        """Refused records are named by ``audit()``, not as failed requests."""
        return [failure for failure in failures if failure["error_type"] != REFUSED]


def twice(first, second):
    """What differs between two records of one key, in words; the first is kept."""
    fields = sorted(set(first) | set(second))
    differ = [
        f"{f} {first.get(f)!r} then {second.get(f)!r}"
        for f in fields
        if first.get(f) != second.get(f)
    ]
    return ("the first kept: " + ", ".join(differ)) if differ else "with the same values"


def json_object(response):
    """The JSON object a ledger answer holds; ``MalformedPage`` if it holds none."""
    try:
        answer = response.json()
    except ValueError as error:
        raise MalformedPage(f"not JSON: {error}") from None
    if not isinstance(answer, dict):
        raise MalformedPage("not a JSON object")
    return answer
