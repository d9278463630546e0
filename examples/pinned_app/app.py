"""An application that ships pinned prompts.

It loads its prompts only through ``promptctl.lock`` (next to this file): every
reference it uses resolves to exactly the version and sha256 recorded there,
offline, or fails loudly with an IntegrityError. Refresh the lock deliberately
with ``promptctl lock --lock examples/pinned_app/promptctl.lock`` after a label
moves; CI runs ``promptctl lock --check --lock ...`` to notice it.

Run it (from the repository root):

    python examples/pinned_app/app.py "My site has been down since 9am"             # prints the request
    PROMPTCTL_FAKE_REPLIES='["Sorry! On it."]' python examples/pinned_app/app.py --send "..."  # fake provider
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import promptctl

HERE = Path(__file__).resolve().parent
REGISTRY = promptctl.Registry(HERE.parent.parent / "prompts", lock=HERE / "promptctl.lock")


def answer(message: str, *, send: bool = False) -> dict[str, object]:
    """Render (and with ``send``, run on the fake provider) the pinned support prompt for one message."""
    version = REGISTRY.get("support-agent@production")
    variables = {"customer_message": message, "customer_name": "Dana", "plan": "pro"}
    if send:
        result = promptctl.run(version, variables, provider=promptctl.FakeProvider())
        return {"version": version.ref, "sha256": version.sha256, "reply": result.output}
    request = promptctl.render(version, "openai", **variables)
    return {"version": version.ref, "sha256": version.sha256, "openai_kwargs": request.kwargs}


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--send"]
    try:
        print(json.dumps(answer(" ".join(args) or "Hello", send="--send" in sys.argv), indent=2))
    except promptctl.PromptctlError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(int(exc.exit_code))
