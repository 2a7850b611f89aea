"""The course's website (make site): built from solutions/ without running them, complete, and offline.

Every lesson has a page with its navigation, its notebook's links and its figures; no page loads anything from
another site (only <a> links leave it, and a GitHub link only to the course's repository); every link inside the
site finds its file and its anchor; the lessons' LaTeX reaches the page intact for MathJax, which the site carries.
tests/browser/test_site_pages.py opens the pages in Chromium.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat
import pytest

from gan_course import config
from gan_course.course import site, site_render

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))
GITHUB_URL = re.compile(r"https?://(?:[\w-]+\.)*github(?:usercontent)?\.com/[^\s\"'<>)]*")
INLINE_MATH = re.compile(r"(?<![\\$])\$(?!\$)[^$\n]+?\$")
DISPLAY_MATH = re.compile(r"\$\$.+?\$\$", re.S)
# Elements whose src or href the browser loads by itself (an <a> only when clicked).
LOADED = {"script", "img", "link", "iframe", "source", "video", "audio", "embed", "object", "track", "input"}


class Page(HTMLParser):
    """What a page refers to: (tag, attribute, value) for every src and href, every id, and its <style> text."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.refs: list[tuple[str, str, str]] = []
        self.ids: set[str] = set()
        self.styles: list[str] = []
        self.scripts: list[str] = []
        self._inside = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href") and value is not None:
                self.refs.append((tag, name, value))
            elif name in ("id", "name") and value:
                self.ids.add(value)
        self._inside = tag if tag in ("style", "script") else None

    def handle_data(self, data):
        if self._inside == "style":
            self.styles.append(data)
        elif self._inside == "script":
            self.scripts.append(data)

    def handle_endtag(self, tag):
        self._inside = None


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("site") / "_site"
    pages = site.build_site(ROOT, out)
    return out, pages


def parsed(out: Path) -> dict[str, Page]:
    return {path.name: Page(path.read_text(encoding="utf-8")) for path in sorted(out.glob("*.html"))}


def test_every_lesson_has_a_page_and_the_site_its_home_and_extra_pages(built):
    out, pages = built
    assert [p.name for p in pages] == (["index.html"] + [f"{p.stem}.html" for p in LESSONS]
                                       + [page for page, _ in site.extra_pages(ROOT).values()])
    assert all(p.parent == out and p.stat().st_size > 1000 for p in pages)
    assert (out / "mathjax" / "MathJax.js").is_file() and (out / site_render.BADGE).is_file()
    assert (out / site.MARKER).is_file()  # GitHub Pages: serve as is


def test_no_page_loads_anything_from_another_site(built):
    out, _ = built
    for name, page in parsed(out).items():
        for tag, attr, value in page.refs:
            url = urlsplit(value)
            if tag in LOADED:
                assert value.startswith("data:") or not (url.scheme or url.netloc), f"{name}: <{tag} {attr}={value}>"
            elif url.scheme:
                assert url.scheme in ("http", "https", "mailto"), f"{name}: <{tag} {attr}={value}>"
        for css in page.styles:
            assert "@import" not in css, name
            assert not re.search(r"url\(\s*['\"]?(?!data:)", css), f"{name}: a stylesheet loads a url()"
        for script in page.scripts:  # no script fetches a CDN: require.js, widgets, mermaid, MathJax
            assert "http://" not in script and "https://" not in script, f"{name}: {script[:200]}"


def test_the_only_github_address_is_the_courses_and_colab_opens_its_notebooks(built):
    out, _ = built
    for path in sorted(out.glob("*.html")):
        text = path.read_text(encoding="utf-8")
        others = {u for u in GITHUB_URL.findall(text) if not u.startswith(config.REPO_URL)}
        assert not others, f"{path.name}: other GitHub addresses {sorted(others)[:5]}"
        colab = {u for u in re.findall(r'https://colab\.research\.google\.com/[^"\s<]*', text)}
        assert colab <= {config.colab_url(p.name) for p in LESSONS}, f"{path.name}: {sorted(colab)}"


def test_every_link_inside_the_site_finds_its_file_and_anchor(built):
    out, _ = built
    pages = parsed(out)
    for name, page in pages.items():
        for tag, attr, value in page.refs:
            url = urlsplit(value)
            if url.scheme or url.netloc:
                continue
            target = name if not url.path else unquote(url.path)
            assert (out / target).is_file(), f"{name}: <{tag} {attr}={value}> has no file in the site"
            if url.fragment and target.endswith(".html"):
                # a browser looks for the fragment as written, then percent-decoded
                found = {url.fragment, unquote(url.fragment)} & pages[target].ids
                assert found, f"{name}: {value}: no such anchor in {target}"


def test_a_lesson_page_links_to_its_neighbours_notebooks_and_colab(built):
    out, _ = built
    pages = parsed(out)
    for i, path in enumerate(LESSONS):
        hrefs = {value for tag, attr, value in pages[f"{path.stem}.html"].refs if tag == "a"}
        repo = f"{config.REPO_URL}/blob/{config.REPO_BRANCH}"
        expected = {"index.html", config.colab_url(path.name), f"{repo}/notebooks/{path.name}",
                    f"{repo}/solutions/{path.name}"}
        expected |= {f"{LESSONS[i - 1].stem}.html"} if i else set()
        expected |= {f"{LESSONS[i + 1].stem}.html"} if i + 1 < len(LESSONS) else set()
        assert expected <= hrefs, f"{path.name}: missing {sorted(expected - hrefs)}"
    home = {value for tag, attr, value in pages["index.html"].refs if tag == "a"}
    assert {f"{p.stem}.html" for p in LESSONS} <= home


def test_figures_are_inline_and_widgets_are_a_note(built):
    out, _ = built
    for path in LESSONS:
        nb = nbformat.read(path, as_version=4)
        outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
        figures = sum("image/png" in o.get("data", {}) for o in outputs)
        views = sum(site_render.WIDGET_VIEW in o.get("data", {}) for o in outputs)
        text = (out / f"{path.stem}.html").read_text(encoding="utf-8")
        inline = sum(tag == "img" and value.startswith("data:image/png;base64,")
                     for tag, _, value in Page(text).refs)
        assert inline >= figures > 0, path.name
        assert text.count(site_render.WIDGET_NOTE) == views, path.name
        assert "application/vnd.jupyter.widget" not in text and "require.js" not in text, path.name


def test_the_lessons_math_reaches_the_page_intact(built):
    out, _ = built
    for path in LESSONS:
        nb = nbformat.read(path, as_version=4)
        prose = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
        text = (out / f"{path.stem}.html").read_text(encoding="utf-8")
        prose = re.sub(r"`[^`\n]*`", "", prose)  # code spans are not math
        for math in DISPLAY_MATH.findall(prose) + INLINE_MATH.findall(DISPLAY_MATH.sub("", prose)):
            assert html.escape(math, quote=False) in text, f"{path.name}: {math} did not survive"
        assert site_render.MATHJAX_URL in text


def test_the_home_page_shows_the_readmes_course_map_and_results(built):
    out, _ = built
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- results:start -->")[1].split("<!-- results:end -->")[0]
    text = (out / "index.html").read_text(encoding="utf-8")
    first_row = next(line for line in block.splitlines() if line.startswith("| 0"))
    assert html.escape(first_row.split("|")[1].strip()) in text
    assert 'id="The-course-map"' in text and 'id="Measured-results"' in text
    assert "make benchmark` runs every solution" not in text  # the maintainers' notes after the block stay out


# A small course, to see links rewritten and the output folder guarded without building the real one.
def fake_course(root: Path) -> Path:
    (root / "solutions").mkdir(parents=True)
    (root / "notebooks").mkdir()
    (root / "docs").mkdir()
    (root / "benchmarks").mkdir()
    (root / "data").mkdir()
    (root / "data" / "README.md").write_text("data\n")
    (root / "docs" / "instructors.md").write_text("# Guide\n\nSee [lesson 01](../solutions/01_b.ipynb#Top).\n\n"
                                                  "## Where to run it\n\nAnywhere.\n")
    (root / "benchmarks" / "RESULTS.md").write_text("# Results\n")
    (root / "README.md").write_text("# course\n\nHello.\n\n## The course map\n\nmap\n\n## Measured results\n\n"
                                    "<!-- results:start -->\n| a |\n|---|\n| 1 |\n<!-- results:end -->\n\nnotes\n")
    for name, text in [("00_a", "# 00 · A\n\n$x^2$ then [next](01_b.ipynb) and [data](../data/README.md)"),
                       ("01_b", "# 01 · B\n\n## Top\n\n[back](../notebooks/00_a.ipynb), "
                                "[runs](../benchmarks/RESULTS.md), [where](../docs/instructors.md#where-to-run-it)")]:
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(text)])
        nbformat.write(nb, root / "solutions" / f"{name}.ipynb")
    return root


def test_links_become_pages_of_the_site_or_repository_addresses(tmp_path):
    out = tmp_path / "out"
    site.build_site(fake_course(tmp_path / "course"), out)
    a, b = (out / "00_a.html").read_text(), (out / "01_b.html").read_text()
    assert 'href="01_b.html"' in a and f'href="{config.REPO_URL}/blob/{config.REPO_BRANCH}/data/README.md"' in a
    assert 'href="00_a.html"' in b and 'href="results.html"' in b
    guide = (out / "instructors.html").read_text()
    assert 'href="01_b.html#Top"' in guide
    # a link written for GitHub finds its heading: GitHub's anchor is kept beside nbconvert's
    assert 'href="instructors.html#where-to-run-it"' in b and '<a id="where-to-run-it"></a>' in guide
    assert 'id="Where-to-run-it"' in guide
    assert "$x^2$" in a


def test_headings_get_githubs_anchors_numbered_when_repeated():
    assert site_render.github_slug("Checking and resetting students' work") == "checking-and-resetting-students-work"
    assert site_render.github_slug("Lesson 02's DCGAN: steps · images") == "lesson-02s-dcgan-steps--images"
    cells = '<h2 id="A-b">A b<a class="anchor-link" href="#A-b">¶</a></h2><h3 id="A-b">A b</h3>'
    assert site_render.github_anchors(cells).count('<a id="a-b"></a>') == 1
    assert '<a id="a-b-1"></a>' in site_render.github_anchors(cells)


def test_a_link_outside_the_repository_or_to_a_missing_file_is_an_error(tmp_path):
    links = site_render.Links(tmp_path, {})
    expected = r"expected a link to a file of the repository from solutions/, got '\.\./\.\./x'"
    with pytest.raises(ValueError, match=expected):
        links.url("../../x", "solutions")
    with pytest.raises(ValueError, match="got 'missing.md'"):
        links.url("missing.md", "solutions")
    assert links.url("#Top", "solutions") == "#Top"
    assert links.url(site_render.COLAB_BADGE_URL, "solutions") == site_render.BADGE


def test_the_site_replaces_only_a_site_and_names_the_readme_section_it_misses(tmp_path):
    root = fake_course(tmp_path / "course")
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="expected an empty folder or a site built before"):
        site.build_site(root, taken)
    assert (taken / "notes.txt").read_text() == "mine"
    out = tmp_path / "out"
    site.build_site(root, out)
    (out / "stale.html").write_text("old")
    site.build_site(root, out)  # a second build replaces the first
    assert not (out / "stale.html").exists()
    with pytest.raises(ValueError, match=r"expected a '## Course map' section in README.md, got headings \["):
        site.readme_section("# x\n\n## Other\n", "Course map")
    assert site.extra_pages(root) == {"docs/instructors.md": ("instructors.html", "Guide"),
                                      "benchmarks/RESULTS.md": ("results.html", "Results")}
    (root / "docs" / "index.md").write_text("# Home?\n")
    with pytest.raises(ValueError, match=r"expected docs/\*\.md names that no other page of the site has"):
        site.extra_pages(root)


def test_the_command_writes_the_site_and_says_where(tmp_path, capsys):
    root = fake_course(tmp_path / "course")
    assert site.main(["--root", str(root), "--out", str(tmp_path / "s")]) == 0
    assert "wrote 5 pages" in capsys.readouterr().out
    assert sorted(p.name for p in (tmp_path / "s").glob("*.html")) == [
        "00_a.html", "01_b.html", "index.html", "instructors.html", "results.html"]
