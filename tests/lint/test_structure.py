"""SYS: system prompt structure."""

from __future__ import annotations

from tests.lint.conftest import GOOD, Project, edit

BARE = """---
provider: anthropic
model: claude-sonnet-4-6
variables:
  text: {type: string, input: true}
---
{% user %}
Translate into French:
{% section "input" %}{{ text }}{% endsection %}
{% enduser %}
"""


def _without(text: str, section: str) -> str:
    start = text.index(f'{{% section "{section}" %}}')
    end = text.index("{% endsection %}", start) + len("{% endsection %}")
    return text[:start] + text[end:]


def test_sys001_no_system_prompt(project: Project) -> None:
    assert "SYS001" in project.rules(BARE)


def test_sys001_passes_with_system_prompt(project: Project) -> None:
    assert "SYS001" not in project.rules(GOOD)


def test_simple_user_only_prompt_gets_only_the_info(project: Project) -> None:
    assert project.rules(BARE) == ["SYS001"]


def test_sys002_missing_role(project: Project) -> None:
    assert "SYS002" in project.rules(_without(GOOD, "role"))


def test_sys002_role_sentence_without_section_passes(project: Project) -> None:
    text = edit(_without(GOOD, "role"), "{% system %}", "{% system %}\nYou are the billing assistant of Acme Cloud.")
    assert "SYS002" not in project.rules(text)


def test_sys003_missing_output_format(project: Project) -> None:
    assert "SYS003" in project.rules(_without(GOOD, "output format"))


def test_sys003_declared_output_passes(project: Project) -> None:
    text = edit(_without(GOOD, "output format"), "parameters:", "output: {format: text}\nparameters:")
    assert "SYS003" not in project.rules(text)


def test_sys004_missing_restrictions(project: Project) -> None:
    assert "SYS004" in project.rules(_without(GOOD, "restrictions"))


def test_sys004_passes_with_restrictions(project: Project) -> None:
    assert "SYS004" not in project.rules(GOOD)


def test_sys005_missing_tone(project: Project) -> None:
    assert "SYS005" in project.rules(_without(GOOD, "tone"))


def test_sys005_passes_with_tone(project: Project) -> None:
    assert "SYS005" not in project.rules(GOOD)


def test_sys006_missing_escalation(project: Project) -> None:
    assert "SYS006" in project.rules(_without(GOOD, "escalation"))


def test_sys006_passes_with_escalation(project: Project) -> None:
    assert "SYS006" not in project.rules(GOOD)


SHORT_COMPLEX = """---
provider: openai
model: gpt-4.1-mini
variables:
  ticket: {type: string, input: true}
output:
  format: json
  schema: {type: object, properties: {label: {type: string}}, required: [label], additionalProperties: false}
---
{% system %}
You are a ticket classifier. Never guess. Reply with JSON. If unclear, use "other".
{% endsystem %}
{% user %}{% section "ticket" %}{{ ticket }}{% endsection %}{% enduser %}
"""


def test_sys007_short_system_prompt_for_complex_task(project: Project) -> None:
    assert "SYS007" in project.rules(SHORT_COMPLEX)
    message = next(f.message for f in project.lint(["p"]) if f.rule == "SYS007")
    assert "JSON output" in message and "1 lines" in message


def test_sys007_long_enough_system_prompt_passes(project: Project) -> None:
    rules = "\n".join(f"- Rule {i}: when the ticket mentions topic {i}, use label t{i}." for i in range(10))
    text = edit(SHORT_COMPLEX, "{% endsystem %}", rules + "\n{% endsystem %}")
    assert "SYS007" not in project.rules(text)


def test_sys007_simple_task_may_be_short(project: Project) -> None:
    assert "SYS007" not in project.rules(GOOD)


def test_finding_points_at_the_system_tag(project: Project) -> None:
    path = project.write("p", _without(GOOD, "role"))
    project.publish("p")
    finding = next(f for f in project.lint(["p"]) if f.rule == "SYS002")
    lines = path.read_text().split("\n")
    assert lines[finding.line - 1] == "{% system %}"
    assert finding.file == str(path) and finding.ref == "p@1" and finding.severity == "warning"


SCORER_RUBRIC_IN_USER = """---
provider: openai
model: gpt-4.1-mini
variables:
  question: {type: string, input: true}
  answer: {type: string, input: true}
  context: {type: string, input: true}
---
{% system %}
You are an AI assistant. Your job is to compute an accurate evaluation score. Return a single integer from 1 to 5.
{% endsystem %}
{% user %}
Relevance measures how well the answer addresses the main aspects of the question, based on the context.
Score the relevance of the answer between one to five stars using the following rating scale:
One star: the answer completely lacks relevance
Two stars: the answer mostly lacks relevance
Three stars: the answer is partially relevant
Four stars: the answer is mostly relevant
Five stars: the answer has perfect relevance
This rating value should always be an integer between 1 and 5.

context: Marie Curie was a Polish-born physicist and chemist who pioneered research on radioactivity.
question: What field did Marie Curie excel in?
answer: Marie Curie was a renowned painter.
stars: 1

context: {{context}}
question: {{question}}
answer: {{answer}}
stars:
{% enduser %}
"""
"""Shaped on microsoft/promptflow's relevance.prompty (MIT): a one-line role, the rubric in the user message."""


def test_sys007_specification_in_the_user_message_counts(project: Project) -> None:
    assert "SYS007" not in project.rules(SCORER_RUBRIC_IN_USER)


def test_sys007_short_everywhere_still_fires(project: Project) -> None:
    user = "{% user %}\n{{context}}\n{{question}}\n{{answer}}\n{% enduser %}\n"
    text = SCORER_RUBRIC_IN_USER.split("{% user %}")[0] + user
    assert "SYS007" in project.rules(text)


APOLOGY = """---
provider: openai
model: gpt-4.1-mini
output:
  format: json
  schema: {type: object, properties: {score: {type: string}}, required: [score], additionalProperties: false}
variables:
  answer: {type: string, input: true}
---
{% system %}
You are an AI assistant.
Your task is to answer if the answer contains an apology. If it does, return 1, otherwise return 0.
The output should be valid JSON.
Example:
answer: "Sorry, I can only answer questions about camping gear"
output: {"score": "1"}
{% endsystem %}
{% user %}
answer: {{answer}}
{% enduser %}
"""
"""Shaped on microsoft/promptflow's apology.prompty (MIT): a 0/1 classifier with a one-field JSON contract."""


def test_sys007_small_fixed_contract_shown_is_not_complex(project: Project) -> None:
    assert "SYS007" not in project.rules(APOLOGY)


def test_sys007_small_contract_not_shown_is_still_complex(project: Project) -> None:
    # SHORT_COMPLEX declares {label: string} but never says which labels: under-specified
    assert "SYS007" in project.rules(SHORT_COMPLEX)


CLASSIFIER = """---
provider: openai
model: gpt-4.1-mini
variables:
  query: {type: string, input: true}
---
{% system %}
There is a search bar in the mall app and users can enter any query in it.
The user may want to search for orders, view product information, or seek recommended products.
Therefore classify the user's intention into one of the following types:
product_recommendation, order_search, product_info.
{% endsystem %}
{% user %}
{% section "query" %}{{query}}{% endsection %}
{% enduser %}
"""
"""Shaped on microsoft/promptflow's conditional-flow-for-switch classify_with_llm (MIT)."""


def _sys004(project: Project, text: str) -> list[str]:
    project.write("p", text)
    return [f.severity for f in project.lint(["p"]) if f.rule == "SYS004"]


def test_sys004_closed_output_set_is_info(project: Project) -> None:
    assert _sys004(project, CLASSIFIER) == ["info"]
    message = next(f.message for f in project.lint(["p"]) if f.rule == "SYS004")
    assert "closed output set" in message


def test_sys004_closed_choice_stated_as_a_rule_is_a_restriction(project: Project) -> None:
    rule = "Please note that only the above three situations can be returned.\n{% endsystem %}"
    assert _sys004(project, edit(CLASSIFIER, "{% endsystem %}", rule)) == []
    within = 'The value of "category" must be within "Movie", "App" and "None".\n{% endsystem %}'
    assert _sys004(project, edit(CLASSIFIER, "{% endsystem %}", within)) == []


def test_sys004_exclusion_to_check_is_a_restriction(project: Project) -> None:
    rule = "Make sure they're not competing articles.\n{% endsystem %}"
    assert _sys004(project, edit(CLASSIFIER, "{% endsystem %}", rule)) == []


def test_sys004_scorer_in_the_user_message_is_info(project: Project) -> None:
    assert _sys004(project, SCORER_RUBRIC_IN_USER) == ["info"]


def test_sys004_rater_with_feedback_keeps_the_warning(project: Project) -> None:
    feedback = "Then give actionable feedback to the writer.\nThis rating value"
    text = edit(SCORER_RUBRIC_IN_USER, "This rating value", feedback)
    assert _sys004(project, text) == ["warning"]


def test_sys004_score_among_open_sections_keeps_the_warning(project: Project) -> None:
    text = """---
provider: openai
model: gpt-4.1-mini
variables:
  input: {type: string, input: true}
---
{% system %}
# IDENTITY
You are an expert in reviewing and critiquing presentations about company finances.
# STEPS
- Break down the presentation's content and the presenter's real goal.
# OUTPUT
- A 25-word summary, the claims made, and an overall score of 1-10 for honesty.
{% endsystem %}
{% user %}{{ input }}{% enduser %}
"""
    project.write("p", text)
    assert not any("closed output" in f.message for f in project.lint(["p"]) if f.rule == "SYS004")


def test_sys003_closed_output_set_is_a_format(project: Project) -> None:
    assert "SYS003" not in project.rules(SCORER_RUBRIC_IN_USER)
    assert "SYS003" not in project.rules(CLASSIFIER, name="q")


def test_sys003_an_api_response_the_prompt_is_about_is_not_a_consumer() -> None:
    from promptctl.lint import text as T

    assert T.consumer("Provide techniques for reading large amounts of data from a SOAP API response in C#.") is None
    assert T.consumer("Return the result as the API response body.") is not None


REWRITE_WITH_HISTORY = """---
provider: openai
model: gpt-4.1-mini
variables:
  chat_history: {type: messages, default: []}
  question: {type: string, input: true}
---
{% system %}
Given the following conversation history and the user's next question, rephrase the question to be a standalone
question. If the conversation is irrelevant or empty, just restate the original question.
Do not add more details than necessary to the question.
{% endsystem %}
{% messages chat_history %}
{% user %}
{% section "question" %}{{ question }}{% endsection %}
{% enduser %}
"""
"""Shaped on microsoft/promptflow's promptflow-copilot modify_query_with_history.jinja2 (MIT)."""


def _sys002(project: Project, text: str, name: str = "p") -> list[str]:
    project.write(name, text)
    return [f.severity for f in project.lint([name]) if f.rule == "SYS002"]


def test_sys002_task_stated_plainly_is_info(project: Project) -> None:
    assert _sys002(project, REWRITE_WITH_HISTORY) == ["info"]
    assert "a task stated plainly" in next(f.message for f in project.lint(["p"]) if f.rule == "SYS002")
    assert _sys002(project, CLASSIFIER, "q") == ["info"]


def test_sys002_standing_variables_keep_the_warning(project: Project) -> None:
    text = edit(REWRITE_WITH_HISTORY, "chat_history: {type: messages, default: []}",
                "chat_history: {type: messages, default: []}\n  product: {type: string, default: Acme}")
    text = edit(text, "Do not add more details", "The product is {{ product }}. Do not add more details")
    assert _sys002(project, text) == ["warning"]


def test_sys004_binary_classification_given_inputs_is_a_closed_output() -> None:
    from promptctl.lint import text as T

    text = ("You are an AI assistant. Given a context and a ground truth, analyze each sentence in the ground truth "
            "and classify if the sentence can be attributed to the given context or not.")
    assert T.closed_output(text) is not None
    assert T.closed_output("You are a travel agent. Tell the user whether the museum is open or not.") is None


def test_sys004_grounding_in_the_supplied_material_is_a_restriction() -> None:
    from promptctl.lint import text as T

    text = "Remember to provide accurate answers based on the information present in the image."
    assert T.RESTRICTION_CUES.search(text)
    assert not T.RESTRICTION_CUES.search("Provide answers about the image.")


def test_sys004_worked_json_examples_fix_the_output(project: Project) -> None:
    from tests.lint.test_output import WORKED_EXAMPLES

    text = edit(WORKED_EXAMPLES, "just repeat the user input.", "just repeat the user input; keep every fact of it.")
    assert _sys004(project, text) == ["info"]
    assert "worked examples" in next(f.message for f in project.lint(["p"]) if f.rule == "SYS004")
    one = edit(text, 'user input: Play some Pink Floyd\nOUTPUT: ["Play some Pink Floyd."]\n', "")
    project.write("q", one)
    assert not any("worked" in f.message for f in project.lint(["q"]) if f.rule == "SYS004")


def test_sys002_material_variables_are_not_standing_instructions(project: Project) -> None:
    text = edit(REWRITE_WITH_HISTORY, "chat_history: {type: messages, default: []}",
                "chat_history: {type: messages, default: []}\n  documents: {type: string, default: ''}")
    text = edit(text, "Do not add more details", "Documents: {{ documents }}\nDo not add more details")
    assert _sys002(project, text) == ["info"]


def test_sys005_not_for_output_a_program_reads(project: Project) -> None:
    """Tone applies to text a person reads: not to a JSON output declared in ``output:`` nor to a closed set of labels
    (trial-21: "no tone guidance" on a triage prompt returning JSON)."""
    text = GOOD.replace('{% section "tone" %}\nWarm and direct.\n{% endsection %}\n', "")
    assert [f.rule for f in project.found(text, "SYS005", name="prose")] == ["SYS005"]
    structured = text.replace("variables:\n", "output: {schema: {type: object, properties: {answer: {type: string}}}}\n"
                              "variables:\n", 1)
    assert project.found(structured, "SYS005", name="json") == []
