"""``romas serve --seed DIR``: an empty database starts with the MAS an ``agent_specs/`` folder describes."""

from __future__ import annotations

import logging
from pathlib import Path

from romas.deploy.deployments import deploy
from romas.deploy.manifest import Manifest
from romas.deploy.specs import SpecProblem, load_specs
from romas.services.container import Services
from romas.store.eventstore import WriteContext

log = logging.getLogger("romas.seed")
SEED_ACTOR = "seed"


class SeedError(RuntimeError):
    """The folder has problems; the server does not start with half a MAS."""

    def __init__(self, folder: Path, problems: list[SpecProblem]) -> None:
        listing = "\n".join(f"  {folder}/{p}" if p.file else f"  {folder}: {p.message}" for p in problems)
        super().__init__(f"cannot seed from {folder}:\n{listing}")
        self.problems = problems


async def apply_manifest(services: Services, manifest: Manifest, context: WriteContext) -> int:
    """Deploy the manifest in one transaction (recorded as a deployment); returns how many resources changed."""
    async with services.store.write(context) as writer:
        outcome = await deploy(services, writer, manifest)
    return outcome.record.counts.changes


async def seed_if_empty(services: Services, folder: Path) -> bool:
    """Load ``folder`` into the database when it holds no events yet; True when it did."""
    if await services.store.last_position() > 0:
        log.info("database already holds a MAS: not seeding from %s", folder)
        return False
    manifest, problems = load_specs(folder, services.registry)
    if manifest is None or problems:
        raise SeedError(folder, problems)
    made = await apply_manifest(services, manifest, WriteContext(actor=SEED_ACTOR, extra={"seed": str(folder)}))
    log.info("seeded %d resources from %s", made, folder)
    return True
