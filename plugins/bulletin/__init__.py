"""bulletin plugin: the structure of the bulletin (issues 期) and the strict content rules."""

from pelican import signals


def register():
    from bulletin import issues

    signals.get_generators.connect(issues.get_generators)
