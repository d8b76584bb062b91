"""Artefact types that bridge agents to the systems around them (HTTP, NATS, ...), and the event-log export.

The client libraries are optional (``pip install romas[bridges]``); each is imported when a bridge first
needs it, so a plain install still loads these types and reports a missing library as an operation failure.
"""
