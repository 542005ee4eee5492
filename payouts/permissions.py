"""API permissions: finance runs payouts and reports; ops or finance edit rate cards; agents see their own pay.

Pages use `agents.roles.role_required` with the same roles.
"""

from rest_framework.permissions import BasePermission

from agents.roles import AGENT, FINANCE, OPS, has_role


class _HasAnyRole(BasePermission):
    roles: tuple[str, ...] = ()

    def has_permission(self, request, view) -> bool:
        return any(has_role(request.user, role) for role in self.roles)


class IsFinance(_HasAnyRole):
    roles = (FINANCE,)


class IsOpsOrFinance(_HasAnyRole):
    roles = (OPS, FINANCE)


class IsAgent(_HasAnyRole):
    roles = (AGENT,)
