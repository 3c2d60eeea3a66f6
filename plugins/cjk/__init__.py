"""cjk plugin."""


def register():
    pass
