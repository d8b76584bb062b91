"""romas: a resource-oriented server for multi-agent systems."""

__version__ = "0.1.0"
