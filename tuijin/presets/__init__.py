"""The shipped rule-set files (DESIGN.md "Published rules are data"): one TOML file per jurisdiction's
published rules. `tuijin rulesets seed` loads them into versioned rule sets; see docs/rulesets.md."""

from pathlib import Path

PRESETS_DIR = Path(__file__).resolve().parent


def preset_files() -> list[Path]:
    """Every shipped rule-set file, by name."""
    return sorted(PRESETS_DIR.glob("*.toml"))
