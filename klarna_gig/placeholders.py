"""Pages whose app is still being built: already behind the right role."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from agents.roles import has_role


def page(title: str, role: str | None = None):
    def view(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if role is not None and not has_role(request.user, role):
            raise PermissionDenied
        return render(request, "placeholder.html", {"title": title})

    return login_required(view) if role else view
