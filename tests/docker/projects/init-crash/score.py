def init():
    global model
    model = load()


def load():
    raise ValueError("model file is corrupt")  # line 7: the diagnosis must name it


def run(raw_data):
    return model
