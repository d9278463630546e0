"""A spending limit (``--max-cost USD``) checked before every call.

An executor or batch command keeps one :class:`Budget`, calls :meth:`Budget.check` with the next
call's high estimate before making it, and :meth:`Budget.charge` with the real cost after it. The
check refuses a call whose high estimate would take the spending past the limit, so the limit is
never crossed by an estimated amount; a call whose real cost exceeds its estimate is still charged.
"""

from __future__ import annotations

from promptctl.errors import BudgetExceeded


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
        state = f"spent ${self.spent_usd:.6f}, left ${self.left_usd:.6f} of --max-cost ${self.limit_usd:.6f}"
        if high_usd is None:
            raise BudgetExceeded(
                f"stopped before {what}: it has no price, so --max-cost cannot be enforced ({state})",
                limit_usd=self.limit_usd, spent_usd=self.spent_usd, needed_usd=None,
                hint='add [prices."provider:model"] to promptctl.toml, or run without --max-cost',
            )
        if self.spent_usd + high_usd > self.limit_usd + 1e-12:
            raise BudgetExceeded(
                f"stopped before {what}: its high estimate ${high_usd:.6f} would cross the budget ({state})",
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
            state = (f"spent ${self.spent_usd:.6f}, ${self.reserved_usd:.6f} reserved by calls in flight, "
                     f"--max-cost ${self.limit_usd:.6f}")
            raise BudgetExceeded(
                f"stopped before {what}: its high estimate ${high_usd:.6f} would cross the budget ({state})",
                limit_usd=self.limit_usd, spent_usd=self.spent_usd, needed_usd=high_usd, hint=self.hint,
            )
        assert high_usd is not None  # check() refuses an unpriced call
        self.reserved_usd += high_usd
        return high_usd

    def settle(self, reserved_usd: float, actual_usd: float | None) -> None:
        """Release a finished call's reservation and charge its real cost (USD; None charges nothing)."""
        self.reserved_usd -= reserved_usd
        self.charge(actual_usd)
