"""Every question type over the API: an instructor writes it, a learner answers it, the worker
grades it, review shows it; bad input of every kind is a 4xx and changes nothing."""

from decimal import Decimal

import pytest

from events import types
from events.models import Event
from quizzes import services
from quizzes.models import Attempt, Question, Quiz, Response
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

QUESTIONS = [
    {
        "key": "sa",
        "type": "short_answer",
        "name": "Salam",
        "text": "Apa tiga S dalam pelayanan?",
        "points": 2,
        "answers": [
            {"text": "Senyum, sapa, salam", "weight": 100, "feedback": "Tepat."},
            {"text": "senyum*", "weight": 50},
        ],
    },
    {
        "key": "num",
        "type": "numeric",
        "text": "Berapa jam layanan SPKT per hari?",
        "points": 2,
        "answers": [{"value": "24", "tolerance": "0"}, {"value": "12,5", "tolerance": "0.5", "weight": 50}],
    },
    {
        "key": "match",
        "type": "matching",
        "text": "Pasangkan.",
        "points": 3,
        "pairs": [
            {"prompt": "Senyum", "answer": "Wajah"},
            {"prompt": "Sapa", "answer": "Kata"},
            {"prompt": "Salam", "answer": "Tangan"},
            {"prompt": "", "answer": "Kaki"},
        ],
    },
    {
        "key": "order",
        "type": "ordering",
        "text": "Urutkan.",
        "points": 3,
        "scoring": "position",
        "items": [{"text": "Senyum"}, {"text": "Sapa"}, {"text": "Salam"}],
    },
    {
        "key": "multi",
        "type": "multiple",
        "text": "Pilih.",
        "points": 2,
        "scoring": "all_or_nothing",
        "choices": [
            {"text": "A", "is_correct": True, "feedback": "ya"},
            {"text": "B", "is_correct": True},
            {"text": "C"},
        ],
    },
]
ESSAY = {
    "key": "essay",
    "type": "essay",
    "text": "Ceritakan penanganan pengaduan.",
    "points": 4,
    "rubric": [{"criterion": "Empati", "points": 2}, {"criterion": "Prosedur", "points": 2}],
}


@pytest.fixture
def authored(course, instructor):
    """A fresh quiz of the course with a question of each type, written over the API."""
    client = client_for(instructor)
    quiz = Quiz.objects.filter(module__course=course).order_by("id")[0]
    quiz.questions.all().delete()
    for q in QUESTIONS:
        response = client.post("/api/v1/authoring/questions/", {**q, "quiz": quiz.pk}, format="json")
        assert response.status_code == 201, response.json()
    return client, quiz


def _publish(client, quiz):
    assert client.post(f"/api/v1/authoring/quizzes/{quiz.pk}/publish/").status_code == 200


def _start(learner, quiz):
    client = client_for(learner)
    response = client.post(f"/api/v1/quizzes/{quiz.pk}/attempts/")
    assert response.status_code == 201, response.json()
    return client, response.json()


def test_authoring_answers_with_the_keys_of_every_type(authored):
    client, quiz = authored
    body = client.get(f"/api/v1/authoring/quizzes/{quiz.pk}/questions/").json()
    by_key = {q["key"]: q for q in body}
    assert by_key["sa"]["name"] == "Salam"
    assert by_key["sa"]["answers"][0] == {"text": "Senyum, sapa, salam", "weight": 100, "feedback": "Tepat."}
    assert by_key["num"]["answers"][1]["value"] == "12.5"  # the decimal comma, read
    assert [p["answer"] for p in by_key["match"]["pairs"]] == ["Wajah", "Kata", "Tangan", "Kaki"]
    assert all(p["prompt_id"] and p["answer_id"] for p in by_key["match"]["pairs"])
    assert [i["text"] for i in by_key["order"]["items"]] == ["Senyum", "Sapa", "Salam"]
    assert by_key["order"]["scoring"] == "position"
    assert by_key["multi"]["scoring"] == "all_or_nothing"
    assert by_key["multi"]["choices"][0]["feedback"] == "ya"


def test_every_type_is_answered_graded_and_reviewed(authored, learner):
    client, quiz = authored
    _publish(client, quiz)
    keys = {q.key: q for q in quiz.questions.all()}
    learner_client, attempt = _start(learner, quiz)
    shown = {q["id"]: q for q in attempt["questions"]}
    match = shown[keys["match"].pk]
    assert {p["text"] for p in match["prompts"]} == {"Senyum", "Sapa", "Salam"}
    assert {a["text"] for a in match["answers"]} == {"Wajah", "Kata", "Tangan", "Kaki"}
    pairs = {p["prompt"]: p for p in keys["match"].content["pairs"]}
    items = keys["order"].content["items"]
    published = {q["id"]: q for q in Attempt.objects.get(pk=attempt["id"]).version.spec["questions"]}
    answers = [
        {"question": keys["sa"].pk, "text": "  SÉNYUM sapa; salam!"},
        {"question": keys["num"].pk, "value": "12,3"},
        {
            "question": keys["match"].pk,
            "pairs": [
                [pairs["Senyum"]["prompt_id"], pairs["Senyum"]["answer_id"]],
                [pairs["Sapa"]["prompt_id"], pairs["Salam"]["answer_id"]],
            ],
        },
        {"question": keys["order"].pk, "order": [items[0]["id"], items[2]["id"], items[1]["id"]]},
        # The first choice written, by its id in the published version (opaque, not the row's).
        {"question": keys["multi"].pk, "choices": [published[keys["multi"].pk]["choices"][0]["id"]]},
    ]
    response = learner_client.patch(
        f"/api/v1/attempts/{attempt['id']}/answers/", {"answers": answers}, format="json"
    )
    assert response.status_code == 200, response.json()
    saved = {a["question"]: a for a in response.json()["answers"]}
    assert saved[keys["num"].pk]["value"] == "12.3000"
    assert saved[keys["order"].pk]["order"] == answers[3]["order"]
    assert learner_client.post(f"/api/v1/attempts/{attempt['id']}/submit/").status_code == 202
    services.attempt_grade(attempt_id=attempt["id"])
    graded = Attempt.objects.get(pk=attempt["id"])
    scores = {r.question_ref: r.score for r in graded.responses.all()}
    assert scores == {
        keys["sa"].pk: Decimal("2.00"),
        keys["num"].pk: Decimal("1.00"),  # within 12.5 ± 0.5, weighted 50%
        keys["match"].pk: Decimal("1.00"),  # one pair of three
        keys["order"].pk: Decimal("1.00"),  # one item in its place of three
        keys["multi"].pk: Decimal("0.00"),  # all or nothing
    }
    assert graded.status == Attempt.Status.GRADED and graded.score == Decimal("5.00")
    review = learner_client.get(f"/api/v1/attempts/{attempt['id']}/").json()["feedback"]
    assert {r["question"] for r in review} == set(scores)


def test_an_essay_leaves_the_attempt_needing_review_with_its_rubric_frozen(authored, learner):
    client, quiz = authored
    response = client.post("/api/v1/authoring/questions/", {**ESSAY, "quiz": quiz.pk}, format="json")
    assert response.status_code == 201, response.json()
    _publish(client, quiz)
    learner_client, attempt = _start(learner, quiz)
    essay = Question.objects.get(quiz=quiz, key="essay")
    response = learner_client.post(
        f"/api/v1/attempts/{attempt['id']}/submit/",
        {"answers": [{"question": essay.pk, "text": "Saya mendengarkan dengan sabar."}]},
        format="json",
    )
    assert response.status_code == 202
    services.attempt_grade(attempt_id=attempt["id"])
    graded = Attempt.objects.get(pk=attempt["id"])
    assert graded.status == Attempt.Status.NEEDS_REVIEW and graded.passed is None
    # Nothing is announced (no certificate may follow) until an instructor has graded it.
    assert not Event.objects.filter(type=types.ATTEMPT_GRADED).exists()
    services.attempt_grade(attempt_id=attempt["id"])  # a redelivered message changes nothing
    assert Attempt.objects.get(pk=attempt["id"]).status == Attempt.Status.NEEDS_REVIEW
    spec = next(q for q in graded.version.spec["questions"] if q["id"] == essay.pk)
    assert spec["rubric"] == ESSAY["rubric"]
    assert learner_client.get(f"/api/v1/attempts/{attempt['id']}/").json()["status"] == "needs_review"


def test_editing_a_question_changes_no_attempt_under_way(authored, learner):
    client, quiz = authored
    _publish(client, quiz)
    _, attempt = _start(learner, quiz)
    question = Question.objects.get(quiz=quiz, key="sa")
    response = client.patch(
        f"/api/v1/authoring/questions/{question.pk}/", {"answers": [{"text": "lain"}]}, format="json"
    )
    assert response.status_code == 200
    spec = Attempt.objects.get(pk=attempt["id"]).version.spec
    assert (
        next(q for q in spec["questions"] if q["id"] == question.pk)["answers"][0]["text"]
        == "Senyum, sapa, salam"
    )


@pytest.mark.parametrize(
    ("key", "answer"),
    [
        ("sa", {"choices": [1]}),
        ("sa", {"text": ["a"]}),
        ("num", {"value": "dua"}),
        ("num", {"value": "1,2,3.4.5"}),
        ("num", {"value": [1]}),
        ("num", {"text": "2"}),
        ("match", {"pairs": [[1, 2]]}),
        ("match", {"pairs": [[1, 2, 3]]}),
        ("match", {"pairs": "x"}),
        ("order", {"order": [1, 2, 3]}),
        ("order", {"order": []}),
        ("multi", {"order": [1]}),
    ],
)
def test_answers_of_the_wrong_shape_or_with_unknown_parts_are_400(authored, learner, key, answer):
    client, quiz = authored
    _publish(client, quiz)
    learner_client, attempt = _start(learner, quiz)
    question = Question.objects.get(quiz=quiz, key=key)
    response = learner_client.patch(
        f"/api/v1/attempts/{attempt['id']}/answers/",
        {"answers": [{"question": question.pk, **answer}]},
        format="json",
    )
    assert response.status_code == 400, response.json()
    assert not Response.objects.exists()


def test_a_matching_pair_twice_for_one_prompt_is_400(authored, learner):
    client, quiz = authored
    _publish(client, quiz)
    learner_client, attempt = _start(learner, quiz)
    question = Question.objects.get(quiz=quiz, key="match")
    pair = question.content["pairs"][0]
    twice = [[pair["prompt_id"], pair["answer_id"]]] * 2
    response = learner_client.patch(
        f"/api/v1/attempts/{attempt['id']}/answers/",
        {"answers": [{"question": question.pk, "pairs": twice}]},
        format="json",
    )
    assert response.status_code == 400 and not Response.objects.exists()


@pytest.mark.parametrize(
    "payload",
    [
        {"type": "short_answer", "answers": []},
        {"type": "short_answer", "answers": [{"text": "a", "weight": 50}]},
        {"type": "short_answer", "answers": [{"text": "a", "weight": 150}]},
        {
            "type": "short_answer",
            "choices": [{"text": "a", "is_correct": True}, {"text": "b"}],
            "answers": [{"text": "a"}],
        },
        {"type": "numeric", "answers": [{"value": "x"}]},
        {"type": "numeric", "answers": [{"value": "1", "tolerance": "-1"}]},
        {"type": "numeric", "answers": [{"text": "1"}]},
        {"type": "matching", "pairs": [{"prompt": "a", "answer": "b"}]},
        {"type": "matching", "pairs": [{"prompt": "a", "answer": ""}, {"prompt": "b", "answer": "c"}]},
        {"type": "matching", "pairs": "nope"},
        {"type": "ordering", "items": [{"text": "a"}]},
        {"type": "ordering", "items": [{"text": "a"}, {"text": "b"}], "scoring": "partial"},
        {"type": "essay", "rubric": [{"criterion": "a", "points": 0}]},
        {"type": "essay", "rubric": [{"criterion": "a", "points": 1}, {"criterion": "a", "points": 1}]},
        {"type": "multiple", "choices": [{"text": "a", "weight": 50}, {"text": "b", "weight": 20}]},
        {"type": "multiple", "choices": [{"text": "a", "weight": 100}, {"text": "b", "weight": -101}]},
        {
            "type": "single",
            "choices": [{"text": "a", "is_correct": True}, {"text": "b"}],
            "scoring": "position",
        },
        {
            "type": "single",
            "text_format": "rtf",
            "choices": [{"text": "a", "is_correct": True}, {"text": "b"}],
        },
    ],
)
def test_bad_authoring_payloads_are_400_and_create_nothing(course, instructor, payload):
    quiz = Quiz.objects.filter(module__course=course).order_by("id")[0]
    before = Question.objects.count()
    response = client_for(instructor).post(
        "/api/v1/authoring/questions/", {"quiz": quiz.pk, "key": "bad", "text": "?", **payload}, format="json"
    )
    assert response.status_code == 400, response.json()
    assert Question.objects.count() == before


def test_weighted_choices_set_is_correct_and_grade_by_weight(course, instructor):
    quiz = Quiz.objects.filter(module__course=course).order_by("id")[0]
    response = client_for(instructor).post(
        "/api/v1/authoring/questions/",
        {
            "quiz": quiz.pk,
            "key": "w",
            "type": "multiple",
            "text": "?",
            "choices": [
                {"text": "a", "weight": 50},
                {"text": "b", "weight": 50},
                {"text": "c", "weight": -100, "feedback": "Bukan."},
            ],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert [(c["is_correct"], c["weight"]) for c in response.json()["choices"]] == [
        (True, 50),
        (True, 50),
        (False, -100),
    ]


def test_the_learner_never_reads_an_author_only_question_endpoint(learner):
    assert client_for(learner).get("/api/v1/authoring/questions/").status_code == 403


def test_ids_an_author_sends_for_items_and_pairs_are_not_kept(course, instructor):
    # Ids in the right order would tell the learner the key: the service gives its own.
    quiz = Quiz.objects.filter(module__course=course).order_by("id")[0]
    client = client_for(instructor)
    response = client.post(
        "/api/v1/authoring/questions/",
        {
            "quiz": quiz.pk,
            "key": "urut",
            "type": "ordering",
            "text": "?",
            "items": [{"id": 1, "text": "a"}, {"id": 2, "text": "b"}, {"id": 3, "text": "c"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    ids = [i["id"] for i in response.json()["items"]]
    assert ids != [1, 2, 3] and len(set(ids)) == 3
    kept = client.patch(f"/api/v1/authoring/questions/{response.json()['id']}/", {"points": 2}, format="json")
    assert [i["id"] for i in kept.json()["items"]] == ids  # an edit of something else keeps them
