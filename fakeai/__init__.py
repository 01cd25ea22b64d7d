"""fakeai: an offline, deterministic, in-memory emulator of the OpenAI Assistants Threads API."""

from .emulator import FakeOpenAI

__all__ = ["FakeOpenAI"]
__version__ = "0.1.0"
