"""The checked-in compose/ and configs/ must be exactly what the code renders."""

from pathlib import Path

from goldens import compare_tree

from rmqlab.render.presets import preset_files

ROOT = Path(__file__).resolve().parent.parent


def test_presets_match_rendered_output():
    rendered = preset_files()
    problems = compare_tree(ROOT, {k: v for k, v in rendered.items() if k.startswith("compose/")}, "compose/*.yaml")
    problems += compare_tree(
        ROOT, {k: v for k, v in rendered.items() if k.startswith("configs/")}, "configs/**/*.properties"
    )
    assert not problems, "Regenerate with `python -m rmqlab.render.presets`: " + "; ".join(problems)


def test_presets_cover_every_mode():
    names = {Path(k).stem for k in preset_files() if k.startswith("compose/")}
    assert names == {"2m2s-sync", "2m2s-async", "dledger", "controller"}
