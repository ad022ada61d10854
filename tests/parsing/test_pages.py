"""The whole-page verdict is judged once per response: the retry middleware and the page
check both ask for it (issue 12 measured the second judgement at 7% of a crawl's CPU); a
response judged for another request is judged again."""

from scrapy import Request

from matter_certis.parsing import pages
from tests.helpers import response_from

DETAIL_URL = "https://csa-iot.org/csa_product/wi-fi-plug-27/"


def detail(fixture):
    return response_from(fixture, DETAIL_URL, meta={"kind": "detail"})


def counting_judgements(monkeypatch):
    judged = []
    judge = pages._judge

    def counted(request, response):
        judged.append(request)
        return judge(request, response)

    monkeypatch.setattr(pages, "_judge", counted)
    return judged


def test_a_response_is_judged_once_for_its_request(monkeypatch):
    judged = counting_judgements(monkeypatch)
    response = detail("matter_products_detail_broken.html")
    verdicts = [pages.page_problem(response.request, response) for _ in range(2)]
    assert verdicts == ["the document does not end (no </html>): cut short"] * 2
    assert len(judged) == 1


def test_a_response_is_judged_again_for_another_request(monkeypatch):
    judged = counting_judgements(monkeypatch)
    response = detail("matter_products_detail_spans.html")
    as_listing = Request(DETAIL_URL, meta={"kind": "list", "page": 1})
    assert pages.page_problem(response.request, response) is None
    assert pages.page_problem(as_listing, response) == "no card container"
    assert len(judged) == 2
