"""What every app's API layer shares (DRF only; the domain below knows no HTTP)."""

from collections.abc import Mapping
from typing import Any, ClassVar

import django_filters
from django.db.models import Model
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, renderers, serializers, status, viewsets
from rest_framework.exceptions import ParseError
from rest_framework.request import Request
from rest_framework.response import Response

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def body_object(request: Request) -> Mapping[str, Any]:
    """The request's body as an object (an empty body is an empty one). Malformed JSON, or JSON
    that is not an object (a list, a string, null), is a 400 `parse_error`."""
    data = request.data  # the parser's ParseError on malformed JSON
    if not isinstance(data, Mapping):
        raise ParseError("The body must be a JSON object.")
    return data


class BodyChecked:
    """Mix into a DRF view (before the view class): a POST, PUT or PATCH body is read before the
    handler runs, whether the handler uses it or not, so a malformed body is refused (400) and
    nothing is done, rather than ignored (an action that takes no input still answers 400 to a
    body it cannot read). Runs after authentication, permissions and throttles."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        if request.method in BODY_METHODS:
            body_object(request)


# Reads go through the queryset and `serializer_class` (the output); each write validates
# `input_serializer_class` (partial on PATCH), calls one service hook and answers with the output
# serializer. The rules belong to the services the hooks call. (A comment, not a docstring: the
# OpenAPI document would show a docstring as every subclass's description.)
class ServiceWriteViewSet(
    BodyChecked, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    input_serializer_class: ClassVar[type[serializers.Serializer]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        request, response = cls.input_serializer_class, cls.serializer_class
        extend_schema_view(
            create=extend_schema(request=request, responses={201: response}),
            update=extend_schema(request=request, responses=response),
            partial_update=extend_schema(request=request, responses=response),
        )(cls)

    def service_create(self, data: dict[str, Any]) -> Model:
        raise NotImplementedError

    def service_update(self, instance: Any, data: dict[str, Any]) -> Model:
        raise NotImplementedError

    def service_delete(self, instance: Any) -> None:
        raise NotImplementedError

    def _validated(self, request: Request, *, partial: bool = False) -> dict[str, Any]:
        serializer = self.input_serializer_class(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        created = self.service_create(self._validated(request))
        return Response(self.get_serializer(created).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        instance = self.get_object()
        partial = kwargs.pop("partial", False)
        updated = self.service_update(instance, self._validated(request, partial=partial))
        return Response(self.get_serializer(updated).data)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, partial=True, **kwargs)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self.service_delete(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class CSVRenderer(renderers.BaseRenderer):
    """Lets `?format=csv` (or `Accept: text/csv`) reach a view that writes its own CSV
    response; it renders only error bodies."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        return str(data).encode()


class MomentField(serializers.DateTimeField):
    """A moment of the service's life (a quiz opening, an override's close): years 2000 to
    2999. Outside them a date is a typo, and far back the local zone's historical offsets
    (Jakarta's +07:07:12 before 1924) make answers that are not RFC 3339."""

    def to_internal_value(self, value: Any) -> Any:
        moment = super().to_internal_value(value)
        if not 2000 <= moment.year <= 2999:
            raise serializers.ValidationError("A date between the years 2000 and 2999.", code="out_of_range")
        return moment


class FilterSet(django_filters.FilterSet):
    """django-filter's FilterSet with its form class made once per FilterSet class, not on every
    request (django-filter builds a form field per filter and a new form class each time: a
    tenth of a short HR list's time). Each request still gets its own form (Django deep-copies
    the fields into it), so the filters' form fields must not depend on the request."""

    _form_classes: ClassVar[dict[type, type]] = {}

    def get_form_class(self) -> Any:
        form_class = FilterSet._form_classes.get(type(self))
        if form_class is None:
            form_class = FilterSet._form_classes[type(self)] = super().get_form_class()
        return form_class
