"""The operator's mistake, apart from the command line so that the terminal client
(`bot.chat`) can raise it without importing the commands that run it."""


class CommandError(Exception):
    """An operator mistake: printed as one line, exit status 2."""
