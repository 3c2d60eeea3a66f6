"""bulletin plugin."""


def register():
    pass
