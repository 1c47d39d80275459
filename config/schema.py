"""The OpenAPI document says what the server answers, errors included.

drf-spectacular documents the success answers from each view's serializers; this AutoSchema
adds the error answers every view can give, from what the view is (public or signed-in,
throttled, with a body, with an id in the path), all in JSON: `{"detail", "code"}`, or DRF's
field errors for a 400."""

from typing import Any

from drf_spectacular import openapi
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework.permissions import AllowAny
from rest_framework_simplejwt.views import TokenViewBase

ERROR = ResolvedComponent(
    name="Error",
    type=ResolvedComponent.SCHEMA,
    object="Error",
    schema={
        "type": "object",
        "properties": {
            "detail": {"type": "string"},
            "code": {"type": "string"},
            # When to try again, beside some 409s of an attempt start (`cooldown`,
            # `quiz_not_open`, `quiz_closed`).
            "next_attempt_at": {"type": "string", "format": "date-time"},
            "opens_at": {"type": "string", "format": "date-time"},
            "closes_at": {"type": "string", "format": "date-time"},
        },
        "required": ["detail"],
    },
)
# A 400 is either an Error or DRF's field errors: {"field": ["message", ...], ...}.
VALIDATION_ERROR = ResolvedComponent(
    name="ValidationError",
    type=ResolvedComponent.SCHEMA,
    object="ValidationError",
    schema={"type": "object", "additionalProperties": {}},
)

DESCRIPTIONS = {
    400: "Bad input: field errors (`{field: [messages]}`) or `{detail, code}`",
    401: "Not signed in, or the token is invalid, expired or revoked",
    403: "Signed in, but this role may not do this",
    404: "No such object, or not the requester's to see",
    409: "The state does not allow this now",
    413: "The request body is too large",
    429: "Too many requests; retry after the `Retry-After` header's seconds",
    503: "Unavailable for a moment (sign-in while its throttle's cache is away)",
}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


class AutoSchema(openapi.AutoSchema):
    def _is_public(self) -> bool:
        permissions = getattr(self.view, "permission_classes", [])
        return bool(permissions) and all(p is AllowAny for p in permissions)

    def _error_statuses(self) -> set[int]:
        statuses = {400}  # any request may be malformed (a NUL byte, a bad query value)
        public = self._is_public()
        if not public or isinstance(self.view, TokenViewBase):
            statuses.add(401)  # token views answer 401 to bad credentials
        if not public:
            statuses.add(403)
        if "{" in self.path or not public:
            statuses.add(404)
        if self.method in UNSAFE:
            statuses.add(413)
            if not public:
                statuses.add(409)
        scope = getattr(self.view, "throttle_scope", None)
        if scope:
            statuses.add(429)
            if scope == "auth":
                statuses.add(503)
        statuses.update(getattr(self.view, "error_statuses", ()))
        return statuses

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        for status in sorted(self._error_statuses()):
            if str(status) in responses:
                continue
            component = VALIDATION_ERROR if status == 400 else ERROR
            self.registry.register_on_missing(component)
            responses[str(status)] = {
                "content": {"application/json": {"schema": component.ref}},
                "description": DESCRIPTIONS[status],
            }
        return responses

    def _get_request_for_media_type(self, serializer: Any, direction: Any = "request") -> Any:
        # A PATCH is partial only where the view makes it so; a view that reads the whole body
        # on PATCH (saving answers) says `patch_is_partial = False`.
        if self.method == "PATCH" and getattr(self.view, "patch_is_partial", True) is False:
            self.method = "PUT"
            try:
                return super()._get_request_for_media_type(serializer, direction)
            finally:
                self.method = "PATCH"
        return super()._get_request_for_media_type(serializer, direction)
