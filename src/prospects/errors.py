"""The one base class of every user mistake: the command line reports it as one line."""


class UserError(Exception):
    """A mistake in a user's file, argument or system folder; the message, one line, names
    the file, entry and field where there is one."""
