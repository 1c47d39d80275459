"""The audit log written from the API layer: a view that changes what learners are graded on
or what a certificate says names what it does, and each successful write is recorded with the
signed-in user, in the transaction of the change."""

from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponseBase
from rest_framework.request import Request

from audit.services import audit_record

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# A plain APIView's action by its method, named as a viewset's would be.
METHOD_ACTIONS = {"POST": "create", "PUT": "update", "PATCH": "update", "DELETE": "delete"}


class Audited:
    """Mix into a DRF view (before the view class). `audit_target` names the kind of object
    (`quiz`, `course`...); the action is `<target>.<viewset action>` (`quiz.create`,
    `quiz.publish`), or `audit_action` on a plain APIView (`certificate.revoke`), else the
    method's (`create`, `update`, `delete`). The target id is the URL's (`pk`, `<target>_id` or
    `audit_id_kwarg`) or, on create, the new object's `id`."""

    audit_target: str
    audit_action: str | None = None
    audit_id_kwarg: str | None = None

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method in SAFE_METHODS:
            return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
        with transaction.atomic():
            response = super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
            if 200 <= response.status_code < 300:
                self._record(response, kwargs)
        return response

    def _record(self, response: Any, kwargs: dict[str, Any]) -> None:
        drf_request: Request = self.request  # type: ignore[attr-defined]
        method = str(drf_request.method)
        action = (
            self.audit_action or getattr(self, "action", None) or METHOD_ACTIONS.get(method, method.lower())
        )
        target_id = kwargs.get("pk", kwargs.get(self.audit_id_kwarg or f"{self.audit_target}_id"))
        if target_id is None and isinstance(getattr(response, "data", None), dict):
            target_id = response.data.get("id")
        try:
            data = drf_request.data
        except Exception:  # the body was already refused; the view answered for it
            data = {}
        audit_record(
            actor=drf_request.user,
            action=f"{self.audit_target}.{action}",
            target_type=self.audit_target,
            target_id=target_id,
            data=data if isinstance(data, dict) else {},
        )
