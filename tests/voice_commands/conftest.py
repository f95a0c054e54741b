from __future__ import annotations

import json

import pytest
from vc_data import DATA


@pytest.fixture(scope="session")
def manifest() -> list[dict]:
    return json.loads((DATA / "manifest.json").read_text())
