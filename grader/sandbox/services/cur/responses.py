"""The legacy CUR API (AWSOrigamiServiceGatewayService.*), on `models`."""

from __future__ import annotations

import json
from typing import Any

from moto.core.responses import BaseResponse

from grader.sandbox.services.cur.models import CostAndUsageReportBackend, cur_backends


class CostAndUsageReportResponse(BaseResponse):
    def __init__(self) -> None:
        super().__init__(service_name="cur")

    @property
    def backend(self) -> CostAndUsageReportBackend:
        return cur_backends[self.current_account]["us-east-1"]

    def _body(self) -> dict[str, Any]:
        loaded = json.loads(self.body or "{}")
        return loaded if isinstance(loaded, dict) else {}

    def put_report_definition(self) -> str:
        self.backend.put(self._body().get("ReportDefinition") or {})
        return "{}"

    def describe_report_definitions(self) -> str:
        return json.dumps({"ReportDefinitions": list(self.backend.definitions.values())})

    def modify_report_definition(self) -> str:
        body = self._body()
        self.backend.modify(str(body.get("ReportName", "")), body.get("ReportDefinition") or {})
        return "{}"

    def delete_report_definition(self) -> str:
        said = self.backend.delete(str(self._body().get("ReportName", "")))
        return json.dumps({"ResponseMessage": said})
