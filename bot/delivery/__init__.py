"""Proactive delivery: the outbox (claims, leases, sends through each channel's sender)
and the worker that drains it in the service. Imports no channel package."""

from bot.delivery.outbox import DrainResult, Outbox, Problem, Result
from bot.delivery.worker import DeliveryWorker

__all__ = ["DeliveryWorker", "DrainResult", "Outbox", "Problem", "Result"]
