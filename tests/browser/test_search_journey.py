"""A buyer searches without diacritics, narrows by two facets, and opens a result."""
import pytest

from market.extensions import db
from market.search import sync
from market.services import demo_market

pytestmark = pytest.mark.browser


def test_search_without_diacritics_two_facets_open_result(page, factory):
    with factory.app.app_context():
        demo_market.seed_demo()
        demo_market.seed_demo_catalog()
        db.session.commit()
        sync.reindex()

    page.goto("/")
    page.fill("#header-q", "hoi kho")
    page.press("#header-q", "Enter")
    page.wait_for_url("**/search?q=hoi+kho")
    first_total = page.locator(".total").inner_text()
    assert page.locator("ol.hits li").count() >= 2
    assert page.locator("ol.hits mark").first.inner_text().lower() in ("hồi", "khô")

    # Two facets; with JavaScript the results update in place and the URL stays shareable.
    # On a phone the filters sit behind the "Bộ lọc" control, before the results.
    page.click("#filters > summary")
    page.check("fieldset[data-facet=kind] input[value=listing]")
    page.wait_for_url("**kind=listing**")
    page.check("fieldset[data-facet=cert] input[value=organic]")
    page.wait_for_url("**cert=organic**")
    page.wait_for_function("!document.querySelector('#results').hasAttribute('aria-busy')")
    assert page.locator(".total").inner_text() != first_total
    assert page.locator(".chips li").count() == 2
    titles = page.locator("ol.hits .hit-title").all_inner_texts()
    assert titles == ["Hoa hồi khô vụ mùa, hữu cơ"]

    page.click("ol.hits .hit-title")
    page.wait_for_url("**/listings/*")
    assert page.locator("h1").inner_text() == "Hoa hồi khô vụ mùa, hữu cơ"


def test_suggestions_as_you_type_in_telex(page, factory):
    """The header's search box suggests while typing, Telex included; arrow keys and Enter open one."""
    with factory.app.app_context():
        demo_market.seed_demo()
        demo_market.seed_demo_catalog()
        db.session.commit()
        sync.reindex()

    page.goto("/")
    page.click("#header-q")
    page.keyboard.type("hooif", delay=30)
    listbox = page.locator(".suggestions[role=listbox]")
    listbox.wait_for(state="visible")
    assert page.get_attribute("#header-q", "aria-expanded") == "true"
    labels = page.locator(".suggestions [role=option] a").all_inner_texts()
    assert any(label.startswith("Hồi") for label in labels)
    page.keyboard.press("ArrowDown")
    chosen = page.locator(".suggestions [aria-selected=true] a")
    href = chosen.get_attribute("href")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{href}")
