"""Text heuristics shared by the rules: directive sentences, cue words, JSON keys, hard-coded markup.

Every pattern here is deliberately simple and documented in docs/lint.md; a rule that fires wrongly on
a prompt can be disabled for that version with a reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_BULLET = re.compile(r"^\s*(?:[-*•+>]|\d+[.)]|[a-z][.)])\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=[A-Z\"'`(\[])")

NEGATIVE_START = re.compile(
    r"^(?:please\s+)?(?:do\s+not|don'?t|never|avoid|no\b|not\b|must\s+not|mustn'?t|should\s+not|shouldn'?t|"
    r"cannot|can'?t|refrain|stop|under\s+no\s+circumstances|nothing\b|without\b)",
    re.IGNORECASE,
)
"""A directive that says what not to do: "Do not ...", "Never ...", "Avoid ...", "No ...", "Don't ..."."""

_NEGATED_MODAL = re.compile(
    r"\b(?:you|the\s+\w+|it)\s+(?:must|should|may|will|can)\s*(?:not|n't)\b|\byou\s+(?:never|cannot|can't)\b",
    re.IGNORECASE,
)
_POSITIVE_MODAL = re.compile(
    r"\b(?:always|must|should|need\s+to|make\s+sure|ensure|be\s+sure|remember\s+to|try\s+to|you\s+will)\b"
    r"(?!\s*(?:not|n't|never|be\s+given|receive|get\b))",
    re.IGNORECASE,
)
_POSITIVE_CLAUSE = re.compile(
    r"[,;:]\s*(?:just|only|instead|simply|rather)\s+(?:reply|respond|answer|write|output|return|give|list|say|use|provide)\b",
    re.IGNORECASE,
)
"""A positive clause after a prohibition: "Do not explain, just reply with the name"."""
_IMPERATIVE_VERBS = frozenset(
    """
    acknowledge add address adjust analyse analyze answer apologise apologize apply ask assess assign attach base
    be begin break calculate call check choose cite clarify classify combine compare compute confirm consider
    convert copy correct count create decide define describe detect determine draft echo emit end ensure escalate
    estimate evaluate explain extract fill find flag focus follow format generate give greet group handle
    highlight identify include indicate infer keep label lead leave limit list locate make map mark match mention
    name normalise normalize note offer order organise organize output paraphrase pick place plan point prefer
    play print prioritise prioritize produce proofread provide put quote rank rate read recommend refer refuse rephrase
    reply report request respond restate return review rewrite say score select separate set share show sign
    solve sort specify split start state stay suggest summarise summarize take tell think trace translate treat
    use validate verify walk wrap write send deliver present
    """.split()
)


_LEAD_IN = re.compile(
    r"(?i)^(?:if|when|for|in|once|after|before|then|first|finally|only|otherwise|next|instead)\b[^,:]*[,:]\s*"
    r"(?:(?:first|then|also|now|please|just|simply)\s+)?([A-Za-z']+)"
)


def directive_units(text: str) -> Iterator[str]:
    """Split instruction text into directive units: lines, bullets and sentences, bullet marks removed."""
    for raw in text.split("\n"):
        line = _BULLET.sub("", raw).strip().strip("*_").strip()
        if not line:
            continue
        for sentence in _SENTENCE_END.split(line):
            sentence = sentence.strip()
            if sentence:
                yield sentence


def is_negative(unit: str) -> bool:
    """True when a directive unit tells the model what not to do."""
    return bool(NEGATIVE_START.match(unit) or _NEGATED_MODAL.search(unit[:80]))


def is_positive(unit: str) -> bool:
    """True when a directive unit tells the model what to do (an imperative verb first, or must/should/always)."""
    if _POSITIVE_CLAUSE.search(unit):
        return True
    if is_negative(unit):
        return False
    first = re.match(r"[A-Za-z']+", unit)
    if first and first.group(0).lower() in _IMPERATIVE_VERBS:
        return True
    lead_in = _LEAD_IN.match(unit)
    if lead_in and lead_in.group(1).lower() in _IMPERATIVE_VERBS:
        return True
    return bool(_POSITIVE_MODAL.search(unit))


_ROLE_VERBS = (
    r"extract|analy[sz]e|summari[sz]e|take|help|write|create|generate|review|evaluate|convert|translate|classify|"
    r"identify|produce|assist|answer|explain|design|build|craft|rate|label|detect|find|research|teach|coach|guide|"
    r"advise|simulate|transform|rewrite|edit|improve|compose|assess|specialize|specialise|excel|support|turn|"
    r"interpret|critique|score|grade|audit|plan|draft|curate|distill|distil|collect|categori[sz]e|compare|act|serve"
)
ROLE_CUES = re.compile(
    r"\b(?:you\s+are|you're|your\s+(?:role|job|task|goal|purpose|mission|expertise|specialty|speciality|identity)\s+"
    r"(?:is|are|:)|act\s+as|acting\s+as|act\s+like|"
    r"as\s+(?:the|an?)\s+(?:\w+\s+)?(?:assistant|expert|agent|analyst|engineer|reviewer|tutor|editor|writer|"
    r"translator|specialist|consultant|advisor|adviser|teacher|classifier|extractor|system)|"
    r"(?:i\s+want|i\s+need|i'd\s+like|i\s+would\s+like)\s+you\s+to\s+(?:act|be|play|pretend|serve|become|take\s+on)|"
    r"(?:pretend|imagine)\s+(?:to\s+be|you\s+are|you're|that\s+you\s+are)|"
    r"(?:assume|take\s+on|adopt|play)\s+the\s+(?:role|persona|identity|part)|"
    r"you\s+(?:will\s+)?(?:act|serve|operate|function)\s+as)\b"
    rf"|(?:^|[.!?:]\s+|\n)\s*(?:[-*]\s+)?you\s+(?:\w+ly\s+)?(?:{_ROLE_VERBS})s?\b"
    r"|\bas\s+an?\s+[\w -]{2,40},\s+you\b"
    r"|\bthe\s+[\w-]+'s\s+(?:goal|task|job|role|mission|purpose)\s+is\s+to\b"
    r"|^\W*i\s*(?:am|'m)\s+an?\s+(?:[\w-]+\s+){0,4}?(?:expert|specialist|assistant|consultant|advisor|adviser|guide|"
    r"coach|tutor|bot|chatbot|agent|professional)\b(?=[\s\S]*\b(?:your\s+(?:inquir\w+|questions?|requests?|needs?)|"
    r"(?:help|assist|answer|serve)\s+you)\b)"
    r"|\b(?:i\s+(?:require|need|want|am\s+looking\s+for|seek)|^\W*(?:need|want|require|seeking)|looking\s+for|"
    r"calling\s+(?:out\s+)?for)\s+"
    r"(?:[\w-]+\s+){0,4}?(?:someone|somebody|a\s+person|personnel|an?\s+(?:[\w-]+\s+)?(?:expert|professional|"
    r"specialist))\b"
    r"|\b(?:is|acts\s+as|serves\s+as)\s+an?\s+(?:[\w-]+\s+){0,3}(?:assistant|expert|agent|analyst|bot|chatbot|advisor|"
    r"adviser|coach|tutor|specialist|consultant|guide|persona)\b",
    re.IGNORECASE,
)
"""A role sentence: "You are ...", "Act as ...", "I want you to act as ...", "You extract ...", "As a ..., you", a role
cast in the third person ("A professional barista has a client ... The barista's goal is to ..."), a role the prompt
speaks in the first person as the model ("I am an expert in architecture ... to address your inquiries"), the helper
asked for with the pronoun dropped ("Need somebody with expertise on automobiles"),
or the helper requested ("I require someone who can ...", "calling for assistance from knowledgeable personnel")."""
PERSONA_CUES = re.compile(
    r"\b(?:(?:i\s+want|i\s+need|i'd\s+like|i\s+would\s+like)\s+you\s+to\s+(?:act|play|pretend|be\s+my|become|roleplay|role-play)"
    r"|(?:^|[.!?:\n]\s*)(?:please\s+)?(?:act|behave)\s+(?:as|like)\s+(?:an?|my|the)\b"
    r"|(?:pretend|imagine)\s+(?:to\s+be|you\s+are|you're|that\s+you\s+are)"
    r"|\brole-?play|\bplay\s+the\s+(?:role|part|character)\s+of"
    r"|(?:be|as)\s+my\s+(?:\w+\s+)?(?:conversation|chat|speaking|practice|sparring|debate|writing)\s+(?:partner|buddy|friend)"
    r"|you\s+are\s+(?:an?\s+)?(?:\w+\s+){0,2}?(?:novelist|storyteller|poet|lyricist|songwriter|screenwriter|playwright|"
    r"comedian|stand-up\s+comedian|motivational\s+(?:speaker|coach)|character|persona|companion|dungeon\s+master))",
    re.IGNORECASE,
)
"""A role-play or persona opening: "I want you to act as a novelist", "Pretend to be ...", "Act as my ...",
"role-play", "be my conversation partner", "You are a storyteller". Only searched in the first
:data:`PERSONA_SPAN` characters of the instructions (:func:`is_persona`)."""
PERSONA_SPAN = 300
"""How far into the instruction text a persona opening may start, in characters."""


_PERSONA_TASK = re.compile(
    r"\byour\s+(?:main\s+|primary\s+)?(?:task|job|goal|mission|objective|responsibilit(?:y|ies))\s+(?:is|are|will\s+be)\b"
    r"|\b(?:build|implement|develop|deploy|refactor|debug|transforms?|converts?|rewrites?)\b"
    r"|\btakes?\s+(?:the\s+)?(?:user(?:-|\s+)?)?(?:input|prompt|text)s?\b",
    re.IGNORECASE,
)
"""A stated task, a build deliverable or an input transformation: "Act as a developer. Your task is to build ...",
"Act as a Prompt Enhancer AI that takes user-input prompts and transforms them" are task prompts."""


def is_persona(text: str) -> bool:
    """True when ``text`` opens as a role-play or persona prompt and states no task of its own.

    A persona opening (:data:`PERSONA_CUES`) must be in the first 300 characters; a stated task ("Your task
    is to ...", "build", "implement", ...; :data:`_PERSONA_TASK`) anywhere makes it a task prompt in costume.

    Args:
        text: The instruction text (system prompt, without sample requests).
    """
    return bool(PERSONA_CUES.search(text[:PERSONA_SPAN].lstrip())) and not _PERSONA_TASK.search(text)


_REQUEST_OPENING = re.compile(
    r"^\W{0,3}(?:please\s+)?(?:develop|build|create|write|curate|design|compose|draft|generate|plan|make|produce|"
    r"implement|prepare|outline|brainstorm)\s+(?:an?|the|me|my|some|\d+)\b"
    r"|^\W{0,3}(?:i\s+(?:want|need|would\s+like|'d\s+like)\s+(?:to\s+(?:create|write|build|make|develop|design|plan)|"
    r"an?\s)|can\s+you\s|could\s+you\s)"
    r"|^\W{0,3}i\s+(?:want|need|would\s+like|'d\s+like)\s+to\s+[a-z]+\s+my\b"
    r"|^\W{0,3}i\s+wanna\s+(?:you\s+)?[a-z]+",
    re.IGNORECASE,
)
"""The opening of a one-off request: "Develop a budget app ...", "Curate a collection ...", "I want to create ...",
"I want to review my social media content", "I wanna you make a site"."""


_TASK_OPENING = re.compile(
    r"^\W{0,3}(?:i\s+(?:want|need|would\s+like|'d\s+like|will\s+ask(?:\s+of)?)\s+you\s+to\s+(?!act\b|be\b|play\b|pretend\b|become\b|"
    r"take\s+on\b|roleplay\b|role-play\b|serve\b|imagine\b)[a-z]+)"
    r"|^\W{0,3}(?:please\s+)?(?P<verb>[A-Za-z]+)\b",
    re.IGNORECASE,
)


def is_task_instruction(text: str) -> bool:
    """True when ``text`` opens with the task itself and gives the model no role anywhere.

    "Perform a final review ...", "Extract the event information ...", "I want you to design ...", "I have a
    bug: ... Take a test-first approach", "Attached is a table. Please extract ..." (one of the first three
    sentences starts with an imperative verb of :data:`_IMPERATIVE_VERBS`, "I want you to <verb>" or "Please
    <verb>", or a heading or label names the task: ``## Your task``, ``Objective:``, ``# STEPS``; no
    :data:`ROLE_CUES`): the task names the domain, a role sentence would add little.

    Args:
        text: The instruction text (system prompt, without sample requests).
    """
    stripped = text.lstrip()
    if ROLE_CUES.search(text):
        return False
    if _REQUEST_OPENING.search(stripped):
        return True
    if any(_TASK_TITLE.match(t) for t in titles(stripped)):
        return True
    for sentence in list(directive_units(stripped[:_OPENING_SPAN]))[:3]:
        if _POLITE_REQUEST.match(sentence):
            return True
        match = _TASK_OPENING.match(sentence)
        if match is not None:
            verb = match.group("verb")
            if verb is None or verb.lower() in _IMPERATIVE_VERBS or verb.lower() in _TASK_VERBS:
                return True
    return False


_TASK_TITLE = re.compile(r"(?i)^(?:your\s+)?(?:task|tasks|objective|goal|instructions|steps)$")
"""A task heading or label (``## Your task``, ``Objective:``, ``# STEPS``): the prompt is a task specification."""
_OPENING_SPAN = 400
"""How far into the instructions (characters) the task instruction may start: its first three sentences."""
_POLITE_REQUEST = re.compile(r"^\W{0,3}(?:please\s+[a-z]+|can\s+you|could\s+you|would\s+you|help\s+me)\b",
                             re.IGNORECASE)


_TASK_VERBS = frozenset("perform develop build design curate compose draft generate plan implement prepare outline "
                        "brainstorm conduct create analyze analyse".split())


def is_one_off_request(text: str) -> bool:
    """True when ``text`` reads as a one-off request rather than standing instructions.

    It opens with a request to make something ("Develop a ...", "Write me ...", "I want to create ...",
    "Can you ...") or, in at most :data:`ONE_OFF_QUESTION_WORDS` words that never address the model, asks a
    question ("how to get partners interested", "... ?"); and it gives the model no role anywhere (no
    :data:`ROLE_CUES`).

    Args:
        text: The instruction text (system prompt, without sample requests).
    """
    if ROLE_CUES.search(text):
        return False
    if _REQUEST_OPENING.search(text.lstrip()):
        return True
    return words(text) <= ONE_OFF_QUESTION_WORDS and bool(_QUESTION.search(text)) and not _SECOND_PERSON.search(text)


ONE_OFF_QUESTION_WORDS = 60
"""A system prompt of at most this many words that asks a question ("... how to get partners interested?"), never
addresses the model ("you", "your") and gives no role is a one-off question pasted as a system prompt
(:func:`is_one_off_request`)."""
_SECOND_PERSON = re.compile(r"(?i)\b(?:you|your|yours|yourself)\b")
_QUESTION = re.compile(
    r"(?i)\b(?:how\s+(?:to|do|does|can|could|should|would|much|many)|what\s+(?:is|are|should|would|can|do)"
    r"|why\s+(?:is|are|do|does)|which\s+\w+\s+(?:is|are|should))\b|\?\s*$"
)


_NUMBER = r"(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|twenty|fifty|hundred)"
OUTPUT_CUES = re.compile(
    r"\b(?:provide|give|return|reply\s+with|respond\s+with|write|output|print)\s+only\s+(?:the\s+|a\s+|an\s+)?\w+"
    r"|\b(?:into|as)\s+(?:an?\s+)?(?:csv|json|yaml|xml|markdown|html|sql|latex)\s+(?:code\s+block|file|table|document|"
    r"list|object|array)\b"
    r"|\bsections?\s+(?:like|such\s+as|including|named|called)\s+[\"'*]?[A-Z]"
    r"|\b(?:in|within|as|into)\s+(?:a\s+)?(?:single|one)\s+(?:self-contained\s+|standalone\s+)?(?:[\w.+#-]+\s+)?file\b"
    r"|\b(?:reply|replies|respond|answer|output|return|write|format(?:ted)?)\b[^.\n]{0,80}?"
    r"\b(?:json|yaml|csv|xml|markdown|plain\s+text|format|object|list|table|bullets?|lines?|sentences?|words?|"
    r"paragraphs?|only|exactly|at\s+most|no\s+more\s+than|one|single|nothing\s+else)\b"
    rf"|\b(?:in\s+at\s+most|at\s+most|no\s+more\s+than|under|within|maximum\s+of|max|up\s+to|between)\s+{_NUMBER}"
    rf"(?:\s*(?:-|to|and)\s*{_NUMBER})?\s*(?:[-\w]+\s+)?(?:words|sentences|lines|characters|bullets|paragraphs|items)\b"
    r"|\boutput\s+format\b|\bresponse\s+format\b"
    r"|\bstructure\s+(?:your|the|each)\s+(?:response|answer|output|reply|report)s?\b"
    r"|\b(?:with|in|into|using)\s+(?:these|the\s+following)\s+(?:sections|parts|headings)\s*:"
    r"|\b(?:on|in|within|to)\s+(?:one|a\s+single|two|three|\d+)\s+(?:A4\s+|letter\s+|printed\s+)?pages?\b"
    r"|\b(?:should|must|will|shall|to)\s+(?:cover|include|contain|have|follow)\s+(?:the\s+following|these)\s+"
    r"(?:sections|parts|headings|chapters|components|elements|points|fields)\b"
    r"|\b(?:provide|include|return|give|deliver|output|respond\s+with|reply\s+with)(?:\s+the\s+following)?\s*:[ \t]*\n"
    r"[ \t]*(?:[-*•.]|\d+[.)])"
    r"|\bsection\s+(?:called|named|titled|labell?ed)\b"
    r"|\b(?:use|using)\s+(?:bulleted|bullet(?:ed)?\s+(?:points?|lists?)|numbered\s+lists?|markdown|tables?|headings|"
    r"headers|code\s+blocks?)\b"
    r"|\b(?:only\s+output|output\s+only)\b"
    r"|\byour\s+(?:response|answer|output|reply|report|summary)s?\s+(?:should|must|will|shall)\s+"
    r"(?:be|include|contain|follow|consist|have|start|begin|end|look|cover)\b"
    r"|\bformat\s+(?:your|the|it|each|all|them)\b"
    r"|\b(?:use|follow)\s+(?:this|the\s+following|these|that|the\s+same)\s+(?:structure|format|template|outline|layout|"
    r"sections?)\b"
    r"|\b(?:this|the\s+following|the\s+same|that)\s+(?:structure|format|template|layout)\b"
    r"|\b(?:deliver|produce|return|output|write|generate|use|fill\s+in)\s+(?:this|the\s+following)\s+(?:exact\s+|final\s+)?"
    r"(?:[\w-]+\s+)?(?:report|document|summary|response|reply|answer|output)\s*:"
    r"|\bformat\s+(?:as|in|into)\b"
    r"|\b(?:output|return|write|print)\s+(?:anything|nothing)\s+(?:but|besides|except|other\s+than)\b"
    rf"|\b{_NUMBER}(?:\s*(?:-|to)\s*{_NUMBER})?\s+(?:words|sentences|paragraphs|bullets|bullet\s+points|characters)\b"
    r"|\bin\s+(?:one|two|three|a\s+single)\s+(?:sentences?|paragraphs?|lines?|words?)\b"
    r"|\b(?:provide|give|present|produce|deliver|create|generate|make)\b[^.\n]{0,50}?\b(?:table|bullet(?:ed)?\s+(?:list|points)|"
    r"numbered\s+list|lists?|outline|checklist|code\s+block|markdown|\d+\s+(?:words|sentences|bullets|paragraphs|items|points|ideas))\b",
    re.IGNORECASE,
)
"""An output-format sentence: "Reply with ...", "Only output Markdown.", "Create a section called ..."."""
_NOT_A_DUTY = r"(?!\s+(?:have|need|necessarily|required)\b)"
RESTRICTION_CUES = re.compile(
    rf"\b(?:never|do\s+not{_NOT_A_DUTY}|don't{_NOT_A_DUTY}|must\s+not|mustn't|should\s+not|shouldn't|avoid|"
    r"avoiding\s+(?:any\s+)?(?:fabricat\w*|invent\w*|speculat\w*|assum\w*|guess\w*|hallucinat\w*|"
    r"making\s+up|unverified|unsupported|personal|sensitive|confidential|medical|legal|financial)|"
    r"(?:you|it)\s+(?:will|may|can|should|must)\s*(?:not|n't)(?!\s+(?:have|need)\s+to)|"
    r"only\s+(?:use|answer|discuss|reply|respond|quote|extract|include|output|return|write|provide|give|print|list|show|"
    r"focus|talk|consider|rely|ask|suggest|recommend|generate|produce|mention)|"
    r"(?:include|using|use|with|add)\s+no|no\s+(?:additional|extra|further|other|special)\s+\w+|"
    r"not\s+anything\s+else|no\s+(?:asterisks|bold|italics?|emojis?|markdown|headings|preamble|commentary|"
    r"explanations?|notes|warnings|disclaimers|apologies)|"
    r"refuse|refrain|not\s+allowed|prohibited|forbidden|nothing\s+else|strictly|exclusively|stick\s+to|"
    r"stay\s+(?:within|on\s+topic|in\s+character)|limit\s+(?:[\w-]+\s+){0,3}to|"
    r"without\s+(?:making|adding|using|including|inventing|any|the\s+use)|"
    r"(?:output|return|reply\s+with|respond\s+with|write|provide)\s+only|"
    r"(?:no\s+more\s+than|at\s+most|maximum\s+of|under|below|fewer\s+than|less\s+than)\s+\d+|"
    r"(?:[(,;]|\band)\s*no\s+(?!more\b|less\b|later\b)[a-z]+|"
    r"(?:^|(?<=[.!?:]\s)|(?<=\n))no\s+[a-z][\w-]*(?:\s+(?:of|about|on|to|for|in|with)\s+[\w-]+){0,2}"
    r"(?=\s*[.!;](?:\s|$))|"
    r"ignore\s+(?:any|all)?\s*instructions|under\s+no\s+circumstances|"
    r"treat\s+(?:it|them|the\s+\w+|everything)[^.\n]{0,40}\s+as\s+(?:data|information)|"
    r"no\s+(?:[\w-]+\s+){0,2}(?:can|may|should|must|will|shall)\s+(?:be|exceed|contain|include|go)|"
    r"only\s+(?:[a-z]+\s+){1,8}?(?:after|once|when|if|until)|"
    r"(?:focus|rely|draw)\s+(?:only\s+|solely\s+)?on\s+(?:the\s+)?(?:stated|provided|given|supplied|verifiable|verified|"
    r"known|documented)\s+(?:facts|information|data|evidence|content)|"
    r"bas(?:e|ed|es)\s+(?:(?:it|them|the\s+\w+|your\s+\w+|everything)\s+)?(?:solely|only|strictly|exclusively)\s+on|"
    r"only\s+(?:[\w'-]+\s+){0,5}?(?:can|may|must|should|shall)\s+be\s+(?:returned|used|output|given|chosen|selected|"
    r"included|mentioned)|"
    r"(?:must|should|shall)\s+(?:only\s+)?be\s+(?:within|one\s+of|(?:chosen|selected|taken)\s+(?:only\s+)?from)|"
    r"(?:answers?|respon\w+|repl\w+)\s+based\s+on\s+(?:the\s+)?(?:information|content|facts|data)\s+"
    r"(?:(?:present|provided|given|contained|shown)\s+)?in\s+the\b|"
    r"(?:make\s+sure|ensure|be\s+sure)\s+(?:that\s+)?(?:they|it|you|the\s+[\w-]+|these|those|each\s+[\w-]+)"
    r"(?:'re|'s|\s+are|\s+is|\s+do|\s+does|\s+will)?\s*(?:not|n't)\b)\b",
    re.IGNORECASE,
)
"""A restriction sentence: "Never ...", "Do not ...", "Only output ...", "nothing else" (not "you do not have to"); a
closed choice ("only the above three situations can be returned", a sentence of its own "No promises of refunds.",
"the value of category must be within ..."); an exclusion to check ("Make sure they're not competing articles");
grounding ("provide accurate answers based on the information present in the image")."""
TONE_CUES = re.compile(
    r"\b(?:tone|voice|register|formal|informal|friendly|warm|polite|courteous|concise|succinct|terse|"
    r"plain\s+(?:\w+\s+)?(?:language|english|words)|neutral|professional|empathetic|empathy|calm|direct|brief|"
    r"casual|respectful|enthusiastic|style)\b",
    re.IGNORECASE,
)
ESCALATION_CUES = re.compile(
    r"\b(?:escalat\w*|hand\s*(?:-\s*)?off|hand\s+(?:it|the\s+\w+)\s+(?:over|to)|human\s+(?:agent|specialist|review|"
    r"operator)|specialist|unclear|ambiguous|uncertain|unsure|not\s+sure|don't\s+know|do\s+not\s+know|insufficient|"
    r"not\s+enough\s+information|(?:do\s+not|don't|never)\s+(?:guess|speculate)|unable\s+to|cannot\s+(?:answer|help|determine|tell)|can't\s+(?:answer|help|"
    r"determine|tell)|out\s+of\s+scope|not\s+stated|unconfirmed|not\s+(?:yet\s+)?confirmed|missing|say\s+so|"
    r"if\s+(?:there\s+is|there\s+are)\s+no|"
    r"if\s+(?:none|nothing|no\s+\w+)|empty\s+(?:list|array|string|object)|null\b|otherwise|"
    r"if\s+(?:the|a|an)\s+\w+\s+(?:is|are)\s+not\s+(?:about|related\s+to|relevant\s+to|within))",
    re.IGNORECASE,
)

_TITLE_LINE = re.compile(
    r"^[ \t]{0,3}(?:#{1,6}[ \t]+(?P<h>[^\n]+?)[ \t#]*$"
    r"|(?:\*\*|__)(?P<b>[^*_\n]{2,60})(?:\*\*|__)[ \t]*:?[ \t]*$"
    r"|(?:[-*][ \t]+)?(?:\*\*|__)?(?P<l>[A-Za-z][A-Za-z/&' -]{1,40}?)(?:\*\*|__)?[ \t]*::?(?:\*\*|__)?(?:[ \t]|$)"
    r"|[ \t]*\"(?P<j>[A-Za-z][A-Za-z_ -]{1,40})\"[ \t]*:"
    r"|[ \t]*(?:-[ \t]+)?(?P<y>[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+){1,4})[ \t]*:(?:[ \t]|$))",
    re.MULTILINE,
)
_HEADING_LINE = re.compile(
    r"^[ \t]{0,3}(?:#{1,6}[ \t]+(?P<h>[^\n]+?)[ \t#]*|\*{1,2}[ \t]*(?P<b>[^*\n]{2,60}?)[ \t]*:?\*{1,2}[ \t]*:?)[ \t]*$"
)
"""A heading line: ``# Output format``, ``**RESPONSE FORMAT**``, ``*Response format:*``."""
_INPUT_TITLE = re.compile(r"(?i)\b(?:input|inputs|variables?|context|data|parameters|placeholders?)\b")


def output_template_lines(text: str) -> set[int]:
    """0-based numbers of the lines of ``text`` under an output-format heading (until an input heading).

    ``# Response format`` starts such a run and ``# Input`` or ``## Variables`` ends it; other headings (its
    subsections) leave it going. ``${slot}`` placeholders there are slots of the reply, not the author's.
    """
    out: set[int] = set()
    inside = False
    for number, line in enumerate(text.split("\n")):
        match = _HEADING_LINE.match(line)
        if match:
            title = (match.group("h") or match.group("b") or "").strip()
            if _INPUT_TITLE.search(title):
                inside = False
            elif OUTPUT_TITLE.search(title):
                inside = True
            continue
        if inside:
            out.add(number)
    return out


_FORMAT_LEAD = re.compile(
    r"(?i)\b(?:in|use|using|with|follow|following|into)\s+(?:exactly\s+)?(?:this|the\s+following|the)\s+"
    r"(?:format|template|structure|layout)\s*:\s*$"
)
"""A line that introduces the reply's format block: "Finally, present the result in this format:", "Your answer should
follow the format:"."""


def format_block_lines(text: str) -> set[int]:
    """0-based numbers of the lines of the block a :data:`_FORMAT_LEAD` line introduces (until a blank line or heading).

    "Present the result in this format:" followed by ``Analysis: [Your observations here]``: the block shows the
    reply; its placeholders are slots the model fills.
    """
    out: set[int] = set()
    lines = text.split("\n")
    for number, line in enumerate(lines):
        if not _FORMAT_LEAD.search(line.strip().strip("*")):
            continue
        for later in range(number + 1, len(lines)):
            if not lines[later].strip():
                if later > number + 1:
                    break
                continue
            if _HEADING_LINE.match(lines[later]):
                break
            out.add(later)
    return out


_EXAMPLE_START = re.compile(
    r"^[ \t]{0,3}(?:#{1,6}[ \t]+|\*{1,2})?[ \t]*(?:an?\s+)?(?:example|examples|sample|for\s+example)"
    r"(?:\s+(?:input\s+and\s+output|exchange|conversation|usage|format))?[ \t]*:?[ \t]*(?:\*{1,2})?[ \t]*:?[ \t]*$",
    re.IGNORECASE,
)
"""The start of an example block: ``Example:``, ``## Examples``, ``**Sample**``."""
_LABEL_LINE = re.compile(r"^[ \t]*(?:[-*][ \t]+)?(?:\*\*)?(?P<l>[A-Za-z][A-Za-z /&'-]{1,40}?)(?:\*\*)?[ \t]*:[ \t]*$")
_EXAMPLE_PART = re.compile(
    r"(?i)\b(?:input|output|user|assistant|response|answer|request|result|question|reply|message|feedback|code|"
    r"text)s?\b[\s:*]*$"
)


def example_lines(text: str) -> set[int]:
    """0-based numbers of the lines of ``text`` inside an example block.

    ``Example:`` (or ``## Examples``) starts one; its ``Input:``/``Output:`` labels belong to it; the next other
    heading or label line (``Rules:``, ``# Variables``) ends it. ``${slot}`` placeholders there illustrate
    the shape of an exchange, they are not inputs the author forgot to fill.
    """
    out: set[int] = set()
    inside = False
    for number, line in enumerate(text.split("\n")):
        if _EXAMPLE_START.match(line):
            inside = True
            continue
        heading = _HEADING_LINE.match(line)
        label = _LABEL_LINE.match(line)
        title = (heading.group("h") or heading.group("b") or "") if heading else label.group("l") if label else None
        if title is not None and not _EXAMPLE_PART.search(title.strip()):
            inside = False
            continue
        if inside:
            out.add(number)
    return out


_EXAMPLE_OUTPUT = re.compile(
    r"(?i)^(?:example\s+|sample\s+|expected\s+)?(?:output|response|reply|answer|feedback|result|assistant)s?$"
)


def shows_example_output(text: str) -> bool:
    """True when an example block of ``text`` (:func:`example_lines`) has an output part.

    ``Output:``, ``Feedback:``, ``Response:``: the example shows the shape of a reply, as few-shot examples do.
    """
    lines = text.split("\n")
    for number in example_lines(text):
        heading = _HEADING_LINE.match(lines[number])
        label = _LABEL_LINE.match(lines[number])
        title = (heading.group("h") or heading.group("b") or "") if heading else label.group("l") if label else None
        if title is not None and _EXAMPLE_OUTPUT.match(title.strip().strip("*:").strip()):
            return True
    return False


ROLE_TITLE = re.compile(r"(?i)\b(?:identity|role|persona|purpose|who\s+you\s+are|about\s+you|character|your\s+role)\b")
OUTPUT_TITLE = re.compile(
    r"(?i)^(?!.*\binput\b).*\b(?:output|outputs|format|formatting|response|responses|reply|deliverables?|"
    r"answer\s+format|report\s+structure|structure|sections|template)\b"
)
RESTRICTION_TITLE = re.compile(
    r"(?i)\b(?:rules|ground\s+rules|restrictions?|constraints?|guardrails?|limitations?|limits|boundaries|"
    r"polic(?:y|ies)|prohibitions?|prohibited|do\s+not|don'?ts|safety|never)\b"
)

TONE_TITLE = re.compile(r"(?i)\b(?:tone|style|voice)\b")
ESCALATION_TITLE = re.compile(
    r"(?i)\b(?:escalation|hand-?off|fallback|edge\s+cases?|uncertainty|when\s+unsure|out\s+of\s+scope|error\s+handling)\b"
)


def titles(text: str) -> list[str]:
    """The headings and labels of a text: ``# IDENTITY and PURPOSE``, ``**Rules**``, ``Example format:``.

    A label is a line starting with one to six words and a colon (``Rules:``, ``OUTPUT:``); its text
    after the colon is not part of the title. A prompt written as JSON or YAML has its keys as labels
    (``"output_format":`` and ``output_format:`` are ``output format``).
    """
    out = []
    for match in _TITLE_LINE.finditer(text):
        title = (match.group("h") or match.group("b") or match.group("l")
                 or (match.group("j") or match.group("y")).replace("_", " "))
        title = title.strip().strip("*_:").strip()
        if title and (match.group("l") is None or len(title.split()) <= 6):
            out.append(title)
    return out


SAMPLE_REQUEST = re.compile(
    r"\bmy\s+first\s+(?:[\w-]+\s+){0,2}?(?:request|sentence|command|question|suggestion|message|prompt|"
    r"input|task|word|topic|query|line|text|statement|problem|term|code|idea|scenario|case)s?\s+(?:is|will\s+be|are)\b"
    r"(?=[ \t]*(?:[:\-][ \t]*)?[^\s:\-])",
    re.IGNORECASE,
)
"""A sample request written for a chat window: "My first request is ...", "my first command is pwd"."""


_SAMPLE_REQUEST_LINE = re.compile(SAMPLE_REQUEST.pattern + r"[^\n]*", re.IGNORECASE)


def without_sample_requests(text: str) -> str:
    """``text`` without sample requests ("My first request is ...", to the end of the line): sample input."""
    if "first" not in text.lower():
        return text
    return _SAMPLE_REQUEST_LINE.sub("", text)


_FENCED = re.compile(r"^[ \t]*(```|~~~)[^\n]*\n.*?^[ \t]*\1[ \t]*$", re.MULTILINE | re.DOTALL)
_QUOTED_LINE = re.compile(r"^[ \t]*>.*$", re.MULTILINE)


_REFERENCE_BLOCK = re.compile(
    r"^[ \t]*(?:START|BEGIN)[ \t]+(?P<name>[A-Z][A-Z0-9 _-]{2,60}?)[ \t]*:?[ \t]*\n"
    r".*?^[ \t]*END[ \t]+(?P=name)[ \t]*:?[ \t]*$",
    re.MULTILINE | re.DOTALL,
)
"""Reference material quoted between marker lines: ``START PROMPT WRITING KNOWLEDGE`` ... ``END PROMPT WRITING
KNOWLEDGE``. Its examples and placeholders belong to the quoted documents, not to the prompt's instructions."""


def prose(text: str) -> str:
    """``text`` without fenced code blocks, ``>`` quoted lines and START/END reference blocks.

    What is left is the author's own instructions.
    """
    if "START" in text or "BEGIN" in text:
        text = _REFERENCE_BLOCK.sub("", text)
    if "```" in text or "~~~" in text:
        text = _FENCED.sub("", text)
    return _QUOTED_LINE.sub("", text) if ">" in text else text


ROLE_SECTIONS = frozenset({"role", "persona", "identity", "character", "about_you", "who_you_are", "background"})
OUTPUT_SECTIONS = frozenset(
    {"output_format", "format", "output", "response_format", "formatting", "output_schema", "json_schema", "schema",
     "answer_format", "reply_format", "response", "output_rules"}
)
RESTRICTION_SECTIONS = frozenset(
    {"restrictions", "constraints", "rules", "guardrails", "limitations", "limits", "boundaries", "policies",
     "policy", "do_not", "donts", "safety", "security"}
)
TONE_SECTIONS = frozenset({"tone", "style", "voice", "tone_and_style", "style_guide", "communication_style"})
ESCALATION_SECTIONS = frozenset(
    {"escalation", "escalations", "handoff", "hand_off", "fallback", "fallbacks", "edge_cases", "uncertainty",
     "when_unsure", "out_of_scope", "errors", "error_handling"}
)

JSON_KEY = re.compile(r"[\"']([A-Za-z_][A-Za-z0-9_\-]{0,63})[\"']\s*:")
"""A key written JSON-style in prose or in an example output: ``"name":``."""

_ASK_VERB = r"(?:reply|respond|return|output|answer|produce|emit|print|generate|format|write|give|provide|create)"
JSON_ASK = re.compile(
    rf"(?:^|\b(?:only|always|please|then|and|must|should|will|to|you)\s+){_ASK_VERB}\b[^.\n]{{0,80}}?\bJSON\b"
    r"|\b(?:your|the)\s+(?:output|response|answer|reply|result)s?\s+(?:is|are|should|must|will|shall)\b[^.\n]{0,60}?"
    r"\bJSON\b"
    r"|\b(?:in|as|into)\s+(?:a\s+|an\s+)?(?:valid\s+|strict\s+|raw\s+|pure\s+)?JSON(?:\s+(?:format|object|array))?\s*"
    r"(?:only\b|[.:]|$)",
    re.IGNORECASE,
)
"""A sentence asking for JSON output ("Reply with a JSON object", "Return JSON", "Your output is only JSON")."""

INPUT_DESCRIPTION = re.compile(
    r"^(?:the\s+|your\s+|an?\s+)?input\b|\byou\s+will\s+(?:be\s+given|receive|get|see)\b|\b(?:given|receive|provided)\s+"
    r"(?:with\s+)?(?:a|an|the)\s+(?:\w+\s+)?JSON\b|\b(?:user|i)\s+will\s+(?:provide|give|send|paste|share)\b",
    re.IGNORECASE,
)
"""A sentence describing the input ("The input is a JSON file ..."), not asking for output."""

CODE_LIKE = re.compile(
    r"\bjson\s*(?:\(|\.\w)|\w\([^)]*\)|^\s*(?:def|return|import|const|let|var|curl)\s+\S*(?:\(|=|\.\w)", re.IGNORECASE
)
"""Code rather than prose (``json.loads(...)``, ``return f(x)``)."""


def asks_for_json(unit: str) -> bool:
    """True when a directive unit asks for JSON output (see :data:`JSON_ASK`), not describing input or code."""
    if "json" not in unit.lower():
        return False
    unit = _JSON_TRANSPORT.sub("", unit)
    return bool(JSON_ASK.search(unit)) and not INPUT_DESCRIPTION.search(unit) and not CODE_LIKE.search(unit)


_JSON_TRANSPORT = re.compile(
    r"\b(?:via|over|through)\s+(?:a\s+)?JSON\b(?:\s+(?:API|endpoints?|updates?|messages?))?"
    r"|\b(?:store|stores|storing|save|saves|saving|persist|persists|cache|caches|log|logs|export|exports)\b"
    r"[^.\n]{0,40}?\b(?:in|as|to|into)\s+(?:a\s+)?JSON\b(?:\s+(?:format|files?))?",
    re.IGNORECASE,
)
"""JSON as the transport or storage of software being built ("serve the state via JSON", "store it in JSON
format"), not the reply's format."""


ANSWER_CUE = re.compile(
    r"(?im)^[^\n]{0,40}?\b(?:final\s+answer|answer|verdict|result|label|classification)\s*:"
    r"|<answer>|\bthe\s+(?:final\s+)?answer\s+is\b"
)
"""An instruction that puts the final answer on a recognisable line or tag (an answer extractor can find it)."""

MARKDOWN_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+\S")
XML_OPEN_LINE = re.compile(r"^\s*<([A-Za-z][\w.-]{0,63})(?:\s[^<>]*)?>\s*(.*)$")
FENCE = re.compile(r"^\s*(```|~~~)")
HTML_TAGS = frozenset(
    """a abbr b blockquote body br caption code dd div dl dt em footer form h1 h2 h3 h4 h5 h6 head header hr html i
    img label li nav ol p pre script small span strong style sub sup table tbody td th thead title tr u ul
    button input select option textarea svg path canvas video audio source iframe link meta main aside figure
    figcaption picture section article details summary dialog""".split()
)
"""HTML element names: markup shown in documentation or examples, not prompt structure (PROV002 skips them)."""

EXAMPLE_LABEL = re.compile(
    r"^\s*(?:[-*]\s*)?(?:\*\*|__)?(input|output|q|a|question|answer|user|assistant|human|ai|customer|agent|"
    r"text|label|example\s+input|example\s+output)(?:\*\*|__)?\s*:",
    re.IGNORECASE,
)
EXAMPLE_PAIRS = (
    ("input", "output"), ("q", "a"), ("question", "answer"), ("user", "assistant"), ("human", "assistant"),
    ("human", "ai"), ("customer", "agent"), ("text", "label"), ("example input", "example output"),
)
"""Label pairs that mark hard-coded few-shot examples when both appear at the start of template lines."""


_ENGLISH = frozenset(
    "the and you to of a is in for your with that this be are it on as or will not an if each from".split()
)


LANGUAGE_SAMPLE = 4000
"""Characters of a text read to tell its language (the start of a prompt is enough)."""
_ASCII_LETTERS = re.compile(r"[A-Za-z]")
_OTHER_LETTERS = re.compile(r"[^\W\dA-Za-z_]")
_ASCII_WORD = re.compile(r"[a-z]+")


def is_english(text: str) -> bool:
    """True when ``text`` reads as English: mostly ASCII letters, and one word in ten a common English function word.

    English prose has about four in ten; the cues of the SYS rules are English, so a prompt in another
    language (French, Chinese ...) is not judged by them. Reads the first :data:`LANGUAGE_SAMPLE` characters.
    """
    text = text[:LANGUAGE_SAMPLE]
    if not text.isascii() and len(_OTHER_LETTERS.findall(text)) > len(_ASCII_LETTERS.findall(text)):
        return False
    found = _ASCII_WORD.findall(text.lower())
    return len(found) < 5 or sum(1 for w in found if w in _ENGLISH) * 10 >= len(found)


def words(text: str) -> int:
    """Number of words (runs of letters or digits)."""
    return len(re.findall(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?", text))


def non_blank_lines(text: str) -> int:
    """Number of lines holding something other than whitespace."""
    return sum(1 for line in text.split("\n") if line.strip())


_ARTIFACTS = (
    r"reports?|essays?|articles?|blog\s+posts?|posts?|tweets?|threads?|newsletters?|press\s+releases?|summar(?:y|ies)|"
    r"abstracts?|outlines?|plans?|proposals?|roadmaps?|briefs?|briefings?|memos?|e-?mails?|letters?|resumes?|cvs?|"
    r"scripts?|screenplays?|stor(?:y|ies)|poems?|songs?|lyrics|speech(?:es)?|recipes?|menus?|itinerar(?:y|ies)|"
    r"schedules?|curricul(?:um|a)|syllab(?:us|i)|lesson\s+plans?|quiz(?:zes)?|exams?|flash\s*cards?|slides?|"
    r"presentations?|decks?|code|functions?|classes|programs?|apps?|applications?|apks?|websites?|web\s*apps?|"
    r"pages?|components?|interfaces?|uis?|screens?|apis?|backends?|frontends?|quer(?:y|ies)|sql|regex(?:es)?|"
    r"configs?|configurations?|dockerfiles?|manifests?|templates?|readmes?|documentation|docs|guides?|tutorials?|"
    r"specs?|specifications?|requirements|user\s+stories|test\s+cases?|unit\s+tests?|tests|tables?|lists?|"
    r"checklists?|diagrams?|charts?|prompts?|reviews?|critiques?|evaluations?|assessments?|ratings?|scores?|"
    r"translations?|descriptions?|captions?|headlines?|titles?|taglines?|slogans?|ad\s+copy|copy|contracts?|"
    r"policies|rules|files?|documents?|notes|minutes|transcripts?|datasets?|json|yaml|csv|markdown|html|chapters?|"
    r"books?|novels?|scenes?|dialogues?|jokes?|riddles?|puzzles?|games?|bots?|extensions?|plugins?|libraries|"
    r"modules?|pipelines?|workflows?|dashboards?|mockups?|wireframes?|logos?|names?|simulations?|"
    r"forecasts?|budgets?|invoices?|systems?|solutions?|projects?"
)
_PROCESS_OBJECTS = (
    r"input|text|content|articles?|transcripts?|documents?|code(?:base)?|data|messages?|e-?mails?|essays?|papers?|"
    r"prompts?|resumes?|cvs?|posts?|passages?|sentences?|paragraphs?|stor(?:y|ies)|files?|reports?|conversations?|"
    r"chats?|notes|books?|videos?|podcasts?|pages?|websites?|contracts?|logs?|quer(?:y|ies)|functions?|scripts?|"
    r"diffs?|pull\s+requests?|prs?|tickets?|reviews?|feedback|responses?|answers?|outputs?|submissions?|"
    r"descriptions?|requirements?|specs?|proposals?|plans?|repositor(?:y|ies)|applications?|candidates?|"
    r"transactions?|invoices?|receipts?|records?|results?|images?|screenshots?|tables?|spreadsheets?|datasets?"
)
_DOCUMENTS = (
    r"reports?|summar(?:y|ies)|outlines?|plans?|proposals?|roadmaps?|briefs?|briefings?|memos?|e-?mails?|letters?|"
    r"scripts?|recipes?|menus?|itinerar(?:y|ies)|schedules?|code|configs?|configurations?|templates?|documents?|"
    r"documentation|specs?|specifications?|tables?|lists?|checklists?|diagrams?|charts?|budgets?|forecasts?|"
    r"drafts?|translations?|files?|json|yaml|csv|markdown|html|snippets?|implementations?|designs?|mockups?"
)
"""Documents a delivery verb ("provide", "give", "suggest") names as a deliverable; "provide tips, questions or
lessons" is conversation, "provide a report" is a deliverable."""
_DETERMINER = (
    r"(?:(?:a|an|the|me|us|my|your|their|his|her|its|this|that|these|some|one|two|three|four|five|ten|several|"
    r"multiple|each|complete|full|\d+)\s+)?"
)
_PROCESS_INPUT = (
    r"\b(?:(?:summari[sz]|extract|classif|categori[sz]|translat|rewrit|rephras|paraphras|convert|transform|"
    r"proofread|refactor|review|evaluat|assess|critiqu|analy[sz]|label|annotat|condens|shorten|simplif|improv|edit|"
    r"correct|audit|debug|fix|optimi[sz])(?:e|es|ed|ing|s|y|ies|ying)?|(?:grad|scor|rat|pars)(?:e|es|ed|ing)"
    r"|tag(?:s|ged|ging)?)\s+"
    r"(?:(?:the|this|that|these|those|my|your|a|an|any|each|every|given|provided|following|user's|users'|user|"
    r"submitted|incoming|supplied|pasted|candidates'|their)\s+)*(?:[\w'-]+\s+){0,2}?"
    rf"(?:{_PROCESS_OBJECTS})\b"
    r"|\b(?:from|in)\s+the\s+(?:input|provided\s+\w+|given\s+\w+|attached\s+\w+)\b"
    r"|\b(?:take|takes|taking|given|receive|receives|you\s+will\s+(?:be\s+given|receive|get))\s+"
    r"(?:(?:an?|the|some)\s+)?(?:[\w'-]+\s+){0,3}?(?:as\s+)?input\b"
    r"|\b(?:takes?|taking)\s+(?:the\s+)?(?:user(?:-|\s+)?)?(?:input|prompt|text)s?\b"
)
PROCESSES_INPUT = re.compile(_PROCESS_INPUT, re.IGNORECASE)
"""Supplied input to process: "summarize the transcript", "analyze resumes", "from the input", "takes user prompts"."""
DELIVERABLE = re.compile(
    r"\b(?:write|writes|writing|create|creates|creating|generate|generates|generating|produce|produces|producing|"
    r"draft|drafts|drafting|compose|composes|composing|prepare|prepares|preparing|design|designs|designing|build|"
    r"builds|building|develop|develops|developing|implement|implements|implementing|make|makes|craft|crafts|"
    r"crafting|code|program|output|outputs|return|returns|compile|compiles|put\s+together|"
    r"write\s+up|come\s+up\s+with)\s+"
    rf"{_DETERMINER}(?:[\w'/-]+\s+){{0,3}}?(?:{_ARTIFACTS})\b"
    r"|\b(?:provide|provides|providing|give|gives|giving|suggest|suggests|suggesting|propose|proposes|offer|offers|"
    r"deliver|delivers|send|sends)\s+"
    rf"{_DETERMINER}(?:[\w'/-]+\s+){{0,3}}?(?:{_DOCUMENTS})\b"
    + "|" + _PROCESS_INPUT + "|"
    r"\b(?:set\s+up|setting\s+up|configure|configuring|deploy|deploying|install|integrate|integrating|simulate|"
    r"automate|scaffold|prototype|migrate)\b(?!\s+(?:and|or|with|into|within|in|to|of|for|across|between)\b)"
    r"(?=\s+\w)",
    re.IGNORECASE,
)
"""A deliverable: an artifact to make ("write a report", "build a web app", "suggest recipes"), an input to process
into one ("summarize the transcript", "analyze resumes", "extract ... from the input", "takes ... as input") or
work whose product is configuration or code ("set up", "configure", "deploy", "simulate"). A prompt without one
sets up a conversation: its replies are chat turns (SYS003 at info)."""


def deliverable(text: str) -> str | None:
    """The phrase that names the prompt's deliverable (:data:`DELIVERABLE`), or None for a conversational prompt.

    A match right after advice about it ("guide the user in designing ...", "tips on setting up ...",
    :data:`_ADVISING`), or in a list introduced by "Your task is to help users:", does not count: the user makes
    it, the model advises. A strong deliverable
    (:func:`strong_deliverable`) is preferred to a weak one when the text names both.

    Args:
        text: The instruction text (system prompt, without sample requests).
    """
    weak = None
    for match in DELIVERABLE.finditer(text):
        advice = _ADVISING.search(text[max(0, match.start() - 60): match.start()])
        if not advice and not _advised_item(text, match.start()):
            phrase = match.group(0)
            if _SIMULATE.fullmatch(phrase) and _SIMULATED.match(text, match.end()):
                phrase = text[match.start(): match.end() + 40].split("\n")[0]
            if strong_deliverable(phrase):
                return phrase
            weak = weak or phrase
    return weak


WEAK_DELIVERABLE = re.compile(
    r"\b(?:integrat\w*|stor(?:y|ies)|poems?|songs?|lyrics|novels?|books?|chapters?|scenes?|dialogues?|jokes?|"
    r"riddles?|screenplays?|names?|slogans?|taglines?|headlines?|captions?)\b"
    r"|^simulat\w*\s+(?:an?\s+|the\s+)?(?:[\w'-]+\s+){0,3}?(?:experiences?|environments?|worlds?|games?|consoles?|"
    r"pets?|characters?|conversations?|interviews?|terminals?|machines?|computers?|systems?|scenarios?|adventures?)\b",
    re.IGNORECASE,
)
"""Weak evidence of a deliverable whose form is open (SYS003 at info when it is the only one): a simulated experience
("simulate an immersive VR experience", "simulate a game console": each reply is a turn of it), creative writing
("create a story", "write a book": the genre sets the form), a short creative line (a name, slogan, headline), or
integration ("integrate X": usually advice about wiring things together, not a product handed over). Simulated
figures ("simulate potential profits") and games to build ("develop a shooter game") are strong evidence."""
_SIMULATE = re.compile(r"(?i)simulat\w*")
_SIMULATED = re.compile(r"\s+(?:an?\s+|the\s+)?(?:[\w'-]+\s+){0,3}?\w+")


def strong_deliverable(phrase: str | None) -> bool:
    """True when a :func:`deliverable` phrase is strong evidence: not one of :data:`WEAK_DELIVERABLE`."""
    return phrase is not None and not WEAK_DELIVERABLE.search(phrase)


_ITEM = re.compile(r"^\s*(?:[-*•+]|\d+[.)])\s+")
_ADVISING_LEAD = re.compile(
    r"(?i)\b(?:help|helps|helping|assist|assists|assisting|guide|guides|guiding|support|supports|coach|teach)\s+"
    r"(?:the\s+)?(?:users?|me|people|students?|learners?|clients?|beginners?|them|individuals|businesses|teams?)"
    r"(?:\s+(?:to|in|with))?\s*:\s*$"
)


def _advised_item(text: str, at: int) -> bool:
    """True when position ``at`` is in a list item introduced by "help users:" (the user does it, the model helps)."""
    start = text.rfind("\n", 0, at) + 1
    if not _ITEM.match(text[start:at]):
        return False
    while start > 0:
        prev = text.rfind("\n", 0, start - 1) + 1
        line = text[prev:start - 1]
        if line.strip() and not _ITEM.match(line):
            return bool(_ADVISING_LEAD.search(line))
        start = prev
    return False


_ADVISING = re.compile(
    r"\b(?:guide|guides|guiding|guidance|help|helps|helping|teach|teaches|teaching|advise|advises|advising|advice|"
    r"assist|assists|assisting|coach|coaching|tips|explain|explaining)\b"
    r"(?:\s+(?:the\s+)?(?:user|users|me|people|students?|learners?|clients?|beginners?|them))?"
    r"\s+(?:on|in|with|through|about|for|to|into)\s+(?:[\w'-]+\s+){0,5}$"
    r"|\b(?:explain|explains|explaining|show|shows|teach|teaches|describe|describes|tell)\s+(?:\w+\s+)?how\s+to\s+$",
    re.IGNORECASE,
)
"""Advice about making something ("guide the user in designing ...", "tips on setting up ...", "explain how to set
up ..."): the user makes it, the model advises; not a deliverable of the prompt."""


STAKES_CUES = re.compile(
    r"\b(?:facts?|factual|accura\w+|data|statistic\w*|figures|prices?|pricing|costs?|fees?|numbers|dates|"
    r"research\w*|sources?|cit(?:e|es|ing|ations?)|references?|evidence|quotes?|news|history|historical|science|"
    r"scientific|legal|laws?|lawyers?|legislation|bills?|regulat\w+|contracts?|agreements?|confidential\w*|"
    r"liabilit\w*|intellectual\s+property|indemn\w*|medical|medicine|health|symptoms?|"
    r"diagnos\w*|treatments?|therap\w+|patients?|clinical|drugs?|nutrition\w*|financ\w*|invest\w*|stocks?|budgets?|income|expenses?|"
    r"tax\w*|bank\w*|insurance|security|vulnerab\w*|complian\w*|safety|verif\w*|analy[sz]\w*|extract\w*|"
    r"(?:use|call|invoke|with|have|access\s+to)\s+(?:the\s+|these\s+|your\s+|its\s+)?(?:[\w-]+\s+)?tools?|"
    r"tool\s+(?:calls?|use)|function\s+calls?|"
    r"code|api|tools?|functions?|commands?|database|transcripts?|articles?|reports?|documents?|logs?|resumes?|"
    r"cvs?|information|knowledge|context|customer\s+(?:support|service|care|success|inquir\w+|questions?|requests?|"
    r"tickets?|complaints?|data|records?)|"
    r"(?:assistant|agent|bot|chatbot|support|service)\s+(?:for|to)\s+(?:the\s+|our\s+|its\s+)?customers|"
    r"(?:help|helps|helping|serve|serves|serving|assist|assists|assisting|answer|answers|answering|support|supports)\s+"
    r"(?:the\s+|our\s+|its\s+)?customers|customers\s+(?:ask|asks|write|contact|call|message|email)\b|"
    r"customers?|clients?|personal|privacy|stay\s+in\s+character|"
    r"answer\w*\s+(?:\w+\s+){0,2}questions)\b",
    re.IGNORECASE,
)
"""Stakes: facts, figures, sources, a field with stakes (legal, medical, financial, security), supplied material
to extract from or analyse, knowledge questions, tools, customers, or a role-play that must stay in character:
a task whose output can be wrong in a way that matters, not only dull. Input to transform (:data:`PROCESSES_INPUT`)
counts too: the output must stay faithful to it."""


WEAK_STAKES = re.compile(r"(?i)^(?:data|information|knowledge|context|clients?|customers?|tools?|analy[sz]\w*)$")
"""Cues of :data:`STAKES_CUES` that are weak evidence alone: words almost every prompt uses ("information",
"context", "data", "knowledge", "analysis"), a client or customer as the audience of creative or advisory work
(a florist's customer, a brand's customers: taste, not correctness), and tools named in passing ("AI tools" in a
cover letter). With only these, SYS004 is info; any other cue (facts, figures, sources, a field with stakes, supplied
material, function or tool calls, customer support or service, an assistant that serves or answers customers,
knowledge questions) or input to process is strong."""


def has_stakes(text: str) -> bool:
    """True when ``text`` names something a reply can get wrong in a way that matters (:data:`STAKES_CUES`).

    Args:
        text: The instruction text (system prompt, without sample requests).
    """
    return bool(STAKES_CUES.search(text) or PROCESSES_INPUT.search(text))


INVITES_INVENTION = re.compile(
    r"(?i)\b(?:feel\s+free\s+to\s+(?:make\s+up|invent|imagine|embellish|fabricate)"
    r"|make\s+up\s+(?:a|an|some|your\s+own)\s+(?!(?:large|small|big|majority|part|portion|share|third|quarter|half)\b)"
    r"|(?:freely\s+)?invent\s+(?:a|an|the|some|new|your\s+own)|fictional|fictitious|imaginary)\b"
)
"""The prompt permits invention ("feel free to make up a potential location", "invent a new product", fictional
characters): it chose creativity over correctness, and a restriction against invention would contradict it (SYS004 at
info)."""


BUILD_TASK = re.compile(
    r"(?i)\b(?:build|builds|building|develop|develops|developing|create|creates|creating|implement|implements|"
    r"implementing|code|program|make|makes|making|write|writes|writing)\s+(?:(?:a|an|the|me|my|our|your|some|\d+)\s+)?"
    r"(?:[\w'/.-]+\s+){0,4}?(?:apps?|applications?|web\s*apps?|websites?|sites?|web\s*pages?|landing\s+pages?|scripts?|"
    r"programs?|cli|command-line\s+tools?|components?|forms?|dashboards?|games?|extensions?|plugins?|bots?|backends?|"
    r"frontends?|user\s+interfaces?|uis?|snippets?|functions?|modules?|librar(?:y|ies)|prototypes?)\b"
)
"""A build task: software to write ("build a POS application", "create professional Bash scripts", "I wanna you make
a online site"). Its restrictions refine the specification (SYS004 at info) unless :data:`BUILD_STAKES` are named."""
BUILD_STAKES = re.compile(
    r"(?i)\b(?:secur\w*|vulnerab\w*|exploit\w*|privacy|private|personal\s+(?:data|information)|pii|gdpr|hipaa|"
    r"payments?|credit\s+cards?|credentials?|passwords?|secrets?|api\s+keys?|tokens?|auth\w*|login|sign\s*in|"
    r"medical|patients?|health|legal|complian\w*|financ\w*|invest\w*|bank\w*|destructive|delet\w*|"
    r"production\s+(?:data|databases?|servers?|environments?|systems?|clusters?)|(?:deploy\w*|push\w*|releas\w*)\s+(?:\w+\s+){0,2}?to\s+production|"
    r"customers?'?\s+data|user\s+data)\b"
)
"""What a restriction in a build prompt protects: security, privacy, payments, credentials, medical, legal or
financial data, destructive or production actions. Named, SYS004 stays a warning for a build task."""


DIVERGENT = re.compile(
    r"(?i)\b(?:divergent|brainstorm\w*|(?:set|list)\s+of\s+(?:[\w-]+\s+){0,3}questions"
    r"|(?:generate|create|write|output|produce)\s+(?:[\w-]+\s+){0,4}questions)\b"
)
"""Divergent output: questions to ask ("a set of secure-by-design questions"), ideas to explore ("brainstorm",
"divergent thinking"). It asserts nothing a restriction against invention would guard (SYS004 at info)."""


def stakes(text: str) -> tuple[str | None, bool]:
    """``(cue, strong)``: the first strong stakes cue of ``text``, else its first weak one (:data:`WEAK_STAKES`).

    ``(None, False)`` when there is none (:func:`has_stakes` is False).

    Args:
        text: The instruction text (system prompt, without sample requests).
    """
    processed = PROCESSES_INPUT.search(text)
    if processed:
        return processed.group(0), True
    weak = None
    for match in STAKES_CUES.finditer(text):
        if not WEAK_STAKES.match(match.group(0)):
            return match.group(0), True
        weak = weak or match.group(0)
    return weak, False


EXPLICIT_CONSUMER = re.compile(
    r"\b(?:parsed|parseable|parsable|parser|machine-readable|programmatic(?:ally)?|downstream|webhook)\b"
    r"|\b(?:it|they)\s+(?:is|are|will\s+be|gets?)\s+(?:then\s+)?(?:parsed|imported|fed|inserted|loaded|ingested|piped)"
    r"\s+(?:into|by|to)\b"
    r"|\b(?:your|the|this|each|every)\s+(?:output|response|reply|answer|result|report|summary|plan|list|table|file|"
    r"data|json)s?\s+(?:[\w-]+\s+){0,6}?"
    r"(?:is|are|will\s+be|gets?|must\s+be|should\s+be|can\s+be)\s+(?:\w+\s+){0,2}?(?:parsed|consumed|fed|imported|"
    r"inserted|loaded|displayed|rendered|shown|processed|stored|passed|posted|pasted|piped|ingested|read\s+by|"
    r"used\s+by)\b"
    r"|\b(?:consume|consumes|ingest|ingests|feed|feeds|import|imports|load|loads|display|displays|render|renders)\s+"
    r"(?:your|the|this|its|each)\s+(?:output|response|reply|answer|result)s?\b"
    r"|\b(?:as|into|is|be|becomes?)\s+(?:the\s+|an?\s+)?(?:json\s+)?(?:api|endpoint)\s+(?:response|payload)s?\b"
    r"|\b(?:api|endpoint)\s+consumers?\b"
    r"|\b(?:the\s+following|these|required|output)\s+(?:fields|columns|keys)\b"
    r"|\b(?:into|in|to)\s+(?:a|an|the|our|my|your)\s+(?:csv|spreadsheet|database|crm|ticketing\s+system|form)\b",
    re.IGNORECASE,
)
"""The prompt says a program, a parser, a pipeline, a UI or a form consumes the output: "parsed", "machine-readable",
"downstream", "the summary is inserted into ...", the output as an API response ("return it as the API response"; an
API response the prompt is about, "reading data from a SOAP API response", is input, not a consumer), required
fields or columns, a spreadsheet, database or form it goes into. Overrides the conversational demotion: a chat reply
that a program reads has a contract."""
CONSUMER = re.compile(
    EXPLICIT_CONSUMER.pattern +
    r"|\b(?:prioriti[sz]e|rank|triage)\s+(?:the\s+|all\s+|these\s+)?(?:\w+\s+){0,2}?(?:remediation|alerts?|issues?|"
    r"findings?|vulnerabilit(?:y|ies)|tickets?|bugs?|incidents?|tasks?|items?|fixes|actions?)\b"
    r"|\brank(?:s|ed|ing)?\s+(?:them|these|those|the|all|each|every)\b"
    r"|\b(?:extract|extracts|extracting|pull\s+out)\s+(?!(?:[\w'-]+\s+){0,2}?(?:insights?|wisdom|ideas?|lessons?|"
    r"meaning|value|takeaways?|key\s+points)\b)(?:[\w'-]+\s+){0,5}?from\b"
    r"|\b(?:classify|classifies|classifying|categori[sz]e|categori[sz]es|label|labels|tag|tags)\s+"
    r"(?:[\w'-]+\s+){0,5}?(?:into|as|with|by)\b",
    re.IGNORECASE,
)
"""Something consumes the output, so its form is a contract (SYS003 stays a warning): :data:`EXPLICIT_CONSUMER`, a
triage or ranking a team works through in order, or data taken out of supplied material ("extract ... from",
"classify ... into"): values a program stores or compares, not prose read once."""


_AMBIGUOUS_EITHER = re.compile(
    r"\b(?:corrections?|suggestions?|feedback|edits?|revisions?|code|pseudo-?code|diagrams?|tables?|lists?|reports?|"
    r"summar(?:y|ies)|scripts?|rewrites?|(?:revised|corrected|rewritten|improved)\s+(?:text|version))\s+(?:and/)?or\s+"
    r"(?:\w+\s+){0,2}?(?:corrections?|suggestions?|feedback|edits?|revisions?|code|pseudo-?code|diagrams?|tables?|"
    r"lists?|reports?|summar(?:y|ies)|scripts?|rewrites?|text|versions?)\b",
    re.IGNORECASE,
)
_LANGUAGE_ERROR = (
    r"(?:spelling|grammar|grammatical|punctuation|typographical|typo|formatting|language|writing|style|syntax)"
)
_AMBIGUOUS_CORRECTION = re.compile(
    r"\bproofread\w*\b|\b(?:correct|fix|identify|find|check|review|spot|flag|detect|highlight|point\s+out)\w*\s+"
    rf"(?:[\w'-]+\s+){{0,8}}?{_LANGUAGE_ERROR}(?:,?\s+(?:(?:and|or)\s+)?{_LANGUAGE_ERROR})*\s+(?:errors?|mistakes?)\b",
    re.IGNORECASE,
)
_CORRECTION_FORM = re.compile(
    r"\b(?:return|reply\s+with|respond\s+with|output|give|provide|write|show)\s+(?:me\s+)?(?:only\s+)?(?:the\s+|a\s+)?"
    r"(?:(?:corrected|revised|edited|fixed|improved|rewritten|proofread)\s+(?:text|version|document|sentence|paragraph)"
    r"|list\s+of\s+(?:the\s+)?(?:changes|corrections|errors|edits))\b",
    re.IGNORECASE,
)
_ABSTRACT_BUILD = re.compile(
    r"(?:^|\n|[.!:]\s|\bto\s|\bwill\s|\bplease\s|[-*•]\s)\s*(?:build|develop|create|design|implement|make|construct)\s+"
    r"(?:(?:a|an|the|your|my|our)\s+)?(?:[\w'/-]+\s+){0,4}?"
    r"(?<!logical\s)(?<!conceptual\s)(?<!mental\s)(?<!theoretical\s)(?<!analytical\s)(?<!decision\s)"
    r"(?<!ethical\s)(?<!moral\s)"
    r"(?:system|tool|converter|engine|framework|platform|algorithms?|solution|wireframes?|prototypes?|mockups?|"
    r"visual\s+designs?|layouts?|floor\s+plans?)\b",
    re.IGNORECASE,
)
_BUILD_LEAD = re.compile(r"(?i)^[\s.!:*•-]*(?:(?:to|will|please)\s+)?")
STACK = re.compile(
    r"\b(?:html5?|css3?|javascript|typescript|js|jsx|tsx|python|java|kotlin|swiftui|dart|flutter|react\.?js|reactjs|"
    r"react\s+native|react(?=\s*(?:,|/|\band\b|app|components?|hooks?|frontend))|vue|angular|"
    r"svelte|next\.?js|node(?:\.js)?|django|flask|fastapi|ruby|php|laravel|golang|rust|sql|postgres\w*|mysql|"
    r"sqlite|mongodb|bash|powershell|microsoft\s+excel|excel\s+(?:sheets?|spreadsheets?|workbooks?|files?|formulas?)|"
    r"google\s+sheets|figma|tailwind|bootstrap|unreal|godot|android|ios|solidity|matlab|vba|apps\s+script|"
    r"airtable|zapier|n8n|terraform|docker|kubernetes|arduino|raspberry\s+pi|lua|scala|haskell|elixir|"
    r"spring\s+boot|wordpress|shopify|webflow|streamlit|gradio|pine\s*script|mql[45]|web\s*pages?|landing\s+pages?|"
    r"websites?)\b"
    r"|(?<![\w.])(?:c\+\+|c#|\.net)(?![\w])",
    re.IGNORECASE,
)
"""A language, stack, file type or tool that sets the form of what is built (an app "in HTML5, CSS3 and JavaScript")."""


_SHORT_LANGUAGE = re.compile(r"\b(?:in|using|with|written\s+in)\s+(?:C|R|Go|D)\b(?![+#\w])")
"""A one-letter (or two-letter) language named: "a memory profiling tool in C" (case-sensitive)."""


def names_stack(text: str) -> bool:
    """True when ``text`` names a language, stack, file type or tool that sets a build's form (:data:`STACK`)."""
    return bool(STACK.search(text) or _SHORT_LANGUAGE.search(text))


def consumer(text: str) -> str | None:
    """The phrase saying something consumes the output (:data:`CONSUMER`), or None.

    Args:
        text: The instruction text (system prompt, without sample requests).
    """
    match = CONSUMER.search(text)
    return match.group(0) if match else None


def ambiguous_deliverable(text: str) -> str | None:
    """Why the deliverable's form is genuinely open, or None when its form is conventional.

    Three cases, each a reply that could reasonably take very different forms: alternatives joined by "or"
    ("corrections or suggestions", "code or pseudocode"); corrections to supplied text (proofreading, spelling
    or grammar errors) without saying whether to return the corrected text or a list of changes; an abstract
    build (a system, tool, converter, engine, framework, platform, algorithm, solution, or wireframes, prototypes,
    mockups, layouts: :data:`_ABSTRACT_BUILD`) with no language, stack or file type named (:data:`STACK`): code, a
    design document or rules could all answer it. An app, a game or a website is software whose genre sets the form
    (its stack, when named, even more so): not an abstract build.

    Args:
        text: The instruction text (system prompt, without sample requests).

    Returns:
        A short phrase for the finding's message, or None.
    """
    either = _AMBIGUOUS_EITHER.search(text)
    if either:
        return f"{either.group(0)!r}: either could be delivered"
    correction = _AMBIGUOUS_CORRECTION.search(text)
    if correction and not _CORRECTION_FORM.search(text):
        return f"{correction.group(0)!r}: the corrected text or a list of changes?"
    build = _ABSTRACT_BUILD.search(text)
    if build and not names_stack(text):
        phrase = _BUILD_LEAD.sub("", build.group(0))
        return f"{phrase!r} with no language or stack named: code, a design or a document?"
    return None


CLOSED_OUTPUT = re.compile(
    r"\b(?:scores?|rate|rates|rating|ratings|grade|stars?|scale|range|integer|number|value|metric)\b[^.\n]{0,60}?"
    r"\b(?:between|from|of)\s+(?:one|zero|\d+(?:\.\d+)?)\s*(?:and|to|-)\s*(?:three|four|five|seven|ten|\d+(?:\.\d+)?)\b"
    r"|\b(?:likert|rating)\s+scale\b|\b\d+\s*-\s*\d+\s+(?:scale|stars|score|rating)\b"
    r"|\breturn\s+(?:1|yes|true)\b[^.\n]{0,40}?\b(?:otherwise|else|or)\s+(?:return\s+)?(?:0|no|false)\b"
    r"|\b(?:answer|reply|respond|output|return)\s+(?:with\s+)?(?:only\s+)?[\"'`]?(?:yes|true)[\"'`]?\s+or\s+[\"'`]?"
    r"(?:no|false)\b"
    r"|\bverdict\b"
    r"|\b(?:classify|determine|decide|check|judge|verify)\s+(?:if|whether)\b[^.\n]{0,150}?\bor\s+not\b"
    r"|\b(?:classify|categori[sz]e|label|assign)\b[^.\n]{0,80}?\b(?:into|as|to)\s+(?:(?:exactly\s+)?one\s+of\s+)?"
    r"(?:the\s+following|these|those)\b"
    r"|\bone\s+of\s+the\s+following\s+(?:\w+\s+)?(?:categories|labels|classes|types|values|options|intents?)\b",
    re.IGNORECASE,
)
"""A closed output set: a score or rating in a range ("an integer between 1 and 5", "score ... from one to five
stars", "on a Likert scale"), a binary answer ("return 1, otherwise return 0", "answer yes or no", "classify if the
sentence can be attributed to the context or not"), a verdict, a label
from a list ("classify ... into one of the following categories"). The output of an LLM-as-judge scorer or a
classifier: a restriction has nothing to narrow there (SYS004 at info)."""


_JUDGE_VERB = (r"(?:scor\w*|rate|rating|grade|evaluat\w*|assess\w*|judge|classif\w*|categori[sz]\w*|label|verdict|"
               r"validat\w*|(?:determine|check|answer|decide|tell)\s+(?:whether|if))")
JUDGE_TASK = re.compile(
    rf"(?i)^\W*(?:(?:please|therefore|now|first)\s*,?\s*)*{_JUDGE_VERB}\b"
    rf"|^\W*given\b[^\n]{{0,200}}?\b{_JUDGE_VERB}\b"
    rf"|\b(?:task|job|goal|role|purpose)\s+(?:here\s+)?is\s+to\s+(?:\w+\s+){{0,3}}?{_JUDGE_VERB}\b"
    r"|\bevaluation\s+(?:metric|score|criteria)\b"
)
"""A judging task stated: a sentence opening with the verb ("Classify the user intention ...", "Verdict a question
...", "Please score ...", "Given a context and a ground truth, ... classify if ...") or naming it as the task ("Your
task is to check and rate ...", "The task is to score ...", "compute an accurate evaluation score using the provided
evaluation metric")."""
OPEN_ALONGSIDE = re.compile(r"(?i)\b(?:feedback|recommendations?|advice|improvements?|suggestions?|actionable)\b")
"""Open guidance asked for beside a score ("actionable scores ... and concise feedback to the salesperson"): the
output is not a closed set, a restriction still has something to narrow."""
JUDGE_SPAN = 800
"""How far into the instructions (characters) the judging task must be stated for :func:`closed_output`."""


def closed_output(text: str) -> str | None:
    """The phrase saying the output is a closed set (:data:`CLOSED_OUTPUT`), or None.

    Only for a judging task: the opening (:data:`JUDGE_SPAN` characters) states one (:data:`JUDGE_TASK`: "Your task is
    to score ...", "classify a given url ...", "compute an accurate evaluation score"). A presentation analysis that
    also gives "a score of 1-10" among its sections, or a report with a VERDICT heading, has open output besides; so
    has a rater that also gives feedback, advice or recommendations (:data:`OPEN_ALONGSIDE`).

    Args:
        text: The instruction text (every message, without sample requests).
    """
    opening = list(directive_units(text[:JUDGE_SPAN]))
    if not any(JUDGE_TASK.search(unit) for unit in opening) or OPEN_ALONGSIDE.search(text):
        return None
    match = CLOSED_OUTPUT.search(text)
    return match.group(0) if match else None


_STATED_TASK = re.compile(
    r"(?i)^given\b[^,\n]{0,200},\s*(?:please\s+)?(?P<b>[a-z]+)\b"
    r"|^(?:(?:therefore|so|now|then|first)\s*,?\s*)?(?:please\s+)?(?P<a>[a-z]+)\b"
    r"|\b(?:your|the)\s+(?:main\s+|primary\s+)?task\s+(?:here\s+)?is\s+to\s+(?P<c>[a-z]+)\b"
)
STATED_TASK_SPAN = 800
"""How far into the instructions (characters) :func:`stated_task` looks for the task sentence."""


def stated_task(text: str) -> str | None:
    """The sentence stating the task plainly in the opening of ``text``, or None.

    A sentence within the first :data:`STATED_TASK_SPAN` characters that opens with an imperative ("Therefore, please
    classify user intentions into ...", "Rephrase ..."), with "Given ..., <verb>" ("Given the following conversation
    history and the user's next question, rephrase the question ...") or names the task ("The task is to score the
    relevance ..."): a classification, rewrite or scoring task stated this way names its domain, and a role sentence
    would add little (SYS002 at info).

    Args:
        text: The instruction text (every message, without sample requests).
    """
    for unit in directive_units(text[:STATED_TASK_SPAN]):
        match = _STATED_TASK.search(unit)
        if match is None:
            continue
        verb = (match.group("a") or match.group("b") or match.group("c") or "").lower()
        if verb in _IMPERATIVE_VERBS or verb in _TASK_VERBS:
            return unit
    return None
