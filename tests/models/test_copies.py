"""Marked copies (``# Copied from ganstudio.models...``) stay identical to their sources."""

from pathlib import Path

import pytest

from ganstudio.models import copies
from ganstudio.models.blocks import b_to_a, start_and_ups
from ganstudio.models.base import ConfigError

MODELS = copies.PACKAGE_ROOT / "models"


def test_every_marked_copy_equals_its_source():
    problems = copies.check_copies()
    assert not problems, "\n".join(map(str, problems)) + "\nrun: python -m ganstudio.models.copies --fix"


def test_the_command_reports_no_drift(capsys):
    assert copies.main([]) == 0
    assert "0 differ from their source" in capsys.readouterr().out


def test_the_known_copies_are_marked():
    found = {(m.path.name, m.target) for m in copies.marked_copies()}
    for family in ("acgan", "sgan", "infogan"):
        assert (f"{family}.py", "ganstudio.models.cgan.up_layers") in found
        assert (f"{family}.py", "ganstudio.models.cgan.down_layers") in found
    for name in ("NORMS", "BIASED_NORMS", "patch_layers"):
        assert ("cyclegan.py", f"ganstudio.models.pix2pix.{name}") in found
    assert ("acgan.py", "ganstudio.models.cgan.Generator.sample_latent") in found


def _acgan() -> tuple[Path, str]:
    path = MODELS / "acgan.py"
    return path, path.read_text(encoding="utf-8")


def test_a_drifted_copy_is_reported_and_fixed():
    path, text = _acgan()
    drifted = text.replace("nn.BatchNorm2d(ch * 2),\n", "nn.BatchNorm2d(ch * 2, eps=1e-3),\n", 1)
    assert drifted != text
    problems = copies.check_text(path, drifted)
    assert len(problems) == 1
    assert problems[0].copy.target == "ganstudio.models.cgan.down_layers"
    assert "eps=1e-3" in str(problems[0]) and "acgan.py:" in str(problems[0])
    assert copies.fix_text(path, drifted) == text


def test_a_drifted_method_copy_is_reported():
    path, text = _acgan()
    drifted = text.replace('"""``n`` standard normal latents', '"""``n`` normal latents', 1)
    (problem,) = copies.check_text(path, drifted)
    assert problem.copy.target == "ganstudio.models.cgan.Generator.sample_latent"
    assert copies.fix_text(path, drifted) == text


def test_renames_apply_to_the_source():
    text = ("import torch\n\n\n"
            "# Copied from ganstudio.models.blocks.start_and_ups with DCGAN->ACGAN, start->first\n"
            + copies.expected_text(copies.MarkedCopy(Path("x.py"), 0, "ganstudio.models.blocks.start_and_ups"))
            .replace("DCGAN", "ACGAN").replace("start", "first") + "\n")
    assert "def first_and_ups(" in text and 'family: str = "ACGAN"' in text
    assert copies.check_text(Path("x.py"), text) == []
    assert copies.check_text(Path("x.py"), text.replace('family: str = "ACGAN"', 'family: str = "DCGAN"'))


@pytest.mark.parametrize("marker, says", [
    ("# Copied from ganstudio.models.cgan.no_such_thing", "defines no no_such_thing"),
    ("# Copied from ganstudio.models.no_such_module.up_layers", "no such module"),
    ("# Copied from ganstudio.models.cgan.up_layers with nonsense", "OLD->NEW"),
])
def test_markers_that_cannot_be_followed_are_reported(marker, says):
    text = f"{marker}\ndef up_layers():\n    pass\n"
    (problem,) = copies.check_text(Path("x.py"), text)
    assert says in str(problem)


def test_a_marker_above_nothing_is_reported():
    text = "# Copied from ganstudio.models.cgan.up_layers\n\nx = 1\n"
    (problem,) = copies.check_text(Path("x.py"), text)
    assert "not directly above" in problem.message


def test_a_marker_quoted_in_a_string_is_not_a_marker():
    text = '"""\n# Copied from ganstudio.models.cgan.no_such_thing\n"""\nx = 1\n'
    assert copies.check_text(Path("x.py"), text) == []


def test_start_and_ups_names_the_family():
    assert start_and_ups(28) == (7, 2)
    assert start_and_ups(64) == (4, 4)
    with pytest.raises(ConfigError, match="SGAN image_size must be 28 or a power of two"):
        start_and_ups(48, "SGAN")


def test_b_to_a_builds_the_reverse_component():
    seen = []

    def build(config, reverse=False):
        seen.append((config, reverse))
        return reverse

    build_ba = b_to_a(build)
    assert build_ba("cfg") is True and seen == [("cfg", True)]
    assert build_ba.__name__ == "build_ba"
