"""The operator's calendar override table: days the State Council declared holidays or makeup
working days, loaded from its yearly notice (`ipprotect calendar load FILE`). These rows take
precedence over the bundled `chinesecalendar` data and over the provisional calendar."""

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ipprotect.db import Base, UTCDateTime, utcnow


class CalendarOverride(Base):
    __tablename__ = "calendar_overrides"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(100), default="")  # e.g. 春节, or 调休上班
    source: Mapped[str] = mapped_column(String(200))  # e.g. 国办发明电〔2025〕7号
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    loaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
