"""Questions of every type through the pages: an instructor writes and edits them (the same
services as the authoring API), imports GIFT (every error at its line, nothing imported), and a
learner answers each type on the quiz page, with and without the page's script."""

import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from quizzes import services
from quizzes.models import Attempt, Quiz, Response

KEYS = {
    "single": {"choices": "*Senyum, sapa, salam\nDiam saja"},
    "multiple": {"choices": "50% Polri\n50% Polisi\n-100% Tentara", "scoring": "partial"},
    "true_false": {"choices": "*Benar\nSalah"},
    "short_answer": {"answers": "Polri\n50% Polisi*"},
    "numeric": {"numbers": "2,5 ± 0,1\n50% 3"},
    "matching": {"pairs": "110 -> Polisi\n112 -> Darurat\n-> Pemadam"},
    "ordering": {"items": "Lapor\nCatat\nTindak", "scoring": "position"},
    "essay": {"rubric": "Menyebut dasar hukum | 2\nRuntut | 1"},
}


def signed_in(person) -> Client:
    client = Client()
    client.force_login(person.user)
    return client


@pytest.fixture
def quiz(course) -> Quiz:
    return Quiz.objects.filter(module__course=course).order_by("pk")[0]


def add(client, quiz, kind: str, **extra) -> None:
    form = {"type": kind, "key": f"k-{kind}", "text": f"Soal {kind}?", "points": 2, **KEYS[kind], **extra}
    response = client.post(f"/authoring/quizzes/{quiz.pk}/", form)
    page = response.content.decode()
    assert response.status_code == 302, re.findall(r"(?:errorlist|alert bad)[^>]*>\s*(?:<li>)?(.*?)</", page)


def test_instructor_writes_and_edits_a_question_of_every_type(instructor, quiz):
    client = signed_in(instructor)
    for kind in KEYS:
        add(client, quiz, kind)
    page = client.get(f"/authoring/quizzes/{quiz.pk}/").content.decode()
    assert "110 → <strong>Polisi</strong>" in page and "Menyebut dasar hukum" in page and "2.5 ± 0.1" in page
    numeric = quiz.questions.get(key="k-numeric")
    assert numeric.content["answers"][0] == {"value": "2.5", "tolerance": "0.1", "weight": 100}
    assert quiz.questions.get(key="k-multiple").choices.filter(is_correct=True).count() == 2
    # Editing: the form shows the key as it was written, and saving it unchanged keeps the ids.
    matching = quiz.questions.get(key="k-matching")
    before = matching.content
    edit = client.get(f"/authoring/quizzes/{quiz.pk}/questions/{matching.pk}/").content.decode()
    assert "110 -&gt; Polisi\n112 -&gt; Darurat\n-&gt; Pemadam" in edit
    form = {"type": "matching", "key": "k-matching", "text": "Soal baru?", "points": 3, **KEYS["matching"]}
    assert client.post(f"/authoring/quizzes/{quiz.pk}/questions/{matching.pk}/", form).status_code == 302
    matching.refresh_from_db()
    assert matching.text == "Soal baru?" and matching.points == 3 and matching.content == before
    ordering = quiz.questions.get(key="k-ordering")
    edit = client.get(f"/authoring/quizzes/{quiz.pk}/questions/{ordering.pk}/").content.decode()
    assert "Lapor\nCatat\nTindak" in edit and 'value="position" selected' in edit
    # A key that cannot work comes back from the service onto the form; nothing changes.
    bad = {"type": "short_answer", "key": "k-short_answer", "text": "?", "points": 1, "answers": "50% Polri"}
    short = quiz.questions.get(key="k-short_answer")
    refused = client.post(f"/authoring/quizzes/{quiz.pk}/questions/{short.pk}/", bad)
    assert refused.status_code == 200 and 'class="alert bad"' in refused.content.decode()
    short.refresh_from_db()
    assert short.content["answers"][0]["text"] == "Polri"


GIFT_WITH_ERROR = """$CATEGORY: Etika/Dasar

::salam:: Sapaan standar pelayanan? {
  =Senyum, sapa, salam
  ~Diam saja
}

::rusak:: Pertanyaan tanpa kunci {
  ~Satu
  ~Dua
}
"""


def test_gift_import_shows_each_error_at_its_line_and_imports_nothing(instructor, quiz):
    client = signed_in(instructor)
    count = quiz.questions.count()
    page = client.post(f"/authoring/quizzes/{quiz.pk}/gift/", {"text": GIFT_WITH_ERROR}).content.decode()
    assert 'id="gift-errors"' in page and quiz.questions.count() == count
    assert re.search(r'<li id="gift-line-8" value="8" class="has-error"><code>::rusak::', page)
    assert "Baris 8" in page and '<li id="gift-line-3" value="3"><code>' in page
    assert "Soal pilihan ganda memerlukan sedikitnya satu pilihan benar" in page  # the page's language
    assert "::rusak:: Pertanyaan tanpa kunci {\n" in page.split('id="id_text"')[1]  # the text stays


def test_gift_import_from_a_file_reports_questions_per_category(instructor, quiz):
    client = signed_in(instructor)
    text = GIFT_WITH_ERROR.replace("~Satu", "=Satu").encode()
    upload = SimpleUploadedFile("soal.gift", b"\xef\xbb\xbf" + text, content_type="text/plain")
    done = client.post(f"/authoring/quizzes/{quiz.pk}/gift/", {"text": "", "file": upload})
    assert done.status_code == 302  # so that a reload never imports twice
    page = client.get(done["Location"]).content.decode()
    assert 'id="gift-report"' in page and "Etika / Dasar</td><td>2</td>" in page and "2 soal diimpor" in page
    assert 'id="gift-report"' not in client.get(done["Location"]).content.decode()
    assert quiz.questions.filter(key__in=["salam", "rusak"]).count() == 2
    assert (
        "Tempel teks GIFT"
        in client.post(f"/authoring/quizzes/{quiz.pk}/gift/", {"text": " "}).content.decode()
    )


@pytest.fixture
def attempt_of_every_type(instructor, learner, quiz) -> tuple[Client, Attempt]:
    author = signed_in(instructor)
    quiz.questions.all().delete()
    for kind in KEYS:
        add(author, quiz, kind)
    author.post(f"/authoring/quizzes/{quiz.pk}/", {"form": "paging", "paging": "one"})
    author.post(f"/authoring/quizzes/{quiz.pk}/publish/")
    client = signed_in(learner)
    client.post(f"/quizzes/{quiz.pk}/start/")
    return client, Attempt.objects.get(person=learner, quiz=quiz)


def question_id(attempt: Attempt, kind: str) -> int:
    return next(q["id"] for q in attempt.version.spec["questions"] if q["type"] == kind)


def test_learner_answers_every_type_and_the_page_shows_them(attempt_of_every_type):
    client, attempt = attempt_of_every_type
    url = f"/attempts/{attempt.pk}/"
    first = client.get(url).content.decode()  # the quiz's setting: one question per screen
    assert first.count('class="question"') == 1 and "?view=all" in first
    page = client.get(url + "?view=all").content.decode()
    assert page.count('class="question"') == 8 and "is_correct" not in page
    spec = {q["type"]: q for q in attempt.version.spec["questions"]}
    layout = {item["question"]: item for item in attempt.layout}
    matching, ordering = spec["matching"], spec["ordering"]
    answer_of = {p["prompt_id"]: p["answer_id"] for p in matching["pairs"] if p["prompt"]}
    prompt_ids = list(answer_of)
    assert f'name="q-{matching["id"]}-p-{prompt_ids[0]}"' in page and "<select" in page
    assert 'inputmode="decimal"' in page and "<textarea" in page
    assert f'value="{ordering["id"]}:{layout[ordering["id"]]["items"][0]}:up"' in page
    fetch = {"HTTP_X_LENCANA_FETCH": "1"}
    saved = client.post(
        url + "save/",
        {
            "shown": [spec[k]["id"] for k in ("short_answer", "numeric", "matching", "essay")],
            f"q-{spec['short_answer']['id']}": "POLRI",
            f"q-{spec['numeric']['id']}": "2,55",
            f"q-{matching['id']}-p-{prompt_ids[0]}": str(answer_of[prompt_ids[0]]),
            f"q-{matching['id']}-p-{prompt_ids[1]}": "",
            f"q-{spec['essay']['id']}": "Dasar hukumnya UU 2/2002.",
        },
        **fetch,
    )
    assert saved.json()["ok"] is True
    responses = {r.question_ref: r for r in Response.objects.filter(attempt=attempt)}
    assert responses[spec["numeric"]["id"]].value == Decimal("2.55")
    assert responses[matching["id"]].data == [[prompt_ids[0], answer_of[prompt_ids[0]]]]
    assert responses[spec["essay"]["id"]].text.startswith("Dasar")
    not_a_number = client.post(
        url + "save/", {"shown": spec["numeric"]["id"], f"q-{spec['numeric']['id']}": "dua"}, **fetch
    ).json()
    assert not_a_number["not_numbers"] == [spec["numeric"]["id"]]
    # An ordering question never touched is no answer; without script, Down moves an item and
    # saves the order, back at the question.
    items = list(layout[ordering["id"]]["items"])
    shown = {"shown": ordering["id"], f"q-{ordering['id']}": items, "view": "all", "current": "1"}
    client.post(url + "save/", shown)
    assert ordering["id"] not in {r.question_ref for r in Response.objects.filter(attempt=attempt)}
    moved = client.post(url + "save/", {**shown, "move": f"{ordering['id']}:{items[0]}:down"})
    assert moved["Location"] == f"{url}?view=all#question-{ordering['id']}"
    assert Response.objects.get(attempt=attempt, question_ref=ordering["id"]).data == [
        items[1],
        items[0],
        *items[2:],
    ]
    again = client.get(url + "?view=all").content.decode()
    assert again.index(f'data-item="{items[1]}"') < again.index(f'data-item="{items[0]}"')
    assert (
        f"selected>{next(p['answer'] for p in matching['pairs'] if p['prompt_id'] == prompt_ids[0])}" in again
    )
    assert 'value="2.55"' in again


def test_result_shows_each_types_answer_and_key_when_review_reveals_it(instructor, learner, quiz):
    author = signed_in(instructor)
    quiz.questions.all().delete()
    for kind in ("short_answer", "numeric", "matching", "ordering"):
        add(author, quiz, kind)
    services.quiz_update(
        quiz=quiz,
        data={"review_feedback": "immediately", "review_answers": "immediately", "max_attempts": 1},
    )
    author.post(f"/authoring/quizzes/{quiz.pk}/publish/")
    client = signed_in(learner)
    client.post(f"/quizzes/{quiz.pk}/start/")
    attempt = Attempt.objects.get(person=learner, quiz=quiz)
    spec = {q["type"]: q for q in attempt.version.spec["questions"]}
    client.post(
        f"/attempts/{attempt.pk}/save/",
        {"shown": [spec["short_answer"]["id"]], f"q-{spec['short_answer']['id']}": "Polisi Daerah"},
    )
    client.post(f"/attempts/{attempt.pk}/submit/")
    services.attempt_grade(attempt_id=attempt.pk)
    page = client.get(f"/attempts/{attempt.pk}/").content.decode()
    assert "Polisi Daerah" in page  # the learner's own answer
    assert "110 → Polisi" in page and "1. Lapor" in page and "2.5 ± 0.1" in page and "Polisi* (50%)" in page
