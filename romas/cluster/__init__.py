"""Scale-out: the work of a MAS spread over every romas process sharing one PostgreSQL database.

``shards`` says which shard an agent, artefact or organisation falls in; ``leases`` keeps this process's
heartbeat and the leases on the shards it holds (the fencing every flush checks); ``view`` reads the whole
cluster for ``GET /cluster``.
"""
