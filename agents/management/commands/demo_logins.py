from django.core.management.base import BaseCommand

from agents.demo import DEMO_AGENTS, DEMO_PASSWORD, DEMO_STAFF


class Command(BaseCommand):
    help = "Print the demo logins (see seed_demo)."

    def handle(self, *args, **options) -> None:
        self.stdout.write(f"  Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, role, name in DEMO_STAFF:
            self.stdout.write(f"    {username:<8} {role:<8} {name}")
        for username, name, *_rest, status in DEMO_AGENTS:
            self.stdout.write(f"    {username:<8} agent    {name} ({status})")
        self.stdout.write("  Customer chat needs no login: /chat/")
