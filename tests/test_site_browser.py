"""The course site in a real headless Chromium: navigation, search, linked
content tabs, checkpoint answers, no console errors, no request leaving
localhost, and no serious or critical accessibility violation (axe-core) on
any page, in both colour schemes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from tests.conftest import ROOT
from tests.site_server import build_site, serve

LESSONS = ["Shared responsibility", "The root user", "Stop using the root user",
           "Multi-factor authentication", "CloudTrail", "Billing reports",
           "Checkpoint questions", "Key takeaways"]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("site")
    build_site(ROOT, folder)
    return folder


@pytest.fixture(scope="module")
def site(built: Path) -> Iterator[str]:
    with serve(built) as url:
        yield url


class Visit:
    """A browser tab that records console errors and any request off localhost."""

    def __init__(self, browser: Any, scheme: str = "light", files: bool = False) -> None:
        self.files = files  # True: the site is opened from the file system
        self.context = browser.new_context(color_scheme=scheme)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.remote: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.context.route("**/*", self._only_local)

    def _only_local(self, route: Any) -> None:
        url = urlparse(route.request.url)
        if (url.scheme == "file") if self.files else url.hostname in {"127.0.0.1", "localhost"}:
            route.continue_()
        else:
            self.remote.append(route.request.url)
            route.abort()

    def close(self) -> None:
        self.context.close()
        assert self.errors == [], self.errors
        assert self.remote == [], self.remote


@pytest.fixture
def visit(browser: Any) -> Iterator[Visit]:
    tab = Visit(browser)
    yield tab
    tab.close()


def test_home_loads(site: str, visit: Visit) -> None:
    visit.page.goto(site)
    assert visit.page.title().startswith("Secure Your AWS Account")
    assert visit.page.locator("h1").first.inner_text().startswith("Secure Your AWS Account")


def test_each_lesson_is_reachable_from_the_navigation(site: str, visit: Visit) -> None:
    for title in LESSONS:
        visit.page.goto(site)
        visit.page.locator("nav.md-nav--primary a.md-nav__link", has_text=title).first.click()
        visit.page.wait_for_load_state()
        assert visit.page.locator("article h1").first.is_visible(), title
        assert visit.page.url.startswith(site + "lessons/"), title


def test_previous_and_next_through_the_course(site: str, visit: Visit) -> None:
    visit.page.goto(site + "lessons/root-user.html")
    visit.page.locator("a.md-footer__link--next").click()
    visit.page.wait_for_load_state()
    assert visit.page.url.endswith("lessons/stop-using-root.html")


def test_search_finds_cloudtrail(site: str, visit: Visit) -> None:
    visit.page.goto(site)
    search = visit.page.locator("input.md-search__input")
    search.click()
    search.press_sequentially("CloudTrail", delay=50)
    results = visit.page.locator(".md-search-result__item")
    results.first.wait_for(timeout=10_000)
    assert "CloudTrail" in results.first.inner_text()


def test_a_chosen_tab_is_chosen_on_other_pages(site: str, visit: Visit) -> None:
    visit.page.goto(site + "lessons/mfa.html")
    visit.page.locator(".tabbed-labels label", has_text="Python (boto3)").first.click()
    visit.page.goto(site + "lessons/cloudtrail.html")
    chosen = visit.page.locator(".tabbed-set input:checked + label, .tabbed-labels "
                                "label").filter(has_text="Python (boto3)").first
    chosen.wait_for()
    active = visit.page.evaluate(
        "() => [...document.querySelectorAll('.tabbed-set > input:checked')]"
        ".map(i => document.querySelector(`label[for='${i.id}']`).innerText)")
    assert active and all(label == "Python (boto3)" for label in active), active


def test_a_checkpoint_answer_opens(site: str, visit: Visit) -> None:
    visit.page.goto(site + "lessons/checkpoint.html")
    first = visit.page.locator("details.question").first
    assert first.get_attribute("open") is None
    assert not first.locator("p").first.is_visible()
    first.locator("summary").click()
    assert first.get_attribute("open") is not None
    assert first.locator("p").first.is_visible()
    assert first.locator("p").first.inner_text().startswith("Answer: a)")


def test_glossary_terms_explain_themselves(site: str, visit: Visit) -> None:
    visit.page.goto(site + "lessons/mfa.html")
    term = visit.page.locator("abbr", has_text="TOTP").first
    assert "one-time password" in (term.get_attribute("title") or "")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_serious_accessibility_violations(site: str, built: Path, browser: Any,
                                             scheme: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    site_dir_pages = sorted(str(p.relative_to(built)) for p in built.rglob("*.html")
                            if p.name != "404.html")
    assert len(site_dir_pages) >= 12
    tab = Visit(browser, scheme)
    axe = Axe()
    found = []
    for path in site_dir_pages:
        tab.page.goto(site + path)
        expected = "slate" if scheme == "dark" else "default"
        assert tab.page.evaluate("document.body.dataset.mdColorScheme") == expected
        for violation in axe.run(tab.page).response["violations"]:
            if violation["impact"] in {"serious", "critical"}:
                targets = [node["target"] for node in violation["nodes"][:3]]
                found.append(f"{path}: {violation['id']} {targets}")
    tab.close()
    assert found == []



_CUT_OFF = """() => [...document.querySelectorAll('article pre > code')].flatMap(code => {
  const box = code.getBoundingClientRect();
  const range = document.createRange();
  range.selectNodeContents(code);
  const right = Math.max(...[...range.getClientRects()].map(r => r.right));
  return right > box.right + 1 ? [code.innerText.split('\\n')[0]] : [];
})"""


def test_no_code_line_of_an_exercise_page_is_cut_off_at_1280_px(
        site: str, built: Path, browser: Any) -> None:
    """At 1280 px (navigation and all), every line of an exercise page's code blocks shows
    whole, without scrolling: 04's `grade authenticator ...  # comment` lines were cut."""
    tab = Visit(browser)
    tab.page.set_viewport_size({"width": 1280, "height": 800})
    pages = sorted(p.name for p in (built / "exercises").glob("*.html"))
    assert "04-mfa.html" in pages
    cut = {}
    for name in pages:
        tab.page.goto(site + "exercises/" + name)
        assert tab.page.locator("nav.md-nav--primary").first.is_visible()
        blocks = tab.page.locator("article pre > code")
        assert name != "04-mfa.html" or blocks.count() > 0
        found = tab.page.evaluate(_CUT_OFF)
        if found:
            cut[name] = found
    tab.close()
    assert cut == {}


def test_the_built_folder_works_offline_from_files(built: Path, browser: Any) -> None:
    """Opened from the file system (no server, no network), pages and search work."""
    tab = Visit(browser, files=True)
    tab.page.goto((built / "lessons" / "cloudtrail.html").as_uri())
    assert tab.page.locator("article h1").first.inner_text().startswith("AWS CloudTrail")
    search = tab.page.locator("input.md-search__input")
    search.click()
    search.press_sequentially("multi-factor", delay=50)
    tab.page.locator(".md-search-result__item").first.wait_for(timeout=10_000)
    tab.close()
