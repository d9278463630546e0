"""Test helpers for promptctl and for projects that use it: a loopback server speaking the provider APIs.

Nothing here is imported by promptctl itself; it is a stdlib-only toolkit for tests and benchmarks.
"""

from promptctl.testing.server import (
    Fault,
    LoopbackLLMServer,
    RecordedRequest,
    ScriptedReply,
    ServerUsage,
    ToolCall,
    anthropic_error,
    openai_error,
)

__all__ = [
    "Fault",
    "LoopbackLLMServer",
    "RecordedRequest",
    "ScriptedReply",
    "ServerUsage",
    "ToolCall",
    "anthropic_error",
    "openai_error",
]
