from django.contrib import admin

from quizzes.models import Attempt, Choice, Question, Quiz


class ChoiceInline(admin.TabularInline):
    model = Choice
    extra = 0


@admin.register(Quiz)
class QuizAdmin(admin.ModelAdmin):
    list_display = ["title", "module", "pass_mark", "time_limit_seconds", "max_attempts"]


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["key", "quiz", "type", "points"]
    inlines = [ChoiceInline]


@admin.register(Attempt)
class AttemptAdmin(admin.ModelAdmin):
    list_display = ["id", "person", "quiz", "status", "percent", "passed", "started_at"]
    list_filter = ["status", "passed"]
    raw_id_fields = ["person", "quiz", "version"]
    readonly_fields = ["layout", "score", "max_score", "percent", "passed", "graded_at"]
