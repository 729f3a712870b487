"""pbxctl prompts: which prompts the configuration names are missing (an apply refuses
them), and stock stand-ins for them; and pbxctl dialplan apply refusing a missing prompt."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from controller.cli import build_cli

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "company.yaml"


def _runner(tmp_path: Path, sounds: Path):  # type: ignore[no-untyped-def]
    runner = CliRunner()
    (tmp_path / "none.toml").write_text("")
    env = {
        "PBXCTL_DATA_DIR": str(tmp_path / "data"),
        "PBXCTL_CONFIG": str(tmp_path / "none.toml"),
        "PBXCTL_ASTERISK_SOUNDS_DIR": str(sounds),
        "PBXCTL_ASTERISK_CONFIG_DIR": str(tmp_path / "asterisk"),
        "PBXCTL_AMI_PORT": "1",
        "PBXCTL_AMI_SECRET": "x" * 16,
    }

    def invoke(*args: str) -> Result:
        return runner.invoke(build_cli(), list(args), env=env)

    assert invoke("db", "upgrade").exit_code == 0
    assert invoke("config", "import", str(EXAMPLE)).exit_code == 0
    return invoke


def test_missing_prompts_are_listed_refuse_the_apply_and_get_stand_ins(tmp_path: Path) -> None:
    sounds = tmp_path / "sounds"
    (sounds / "en_US_f_Allison").mkdir(parents=True)
    run = _runner(tmp_path, sounds)
    listed = run("prompts", "list")
    assert listed.exit_code == 1
    assert "MISSING custom/main-menu-zh  (IVR menu 'main' prompts[zh])" in listed.output
    applied = run("dialplan", "apply", "--no-asterisklint")
    assert applied.exit_code == 1
    assert "IVR menu 'main' prompts[zh]: prompt 'custom/main-menu-zh' has no sound file" in (
        applied.output
    )
    assert "not applied: Asterisk was not touched" in applied.output
    assert not (tmp_path / "asterisk" / "pbx-controller").exists()
    # No stock sounds installed: nothing to stand in, still missing.
    none = run("prompts", "stand-ins")
    assert none.exit_code == 1
    assert "0 stand-in(s) written" in none.output
    (sounds / "en_US_f_Allison" / "beep.gsm").write_bytes(b"\xd8" + bytes(32))  # a GSM frame
    made = run("prompts", "stand-ins")
    assert made.exit_code == 0, made.output
    assert "stand-in: custom/main-menu-zh" in made.output
    assert run("prompts", "list").exit_code == 0
    # Now the apply gets past the prompts: refused only because no Asterisk answers.
    again = run("dialplan", "apply", "--no-asterisklint")
    assert "has no sound file" not in again.output
    assert "cannot reach AMI" in again.output


def test_without_a_sounds_directory_it_says_so(tmp_path: Path) -> None:
    run = _runner(tmp_path, tmp_path / "nowhere")
    listed = run("prompts", "list")
    assert listed.exit_code != 0
    assert "no sounds directory" in listed.output
