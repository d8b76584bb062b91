"""Errors the domain and services raise; the HTTP layer maps each class to one status code."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem in a JSON body, located by a JSON Pointer."""

    path: str
    message: str


@dataclass(frozen=True, slots=True)
class CodeError:
    """One problem in AgentSpeak source, located by line and column (1-based)."""

    line: int
    column: int
    message: str


class DomainError(Exception):
    """Base class; ``detail`` is what the client is told."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(DomainError):
    pass


class Gone(DomainError):
    """The resource was deleted; its history stays readable at ``revisions``."""

    def __init__(self, detail: str, revisions: str) -> None:
        super().__init__(detail)
        self.revisions = revisions


class Conflict(DomainError):
    pass


class PreconditionFailed(DomainError):
    pass


class PreconditionRequired(DomainError):
    pass


class InvalidInput(DomainError):
    def __init__(self, detail: str, errors: list[FieldError]) -> None:
        super().__init__(detail)
        self.errors = errors


class InvalidCode(DomainError):
    def __init__(self, detail: str, errors: list[CodeError]) -> None:
        super().__init__(detail)
        self.errors = errors
