"""The one error hierarchy of varena; the CLI turns each into one line and exit code 2."""


class VarenaError(Exception):
    """Base of every error varena raises on purpose."""


class SpecError(VarenaError, ValueError):
    """A game or solver spec, or one of its parameters, is not acceptable."""


class IllegalMoveError(VarenaError, ValueError):
    """An action is out of range or not legal in the given state."""


class PluginError(VarenaError):
    """A plugin failed to load or registered something invalid (strict mode)."""


class CheckpointError(VarenaError):
    """A checkpoint or result file is missing, corrupt or incompatible."""


class FormatError(VarenaError, ValueError):
    """A file in an external format (SGF, TSPLIB, ...) is malformed."""


class AgentError(VarenaError):
    """An agent could not answer: an external engine crashed, hung past its limit or resigned.

    Referees record it as a forfeit of that game, never as a crash of the tournament.
    """

    def __init__(self, message: str, *, resigned: bool = False) -> None:
        super().__init__(message)
        self.resigned = resigned


class KernelError(VarenaError):
    """A game's compiled kernel raised inside a compiled search: the search stopped."""
