class StreamError(Exception):
    pass


class EndOfStream(StreamError):
    pass
