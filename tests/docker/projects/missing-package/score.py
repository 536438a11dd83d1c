import sklearn  # noqa: F401  (not in the environment: 'debugkit logs' must say which file to change)


def init():
    pass


def run(raw_data):
    return raw_data
