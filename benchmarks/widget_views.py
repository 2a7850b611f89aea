"""Widget outputs an executed notebook can show without its kernel.

A widget view in a saved notebook is only a model id: JupyterLab, nbconvert and a static site draw it from the
widget state saved in the notebook's metadata, or fall back to the view's ``text/plain``. For a tqdm bar that
fallback is the bar's first repr ("0%| 0/800"), and without the state JupyterLab shows an error instead of a bar.

``freeze_widget_views`` fixes both, from the state nbclient stores while it runs the notebook:
  - a tqdm bar (an HBox of HTML, FloatProgress, HTML) becomes plain text: the bar as it ended, e.g.
    ``MNIST GAN: 100%|##########| 5000/5000 [01:02<00:00, 80.1it/s, loss_D=1.2]``;
  - any other widget (an explorer) keeps its view, and the state of its models is saved with stable ids, so
    JupyterLab can draw it as it was left (it needs the kernel to react to its controls); its text fallback says
    what it is, for readers that cannot draw it (JupyterLab draws no widget in a notebook it does not trust).
"""

from __future__ import annotations

import html

import nbformat

VIEW = "application/vnd.jupyter.widget-view+json"
STATE = "application/vnd.jupyter.widget-state+json"
_REF = "IPY_MODEL_"
_BAR_WIDTH = 10
# What a reader sees where a widget cannot be drawn: JupyterLab before File > Trust Notebook, GitHub, a text export.
# (The repr it replaces, "VBox(children=(HBox(...", tells a student nothing.)
WIDGET_FALLBACK = ("An interactive explorer: run this cell to use it (or File > Trust Notebook in JupyterLab to see "
                   "it as it was left)")


def _children(model: dict) -> list[str]:
    return [ref.removeprefix(_REF) for ref in model["state"].get("children", [])]


def _text(value: str) -> str:
    # tqdm.notebook escapes the HTML and swaps spaces for figure spaces (U+2007) to keep the bar steady
    return html.unescape(value).replace("\u2007", " ")


def progress_bar_text(model_id: str, state: dict) -> str | None:
    """The text of the tqdm bar whose HBox is ``model_id`` as it ended, or None if it is not a tqdm bar."""
    box = state.get(model_id)
    if box is None or box["model_name"] != "HBoxModel":
        return None
    parts = [state.get(child) for child in _children(box)]
    names = [part and part["model_name"] for part in parts]
    if names != ["HTMLModel", "FloatProgressModel", "HTMLModel"]:
        return None
    left, bar, right = (part["state"] for part in parts)
    fraction = bar["value"] / bar["max"] if bar.get("max") else 0.0
    filled = min(_BAR_WIDTH, int(fraction * _BAR_WIDTH))
    return f"{_text(left['value'])}|{'#' * filled}{' ' * (_BAR_WIDTH - filled)}|{_text(right['value'])}"


def _closure(model_id: str, state: dict) -> list[str]:
    """``model_id`` and every model its state refers to (children, layout, style), depth first, once each."""
    seen: list[str] = []
    stack = [model_id]
    while stack:
        current = stack.pop()
        if current in seen or current not in state:
            continue
        seen.append(current)
        refs = []
        for value in state[current]["state"].values():
            values = value if isinstance(value, list) else [value]
            refs += [v.removeprefix(_REF) for v in values if isinstance(v, str) and v.startswith(_REF)]
        stack.extend(reversed(refs))
    return seen


def _renamed(obj, names: dict[str, str]):
    """``obj`` with every model id (bare or as an IPY_MODEL_ reference) replaced by its stable name."""
    if isinstance(obj, dict):
        return {key: _renamed(value, names) for key, value in obj.items()}
    if isinstance(obj, list):
        return [_renamed(value, names) for value in obj]
    if isinstance(obj, str):
        if obj.startswith(_REF) and obj.removeprefix(_REF) in names:
            return _REF + names[obj.removeprefix(_REF)]
        return names.get(obj, obj)
    return obj


def freeze_widget_views(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Progress bars as their final text; other widget views kept with their state under stable ids (in place)."""
    stored = nb.metadata.pop("widgets", {}).get(STATE, {})
    state = stored.get("state", {})
    kept: dict[str, str] = {}  # random model id -> stable name, in order of appearance
    for cell in nb.cells:
        for index, output in enumerate(cell.get("outputs", [])):
            view = output.get("data", {}).get(VIEW)
            if view is None:
                continue
            bar = progress_bar_text(view["model_id"], state)
            if bar is not None:
                cell.outputs[index] = nbformat.v4.new_output("stream", name="stdout", text=bar + "\n")
                continue
            for model_id in _closure(view["model_id"], state):
                kept.setdefault(model_id, f"widget-{len(kept):03d}")
            output.data["text/plain"] = WIDGET_FALLBACK
    if kept:
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs = nbformat.from_dict(_renamed(cell.outputs, kept))
        nb.metadata["widgets"] = {STATE: {"version_major": stored.get("version_major", 2),
                                          "version_minor": stored.get("version_minor", 0),
                                          "state": {kept[m]: _renamed(state[m], kept) for m in kept}}}
    return nb
