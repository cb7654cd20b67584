"""savevid: paste a video link, get the file."""

from savevid.errors import ErrorCode, SavevidError
from savevid.models import AudioFormat, Choice, Media, Option, Progress, Quality, Result, Stage
from savevid.service import download, resolve

__version__ = "0.1.0"

__all__ = [
    "AudioFormat",
    "Choice",
    "ErrorCode",
    "Media",
    "Option",
    "Progress",
    "Quality",
    "Result",
    "SavevidError",
    "Stage",
    "__version__",
    "download",
    "resolve",
]
