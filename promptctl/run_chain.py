"""Moved to :mod:`promptctl.session.chain`; kept so that code importing ``promptctl.run_chain`` keeps working."""

from promptctl.session.chain import arun_chain, chain_spec, pin_steps, render_chain

__all__ = ["arun_chain", "chain_spec", "pin_steps", "render_chain"]
