"""init() is small; one realistic request needs more than the deployment's 0.5 GB."""


def init():
    pass


def run(raw_data):
    blob = bytearray(1024 * 1024 * 1024)  # 1 GB for this request: the kernel kills the server
    return {"size": len(blob)}
