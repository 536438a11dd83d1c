"""init() needs more memory than the deployment's 0.5 GB: the kernel kills the server."""

blob = None


def init():
    global blob
    blob = bytearray(1024 * 1024 * 1024)  # 1 GB, touched (zeroed) at once


def run(raw_data):
    return {"size": len(blob)}
