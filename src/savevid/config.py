"""Typed settings (``SAVEVID_*`` environment variables), built by a factory, never at import time."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything an operator or a person can set; every field maps to ``SAVEVID_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="SAVEVID_", extra="ignore")

    download_dir: Path = Field(default=Path("."), description="Where finished files go")
    connections: int = Field(default=16, ge=1, le=64, description="Connections per download")
    retries: int = Field(default=10, ge=0, le=100, description="Retries of a failed request")
    fragment_retries: int = Field(default=10, ge=0, le=100, description="Retries of a fragment")
    low_speed_limit: int = Field(default=1024, ge=0, description="Bytes/s below which a connection ...")
    low_speed_time: float = Field(default=20.0, gt=0, description="... for this long is dropped and retried")
    socket_timeout: float = Field(default=20.0, gt=0, description="Seconds without data before retry")
    ffmpeg: Path | None = Field(default=None, description="ffmpeg binary; default: PATH, then bundled")
    host: str = Field(default="127.0.0.1", description="Address the web server listens on")
    port: int = Field(default=8000, ge=1, le=65535, description="Port the web server listens on")
    data_dir: Path = Field(default=Path("savevid-data"), description="Jobs database and files (serve)")
    workers: int = Field(default=2, ge=1, le=64, description="Downloads running at once (serve)")
    shutdown_timeout: float = Field(
        default=10.0, gt=0, description="Seconds serve waits for open responses when asked to stop"
    )
    header_timeout: float = Field(
        default=10.0, gt=0, description="Seconds a connection has to send a whole request (serve)"
    )
    max_connections: int = Field(default=1000, ge=1, description="Connections serve holds at once")
    retention_hours: float = Field(default=24.0, gt=0, description="Hours a finished file is kept")
    disk_budget_gb: float = Field(default=10.0, gt=0, description="GB of finished files kept at most")
    safe_network: bool | None = Field(
        default=None, description="Refuse private addresses and odd ports (default: on for serve)"
    )
    allow_private: str = Field(default="", description="Exempt hosts, addresses, networks[:port]")
    max_file_mb: float = Field(default=0, ge=0, description="Largest download in MB (0: no limit)")
    max_duration_minutes: float = Field(default=0, ge=0, description="Longest video in minutes (0: no limit)")
    requests_per_minute: int = Field(
        default=30, ge=0, description="Info/download requests per client (0: no limit)"
    )
    jobs_per_client: int = Field(default=5, ge=0, description="Unfinished downloads per client (0: no limit)")
    trusted_proxies: list[str] = Field(
        default_factory=list, description="Proxies whose X-Forwarded-For is believed"
    )
    api_keys: SecretStr = Field(
        default=SecretStr(""), description="API keys: NAME:SECRET[:REQUESTS_PER_MINUTE], comma separated"
    )
    auth_required: bool = Field(default=False, description="Only callers with an API key may use the API")
    cors_origins: list[str] = Field(
        default_factory=list, description="Other web origins allowed to call the API (JSON list)"
    )
    cookies: Path | None = Field(default=None, description="Netscape cookies.txt for logged-in sites")
    cookies_from_browser: str | None = Field(
        default=None, description="Read cookies from a browser: NAME[+KEYRING][:PROFILE][::CONTAINER]"
    )


def get_settings(**overrides: object) -> Settings:
    """Build settings from the environment, with explicit overrides taking precedence."""
    values = {key: value for key, value in overrides.items() if value is not None}
    return Settings(**values)  # type: ignore[arg-type]
