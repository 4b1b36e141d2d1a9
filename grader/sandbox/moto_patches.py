"""Every change the simulated account makes to moto's own classes and modules, made one way.

moto is a dependency, not a place to edit: where the account answers as AWS does and moto
does not, it replaces an attribute of one of moto's classes (a backend's method, a response
class's action) or adds one moto lacks. Each such change is a `Patch`, declared by the
service folder it belongs to (its `service.py`) and applied by `apply`, once per process.

A patch says what it changes (`target`, `attribute`), whether it replaces what moto has or
adds what moto lacks (`adds`), and, for what it replaces, the shape it was written for
(`shape`: the parameters of a method, or `PROPERTY`). When moto (upgraded) no longer has the
target, has the attribute a patch means to add, or has changed the shape of what is
replaced, `apply` and `check` raise `PatchOutdated`, naming the patch, before anything is
changed: an upgrade of moto fails loudly at start-up, never silently on a learner's request.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Final, Literal

PROPERTY: Final = "property"
ACTION: Final = ("self",)  # the shape of a response class's action (its input is on self)
Shape = tuple[str, ...] | Literal["property"] | None
_MISSING: Final = object()


class PatchOutdated(Exception):
    """moto no longer matches what a patch was written for (an upgrade changed it)."""


@dataclass(frozen=True)
class Patch:
    """One attribute of moto, replaced or added.

    `target`: where the attribute lives, as "module:Class" ("moto.iam.models:IAMBackend")
    or "module" (an attribute of the module itself). `make`: given what moto has there
    (None for an added attribute), what to put in its place. `adds`: the attribute is
    new (moto must not have it). `shape`: the parameters of the method replaced (as
    `inspect.signature` lists them, `self` included), `PROPERTY` for a property, None to
    check only that it exists."""

    target: str
    attribute: str
    make: Callable[[Any], Any]
    adds: bool = False
    shape: Shape = None

    @property
    def name(self) -> str:
        return f"{self.target}.{self.attribute}"


def replaces(target: str, attribute: str, wrap: Callable[[Any], Any],
             shape: Shape = None) -> Patch:
    """A patch putting `wrap(moto's attribute)` in place of moto's attribute."""
    return Patch(target, attribute, wrap, adds=False, shape=shape)


def replaced_by(target: str, attribute: str, value: Any, shape: Shape = None) -> Patch:
    """A patch putting `value` in place of moto's attribute (which it does not use)."""
    return Patch(target, attribute, lambda _original: value, adds=False, shape=shape)


def adds(target: str, attribute: str, value: Any) -> Patch:
    """A patch adding `value` as an attribute moto lacks."""
    return Patch(target, attribute, lambda _original: value, adds=True)


# What this process changed in moto: each patch applied, with what moto had and what was
# put in its place (so that applying again changes nothing, and `check` still sees moto's).
_PLACED: dict[Patch, tuple[Any, Any]] = {}


def owner_of(patch: Patch) -> Any:
    """The class or module `patch.target` names; PatchOutdated when moto has no such."""
    module_name, _, qualified = patch.target.partition(":")
    try:
        found: Any = importlib.import_module(module_name)
        for part in qualified.split(".") if qualified else ():
            found = getattr(found, part)
    except (ImportError, AttributeError) as error:
        raise PatchOutdated(f"patch {patch.name}: moto has no {patch.target} ({error}); "
                            "was moto upgraded? Rewrite the patch for it.") from None
    return found


def original_of(patch: Patch) -> Any:
    """What moto has (had, once patched) where `patch` goes: None for an added attribute.
    PatchOutdated when that is not what the patch was written for."""
    owner = owner_of(patch)
    current = inspect.getattr_static(owner, patch.attribute, _MISSING)
    placed = _PLACED.get(patch)
    if placed is not None and current is placed[1]:
        return placed[0]
    if patch.adds:
        if current is not _MISSING and not _placed_by_another(patch, current):
            raise PatchOutdated(f"patch {patch.name}: moto now has {patch.attribute!r}, "
                                "which the patch would hide; was moto upgraded?")
        return None
    if current is _MISSING:
        raise PatchOutdated(f"patch {patch.name}: moto has no attribute {patch.attribute!r} "
                            "(renamed or removed: was moto upgraded?); the patch replaces it")
    _check_shape(patch, current)
    return current


def _placed_by_another(patch: Patch, current: Any) -> bool:
    return any(other.name == patch.name and value is current
               for other, (_, value) in _PLACED.items())


def _check_shape(patch: Patch, current: Any) -> None:
    if patch.shape is None:
        return
    if patch.shape == PROPERTY:
        if not isinstance(current, property):
            raise PatchOutdated(f"patch {patch.name}: written for a property, moto has "
                                f"{type(current).__name__}")
        return
    function = getattr(current, "__func__", current)  # staticmethod, classmethod
    try:
        found = tuple(inspect.signature(function).parameters)
    except (TypeError, ValueError):
        raise PatchOutdated(f"patch {patch.name}: written for a method, moto has "
                            f"{type(current).__name__}") from None
    if found != patch.shape:
        raise PatchOutdated(f"patch {patch.name}: written for parameters "
                            f"({', '.join(patch.shape)}), moto's are ({', '.join(found)}); "
                            "was moto upgraded? Rewrite the patch for it.")


def check(patches: Iterable[Patch]) -> None:
    """PatchOutdated for the first of `patches` that moto no longer matches."""
    for patch in patches:
        original_of(patch)


def apply(patches: Iterable[Patch]) -> None:
    """Apply each of `patches` not yet applied in this process, in order, once all are
    checked (PatchOutdated, and nothing changed, when moto does not match one)."""
    waiting = [patch for patch in patches if patch not in _PLACED]
    check(waiting)
    for patch in waiting:
        original = original_of(patch)  # again: an earlier patch may have changed it
        replacement = patch.make(original)
        setattr(owner_of(patch), patch.attribute, replacement)
        _PLACED[patch] = (original, replacement)


def applied(patch: Patch) -> bool:
    """Whether `patch` was applied in this process."""
    return patch in _PLACED
