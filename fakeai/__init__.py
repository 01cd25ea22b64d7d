"""fakeai: an offline, deterministic, in-memory emulator of the OpenAI Assistants Threads API."""

from .actions import ScriptError
from .emulator import FakeOpenAI
from .errors import FakeaiWarning

__all__ = ["FakeOpenAI", "FakeaiWarning", "ScriptError"]
__version__ = "0.1.0"
