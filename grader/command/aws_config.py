"""The course's own AWS CLI configuration: `GRADE_HOME/aws/config` and `.../credentials`.

`grade sandbox env` points the AWS CLI and boto3 at these two files
(`AWS_CONFIG_FILE`, `AWS_SHARED_CREDENTIALS_FILE`), so that what the learner
configures for the simulated account (`aws configure --profile sandbox-admin`,
the MFA profile of exercise 04) lands here, never in their real `~/.aws`, and
their real profiles are not used against the simulated account (nor the
simulated account's keys against AWS).

The AWS CLI that comes with the course is version 1 (PyPI's `awscli`; version
2 is not published there). Version 1 prints timestamps as the service sent
them: seconds since 1970 for the JSON services (CloudTrail's `EventTime`),
where version 2 prints ISO 8601. Every profile of this file gets
`cli_timestamp_format = iso8601` (version 1 reads it per profile), so that
both versions print the same readable times. A profile the learner adds later
gets it the next time `grade sandbox env` runs (`ensure`); nothing else in the
files is changed, comments included.

`working_profile` is the profile the terminal should use once root has no
access key left (exercise 03's end): one that assumes a role with MFA
(exercise 04's, whose session the AWS CLI asks a code for and caches) when
there is one, since the admin group then denies everything else without MFA;
else the one already chosen, else the first with an access key of its own.
"""

from __future__ import annotations

import configparser
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from grader.paths import grade_home, private_dir, write_private

FOLDER = "aws"
TIMESTAMP_KEY = "cli_timestamp_format"
TIMESTAMP_FORMAT = "iso8601"
_SECTION = re.compile(r"^\s*\[\s*([^\]]+?)\s*\]\s*$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_.-]+)\s*=")


@dataclass(frozen=True)
class Profile:
    """One profile of the course's AWS configuration, as far as `grade` needs to know."""

    name: str
    has_key: bool  # an access key of its own (in the credentials file or the config)
    key_id: str | None  # that key's id
    role_arn: str | None
    mfa_serial: str | None
    source_profile: str | None

    @property
    def mfa_role(self) -> bool:
        """A role profile whose session the AWS CLI asks an MFA code for (and caches)."""
        return bool(self.role_arn and self.mfa_serial)


def folder() -> Path:
    return private_dir(grade_home() / FOLDER)


def config_file() -> Path:
    return folder() / "config"


def credentials_file() -> Path:
    return folder() / "credentials"


def variables() -> dict[str, str]:
    """`AWS_CONFIG_FILE` and `AWS_SHARED_CREDENTIALS_FILE`, the course's files (made if
    missing, every profile with ISO 8601 timestamps)."""
    ensure()
    return {"AWS_CONFIG_FILE": str(config_file()),
            "AWS_SHARED_CREDENTIALS_FILE": str(credentials_file())}


def ensure() -> None:
    """Both files exist (0600); every profile of the config prints ISO 8601 times."""
    config, credentials = config_file(), credentials_file()
    if not credentials.exists():
        write_private(credentials, "")
    text = config.read_text(encoding="utf-8") if config.exists() else ""
    if not any(_SECTION.match(line) for line in text.splitlines()):
        text = "[default]\n" + text
    fixed = with_iso_timestamps(text) + _sections_for(_only_in(credentials, text))
    if fixed != text or not config.exists():
        write_private(config, fixed)


def with_iso_timestamps(text: str) -> str:
    """`text` (an AWS config file) with `cli_timestamp_format = iso8601` added to each
    section that does not set it; everything else is left as it was."""
    lines = text.splitlines(keepends=True)
    out: list[str] = []
    section_start: int | None = None
    has_key = False

    def close() -> None:
        if section_start is not None and not has_key:
            out.insert(section_start + 1, f"{TIMESTAMP_KEY} = {TIMESTAMP_FORMAT}\n")

    for line in lines:
        if _SECTION.match(line):
            close()
            if out and not out[-1].endswith("\n"):
                out[-1] += "\n"
            section_start, has_key = len(out), False
        else:
            key = _KEY.match(line)
            if key and key.group(1) == TIMESTAMP_KEY:
                has_key = True
        out.append(line)
    close()
    return "".join(out)


def _only_in(credentials: Path, config_text: str) -> list[str]:
    """The profiles of the credentials file that the config file has no section for."""
    named = {m.group(1).removeprefix("profile ").strip()
             for m in (_SECTION.match(line) for line in config_text.splitlines()) if m}
    return [n for n in _read(credentials).sections() if n not in named]


def _sections_for(names: list[str]) -> str:
    """Config sections giving these profiles ISO 8601 times (the AWS CLI v1 reads
    `cli_timestamp_format` from the config file's section of the profile in use)."""
    return "".join(f"\n[profile {name}]\n{TIMESTAMP_KEY} = {TIMESTAMP_FORMAT}\n"
                   for name in names)


def _read(path: Path) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, OSError, UnicodeDecodeError):
        return configparser.RawConfigParser()
    return parser


def profiles() -> list[Profile]:
    """The profiles of the course's files, in the config file's order (those only in the
    credentials file after)."""
    config, credentials = _read(config_file()), _read(credentials_file())
    names: list[str] = []
    for section in config.sections():
        name = section[len("profile "):].strip() if section.startswith("profile ") \
            else section.strip()
        if name not in names:
            names.append(name)
    names += [n for n in credentials.sections() if n not in names]
    found = []
    for name in names:
        section = "default" if name == "default" else f"profile {name}"
        settings = dict(config.items(section)) if config.has_section(section) else {}
        keys = dict(credentials.items(name)) if credentials.has_section(name) else {}
        found.append(Profile(
            name=name,
            has_key=bool(keys.get("aws_access_key_id") or settings.get("aws_access_key_id")),
            key_id=keys.get("aws_access_key_id") or settings.get("aws_access_key_id") or None,
            role_arn=settings.get("role_arn") or None,
            mfa_serial=settings.get("mfa_serial") or None,
            source_profile=settings.get("source_profile") or None))
    return found


def working_profile(current: str | None,
                    holds: Callable[[Profile], bool] = lambda _: True) -> str | None:
    """The profile to work with once root has no key: an MFA role profile (exercise 04's:
    `current` if it is one, else the first), else `current` when it is one of the
    course's, else the first profile with a key; None when there is none. `holds`: whether
    what a profile names (its key, role and MFA device) is in the account now, so that a
    profile left from work since undone (`grade restart 04`) is passed over."""
    known = [p for p in profiles() if holds(p)]
    with_key = {p.name for p in known if p.has_key}
    usable = [p.name for p in known
              if p.mfa_role and (p.source_profile in with_key or p.has_key)]
    if usable:
        return current if current in usable else usable[0]
    if current and any(p.name == current for p in known):
        return current
    return next((p.name for p in known if p.has_key), None)
