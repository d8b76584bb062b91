import gc
import weakref
from collections.abc import Iterator

import pytest

from romas import collector


@pytest.fixture
def restored_collector() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


@pytest.mark.usefixtures("restored_collector")
def test_settle_freezes_the_heap_and_collects_the_young_less_often() -> None:
    _, middle, old = gc.get_threshold()
    collector.settle()
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == (collector.YOUNG_THRESHOLD, middle, old)


@pytest.mark.usefixtures("restored_collector")
def test_objects_frozen_are_still_freed_when_unreferenced() -> None:
    class Held:
        pass

    held = Held()
    ref = weakref.ref(held)
    collector.settle()
    del held
    assert ref() is None
