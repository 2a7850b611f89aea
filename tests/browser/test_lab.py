"""Every lesson in a real JupyterLab, as a student sees it (make test-browser; part of make test).

For each lesson NN_topic:
  - the student notebook (notebooks/) opens: every cell is in the page, markdown rendered (hints included),
    no outputs, no error;
  - the stored solution (solutions/) opens as a student opens it, without running: no error, no widget shown as
    an error or a raw repr, every progress bar at 100 %, every check cell's [ok] line; and once trusted (File >
    Trust Notebook), every widget drawn from the state saved in the notebook;
  - then, in the same page, the solution runs (Run All, quick mode): the same assertions on what the run shows.
  Screenshots of the whole notebook, stored (NN_topic-stored.png) and run (NN_topic.png), go to
  tests/browser/screenshots/ (git-ignored); none may be blank.
"""

from __future__ import annotations

import io
import json
import re
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(__file__).parent / "screenshots"  # git-ignored

LESSONS = sorted(path.stem for path in (ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))
CHECK_CALL = re.compile(r"\bchecks\.check_\w+\(")
TEXT_BAR = re.compile(r"(\d+)%\|")          # a tqdm bar as text: "MNIST GAN: 100%|##########| 5000/5000 ..."
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
# A widget's repr, the text/plain fallback of its view: "VBox(children=(IntSlider(value=0, ...", "Output()"
WIDGET_FAILED = re.compile(r"Error displaying widget|Loading widget\.\.\.")  # jupyterlab-manager's own words
WIDGET_REPR = re.compile(r"^(?:[A-Z]\w*|interactive)\((?:\)|(?:children|value|description|layout|options|outputs)=)")
OPEN_TIMEOUT_S = 120
RUN_TIMEOUT_S = 420      # one lesson in quick mode: 10-40 s outside a browser on 2 cores
WIDGET_TIMEOUT_S = 30
SCREENSHOT_CHUNK_PX = 6000  # the viewport while stitching a screenshot: a few screens cover a lesson
# The only request a lesson makes off this machine: the "Open in Colab" badge (blocked: the course works offline).
EXPECTED_OFFLINE = "https://colab.research.google.com/assets/colab-badge.svg"

# The notebook now shown in the lab, read from its model and from the page: what the cells hold and what they show.
SNAPSHOT_JS = """() => {
  const app = window.jupyterapp;
  const panel = app && app.shell.currentWidget;
  if (!panel || !panel.content || !panel.context || !panel.context.isReady) return null;
  const notebook = panel.content;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  const outputJSON = (o) => ({type: o.output_type, mimes: o.data ? Object.keys(o.data) : [],
                              error: o.output_type === 'error' ? o.ename + ': ' + o.evalue : null});
  return {
    path: panel.context.path,
    kernel: kernel ? kernel.status : null,
    cellsInPage: notebook.node.querySelectorAll('.jp-Notebook-cell').length,
    cells: notebook.widgets.map((cell) => {
      const model = cell.model;
      const code = model.type === 'code';
      const area = cell.node.querySelector('.jp-Cell-outputArea');
      return {
        type: model.type,
        source: model.sharedModel.getSource(),
        attached: cell.node.isConnected && cell.isAttached,
        rendered: model.type === 'markdown' ? cell.rendered : null,
        details: cell.node.querySelectorAll('.jp-MarkdownOutput details').length,
        count: code ? model.executionCount : null,
        trusted: code ? model.trusted : null,
        prompt: code ? (cell.node.querySelector('.jp-InputPrompt') || {}).textContent || '' : '',
        outputs: code ? model.outputs.toJSON().map(outputJSON) : [],
        // the cell's own outputs, not those inside an Output widget
        shown: [...(area ? area.querySelectorAll(':scope > .jp-OutputArea-child > .jp-OutputArea-output') : [])]
          .map((node) => ({
            text: node.innerText,
            widgets: node.querySelectorAll('.jupyter-widgets').length,
            bars: [...node.querySelectorAll('.widget-hprogress')].map((bar) => ({
              width: (bar.querySelector('.progress-bar') || {style: {}}).style.width || '',
              label: (bar.closest('.widget-hbox') || bar).innerText,
            })),
          })),
      };
    }),
  };
}"""


def notebook_cells(path: Path) -> list[dict]:
    return json.loads(path.read_text())["cells"]


def stored_bar_count(path: Path) -> int:
    """How many progress bars the stored solution holds: tqdm widget views or bars frozen as text."""
    count = 0
    for cell in notebook_cells(path):
        for output in cell.get("outputs", []):
            fallback = "".join(output.get("data", {}).get("text/plain", ""))
            text = "".join(output.get("text", ""))
            view = WIDGET_VIEW in output.get("data", {})
            count += len(TEXT_BAR.findall(text)) + bool(view and TEXT_BAR.search(fallback))
    return count


def dismiss_dialogs(page):
    """Accept any dialog the lab pops (kernel selection, a build or save prompt): a student would click its button."""
    for button in page.locator(".jp-Dialog .jp-Dialog-button.jp-mod-accept").all():
        if button.is_visible():
            button.click()


def snapshot(page) -> dict | None:
    dismiss_dialogs(page)
    return page.evaluate(SNAPSHOT_JS)


def open_notebook(lab, new_page, path: str):
    """A new page showing ``path`` (relative to the lab's root) with its kernel idle and every cell in the page."""
    page = new_page()
    page.set_default_timeout(OPEN_TIMEOUT_S * 1000)
    page.goto(lab.tree_url(path))
    expected = len(notebook_cells(lab.root / path))
    deadline = time.monotonic() + OPEN_TIMEOUT_S
    state = None
    while time.monotonic() < deadline:
        state = snapshot(page)
        if (state and state["path"] == path and state["kernel"] == "idle" and len(state["cells"]) == expected
                and state["cellsInPage"] == expected):
            page.evaluate("() => window.jupyterapp.shell.collapseLeft()")  # the notebook, not the file browser
            return page
        time.sleep(0.5)
    summary = state and {k: (len(v) if k == "cells" else v) for k, v in state.items()}
    pytest.fail(f"{path}: expected the notebook open with {expected} cells in the page and an idle kernel within "
                f"{OPEN_TIMEOUT_S} s, got {summary}\nlab log:\n{lab.log_tail()}")


def settle_widgets(page) -> dict:
    """The snapshot once no widget output still says 'Loading widget...' (or after WIDGET_TIMEOUT_S)."""
    deadline = time.monotonic() + WIDGET_TIMEOUT_S
    while True:
        state = snapshot(page)
        loading = any("Loading widget" in shown["text"] for cell in state["cells"] for shown in cell["shown"])
        if not loading or time.monotonic() > deadline:
            return state
        time.sleep(0.5)


def run_all(page, lesson: str) -> dict:
    """Clear every output, Run All, and wait until the run has finished and the kernel is idle."""
    page.evaluate("""() => {
      window.__runAll = 'running';
      const commands = window.jupyterapp.commands;
      commands.execute('notebook:clear-all-cell-outputs')
        .then(() => commands.execute('notebook:run-all-cells'))
        .then((ok) => { window.__runAll = ok === false ? 'stopped' : 'done'; },
              (error) => { window.__runAll = 'failed: ' + error; });
    }""")
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while True:
        state = snapshot(page)
        status = page.evaluate("() => window.__runAll")
        running = [i for i, cell in enumerate(state["cells"]) if "*" in cell["prompt"]]
        if state["kernel"] == "dead" or status.startswith("failed"):
            pytest.fail(f"{lesson}: expected Run All to run to its end, got run {status!r}, kernel "
                        f"{state['kernel']!r}, cells {running} running or queued")
        if status != "running" and state["kernel"] == "idle" and not running:
            return state
        if time.monotonic() > deadline:
            pytest.fail(f"{lesson}: expected Run All to finish within {RUN_TIMEOUT_S} s, got status {status!r}, "
                        f"kernel {state['kernel']!r}, cells still running or queued: {running}")
        time.sleep(1)


def problems(state: dict, *, executed: bool, trusted: bool, bars_expected: int) -> list[str]:
    """Everything a student would see go wrong in the notebook shown, one line each (empty: all is well).

    executed: every code cell must have run and every check cell show its [ok] line.
    trusted: every widget view must be drawn (JupyterLab draws none in an untrusted notebook: it shows the view's
    text fallback, which must then not be a raw widget repr).
    """
    found = []
    bars_seen = 0
    not_run = [i for i, cell in enumerate(state["cells"]) if cell["type"] == "code" and cell["count"] is None]
    if executed and not_run:
        found.append(f"expected every code cell run, got no execution count in cells {not_run}")
    for index, cell in enumerate(state["cells"]):
        where = f"cell {index}"
        if not cell["attached"]:
            found.append(f"{where}: expected in the page, got detached (windowing kept it out of the DOM)")
        if cell["type"] != "code":
            continue
        for output in cell["outputs"]:
            if output["type"] == "error":
                found.append(f"{where}: expected no error, got {output['error']}")
        views = sum(WIDGET_VIEW in output["mimes"] for output in cell["outputs"])
        drawn = sum(shown["widgets"] > 0 and not WIDGET_FAILED.search(shown["text"]) for shown in cell["shown"])
        if trusted and drawn < views:
            found.append(f"{where}: expected {views} widget view(s) drawn, got {drawn}")
        for shown in cell["shown"]:
            text = shown["text"].strip()
            if WIDGET_FAILED.search(text):
                found.append(f"{where}: expected a drawn widget, got {text[:80]!r}")
            elif WIDGET_REPR.match(text):
                found.append(f"{where}: expected a drawn widget or a readable fallback, got the widget's raw repr "
                             f"{text[:80]!r}")
            for bar in shown["bars"]:
                bars_seen += 1
                if bar["width"] != "100%" or "100%" not in bar["label"]:
                    found.append(f"{where}: expected a progress bar at 100 %, got width {bar['width']!r}, "
                                 f"label {' '.join(bar['label'].replace(chr(0x2007), ' ').split())[:100]!r}")
            for match in TEXT_BAR.finditer(shown["text"]):
                bars_seen += 1
                if match.group(1) != "100":
                    start = shown["text"].rfind("\n", 0, match.start()) + 1
                    line = shown["text"][start:].splitlines()[0]
                    found.append(f"{where}: expected a progress bar at 100 %, got {line.strip()[:100]!r}")
        if executed and cell["count"] is not None and CHECK_CALL.search(cell["source"]):
            text = "\n".join(shown["text"] for shown in cell["shown"])
            if not re.search(r"^\[ok\] ", text, re.MULTILINE):
                found.append(f"{where}: expected the check's [ok] line, got {text.strip()[:120]!r}")
    if bars_seen != bars_expected:
        found.append(f"expected {bars_expected} progress bars shown (as many as the stored solution holds), "
                     f"got {bars_seen}")
    return found


def screenshot(page, name: str) -> Path:
    """The whole notebook as one PNG in SCREENSHOTS, stitched from screens scrolled in turn; fails if it is blank."""
    from PIL import Image, ImageStat

    page.set_viewport_size({"width": 1280, "height": SCREENSHOT_CHUNK_PX})
    page.wait_for_timeout(500)  # the lab lays out again for the new size
    scroller = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer").first
    box = scroller.bounding_box()
    total = scroller.evaluate("(node) => node.scrollHeight")
    sheet = Image.new("RGB", (int(box["width"]), int(total)), "white")
    offset = 0
    while offset < total:
        top = scroller.evaluate("(node, y) => { node.scrollTop = y; return node.scrollTop; }", offset)
        page.wait_for_timeout(150)
        chunk = Image.open(io.BytesIO(page.screenshot(clip=box))).convert("RGB")
        sheet.paste(chunk, (0, int(top)))
        offset = top + int(box["height"])
        if top + box["height"] >= total:
            break
    scroller.evaluate("(node) => { node.scrollTop = 0; }")
    page.set_viewport_size({"width": 1280, "height": 900})
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    sheet.save(path, optimize=False)
    colours = len(sheet.getcolors(maxcolors=1 << 24))
    spread = ImageStat.Stat(sheet.convert("L")).stddev[0]
    assert colours >= 200 and spread >= 10, (f"{path}: expected a screenshot showing a notebook (>= 200 colours, "
                                             f"grey-level spread >= 10), got {colours} colours, spread {spread:.1f}")
    return path


@pytest.fixture
def new_page(lab, offline_pages):
    """Offline pages for the lab; the kernels they started are stopped after the test."""
    yield offline_pages
    lab.shutdown_kernels()


def test_lessons_found():
    assert LESSONS == [f"{n:02d}_{stem.split('_', 1)[1]}" for n, stem in enumerate(LESSONS)] and len(LESSONS) >= 7, \
        f"expected lessons 00..06 in solutions/, got {LESSONS}"
    missing = [lesson for lesson in LESSONS if not (ROOT / "notebooks" / f"{lesson}.ipynb").exists()]
    assert not missing, f"expected a student version in notebooks/ for every lesson, got none for {missing}"
    unchecked = [lesson for lesson in LESSONS[1:]
                 if not any(CHECK_CALL.search("".join(cell["source"])) for cell in
                            notebook_cells(ROOT / "solutions" / f"{lesson}.ipynb") if cell["cell_type"] == "code")]
    assert not unchecked, f"expected check cells (checks.check_...( calls) in lessons 01-06, got none in {unchecked}"


@pytest.mark.parametrize("lesson", LESSONS)
def test_student_notebook_opens(lesson, lab, new_page):
    path = f"notebooks/{lesson}.ipynb"
    page = open_notebook(lab, new_page, path)
    state = settle_widgets(page)
    found = problems(state, executed=False, trusted=True, bars_expected=0)
    for index, cell in enumerate(state["cells"]):
        if cell["outputs"]:
            found.append(f"cell {index}: expected a student version without outputs, got {len(cell['outputs'])}")
        if cell["type"] == "markdown":
            hints = len(re.findall(r"<details[\s>]", cell["source"]))
            if not cell["rendered"] or cell["details"] != hints:
                found.append(f"cell {index}: expected rendered markdown with {hints} collapsible hints/answers, "
                             f"got rendered={cell['rendered']}, {cell['details']} <details>")
    assert not found, f"{path} as a student opens it:\n" + "\n".join(found)
    off_machine = [url for url in page.blocked_requests if url != EXPECTED_OFFLINE]
    assert not off_machine, f"{path}: expected no request off this machine but the Colab badge, got {off_machine}"


def trust(page, path: str) -> dict:
    """File > Trust Notebook, accepted; the snapshot once every code cell is trusted and its widgets are drawn."""
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:trust'); }")
    deadline = time.monotonic() + OPEN_TIMEOUT_S
    while True:
        state = snapshot(page)  # accepts the "Trust this notebook?" dialog
        if all(cell["trusted"] for cell in state["cells"] if cell["type"] == "code"):
            return settle_widgets(page)
        if time.monotonic() > deadline:
            pytest.fail(f"{path}: expected every code cell trusted after Trust Notebook, got some untrusted")
        time.sleep(0.5)


@pytest.mark.parametrize("lesson", LESSONS)
def test_solution_as_stored_and_run(lesson, lab, new_page):
    """The stored solution as a student opens it (untrusted: widget views fall back to their text), then trusted
    (widget views drawn from the state saved in the notebook, no kernel behind them), then Run All in quick mode.
    One page for the three: opening a notebook in the lab costs seconds, and the run starts from the same notebook."""
    path = f"solutions/{lesson}.ipynb"
    bars = stored_bar_count(ROOT / path)
    page = open_notebook(lab, new_page, path)
    stored = settle_widgets(page)
    shots = [screenshot(page, f"{lesson}-stored")]
    found = [f"stored, as opened: {line}"
             for line in problems(stored, executed=True, trusted=False, bars_expected=bars)]
    after_trust = trust(page, path)  # JupyterLab saves the notebook to sign it: the temporary copy, not solutions/
    found += [f"stored, trusted: {line}"
              for line in problems(after_trust, executed=True, trusted=True, bars_expected=bars)]

    run_all(page, lesson)
    ran = settle_widgets(page)
    shots.append(screenshot(page, lesson))
    found += [f"after Run All: {line}" for line in problems(ran, executed=True, trusted=True, bars_expected=bars)]
    off_machine = [url for url in page.blocked_requests if url != EXPECTED_OFFLINE]
    if off_machine:
        found.append(f"expected no request off this machine but the Colab badge, got {off_machine}")
    assert not found, f"{path} (screenshots {', '.join(map(str, shots))}):\n" + "\n".join(found)
