from django.apps import AppConfig


class BenchConfig(AppConfig):
    """The fan-out benchmark (ops.bench.settings only): its rule is the only one registered."""

    name = "ops.bench"
    label = "bench"

    def ready(self) -> None:
        from notifications.reminders import register, registered, unregister
        from ops.bench import reminders

        # Installed last, so every app has registered its rules by now: a run sends only the
        # benchmark's reminders, whatever the generated data would make the real rules send.
        for name in registered():
            unregister(name)
        register(reminders.RULE)(reminders.fanout_reminders)
