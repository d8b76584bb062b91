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
def test_settle_freezes_the_heap_and_sets_the_thresholds() -> None:
    _, middle, _ = gc.get_threshold()
    collector.settle()
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == (collector.YOUNG_THRESHOLD, middle, collector.OLD_THRESHOLD)


def test_full_collections_are_no_more_frequent_than_with_the_young_at_twenty_thousand() -> None:
    """Allocations between two full collections at most: young x middle x old, as before the young went to 2,000."""
    _, middle, _ = gc.get_threshold()
    assert collector.YOUNG_THRESHOLD * middle * collector.OLD_THRESHOLD >= 20_000 * middle * 10


@pytest.mark.usefixtures("restored_collector")
def test_objects_frozen_are_still_freed_when_unreferenced() -> None:
    class Held:
        pass

    held = Held()
    ref = weakref.ref(held)
    collector.settle()
    del held
    assert ref() is None
