"""The PCSO daily-workflow bot: service, transports, scheduler, delivery and CLI."""
