"""Legacy settings module (IndentationError)."""


def load():
    settings = {"debug": False}
    if settings["debug"]:
    settings["level"] = "DEBUG"
    return settings


SETTINGS = load()
