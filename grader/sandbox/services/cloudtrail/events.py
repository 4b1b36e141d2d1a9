"""One recorded request as AWS CloudTrail writes it (record format 1.09).

(`event_source` and `is_management_event` come from `grader.cloudtrail.events`.)

The same dictionary is the `CloudTrailEvent` of LookupEvents and, later,
a record in a log file delivered to a trail's bucket.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from grader.cloudtrail.events import event_source, is_management_event
from grader.sandbox.history.record import Event

HIDDEN = "HIDDEN_DUE_TO_SECURITY_REASONS"
SECRET_PARAMETERS = {
    "Password", "NewPassword", "OldPassword", "SecretAccessKey",
    "AuthenticationCode1", "AuthenticationCode2", "TokenCode", "PrivateKey",
}

# Parameters that name the resource an event is about (LookupEvents' Resources).
RESOURCE_PARAMETERS = {
    "UserName": "AWS::IAM::User",
    "GroupName": "AWS::IAM::Group",
    "RoleName": "AWS::IAM::Role",
    "RoleArn": "AWS::IAM::Role",  # AssumeRole's role
    "PolicyArn": "AWS::IAM::Policy",
    "AccessKeyId": "AWS::IAM::AccessKey",
    "SerialNumber": "AWS::IAM::MFADevice",
    "Bucket": "AWS::S3::Bucket",
    "ReportName": "AWS::CUR::ReportDefinition",
}


def hide_secrets(value: Any) -> Any:
    """A copy of request parameters with passwords and codes hidden, as AWS does, and
    object contents left out (the request's body already holds them)."""
    if isinstance(value, dict):
        return {
            key: HIDDEN if key in SECRET_PARAMETERS else hide_secrets(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [hide_secrets(item) for item in value]
    if isinstance(value, bytes | bytearray):  # an object's content: kept once, as the body
        return f"({len(value)} bytes)"
    if hasattr(value, "read"):
        return "(a stream)"
    return value


def resources_of(parameters: dict[str, Any]) -> list[dict[str, str]]:
    found = []
    for key, kind in RESOURCE_PARAMETERS.items():
        value = parameters.get(key)
        if isinstance(value, str) and value:
            found.append({"type": kind, "name": value})
    if parameters.get("Name") and isinstance(parameters["Name"], str):
        found.append({"type": "AWS::CloudTrail::Trail", "name": parameters["Name"]})
    return found


def _camel(value: Any) -> Any:
    if isinstance(value, dict):
        return {(k[:1].lower() + k[1:]): _camel(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_camel(v) for v in value]
    return value


def event_time(event: Event) -> dt.datetime:
    return dt.datetime.fromisoformat(event.event_time)


def zulu(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def user_identity(event: Event, account_id: str) -> dict[str, Any]:
    identity: dict[str, Any] = {"type": event.identity_type}
    if event.identity_type == "Root":
        identity.update(principalId=account_id, arn=event.principal_arn, accountId=account_id)
    elif event.identity_type == "IAMUser":
        identity.update(
            principalId=event.principal_id, arn=event.principal_arn,
            accountId=account_id, userName=event.principal_name,
        )
    if event.identity_type in {"Root", "IAMUser"}:
        identity.update(_own_session_identity(event, account_id))
    elif event.identity_type == "AssumedRole":
        identity.update(_session_identity(event, account_id))
    elif event.principal_arn:
        identity.update(principalId=event.principal_id, arn=event.principal_arn,
                        accountId=account_id)
    if event.access_key_id:
        identity["accessKeyId"] = event.access_key_id
    if "sessionContext" in identity:  # after accessKeyId, as CloudTrail writes it
        identity["sessionContext"] = identity.pop("sessionContext")
    return identity


def _own_session_identity(event: Event, account_id: str) -> dict[str, Any]:
    """For a call signed with the credentials of a GetSessionToken session: its
    sessionContext (CloudTrail User Guide, "CloudTrail userIdentity element": when
    and whether MFA authenticated them); nothing for a long-term key's call."""
    from grader.sandbox.services.sts.session_tokens import user_session_for_key

    session = user_session_for_key(account_id, event.access_key_id or "")
    if session is None:
        return {}
    return {"sessionContext": {"attributes": {
        "creationDate": zulu(session.created),
        "mfaAuthenticated": "true" if session.mfa else "false",
    }}}


def _session_identity(event: Event, account_id: str) -> dict[str, Any]:
    """A role session's identity as CloudTrail writes it (CloudTrail User Guide,
    "CloudTrail userIdentity element"): the session's ARN and "ROLEID:SESSION", and
    its sessionContext: the role that issued it and when it was created. Read from
    the session STS issued (`grader.sandbox.services.sts.models`); an event whose session is
    not known keeps what the record says."""
    from grader.sandbox.services.sts.models import session_for_key

    session = session_for_key(account_id, event.access_key_id or "")
    if session is None:
        return {"principalId": event.principal_id, "arn": event.principal_arn,
                "accountId": account_id}
    return {
        "principalId": session.principal_id,
        "arn": session.arn,
        "accountId": account_id,
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "principalId": session.role_id,
                "arn": session.role_arn,
                "accountId": account_id,
                "userName": session.role_name,
            },
            "attributes": {
                "creationDate": zulu(session.created),
                "mfaAuthenticated": "true" if session.mfa else "false",
            },
        },
    }


def _java_date(moment: dt.datetime) -> str:
    """A date as CloudTrail writes AssumeRole's expiration: "Oct 2, 2019 11:12:29 PM"."""
    moment = moment.astimezone(dt.UTC)
    hour = moment.hour % 12 or 12
    return f"{moment:%b} {moment.day}, {moment.year} {hour}:{moment:%M:%S %p}"


def response_elements(event: Event, account_id: str) -> dict[str, Any] | None:
    """`responseElements`: what the record kept, or for an AssumeRole or a
    GetSessionToken that succeeded, the session it issued (IAM User Guide, "Logging
    IAM and AWS STS API calls with AWS CloudTrail": its credentials' accessKeyId,
    sessionToken and expiration, and AssumeRole's assumed role user), which is how
    CloudTrail links a session's calls to the call that began it."""
    if event.response is not None or event.status >= 400 or event.service != "sts" \
            or event.operation not in {"AssumeRole", "GetSessionToken"} \
            or not event.access_key_id:
        return event.response
    from grader.sandbox.services.sts.models import issued_by
    from grader.sandbox.services.sts.session_tokens import issued_by as issued_to_user

    if event.operation == "GetSessionToken":
        own = issued_to_user(account_id, event.access_key_id, event_time(event))
        if own is None:
            return None
        return {"credentials": {"accessKeyId": own.access_key_id,
                                "sessionToken": own.session_token,
                                "expiration": _java_date(own.expires)}}
    session = issued_by(account_id, event.access_key_id, event_time(event))
    if session is None:
        return None
    return {
        "credentials": {
            "accessKeyId": session.access_key_id,
            "sessionToken": session.session_token,
            "expiration": _java_date(session.expires),
        },
        "assumedRoleUser": {"assumedRoleId": session.principal_id, "arn": session.arn},
    }


def username(event: Event) -> str | None:
    """LookupEvents' `Username`: "root" for the root user, else the user's name."""
    if event.identity_type == "Root":
        return "root"
    return event.principal_name


def cloudtrail_record(event: Event, account_id: str) -> dict[str, Any]:
    """The event as CloudTrail would write it."""
    record: dict[str, Any] = {
        "eventVersion": "1.09",
        "userIdentity": user_identity(event, account_id),
        "eventTime": zulu(event_time(event)),
        "eventSource": event_source(event),
        "eventName": event.operation,
        "awsRegion": event.region,
        "sourceIPAddress": event.source_ip,
        "userAgent": event.user_agent,
        "requestParameters": _camel(event.parameters) or None,
        "responseElements": response_elements(event, account_id),
        "requestID": event.request_id,
        "eventID": event.event_id,
        "readOnly": event.read_only,
        "eventType": event.event_type,
        "managementEvent": True,
        "recipientAccountId": account_id,
        "eventCategory": "Management",
    }
    if not is_management_event(event):  # an S3 object's event: a data event
        bucket, key = event.parameters.get("Bucket"), event.parameters.get("Key")
        record["resources"] = [
            {"type": "AWS::S3::Object", "ARN": f"arn:aws:s3:::{bucket}/{key}"},
            {"accountId": account_id, "type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::{bucket}"},
        ]
        record["managementEvent"] = False
        record["eventCategory"] = "Data"
    if event.error_code:
        record["errorCode"] = event.error_code
        record["errorMessage"] = event.error_message or ""
    if event.event_type == "AwsConsoleSignIn":
        extra = dict(event.parameters.get("additionalEventData") or {})
        record["requestParameters"] = None
        record["additionalEventData"] = {
            "LoginTo": "https://console.aws.amazon.com/console/home", "MobileVersion": "No",
            **extra, "MFAUsed": extra.get("MFAUsed", "No")}
    return record
