from django.core.management.base import BaseCommand

from notifications.reminders import registered, run_and_deliver


class Command(BaseCommand):
    help = (
        "Run every reminder rule once and deliver what is due before exiting "
        "(the same routine the beat schedule runs). Prints a count per rule."
    )

    def handle(self, *args, **options) -> None:
        counts, delivered = run_and_deliver(here=True)
        for name in registered():
            if name in counts:
                self.stdout.write(f"{name}: {counts[name]} queued")
            else:
                self.stderr.write(self.style.ERROR(f"{name}: failed (see the log)"))
        if not counts and not registered():
            self.stdout.write("No reminder rules are registered.")
        self.stdout.write(f"delivered: {delivered}")
