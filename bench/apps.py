from django.apps import AppConfig


class BenchConfig(AppConfig):
    """The fan-out benchmark (bench.settings only): its rule is the only one registered."""

    name = "bench"
    label = "bench"

    def ready(self) -> None:
        from bench import reminders
        from notifications.reminders import register, registered, unregister

        # Installed last, so every app has registered its rules by now: a run sends only the
        # benchmark's reminders, whatever the generated data would make the real rules send.
        for name in registered():
            unregister(name)
        register(reminders.RULE)(reminders.fanout_reminders)
