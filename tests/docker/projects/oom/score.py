def init():
    pass


def run(raw_data):
    # far past the deployment's 256 MB limit: the kernel kills the server (OOMKilled)
    blob = b"x" * (1024 * 1024 * 1024)
    return len(blob)
