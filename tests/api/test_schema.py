import pytest

pytestmark = pytest.mark.django_db

CONTRACT_PATHS = [
    "/api/v1/auth/token/",
    "/api/v1/auth/token/refresh/",
    "/api/v1/courses/",
    "/api/v1/courses/{course_id}/",
    "/api/v1/quizzes/{quiz_id}/attempts/",
    "/api/v1/attempts/{attempt_id}/answers/",
    "/api/v1/attempts/{attempt_id}/submit/",
    "/api/v1/attempts/{attempt_id}/",
    "/api/v1/me/certificates/",
    "/api/v1/certificates/{certificate_id}/",
    "/api/v1/certificates/{certificate_id}/pdf/",
    "/api/v1/certificates/{certificate_id}/credential/",
    "/api/v1/verify/{code}/",
    "/api/v1/hr/certificates/",
    "/api/v1/hr/personnel/{nrp}/transcript/",
    "/api/v1/hr/compliance/",
    "/api/v1/authoring/courses/",
    "/api/v1/authoring/modules/",
    "/api/v1/authoring/lessons/",
    "/api/v1/authoring/quizzes/",
    "/api/v1/authoring/questions/",
    "/api/v1/authoring/quizzes/{id}/questions/",
    "/api/v1/authoring/quizzes/{id}/publish/",
    "/api/v1/authoring/categories/",
    "/api/v1/authoring/categories/{id}/",
    "/api/v1/authoring/gift/import/",
    "/api/v1/authoring/gift/export/",
]

# Beyond the contract: every write of the bank's tags and random slots, with its request body.
BANK_WRITES = {
    ("/api/v1/authoring/tags/", "post"): "TagRequest",
    ("/api/v1/authoring/tags/{id}/", "put"): "TagRequest",
    ("/api/v1/authoring/tags/{id}/", "patch"): "PatchedTagRequest",
    ("/api/v1/authoring/slots/", "post"): "QuizSlotRequest",
    ("/api/v1/authoring/slots/{id}/", "put"): "QuizSlotRequest",
    ("/api/v1/authoring/slots/{id}/", "patch"): "PatchedQuizSlotRequest",
}


def test_the_openapi_document_describes_every_path_of_the_contract(api):
    response = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert [p for p in CONTRACT_PATHS if p not in paths] == []


def test_the_openapi_document_describes_the_writes_of_tags_and_slots(api):
    document = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    for (path, method), component in BANK_WRITES.items():
        operation = document["paths"][path][method]
        body = operation["requestBody"]["content"]["application/json"]["schema"]
        assert body == {"$ref": f"#/components/schemas/{component}"}, (path, method)
        assert operation["description"]
    for path in ("/api/v1/authoring/tags/{id}/", "/api/v1/authoring/slots/{id}/"):
        assert "204" in document["paths"][path]["delete"]["responses"]
    tag = document["components"]["schemas"]["Tag"]["properties"]
    assert {"id", "name", "question_count", "slot_count"} <= set(tag)


def test_swagger_ui_is_served(api):
    assert api.get("/api/docs/").status_code == 200


# --- Issue 11, defect 9: the document says what the server answers --------------------------


@pytest.fixture
def schema(api):
    return api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()


def test_a_quizs_questions_are_documented_as_the_plain_list_the_server_answers(schema):
    ok = schema["paths"]["/api/v1/authoring/quizzes/{id}/questions/"]["get"]["responses"]["200"]
    assert ok["content"]["application/json"]["schema"]["type"] == "array"


def test_publish_is_documented_as_the_version_it_answers(schema):
    ok = schema["paths"]["/api/v1/authoring/quizzes/{id}/publish/"]["post"]["responses"]["200"]
    ref = ok["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert set(schema["components"]["schemas"][ref]["properties"]) == {"quiz", "version", "published_at"}


def test_answers_are_required_when_saving_them(schema):
    body = schema["paths"]["/api/v1/attempts/{attempt_id}/answers/"]["patch"]["requestBody"]
    assert body["required"] is True
    ref = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert schema["components"]["schemas"][ref]["required"] == ["answers"]


# The views that read more than JSON, and what: a GIFT file upload, the registry's CSV.
OTHER_BODIES = {
    ("post", "/api/v1/authoring/gift/import/"): {"application/json", "multipart/form-data"},
    ("post", "/api/v1/registry/units/sync/"): {"application/json", "text/csv"},
    ("post", "/api/v1/registry/personnel/sync/"): {"application/json", "text/csv"},
}


def test_the_api_documents_only_the_json_bodies_it_reads(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if "requestBody" in operation:
                expected = OTHER_BODIES.get((method, path), {"application/json"})
                assert set(operation["requestBody"]["content"]) == expected, (method, path)


def test_error_answers_are_documented(schema):
    paths = schema["paths"]
    codes = {
        ("/api/v1/auth/token/", "post"): {"400", "401", "429", "503"},
        ("/api/v1/attempts/{attempt_id}/answers/", "patch"): {"400", "401", "403", "404", "409", "429"},
        ("/api/v1/attempts/{attempt_id}/submit/", "post"): {"401", "404", "409", "429"},
        ("/api/v1/authoring/quizzes/", "post"): {"400", "401", "403"},
        ("/api/v1/verify/{code}/", "get"): {"404", "429"},
        ("/api/v1/certificates/{certificate_id}/pdf/", "get"): {"401", "404", "409"},
    }
    for (path, method), expected in codes.items():
        documented = set(paths[path][method]["responses"])
        assert expected <= documented, (path, method, expected - documented)
    assert "401" not in paths["/api/v1/verify/{code}/"]["get"]["responses"]
    error = schema["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {"detail", "code", "next_attempt_at", "opens_at", "closes_at"}
    assert error["required"] == ["detail"]
