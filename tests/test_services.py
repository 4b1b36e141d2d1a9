"""A service is its folder plus one line in `grader.services.SERVICES`: every registered
service declares every part the account needs (`service.py`, `service.toml`), each part is
checked here, and a made-up service, a folder of its own, is served with no edit elsewhere."""

from __future__ import annotations

import datetime as dt
import sys
import textwrap
from dataclasses import fields
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import botocore.session
import pytest

from grader import services
from grader.services import SERVICES_FOLDER, ServiceData, ServiceDataError, ServiceFolder
from tests.conftest import ROOT

SESSION = botocore.session.get_session()


def registered() -> list[Any]:
    from grader.sandbox.server import install_services
    from grader.sandbox.services import registry

    install_services()
    return registry.registered()


def operations_of(signing_name: str) -> set[str]:
    return set(SESSION.get_service_model(signing_name).operation_names)


def test_every_folder_under_the_account_is_a_registered_service() -> None:
    """Every folder of the account's `services/` is a registered service; the account's
    other rooms (its front desk, history, control...) declare none."""
    folders = {p.parent for p in SERVICES_FOLDER.glob("*/__init__.py")}
    assert {entry.folder for entry in services.SERVICES} == folders
    elsewhere = [p for p in SERVICES_FOLDER.parent.rglob("service.py")
                 if SERVICES_FOLDER not in p.parents]
    assert not elsewhere, elsewhere
    for folder in folders:
        assert (folder / "service.py").exists() and (folder / "service.toml").exists(), folder


def test_every_registered_service_declares_what_the_account_needs() -> None:
    from moto.backends import get_backend

    from grader.sandbox import moto_patches
    from grader.sandbox.services.registry import Service

    found = registered()
    assert [entry.name for entry in found] == [p.folder.name for p in services.SERVICES]
    for entry in found:
        service: Service = entry.service
        moto_patches.check(service.patches)
        for patch in service.patches:
            assert patch.target.startswith("moto."), patch.name
        if entry.data is None:  # no API of its own: nothing of an API declared
            assert not (service.eager or service.patches or service.added_to_moto
                        or service.resource_arn or service.iam_actions), entry.name
            continue
        name = entry.data.signing_name
        operations = operations_of(name)
        assert SESSION.get_service_model(name).signing_name == name
        assert entry.data.event_source.endswith(".amazonaws.com")
        for declared in (entry.data.data_events, entry.data.mints_credentials,
                         entry.data.grader_calls, set(service.iam_actions)):
            assert declared <= operations, (entry.name, sorted(declared - operations))
        if service.eager:
            get_backend(name)  # type: ignore[call-overload]  # moto has it (or ours)
        for state in service.account_state:
            assert callable(state.forget) and callable(state.park) and callable(state.unpark)


def test_the_eager_services_are_made_in_the_order_replayed_ids_depend_on() -> None:
    from grader.sandbox.services import registry

    registered()
    assert registry.eager() == ["iam", "sts", "s3", "cloudtrail", "bcm-data-exports", "cur"]


@pytest.mark.parametrize("part", [f.name for f in fields(ServiceData)])
def test_a_service_toml_without_one_of_its_parts_is_refused(part: str) -> None:
    text = (SERVICES_FOLDER / "iam" / "service.toml").read_text(encoding="utf-8")
    assert services.parse(text, "iam") is not None
    kept = [line for line in text.splitlines() if not line.startswith(f"{part} =")]
    if part in ("grader_calls", "data_events", "mints_credentials"):  # may span lines
        kept = _without_array(text.splitlines(), part)
    with pytest.raises(ServiceDataError, match=f"missing \\['{part}'\\]"):
        services.parse("\n".join(kept), "iam")


def _without_array(lines: list[str], key: str) -> list[str]:
    kept, skipping = [], False
    for line in lines:
        if line.startswith(f"{key} ="):
            skipping = not line.rstrip().endswith("]")
            continue
        if skipping:
            skipping = not line.startswith("]")
            continue
        kept.append(line)
    return kept


def test_a_service_toml_that_declares_nothing_or_mistypes_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ServiceDataError, match="every service folder declares its data"):
        services.load(tmp_path)
    with pytest.raises(ServiceDataError, match="exactly one key, `api`"):
        services.parse("", "x")
    with pytest.raises(ServiceDataError, match="grader_calls must be a list of names"):
        services.parse(MADE_UP_TOML.replace('grader_calls = ["ListSecrets"]',
                                            'grader_calls = "ListSecrets"'), "x")


def test_a_descriptor_without_one_of_its_parts_cannot_be_made() -> None:
    from grader.sandbox.services.registry import Service

    declared = {f.name: None for f in fields(Service)}
    Service(**declared)  # type: ignore[arg-type]
    for left_out in declared:
        with pytest.raises(TypeError, match=left_out):
            Service(**{k: v for k, v in declared.items() if k != left_out})  # type: ignore[arg-type]


# -- a made-up service: its folder, and one line in the list ------------------------------

MADE_UP_TOML = textwrap.dedent('''
    # A made-up service for the tests: Secrets Manager, as moto has it.
    [api]
    signing_name = "secretsmanager"
    event_source = "made-up-secrets.amazonaws.com"
    data_events = ["GetSecretValue"]
    mints_credentials = ["GetRandomPassword"]
    grader_calls = ["ListSecrets"]
''')

MADE_UP_SERVICE = textwrap.dedent('''
    """A made-up service, declared as any service folder declares itself."""

    from grader.sandbox.moto_patches import adds
    from grader.sandbox.services.registry import PerAccount, Service

    KEPT: dict = {}
    ATTACHED: list = []


    def resource_arn(operation, params, account_id, caller_name):
        return f"arn:aws:secretsmanager:*:{account_id}:secret:{params.get('SecretId', '*')}"


    SERVICE = Service(
        patches=(adds("moto.secretsmanager.models:SecretsManagerBackend", "made_up_marker",
                      "made up"),),
        added_to_moto=None,
        eager=True,
        attach=ATTACHED.append,
        points_at=lambda app: ATTACHED.append(("pointed at", app)),
        resource_arn=resource_arn,
        iam_actions={"ListSecrets": "ListTheSecrets"},
        account_state=(PerAccount(KEPT),),
    )
''')


@pytest.fixture
def made_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A folder of its own (outside the course), registered by one line in the list."""
    folder = tmp_path / "made_up_course" / "secrets"
    folder.mkdir(parents=True)
    (folder.parent / "__init__.py").write_text("")
    (folder / "__init__.py").write_text('"""Secrets, made up."""\n')
    (folder / "service.py").write_text(MADE_UP_SERVICE)
    (folder / "service.toml").write_text(MADE_UP_TOML)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(services, "SERVICES",
                        [*services.SERVICES, ServiceFolder("made_up_course.secrets", folder)])
    registered()
    import made_up_course.secrets.service as module  # type: ignore[import-not-found]

    yield module
    from grader.sandbox.history.rebuild import forget_accounts

    forget_accounts()
    for name in [name for name in sys.modules if name.startswith("made_up_course")]:
        del sys.modules[name]


def test_a_made_up_service_needs_its_folder_and_one_line(made_up: Any) -> None:
    from moto.secretsmanager.models import SecretsManagerBackend

    from grader.cloudtrail.events import event_source, is_management_event
    from grader.readonly import grader_may_call
    from grader.sandbox.front_desk import authorization, grader_key
    from grader.sandbox.server import install_services
    from grader.sandbox.services import registry

    install_services()  # once per process: the new folder's patches come with the list
    registry.install()
    assert getattr(SecretsManagerBackend, "made_up_marker") == "made up"  # noqa: B009
    assert registry.eager()[-1] == "secretsmanager"
    assert authorization.resource_arn("secretsmanager", "GetSecretValue", {"SecretId": "s"},
                                      "123456789012", "alice") \
        == "arn:aws:secretsmanager:*:123456789012:secret:s"
    assert authorization.action_name("secretsmanager", "ListSecrets") == \
        "secretsmanager:ListTheSecrets"
    assert grader_key.creates_credentials("secretsmanager", "GetRandomPassword")
    assert not grader_key.grader_key_may_call("secretsmanager", "GetRandomPassword")
    assert grader_may_call("secretsmanager", "ListSecrets")
    assert not grader_may_call("secretsmanager", "GetSecretValue")
    event = SimpleNamespace(event_type="AwsApiCall", service="secretsmanager",
                            operation="GetSecretValue", region="us-east-1", read_only=True,
                            parameters={})
    assert event_source(event) == "made-up-secrets.amazonaws.com"
    assert not is_management_event(event)


def test_a_made_up_service_is_attached_made_eagerly_forgotten_and_parked(
        made_up: Any, tmp_path: Path) -> None:
    from moto.secretsmanager.models import secretsmanager_backends

    from grader.sandbox.account import new_account
    from grader.sandbox.history.parking import park, unpark
    from grader.sandbox.history.rebuild import forget_accounts
    from grader.sandbox.history.record import Record
    from grader.sandbox.server import assemble

    forget_accounts()
    account = new_account(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    app = assemble(account, Record(tmp_path / "record.sqlite"), None)
    assert [app, ("pointed at", app)] == made_up.ATTACHED
    assert dict.__contains__(secretsmanager_backends, account.account_id)  # made eagerly
    secrets = served_client(app, "secretsmanager")
    assert secrets.list_secrets()["SecretList"] == []  # moto answers it, behind our desk
    with pytest.raises(secrets.exceptions.ClientError, match="only reads"):
        secrets.get_random_password()  # declared as minting: not for the grader's key
    made_up.KEPT[account.account_id] = "its secrets"
    parked = park(account.account_id)
    assert made_up.KEPT == {}
    unpark(parked)
    assert {account.account_id: "its secrets"} == made_up.KEPT
    forget_accounts()
    assert made_up.KEPT == {}


def served_client(app: Any, service: str) -> Any:
    """A client of `service` signed with the account's grader key, answered by `app`."""
    from grader.sandbox.front_desk.in_process import IN_PROCESS_ENDPOINT, route_in_process

    session = botocore.session.get_session()
    route_in_process(session, app)
    return session.create_client(service, region_name=app.account.region,
                                 endpoint_url=IN_PROCESS_ENDPOINT,
                                 aws_access_key_id=app.account.grader_key_id,
                                 aws_secret_access_key=app.account.grader_secret)


def test_the_checks_read_the_services_data_without_the_accounts_code() -> None:
    """`grader.services` reads the folders' data files; it imports nothing of the account
    (the checks stand on it: tests/test_layers.py)."""
    from tests.test_layers import reached_from

    assert not [m for m in reached_from("grader.services") if m.startswith("grader.sandbox")]
    assert (ROOT / "grader" / "services.py").exists()
