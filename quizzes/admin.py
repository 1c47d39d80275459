from django.contrib import admin

from quizzes.models import Attempt, Category, Choice, Question, Quiz, QuizSlot, Tag


class ChoiceInline(admin.TabularInline):
    model = Choice
    extra = 0


@admin.register(Quiz)
class QuizAdmin(admin.ModelAdmin):
    list_display = ["title", "module", "pass_mark", "time_limit_seconds", "max_attempts"]


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["key", "name", "quiz", "category", "type", "points"]
    list_filter = ["type"]
    inlines = [ChoiceInline]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "parent"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name"]


@admin.register(QuizSlot)
class QuizSlotAdmin(admin.ModelAdmin):
    list_display = ["quiz", "count", "category", "tag", "include_subcategories"]


@admin.register(Attempt)
class AttemptAdmin(admin.ModelAdmin):
    list_display = ["id", "person", "quiz", "status", "percent", "passed", "started_at"]
    list_filter = ["status", "passed"]
    raw_id_fields = ["person", "quiz", "version"]
    readonly_fields = ["layout", "score", "max_score", "percent", "passed", "graded_at"]
