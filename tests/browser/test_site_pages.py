"""The course's website (make site) in headless Chromium, with every request off this machine blocked.

The site is built into a temporary folder from solutions/ and opened page by page from disk (file://, which also
catches a root-relative link that would break under GitHub Pages' /<repository>/ prefix). On every page:
  - nothing was requested from another site, and every file the page asked for was there;
  - MathJax (the site's own copy) typeset every formula, with no error, and no $...$ is left in the prose;
  - every picture loaded (figures are inline; the Colab badge is the site's own);
  - every link inside the site finds its page, and its anchor.
Screenshots of the home page and of lesson 01 go to tests/browser/screenshots/ (git-ignored).
tests/test_site.py checks the files themselves, without a browser.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from gan_course.course import site

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(__file__).parent / "screenshots"  # git-ignored
PAGES = (["index.html"] + [f"{p.stem}.html" for p in sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))]
         + [page for page, _ in site.extra_pages(ROOT).values()])
SCREENSHOT_PAGES = {"index.html", "01_vanilla_gan.html"}
TYPESET_TIMEOUT_MS = 60_000
LEFTOVER_MATH = re.compile(r"\$[^$\n]+\$")

# True once MathJax has started up and typeset the page ("End" is its last startup signal) and its queue is idle.
TYPESET_JS = """() => window.MathJax && MathJax.Hub && MathJax.Hub.Startup.signal.posted.map(String).includes("End")
  && MathJax.Hub.queue.pending === 0 && MathJax.Hub.queue.running === 0 && MathJax.Hub.queue.queue.length === 0"""
# What the reader sees: formulas, their errors, pictures, links, and the prose outside code.
PAGE_JS = """() => ({
  jax: MathJax.Hub.getAllJax().length,
  rendered: document.querySelectorAll('span.MathJax').length,
  errors: document.querySelectorAll('.MathJax_Error, .noError, span.merror').length,
  sources: document.querySelectorAll('script[type^="math/tex"]').length,
  images: [...document.images].map((img) => ({src: img.getAttribute('src').slice(0, 60),
                                               ok: img.complete && img.naturalWidth > 0})),
  links: [...document.querySelectorAll('a[href]')].map((a) => a.href),
  ids: [...document.querySelectorAll('[id]')].map((e) => e.id),
  prose: [...document.querySelectorAll('.jp-RenderedMarkdown')].map((node) => {
    const copy = node.cloneNode(true);
    copy.querySelectorAll('code, pre, script, .MathJax, .MathJax_Display, .MathJax_Preview').forEach((e) => e.remove());
    return copy.textContent;
  }).join('\\n'),
})"""


@pytest.fixture(scope="module")
def built_site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site") / "_site"
    site.build_site(ROOT, out)
    return out


def page_ids(path: Path) -> set[str]:
    return set(re.findall(r'\bid="([^"]*)"', path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("name", PAGES)
def test_a_page_of_the_site_renders_offline(built_site, offline_page, name):
    page = offline_page
    failed: list[str] = []
    # about:blank is MathJax's own probe for web fonts, not a file the site lacks
    page.on("requestfailed", lambda r: failed.append(r.url) if not r.url.startswith("about:") else None)
    page.goto((built_site / name).as_uri())
    page.wait_for_function(TYPESET_JS, timeout=TYPESET_TIMEOUT_MS)
    seen = page.evaluate(PAGE_JS)

    assert page.blocked_requests == [], f"{name} asked another site for {page.blocked_requests[:5]}"
    assert failed == [], f"{name} asked for files the site lacks: {failed[:5]}"

    assert seen["errors"] == 0, f"{name}: {seen['errors']} formulas MathJax could not typeset"
    assert seen["jax"] == seen["sources"] == seen["rendered"], f"{name}: formulas found, kept, drawn: {seen}"
    if name[:2].isdigit() and name != "06_gan_clinic.html":  # lesson 06 is a clinic: prose and runs, no formulas
        assert seen["jax"] >= 10, f"{name}: expected the lesson's formulas typeset, got {seen['jax']}"
    leftover = LEFTOVER_MATH.findall(seen["prose"])
    assert not leftover, f"{name}: raw LaTeX left in the prose: {leftover[:5]}"

    broken = [img["src"] for img in seen["images"] if not img["ok"]]
    assert not broken, f"{name}: pictures that did not load: {broken[:5]}"
    if name[:2].isdigit():
        assert len(seen["images"]) > 2, f"{name}: expected the lesson's figures, got {seen['images']}"

    for href in seen["links"]:
        url = urlsplit(href)
        if url.scheme != "file":
            continue
        target = Path(unquote(url.path))
        assert target.is_file(), f"{name}: link to {href}, which the site lacks"
        if url.fragment:
            ids = set(seen["ids"]) if target.name == name else page_ids(target)
            assert {url.fragment, unquote(url.fragment)} & ids, f"{name}: link to {href}: no such anchor"

    if name in SCREENSHOT_PAGES:
        SCREENSHOTS.mkdir(exist_ok=True)
        if seen["jax"]:  # a lesson: its first displayed formula, with the prose and figures around it
            page.locator(".MathJax_Display").first.scroll_into_view_if_needed()
            page.evaluate("() => window.scrollBy(0, -250)")
        page.screenshot(path=SCREENSHOTS / f"site-{Path(name).stem}.png")
