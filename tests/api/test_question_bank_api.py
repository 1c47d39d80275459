"""The question bank over the API: categories, random slots drawn per attempt, GIFT in and out.
Bad input is a 4xx and changes nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from quizzes import services
from quizzes.models import Attempt, Category, Question, Quiz, QuizSlot, Tag
from tests.conftest import client_for
from tests.quizzes.test_gift import EVERY_TYPE

pytestmark = pytest.mark.django_db

GIFT = """// Pelayanan humanis
$CATEGORY: $course$/top/Pelayanan/3S

::senyum::Apa yang pertama di 3S? {=Senyum ~Sapa ~Salam}

::jam::Berapa jam SPKT buka? {#24}

$CATEGORY: $course$/top/Integritas

::jujur::Petugas boleh menerima imbalan.{F}

::esai::Ceritakan pengalamanmu. {}
"""


@pytest.fixture
def instructor_client(instructor):
    return client_for(instructor)


def _quiz(course):
    return Quiz.objects.filter(module__course=course).order_by("id")[0]


# --- Categories ---


def test_categories_make_a_tree(instructor_client):
    top = instructor_client.post("/api/v1/authoring/categories/", {"name": "Pelayanan"}, format="json")
    assert top.status_code == 201, top.json()
    sub = instructor_client.post(
        "/api/v1/authoring/categories/", {"name": "3S", "parent": top.json()["id"]}, format="json"
    )
    assert sub.status_code == 201 and sub.json()["path"] == "Pelayanan/3S"
    listed = instructor_client.get("/api/v1/authoring/categories/").json()
    assert {c["path"] for c in listed["results"]} == {"Pelayanan", "Pelayanan/3S"}
    renamed = instructor_client.patch(
        f"/api/v1/authoring/categories/{top.json()['id']}/", {"name": "Layanan"}
    )
    assert renamed.status_code == 200
    assert (
        instructor_client.get(f"/api/v1/authoring/categories/{sub.json()['id']}/").json()["path"]
        == "Layanan/3S"
    )


@pytest.mark.parametrize("payload", [{}, {"name": ""}, {"name": "x", "parent": 999_999}, {"name": "a" * 201}])
def test_bad_categories_are_400(instructor_client, payload):
    assert instructor_client.post("/api/v1/authoring/categories/", payload, format="json").status_code == 400
    assert not Category.objects.exists()


def test_a_sibling_name_twice_and_a_move_under_itself_are_400(instructor_client):
    top = services.category_save(name="A", parent=None)
    child = services.category_save(name="B", parent=top)
    assert instructor_client.post("/api/v1/authoring/categories/", {"name": "A"}).status_code == 400
    response = instructor_client.patch(f"/api/v1/authoring/categories/{top.pk}/", {"parent": child.pk})
    assert response.status_code == 400 and Category.objects.get(pk=top.pk).parent is None


def test_a_category_in_use_is_not_deleted(instructor_client):
    top = services.category_save(name="A", parent=None)
    services.category_save(name="B", parent=top)
    assert instructor_client.delete(f"/api/v1/authoring/categories/{top.pk}/").status_code == 409
    assert Category.objects.count() == 2


def test_learners_and_hr_may_not_touch_the_bank(learner, hr):
    for person in (learner, hr):
        client = client_for(person)
        assert client.get("/api/v1/authoring/categories/").status_code == 403
        assert client.post("/api/v1/authoring/gift/import/", {"text": GIFT}, format="json").status_code == 403
        assert client.get("/api/v1/authoring/gift/export/?category=1").status_code == 403
    assert not Question.objects.filter(key="senyum").exists()


# --- GIFT import ---


def test_gift_import_makes_the_categories_and_reports_per_category(instructor_client):
    response = instructor_client.post("/api/v1/authoring/gift/import/", {"text": GIFT}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["created"] == 4
    assert [(q["type"], q["name"]) for q in body["questions"]] == [
        ("single", "senyum"),
        ("numeric", "jam"),
        ("true_false", "jujur"),
        ("essay", "esai"),
    ]
    assert [(c["path"], c["created"]) for c in body["categories"]] == [("Pelayanan/3S", 2), ("Integritas", 2)]
    assert Question.objects.filter(quiz=None).count() == 4  # into the bank


def test_gift_import_into_a_quiz_under_a_category_as_a_file(instructor_client, course):
    quiz = _quiz(course)
    base = services.category_save(name="Impor", parent=None)
    upload = SimpleUploadedFile("bank.gift.txt", GIFT.encode("utf-8"), content_type="text/plain")
    response = instructor_client.post(
        "/api/v1/authoring/gift/import/",
        {"file": upload, "quiz": quiz.pk, "category": base.pk},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    assert {c["path"] for c in response.json()["categories"]} == {"Impor/Pelayanan/3S", "Impor/Integritas"}
    assert quiz.questions.filter(key="senyum").exists()


BAD_GIFT = GIFT + "\n::rusak::Tanpa penutup {=a ~b\n\n::dua:: {=a =b ~c}\n"


def test_bad_gift_is_400_with_every_error_and_imports_nothing(instructor_client):
    response = instructor_client.post("/api/v1/authoring/gift/import/", {"text": BAD_GIFT}, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [e["line"] for e in errors] == [14, 16]
    assert all(isinstance(e["message"], str) and e["message"] for e in errors)
    assert not Question.objects.exists() and not Category.objects.exists()


def test_gift_errors_are_in_the_language_the_client_asks_for(instructor_client):
    """Bahasa Indonesia by default, English with `Accept-Language: en` (the API is not the pages:
    it reads the header)."""
    url = "/api/v1/authoring/gift/import/"
    default = instructor_client.post(url, {"text": BAD_GIFT}, format="json")
    english = instructor_client.post(url, {"text": BAD_GIFT}, format="json", HTTP_ACCEPT_LANGUAGE="en-US,en")
    assert default.json()["errors"][0]["message"].startswith("Blok jawaban punya `{` tanpa `}`")
    assert default.json()["errors"][1]["message"] == "Soal tidak punya teks."
    assert english.json()["errors"][0]["message"].startswith("The answer block has a `{` without its `}`")
    assert english["Content-Language"] == "en" and default["Content-Language"] == "id"


def test_a_key_clash_found_while_saving_rolls_everything_back(instructor_client, course):
    quiz = _quiz(course)
    taken = quiz.questions.first().key
    text = f'::a::A? {{T}}\n\n// lencana: {{"key": "{taken}"}}\n::b::B? {{T}}\n'
    before = Question.objects.count()
    response = instructor_client.post(
        "/api/v1/authoring/gift/import/", {"text": text, "quiz": quiz.pk}, format="json"
    )
    assert response.status_code == 400 and response.json()["errors"][0]["line"] == 4
    assert Question.objects.count() == before


@pytest.mark.parametrize(
    ("payload", "fmt"),
    [
        ({}, "json"),
        ({"text": GIFT, "quiz": 999_999}, "json"),
        ({"text": GIFT, "category": "x"}, "json"),
        ({"text": ""}, "json"),
        ({"file": SimpleUploadedFile("x.txt", b"\xff\xfe\x00bad")}, "multipart"),
    ],
)
def test_malformed_import_requests_are_400(instructor_client, payload, fmt):
    response = instructor_client.post("/api/v1/authoring/gift/import/", payload, format=fmt)
    assert response.status_code == 400
    assert not Question.objects.filter(quiz=None).exists()


# --- GIFT export ---


def test_export_of_every_type_imports_back_to_the_same_questions(instructor_client):
    from quizzes import gift

    response = instructor_client.post(
        "/api/v1/authoring/gift/import/", {"text": gift.write(EVERY_TYPE)}, format="json"
    )
    assert response.status_code == 201, response.json()
    exported = []
    for top in Category.objects.filter(parent=None):
        got = instructor_client.get(f"/api/v1/authoring/gift/export/?category={top.pk}")
        assert got.status_code == 200 and got["Content-Type"].startswith("text/plain")
        exported.append(got.content.decode())
    uncategorised = [q for q in EVERY_TYPE if not q["category"]]
    reread = [q for text in exported for q in gift.parse(text).questions]
    assert len(reread) == len(EVERY_TYPE) - len(uncategorised)
    by_name = {q.name: q for q in reread}
    for source in EVERY_TYPE:
        if source["category"]:
            back = by_name[source["name"]]
            assert (back.type, back.text, back.text_format, back.category) == (
                source["type"],
                source["text"],
                source["text_format"],
                source["category"],
            )
            assert back.choices == [{**c, "is_correct": c["is_correct"]} for c in source["choices"]]


@pytest.mark.parametrize("query", ["", "?quiz=1&category=1", "?quiz=999999", "?category=x"])
def test_bad_export_queries_are_400(instructor_client, query):
    assert instructor_client.get(f"/api/v1/authoring/gift/export/{query}").status_code == 400


def test_a_quiz_exports_and_imports_back_into_another_quiz(instructor_client, course):
    first, second = Quiz.objects.filter(module__course=course).order_by("id")[:2]
    text = instructor_client.get(f"/api/v1/authoring/gift/export/?quiz={first.pk}").content.decode()
    second.questions.all().delete()
    response = instructor_client.post(
        "/api/v1/authoring/gift/import/", {"text": text, "quiz": second.pk}, format="json"
    )
    assert response.status_code == 201, response.json()

    def shape(quiz):
        return [
            (q.key, q.type, q.text, q.points, [(c.text, c.is_correct) for c in q.choices.all()])
            for q in quiz.questions.order_by("order")
        ]

    assert shape(second) == shape(first)


# --- Random slots ---


def test_each_attempt_draws_its_own_questions_avoiding_those_seen(instructor_client, course, learner):
    quiz = _quiz(course)
    assert (
        instructor_client.post("/api/v1/authoring/gift/import/", {"text": GIFT}, format="json").status_code
        == 201
    )
    pelayanan = Category.objects.get(name="Pelayanan", parent=None)
    integritas = Category.objects.get(name="Integritas")
    for category in (pelayanan, integritas):
        response = instructor_client.post(
            "/api/v1/authoring/slots/", {"quiz": quiz.pk, "category": category.pk, "count": 1}, format="json"
        )
        assert response.status_code == 201, response.json()
    assert instructor_client.post(f"/api/v1/authoring/quizzes/{quiz.pk}/publish/").status_code == 200
    fixed = set(quiz.questions.values_list("pk", flat=True))
    pools = [
        set(Question.objects.filter(category__parent=pelayanan).values_list("pk", flat=True)),
        set(Question.objects.filter(category=integritas).values_list("pk", flat=True)),
    ]
    client = client_for(learner)
    drawn = []
    for _ in range(2):
        attempt = client.post(f"/api/v1/quizzes/{quiz.pk}/attempts/").json()
        ids = {q["id"] for q in attempt["questions"]}
        assert fixed <= ids and all(len(ids & pool) == 1 for pool in pools)
        stored = {item["question"] for item in Attempt.objects.get(pk=attempt["id"]).layout}
        assert stored == ids  # the draw is kept with the attempt
        drawn.append(ids - fixed)
        client.post(f"/api/v1/attempts/{attempt['id']}/submit/")
    assert not drawn[0] & drawn[1]  # the second attempt sees the questions the first did not


def test_a_slot_asking_more_than_the_pool_holds_refuses_to_publish(instructor_client, course):
    quiz = _quiz(course)
    category = services.category_save(name="Kecil", parent=None)
    services.slot_save(quiz=quiz, category=category, count=2)
    response = instructor_client.post(f"/api/v1/authoring/quizzes/{quiz.pk}/publish/")
    assert response.status_code == 400 and response.json()["code"] == "pool_too_small"


@pytest.mark.parametrize(
    "payload",
    [{"count": 1}, {"count": 0, "tag": "a"}, {"category": 999_999, "count": 1}, {"tag": "", "count": 1}],
)
def test_bad_slots_are_400(instructor_client, course, payload):
    response = instructor_client.post(
        "/api/v1/authoring/slots/", {"quiz": _quiz(course).pk, **payload}, format="json"
    )
    assert response.status_code == 400
    assert not QuizSlot.objects.exists()


def test_a_slot_draws_by_tag(instructor_client, course, learner):
    quiz = _quiz(course)
    for key in ("t1", "t2"):
        services.question_create(
            quiz=None,
            key=key,
            type="true_false",
            text="?",
            choices=[{"text": "Benar", "is_correct": True}, {"text": "Salah"}],
            tags=["humanis"],
        )
    services.slot_save(quiz=quiz, tag="humanis", count=1)
    services.quiz_publish(quiz=quiz)
    attempt = client_for(learner).post(f"/api/v1/quizzes/{quiz.pk}/attempts/").json()
    tagged = set(Question.objects.filter(tags__name="humanis").values_list("pk", flat=True))
    assert len({q["id"] for q in attempt["questions"]} & tagged) == 1


def test_the_category_list_and_the_export_take_the_same_few_queries_however_big_the_bank(
    instructor_client, django_assert_max_num_queries
):
    from quizzes import gift

    text = gift.write(
        [
            {**q, "key": "", "name": f"{q['name']}-{n}", "category": (f"Tema {n % 4}", q["type"])}
            for n in range(3)
            for q in EVERY_TYPE
        ]
    )
    assert (
        instructor_client.post("/api/v1/authoring/gift/import/", {"text": text}, format="json").status_code
        == 201
    )
    top = Category.objects.get(name="Tema 0", parent=None)
    with django_assert_max_num_queries(8):
        assert instructor_client.get("/api/v1/authoring/categories/").status_code == 200
    with django_assert_max_num_queries(10):
        response = instructor_client.get(f"/api/v1/authoring/gift/export/?category={top.pk}")
    assert response.status_code == 200 and response.content.decode().count("\n::") == len(EVERY_TYPE)


def test_a_moodle_idnumber_becomes_the_key_and_tags_are_kept(instructor_client, course):
    quiz = _quiz(course)
    text = "// [id:Soal 5 (SPKT)] [tag:humanis] [tag:3S]\n::a::A? {T}\n\n::b::B? {F}\n"
    response = instructor_client.post(
        "/api/v1/authoring/gift/import/", {"text": text, "quiz": quiz.pk}, format="json"
    )
    assert response.status_code == 201, response.json()
    question = Question.objects.get(pk=response.json()["questions"][0]["id"])
    assert question.key == "soal-5-spkt"
    assert sorted(question.tags.values_list("name", flat=True)) == ["3S", "humanis"]
    assert Question.objects.get(pk=response.json()["questions"][1]["id"]).key == "b"


# --- Tags ---


def _tagged(key, *tags, category=None):
    return services.question_create(
        quiz=None,
        key=key,
        type="true_false",
        text="?",
        choices=[{"text": "Benar", "is_correct": True}, {"text": "Salah"}],
        tags=list(tags),
        category=category,
    )


def test_tags_are_listed_with_their_counts_created_renamed_and_deleted(instructor_client, course):
    _tagged("t1", "humanis", "3S")
    _tagged("t2", "humanis")
    services.slot_save(quiz=_quiz(course), tag="humanis", count=1)
    listed = instructor_client.get("/api/v1/authoring/tags/").json()["results"]
    assert [(t["name"], t["question_count"], t["slot_count"]) for t in listed] == [
        ("3S", 1, 0),
        ("humanis", 2, 1),
    ]

    created = instructor_client.post("/api/v1/authoring/tags/", {"name": "  lantas "}, format="json")
    assert created.status_code == 201, created.json()
    assert created.json() | {"id": 0} == {"id": 0, "name": "lantas", "question_count": 0, "slot_count": 0}

    humanis = Tag.objects.get(name="humanis")
    renamed = instructor_client.patch(
        f"/api/v1/authoring/tags/{humanis.pk}/", {"name": "Humanis"}, format="json"
    )
    assert renamed.status_code == 200 and renamed.json()["question_count"] == 2
    # Questions and slots keep the tag under its new name.
    assert list(Question.objects.get(key="t2").tags.values_list("name", flat=True)) == ["Humanis"]
    assert QuizSlot.objects.get().tag.name == "Humanis"
    put = instructor_client.put(f"/api/v1/authoring/tags/{humanis.pk}/", {"name": "humanis"}, format="json")
    assert put.status_code == 200 and put.json()["name"] == "humanis"

    three_s = Tag.objects.get(name="3S")
    assert instructor_client.delete(f"/api/v1/authoring/tags/{three_s.pk}/").status_code == 204
    assert not Tag.objects.filter(name="3S").exists()
    assert list(Question.objects.get(key="t1").tags.values_list("name", flat=True)) == ["humanis"]


def test_a_tag_a_slot_draws_from_is_not_deleted(instructor_client, course):
    _tagged("t1", "humanis")
    services.slot_save(quiz=_quiz(course), tag="humanis", count=1)
    tag = Tag.objects.get(name="humanis")
    response = instructor_client.delete(f"/api/v1/authoring/tags/{tag.pk}/")
    assert response.status_code == 409 and response.json()["code"] == "in_use"
    assert Question.objects.get(key="t1").tags.get() == tag


@pytest.mark.parametrize("payload", [{}, {"name": ""}, {"name": "   "}, {"name": "a" * 101}, {"name": None}])
def test_bad_tags_are_400_and_create_nothing(instructor_client, payload):
    assert instructor_client.post("/api/v1/authoring/tags/", payload, format="json").status_code == 400
    assert not Tag.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"), [({"name": "3S"}, "name"), ({"name": ""}, "name"), ({"name": "a" * 101}, "name")]
)
def test_a_bad_rename_is_400_and_changes_nothing(instructor_client, payload, field):
    _tagged("t1", "humanis", "3S")
    tag = Tag.objects.get(name="humanis")
    response = instructor_client.patch(f"/api/v1/authoring/tags/{tag.pk}/", payload, format="json")
    assert response.status_code == 400 and field in response.json()
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["3S", "humanis"]


def test_an_unknown_tag_is_404(instructor_client):
    assert instructor_client.patch("/api/v1/authoring/tags/999999/", {"name": "x"}).status_code == 404
    assert instructor_client.delete("/api/v1/authoring/tags/999999/").status_code == 404


def test_learners_and_hr_may_not_touch_tags_or_slots(learner, hr, course):
    _tagged("t1", "humanis")
    slot = services.slot_save(quiz=_quiz(course), tag="humanis", count=1)
    tag = Tag.objects.get(name="humanis")
    for person in (learner, hr):
        client = client_for(person)
        assert client.get("/api/v1/authoring/tags/").status_code == 403
        assert client.post("/api/v1/authoring/tags/", {"name": "x"}, format="json").status_code == 403
        assert (
            client.patch(f"/api/v1/authoring/tags/{tag.pk}/", {"name": "x"}, format="json").status_code == 403
        )
        assert client.delete(f"/api/v1/authoring/tags/{tag.pk}/").status_code == 403
        assert (
            client.patch(f"/api/v1/authoring/slots/{slot.pk}/", {"count": 2}, format="json").status_code
            == 403
        )
        assert (
            client.put(
                f"/api/v1/authoring/slots/{slot.pk}/", {"quiz": slot.quiz_id, "count": 2}, format="json"
            ).status_code
            == 403
        )
    assert list(Tag.objects.values_list("name", flat=True)) == ["humanis"]
    assert QuizSlot.objects.get().count == 1


def test_the_tag_list_takes_the_same_few_queries_however_many_tags(
    instructor_client, django_assert_max_num_queries
):
    for n in range(30):
        _tagged(f"t{n}", f"tag {n}", "semua")
    with django_assert_max_num_queries(6):
        response = instructor_client.get("/api/v1/authoring/tags/")
    assert response.status_code == 200 and response.json()["count"] == 31


# --- Slot updates ---


def _slot_row(slot_id):
    slot = QuizSlot.objects.select_related("tag").get(pk=slot_id)
    return (
        slot.quiz_id,
        slot.category_id,
        slot.tag.name if slot.tag else None,
        slot.count,
        slot.include_subcategories,
        slot.order,
    )


def test_a_slot_is_changed_and_counts_from_the_next_publish(instructor_client, course, learner):
    quiz = _quiz(course)
    assert (
        instructor_client.post("/api/v1/authoring/gift/import/", {"text": GIFT}, format="json").status_code
        == 201
    )
    pelayanan = Category.objects.get(name="Pelayanan", parent=None)
    integritas = Category.objects.get(name="Integritas")
    slot = instructor_client.post(
        "/api/v1/authoring/slots/", {"quiz": quiz.pk, "category": pelayanan.pk, "count": 1}, format="json"
    ).json()
    assert instructor_client.post(f"/api/v1/authoring/quizzes/{quiz.pk}/publish/").status_code == 200
    first = client_for(learner).post(f"/api/v1/quizzes/{quiz.pk}/attempts/").json()

    changed = instructor_client.patch(
        f"/api/v1/authoring/slots/{slot['id']}/", {"category": integritas.pk, "count": 2}, format="json"
    )
    assert changed.status_code == 200, changed.json()
    assert changed.json() | {"id": 0} == {
        "id": 0,
        "quiz": quiz.pk,
        "order": 0,
        "category": integritas.pk,
        "tag": None,
        "count": 2,
        "include_subcategories": True,
    }
    # The attempt under way keeps its draw; a new version draws both of Integritas.
    attempt = Attempt.objects.get(pk=first["id"])
    assert {
        q["id"] for q in client_for(learner).get(f"/api/v1/attempts/{attempt.pk}/").json()["questions"]
    } == {q["id"] for q in first["questions"]}
    version = services.quiz_publish(quiz=quiz)
    assert version.spec["draws"] == [
        {
            "count": 2,
            "pool": sorted(Question.objects.filter(category=integritas).values_list("pk", flat=True)),
        }
    ]


def test_a_slot_put_replaces_it_and_switches_from_category_to_tag(instructor_client, course):
    quiz = _quiz(course)
    category = services.category_save(name="A", parent=None)
    slot = services.slot_save(quiz=quiz, category=category, count=1, order=3)
    response = instructor_client.put(
        f"/api/v1/authoring/slots/{slot.pk}/",
        {"quiz": quiz.pk, "category": None, "tag": "humanis", "count": 2, "include_subcategories": False},
        format="json",
    )
    assert response.status_code == 200, response.json()
    # A PUT without `order` keeps it.
    assert _slot_row(slot.pk) == (quiz.pk, None, "humanis", 2, False, 3)
    response = instructor_client.patch(
        f"/api/v1/authoring/slots/{slot.pk}/", {"category": category.pk, "tag": ""}, format="json"
    )
    assert response.status_code == 200 and _slot_row(slot.pk) == (quiz.pk, category.pk, None, 2, False, 3)


@pytest.mark.parametrize(
    ("method", "payload"),
    [
        ("patch", {"category": None}),  # nothing left to draw from
        ("patch", {"category": None, "tag": ""}),
        ("patch", {"category": None, "tag": "   "}),
        ("patch", {"count": 0}),
        ("patch", {"count": 40_000}),
        ("patch", {"count": "many"}),
        ("patch", {"category": 999_999}),
        ("patch", {"quiz": 999_999}),
        ("patch", {"quiz": None}),
        ("patch", {"order": -1}),
        ("patch", {"tag": "a" * 101}),
        ("patch", {"include_subcategories": "perhaps"}),
        ("put", {"count": 2}),  # a PUT names the quiz
        ("put", {"quiz": "{quiz}"}),  # and the count
        ("patch", []),
    ],
)
def test_bad_slot_updates_are_400_and_change_nothing(instructor_client, course, method, payload):
    quiz = _quiz(course)
    category = services.category_save(name="A", parent=None)
    slot = services.slot_save(quiz=quiz, category=category, count=1)
    if isinstance(payload, dict):
        payload = {k: quiz.pk if v == "{quiz}" else v for k, v in payload.items()}
    before = _slot_row(slot.pk)
    response = getattr(instructor_client, method)(
        f"/api/v1/authoring/slots/{slot.pk}/", payload, format="json"
    )
    assert response.status_code == 400, response.json()
    assert _slot_row(slot.pk) == before and not Tag.objects.exists()


def test_an_unknown_slot_is_404(instructor_client):
    assert (
        instructor_client.patch("/api/v1/authoring/slots/999999/", {"count": 2}, format="json").status_code
        == 404
    )
