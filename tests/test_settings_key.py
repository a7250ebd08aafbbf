"""No installation runs on a key published in the repository."""

import os
import subprocess
import sys


def _key(var_dir, **env):
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    environ = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    environ.update({"TUIJIN_VAR_DIR": str(var_dir), "DJANGO_SETTINGS_MODULE": "tuijin.settings", **env})
    run = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + code],
        env=environ,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return run.stdout.strip()


def test_secret_key_is_generated_once_and_kept(tmp_path):
    first = _key(tmp_path)
    assert len(first) >= 50 and first == _key(tmp_path)
    assert oct((tmp_path / "secret_key").stat().st_mode & 0o777) == "0o600"
    assert _key(tmp_path / "other") != first


def test_secret_key_from_the_environment_wins(tmp_path):
    assert _key(tmp_path, SECRET_KEY="from-env") == "from-env"
