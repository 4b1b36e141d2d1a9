"""Every change the account makes to moto goes through one registry
(`grader.sandbox.moto_patches`), which fails loudly, naming the patch, when the installed
moto no longer has what a patch was written for; and applying it again changes nothing."""

from __future__ import annotations

import ast
import inspect
from typing import Any

import pytest

from grader.sandbox import moto_patches
from grader.sandbox.moto_patches import Patch, PatchOutdated
from tests.conftest import ROOT


def every_patch() -> list[Patch]:
    from grader.sandbox import moto_core
    from grader.sandbox.front_desk import operations
    from grader.sandbox.server import install_services
    from grader.sandbox.services import registry

    install_services()
    return [*moto_core.PATCHES, *operations.PATCHES,
            *(patch for entry in registry.registered() for patch in entry.service.patches)]


def by_name(name: str) -> Patch:
    return next(patch for patch in every_patch() if patch.name == name)


def test_every_patch_matches_the_installed_moto_and_is_applied() -> None:
    patches = every_patch()
    assert len(patches) > 70
    moto_patches.check(patches)
    for patch in patches:
        assert moto_patches.applied(patch), patch.name
    replaced = [patch for patch in patches if not patch.adds]
    assert all(patch.shape is not None for patch in replaced), \
        [patch.name for patch in replaced if patch.shape is None]


def test_applying_again_changes_nothing() -> None:
    patches = every_patch()
    before = {patch.name: inspect.getattr_static(moto_patches.owner_of(patch), patch.attribute)
              for patch in patches}
    moto_patches.apply(patches)
    after = {patch.name: inspect.getattr_static(moto_patches.owner_of(patch), patch.attribute)
             for patch in patches}
    assert before == after


def test_a_renamed_moto_method_fails_loudly_naming_the_patch(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.iam.models import IAMBackend

    patch = by_name("moto.iam.models:IAMBackend.create_login_profile")
    moto_has = inspect.getattr_static(IAMBackend, "create_login_profile")
    monkeypatch.delattr(IAMBackend, "create_login_profile")  # moto renamed it...
    monkeypatch.setattr(IAMBackend, "create_user_login_profile", moto_has, raising=False)
    with pytest.raises(PatchOutdated, match=r"IAMBackend\.create_login_profile: moto has no "
                                            r"attribute 'create_login_profile'"):
        moto_patches.check([patch])
    monkeypatch.setattr(moto_patches, "_PLACED", {})  # as in a new process
    with pytest.raises(PatchOutdated, match="create_login_profile"):
        moto_patches.apply([patch])
    assert not hasattr(IAMBackend, "create_login_profile")  # nothing was applied


def test_a_method_whose_parameters_changed_fails_loudly(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.cloudtrail.models import CloudTrailBackend

    patch = by_name("moto.cloudtrail.models:CloudTrailBackend.start_logging")

    def start_logging(self: Any, name: str, region: str) -> None:  # an upgraded moto's
        del self, name, region

    monkeypatch.setattr(CloudTrailBackend, "start_logging", start_logging)
    with pytest.raises(PatchOutdated, match=r"CloudTrailBackend\.start_logging: written for "
                                            r"parameters \(self, name\), moto's are "
                                            r"\(self, name, region\)"):
        moto_patches.check([patch])


def test_a_class_moto_no_longer_has_fails_loudly() -> None:
    patch = Patch("moto.iam.models:IAMBackendV2", "delete_user", lambda original: original,
                  shape=("self", "user_name"))
    with pytest.raises(PatchOutdated, match=r"IAMBackendV2\.delete_user: moto has no "
                                            r"moto\.iam\.models:IAMBackendV2"):
        moto_patches.apply([patch])


def test_a_property_that_became_something_else_fails_loudly(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.iam.models import AccountSummary

    patch = by_name("moto.iam.models:AccountSummary._policies")
    monkeypatch.setattr(AccountSummary, "_policies", lambda self: 0)
    with pytest.raises(PatchOutdated, match="written for a property, moto has function"):
        moto_patches.check([patch])


def test_adding_what_moto_now_has_fails_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.iam.responses import IamResponse

    patch = by_name("moto.iam.responses:IamResponse.change_password")
    monkeypatch.setattr(IamResponse, "change_password", lambda self: "moto's own")
    with pytest.raises(PatchOutdated, match="moto now has 'change_password'"):
        moto_patches.check([patch])


def test_nothing_under_the_account_sets_moto_attributes_another_way() -> None:
    """No `Class.attribute = ...` marked `method-assign`, no `setattr` on a moto class:
    every patch is registered (instances' own fields aside)."""
    found = []
    for path in sorted((ROOT / "grader" / "sandbox").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if "method-assign" in text:
            found.append(f"{path.name}: method-assign")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "setattr" \
                    and isinstance(node.args[0], ast.Name) and node.args[0].id[:1].isupper():
                found.append(f"{path.name}:{node.lineno}: setattr({node.args[0].id}, ...)")
    assert found == []
