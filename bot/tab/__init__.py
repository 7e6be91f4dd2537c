"""The supervision tab: a Teams personal tab served by the bot at /tab/ (docs/guide.md)."""
