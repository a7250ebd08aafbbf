import pytest


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Bulletins' Word and PDF files go to the test's own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
