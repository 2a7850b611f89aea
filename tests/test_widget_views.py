"""Stored widget views: a tqdm bar is saved as the text it ended with, an explorer keeps its state under stable
ids, and every stored solution shows its widgets without a kernel."""

import json
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import widget_views  # noqa: E402  (the harness's module, beside run.py)


def model(name, **state):
    return {"model_module": "@jupyter-widgets/controls", "model_module_version": "2.0.0", "model_name": name,
            "state": state}


def view(model_id, fallback):
    return nbformat.v4.new_output("display_data", data={widget_views.VIEW: {"model_id": model_id, "version_major": 2,
                                                                            "version_minor": 0},
                                                        "text/plain": fallback})


def executed_notebook():
    """Two cells as nbclient leaves them: a finished tqdm bar (random ids, its first repr as fallback) and a slider."""
    state = {
        "a1": model("HBoxModel", children=["IPY_MODEL_a2", "IPY_MODEL_a3", "IPY_MODEL_a4"]),
        "a2": model("HTMLModel", value="MNIST\u2007GAN:\u2007100%"),
        "a3": model("FloatProgressModel", value=800.0, max=800.0, bar_style="success"),
        "a4": model("HTMLModel", value="\u2007800/800\u2007[00:10&lt;00:00,\u200780.0it/s,\u2007loss_D=1.2]"),
        "b1": model("IntSliderModel", value=3, layout="IPY_MODEL_b2"),
        "b2": {"model_module": "@jupyter-widgets/base", "model_module_version": "2.0.0", "model_name": "LayoutModel",
               "state": {}},
        "unused": model("HTMLModel", value="a bar from a cell whose output was cleared"),
    }
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("train()", outputs=[view("a1", "MNIST GAN:   0%|   | 0/800")]),
                nbformat.v4.new_code_cell("explore()", outputs=[view("b1", "IntSlider(value=3)")]),
                nbformat.v4.new_markdown_cell("prose")]
    nb.metadata["widgets"] = {widget_views.STATE: {"version_major": 2, "version_minor": 0, "state": state}}
    return nb


def test_a_finished_bar_is_stored_as_the_text_it_ended_with():
    nb = widget_views.freeze_widget_views(executed_notebook())
    [bar] = nb.cells[0].outputs
    assert bar.output_type == "stream" and bar.name == "stdout"
    assert bar.text == "MNIST GAN: 100%|##########| 800/800 [00:10<00:00, 80.0it/s, loss_D=1.2]\n"


def test_a_bar_stopped_halfway_shows_how_far_it_got():
    nb = executed_notebook()
    nb.metadata.widgets[widget_views.STATE]["state"]["a3"]["state"]["value"] = 400.0
    text = widget_views.freeze_widget_views(nb).cells[0].outputs[0].text
    assert "|#####     |" in text


def test_other_widgets_keep_their_state_under_stable_ids():
    nb = widget_views.freeze_widget_views(executed_notebook())
    [slider] = nb.cells[1].outputs
    assert slider.data[widget_views.VIEW]["model_id"] == "widget-000"
    assert slider.data["text/plain"] == widget_views.WIDGET_FALLBACK
    state = nb.metadata.widgets[widget_views.STATE]["state"]
    assert list(state) == ["widget-000", "widget-001"]  # the slider and its layout; bars and unused models dropped
    assert state["widget-000"]["state"]["layout"] == "IPY_MODEL_widget-001"
    nbformat.validate(nb)


def test_a_notebook_without_widgets_is_left_alone():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("1", outputs=[nbformat.v4.new_output("stream", text="1\n")])]
    before = nbformat.writes(nb)
    assert nbformat.writes(widget_views.freeze_widget_views(nb)) == before


@pytest.mark.parametrize("path", sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb")), ids=lambda p: p.stem)
def test_every_stored_widget_view_has_its_state(path):
    """A view without saved state shows an error in JupyterLab and a 0 % bar elsewhere (the benchmark saves them)."""
    nb = json.loads(path.read_text())
    state = nb["metadata"].get("widgets", {}).get(widget_views.STATE, {}).get("state", {})
    missing = [(index, output["data"][widget_views.VIEW]["model_id"])
               for index, cell in enumerate(nb["cells"]) for output in cell.get("outputs", [])
               if widget_views.VIEW in output.get("data", {})
               and output["data"][widget_views.VIEW]["model_id"] not in state]
    assert not missing, f"{path.name}: widget views without saved state (cell, model id): {missing}"
    reprs = [index for index, cell in enumerate(nb["cells"]) for output in cell.get("outputs", [])
             if widget_views.VIEW in output.get("data", {})
             and "".join(output["data"].get("text/plain", "")) != widget_views.WIDGET_FALLBACK]
    assert not reprs, f"{path.name}: widget views whose text fallback is a raw repr, in cells {reprs}"
