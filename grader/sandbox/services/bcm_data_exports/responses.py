"""Data Exports' JSON API (AWSBillingAndCostManagementDataExports.*), on `models`."""

from __future__ import annotations

import json
from typing import Any

from moto.core.responses import BaseResponse
from moto.core.utils import utcnow

from grader.sandbox.services.bcm_data_exports.models import (
    COLUMNS,
    CONFIGURATIONS,
    DEFAULTS,
    TABLE,
    DataExportsBackend,
    Export,
    ValidationException,
    bcmdataexports_backends,
)


def _now() -> Any:
    import datetime as dt

    return utcnow().replace(tzinfo=dt.UTC)


def _listed(export: Export) -> dict[str, Any]:
    return {"ExportArn": export.arn, "ExportName": export.name,
            "ExportStatus": _status(export)}


def _status(export: Export) -> dict[str, Any]:
    return _timestamps(export.status)


def _timestamps(status: dict[str, Any]) -> dict[str, Any]:
    return {key: value.timestamp() if hasattr(value, "timestamp") else value
            for key, value in status.items()}


class DataExportsResponse(BaseResponse):
    def __init__(self) -> None:
        super().__init__(service_name="bcm-data-exports")

    @property
    def backend(self) -> DataExportsBackend:
        return bcmdataexports_backends[self.current_account]["us-east-1"]

    def _body(self) -> dict[str, Any]:
        loaded = json.loads(self.body or "{}")
        return loaded if isinstance(loaded, dict) else {}

    def create_export(self) -> str:
        body = self._body()
        export = self.backend.create_export(body.get("Export") or {},
                                            body.get("ResourceTags") or [], _now())
        return json.dumps({"ExportArn": export.arn})

    def get_export(self) -> str:
        export = self.backend.get_export(str(self._body().get("ExportArn", "")))
        return json.dumps({"Export": export.document, "ExportStatus": _status(export)})

    def list_exports(self) -> str:
        return json.dumps({"Exports": [_listed(e) for e in self.backend.exports.values()]})

    def update_export(self) -> str:
        body = self._body()
        export = self.backend.update_export(str(body.get("ExportArn", "")),
                                            body.get("Export") or {}, _now())
        return json.dumps({"ExportArn": export.arn})

    def delete_export(self) -> str:
        arn = str(self._body().get("ExportArn", ""))
        self.backend.delete_export(arn)
        return json.dumps({"ExportArn": arn})

    def list_executions(self) -> str:
        export = self.backend.get_export(str(self._body().get("ExportArn", "")))
        return json.dumps({"Executions": [
            {"ExecutionId": e.execution_id, "ExecutionStatus": _timestamps(e.status)}
            for e in reversed(export.executions)]})

    def get_execution(self) -> str:
        body = self._body()
        execution = self.backend.get_execution(str(body.get("ExportArn", "")),
                                               str(body.get("ExecutionId", "")))
        return json.dumps({"ExecutionId": execution.execution_id, "Export": execution.export,
                           "ExecutionStatus": _timestamps(execution.status)})

    def list_tables(self) -> str:
        return json.dumps({"Tables": [{
            "TableName": TABLE, "Description": "Cost and Usage Report (CUR) 2.0",
            "TableProperties": [{"Name": key, "ValidValues": list(values),
                                 "DefaultValue": DEFAULTS.get(key, "")}
                                for key, values in CONFIGURATIONS.items()]}]})

    def get_table(self) -> str:
        body = self._body()
        if body.get("TableName") != TABLE:
            raise ValidationException(f"Table {body.get('TableName')} does not exist.")
        return json.dumps({"TableName": TABLE, "Description": "Cost and Usage Report (CUR) 2.0",
                           "TableProperties": body.get("TableProperties") or {},
                           "Schema": [{"Name": name, "Type": kind}
                                      for name, kind in COLUMNS.items()]})

    def list_tags_for_resource(self) -> str:
        export = self.backend.get_export(str(self._body().get("ResourceArn", "")))
        return json.dumps({"ResourceTags": export.tags})
