"""The run store's read statements compiled for SQLite by SQLAlchemy: GENERATED, do not edit.

Made by ``python -m promptctl.store.queries`` from :mod:`promptctl.store.queries` (see its docstring) with
SQLAlchemy 2.1.9, for schema revision 0004; read by :mod:`promptctl.store.fastread`.
Each entry: the SQL (qmark parameters), its parameters in order, and per result column its key and the
conversion SQLAlchemy applies to it.
"""

from typing import Any

REVISION = "0004"
"""The schema revision the statements were compiled for."""

STATEMENTS: dict[str, tuple[str, tuple[Any, ...], tuple[tuple[str, str], ...]]] = {
    'call_counts(by=run, prompt=False)': (
        'SELECT runs.id, count(*) AS calls \n'
        'FROM calls JOIN runs ON calls.run_id = runs.id GROUP BY runs.id',
        (),
        (('id', ''), ('calls', '')),
    ),
    'call_counts(by=run, prompt=True)': (
        'SELECT runs.id, count(*) AS calls \n'
        'FROM calls JOIN runs ON calls.run_id = runs.id \n'
        'WHERE runs.prompt_name = ? GROUP BY runs.id',
        (('arg', 'prompt'),),
        (('id', ''), ('calls', '')),
    ),
    'call_counts(by=version_day, prompt=False)': (
        'SELECT runs.prompt_name, runs.prompt_version, substr(runs.created_at, ?, ?) AS substr_1, count(*) '
        'AS calls \n'
        'FROM calls JOIN runs ON calls.run_id = runs.id GROUP BY runs.prompt_name, runs.prompt_version, '
        'substr(runs.created_at, ?, ?)',
        (('const', 1), ('const', 10), ('const', 1), ('const', 10)),
        (('prompt_name', ''), ('prompt_version', ''), ('substr', ''), ('calls', '')),
    ),
    'call_counts(by=version_day, prompt=True)': (
        'SELECT runs.prompt_name, runs.prompt_version, substr(runs.created_at, ?, ?) AS substr_1, count(*) '
        'AS calls \n'
        'FROM calls JOIN runs ON calls.run_id = runs.id \n'
        'WHERE runs.prompt_name = ? GROUP BY runs.prompt_name, runs.prompt_version, substr(runs.created_at, '
        '?, ?)',
        (('const', 1), ('const', 10), ('arg', 'prompt'), ('const', 1), ('const', 10)),
        (('prompt_name', ''), ('prompt_version', ''), ('substr', ''), ('calls', '')),
    ),
    'calls_of()': (
        'SELECT calls.id, calls.run_id, calls.seq, calls.created_at, calls.provider, calls.model, '
        'calls.fingerprint, calls.request, calls.output, calls.input_tokens, calls.output_tokens, '
        'calls.cached_input_tokens, calls.cache_write_tokens, calls.reasoning_tokens, calls.latency_s, '
        'calls.request_id, calls.cached, calls.error, calls.cost_usd, calls.tag, calls.step, '
        'calls.finish_reason, calls.response_model \n'
        'FROM calls \n'
        'WHERE calls.run_id = ? ORDER BY calls.seq',
        (('arg', 'run_id'),),
        (('id', ''), ('run_id', ''), ('seq', ''), ('created_at', ''), ('provider', ''), ('model', ''),
         ('fingerprint', ''), ('request', 'json'), ('output', ''), ('input_tokens', ''), ('output_tokens', ''),
         ('cached_input_tokens', ''), ('cache_write_tokens', ''), ('reasoning_tokens', ''), ('latency_s', ''),
         ('request_id', ''), ('cached', 'bool'), ('error', ''), ('cost_usd', ''), ('tag', ''), ('step', ''),
         ('finish_reason', ''), ('response_model', '')),
    ),
    'count_by_origin(prompt=False)': (
        'SELECT runs.origin, count(*) AS count_1 \n'
        'FROM runs GROUP BY runs.origin',
        (),
        (('origin', ''), ('count', '')),
    ),
    'count_by_origin(prompt=True)': (
        'SELECT runs.origin, count(*) AS count_1 \n'
        'FROM runs \n'
        'WHERE runs.prompt_name = ? GROUP BY runs.origin',
        (('arg', 'prompt'),),
        (('origin', ''), ('count', '')),
    ),
    'output_tokens(test_replies=False, version=False)': (
        'SELECT calls.output_tokens \n'
        'FROM calls JOIN runs ON calls.run_id = runs.id \n'
        'WHERE runs.prompt_name = ? AND runs.status = ? AND calls.error IS NULL AND calls.output_tokens > ? '
        'AND calls.provider = ? AND calls.model = ? AND (calls.request_id IS NULL OR (calls.request_id NOT '
        "LIKE ? || '%')) ORDER BY calls.id DESC\n"
        ' LIMIT ? OFFSET ?',
        (('arg', 'prompt'), ('const', 'ok'), ('const', 0), ('arg', 'provider'), ('arg', 'model'),
         ('const', 'req_loopback_'), ('arg', 'limit'), ('const', 0)),
        (('output_tokens', ''),),
    ),
    'output_tokens(test_replies=False, version=True)': (
        'SELECT calls.output_tokens \n'
        'FROM calls JOIN runs ON calls.run_id = runs.id \n'
        'WHERE runs.prompt_name = ? AND runs.status = ? AND calls.error IS NULL AND calls.output_tokens > ? '
        'AND calls.provider = ? AND calls.model = ? AND (calls.request_id IS NULL OR (calls.request_id NOT '
        "LIKE ? || '%')) AND runs.prompt_version = ? ORDER BY calls.id DESC\n"
        ' LIMIT ? OFFSET ?',
        (('arg', 'prompt'), ('const', 'ok'), ('const', 0), ('arg', 'provider'), ('arg', 'model'),
         ('const', 'req_loopback_'), ('arg', 'version'), ('arg', 'limit'), ('const', 0)),
        (('output_tokens', ''),),
    ),
    'output_tokens(test_replies=True, version=False)': (
        'SELECT calls.output_tokens \n'
        'FROM calls JOIN runs ON calls.run_id = runs.id \n'
        'WHERE runs.prompt_name = ? AND runs.status = ? AND calls.error IS NULL AND calls.output_tokens > ? '
        'AND calls.provider = ? AND calls.model = ? ORDER BY calls.id DESC\n'
        ' LIMIT ? OFFSET ?',
        (('arg', 'prompt'), ('const', 'ok'), ('const', 0), ('arg', 'provider'), ('arg', 'model'), ('arg', 'limit'),
         ('const', 0)),
        (('output_tokens', ''),),
    ),
    'output_tokens(test_replies=True, version=True)': (
        'SELECT calls.output_tokens \n'
        'FROM calls JOIN runs ON calls.run_id = runs.id \n'
        'WHERE runs.prompt_name = ? AND runs.status = ? AND calls.error IS NULL AND calls.output_tokens > ? '
        'AND calls.provider = ? AND calls.model = ? AND runs.prompt_version = ? ORDER BY calls.id DESC\n'
        ' LIMIT ? OFFSET ?',
        (('arg', 'prompt'), ('const', 'ok'), ('const', 0), ('arg', 'provider'), ('arg', 'model'),
         ('arg', 'version'), ('arg', 'limit'), ('const', 0)),
        (('output_tokens', ''),),
    ),
    'recent(origins=False, prompt=False)': (
        'SELECT runs.id, runs.created_at, runs.ref, runs.prompt_name, runs.prompt_version, '
        'runs.prompt_sha256, runs.draft, runs.provider, runs.model, runs.strategy, runs.variables, '
        'runs.parameters, runs.request, runs.output, runs.input_tokens, runs.output_tokens, '
        'runs.cached_input_tokens, runs.cache_write_tokens, runs.reasoning_tokens, runs.latency_s, '
        'runs.cost_usd, runs.status, runs.error, runs.cost_estimate, runs.answer, runs.reasoning, '
        'runs.parsed, runs.votes, runs.confidence, runs.samples_drawn, runs.steps, runs.details, runs.origin '
        '\n'
        'FROM runs ORDER BY runs.created_at DESC, runs.id DESC\n'
        ' LIMIT ? OFFSET ?',
        (('arg', 'limit'), ('const', 0)),
        (('id', ''), ('created_at', ''), ('ref', ''), ('prompt_name', ''), ('prompt_version', ''),
         ('prompt_sha256', ''), ('draft', 'bool'), ('provider', ''), ('model', ''), ('strategy', ''),
         ('variables', 'json'), ('parameters', 'json'), ('request', 'json'), ('output', ''), ('input_tokens', ''),
         ('output_tokens', ''), ('cached_input_tokens', ''), ('cache_write_tokens', ''), ('reasoning_tokens', ''),
         ('latency_s', ''), ('cost_usd', ''), ('status', ''), ('error', ''), ('cost_estimate', 'json'),
         ('answer', ''), ('reasoning', ''), ('parsed', 'json'), ('votes', 'json'), ('confidence', ''),
         ('samples_drawn', ''), ('steps', 'json'), ('details', 'json'), ('origin', '')),
    ),
    'recent(origins=False, prompt=True)': (
        'SELECT runs.id, runs.created_at, runs.ref, runs.prompt_name, runs.prompt_version, '
        'runs.prompt_sha256, runs.draft, runs.provider, runs.model, runs.strategy, runs.variables, '
        'runs.parameters, runs.request, runs.output, runs.input_tokens, runs.output_tokens, '
        'runs.cached_input_tokens, runs.cache_write_tokens, runs.reasoning_tokens, runs.latency_s, '
        'runs.cost_usd, runs.status, runs.error, runs.cost_estimate, runs.answer, runs.reasoning, '
        'runs.parsed, runs.votes, runs.confidence, runs.samples_drawn, runs.steps, runs.details, runs.origin '
        '\n'
        'FROM runs \n'
        'WHERE runs.prompt_name = ? ORDER BY runs.created_at DESC, runs.id DESC\n'
        ' LIMIT ? OFFSET ?',
        (('arg', 'prompt'), ('arg', 'limit'), ('const', 0)),
        (('id', ''), ('created_at', ''), ('ref', ''), ('prompt_name', ''), ('prompt_version', ''),
         ('prompt_sha256', ''), ('draft', 'bool'), ('provider', ''), ('model', ''), ('strategy', ''),
         ('variables', 'json'), ('parameters', 'json'), ('request', 'json'), ('output', ''), ('input_tokens', ''),
         ('output_tokens', ''), ('cached_input_tokens', ''), ('cache_write_tokens', ''), ('reasoning_tokens', ''),
         ('latency_s', ''), ('cost_usd', ''), ('status', ''), ('error', ''), ('cost_estimate', 'json'),
         ('answer', ''), ('reasoning', ''), ('parsed', 'json'), ('votes', 'json'), ('confidence', ''),
         ('samples_drawn', ''), ('steps', 'json'), ('details', 'json'), ('origin', '')),
    ),
    'recent(origins=True, prompt=False, len(origins)=1)': (
        'SELECT runs.id, runs.created_at, runs.ref, runs.prompt_name, runs.prompt_version, '
        'runs.prompt_sha256, runs.draft, runs.provider, runs.model, runs.strategy, runs.variables, '
        'runs.parameters, runs.request, runs.output, runs.input_tokens, runs.output_tokens, '
        'runs.cached_input_tokens, runs.cache_write_tokens, runs.reasoning_tokens, runs.latency_s, '
        'runs.cost_usd, runs.status, runs.error, runs.cost_estimate, runs.answer, runs.reasoning, '
        'runs.parsed, runs.votes, runs.confidence, runs.samples_drawn, runs.steps, runs.details, runs.origin '
        '\n'
        'FROM runs \n'
        'WHERE runs.origin IN (?) ORDER BY runs.created_at DESC, runs.id DESC\n'
        ' LIMIT ? OFFSET ?',
        (('item', 'origins', 0), ('arg', 'limit'), ('const', 0)),
        (('id', ''), ('created_at', ''), ('ref', ''), ('prompt_name', ''), ('prompt_version', ''),
         ('prompt_sha256', ''), ('draft', 'bool'), ('provider', ''), ('model', ''), ('strategy', ''),
         ('variables', 'json'), ('parameters', 'json'), ('request', 'json'), ('output', ''), ('input_tokens', ''),
         ('output_tokens', ''), ('cached_input_tokens', ''), ('cache_write_tokens', ''), ('reasoning_tokens', ''),
         ('latency_s', ''), ('cost_usd', ''), ('status', ''), ('error', ''), ('cost_estimate', 'json'),
         ('answer', ''), ('reasoning', ''), ('parsed', 'json'), ('votes', 'json'), ('confidence', ''),
         ('samples_drawn', ''), ('steps', 'json'), ('details', 'json'), ('origin', '')),
    ),
    'recent(origins=True, prompt=False, len(origins)=2)': (
        'SELECT runs.id, runs.created_at, runs.ref, runs.prompt_name, runs.prompt_version, '
        'runs.prompt_sha256, runs.draft, runs.provider, runs.model, runs.strategy, runs.variables, '
        'runs.parameters, runs.request, runs.output, runs.input_tokens, runs.output_tokens, '
        'runs.cached_input_tokens, runs.cache_write_tokens, runs.reasoning_tokens, runs.latency_s, '
        'runs.cost_usd, runs.status, runs.error, runs.cost_estimate, runs.answer, runs.reasoning, '
        'runs.parsed, runs.votes, runs.confidence, runs.samples_drawn, runs.steps, runs.details, runs.origin '
        '\n'
        'FROM runs \n'
        'WHERE runs.origin IN (?, ?) ORDER BY runs.created_at DESC, runs.id DESC\n'
        ' LIMIT ? OFFSET ?',
        (('item', 'origins', 0), ('item', 'origins', 1), ('arg', 'limit'), ('const', 0)),
        (('id', ''), ('created_at', ''), ('ref', ''), ('prompt_name', ''), ('prompt_version', ''),
         ('prompt_sha256', ''), ('draft', 'bool'), ('provider', ''), ('model', ''), ('strategy', ''),
         ('variables', 'json'), ('parameters', 'json'), ('request', 'json'), ('output', ''), ('input_tokens', ''),
         ('output_tokens', ''), ('cached_input_tokens', ''), ('cache_write_tokens', ''), ('reasoning_tokens', ''),
         ('latency_s', ''), ('cost_usd', ''), ('status', ''), ('error', ''), ('cost_estimate', 'json'),
         ('answer', ''), ('reasoning', ''), ('parsed', 'json'), ('votes', 'json'), ('confidence', ''),
         ('samples_drawn', ''), ('steps', 'json'), ('details', 'json'), ('origin', '')),
    ),
    'recent(origins=True, prompt=False, len(origins)=3)': (
        'SELECT runs.id, runs.created_at, runs.ref, runs.prompt_name, runs.prompt_version, '
        'runs.prompt_sha256, runs.draft, runs.provider, runs.model, runs.strategy, runs.variables, '
        'runs.parameters, runs.request, runs.output, runs.input_tokens, runs.output_tokens, '
        'runs.cached_input_tokens, runs.cache_write_tokens, runs.reasoning_tokens, runs.latency_s, '
        'runs.cost_usd, runs.status, runs.error, runs.cost_estimate, runs.answer, runs.reasoning, '
        'runs.parsed, runs.votes, runs.confidence, runs.samples_drawn, runs.steps, runs.details, runs.origin '
        '\n'
        'FROM runs \n'
        'WHERE runs.origin IN (?, ?, ?) ORDER BY runs.created_at DESC, runs.id DESC\n'
        ' LIMIT ? OFFSET ?',
        (('item', 'origins', 0), ('item', 'origins', 1), ('item', 'origins', 2), ('arg', 'limit'), ('const', 0)),
        (('id', ''), ('created_at', ''), ('ref', ''), ('prompt_name', ''), ('prompt_version', ''),
         ('prompt_sha256', ''), ('draft', 'bool'), ('provider', ''), ('model', ''), ('strategy', ''),
         ('variables', 'json'), ('parameters', 'json'), ('request', 'json'), ('output', ''), ('input_tokens', ''),
         ('output_tokens', ''), ('cached_input_tokens', ''), ('cache_write_tokens', ''), ('reasoning_tokens', ''),
         ('latency_s', ''), ('cost_usd', ''), ('status', ''), ('error', ''), ('cost_estimate', 'json'),
         ('answer', ''), ('reasoning', ''), ('parsed', 'json'), ('votes', 'json'), ('confidence', ''),
         ('samples_drawn', ''), ('steps', 'json'), ('details', 'json'), ('origin', '')),
    ),
    'recent(origins=True, prompt=False, len(origins)=4)': (
        'SELECT runs.id, runs.created_at, runs.ref, runs.prompt_name, runs.prompt_version, '
        'runs.prompt_sha256, runs.draft, runs.provider, runs.model, runs.strategy, runs.variables, '
        'runs.parameters, runs.request, runs.output, runs.input_tokens, runs.output_tokens, '
        'runs.cached_input_tokens, runs.cache_write_tokens, runs.reasoning_tokens, runs.latency_s, '
        'runs.cost_usd, runs.status, runs.error, runs.cost_estimate, runs.answer, runs.reasoning, '
        'runs.parsed, runs.votes, runs.confidence, runs.samples_drawn, runs.steps, runs.details, runs.origin '
        '\n'
        'FROM runs \n'
        'WHERE runs.origin IN (?, ?, ?, ?) ORDER BY runs.created_at DESC, runs.id DESC\n'
        ' LIMIT ? OFFSET ?',
        (('item', 'origins', 0), ('item', 'origins', 1), ('item', 'origins', 2), ('item', 'origins', 3),
         ('arg', 'limit'), ('const', 0)),
        (('id', ''), ('created_at', ''), ('ref', ''), ('prompt_name', ''), ('prompt_version', ''),
         ('prompt_sha256', ''), ('draft', 'bool'), ('provider', ''), ('model', ''), ('strategy', ''),
         ('variables', 'json'), ('parameters', 'json'), ('request', 'json'), ('output', ''), ('input_tokens', ''),
         ('output_tokens', ''), ('cached_input_tokens', ''), ('cache_write_tokens', ''), ('reasoning_tokens', ''),
         ('latency_s', ''), ('cost_usd', ''), ('status', ''), ('error', ''), ('cost_estimate', 'json'),
         ('answer', ''), ('reasoning', ''), ('parsed', 'json'), ('votes', 'json'), ('confidence', ''),
         ('samples_drawn', ''), ('steps', 'json'), ('details', 'json'), ('origin', '')),
    ),
    'recent(origins=True, prompt=True, len(origins)=1)': (
        'SELECT runs.id, runs.created_at, runs.ref, runs.prompt_name, runs.prompt_version, '
        'runs.prompt_sha256, runs.draft, runs.provider, runs.model, runs.strategy, runs.variables, '
        'runs.parameters, runs.request, runs.output, runs.input_tokens, runs.output_tokens, '
        'runs.cached_input_tokens, runs.cache_write_tokens, runs.reasoning_tokens, runs.latency_s, '
        'runs.cost_usd, runs.status, runs.error, runs.cost_estimate, runs.answer, runs.reasoning, '
        'runs.parsed, runs.votes, runs.confidence, runs.samples_drawn, runs.steps, runs.details, runs.origin '
        '\n'
        'FROM runs \n'
        'WHERE runs.prompt_name = ? AND runs.origin IN (?) ORDER BY runs.created_at DESC, runs.id DESC\n'
        ' LIMIT ? OFFSET ?',
        (('arg', 'prompt'), ('item', 'origins', 0), ('arg', 'limit'), ('const', 0)),
        (('id', ''), ('created_at', ''), ('ref', ''), ('prompt_name', ''), ('prompt_version', ''),
         ('prompt_sha256', ''), ('draft', 'bool'), ('provider', ''), ('model', ''), ('strategy', ''),
         ('variables', 'json'), ('parameters', 'json'), ('request', 'json'), ('output', ''), ('input_tokens', ''),
         ('output_tokens', ''), ('cached_input_tokens', ''), ('cache_write_tokens', ''), ('reasoning_tokens', ''),
         ('latency_s', ''), ('cost_usd', ''), ('status', ''), ('error', ''), ('cost_estimate', 'json'),
         ('answer', ''), ('reasoning', ''), ('parsed', 'json'), ('votes', 'json'), ('confidence', ''),
         ('samples_drawn', ''), ('steps', 'json'), ('details', 'json'), ('origin', '')),
    ),
    'recent(origins=True, prompt=True, len(origins)=2)': (
        'SELECT runs.id, runs.created_at, runs.ref, runs.prompt_name, runs.prompt_version, '
        'runs.prompt_sha256, runs.draft, runs.provider, runs.model, runs.strategy, runs.variables, '
        'runs.parameters, runs.request, runs.output, runs.input_tokens, runs.output_tokens, '
        'runs.cached_input_tokens, runs.cache_write_tokens, runs.reasoning_tokens, runs.latency_s, '
        'runs.cost_usd, runs.status, runs.error, runs.cost_estimate, runs.answer, runs.reasoning, '
        'runs.parsed, runs.votes, runs.confidence, runs.samples_drawn, runs.steps, runs.details, runs.origin '
        '\n'
        'FROM runs \n'
        'WHERE runs.prompt_name = ? AND runs.origin IN (?, ?) ORDER BY runs.created_at DESC, runs.id DESC\n'
        ' LIMIT ? OFFSET ?',
        (('arg', 'prompt'), ('item', 'origins', 0), ('item', 'origins', 1), ('arg', 'limit'), ('const', 0)),
        (('id', ''), ('created_at', ''), ('ref', ''), ('prompt_name', ''), ('prompt_version', ''),
         ('prompt_sha256', ''), ('draft', 'bool'), ('provider', ''), ('model', ''), ('strategy', ''),
         ('variables', 'json'), ('parameters', 'json'), ('request', 'json'), ('output', ''), ('input_tokens', ''),
         ('output_tokens', ''), ('cached_input_tokens', ''), ('cache_write_tokens', ''), ('reasoning_tokens', ''),
         ('latency_s', ''), ('cost_usd', ''), ('status', ''), ('error', ''), ('cost_estimate', 'json'),
         ('answer', ''), ('reasoning', ''), ('parsed', 'json'), ('votes', 'json'), ('confidence', ''),
         ('samples_drawn', ''), ('steps', 'json'), ('details', 'json'), ('origin', '')),
    ),
    'recent(origins=True, prompt=True, len(origins)=3)': (
        'SELECT runs.id, runs.created_at, runs.ref, runs.prompt_name, runs.prompt_version, '
        'runs.prompt_sha256, runs.draft, runs.provider, runs.model, runs.strategy, runs.variables, '
        'runs.parameters, runs.request, runs.output, runs.input_tokens, runs.output_tokens, '
        'runs.cached_input_tokens, runs.cache_write_tokens, runs.reasoning_tokens, runs.latency_s, '
        'runs.cost_usd, runs.status, runs.error, runs.cost_estimate, runs.answer, runs.reasoning, '
        'runs.parsed, runs.votes, runs.confidence, runs.samples_drawn, runs.steps, runs.details, runs.origin '
        '\n'
        'FROM runs \n'
        'WHERE runs.prompt_name = ? AND runs.origin IN (?, ?, ?) ORDER BY runs.created_at DESC, runs.id DESC\n'
        ' LIMIT ? OFFSET ?',
        (('arg', 'prompt'), ('item', 'origins', 0), ('item', 'origins', 1), ('item', 'origins', 2),
         ('arg', 'limit'), ('const', 0)),
        (('id', ''), ('created_at', ''), ('ref', ''), ('prompt_name', ''), ('prompt_version', ''),
         ('prompt_sha256', ''), ('draft', 'bool'), ('provider', ''), ('model', ''), ('strategy', ''),
         ('variables', 'json'), ('parameters', 'json'), ('request', 'json'), ('output', ''), ('input_tokens', ''),
         ('output_tokens', ''), ('cached_input_tokens', ''), ('cache_write_tokens', ''), ('reasoning_tokens', ''),
         ('latency_s', ''), ('cost_usd', ''), ('status', ''), ('error', ''), ('cost_estimate', 'json'),
         ('answer', ''), ('reasoning', ''), ('parsed', 'json'), ('votes', 'json'), ('confidence', ''),
         ('samples_drawn', ''), ('steps', 'json'), ('details', 'json'), ('origin', '')),
    ),
    'recent(origins=True, prompt=True, len(origins)=4)': (
        'SELECT runs.id, runs.created_at, runs.ref, runs.prompt_name, runs.prompt_version, '
        'runs.prompt_sha256, runs.draft, runs.provider, runs.model, runs.strategy, runs.variables, '
        'runs.parameters, runs.request, runs.output, runs.input_tokens, runs.output_tokens, '
        'runs.cached_input_tokens, runs.cache_write_tokens, runs.reasoning_tokens, runs.latency_s, '
        'runs.cost_usd, runs.status, runs.error, runs.cost_estimate, runs.answer, runs.reasoning, '
        'runs.parsed, runs.votes, runs.confidence, runs.samples_drawn, runs.steps, runs.details, runs.origin '
        '\n'
        'FROM runs \n'
        'WHERE runs.prompt_name = ? AND runs.origin IN (?, ?, ?, ?) ORDER BY runs.created_at DESC, runs.id '
        'DESC\n'
        ' LIMIT ? OFFSET ?',
        (('arg', 'prompt'), ('item', 'origins', 0), ('item', 'origins', 1), ('item', 'origins', 2),
         ('item', 'origins', 3), ('arg', 'limit'), ('const', 0)),
        (('id', ''), ('created_at', ''), ('ref', ''), ('prompt_name', ''), ('prompt_version', ''),
         ('prompt_sha256', ''), ('draft', 'bool'), ('provider', ''), ('model', ''), ('strategy', ''),
         ('variables', 'json'), ('parameters', 'json'), ('request', 'json'), ('output', ''), ('input_tokens', ''),
         ('output_tokens', ''), ('cached_input_tokens', ''), ('cache_write_tokens', ''), ('reasoning_tokens', ''),
         ('latency_s', ''), ('cost_usd', ''), ('status', ''), ('error', ''), ('cost_estimate', 'json'),
         ('answer', ''), ('reasoning', ''), ('parsed', 'json'), ('votes', 'json'), ('confidence', ''),
         ('samples_drawn', ''), ('steps', 'json'), ('details', 'json'), ('origin', '')),
    ),
    'run_by_prefix()': (
        'SELECT runs.id, runs.created_at, runs.ref, runs.prompt_name, runs.prompt_version, '
        'runs.prompt_sha256, runs.draft, runs.provider, runs.model, runs.strategy, runs.variables, '
        'runs.parameters, runs.request, runs.output, runs.input_tokens, runs.output_tokens, '
        'runs.cached_input_tokens, runs.cache_write_tokens, runs.reasoning_tokens, runs.latency_s, '
        'runs.cost_usd, runs.status, runs.error, runs.cost_estimate, runs.answer, runs.reasoning, '
        'runs.parsed, runs.votes, runs.confidence, runs.samples_drawn, runs.steps, runs.details, runs.origin '
        '\n'
        'FROM runs \n'
        "WHERE (runs.id LIKE ? || '%')\n"
        ' LIMIT ? OFFSET ?',
        (('arg', 'id'), ('const', 2), ('const', 0)),
        (('id', ''), ('created_at', ''), ('ref', ''), ('prompt_name', ''), ('prompt_version', ''),
         ('prompt_sha256', ''), ('draft', 'bool'), ('provider', ''), ('model', ''), ('strategy', ''),
         ('variables', 'json'), ('parameters', 'json'), ('request', 'json'), ('output', ''), ('input_tokens', ''),
         ('output_tokens', ''), ('cached_input_tokens', ''), ('cache_write_tokens', ''), ('reasoning_tokens', ''),
         ('latency_s', ''), ('cost_usd', ''), ('status', ''), ('error', ''), ('cost_estimate', 'json'),
         ('answer', ''), ('reasoning', ''), ('parsed', 'json'), ('votes', 'json'), ('confidence', ''),
         ('samples_drawn', ''), ('steps', 'json'), ('details', 'json'), ('origin', '')),
    ),
    'totals(by=run, prompt=False)': (
        'SELECT runs.id, runs.created_at, runs.prompt_name, runs.prompt_version, runs.provider, runs.model, '
        'runs.status, count(*) AS runs, sum(CASE WHEN (runs.status = ?) THEN ? ELSE ? END) AS errors, '
        'coalesce(sum(runs.input_tokens), ?) AS input_tokens, coalesce(sum(runs.output_tokens), ?) AS '
        'output_tokens, coalesce(sum(runs.cached_input_tokens), ?) AS cached_input_tokens, '
        'coalesce(sum(runs.cache_write_tokens), ?) AS cache_write_tokens, '
        'coalesce(sum(runs.reasoning_tokens), ?) AS reasoning_tokens, coalesce(sum(runs.cost_usd), ?) AS '
        'cost_usd, sum(CASE WHEN (runs.cost_usd IS NULL AND runs.status = ?) THEN ? ELSE ? END) AS unpriced \n'
        'FROM runs GROUP BY runs.id, runs.created_at, runs.prompt_name, runs.prompt_version, runs.provider, '
        'runs.model, runs.status',
        (('const', 'error'), ('const', 1), ('const', 0), ('const', 0), ('const', 0), ('const', 0), ('const', 0),
         ('const', 0), ('const', 0.0), ('const', 'ok'), ('const', 1), ('const', 0)),
        (('id', ''), ('created_at', ''), ('prompt_name', ''), ('prompt_version', ''), ('provider', ''),
         ('model', ''), ('status', ''), ('runs', ''), ('errors', ''), ('input_tokens', ''), ('output_tokens', ''),
         ('cached_input_tokens', ''), ('cache_write_tokens', ''), ('reasoning_tokens', ''), ('cost_usd', ''),
         ('unpriced', '')),
    ),
    'totals(by=run, prompt=True)': (
        'SELECT runs.id, runs.created_at, runs.prompt_name, runs.prompt_version, runs.provider, runs.model, '
        'runs.status, count(*) AS runs, sum(CASE WHEN (runs.status = ?) THEN ? ELSE ? END) AS errors, '
        'coalesce(sum(runs.input_tokens), ?) AS input_tokens, coalesce(sum(runs.output_tokens), ?) AS '
        'output_tokens, coalesce(sum(runs.cached_input_tokens), ?) AS cached_input_tokens, '
        'coalesce(sum(runs.cache_write_tokens), ?) AS cache_write_tokens, '
        'coalesce(sum(runs.reasoning_tokens), ?) AS reasoning_tokens, coalesce(sum(runs.cost_usd), ?) AS '
        'cost_usd, sum(CASE WHEN (runs.cost_usd IS NULL AND runs.status = ?) THEN ? ELSE ? END) AS unpriced \n'
        'FROM runs \n'
        'WHERE runs.prompt_name = ? GROUP BY runs.id, runs.created_at, runs.prompt_name, '
        'runs.prompt_version, runs.provider, runs.model, runs.status',
        (('const', 'error'), ('const', 1), ('const', 0), ('const', 0), ('const', 0), ('const', 0), ('const', 0),
         ('const', 0), ('const', 0.0), ('const', 'ok'), ('const', 1), ('const', 0), ('arg', 'prompt')),
        (('id', ''), ('created_at', ''), ('prompt_name', ''), ('prompt_version', ''), ('provider', ''),
         ('model', ''), ('status', ''), ('runs', ''), ('errors', ''), ('input_tokens', ''), ('output_tokens', ''),
         ('cached_input_tokens', ''), ('cache_write_tokens', ''), ('reasoning_tokens', ''), ('cost_usd', ''),
         ('unpriced', '')),
    ),
    'totals(by=version_day, prompt=False)': (
        'SELECT runs.prompt_name, runs.prompt_version, substr(runs.created_at, ?, ?) AS day, count(*) AS '
        'runs, sum(CASE WHEN (runs.status = ?) THEN ? ELSE ? END) AS errors, '
        'coalesce(sum(runs.input_tokens), ?) AS input_tokens, coalesce(sum(runs.output_tokens), ?) AS '
        'output_tokens, coalesce(sum(runs.cached_input_tokens), ?) AS cached_input_tokens, '
        'coalesce(sum(runs.cache_write_tokens), ?) AS cache_write_tokens, '
        'coalesce(sum(runs.reasoning_tokens), ?) AS reasoning_tokens, coalesce(sum(runs.cost_usd), ?) AS '
        'cost_usd, sum(CASE WHEN (runs.cost_usd IS NULL AND runs.status = ?) THEN ? ELSE ? END) AS unpriced \n'
        'FROM runs GROUP BY runs.prompt_name, runs.prompt_version, substr(runs.created_at, ?, ?)',
        (('const', 1), ('const', 10), ('const', 'error'), ('const', 1), ('const', 0), ('const', 0), ('const', 0),
         ('const', 0), ('const', 0), ('const', 0), ('const', 0.0), ('const', 'ok'), ('const', 1), ('const', 0),
         ('const', 1), ('const', 10)),
        (('prompt_name', ''), ('prompt_version', ''), ('day', ''), ('runs', ''), ('errors', ''),
         ('input_tokens', ''), ('output_tokens', ''), ('cached_input_tokens', ''), ('cache_write_tokens', ''),
         ('reasoning_tokens', ''), ('cost_usd', ''), ('unpriced', '')),
    ),
    'totals(by=version_day, prompt=True)': (
        'SELECT runs.prompt_name, runs.prompt_version, substr(runs.created_at, ?, ?) AS day, count(*) AS '
        'runs, sum(CASE WHEN (runs.status = ?) THEN ? ELSE ? END) AS errors, '
        'coalesce(sum(runs.input_tokens), ?) AS input_tokens, coalesce(sum(runs.output_tokens), ?) AS '
        'output_tokens, coalesce(sum(runs.cached_input_tokens), ?) AS cached_input_tokens, '
        'coalesce(sum(runs.cache_write_tokens), ?) AS cache_write_tokens, '
        'coalesce(sum(runs.reasoning_tokens), ?) AS reasoning_tokens, coalesce(sum(runs.cost_usd), ?) AS '
        'cost_usd, sum(CASE WHEN (runs.cost_usd IS NULL AND runs.status = ?) THEN ? ELSE ? END) AS unpriced \n'
        'FROM runs \n'
        'WHERE runs.prompt_name = ? GROUP BY runs.prompt_name, runs.prompt_version, substr(runs.created_at, '
        '?, ?)',
        (('const', 1), ('const', 10), ('const', 'error'), ('const', 1), ('const', 0), ('const', 0), ('const', 0),
         ('const', 0), ('const', 0), ('const', 0), ('const', 0.0), ('const', 'ok'), ('const', 1), ('const', 0),
         ('arg', 'prompt'), ('const', 1), ('const', 10)),
        (('prompt_name', ''), ('prompt_version', ''), ('day', ''), ('runs', ''), ('errors', ''),
         ('input_tokens', ''), ('output_tokens', ''), ('cached_input_tokens', ''), ('cache_write_tokens', ''),
         ('reasoning_tokens', ''), ('cost_usd', ''), ('unpriced', '')),
    ),
}
