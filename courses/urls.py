from django.urls import include, path
from rest_framework.routers import SimpleRouter

from courses import api

authoring = SimpleRouter()
authoring.register("courses", api.CourseAuthoringViewSet, basename="authoring-course")
authoring.register("modules", api.ModuleAuthoringViewSet, basename="authoring-module")
authoring.register("lessons", api.LessonAuthoringViewSet, basename="authoring-lesson")

urlpatterns = [path("authoring/", include(authoring.urls))]
