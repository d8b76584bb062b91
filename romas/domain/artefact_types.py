"""Artefact types: Python classes that declare observable properties, typed operations and signals.

A type is written once, installed with the server, and described to clients and agents from its own
annotations::

    class Counter(ArtefactType):
        \"\"\"A shared integer.\"\"\"

        type_name = "counter"
        count: int = observable(default=0, description="the current value")

        @operation
        def reset(self, value: int) -> None:
            \"\"\"Set the count.\"\"\"
            self.count = value

Every annotated attribute is an observable property (JSON values only: ``int``, ``float``, ``str``,
``bool``, ``None``, ``list[...]``, ``dict[str, ...]``, ``Literal[...]``, unions and ``Any``); a ``@computed``
method is a property derived from the others; ``@operation`` methods are what agents and clients call, with
their arguments checked against the parameter annotations; ``signals`` names the events ``self.signal(...)``
may emit. An operation runs on a fresh instance built from the stored properties (see :func:`invoke`), so a
type keeps no state of its own between calls, and ``raise OperationFailed("why")`` fails it on purpose.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import importlib
import importlib.metadata
import inspect
import math
import types
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Final, Generic, Literal, TypeVar, cast, overload

from romas.domain.errors import FieldError
from romas.domain.names import is_name, name_problem

ENTRY_POINT_GROUP: Final = "romas.artefact_types"

_T = TypeVar("_T")
_F = TypeVar("_F", bound=Callable[..., Any])


class ArtefactTypeError(TypeError):
    """A type definition is wrong; raised when the class is created, so the server refuses to start."""


class ArtefactTypeLoadError(Exception):
    """Modules or entry points that could not provide artefact types; ``problems`` lists each one."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("cannot load artefact types:\n" + "\n".join(f"- {p}" for p in problems))
        self.problems = problems


class OperationFailed(Exception):
    """Raise it in an operation to fail on purpose; its message is what the caller is told."""


# -- JSON types ----------------------------------------------------------------------------------------------


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, dict):
        return "object"
    return f"a Python {type(value).__name__}"


def _pointer(path: str, part: str | int) -> str:
    return f"{path}/" + str(part).replace("~", "~0").replace("/", "~1")


class _Invalid:
    """Marks a value that did not check (None is a valid JSON value, so it cannot)."""


_INVALID: Final = _Invalid()
Errors = list[FieldError]


class JsonType:
    """A JSON value type made from a Python annotation: its schema, its text, and a checker."""

    def schema(self) -> dict[str, Any]:
        raise NotImplementedError

    def text(self) -> str:
        raise NotImplementedError

    def check(self, value: object, path: str, errors: Errors) -> object:
        """``value`` normalized (fresh containers, ints as floats where a number is expected), or _INVALID."""
        raise NotImplementedError

    def _mismatch(self, value: object, path: str, errors: Errors) -> _Invalid:
        errors.append(FieldError(path, f"expected {self.text()}, got {_kind(value)}"))
        return _INVALID


class _AnyType(JsonType):
    def schema(self) -> dict[str, Any]:
        return {}

    def text(self) -> str:
        return "any"

    def check(self, value: object, path: str, errors: Errors) -> object:
        if value is None or isinstance(value, bool | int | str):
            return value
        if isinstance(value, float):
            if math.isfinite(value):
                return value
            errors.append(FieldError(path, f"expected a JSON value, got the number {value}"))
            return _INVALID
        if isinstance(value, list | tuple):
            items = [self.check(item, _pointer(path, i), errors) for i, item in enumerate(value)]
            return _INVALID if any(item is _INVALID for item in items) else items
        if isinstance(value, dict):
            out: dict[str, object] = {}
            for key, item in value.items():
                if not isinstance(key, str):
                    errors.append(FieldError(path, f"object keys must be strings, got {_kind(key)}"))
                    return _INVALID
                out[key] = self.check(item, _pointer(path, key), errors)
            return _INVALID if any(item is _INVALID for item in out.values()) else out
        errors.append(FieldError(path, f"expected a JSON value, got {_kind(value)}"))
        return _INVALID


_ANY: Final = _AnyType()


@dataclass(frozen=True)
class _Scalar(JsonType):
    name: str  # the JSON Schema type
    python: tuple[type, ...]

    def schema(self) -> dict[str, Any]:
        return {"type": self.name}

    def text(self) -> str:
        return self.name

    def check(self, value: object, path: str, errors: Errors) -> object:
        if isinstance(value, bool) and bool not in self.python:
            return self._mismatch(value, path, errors)
        if not isinstance(value, self.python):
            return self._mismatch(value, path, errors)
        if isinstance(value, float) and not math.isfinite(value):
            return self._mismatch(value, path, errors)
        if self.name == "number" and not isinstance(value, bool):
            return float(cast(float, value))
        return value


_SCALARS: Final[dict[object, _Scalar]] = {
    int: _Scalar("integer", (int,)),
    float: _Scalar("number", (int, float)),
    str: _Scalar("string", (str,)),
    bool: _Scalar("boolean", (bool,)),
    None: _Scalar("null", (type(None),)),
    type(None): _Scalar("null", (type(None),)),
}


@dataclass(frozen=True)
class _Array(JsonType):
    item: JsonType

    def schema(self) -> dict[str, Any]:
        return {"type": "array", "items": self.item.schema()}

    def text(self) -> str:
        return "array" if self.item is _ANY else f"array<{self.item.text()}>"

    def check(self, value: object, path: str, errors: Errors) -> object:
        if not isinstance(value, list | tuple):
            return self._mismatch(value, path, errors)
        items = [self.item.check(item, _pointer(path, i), errors) for i, item in enumerate(value)]
        return _INVALID if any(item is _INVALID for item in items) else items


@dataclass(frozen=True)
class _Object(JsonType):
    value: JsonType

    def schema(self) -> dict[str, Any]:
        return {"type": "object", "additionalProperties": self.value.schema()}

    def text(self) -> str:
        return "object" if self.value is _ANY else f"object<{self.value.text()}>"

    def check(self, value: object, path: str, errors: Errors) -> object:
        if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
            return self._mismatch(value, path, errors)
        out = {k: self.value.check(v, _pointer(path, k), errors) for k, v in value.items()}
        return _INVALID if any(v is _INVALID for v in out.values()) else out


@dataclass(frozen=True)
class _Enum(JsonType):
    values: tuple[str | int | bool, ...]

    def schema(self) -> dict[str, Any]:
        return {"enum": list(self.values)}

    def text(self) -> str:
        return " | ".join(f'"{v}"' if isinstance(v, str) else str(v).lower() for v in self.values)

    def check(self, value: object, path: str, errors: Errors) -> object:
        for allowed in self.values:
            if value == allowed and type(value) is type(allowed):
                return value
        errors.append(FieldError(path, f"expected one of {self.text()}, got {value!r}"))
        return _INVALID


@dataclass(frozen=True)
class _Union(JsonType):
    options: tuple[JsonType, ...]

    def schema(self) -> dict[str, Any]:
        return {"anyOf": [option.schema() for option in self.options]}

    def text(self) -> str:
        return " | ".join(option.text() for option in self.options)

    def check(self, value: object, path: str, errors: Errors) -> object:
        for option in self.options:
            result = option.check(value, path, [])
            if result is not _INVALID:
                return result
        return self._mismatch(value, path, errors)


def json_type(annotation: object) -> JsonType:
    """The JSON type of a (resolved) annotation; ArtefactTypeError when it is not a JSON value type."""
    if annotation is Any or annotation is object:
        return _ANY
    if annotation is None or (isinstance(annotation, type) and annotation in _SCALARS):
        return _SCALARS[annotation]
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if annotation is list or origin is list:
        return _Array(json_type(args[0]) if args else _ANY)
    if annotation is dict or origin is dict:
        if args and args[0] is not str:
            raise ArtefactTypeError(f"object keys must be str, not {args[0]!r} (in {annotation!r})")
        return _Object(json_type(args[1]) if args else _ANY)
    if origin is Literal:
        if not all(isinstance(a, str | int | bool) for a in args):
            raise ArtefactTypeError(f"Literal values must be strings, integers or booleans: {annotation!r}")
        return _Enum(tuple(args))
    if origin is typing.Union or origin is types.UnionType:
        return _Union(tuple(json_type(a) for a in args))
    raise ArtefactTypeError(
        f"{annotation!r} is not a JSON value type; use int, float, str, bool, None, list[...], "
        "dict[str, ...], Literal[...], a union of these, or Any"
    )


def _valid(kind: JsonType, value: object, what: str) -> object:
    errors: Errors = []
    checked = kind.check(value, "", errors)
    if errors:
        raise ArtefactTypeError(f"{what}: {errors[0].message}")
    return checked


@dataclass(frozen=True)
class Signal:
    """A signal emitted by an operation: agents perceive it as the event ``+name(args...)``."""

    name: str
    args: tuple[Any, ...]


# -- declarations --------------------------------------------------------------------------------------------


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()


@dataclass(frozen=True)
class _Observable:
    default: object
    description: str


@overload
def observable(default: _T, *, description: str = "") -> _T: ...
@overload
def observable(*, description: str = "") -> Any: ...
def observable(default: object = MISSING, *, description: str = "") -> Any:
    """Declare an observable property's default (copied for each artefact) and description.

    A property without a default must be given when the artefact is created.
    """
    return _Observable(default, description)


class Computed(Generic[_T]):
    """A property derived from the others (``@computed``): observable, never stored or set."""

    def __init__(self, func: Callable[[Any], _T]) -> None:
        self.func = func
        self.__doc__ = func.__doc__

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> Computed[_T]: ...
    @overload
    def __get__(self, instance: object, owner: type | None = None) -> _T: ...
    def __get__(self, instance: object, owner: type | None = None) -> Computed[_T] | _T:
        return self if instance is None else self.func(instance)


def computed(func: Callable[[Any], _T]) -> Computed[_T]:
    """Declare a method as an observable property derived from the stored ones (its docstring describes it)."""
    return Computed(func)


def operation(func: _F) -> _F:
    """Declare a method as an operation agents and clients may call (its docstring describes it)."""
    if inspect.iscoroutinefunction(func) or not inspect.isfunction(func):
        raise ArtefactTypeError(f"@operation applies to plain methods, not {func!r}")
    cast(Any, func).__romas_operation__ = True
    return func


def async_operation(func: _F) -> _F:
    """Declare a coroutine method as an operation of a type that talks to the world (see romas.bridges)."""
    if not inspect.iscoroutinefunction(func):
        raise ArtefactTypeError(f"@async_operation applies to coroutine methods, not {func!r}")
    cast(Any, func).__romas_operation__ = True
    return func


def _describe_text(doc: str | None) -> str:
    """The first paragraph of a docstring, on one line."""
    if not doc:
        return ""
    return " ".join(inspect.cleandoc(doc).split("\n\n")[0].split())


def _json_text(value: object) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    return repr(value)


@dataclass(frozen=True)
class PropertySpec:
    name: str
    type: JsonType
    description: str
    default: object = MISSING
    computed: Computed[Any] | None = None

    @property
    def required(self) -> bool:
        return self.default is MISSING and self.computed is None

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {"schema": self.type.schema(), "type": self.type.text()}
        if self.default is not MISSING:
            out["default"] = copy.deepcopy(self.default)
        out["required"] = self.required
        out["computed"] = self.computed is not None
        out["description"] = self.description
        return out


@dataclass(frozen=True)
class ParamSpec:
    name: str
    type: JsonType
    default: object = MISSING

    @property
    def text(self) -> str:
        suffix = "" if self.default is MISSING else f" = {_json_text(self.default)}"
        return f"{self.name}: {self.type.text()}{suffix}"


@dataclass(frozen=True)
class OperationSpec:
    name: str
    func: Callable[..., Any]
    params: tuple[ParamSpec, ...]
    returns: JsonType | None  # None: the operation returns nothing
    description: str

    @property
    def min_args(self) -> int:
        return sum(1 for p in self.params if p.default is MISSING)

    @property
    def max_args(self) -> int:
        return len(self.params)

    @property
    def signature(self) -> str:
        """Like ``reset(value: integer)``, in JSON type names since callers send JSON."""
        return f"{self.name}({', '.join(p.text for p in self.params)})"

    def args_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "array", "prefixItems": [p.type.schema() for p in self.params]}
        schema["minItems"] = self.min_args
        schema["maxItems"] = self.max_args
        return schema

    def describe(self) -> dict[str, Any]:
        params = []
        for p in self.params:
            param: dict[str, Any] = {"name": p.name, "schema": p.type.schema(), "type": p.type.text()}
            param["required"] = p.default is MISSING
            if p.default is not MISSING:
                param["default"] = copy.deepcopy(p.default)
            params.append(param)
        return {
            "signature": self.signature,
            "description": self.description,
            "params": params,
            "args_schema": self.args_schema(),
            "returns": None if self.returns is None else self.returns.schema(),
        }


# -- the base class ------------------------------------------------------------------------------------------


class ArtefactType:
    """Base class of artefact types; subclass it, set ``type_name`` and declare properties and operations.

    A subclass without its own ``type_name`` is a base for other types and is not registered.
    Instances are made by romas for one operation at a time: do not define ``__init__``.
    """

    type_name: ClassVar[str]
    signals: ClassVar[Mapping[str, str]] = {}
    """Signals the type may emit: name -> description (say what the arguments are)."""

    _properties: ClassVar[dict[str, PropertySpec]] = {}
    _operations: ClassVar[dict[str, OperationSpec]] = {}
    _async_operations: ClassVar[bool] = False
    """Whether operations may be coroutines, run by :func:`invoke_async` (romas.bridges.base.Bridge sets it)."""
    _emitted: list[Signal]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        try:
            _define(cls)
        except ArtefactTypeError as exc:
            raise ArtefactTypeError(f"artefact type {cls.__module__}.{cls.__qualname__}: {exc}") from None

    def signal(self, name: str, *args: Any) -> None:
        """Emit a declared signal; agents focusing on the artefact perceive ``name(args...)``."""
        if name not in type(self).signals:
            raise OperationFailed(f"signal '{name}' is not declared by artefact type '{type(self).type_name}'")
        errors: Errors = []
        checked = [_ANY.check(arg, f"/{i}", errors) for i, arg in enumerate(args)]
        if errors:
            raise OperationFailed(f"signal '{name}' argument {errors[0].path[1:]}: {errors[0].message}")
        self._emitted.append(Signal(name, tuple(checked)))

    @classmethod
    def own_type_name(cls) -> str | None:
        """The name this class itself declares (None for a base class)."""
        name = cls.__dict__.get("type_name")
        return name if isinstance(name, str) else None

    @classmethod
    def property_specs(cls) -> Mapping[str, PropertySpec]:
        return types.MappingProxyType(cls._properties)

    @classmethod
    def operation_specs(cls) -> Mapping[str, OperationSpec]:
        return types.MappingProxyType(cls._operations)

    @classmethod
    def description(cls) -> str:
        return _describe_text(cls.__doc__) if "__doc__" in cls.__dict__ else ""

    @classmethod
    def properties_schema(cls) -> dict[str, Any]:
        """A JSON Schema for the ``properties`` of an artefact PUT."""
        return {
            "type": "object",
            "properties": {name: p.type.schema() for name, p in cls._properties.items()},
            "required": [name for name, p in cls._properties.items() if p.required],
            "additionalProperties": False,
        }

    @classmethod
    def describe(cls) -> dict[str, Any]:
        """The JSON of ``GET /artefact-types/{type}``."""
        return {
            "name": cls.type_name,
            "description": cls.description(),
            "properties": {name: p.describe() for name, p in cls._properties.items()},
            "properties_schema": cls.properties_schema(),
            "operations": {name: op.describe() for name, op in cls._operations.items()},
            "signals": {name: {"description": text} for name, text in cls.signals.items()},
        }

    @classmethod
    def validate_properties(cls, properties: object) -> tuple[dict[str, Any] | None, list[FieldError]]:
        """The normalized initial properties of an artefact (defaults filled in), or None and every error.

        Paths are JSON Pointers relative to the ``properties`` object. A computed property may be given
        (so a GET body can be put back) but must equal its computed value.
        """
        try:
            return _validate_properties(cls, properties)
        except RecursionError:
            return None, [FieldError("", "the properties are nested too deeply")]


def _define(cls: type[ArtefactType]) -> None:
    """Collect and check a type's properties, operations and signals (run once per class)."""
    own_name = cls.__dict__.get("type_name")
    if own_name is not None and not is_name(own_name):
        problem = name_problem(own_name) if isinstance(own_name, str) else "it must be a string"
        raise ArtefactTypeError(f"type_name {own_name!r} is not valid: {problem}")
    if not isinstance(cls.signals, Mapping) or not all(isinstance(v, str) for v in cls.signals.values()):
        raise ArtefactTypeError("signals must map each signal name to its description")
    try:
        hints = typing.get_type_hints(cls)
    except Exception as exc:
        raise ArtefactTypeError(f"cannot resolve the annotations: {exc}") from None
    properties: dict[str, PropertySpec] = {}
    for name, hint in hints.items():
        if name in _RESERVED or name.startswith("_") or typing.get_origin(hint) is ClassVar or hint is ClassVar:
            continue
        _check_member_name(name, "property")
        kind = json_type(hint)
        raw = inspect.getattr_static(cls, name, MISSING)
        declared = raw if isinstance(raw, _Observable) else _Observable(raw, "")
        default = declared.default
        if default is not MISSING:
            default = _valid(kind, default, f"the default of property '{name}'")
        properties[name] = PropertySpec(name, kind, declared.description, default)
    operations: dict[str, OperationSpec] = {}
    members = {name: None for klass in reversed(cls.__mro__) for name in vars(klass)}  # declaration order
    for name in members:
        member = inspect.getattr_static(cls, name)
        if isinstance(member, Computed):
            _check_member_name(name, "property")
            kind = json_type(_hints(member.func, f"property '{name}'").get("return", Any))
            properties[name] = PropertySpec(name, kind, _describe_text(member.__doc__), computed=member)
        elif getattr(getattr(member, "__func__", member), "__romas_operation__", False):  # under a staticmethod too
            _check_member_name(name, "operation")
            if not inspect.isfunction(member):
                raise ArtefactTypeError(f"operation '{name}' must be a plain method")
            if inspect.iscoroutinefunction(member) and not cls._async_operations:
                raise ArtefactTypeError(f"operation '{name}' is a coroutine: only bridge types may wait in operations")
            operations[name] = _operation_spec(name, member)
    for name in cls.signals:
        _check_member_name(str(name), "signal")
        if name in properties:
            raise ArtefactTypeError(f"signal '{name}' has the name of a property; agents could not tell them apart")
    cls._properties = properties
    cls._operations = operations


_RESERVED: Final = frozenset({"type_name", "signals"})


def _check_member_name(name: str, what: str) -> None:
    if name in _RESERVED or name in dir(ArtefactType):
        raise ArtefactTypeError(f"{what} '{name}' hides a member of ArtefactType; choose another name")
    problem = name_problem(name)
    if problem is not None:
        raise ArtefactTypeError(f"{what} name '{name}' is not valid ({what} names are AgentSpeak atoms): {problem}")


def _hints(func: Callable[..., Any], what: str) -> dict[str, Any]:
    try:
        return typing.get_type_hints(func)
    except Exception as exc:
        raise ArtefactTypeError(f"{what}: cannot resolve the annotations: {exc}") from None


def _operation_spec(name: str, func: Callable[..., Any]) -> OperationSpec:
    hints = _hints(func, f"operation '{name}'")
    params: list[ParamSpec] = []
    for index, param in enumerate(inspect.signature(func).parameters.values()):
        if index == 0:
            continue  # self
        if param.kind not in (param.POSITIONAL_ONLY, param.POSITIONAL_OR_KEYWORD):
            raise ArtefactTypeError(f"operation '{name}': parameter '{param.name}' must be positional (args is a list)")
        if param.name not in hints:
            raise ArtefactTypeError(f"operation '{name}': parameter '{param.name}' needs a type annotation")
        kind = json_type(hints[param.name])
        default: object = MISSING
        if param.default is not param.empty:
            default = _valid(kind, param.default, f"operation '{name}': the default of '{param.name}'")
        params.append(ParamSpec(param.name, kind, default))
    returns_hint = hints.get("return", Any)
    returns = None if returns_hint in (None, type(None)) else json_type(returns_hint)
    return OperationSpec(name, func, tuple(params), returns, _describe_text(func.__doc__))


def _validate_properties(cls: type[ArtefactType], properties: object) -> tuple[dict[str, Any] | None, Errors]:
    if properties is None:
        properties = {}
    if not isinstance(properties, dict):
        return None, [FieldError("", f"expected an object of properties, got {_kind(properties)}")]
    errors: Errors = []
    specs = cls._properties
    for key in properties:
        if key not in specs:
            known = ", ".join(specs) or "none"
            errors.append(FieldError(_pointer("", str(key)), f"unknown property '{key}'; {cls.type_name} has: {known}"))
    stored: dict[str, Any] = {}
    complete = True
    for name, spec in specs.items():
        if spec.computed is not None:
            continue
        path = _pointer("", name)
        if name in properties:
            value = spec.type.check(properties[name], path, errors)
            if value is _INVALID:
                complete = False
            else:
                stored[name] = value
        elif spec.default is MISSING:
            errors.append(FieldError(path, f"property '{name}' is required"))
            complete = False
        else:
            stored[name] = copy.deepcopy(spec.default)
    if not complete:
        return None, errors
    values, problem = _snapshot(_instantiate(cls, stored))
    if values is None:
        return None, [*errors, FieldError("", problem)]
    for name, spec in specs.items():
        if spec.computed is not None and name in properties and properties[name] != values[name]:
            errors.append(
                FieldError(
                    _pointer("", name),
                    f"property '{name}' is computed from the others: it is {_json_text(values[name])}, "
                    f"not {_json_text(properties[name])}",
                )
            )
    return (None, errors) if errors else (values, [])


def _instantiate(cls: type[ArtefactType], stored: Mapping[str, Any]) -> ArtefactType:
    """An instance holding its own copy of the stored properties (operations mutate lists in place)."""
    instance = object.__new__(cls)
    instance._emitted = []
    for name, value in stored.items():
        setattr(instance, name, copy.deepcopy(value))
    return instance


def _snapshot(instance: ArtefactType) -> tuple[dict[str, Any] | None, str]:
    """The normalized properties of an instance, stored and computed; None and why when one is invalid."""
    values: dict[str, Any] = {}
    for name, spec in type(instance)._properties.items():
        try:
            value = getattr(instance, name)
        except Exception as exc:
            return None, f"property '{name}' could not be read: {type(exc).__name__}: {exc}"
        errors: Errors = []
        checked = spec.type.check(value, "", errors)
        if errors:
            where = f" at {errors[0].path}" if errors[0].path else ""
            return None, f"property '{name}' would hold an invalid value{where}: {errors[0].message}"
        values[name] = checked
    return values, ""


# -- invocation ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Failure:
    """Why an invocation did not happen or did not succeed.

    ``kind`` is ``unknown_operation`` or ``invalid_arguments`` (the caller's mistake: a 4xx, nothing ran) or
    ``failed`` (the operation ran and failed: the invocation resource is ``failed``).
    """

    kind: Literal["unknown_operation", "invalid_arguments", "failed"]
    message: str
    errors: tuple[FieldError, ...] = ()


@dataclass(frozen=True)
class Invocation:
    """The outcome of one operation: new properties, result and signals, or a failure that changed nothing."""

    properties: dict[str, Any]
    result: Any = None
    signals: tuple[Signal, ...] = ()
    changed: tuple[str, ...] = ()
    failure: Failure | None = None

    @property
    def ok(self) -> bool:
        return self.failure is None


def check_call(artefact_type: type[ArtefactType], operation: str, args: object) -> Failure | None:
    """Whether ``operation(args)`` names an operation of the type and fits its signature (None: it does)."""
    return _bind(artefact_type, operation, args)[1]


def _bind(artefact_type: type[ArtefactType], name: str, args: object) -> tuple[list[Any], Failure | None]:
    ops = artefact_type._operations
    op = ops.get(name)
    if op is None:
        known = ", ".join(o.signature for o in ops.values()) or "none"
        message = f"artefact type '{artefact_type.type_name}' has no operation '{name}'; its operations: {known}"
        return [], Failure("unknown_operation", message)
    expects = f"{op.name} expects ({', '.join(p.text for p in op.params)})"
    if not isinstance(args, list):
        return [], Failure("invalid_arguments", f"{expects}; args must be an array, got {_kind(args)}")
    if not op.min_args <= len(args) <= op.max_args:
        count = f"{len(args)} argument{'' if len(args) == 1 else 's'}"
        return [], Failure("invalid_arguments", f"{expects}, got {count}")
    errors: Errors = []
    bound = [
        param.type.check(arg, f"/args/{i}", errors) for i, (param, arg) in enumerate(zip(op.params, args, strict=False))
    ]
    if errors:
        first = errors[0]
        index = int(first.path.split("/")[2])
        detail = f"argument {index + 1} ({op.params[index].name}): {first.message}"
        return [], Failure("invalid_arguments", f"{expects}; {detail}", tuple(errors))
    return bound, None


def invoke(
    artefact_type: type[ArtefactType], properties: Mapping[str, Any], operation: str, args: object
) -> Invocation:
    """Run one operation on an artefact with these properties; deterministic, never raises for user code.

    On failure the properties are the ones given and no signal is emitted: an operation changes all or nothing.
    """
    started = _start(artefact_type, properties, operation, args)
    if isinstance(started, Invocation):
        return started
    try:
        result = started.op.func(started.instance, *started.bound)
    except BaseException as exc:
        return started.failed(exc)
    return started.finish(result)


async def invoke_async(
    artefact_type: type[ArtefactType],
    properties: Mapping[str, Any],
    operation: str,
    args: object,
    prepare: Callable[[ArtefactType], None] | None = None,
) -> Invocation:
    """:func:`invoke` for types whose operations are coroutines (they talk to the world, so they may wait).

    ``prepare`` hands the fresh instance what it needs besides its properties (a connection, settings).
    """
    started = _start(artefact_type, properties, operation, args)
    if isinstance(started, Invocation):
        return started
    if prepare is not None:
        prepare(started.instance)
    try:
        result = started.op.func(started.instance, *started.bound)
        if inspect.isawaitable(result):
            result = await result
    except BaseException as exc:
        if isinstance(exc, asyncio.CancelledError | KeyboardInterrupt):
            raise
        return started.failed(exc)
    return started.finish(result)


@dataclass
class _Started:
    """An operation bound to its arguments and a fresh instance, about to run."""

    artefact_type: type[ArtefactType]
    operation: str
    op: OperationSpec
    instance: ArtefactType
    bound: list[Any]
    current: dict[str, Any]
    original: dict[str, Any]

    def failed(self, exc: BaseException) -> Invocation:
        operation, original = self.operation, self.original
        if isinstance(exc, OperationFailed):
            return Invocation(original, failure=Failure("failed", str(exc) or f"{operation} failed"))
        if isinstance(exc, RecursionError):
            return Invocation(original, failure=Failure("failed", f"{operation} failed: recursion too deep"))
        if isinstance(exc, Exception | SystemExit):
            message = f"{operation} failed: {type(exc).__name__}: {exc}"
            return Invocation(original, failure=Failure("failed", message))
        raise exc

    def finish(self, result: Any) -> Invocation:
        operation, original, op, current = self.operation, self.original, self.op, self.current
        try:
            after, problem = _snapshot(self.instance)
        except BaseException as exc:
            return self.failed(exc)
        if after is None:
            return Invocation(original, failure=Failure("failed", f"{operation} failed: {problem}"))
        if op.returns is None:
            result = None
        else:
            errors: Errors = []
            result = op.returns.check(result, "", errors)
            if errors:
                message = f"{operation} failed: it returned an invalid result: {errors[0].message}"
                return Invocation(original, failure=Failure("failed", message))
        changed = tuple(name for name in after if after[name] != current.get(name, MISSING))
        return Invocation(after, result, tuple(self.instance._emitted), changed)


def _start(
    artefact_type: type[ArtefactType], properties: Mapping[str, Any], operation: str, args: object
) -> _Started | Invocation:
    original = dict(properties)
    bound, failure = _bind(artefact_type, operation, args)
    if failure is not None:
        return Invocation(original, failure=failure)
    specs = artefact_type._properties
    stored = {k: v for k, v in properties.items() if k in specs and specs[k].computed is None}
    current, errors = artefact_type.validate_properties(stored)
    if current is None:
        detail = "; ".join(f"{e.path or '/'}: {e.message}" for e in errors)
        return Invocation(original, failure=Failure("failed", f"the artefact's properties are invalid: {detail}"))
    op = artefact_type._operations[operation]
    instance = _instantiate(artefact_type, {k: v for k, v in current.items() if specs[k].computed is None})
    return _Started(artefact_type, operation, op, instance, bound, current, original)


# -- registry and loading ------------------------------------------------------------------------------------


class Registry:
    """The artefact types a server knows, by name."""

    def __init__(self, artefact_types: Iterable[type[ArtefactType]] = ()) -> None:
        self._types: dict[str, type[ArtefactType]] = {}
        for artefact_type in artefact_types:
            self.register(artefact_type)

    def register(self, artefact_type: type[ArtefactType]) -> None:
        name = artefact_type.own_type_name()
        if name is None:
            raise ArtefactTypeError(f"{_qualname(artefact_type)} declares no type_name of its own")
        existing = self._types.get(name)
        if existing is not None and existing is not artefact_type:
            raise ArtefactTypeError(
                f"two artefact types are named '{name}': {_qualname(existing)} and {_qualname(artefact_type)}"
            )
        self._types[name] = artefact_type

    def get(self, name: str) -> type[ArtefactType] | None:
        return self._types.get(name)

    def __getitem__(self, name: str) -> type[ArtefactType]:
        return self._types[name]

    def __contains__(self, name: object) -> bool:
        return name in self._types

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._types))

    def __len__(self) -> int:
        return len(self._types)

    def names(self) -> list[str]:
        return sorted(self._types)

    def describe(self) -> list[dict[str, Any]]:
        """Every type's description, by name (``GET /artefact-types``)."""
        return [self._types[name].describe() for name in self.names()]


def _qualname(artefact_type: type) -> str:
    return f"{artefact_type.__module__}.{artefact_type.__qualname__}"


def types_in(namespace: object) -> list[type[ArtefactType]]:
    """The registrable artefact types a module defines itself (not those it imports), or the class itself."""
    if isinstance(namespace, type):
        return [namespace] if issubclass(namespace, ArtefactType) and namespace.own_type_name() else []
    module_name = getattr(namespace, "__name__", None)
    found = []
    for value in vars(namespace).values():
        if (
            isinstance(value, type)
            and issubclass(value, ArtefactType)
            and value.__module__ == module_name
            and value.own_type_name() is not None
        ):
            found.append(value)
    return found


def builtin_registry() -> Registry:
    # Imported here: the built-ins subclass ArtefactType, so that module imports this one.
    from romas.domain.builtin_artefacts import BUILTIN_TYPES

    return Registry(BUILTIN_TYPES)


def load_artefact_types(module_names: Iterable[str], *, entry_points: bool = True) -> Registry:
    """The built-in types plus those of the ``romas.artefact_types`` entry points and the named modules.

    Every problem (a module that does not import or defines no type, two types with one name) is collected
    and raised together as ArtefactTypeLoadError, so a misconfigured server refuses to start with all of them.
    """
    registry = builtin_registry()
    problems: list[str] = []
    sources: list[tuple[str, Callable[[], object]]] = []
    if entry_points:
        for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
            sources.append((f"entry point '{ep.name} = {ep.value}'", ep.load))
    for module_name in module_names:
        sources.append((f"module '{module_name}'", functools.partial(importlib.import_module, module_name)))
    for label, load in sources:
        try:
            loaded = load()
        except Exception as exc:
            problems.append(f"{label} cannot be imported: {type(exc).__name__}: {exc}")
            continue
        found = types_in(loaded)
        if not found:
            problems.append(f"{label} defines no artefact type (an ArtefactType subclass with a type_name)")
        for artefact_type in found:
            try:
                registry.register(artefact_type)
            except ArtefactTypeError as exc:
                problems.append(f"{label}: {exc}")
    if problems:
        raise ArtefactTypeLoadError(problems)
    return registry
