"""Extraction: the only code that drives yt-dlp to turn a link into a description of media."""
