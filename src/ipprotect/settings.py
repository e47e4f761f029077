"""The one Settings object. Nothing else in the code reads the environment."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="IPPROTECT_", env_file=".env", extra="ignore")

    data_dir: Path = Path("var")
    # Empty means the embedded default: an SQLite file in data_dir.
    database_url: str = ""
    secret_key: str = ""  # signs session cookies; generated into data_dir on first run when empty
    default_locale: str = "zh_CN"
    timezone: str = "Asia/Shanghai"
    session_max_age_seconds: int = 8 * 3600
    session_idle_seconds: int = 30 * 60  # GB/T 22239-2019 8.1.4.1: log out idle sessions
    # Login throttling: failures allowed per username / per client address within the window.
    login_max_failures_per_user: int = 5
    login_max_failures_per_address: int = 20
    login_window_seconds: int = 15 * 60
    page_size: int = 50
    # The work queue and the reminder sweep call a deadline "due soon" within this many
    # working days (an office practice, not a legal period).
    due_soon_working_days: int = Field(3, ge=0, le=60)
    # Name matching for credit checks and screening (credit/matching.py): names whose core
    # names differ go to review from this similarity (percent) up, and match no one below it
    # (they never match by themselves). Chosen on the labelled set, see benchmarks/credit.py.
    credit_match_review_percent: int = Field(80, ge=50, le=100)
    # Restriction checks (credit/checks.py): calls per minute allowed to one API token or
    # account (429 beyond), and how often a process re-reads whether the listings changed.
    credit_check_rate_per_minute: int = Field(600, ge=1)
    credit_check_refresh_seconds: float = Field(1.0, ge=0)
    max_import_rows: int = 200_000
    cookie_secure: bool = False  # set true behind HTTPS
    # The operator's extra rule files (*.toml): region overrides of the shipped legal rules.
    rules_dir: Path | None = None
    # A city's TOML file of document authorities and numbering words (文号), overriding
    # or adding to cases/documents/authorities.toml entry by entry.
    document_authorities: Path | None = None
    # The transparency log's origin line and key name (c2sp.org/tlog-checkpoint), e.g.
    # "ipprotect.example.gov.cn/log": the schema-less URL prefix of the log.
    log_origin: str = "ipprotect.localhost/log"
    # Evidence files kept in the blob store are at most this large (bytes); larger evidence is
    # deposited by hash only and stays where it is.
    blob_max_size: int = 4 * 1024**3
    # How often the server signs a checkpoint when the log grew (seconds); 0 leaves publication
    # to `ipprotect evidence publish` (cron).
    publish_interval_seconds: float = 2.0
    # Recompute the log from its stored tiles when the server starts (an alarm on mismatch).
    startup_check: bool = True
    # The built-in RFC 3161 TSA's policy OID (RFC 3161 2.4.2). The default is a UUID OID
    # (ITU-T X.667, needs no registration); an operator with its own arc sets its own.
    tsa_policy: str = "2.25.216359201538596622063212624402478622807"
    tsa_name: str = "ipprotect TSA"
    # An external RFC 3161 TSA asked too for every checkpoint, e.g. "https://tsa.example/tsr";
    # empty asks none. Its certificate chain (PEM) is needed to verify its tokens.
    tsa_url: str = ""
    tsa_chain: Path | None = None
    # Witnesses we send our checkpoints to (c2sp.org/tlog-witness), as JSON:
    # [{"url": "https://witness.example/", "vkey": "<cosignature verifier key>"}].
    witnesses: list[dict[str, str]] = []
    # Logs this instance witnesses, by their checkpoint verifier keys (c2sp.org/signed-note);
    # the key name is the log's origin.
    witnessed_logs: list[str] = []
    # The name of this instance's witness key (c2sp.org/tlog-cosignature: a schema-less URL),
    # e.g. "ipprotect.example.gov.cn/witness". Empty means the host of log_origin followed by
    # "/witness" (see effective_witness_name).
    witness_name: str = ""
    # How the damages calculator reads "one to five times the amount determined" for wilful,
    # serious infringement (Patent Law art. 71 etc.; not settled, reference/LEGAL.md "Damages"):
    # "base_times_one_plus_m" awards the base plus punitive damages of base × m (the default);
    # "base_times_m" awards base × m in all, punitive damages being base × (m − 1). Every result
    # states the reading applied.
    damages_punitive_reading: Literal["base_times_one_plus_m", "base_times_m"] = (
        "base_times_one_plus_m"
    )

    # Outgoing e-mail to complainants (the case notification outbox). An empty host sends
    # nothing: messages stay queued until one is configured and `ipprotect cases send-outbox` runs.
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_from: str = "ipprotect@localhost"
    smtp_username: str = ""  # empty: no SMTP AUTH
    smtp_password: str = ""
    smtp_starttls: bool = False  # set true when the server offers STARTTLS (port 587)
    smtp_timeout_seconds: float = 30.0
    # A failed message is tried again after this wait, at most outbox_max_attempts times in all;
    # a claim older than outbox_claim_seconds belongs to a sender that died and may be taken over.
    outbox_max_attempts: int = 5
    outbox_retry_seconds: int = 300
    outbox_claim_seconds: int = 600

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'ipprotect.sqlite3'}"

    @property
    def effective_witness_name(self) -> str:
        return self.witness_name or f"{self.log_origin.partition('/')[0]}/witness"

    def resolved_secret_key(self) -> str:
        """The configured key, or one generated once into data_dir (mode 0600)."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "keys" / "session.key"
        if not path.exists():
            import secrets

            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch(mode=0o600)
            path.write_text(secrets.token_urlsafe(48))
        return path.read_text().strip()


@lru_cache
def get_settings() -> Settings:
    return Settings()
