"""A spending limit (``--max-cost USD``) checked before every call.

An executor or batch command keeps one :class:`Budget`, calls :meth:`Budget.check` with the next
call's high estimate before making it, and :meth:`Budget.charge` with the real cost after it. The
check refuses a call whose high estimate would take the spending past the limit, so the limit is
never crossed by an estimated amount; a call whose real cost exceeds its estimate is still charged.
"""

from __future__ import annotations

from promptctl.errors import BudgetExceeded


def usd_text(value: float) -> str:
    """USD for a budget message: ``$0.000677``; an amount under a millionth keeps its digits (``$1e-07``)."""
    return f"${value:.6f}" if value == 0 or abs(value) >= 5e-7 else f"${value:.3g}"


class Budget:
    """Spending against a limit, in USD.

    Args:
        limit_usd: The budget (USD, >= 0).

    Raises:
        InputError: A negative limit.
    """

    def __init__(self, limit_usd: float) -> None:
        from promptctl.errors import InputError

        if limit_usd < 0:
            raise InputError(f"--max-cost must be >= 0 USD, not {limit_usd}")
        self.limit_usd = float(limit_usd)
        self.spent_usd = 0.0
        self.reserved_usd = 0.0
        self.hint = "raise --max-cost, lower max_tokens, or compare models with 'promptctl cost REF --model ...'"

    @property
    def left_usd(self) -> float:
        """What is left (USD, never negative)."""
        return max(self.limit_usd - self.spent_usd, 0.0)

    def charge(self, usd: float | None) -> None:
        """Add a call's real cost (USD; None, an unpriced call, adds nothing)."""
        if usd:
            self.spent_usd += usd

    def check(self, high_usd: float | None, *, what: str) -> None:
        """Refuse the next call if its high estimate would cross the limit.

        Args:
            high_usd: High estimate of the next call(s) (USD), or None when the model has no price.
            what: The work being refused, for the message (e.g. ``support-agent@2 on openai:gpt-4.1``).

        Raises:
            BudgetExceeded: ``high_usd`` is None (the limit cannot be enforced) or spent + high > limit;
                the message says what was spent and what is left.
        """
        state = (f"spent {usd_text(self.spent_usd)}, left {usd_text(self.left_usd)} of --max-cost "
                 f"{usd_text(self.limit_usd)}")
        if high_usd is None:
            raise BudgetExceeded(
                f"stopped before {what}: it has no price, so --max-cost cannot be enforced ({state})",
                limit_usd=self.limit_usd, spent_usd=self.spent_usd, needed_usd=None,
                hint='add [prices."provider:model"] to promptctl.toml, or run without --max-cost',
            )
        if self.spent_usd + high_usd > self.limit_usd + 1e-12:
            raise BudgetExceeded(
                f"stopped before {what}: its high estimate {usd_text(high_usd)} would cross the budget ({state})",
                limit_usd=self.limit_usd, spent_usd=self.spent_usd, needed_usd=high_usd, hint=self.hint,
            )

    def reserve(self, high_usd: float | None, *, what: str) -> float:
        """Check a call about to be sent and reserve its high estimate while it is in flight.

        Concurrent calls each reserve their estimate, so the limit holds under concurrency: a call is
        refused when spent + reserved + its high estimate would cross the limit.

        Args:
            high_usd: The call's high estimate (USD), or None when the model has no price.
            what: The call, for the message (``a call to openai:gpt-4.1``).

        Returns:
            What was reserved (USD), to pass to :meth:`settle`.

        Raises:
            BudgetExceeded: As :meth:`check`; the message also says what calls in flight reserve.
        """
        if high_usd is None or self.reserved_usd == 0.0:
            self.check(high_usd, what=what)
        elif self.spent_usd + self.reserved_usd + high_usd > self.limit_usd + 1e-12:
            state = (f"spent {usd_text(self.spent_usd)}, {usd_text(self.reserved_usd)} reserved by calls in flight, "
                     f"--max-cost {usd_text(self.limit_usd)}")
            raise BudgetExceeded(
                f"stopped before {what}: its high estimate {usd_text(high_usd)} would cross the budget ({state})",
                limit_usd=self.limit_usd, spent_usd=self.spent_usd, needed_usd=high_usd, hint=self.hint,
            )
        assert high_usd is not None  # check() refuses an unpriced call
        self.reserved_usd += high_usd
        return high_usd

    def settle(self, reserved_usd: float, actual_usd: float | None) -> None:
        """Release a finished call's reservation and charge its real cost (USD; None charges nothing)."""
        self.reserved_usd -= reserved_usd
        self.charge(actual_usd)
