"""The errors drivers raise about what an instrument answered.

Two kinds, because they call for opposite reactions: a reply that is not
what the protocol promises (garbled, truncated, from a corrupted command) is
worth asking again; an instrument that understood and said no (an error
reply, an error in its queue) will say no again.
"""


class InstrumentReplyError(RuntimeError):
    """The instrument's reply was not the reply its protocol promises."""


class InstrumentRefused(InstrumentReplyError):
    """The instrument understood and refused, or reported an error of its own."""
