class DomainError(Exception):
    """A rule of the domain refused the request; nothing was changed.

    `code` is stable (forms, the API and tests match on it), `message` is for people and
    already translated (or lazily translatable).
    """

    code = "error"

    def __init__(self, message="", *, code=None, field=None, **params):
        super().__init__()
        self._message = message
        if code:
            self.code = code
        self.field = field
        self.params = params

    @property
    def message(self):
        return self._message

    def __str__(self):
        return str(self.message)


class InvalidInput(DomainError):
    """A value a person sent is not acceptable; `field` names it when one field is at fault."""

    code = "invalid_input"


class NotAllowed(DomainError):
    """The person may not do this (e.g. only a company admin may)."""

    code = "not_allowed"


class Message:
    """A message written when it is read, in the reader's language.

    An upload is checked in the language of the person who sent it; its preview is read later,
    perhaps by a colleague in French. `Message(gettext_lazy("… %(value)s …"), value=…)` renders
    the text with its facts in whatever language is active where it is shown."""

    __slots__ = ("text", "params")

    def __init__(self, text, **params):
        self.text, self.params = text, params

    def __str__(self):
        return str(self.text) % self.params if self.params else str(self.text)

    def __eq__(self, other):
        return str(self) == str(other)

    __hash__ = None
