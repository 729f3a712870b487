"""Customers (客户资料): who calls, who owns the relationship, VIP and blacklist flags."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from controller.db.base import Base
from controller.db.models.callcenter import Agent


class Customer(Base):
    __tablename__ = "customer"

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(Integer)  # order in the configuration file
    code: Mapped[str] = mapped_column(String(64), unique=True)  # the CRM's key for them
    name: Mapped[str] = mapped_column(String(128))
    company: Mapped[str] = mapped_column(String(128), default="")
    language: Mapped[str | None] = mapped_column(String(16))
    # The account manager; sticky routing sends the customer's calls to them first.
    owner_agent_id: Mapped[int | None] = mapped_column(
        ForeignKey("agent.id", ondelete="SET NULL"), index=True
    )
    vip: Mapped[bool] = mapped_column(Boolean)
    blacklisted: Mapped[bool] = mapped_column(Boolean)
    blacklist_reason: Mapped[str] = mapped_column(String(255), default="")
    notes: Mapped[str] = mapped_column(Text, default="")

    owner_agent: Mapped[Agent | None] = relationship()
    numbers: Mapped[list[CustomerNumber]] = relationship(
        back_populates="customer",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="CustomerNumber.position",
    )


class CustomerNumber(Base):
    """A phone number of a customer, stored in E.164 so lookups by caller ID are exact."""

    __tablename__ = "customer_number"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customer.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(32), unique=True)

    customer: Mapped[Customer] = relationship(back_populates="numbers")
