"""One page of the course's website: a notebook (with its stored outputs) or a markdown file, as HTML that renders
offline.

nbconvert's ``lab`` template gives the page JupyterLab's look; this module's template, which extends it, takes out
everything that would load from the network: require.js and the widget manager (a widget view becomes a note that
says to open the notebook), mermaid, and MathJax from a CDN, replaced by the copy of MathJax 2.7 that
``jupyter-server-mathjax`` ships (the Jupyter project's package of it, on PyPI: no Node, no npm), vendored into the
site and set up as nbconvert sets it up. Every ``href`` and ``src`` is rewritten: a link to a file that is a page
of the site goes to that page, a link to any other file of the repository to its address on GitHub, and the Colab
badge's picture to a local copy. Headings keep nbconvert's anchors and gain GitHub's, so links written for the
repository find them. Nothing is executed.
"""

from __future__ import annotations

import copy
import html
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import jinja2
import nbformat
from nbconvert import HTMLExporter

from gan_course import config

MATHJAX_DIR = "mathjax"  # the vendored copy, relative to the site's root
MATHJAX_URL = f"{MATHJAX_DIR}/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe"
BADGE = "assets/colab-badge.svg"
CSS = "assets/site.css"
COLAB_BADGE_URL = "https://colab.research.google.com/assets/colab-badge.svg"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_NOTE = "(interactive widget: open the notebook in JupyterLab or Colab to use it)"

# MathJax 2's settings as JupyterLab and nbconvert use them, with the one web font the vendored copy ships.
_TEMPLATE = r"""{%- extends 'index.html.j2' -%}
{% block html_head_js_requirejs %}{% endblock %}
{% block jupyter_widgets %}{% endblock %}
{% block html_head_js_mermaidjs %}{% endblock %}
{% block extra_css %}<link rel="stylesheet" href="{{ resources.site.css }}">{% endblock %}
{% block html_head_js_mathjax %}
<script type="text/x-mathjax-config">
MathJax.Hub.Config({
  TeX: {equationNumbers: {autoNumber: "AMS", useLabelIds: true}},
  tex2jax: {inlineMath: [["$", "$"], ["\\(", "\\)"]], displayMath: [["$$", "$$"], ["\\[", "\\]"]],
            processEscapes: true, processEnvironments: true},
  "HTML-CSS": {availableFonts: [], preferredFont: null, webFont: "STIX-Web", imageFont: null,
               linebreaks: {automatic: true}},
  // The hidden MathML that screen readers read asks for TeX fonts the vendored copy lacks: use installed ones only.
  NativeMML: {styles: {"@font-face /*1*/": {src: "local('MathJax_Caligraphic')"},
                       "@font-face /*2*/": {src: "local('MathJax_Caligraphic-Bold')"},
                       "@font-face /*3*/": {src: "local('MathJax_AMS')"},
                       "@font-face /*4*/": {src: "local('MathJax_Script')"}}},
  displayAlign: "center",
  messageStyle: "none"
});
</script>
<script src="{{ resources.site.mathjax_url }}"></script>
{% endblock %}
{% block body_header %}{{ super() }}
<!-- site:header -->
{% endblock %}
{% block body_footer %}
<!-- site:footer -->
{{ super() }}{% endblock %}
"""

# A plain, self-made stand-in for Colab's badge: the real one is a picture on Colab's server.
BADGE_SVG = """<svg xmlns="http://www.w3.org/2000/svg" width="117" height="20" role="img" aria-label="Open In Colab">
<rect width="117" height="20" rx="3" fill="#555"/><rect x="58" width="59" height="20" rx="3" fill="#f9ab00"/>
<rect x="58" width="6" height="20" fill="#f9ab00"/>
<g fill="#fff" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11">
<text x="7" y="14" textLength="44" lengthAdjust="spacingAndGlyphs">Open in</text>
<text x="71" y="14" textLength="33" lengthAdjust="spacingAndGlyphs">Colab</text></g></svg>
"""

_ATTRIBUTE = re.compile(r'\b(href|src)="([^"]*)"')
_HEADING = re.compile(r'(<h[1-6] id="([^"]*)">)(.*?)(</h[1-6]>)', re.S)
_STYLE = re.compile(r"(<style[^>]*>)(.*?)(</style>)", re.S)
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.S)


@dataclass
class Links:
    """Where the repository's files go on the site: ``pages`` maps a repository path to its page's file name."""

    root: Path
    pages: dict[str, str] = field(default_factory=dict)

    def url(self, url: str, source_dir: str) -> str:
        """The address on the site of ``url``, a link written in a file of the folder ``source_dir``."""
        if url.split("?")[0] == COLAB_BADGE_URL:
            return BADGE
        parts = urlsplit(url)
        if parts.scheme or parts.netloc or not parts.path:  # another site, a data URI, or "#section" on this page
            return url
        path = posixpath.normpath(posixpath.join(source_dir, unquote(parts.path)))
        fragment = f"#{parts.fragment}" if parts.fragment else ""
        if path in self.pages:
            return self.pages[path] + fragment
        target = self.root / path
        if path.startswith("..") or not target.exists():
            raise ValueError(f"expected a link to a file of the repository from {source_dir or '.'}/, got {url!r}")
        kind = "tree" if target.is_dir() else "blob"
        return f"{config.REPO_URL}/{kind}/{config.REPO_BRANCH}/{quote(path)}{fragment}"

    def rewrite(self, page: str, source_dir: str) -> str:
        """``page`` with every ``href`` and ``src`` attribute pointed at the site (see ``url``)."""
        def one(match: re.Match) -> str:
            new = self.url(html.unescape(match.group(2)), source_dir)
            return f'{match.group(1)}="{html.escape(new, quote=True)}"'
        return _ATTRIBUTE.sub(one, page)


def without_widgets(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of ``nb`` with no widget state, and a note in place of each widget view (they need a kernel)."""
    nb = copy.deepcopy(nb)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if WIDGET_VIEW in output.get("data", {}):
                output["data"] = {"text/html": f'<p class="site-widget-note">{WIDGET_NOTE}</p>'}
    return nb


def markdown_notebook(text: str) -> nbformat.NotebookNode:
    """A notebook of one markdown cell: a markdown file renders exactly as a lesson's prose does (mistune, math)."""
    cell = nbformat.v4.new_markdown_cell(text, id="page")  # a fixed id: the same file gives the same page
    return nbformat.v4.new_notebook(cells=[cell])


def _exporter() -> HTMLExporter:
    return HTMLExporter(template_name="lab", template_file="site.html.j2",
                        extra_loaders=[jinja2.DictLoader({"site.html.j2": _TEMPLATE})],
                        exclude_input_prompt=True, exclude_output_prompt=True)


def render(nb: nbformat.NotebookNode, *, title: str, header: str, footer: str, links: Links,
           source_dir: str) -> str:
    """The HTML page of ``nb`` (outputs as stored, never executed) between ``header`` and ``footer``."""
    site = {"css": CSS, "mathjax_url": MATHJAX_URL}
    page, _ = _exporter().from_notebook_node(without_widgets(nb), resources={"metadata": {"name": title},
                                                                            "site": site})
    # The lab stylesheet's comments cite other projects' pages; a page needs none of them.
    page = _STYLE.sub(lambda m: m.group(1) + _CSS_COMMENT.sub("", m.group(2)) + m.group(3), page)
    # Only what the notebook wrote is rewritten: the head and the navigation already point into the site.
    head, top, rest = page.partition("<!-- site:header -->")
    cells, bottom, tail = rest.rpartition("<!-- site:footer -->")
    if not top or not bottom:
        raise ValueError(f"expected the site template's header and footer markers in the page of {title!r}, "
                         f"got a page without them")
    return head + header + github_anchors(links.rewrite(cells, source_dir)) + footer + tail


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a markdown heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def github_anchors(cells: str) -> str:
    """``cells`` with each heading also reachable by its GitHub anchor (``#checking-students-work``), as links
    written for the repository expect; nbconvert's own anchor (``#Checking-students'-work``) stays."""
    seen: dict[str, int] = {}

    def one(match: re.Match) -> str:
        text = html.unescape(re.sub(r"<[^>]+>", "", match.group(3).replace("¶", "")))
        slug = github_slug(text)
        seen[slug] = seen.get(slug, -1) + 1
        slug += f"-{seen[slug]}" if seen[slug] else ""  # GitHub numbers a repeated heading: x, x-1, x-2
        alias = f'<a id="{html.escape(slug, quote=True)}"></a>' if slug and slug != match.group(2) else ""
        return match.group(1) + alias + match.group(3) + match.group(4)
    return _HEADING.sub(one, cells)


def title_of(nb: nbformat.NotebookNode, default: str) -> str:
    """The text of the notebook's first ``# heading``, or ``default``."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            match = re.search(r"^#\s+(.+)$", cell.source, re.M)
            if match:
                return match.group(1).strip()
    return default
