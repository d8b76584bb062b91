"""Dependencies handlers declare by name."""

from __future__ import annotations

from typing import TypeAlias

from litestar.datastructures import State
from litestar.di import NamedDependency

from romas.services.container import Services

ServicesDep: TypeAlias = NamedDependency[Services]


def provide_services(state: State) -> Services:
    services: Services = state.services
    return services
