"""Artefact types of the sample MAS in ``agent_specs/``, installed the way any extra type is: through the
``romas.artefact_types`` entry point group of this package (see ``pyproject.toml``)."""
