"""The three staff/worker roles, as Django groups holding one permission each.

Customers need no account. Superusers pass every check.
"""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group, Permission
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

AGENT, OPS, FINANCE = "agent", "ops", "finance"
ROLE_PERMISSIONS = {
    AGENT: "agents.work_tickets",
    OPS: "agents.run_ops",
    FINANCE: "agents.run_finance",
}


def ensure_role_groups() -> dict[str, Group]:
    """Create the role groups with their permission; safe to run any number of times."""
    groups = {}
    for role, perm in ROLE_PERMISSIONS.items():
        app_label, codename = perm.split(".")
        permission = Permission.objects.get(content_type__app_label=app_label, codename=codename)
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.add(permission)
        groups[role] = group
    return groups


def has_role(user: AbstractBaseUser | AnonymousUser, role: str) -> bool:
    return bool(user.is_authenticated and user.has_perm(ROLE_PERMISSIONS[role]))


def role_required(*roles: str) -> Callable:
    """Page decorator: anonymous visitors go to log in; a logged-in user without one of `roles` gets 403."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def guarded(request: HttpRequest, *args, **kwargs):
            if not any(has_role(request.user, role) for role in roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return login_required(guarded)

    return decorate


def roles_of(user: AbstractBaseUser | AnonymousUser) -> set[str]:
    return {role for role in ROLE_PERMISSIONS if has_role(user, role)}


def roles_context(request: HttpRequest) -> dict:
    """Template context: which navigation sections this user may see."""
    roles = roles_of(request.user)
    return {"user_roles": roles, "is_agent": AGENT in roles, "is_ops": OPS in roles, "is_finance": FINANCE in roles}
