from __future__ import annotations

import pytest
from snapshot_testkit import HandWorked, build_hand_worked


@pytest.fixture
def hand_worked(db) -> HandWorked:  # type: ignore[no-untyped-def]
    return build_hand_worked()
