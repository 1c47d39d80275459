from django.conf import settings
from django.db import models
from django.db.models import F, Q

from courses.models import Enrolment, Module
from people.models import Person
from quizzes import question_types


class Quiz(models.Model):
    class GradingMethod(models.TextChoices):
        """Which of a person's graded attempts make their result on the quiz (Moodle's
        "grading method"): what certificates and HR read."""

        HIGHEST = "highest", "Highest grade"
        AVERAGE = "average", "Average grade"
        FIRST = "first", "First attempt"
        LAST = "last", "Last attempt"

    class ReviewWhen(models.TextChoices):
        """When a learner may see one part of a graded attempt (the review policy)."""

        IMMEDIATELY = "immediately", "Right after grading"
        AFTER_CLOSE = "after_close", "After the quiz closes"
        AFTER_PASS = "after_pass", "Once the quiz is passed"
        NEVER = "never", "Never"

    class Paging(models.TextChoices):
        ALL = "all", "All questions on one page"
        ONE = "one", "One question per screen"

    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="quizzes")
    slug = models.SlugField(max_length=100)
    title = models.CharField(max_length=200)
    title_en = models.CharField(max_length=200, blank=True)
    pass_mark = models.PositiveSmallIntegerField(default=70, help_text="Percent needed to pass")
    time_limit_seconds = models.PositiveIntegerField(default=900)
    max_attempts = models.PositiveSmallIntegerField(default=3)
    # When attempts may start (none: no limit on that side); a person's override moves them.
    opens_at = models.DateTimeField(null=True, blank=True)
    closes_at = models.DateTimeField(null=True, blank=True)
    cooldown_minutes = models.PositiveIntegerField(
        default=0, help_text="Minutes to wait after an attempt ends before the next may start"
    )
    grading_method = models.CharField(
        max_length=8, choices=GradingMethod.choices, default=GradingMethod.HIGHEST
    )
    # The review policy: when the learner sees each part of a graded attempt. Right answers
    # (and feedback, which tells them) also wait until the learner can take the quiz no more.
    review_score = models.CharField(max_length=12, choices=ReviewWhen.choices, default=ReviewWhen.IMMEDIATELY)
    review_correctness = models.CharField(
        max_length=12, choices=ReviewWhen.choices, default=ReviewWhen.IMMEDIATELY
    )
    review_feedback = models.CharField(max_length=12, choices=ReviewWhen.choices, default=ReviewWhen.NEVER)
    review_answers = models.CharField(max_length=12, choices=ReviewWhen.choices, default=ReviewWhen.NEVER)
    paging = models.CharField(
        max_length=3,
        choices=Paging.choices,
        default=Paging.ALL,
        help_text="How the learner's quiz page shows the questions (the learner may switch).",
    )

    class Meta:
        ordering = ["module", "id"]
        verbose_name_plural = "quizzes"
        constraints = [
            models.UniqueConstraint(fields=["module", "slug"], name="quiz_slug_unique_in_module"),
            models.CheckConstraint(condition=Q(pass_mark__lte=100), name="quiz_pass_mark_percent"),
            models.CheckConstraint(condition=Q(time_limit_seconds__gte=30), name="quiz_time_limit_min"),
            models.CheckConstraint(
                condition=Q(opens_at__isnull=True)
                | Q(closes_at__isnull=True)
                | Q(opens_at__lt=F("closes_at")),
                name="quiz_opens_before_it_closes",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class QuizOverride(models.Model):
    """A person's own rules for one quiz, or (no quiz) for every quiz: more time as a multiplier
    of the time limit, extra attempts, their own open and close dates. A field left empty takes
    the general override's value, then the quiz's; a quiz's own override beats the general one
    field by field."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="quiz_overrides")
    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, null=True, blank=True, related_name="overrides")
    time_multiplier = models.DecimalField(max_digits=3, decimal_places=2, null=True, blank=True)
    extra_attempts = models.PositiveSmallIntegerField(null=True, blank=True)
    opens_at = models.DateTimeField(null=True, blank=True)
    closes_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["person", "quiz", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "quiz"],
                condition=Q(quiz__isnull=False),
                name="one_override_per_person_quiz",
            ),
            models.UniqueConstraint(
                fields=["person"], condition=Q(quiz__isnull=True), name="one_general_override_per_person"
            ),
            models.CheckConstraint(
                condition=Q(time_multiplier__isnull=True) | Q(time_multiplier__gte=1, time_multiplier__lte=5),
                name="override_time_multiplier_range",
            ),
            models.CheckConstraint(
                condition=Q(extra_attempts__isnull=True) | Q(extra_attempts__lte=20),
                name="override_extra_attempts_range",
            ),
            models.CheckConstraint(
                condition=Q(opens_at__isnull=True)
                | Q(closes_at__isnull=True)
                | Q(opens_at__lt=F("closes_at")),
                name="override_opens_before_it_closes",
            ),
        ]

    def __str__(self) -> str:
        return f"Override for {self.person_id} on {self.quiz_id or 'every quiz'}"


class Category(models.Model):
    """A category of the question bank: a tree, as Moodle's (and GIFT's `$CATEGORY:`)."""

    name = models.CharField(max_length=200)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )

    class Meta:
        ordering = ["name", "id"]
        verbose_name_plural = "categories"
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="category_name_unique_in_parent"),
            models.UniqueConstraint(
                fields=["name"], condition=Q(parent__isnull=True), name="category_name_unique_at_top"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    name = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TextFormat(models.TextChoices):
    PLAIN = "plain", "Plain text"
    MARKDOWN = "markdown", "Markdown"
    HTML = "html", "HTML"
    MOODLE = "moodle", "Moodle auto-format"


class Question(models.Model):
    """The draft question bank an instructor edits; attempts use a published QuizVersion. A
    question of a quiz is one of its fixed questions; a question of no quiz lives only in the
    bank, for the random slots of any quiz (QuizSlot)."""

    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="questions", null=True, blank=True)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, null=True, blank=True, related_name="questions"
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="questions")
    key = models.SlugField(max_length=100, help_text="Stable identifier within the quiz")
    order = models.PositiveIntegerField(default=0)
    # The registry's types, in its order (quizzes.question_types): registering one changes these
    # choices, which Django records as a migration that runs no SQL.
    type = models.CharField(max_length=12, choices=question_types.choices())
    name = models.CharField(
        max_length=255, blank=True, help_text="A short name authors know it by (GIFT's ::name::)"
    )
    text = models.TextField()
    text_format = models.CharField(max_length=8, choices=TextFormat.choices, default=TextFormat.PLAIN)
    general_feedback = models.TextField(blank=True)
    # The type's own key and options (accepted answers, pairs, items, rubric, scoring), in the
    # shape its registry module keeps (`QuestionType.prepare`); the choice types keep their
    # choices as rows.
    content = models.JSONField(default=dict, blank=True)
    text_en = models.TextField(blank=True)
    explanation = models.TextField(blank=True)
    explanation_en = models.TextField(blank=True)
    points = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["quiz", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["quiz", "key"], name="question_key_unique_in_quiz"),
            models.CheckConstraint(condition=Q(points__gte=1), name="question_points_positive"),
        ]

    def __str__(self) -> str:
        return self.text[:60]


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    order = models.PositiveIntegerField(default=0)
    text = models.CharField(max_length=500)
    text_en = models.CharField(max_length=500, blank=True)
    is_correct = models.BooleanField(default=False)
    # A percent of the question's points (-100..100); none: `is_correct` alone says.
    weight = models.SmallIntegerField(null=True, blank=True)
    feedback = models.TextField(blank=True)

    class Meta:
        ordering = ["question", "order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weight__isnull=True) | Q(weight__gte=-100, weight__lte=100),
                name="choice_weight_percent",
            )
        ]

    def __str__(self) -> str:
        return self.text


class QuizSlot(models.Model):
    """N questions drawn at random for each attempt from a category (with its subcategories)
    or a tag of the bank, besides the quiz's fixed questions."""

    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="slots")
    order = models.PositiveIntegerField(default=0)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, null=True, blank=True, related_name="slots"
    )
    tag = models.ForeignKey(Tag, on_delete=models.PROTECT, null=True, blank=True, related_name="slots")
    count = models.PositiveSmallIntegerField(default=1)
    include_subcategories = models.BooleanField(default=True)

    class Meta:
        ordering = ["quiz", "order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(category__isnull=False) | Q(tag__isnull=False), name="slot_draws_from_somewhere"
            ),
            models.CheckConstraint(condition=Q(count__gte=1), name="slot_count_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.count} random of {self.category or self.tag}"


class QuizVersion(models.Model):
    """A frozen copy of a quiz's questions and keys; what attempts are started from and graded
    against, so editing the bank never changes an attempt under way."""

    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    spec = models.JSONField()
    published_at = models.DateTimeField(auto_now_add=True)
    # Raised when a regrade fixes the spec's keys: what a process parsed of an older revision
    # is stale (quizzes.services._grading_of keys its cache by it).
    revision = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["quiz", "-number"]
        constraints = [models.UniqueConstraint(fields=["quiz", "number"], name="quiz_version_number_unique")]

    def __str__(self) -> str:
        return f"{self.quiz} v{self.number}"


class Attempt(models.Model):
    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        SUBMITTED = "submitted", "Submitted"
        GRADED = "graded", "Graded"
        NEEDS_REVIEW = "needs_review", "Needs review"

    quiz = models.ForeignKey(Quiz, on_delete=models.PROTECT, related_name="attempts")
    version = models.ForeignKey(QuizVersion, on_delete=models.PROTECT, related_name="attempts")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="attempts")
    # The person's cycle of the course this attempt counts in (see courses.Enrolment).
    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="attempts")
    number = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.IN_PROGRESS)
    # Question ids (of the version's spec) in the order this attempt shows them, with each
    # question's choice ids in their shown order: fixed at start.
    layout = models.JSONField()
    started_at = models.DateTimeField()
    deadline = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    auto_submitted = models.BooleanField(default=False)
    graded_at = models.DateTimeField(null=True, blank=True)
    score = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    max_score = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(fields=["person", "quiz", "number"], name="attempt_number_unique"),
            # One open attempt per person and quiz, even under concurrent starts.
            models.UniqueConstraint(
                fields=["person", "quiz"],
                condition=Q(status="in_progress"),
                name="one_open_attempt_per_quiz",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "deadline"]),
        ]

    def __str__(self) -> str:
        return f"Attempt {self.pk} ({self.status})"


class Response(models.Model):
    """A saved answer. `question_ref` is the id of a question in the attempt's frozen spec."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="responses")
    question_ref = models.PositiveIntegerField()
    choices = models.JSONField(default=list)
    text = models.TextField(blank=True)
    value = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    # Structured answers: matching `[[prompt_id, answer_id]]`, ordering `[item_id, ...]`.
    data = models.JSONField(null=True, blank=True)
    saved_at = models.DateTimeField()
    score = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    correct = models.BooleanField(null=True, blank=True)
    # An answer graded by hand (essay): the instructor's points per rubric criterion, comment
    # and who graded it (`{"scores": [{"criterion", "points"}], "comment", "by"}`); none while
    # it waits in the manual grading queue.
    review = models.JSONField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["attempt", "id"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "question_ref"], name="one_response_per_question")
        ]

    def __str__(self) -> str:
        return f"Response to {self.question_ref} in attempt {self.attempt_id}"


class Regrade(models.Model):
    """A regrade of a quiz version after a key was fixed or questions dropped: who asked, when
    and why (the audit), the version's spec before it, and the job's progress. The run goes
    through the attempts in id order in batches; `last_attempt` is where it stands, moved in the
    transaction of each batch, so a run cut short resumes there and never regrades twice."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"

    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="regrades")
    version = models.ForeignKey(QuizVersion, on_delete=models.CASCADE, related_name="regrades")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField()
    dropped = models.JSONField(default=list, blank=True)
    previous_spec = models.JSONField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)
    last_attempt = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One run at a time per version: a second would grade against a spec in flux.
            models.UniqueConstraint(
                fields=["version"], condition=~Q(status="done"), name="one_running_regrade_per_version"
            )
        ]

    def __str__(self) -> str:
        return f"Regrade {self.pk} of {self.version}"

    @property
    def progress(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return min(99, self.done * 100 // self.total) if self.total else 0


class RegradeChange(models.Model):
    """One attempt whose score or pass a regrade changed, before and after."""

    regrade = models.ForeignKey(Regrade, on_delete=models.CASCADE, related_name="changes")
    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="regrade_changes")
    old_score = models.DecimalField(max_digits=8, decimal_places=2, null=True)
    new_score = models.DecimalField(max_digits=8, decimal_places=2, null=True)
    old_passed = models.BooleanField(null=True)
    new_passed = models.BooleanField(null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["regrade", "attempt"], name="one_change_per_attempt")]

    def __str__(self) -> str:
        return f"Attempt {self.attempt_id}: {self.old_score} -> {self.new_score}"
