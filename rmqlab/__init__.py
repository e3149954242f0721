"""rmqlab: run real Apache RocketMQ HA layouts on one machine, break them, report what happened."""

__version__ = "0.1.0"
