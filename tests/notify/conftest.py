from tests.notify.sinks import smtp_sink, webhook_sink  # noqa: F401  (fixtures for every notify test)
