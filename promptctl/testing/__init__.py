"""Test helpers for promptctl and for projects that use it: a loopback server speaking the provider APIs.

Nothing here is imported by promptctl itself; it is a stdlib-only toolkit for tests and benchmarks.
"""

from promptctl.testing.server import (
    BAD_REPLIES,
    Fault,
    LoopbackLLMServer,
    RecordedRequest,
    ScriptedReply,
    ServerUsage,
    ToolCall,
    anthropic_error,
    bad_reply,
    openai_error,
)

__all__ = [
    "BAD_REPLIES",
    "Fault",
    "LoopbackLLMServer",
    "RecordedRequest",
    "ScriptedReply",
    "ServerUsage",
    "ToolCall",
    "anthropic_error",
    "bad_reply",
    "openai_error",
]
