"""Who may use the quality pages and API: ops see everything; an agent sees only their own quality."""

from rest_framework.permissions import BasePermission

from agents.roles import AGENT, OPS, has_role


class IsOps(BasePermission):
    message = "This is for operations staff."

    def has_permission(self, request, view) -> bool:
        return has_role(request.user, OPS)


class IsAgent(BasePermission):
    message = "This is for agents."

    def has_permission(self, request, view) -> bool:
        return has_role(request.user, AGENT)
