"""search plugin."""


def register():
    pass
