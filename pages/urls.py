from django.contrib.auth import views as auth_views
from django.urls import path

from pages import hr, instructor, learner, quiz_tools
from people.throttling import sign_in_throttled

app_name = "pages"

urlpatterns = [
    path("", learner.my_courses, name="home"),
    path("courses/<int:course_id>/", learner.course_page, name="course"),
    path("lessons/<int:lesson_id>/", learner.lesson_page, name="lesson"),
    path("quizzes/<int:quiz_id>/start/", learner.quiz_start, name="quiz-start"),
    path("attempts/<int:attempt_id>/", learner.attempt_page, name="attempt"),
    path("attempts/<int:attempt_id>/save/", learner.attempt_save, name="attempt-save"),
    path("attempts/<int:attempt_id>/confirm/", learner.attempt_confirm, name="attempt-confirm"),
    path("attempts/<int:attempt_id>/submit/", learner.attempt_submit, name="attempt-submit"),
    path("attempts/<int:attempt_id>/result/", learner.attempt_result, name="attempt-result"),
    path("certificates/", learner.my_certificates, name="certificates"),
    # HR
    path("hr/", hr.compliance_page, name="hr-compliance"),
    path("hr/compliance.csv", hr.compliance_csv, name="hr-compliance-csv"),
    path("hr/transcript/", hr.transcript_page, name="hr-transcript"),
    # Instructors
    path("authoring/", instructor.courses_page, name="instructor-courses"),
    path("authoring/courses/<int:course_id>/", instructor.course_page, name="instructor-course"),
    path(
        "authoring/modules/<int:module_id>/lessons/new/", instructor.lesson_edit, name="instructor-lesson-new"
    ),
    path("authoring/lessons/<int:lesson_id>/", instructor.lesson_edit, name="instructor-lesson"),
    path("authoring/preview/", instructor.markdown_preview, name="instructor-preview"),
    path("authoring/quizzes/<int:quiz_id>/", instructor.quiz_page, name="instructor-quiz"),
    path("authoring/quizzes/<int:quiz_id>/gift/", instructor.gift_import, name="instructor-gift-import"),
    path("authoring/quizzes/<int:quiz_id>/publish/", instructor.quiz_publish, name="instructor-quiz-publish"),
    path(
        "authoring/quizzes/<int:quiz_id>/questions/<int:question_id>/",
        instructor.question_edit,
        name="instructor-question",
    ),
    path(
        "authoring/quizzes/<int:quiz_id>/questions/<int:question_id>/delete/",
        instructor.question_delete,
        name="instructor-question-delete",
    ),
    path(
        "authoring/quizzes/<int:quiz_id>/attempts/", instructor.quiz_attempts, name="instructor-quiz-attempts"
    ),
    path("authoring/quizzes/<int:quiz_id>/analysis/", quiz_tools.item_analysis, name="instructor-analysis"),
    path(
        "authoring/quizzes/<int:quiz_id>/analysis.csv",
        quiz_tools.item_analysis_csv,
        name="instructor-analysis-csv",
    ),
    path("authoring/quizzes/<int:quiz_id>/grading/", quiz_tools.grading_queue, name="instructor-grading"),
    path("authoring/quizzes/<int:quiz_id>/regrade/", quiz_tools.regrade, name="instructor-regrade"),
    path("authoring/regrades/<int:regrade_id>/", quiz_tools.regrade_job, name="instructor-regrade-job"),
]

# Session sign-in for the pages (Django's views and form fields `username`, `password`), under
# /accounts/ without a namespace: the names `login`, `logout` ... are Django's own.
account_urlpatterns = [
    path(
        "login/",
        sign_in_throttled(auth_views.LoginView.as_view(template_name="pages/login.html")),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password_change/",
        auth_views.PasswordChangeView.as_view(template_name="pages/password_change.html"),
        name="password_change",
    ),
    path(
        "password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="pages/password_change_done.html"),
        name="password_change_done",
    ),
]
