"""One mapping from the apps' error types to HTTP answers with a stable code."""

from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def error_status_and_body(exc: Exception) -> tuple[int, dict] | None:
    code = getattr(exc, "code", None)
    status = getattr(exc, "http_status", None)
    if isinstance(code, str) and isinstance(status, int):
        return status, {"error": code, "detail": str(exc)}
    return None


def exception_handler(exc: Exception, context: dict) -> Response | None:
    mapped = error_status_and_body(exc)
    if mapped is not None:
        status, body = mapped
        return Response(body, status=status)
    return drf_exception_handler(exc, context)
