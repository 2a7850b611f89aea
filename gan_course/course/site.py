"""The course as a static website: ``python -m gan_course.course.site --out _site`` (``make site``).

It builds, from ``solutions/`` and their stored outputs (nothing is executed, nothing is downloaded):
  - ``index.html``: the lessons, the README's course map and its measured results;
  - ``NN_topic.html``: one page per lesson, with previous / course / next links, the notebook in the repository and
    its Colab badge;
  - a page for each docs/*.md (``instructors.html``) and for benchmarks/RESULTS.md (``results.html``), which the
    lessons and the README link to;
  - ``mathjax/`` and ``assets/``: what the pages load, so they render with no network.

Why nbconvert: it is the Jupyter project's own exporter, already installed with JupyterLab (whose "Export as HTML"
it is), it renders a notebook's stored outputs in JupyterLab's look (its ``lab`` template) without running a cell,
and its markdown (mistune) keeps the lessons' LaTeX for MathJax. MyST / Jupyter Book 2 need Node and fetch their theme
from the network; Sphinx-based builders (myst-nb, nbsphinx) bring a documentation toolchain for seven pages.
nbconvert's only network needs are MathJax and widget scripts from CDNs; ``site_render`` vendors the first (the
MathJax 2.7 that jupyter-server-mathjax packages) and replaces the second.
"""

from __future__ import annotations

import argparse
import html
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import jupyter_server_mathjax
import nbformat

from gan_course import config
from gan_course.course import exercises, site_render
from gan_course.course.site_render import Links

RESULTS = "benchmarks/RESULTS.md"  # every benchmark row: the README's results block links to it
MARKER = ".nojekyll"  # GitHub Pages serves the folder as it is; it also marks a folder this module built
_SITE_CSS = """
.site-nav { display: flex; flex-wrap: wrap; gap: 0.4em 1.2em; align-items: center; padding: 0.6em 1em;
  margin: 0 0 1em 0; background: var(--jp-layout-color2, #eee); border-radius: 4px;
  font-family: var(--jp-ui-font-family, sans-serif); font-size: 0.95em; }
.site-nav a { text-decoration: none; }
.site-nav img { vertical-align: middle; }
.site-nav .site-next { margin-left: auto; }
.site-widget-note { font-style: italic; color: var(--jp-content-font-color2, #555); }
body.jp-Notebook main { max-width: 1100px; margin: 0 auto; }
"""


@dataclass
class Lesson:
    """A solved lesson: its notebook's file name (``01_vanilla_gan.ipynb``), title and content."""

    notebook: str
    title: str
    nb: nbformat.NotebookNode

    @property
    def page(self) -> str:
        return Path(self.notebook).stem + ".html"

    @property
    def link(self) -> tuple[str, str]:
        return self.page, self.title


def extra_pages(root: Path) -> dict[str, tuple[str, str]]:
    """The markdown files shown as pages of their own, each docs/*.md and benchmarks/RESULTS.md: repository path ->
    (page, title), e.g. ``{"docs/instructors.md": ("instructors.html", "Teaching with gan-course: ...")}``."""
    pages = {}
    for path in [*sorted((root / "docs").glob("*.md")), root / RESULTS]:
        source = path.relative_to(root).as_posix()
        page = "results.html" if source == RESULTS else path.stem + ".html"
        if page == "index.html" or page[:2].isdigit() or page in {p for p, _ in pages.values()}:
            raise ValueError(f"expected docs/*.md names that no other page of the site has, got {source}")
        text = path.read_text(encoding="utf-8")
        pages[source] = (page, site_render.title_of(site_render.markdown_notebook(text), path.stem))
    return pages


def readme_section(readme: str, heading: str) -> str:
    """The README's ``## heading`` section, up to the next one; a results block ends at its end marker."""
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", readme, re.M | re.S)
    if match is None:
        raise ValueError(f"expected a '## {heading}' section in README.md, got headings "
                         f"{re.findall(r'^## (.+)$', readme, re.M)}")
    text = match.group(0)
    end = text.find("<!-- results:end -->")
    return text if end < 0 else text[:end + len("<!-- results:end -->")] + "\n"


def _link(href: str, text: str, cls: str = "") -> str:
    attr = f' class="{cls}"' if cls else ""
    return f'<a{attr} href="{html.escape(href, quote=True)}">{html.escape(text)}</a>'


def _badge(notebook: str) -> str:
    return (f'<a href="{html.escape(config.colab_url(notebook), quote=True)}">'
            f'<img src="{site_render.BADGE}" alt="Open In Colab" width="117" height="20"></a>')


def site_nav(extras: dict[str, tuple[str, str]], prev: tuple[str, str] | None = None,
             next_: tuple[str, str] | None = None, notebook: str | None = None) -> str:
    """The bar on top of (and below) a page: the course, the other pages, and for a lesson its notebooks."""
    items = [_link("index.html", "gan-course: all lessons")]
    if prev:
        items.append(_link(prev[0], f"← {prev[1]}"))
    if notebook:
        repo = f"{config.REPO_URL}/blob/{config.REPO_BRANCH}"
        items += [_link(f"{repo}/notebooks/{notebook}", "student notebook"),
                  _link(f"{repo}/solutions/{notebook}", "this notebook, solved"), _badge(notebook)]
    else:
        items += [_link(page, title) for page, title in extras.values()]
    if next_:
        items.append(_link(next_[0], f"{next_[1]} →", "site-next"))
    return '<nav class="site-nav">' + "\n".join(items) + "</nav>"


def index_markdown(readme: str, lessons: list[Lesson]) -> str:
    """The home page in markdown, links written as from the README: lessons, course map, measured results."""
    title, _, rest = readme.partition("\n")
    intro = rest.split("\n## ", 1)[0].strip()
    rows = ["| lesson, solved, with its outputs | student notebook | Colab |", "|---|---|---|"]
    for lesson in lessons:
        name = lesson.notebook
        rows.append(f"| [{lesson.title}](solutions/{name}) | [notebooks/{name}](notebooks/{name}) "
                    f"| [![Open In Colab]({site_render.COLAB_BADGE_URL})]({config.colab_url(name)}) |")
    table = "\n".join(rows)
    return "\n\n".join([title, intro, "## The lessons", table, readme_section(readme, "The course map"),
                        readme_section(readme, "Measured results")])


def build_site(root: Path, out: Path) -> list[Path]:
    """Write the course's website into ``out`` (replacing a site built there before); return the pages written."""
    root, out = Path(root).resolve(), Path(out).resolve()
    if out.exists() and any(out.iterdir()) and not (out / MARKER).exists():
        raise FileExistsError(f"expected an empty folder or a site built before for the site, got {out} "
                              f"holding other files")
    notebooks = exercises.solution_paths(root)
    shutil.rmtree(out, ignore_errors=True)
    (out / "assets").mkdir(parents=True)
    (out / MARKER).write_text("")
    (out / site_render.BADGE).write_text(site_render.BADGE_SVG, encoding="utf-8")
    (out / site_render.CSS).write_text(_SITE_CSS, encoding="utf-8")
    # MathJax 2.7 as jupyter-server-mathjax packages it, less its SVG output, which the pages' settings never pick.
    shutil.copytree(Path(jupyter_server_mathjax.__file__).parent / "static", out / site_render.MATHJAX_DIR,
                    ignore=lambda folder, names: ["SVG"] if Path(folder).name == "output" else [])

    links = Links(root, {"README.md": "index.html"})
    lessons = []
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        lessons.append(Lesson(path.name, site_render.title_of(nb, path.stem), nb))
        links.pages[f"solutions/{path.name}"] = links.pages[f"notebooks/{path.name}"] = lessons[-1].page
    extras = extra_pages(root)
    for source, (page, _) in extras.items():
        links.pages[source] = page
    nav = site_nav(extras)

    readme = (root / "README.md").read_text(encoding="utf-8")
    home = site_render.markdown_notebook(index_markdown(readme, lessons))
    written = [_write(out / "index.html", site_render.render(
        home, title=site_render.title_of(home, "gan-course"), header=nav, footer=nav, links=links, source_dir=""))]
    for i, lesson in enumerate(lessons):
        prev = lessons[i - 1].link if i else None
        next_ = lessons[i + 1].link if i + 1 < len(lessons) else None
        text = site_render.render(lesson.nb, title=lesson.title, header=site_nav(extras, prev, next_, lesson.notebook),
                                  footer=site_nav(extras, prev, next_), links=links, source_dir="solutions")
        written.append(_write(out / lesson.page, text))
    for source, (page, title) in extras.items():
        nb = site_render.markdown_notebook((root / source).read_text(encoding="utf-8"))
        text = site_render.render(nb, title=title, header=nav, footer=nav, links=links,
                                  source_dir=str(Path(source).parent))
        written.append(_write(out / page, text))
    return written


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gan_course.course.site", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("_site"), help="the folder to write (default: _site)")
    parser.add_argument("--root", type=Path, default=Path("."), help="the course's checkout (default: .)")
    args = parser.parse_args(argv)
    pages = build_site(args.root, args.out)
    size = sum(f.stat().st_size for f in args.out.rglob("*") if f.is_file())
    print(f"wrote {len(pages)} pages to {args.out}/ ({size / 1e6:.1f} MB with MathJax); "
          f"open {args.out / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
