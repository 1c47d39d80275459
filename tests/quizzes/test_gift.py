"""GIFT read and written (quizzes/gift.py): Moodle's grammar, case by case, with the cases of
Moodle's own tests (question/format/gift/tests/giftformat_test.php) where they apply, every
error with its line, and a round trip over every type."""

from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from quizzes import gift
from quizzes.gift import GiftErrors, parse, write


@pytest.fixture(autouse=True)
def in_english():
    """The messages are read here in English (their message ids); the API and the import page
    answer in their request's language (tests/pages, tests/api)."""
    with translation.override("en"):
        yield


def one(text: str) -> gift.GiftQuestion:
    result = parse(text)
    assert len(result.questions) == 1, result.questions
    return result.questions[0]


# --- Moodle's own test cases (giftformat_test.php), as Lencana keeps them ---


def test_moodle_essay():
    q = one("// essay\n::Q8:: How are you? {}")
    assert (q.type, q.name, q.text, q.text_format) == ("essay", "Q8", "How are you?", "moodle")
    assert q.content == {"rubric": []}


def test_moodle_match_with_formats_and_an_extra_answer():
    q = one(
        "// question: 2  name: Moodle activities\n"
        "::Moodle activities::[html]Match the <b>activity</b> to the description.{\n"
        "    =[html]An activity supporting asynchronous discussions. -> Forum\n"
        "    =[moodle]A teacher asks a question and specifies a choice of multiple responses. -> Choice\n"
        "    =[plain]A bank of record entries which participants can add to. -> Database\n"
        "    =[markdown]A collection of web pages that anyone can add to or edit. -> Wiki\n"
        "    = -> Chat\n"
        "}"
    )
    assert (q.type, q.name, q.text_format) == ("matching", "Moodle activities", "html")
    assert q.text == "Match the <b>activity</b> to the description."
    assert q.content["pairs"] == [
        {"prompt": "An activity supporting asynchronous discussions.", "answer": "Forum"},
        {
            "prompt": "A teacher asks a question and specifies a choice of multiple responses.",
            "answer": "Choice",
        },
        {"prompt": "A bank of record entries which participants can add to.", "answer": "Database"},
        {"prompt": "A collection of web pages that anyone can add to or edit.", "answer": "Wiki"},
        {"prompt": "", "answer": "Chat"},
    ]


def test_moodle_multichoice_with_feedback():
    q = one(
        "// multiple choice with specified feedback for right and wrong answers\n"
        "::Q2:: What's between orange and green in the spectrum?\n"
        "{\n    =yellow # right; good!\n    ~red # [html]wrong, it's yellow\n"
        "    ~[plain]blue # wrong, it's yellow\n}"
    )
    assert (q.type, q.name, q.text) == ("single", "Q2", "What's between orange and green in the spectrum?")
    assert q.choices == [
        {"text": "yellow", "is_correct": True, "feedback": "right; good!"},
        {"text": "red", "is_correct": False, "feedback": "wrong, it's yellow"},
        {"text": "blue", "is_correct": False, "feedback": "wrong, it's yellow"},
    ]


def test_moodle_multichoice_multi_with_weights():
    q = one(
        "::colours:: What's between orange and green in the spectrum?\n"
        "{\n    ~%50%yellow # right; good!\n    ~%-100%red # [html]wrong\n"
        "    ~%50%off-beige # right; good!\n    ~%-100%[plain]blue # wrong\n}"
    )
    assert q.type == "multiple"
    assert [(c["text"], c["weight"]) for c in q.choices] == [
        ("yellow", 50),
        ("red", -100),
        ("off-beige", 50),
        ("blue", -100),
    ]


def test_moodle_multichoice_thirds():
    q = one("::thirds:: Pick {~%33.33333%a ~%33.33333%b ~%33.33333%c ~%-100%d}")
    assert [c["weight"] for c in q.choices] == [33, 33, 33, -100]


def test_moodle_numerical_with_feedback_and_a_catch_all():
    q = one("// numerical\n::Q5:: What is a number from 1 to 5? {#3:2 ~#Completely wrong}")
    assert q.type == "numeric"
    assert q.content["answers"] == [{"value": "3", "tolerance": "2", "weight": 100, "feedback": ""}]
    assert q.general_feedback == "Completely wrong"  # Lencana has no catch-all answer


def test_moodle_numerical_several_answers():
    q = one(
        "::Q7:: When was Ulysses S. Grant born? {#\n"
        "         =1822:0      # Correct! Full credit.\n"
        "         =%50%1822:2  # He was born in 1822. Half credit for being close.\n}"
    )
    assert q.content["answers"] == [
        {"value": "1822", "tolerance": "0", "weight": 100, "feedback": "Correct! Full credit."},
        {
            "value": "1822",
            "tolerance": "2",
            "weight": 50,
            "feedback": "He was born in 1822. Half credit for being close.",
        },
    ]


def test_moodle_numerical_as_moodle_exports_it():
    q = one(
        "// question: 666  name: Q5\n"
        "::Q5::What is a number from 1 to 5?{#\n\t=%100%3:2#\n\t~#Completely wrong\n}\n"
    )
    assert q.content["answers"] == [{"value": "3", "tolerance": "2", "weight": 100, "feedback": ""}]
    assert q.general_feedback == "Completely wrong"


def test_moodle_shortanswer_with_a_catch_all():
    q = one(
        "// question: 666  name: Shortanswer\n::Shortanswer::Which is the best animal?{\n"
        "    =Frog#Good!\n    =%50%Cat#What is it with Moodlers and cats?\n    =%0%*#Completely wrong\n}"
    )
    assert q.content["answers"] == [
        {"text": "Frog", "weight": 100, "feedback": "Good!"},
        {"text": "Cat", "weight": 50, "feedback": "What is it with Moodlers and cats?"},
        {"text": "*", "weight": 0, "feedback": "Completely wrong"},
    ]


def test_moodle_match_as_moodle_exports_it():
    q = one(
        "// question: 666  name: Moodle activities\n"
        "::Moodle activities::[html]Match the <b>activity</b> to the description.{\n"
        '\t=<div class\\="frog">An activity supporting asynchronous discussions.</div> -> Forum\n'
        "\t=[moodle]A teacher asks a question and specifies a choice of multiple responses. -> Choice\n"
        "\t= -> Chat\n}\n"
    )
    assert q.content["pairs"][0] == {
        "prompt": '<div class="frog">An activity supporting asynchronous discussions.</div>',
        "answer": "Forum",
    }
    assert q.content["pairs"][2] == {"prompt": "", "answer": "Chat"}


def test_moodle_numerical_range():
    q = one("::T6b::What is a number from 1 to 5? {#1..5}")
    assert q.content["answers"] == [{"value": "3", "tolerance": "2", "weight": 100, "feedback": ""}]


def test_moodle_shortanswer_with_weights():
    q = one(
        "::Jesus' hometown:: Jesus Christ was from {\n   =Nazareth#Yes! That's right!\n"
        "   =%75%Nazereth#Right, but misspelled.\n   =%25%Bethlehem#He was born here, but not raised here.\n}"
    )
    assert q.type == "short_answer"
    assert q.content["answers"] == [
        {"text": "Nazareth", "weight": 100, "feedback": "Yes! That's right!"},
        {"text": "Nazereth", "weight": 75, "feedback": "Right, but misspelled."},
        {"text": "Bethlehem", "weight": 25, "feedback": "He was born here, but not raised here."},
    ]


@pytest.mark.parametrize(
    ("block", "correct", "true_feedback", "false_feedback"),
    [
        ("{T}", True, "", ""),
        ("{TRUE}", True, "", ""),
        ("{F}", False, "", ""),
        (
            "{FALSE#Wrong, it is true.#Right, it is false.}",
            False,
            "Wrong, it is true.",
            "Right, it is false.",
        ),
        ("{TRUE#Wrong.#Right.}", True, "Right.", "Wrong."),
    ],
)
def test_moodle_truefalse(block, correct, true_feedback, false_feedback):
    q = one(f"// true/false\n::Q1:: 42 is the Absolute Answer to everything.{block}")
    assert q.type == "true_false"
    assert q.choices == [
        {"text": "Benar", "is_correct": correct, "feedback": true_feedback},
        {"text": "Salah", "is_correct": not correct, "feedback": false_feedback},
    ]


def test_moodle_general_feedback():
    q = one("::Q::Which? {=a ~b ####[html]<b>Because</b>.}")
    assert q.general_feedback == "<b>Because</b>." and q.choices[0]["is_correct"]


def test_moodle_escapes():
    q = one("::Esc\\:ape:: Is 2 \\= 2 \\{ \\} \\~ \\# \\: \\\\ here?\\nYes {=a\\#b#fb\\=x ~c}")
    assert q.name == "Esc:ape"
    assert q.text == "Is 2 = 2 { } ~ # : \\ here?\nYes"
    assert q.choices[0] == {"text": "a#b", "is_correct": True, "feedback": "fb=x"}


def test_missing_word_puts_a_blank_where_the_answers_were():
    q = one("Grant is {~buried =entombed ~living} in Grant's tomb.")
    assert q.text == "Grant is _____ in Grant's tomb." and q.type == "single"
    assert q.name == "Grant is _____ in Grant's tomb."  # Moodle names it by its text


def test_short_answer_missing_word():
    q = one("Two plus {=two =2} equals four.")
    assert (q.type, q.text) == ("short_answer", "Two plus _____ equals four.")
    assert [a["text"] for a in q.content["answers"]] == ["two", "2"]


def test_categories_and_comments():
    result = parse(
        "// a file comment\n\n$CATEGORY: $course$/top/Pelayanan/3S\n\n"
        "::a::A? {T}\n\n$CATEGORY: Integritas\n\n// about b\n::b::B? {F}\n\n"
        "$CATEGORY: $course$/top/A//B/C\n::c::C? {T}\n"
    )
    assert [(q.name, q.category) for q in result.questions] == [
        ("a", ("Pelayanan", "3S")),
        ("b", ("Integritas",)),
        ("c", ("A/B", "C")),
    ]


def test_moodle_idnumber_and_tags_in_comments():
    q = one("// question: 5  name: a\n// [id:Q-5] [tag:lantas] [tag:3S \\] x]\n::a::A? {T}")
    assert q.key == "Q-5" and q.tags == ["lantas", "3S ] x"]


def test_a_description_is_noted_not_imported():
    result = parse("Read this first.\n\n::q::Q? {T}")
    assert [q.name for q in result.questions] == ["q"]
    assert [(n.line, "description" in n.message) for n in result.notes] == [(1, True)]


def test_windows_line_ends_and_a_byte_order_mark():
    assert one("\ufeff::q::Q?\r\n{T}\r\n").type == "true_false"


# --- Errors: every one, with its line; nothing read ---

BAD = """::ok::Fine {T}

::brace:: Missing close {=a ~b

::two:: Two blocks {T} and {F}

::mc:: Only one {~a}

::num:: Not a number {#abc}

::match:: One pair {=a -> b =c}

::single:: Two right {=a =b ~c}

::weight:: Too heavy {~%150%a ~b}

// lencana: not json
::meta:: Q {T}
"""


def test_every_error_is_reported_with_its_line():
    with pytest.raises(GiftErrors) as err:
        parse(BAD)
    assert [e.line for e in err.value.errors] == [3, 5, 7, 9, 11, 13, 15, 17]
    messages = [e.message for e in err.value.errors]
    assert "`{` without its `}`" in messages[0]
    assert "one answer block" in messages[1]
    assert "at least two answers" in messages[2]
    assert "'abc' is not a number" in messages[3]
    assert "`=prompt -> answer`" in messages[4]
    assert "one correct choice" in messages[5]
    assert "between -100 and 100" in messages[6]
    assert "JSON object" in messages[7]


def test_errors_are_written_in_the_active_language():
    with translation.override("id"), pytest.raises(GiftErrors) as err:
        parse(BAD)
    messages = [e.message for e in err.value.errors]
    assert messages[0] == "Blok jawaban punya `{` tanpa `}` (atau sebaliknya)."
    assert messages[3] == "'abc' bukan angka, angka:toleransi, atau rentang min..maks."
    assert messages[6] == "Bobot %150% bukan persen antara -100 dan 100."


@pytest.mark.parametrize("text", ["", "   \n\n", "// only a comment", "Just a description."])
def test_text_without_any_question_is_an_error(text):
    with pytest.raises(GiftErrors) as err:
        parse(text)
    assert err.value.errors[0].line == 1


@given(st.text(max_size=200))
def test_any_text_is_read_or_refused_with_errors_never_crashes(text):
    try:
        parse(text)
    except GiftErrors as exc:
        assert exc.errors and all(e.line >= 1 for e in exc.errors)


# --- Writing, and the round trip over every type ---

EVERY_TYPE = [
    {
        "type": "single",
        "name": "Tiga S",
        "text": "Apa {arti} 3S?\nPilih: satu.",
        "text_format": "markdown",
        "general_feedback": "Senyum, sapa, salam #3S",
        "points": 2,
        "category": ("Pelayanan", "3S"),
        "choices": [
            {"text": "Senyum = sapa", "is_correct": True, "feedback": "Ya ~ benar"},
            {"text": "Diam", "is_correct": False, "feedback": ""},
        ],
        "content": {},
    },
    {
        "type": "single",
        "name": "berbobot",
        "text": "Pilih.",
        "text_format": "plain",
        "category": ("Pelayanan", "3S"),
        "choices": [
            {"text": "a", "is_correct": True, "weight": 100, "feedback": ""},
            {"text": "b", "is_correct": False, "weight": 50, "feedback": "setengah"},
            {"text": "c", "is_correct": False, "weight": 0, "feedback": ""},
        ],
        "content": {},
    },
    {
        "type": "multiple",
        "name": "banyak",
        "text": "Pilih semua.",
        "text_format": "html",
        "category": ("Integritas",),
        "choices": [
            {"text": "a", "is_correct": True, "weight": 50, "feedback": ""},
            {"text": "b", "is_correct": True, "weight": 50, "feedback": "ok"},
            {"text": "c", "is_correct": False, "weight": -100, "feedback": ""},
        ],
        "content": {"scoring": "all_or_nothing"},
    },
    {
        "type": "true_false",
        "name": "tf",
        "text": "Polisi melayani: benar?",
        "text_format": "moodle",
        "category": ("Integritas",),
        "choices": [
            {"text": "Benar", "is_correct": False, "feedback": "Salah pilih"},
            {"text": "Salah", "is_correct": True, "feedback": ""},
        ],
        "content": {},
    },
    {
        "type": "short_answer",
        "name": "singkat",
        "text": "Kepanjangan SPKT?",
        "text_format": "moodle",
        "category": (),
        "content": {
            "answers": [
                {"text": "Sentra Pelayanan Kepolisian Terpadu", "weight": 100, "feedback": "Tepat: ya"},
                {"text": "Sentra*", "weight": 50, "feedback": ""},
            ],
            "case_sensitive": True,
        },
        "choices": [],
    },
    {
        "type": "numeric",
        "name": "angka",
        "text": "Berapa?",
        "text_format": "moodle",
        "category": (),
        "content": {
            "answers": [
                {"value": "2.5", "tolerance": "0", "weight": 100, "feedback": ""},
                {"value": "-3", "tolerance": "0.25", "weight": 50, "feedback": "dekat"},
            ]
        },
        "choices": [],
    },
    {
        "type": "matching",
        "name": "pasang",
        "text": "Pasangkan.",
        "text_format": "moodle",
        "category": (),
        "content": {
            "pairs": [
                {"prompt": "Senyum", "answer": "Wajah: ramah"},
                {"prompt": "Sapa", "answer": "Kata"},
                {"prompt": "", "answer": "Kaki"},
            ]
        },
        "choices": [],
    },
    {
        "type": "ordering",
        "name": "urut",
        "text": "Urutkan.",
        "text_format": "moodle",
        "category": (),
        "content": {
            "items": [{"text": "Senyum"}, {"text": "Sapa"}, {"text": "Salam"}],
            "scoring": "position",
        },
        "choices": [],
    },
    {
        "type": "essay",
        "name": "esai",
        "text": "Ceritakan.",
        "text_format": "moodle",
        "general_feedback": "Lihat rubrik.",
        "text_en": "Tell.",
        "explanation": "Penjelasan",
        "key": "esai-1",
        "tags": ["humanis", "skenario [SPKT]"],
        "points": 4,
        "category": (),
        "content": {"rubric": [{"criterion": "Empati", "points": 2}, {"criterion": "Prosedur", "points": 2}]},
        "choices": [],
    },
]

COMMON = (
    "type",
    "name",
    "text",
    "text_format",
    "general_feedback",
    "points",
    "category",
    "key",
    "text_en",
    "tags",
)


def _as_read(q):
    return {
        **{
            k: q.get(k, [] if k == "tags" else gift.GiftQuestion.__dataclass_fields__[k].default)
            for k in COMMON
        },
        "choices": q["choices"],
        "content": q["content"],
    }


def test_export_imports_back_to_the_same_questions_of_every_type():
    text = write(EVERY_TYPE)
    back = parse(text).questions
    assert [_as_read(vars(q)) for q in back] == [_as_read(q) for q in EVERY_TYPE]
    assert write([{**vars(q)} for q in back]) == text  # and writes the same GIFT again


def test_export_of_an_unweighted_multiple_choice_keeps_its_scoring_to_a_percent():
    # GIFT says it with whole-percent weights (34, 33, 33, -33): the same rule, rounded.
    from quizzes import question_types
    from quizzes.grading import QuestionSpec, grade_question

    source = {
        "type": "multiple",
        "name": "m",
        "text": "?",
        "choices": [
            {"text": "a", "is_correct": True},
            {"text": "b", "is_correct": True},
            {"text": "c", "is_correct": True},
            {"text": "d", "is_correct": False},
        ],
        "content": {},
    }
    back = one(write([source]))
    multiple = question_types.get("multiple")

    def spec(choices):
        return QuestionSpec.from_spec(
            {
                "id": 1,
                "type": "multiple",
                "points": 3,
                "choices": [{**c, "id": i} for i, c in enumerate(choices)],
            }
        )

    for picks in ([0, 1, 2], [0, 1], [0, 3], [0, 1, 2, 3], [3]):
        now = grade_question(spec(back.choices), picks).score
        assert abs(now - grade_question(spec(source["choices"]), picks).score) <= Decimal("0.03")
    assert grade_question(spec(back.choices), [0, 1, 2]).correct
    assert multiple.name == back.type


def test_exported_text_is_valid_for_moodle_too():
    text = write(EVERY_TYPE)
    for line in text.splitlines():
        # Lencana's extras ride only in comments Moodle skips.
        assert not line.startswith("// lencana:") or line.startswith("//")
    assert "$CATEGORY: $course$/top/Pelayanan/3S" in text
    assert "::urut::Urutkan.{\n\t=1 -> Senyum\n\t=2 -> Sapa\n\t=3 -> Salam\n}" in text
