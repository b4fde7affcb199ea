from streamio.errors import EndOfStream


class FrameReader:
    def __init__(self, frames):
        self._frames = list(frames)

    def read_frame(self):
        if not self._frames:
            raise EndOfStream()
        return self._frames.pop(0)
