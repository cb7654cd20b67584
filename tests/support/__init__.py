"""Test support: real media made with ffmpeg, and a local origin that serves it like a site."""
